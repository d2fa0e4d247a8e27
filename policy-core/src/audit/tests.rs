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

/// kubeadm join reads its configuration with the bootstrap token: that is node bootstrapping
/// (the RBAC kubeadm grants `system:bootstrappers:kubeadm:default-node-token`), other reads are not.
#[test]
fn kubeadm_join_reads_are_node_bootstrapping() {
    let user = "system:bootstrap:abcdef";
    let text = [
        on(
            &event(
                user,
                "",
                "get",
                "/api/v1/namespaces/kube-system/configmaps/kubeadm-config",
                200,
                "2025-11-01T10:00:00Z",
            ),
            r#"{"resource":"configmaps","namespace":"kube-system","name":"kubeadm-config","apiVersion":"v1"}"#,
        ),
        on(
            &event(
                user,
                "",
                "get",
                "/api/v1/namespaces/kube-system/configmaps/kubelet-config",
                200,
                "2025-11-01T10:00:01Z",
            ),
            r#"{"resource":"configmaps","namespace":"kube-system","name":"kubelet-config","apiVersion":"v1"}"#,
        ),
        on(
            &event(user, "", "get", "/api/v1/nodes/worker-3", 200, "2025-11-01T10:00:02Z"),
            r#"{"resource":"nodes","name":"worker-3","apiVersion":"v1"}"#,
        ),
    ];
    let log = read("a.log", text.join("\n").as_bytes());
    assert_eq!(log.of_user(user)[0].out_of_scope_requests, 0);
    let listed = on(
        &event(user, "", "list", "/api/v1/configmaps", 200, "2025-11-01T10:00:03Z"),
        r#"{"resource":"configmaps","apiVersion":"v1"}"#,
    );
    let other = on(
        &event(user, "", "get", "/api/v1/namespaces/kube-system/configmaps/coredns", 200, "2025-11-01T10:00:04Z"),
        r#"{"resource":"configmaps","namespace":"kube-system","name":"coredns","apiVersion":"v1"}"#,
    );
    let log = read("a.log", [text.join("\n"), listed, other].join("\n").as_bytes());
    assert_eq!(log.of_user(user)[0].out_of_scope_requests, 2);
}

/// `exec`, `attach` and `portforward` succeed with 101 Switching Protocols: they count as done.
#[test]
fn an_exec_answered_101_is_a_success() {
    let exec = on(
        &event("alice", "", "create", "/api/v1/namespaces/a/pods/p/exec?command=sh", 101, "2025-11-01T10:00:00Z"),
        r#"{"resource":"pods","namespace":"a","name":"p","apiVersion":"v1","subresource":"exec"}"#,
    );
    let log = read("a.log", exec.as_bytes());
    let alice = &log.of_user("alice")[0];
    assert_eq!(alice.succeeded, 1);
    assert_eq!(alice.most_sensitive.as_ref().map(|a| (a.rank, a.what.as_str())), Some((5, "ran `exec` in a pod")));
}

/// An invalidated legacy token is refused before anyone is authenticated: the server logs it
/// once, at ResponseStarted with 401 and an empty user (`WithFailedAuthenticationAudit`), with
/// the annotation `<secret name>/<namespace>`. It is counted by Secret, never by user.
#[test]
fn invalidated_legacy_tokens_are_counted_from_refused_requests() {
    let refused = |at: &str, stage: &str| {
        format!(
            r#"{{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"r-{at}","stage":"{stage}","requestURI":"/api/v1/pods","verb":"list","user":{{}},"sourceIPs":["203.0.113.9"],"userAgent":"curl/8.5.0","responseStatus":{{"metadata":{{}},"code":401}},"requestReceivedTimestamp":"{at}","stageTimestamp":"{at}","annotations":{{"authentication.k8s.io/legacy-token-invalidated":"old-token/ci"}}}}"#
        )
    };
    let text = [
        refused("2025-11-01T10:00:00Z", "ResponseStarted"),
        refused("2025-11-01T09:00:00Z", "ResponseStarted"),
        // Not a stage a refused request is logged at: not counted twice.
        refused("2025-11-01T11:00:00Z", "RequestReceived"),
    ]
    .join("\n");
    let log = read("a.log", text.as_bytes());
    let tokens = log.invalidated_tokens();
    assert_eq!(tokens.len(), 1);
    assert_eq!((tokens[0].namespace.as_str(), tokens[0].name.as_str(), tokens[0].requests), ("ci", "old-token", 2));
    assert_eq!((tokens[0].first.source.line, tokens[0].last.source.line), (2, 1));
    assert_eq!(tokens[0].source_ips, ["203.0.113.9"]);
    assert_eq!(log.requests, 0, "no user was authenticated");
    assert_eq!(log.window, Some(("2025-11-01T09:00:00Z".to_string(), "2025-11-01T10:00:00Z".to_string())));
    let summary = serde_json::to_value(log.summary().unwrap()).unwrap();
    assert_eq!(summary["invalidatedTokens"][0]["requests"], 2);
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

/// A client can put anything in its `User-Agent`, its own token included: token-shaped words
/// are redacted, ordinary agents are kept as they are; source addresses that are no address
/// (the API server writes none) are dropped.
#[test]
fn tokens_in_user_agents_and_forged_source_addresses_are_not_kept() {
    for agent in [
        "kubectl/v1.32.0 (linux/amd64) kubernetes/70d3cc9",
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36",
        "kube-controller-manager/v1.32.4 (linux/amd64) kubernetes/59526cd/system:serviceaccount:kube-system:generic-garbage-collector",
    ] {
        assert_eq!(super::client_text(agent), agent);
    }
    let jwt = "eyJhbGciOiJSUzI1NiIsImtpZCI6IjEifQ.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQ6Y2k6ZCJ9.c2lnbmF0dXJlMTIz";
    assert_eq!(super::client_text(&format!("deployer/1.0 ({jwt})")), "deployer/1.0 (REDACTED)");
    assert_eq!(super::client_text("bot/2 token=abcdef.0123456789abcdef"), "bot/2 token=REDACTED");
    assert_eq!(super::client_text("ci Xq4pR8vL2mK7sT9wYb3NcE6uHj1GdZfA"), "ci REDACTED");
    assert_eq!(super::client_text("join abcdef.0123456789abcdef"), "join REDACTED");
    let line = event("alice", "", "get", "/api", 200, "2025-11-01T10:00:00Z")
        .replace(r#"["10.0.0.7"]"#, &format!(r#"["10.0.0.7","{jwt}","fd00::1"]"#))
        .replace("kubectl/v1.32.0", &format!("curl/8 Authorization: Bearer {jwt}"));
    let log = read("a.log", line.as_bytes());
    let alice = &log.of_user("alice")[0];
    assert_eq!(alice.source_ips, ["10.0.0.7", "fd00::1"]);
    let kept = serde_json::to_string(&log.summary()).unwrap();
    assert!(!kept.contains("eyJhbGci") && !kept.contains("c2lnbmF0dXJl"), "{kept}");
}

/// What makes a request sensitive beyond its verb: the kubelet API through `nodes/proxy`,
/// debug containers, admission webhooks, and acting as someone else.
#[test]
fn the_most_sensitive_act_knows_exec_equivalents_and_impersonation() {
    let cases = [
        (
            r#"{"resource":"nodes","name":"worker-1","apiVersion":"v1","subresource":"proxy"}"#,
            "get",
            "reached a kubelet through `nodes/proxy`",
        ),
        (
            r#"{"resource":"pods","namespace":"a","name":"p","apiVersion":"v1","subresource":"ephemeralcontainers"}"#,
            "patch",
            "added an ephemeral container to a pod",
        ),
        (
            r#"{"resource":"validatingwebhookconfigurations","name":"w","apiGroup":"admissionregistration.k8s.io","apiVersion":"v1"}"#,
            "delete",
            "changed `validatingwebhookconfigurations`",
        ),
    ];
    for (object, verb, what) in cases {
        let log = read("a.log", on(&event("bob", "", verb, "/x", 200, "2025-11-01T10:00:00Z"), object).as_bytes());
        let action = log.of_user("bob")[0].most_sensitive.clone().unwrap();
        assert_eq!((action.rank, action.what.as_str()), (5, what));
    }
    let acting = on(
        &event("bob", "", "get", "/api/v1/namespaces/a/pods", 200, "2025-11-01T10:00:00Z"),
        r#"{"resource":"pods","namespace":"a","apiVersion":"v1"}"#,
    )
    .replace(r#""sourceIPs""#, r#""impersonatedUser":{"username":"system:admin"},"sourceIPs""#);
    let log = read("a.log", acting.as_bytes());
    let action = log.of_user("bob")[0].most_sensitive.clone().unwrap();
    assert_eq!((action.rank, action.what.as_str()), (5, "read `pods` as `system:admin`"));
}

/// A corrupt gzip file reads the same whatever the chunking: the decoder always gets whole
/// steps, and nothing after the corruption is read as text (the fuzz target's first find,
/// `fuzz/seeds/audit/corrupt-gzip-chunked`: its first byte is the chunk size, 123).
#[test]
fn a_corrupt_gzip_file_reads_the_same_in_any_chunks() {
    let seed = include_bytes!("../../../fuzz/seeds/audit/corrupt-gzip-chunked");
    let log = &seed[1..];
    let whole = read("a.log", log);
    for size in [1, 7, 123, 4096, 5000] {
        let mut chunked = AuditLog::default();
        let mut reader = FileReader::new("a.log");
        for chunk in log.chunks(size) {
            reader.push(&mut chunked, chunk);
        }
        reader.finish(&mut chunked);
        assert_eq!(chunked.files, whole.files, "chunks of {size}");
        assert_eq!(chunked.summary(), whole.summary(), "chunks of {size}");
    }
    assert!(whole.files[0].diagnostics.iter().any(|d| d.code.as_str() == "audit-gzip"), "{:?}", whole.files);
}
