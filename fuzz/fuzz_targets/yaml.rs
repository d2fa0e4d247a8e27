//! YAML loader: arbitrary bytes as a `.yaml` file load without a panic, with every diagnostic and
//! object inside the input; the whole analysis renders in every format without showing a planted
//! secret; `parse_yaml_value` (embedded manifests) never panics.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    authn_audit_fuzz::load_checked("input.yaml", data);
    authn_audit_fuzz::analyze_checked("input.yaml", data);
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = policy_core::input::parse_yaml_value(text);
    }
});
