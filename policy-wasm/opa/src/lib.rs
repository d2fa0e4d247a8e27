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

/// Touch every lazily built global the rules can reach. The host rewinds the heap between
/// evaluations, so a lazy global first built during an evaluation would later be overwritten.
/// Returns how many requested extensions the warm-up CSR has (1), to keep the work observable.
#[cfg(any(target_arch = "wasm32", test))]
fn warm_up() -> usize {
    use x509_parser::prelude::{FromDer, X509CertificationRequest};
    let registry = x509_parser::objects::oid_registry();
    let _ = x509_parser::objects::oid2abbrev(&x509_parser::oid_registry::OID_X509_COMMON_NAME, registry);
    let Ok((_, pem)) = x509_parser::pem::parse_x509_pem(WARM_UP_CSR.as_bytes()) else { return 0 };
    let Ok((_, csr)) = X509CertificationRequest::from_der(&pem.contents) else { return 0 };
    let _ = csr.certification_request_info.subject.to_string();
    csr.requested_extensions().map_or(0, Iterator::count)
}

#[cfg(test)]
mod tests {
    #[test]
    fn warm_up_parses_its_csr_and_extension() {
        assert_eq!(super::warm_up(), 1);
    }
}
