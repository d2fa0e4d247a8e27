//! Audit logs (`audit.k8s.io/v1` events, plain or gzip, one per line or an `EventList`):
//! arbitrary bytes are read without a panic, the same whether pushed whole or in chunks of any
//! size (the first byte picks it), every diagnostic of a plain log on one of its lines; and a
//! planted token in a client's user agent never reaches the report.
#![no_main]

use libfuzzer_sys::fuzz_target;
use policy_core::audit::{AuditLog, FileReader};

fuzz_target!(|data: &[u8]| {
    let (size, log) = match data.split_first() {
        Some((first, rest)) => (usize::from(*first).max(1), rest),
        None => (1, data),
    };
    let mut whole = AuditLog::default();
    whole.read("audit.log", log);
    let mut chunked = AuditLog::default();
    let mut reader = FileReader::new("audit.log");
    for chunk in log.chunks(size) {
        reader.push(&mut chunked, chunk);
    }
    reader.finish(&mut chunked);
    assert_eq!(whole.summary(), chunked.summary(), "chunks of {size} bytes read otherwise");
    assert_eq!(whole.files, chunked.files, "chunks of {size} bytes diagnose otherwise");
    if !log.starts_with(&[0x1f, 0x8b]) {
        let lines = authn_audit_fuzz::line_count(log);
        for d in whole.files.iter().flat_map(|f| &f.diagnostics) {
            assert!(d.source.line >= 1 && d.source.line <= lines, "diagnostic outside the log ({lines} lines): {d}");
        }
    }
    if !authn_audit_fuzz::mentions_marker(log) {
        let planted = format!(
            r#"{{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"p","stage":"ResponseComplete","requestURI":"/api","verb":"get","user":{{"username":"u"}},"sourceIPs":["10.0.0.1"],"userAgent":"client/1.0 {}","responseStatus":{{"code":200}},"requestReceivedTimestamp":"2025-11-27T10:00:00Z"}}"#,
            authn_audit_fuzz::MARKER
        );
        let mut bytes = planted.into_bytes();
        bytes.push(b'\n');
        bytes.extend_from_slice(log);
        let mut with_token = AuditLog::default();
        with_token.read("audit.log", &bytes);
        let shown = serde_json::to_string(&with_token.summary()).unwrap_or_default();
        assert!(!authn_audit_fuzz::mentions_marker(shown.as_bytes()), "the report shows a client's token");
    }
});
