//! Static token file (`--token-auth-file` CSV): arbitrary bytes load without a panic, located
//! inside the input. A planted first record puts the marker in the token column, which no
//! output may show whatever follows it.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    authn_audit_fuzz::load_checked("tokens.csv", data);
    let mut planted = format!("{},fuzz-user,1000,\"system:masters\"\n", authn_audit_fuzz::MARKER).into_bytes();
    planted.extend_from_slice(data);
    authn_audit_fuzz::analyze_with("tokens.csv", &planted, !authn_audit_fuzz::mentions_marker(data));
});
