#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::string_slice, reason = "tests")]
use super::*;
use std::io::Write as _;

/// An event as the API server writes it (fields of `audit.k8s.io/v1` `Event`), one line.
pub(crate) fn event(user: &str, extra: &str, verb: &str, uri: &str, code: u16, at: &str) -> String {
    format!(
        r#"{{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"a-{at}","stage":"ResponseComplete","requestURI":"{uri}","verb":"{verb}","user":{{"username":"{user}","groups":["system:authenticated"]{extra}}},"sourceIPs":["10.0.0.7"],"userAgent":"kubectl/v1.32.0","responseStatus":{{"metadata":{{}},"code":{code}}},"requestReceivedTimestamp":"{at}","stageTimestamp":"{at}"}}"#
    )
}

/// The event with an `objectRef` (`audit/v1.ObjectReference`).
pub(crate) fn on(line: &str, object: &str) -> String {
    line.replace(r#""sourceIPs""#, &format!(r#""objectRef":{object},"sourceIPs""#))
}

fn read(name: &str, bytes: &[u8]) -> AuditLog {
    let mut log = AuditLog::default();
    log.read(name, bytes);
    log
}

fn codes(log: &AuditLog) -> Vec<(u32, String)> {
    log.files.iter().flat_map(|f| &f.diagnostics).map(|d| (d.source.line, d.code.to_string())).collect()
}

#[test]
fn one_event_per_line_is_counted_once_per_request() {
    let received = event("alice", "", "get", "/api/v1/pods", 200, "2025-11-01T10:00:00.000000Z")
        .replace("ResponseComplete", "RequestReceived");
    let text = [
        received,
        event("alice", "", "get", "/api/v1/pods", 200, "2025-11-01T10:00:00.000000Z"),
        on(
            &event("alice", "", "list", "/api/v1/namespaces/a/secrets", 200, "2025-11-01T11:00:00.000000Z"),
            r#"{"resource":"secrets","namespace":"a","apiVersion":"v1"}"#,
        ),
        event("bob", "", "get", "/api/v1/pods", 403, "2025-11-01T09:00:00.000000Z"),
    ]
    .join("\n");
    let log = read("audit.log", text.as_bytes());
    assert_eq!(codes(&log), []);
    assert_eq!(log.requests, 3);
    let alice = &log.of_user("alice")[0];
    assert_eq!((alice.requests, alice.succeeded), (2, 2));
    assert_eq!((alice.first.source.line, alice.last.source.line), (2, 3));
    assert_eq!(alice.most_sensitive.as_ref().map(|a| a.what.as_str()), Some("read Secrets"));
    assert_eq!(log.of_user("bob")[0].most_sensitive, None, "a refused request did nothing");
    let window = log.window.clone().unwrap();
    assert_eq!(window, ("2025-11-01T09:00:00.000000Z".to_string(), "2025-11-01T11:00:00.000000Z".to_string()));
    assert_eq!(log.files[0].status, InputStatus::Analysed);
}

use crate::report::InputStatus;

#[test]
fn hostile_lines_are_located_and_the_rest_is_still_read() {
    let good = |at: &str| event("alice", "", "get", "/api/v1/pods", 200, at);
    let text = format!(
        "{}\nnot json at all\n{{\"kind\":\"Pod\",\"apiVersion\":\"v1\"}}\n{}\n\n{}\n{}",
        good("2025-11-01T10:00:01Z"),
        good("2025-11-01T10:00:02Z").replace(r#""user":{"username":"alice","#, r#""user":"alice","x":{"#),
        good("2025-11-01T10:00:03Z"),
        &good("2025-11-01T10:00:04Z")[..80],
    );
    let log = read("audit.log", text.as_bytes());
    assert_eq!(
        codes(&log),
        [
            (2, "audit-malformed-event".to_string()),
            (3, "audit-not-an-event".to_string()),
            (4, "audit-malformed-event".to_string()),
            (7, "audit-truncated-line".to_string()),
        ]
    );
    assert_eq!(log.of_user("alice")[0].requests, 2, "lines 1 and 6");
    assert_eq!(log.files[0].status, InputStatus::Partial);
    assert!(log.files[0].diagnostics.iter().all(|d| !d.message.contains("alice")), "no content echoed");
}

#[test]
fn bodies_are_never_kept() {
    let secret = "c3VwZXJzZWNyZXQtdmFsdWU=";
    let line = event("alice", "", "get", "/api/v1/namespaces/a/secrets/s", 200, "2025-11-01T10:00:00Z").replace(
        r#""requestReceivedTimestamp""#,
        &format!(r#""responseObject":{{"kind":"Secret","data":{{"token":"{secret}"}}}},"requestReceivedTimestamp""#),
    );
    let log = read("audit.log", line.as_bytes());
    assert_eq!(log.requests, 1);
    let kept = serde_json::to_string(&log.identities()).unwrap();
    assert!(!kept.contains(secret) && !kept.contains("responseObject"), "{kept}");
}

#[test]
fn gzip_event_lists_and_chunk_boundaries_read_the_same() {
    let lines: Vec<String> = (0..200)
        .map(|i| event(&format!("u{}", i % 7), "", "get", "/api", 200, &format!("2025-11-01T10:{:02}:00Z", i % 60)))
        .collect();
    let text = lines.join("\n") + "\n";
    let plain = read("a.log", text.as_bytes());
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(text.as_bytes()).unwrap();
    let gz = gz.finish().unwrap();
    let mut log = AuditLog::default();
    let mut reader = FileReader::new("a.log");
    for chunk in gz.chunks(1) {
        reader.push(&mut log, chunk);
    }
    reader.finish(&mut log);
    assert_eq!(codes(&log), []);
    assert_eq!(log.identities(), plain.identities());
    // The same events as a pretty-printed EventList (the webhook backend's batches).
    let items: Vec<serde_json::Value> = lines.iter().map(|l| serde_json::from_str(l).unwrap()).collect();
    let list = serde_json::json!({"kind": "EventList", "apiVersion": "audit.k8s.io/v1", "items": items});
    let pretty = serde_json::to_string_pretty(&list).unwrap();
    let listed = read("batch.json", pretty.as_bytes());
    assert_eq!(codes(&listed), []);
    assert_eq!(listed.requests, 200);
    assert_eq!(listed.identities().len(), 7);
    assert!(
        looks_like_audit_log(&gz) && looks_like_audit_log(text.as_bytes()) && looks_like_audit_log(pretty.as_bytes())
    );
    assert!(!looks_like_audit_log(
        br#"{"apiVersion":"v1","kind":"List","items":[{"kind":"Event","apiVersion":"v1"}]}"#
    ));
    assert!(!looks_like_audit_log(b"apiVersion: audit.k8s.io/v1\nkind: Policy\n"));
    assert!(!looks_like_audit_log(
        br#"{"apiVersion": "audit.k8s.io/v1", "kind": "Policy", "rules": [{"level": "Metadata"}]}"#
    ));
}

#[test]
fn a_cut_gzip_file_and_an_empty_log_are_errors_not_silence() {
    let text = event("alice", "", "get", "/api", 200, "2025-11-01T10:00:00Z") + "\n";
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(text.repeat(50).as_bytes()).unwrap();
    let gz = gz.finish().unwrap();
    let log = read("a.gz", &gz[..gz.len() - 12]);
    assert!(codes(&log).iter().any(|(_, c)| c == "audit-gzip-truncated"), "{:?}", codes(&log));
    let empty = read("empty.log", b"\n\n");
    assert_eq!(codes(&empty), [(1, "audit-no-events".to_string())]);
    assert_eq!(empty.files[0].status, InputStatus::NoObjects);
}

#[test]
fn an_overlong_line_is_skipped_without_being_held() {
    let mut log = AuditLog::default();
    let mut reader = FileReader::new("big.log");
    let junk = vec![b'x'; 1 << 20];
    for _ in 0..17 {
        reader.push(&mut log, &junk);
    }
    reader.push(&mut log, b"\n");
    reader.push(&mut log, event("alice", "", "get", "/api", 200, "2025-11-01T10:00:00Z").as_bytes());
    assert!(reader.partial.len() < 4096, "the long line was dropped as it came");
    reader.finish(&mut log);
    assert_eq!(codes(&log), [(1, "audit-line-too-long".to_string())]);
    assert_eq!(log.requests, 1);
}

#[test]
fn credential_ids_pod_bindings_and_legacy_annotations_are_kept_apart() {
    // Fields per k8s.io/apiserver/pkg/authentication/serviceaccount (pod-name, pod-uid,
    // node-name, credential-id) and pkg/serviceaccount/legacy token annotations.
    let bound = r#","extra":{"authentication.kubernetes.io/credential-id":["JTI=5f1c"],"authentication.kubernetes.io/pod-name":["web-1"],"authentication.kubernetes.io/pod-uid":["u1"],"authentication.kubernetes.io/node-name":["n1"]}"#;
    let sa = "system:serviceaccount:ci:deployer";
    let legacy = event(sa, "", "get", "/api/v1/namespaces/ci/secrets", 200, "2025-11-01T10:00:01Z").replace(
        r#""requestReceivedTimestamp""#,
        r#""annotations":{"authentication.k8s.io/legacy-token":"system:serviceaccount:ci:deployer","authentication.k8s.io/legacy-token-autogenerated-secret":"deployer-token-x"},"requestReceivedTimestamp""#,
    );
    let text = [event(sa, bound, "get", "/api/v1/pods", 200, "2025-11-01T10:00:00Z"), legacy].join("\n");
    let log = read("a.log", text.as_bytes());
    let ids = log.of_user(sa);
    assert_eq!(ids.len(), 2);
    let bound = ids.iter().find(|i| i.credential_id.is_some()).unwrap();
    assert_eq!(
        (bound.pod_bound_requests, bound.pods.clone(), bound.node.clone()),
        (1, vec!["ci/web-1".to_string()], Some("n1".to_string()))
    );
    let legacy = ids.iter().find(|i| i.legacy_token).unwrap();
    assert_eq!(legacy.legacy_secret.as_deref(), Some("deployer-token-x"));
    assert_eq!(legacy.pod_bound_requests, 0);
}

#[test]
fn out_of_scope_requests_of_anonymous_and_bootstrap_users() {
    let text = [
        event("system:anonymous", "", "get", "/healthz", 200, "2025-11-01T10:00:00Z"),
        event("system:anonymous", "", "get", "/version?timeout=32s", 200, "2025-11-01T10:00:01Z"),
        event("system:anonymous", "", "get", "/api/v1/namespaces", 403, "2025-11-01T10:00:02Z"),
        event("system:bootstrap:abcdef", "", "create", "/apis/certificates.k8s.io/v1/certificatesigningrequests", 201, "2025-11-01T10:00:03Z")
            .replace(r#""sourceIPs""#, r#""objectRef":{"resource":"certificatesigningrequests","apiGroup":"certificates.k8s.io","apiVersion":"v1"},"sourceIPs""#),
    ]
    .join("\n");
    let log = read("a.log", text.as_bytes());
    assert_eq!(log.of_user("system:anonymous")[0].out_of_scope_requests, 0);
    assert_eq!(log.of_user("system:bootstrap:abcdef")[0].out_of_scope_requests, 0);
    let more = event("system:anonymous", "", "get", "/api/v1/namespaces", 200, "2025-11-01T10:00:04Z");
    let log = read("b.log", format!("{text}\n{more}").as_bytes());
    let anonymous = &log.of_user("system:anonymous")[0];
    assert_eq!(anonymous.out_of_scope_requests, 1);
    assert_eq!(anonymous.out_of_scope.as_ref().map(|a| a.seen.source.line), Some(5));
}

#[test]
fn every_diagnostic_is_on_a_line_of_the_log_even_the_count_of_those_not_listed() {
    // Found by the yaml fuzz target: the "more problems" note sat at line 0.
    let first = event("alice", "", "get", "/api", 200, "2025-11-01T10:00:00Z") + "\n";
    let text = first + &"{\"kind\": \"Event\", \"apiVersion\": \"audit.k8s.io/v1\", \"bad\n".repeat(80);
    let log = read("many.log", text.as_bytes());
    let codes = codes(&log);
    assert!(codes.iter().any(|(_, c)| c == "audit-more-diagnostics"), "{codes:?}");
    assert!(codes.iter().all(|(line, _)| (1..=81).contains(line)), "{codes:?}");
}
