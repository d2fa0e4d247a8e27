//! PEM, x509 certificates and CSRs: PEM text (any labels, headers, bad base64) and raw DER, as
//! the inventory decodes them from kubeconfigs, Secrets and CSR objects. No panic; every problem
//! is on a line of the text; a decoded certificate's derived facts can be computed.
#![no_main]

use libfuzzer_sys::fuzz_target;
use policy_core::inventory::x509::{CertInfo, CsrInfo, PemItem, certificates, parse_pem};

fn exercise(cert: &CertInfo) {
    let now = time::OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    let _ = (cert.lifetime_seconds(), cert.expired_at(now), cert.status_at(now));
    let _ = (cert.is_client_cert(), cert.is_system_component(), cert.issued_by(cert), cert.same_ca(cert));
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if text.contains("-----BEGIN ") {
        let lines = u32::try_from(text.lines().count()).unwrap_or(u32::MAX);
        let (items, problems) = parse_pem(&text);
        for (line, message) in &problems {
            assert!(*line < lines.max(1), "problem at line offset {line} of {lines}: {message}");
        }
        for item in &items {
            if let PemItem::Certificate(cert) = item {
                exercise(cert);
            }
        }
    } else {
        if let Ok(cert) = CertInfo::from_der(data) {
            exercise(&cert);
        }
        let _ = CsrInfo::from_der(data);
    }
    let (certs, problems) = certificates(data);
    assert!(!certs.is_empty() || !problems.is_empty(), "no certificate and no problem");
    certs.iter().for_each(exercise);
});
