//! Kubeconfigs: arbitrary bytes as a kubeconfig file and, base64-encoded, as a Secret's
//! `kubeconfig` key (the inventory decodes both); analysed beside planted credentials, rendered
//! in every format, no planted secret shown, everything located inside the input.
#![no_main]

use base64::Engine as _;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    authn_audit_fuzz::analyze_checked("kubeconfig", data);
    let b64 = base64::engine::general_purpose::STANDARD.encode(data);
    let secret = format!(
        "apiVersion: v1\nkind: Secret\nmetadata: {{name: fuzzed-kubeconfig, namespace: kube-system}}\ndata:\n  kubeconfig: {b64}\n  admin.conf: {b64}\n"
    );
    authn_audit_fuzz::analyze_checked("secret.yaml", secret.as_bytes());
});
