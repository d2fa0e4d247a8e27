//! The OPA Wasm ABI module: `policy-core` behind the exports every OPA SDK drives (npm
//! `@open-policy-agent/opa-wasm`, PyPI `opa-wasmtime`, the `opa-wasm` crate, Kubewarden's burrego).
//!
//! ABI 1.2 (context path and `opa_eval` fast path). What is evaluated lives in
//! [`policy_wasm::opa`]; this crate is the memory and calling convention only. Built for
//! `wasm32-unknown-unknown` with an imported memory of at most 5 initial pages (see `build.rs`);
//! `cargo xtask wasm` adds the ABI version globals after linking. On other targets it is empty.

#[cfg(target_arch = "wasm32")]
#[expect(unsafe_code, reason = "the OPA ABI passes raw addresses into linear memory and needs a global allocator")]
mod abi;

/// A CSR with an extension request: parsing and printing it initialises every lazy table of
/// x509-parser, so that they are allocated before the host first reads the heap pointer.
#[cfg(any(target_arch = "wasm32", test))]
const WARM_UP_CSR: &str = "-----BEGIN CERTIFICATE REQUEST-----
MIIBETCBtwIBADAoMRAwDgYDVQQDDAd3YXJtLXVwMRQwEgYDVQQKDAthdXRobi1h
dWRpdDBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABJoz8+vgXx52gQ0T4rJiSLxx
jksprpCUF9uFAtTZRapr3lCCJc+WThnwcLfALbFKhp17fKHPRWqtYNZsWQLZlS+g
LTArBgkqhkiG9w0BCQ4xHjAcMBoGA1UdEQQTMBGCD3dhcm0tdXAuaW52YWxpZDAK
BggqhkjOPQQDAgNJADBGAiEAiuEvcPUJIXMWnZyUp9y53OtqPpBSf46Nn3KT2P/E
LHMCIQCHIOb4xdt+6ZSV7sFl9PmLn/gl8HqRjJS1Wo6G+U/qjw==
-----END CERTIFICATE REQUEST-----
";

/// Touch every lazily built global an admission can reach (x509-parser's OID tables, ...) by
/// deciding a few requests that parse certificates, decode Secrets and produce findings
/// (policy-core's own: the default roles, aggregated once, and their index, which the RoleBinding
/// below builds), and by deriving every admit rule's default remediation, which the catalogue keeps
/// once derived (a rule first finding something in a later evaluation would otherwise build it
/// there, and a later evaluation's heap would overwrite it). The host rewinds the
/// heap between evaluations, so a lazy global first built
/// during an evaluation would later be overwritten; built here, it lies below every address the
/// host sees. A new lazy global on another path needs a request here: the host tests evaluate
/// every fixture after a 2 MB request and would catch it. Returns the findings produced.
#[cfg(any(target_arch = "wasm32", test))]
fn warm_up() -> usize {
    use base64::Engine as _;
    use serde_json::json;
    let csr = base64::engine::general_purpose::STANDARD.encode(WARM_UP_CSR);
    let objects = [
        json!({"apiVersion": "certificates.k8s.io/v1", "kind": "CertificateSigningRequest",
               "metadata": {"name": "warm-up"},
               "spec": {"request": csr, "signerName": "kubernetes.io/kube-apiserver-client", "usages": ["client auth"]}}),
        json!({"apiVersion": "v1", "kind": "Secret", "type": "bootstrap.kubernetes.io/token",
               "metadata": {"name": "bootstrap-token-a1b2c3", "namespace": "kube-system"},
               "data": {"token-id": "YTFiMmMz", "token-secret": "MDEyMzQ1Njc4OWFiY2RlZg==",
                        "usage-bootstrap-authentication": "dHJ1ZQ=="}}),
        json!({"apiVersion": "v1", "kind": "Secret", "type": "kubernetes.io/service-account-token",
               "metadata": {"name": "warm-up-token", "namespace": "default",
                            "annotations": {"kubernetes.io/service-account.name": "default"}}}),
        json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "warm-up", "namespace": "default"},
               "spec": {"containers": [{"name": "c", "image": "busybox"}],
                        "volumes": [{"name": "t", "projected": {"sources": [{"serviceAccountToken":
                            {"path": "t", "expirationSeconds": 31_536_000}}]}}]}}),
        json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
               "metadata": {"name": "warm-up", "namespace": "default"},
               "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "view"},
               "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": "system:anonymous"}]}),
    ];
    for meta in policy_core::registry::ADMIT.iter().map(|rule| rule.meta()) {
        meta.default_remediation();
    }
    let settings = policy_wasm::PolicySettings::default();
    objects
        .into_iter()
        .filter_map(|object| settings.decide(&json!({"operation": "CREATE", "object": object})).ok())
        .map(|decision| decision.findings.len())
        .sum()
}

#[cfg(test)]
mod tests {
    #[test]
    fn warm_up_decides_requests_that_produce_findings() {
        // One per request at least once the admit rules are in (CC003, BT001, SA001, TR001, AN002).
        assert!(super::warm_up() >= 5, "warm-up found {}", super::warm_up());
    }

    #[test]
    fn warm_up_derives_every_admit_rules_default_remediation() {
        super::warm_up();
        let missing: Vec<&str> = policy_core::registry::ALL
            .iter()
            .map(|rule| rule.meta())
            .filter(|meta| meta.admits() && meta.fix_text.get().is_none())
            .map(|meta| meta.code)
            .collect();
        assert!(missing.is_empty(), "derived during an evaluation, above the host's rewind point: {missing:?}");
    }
}
