//! JSON loader (streams of values, arrays, `*List`s): as the YAML target, under a `.json` name.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    authn_audit_fuzz::load_checked("input.json", data);
    authn_audit_fuzz::analyze_checked("input.json", data);
});
