//! The realistic check of issue 12: a sample cluster dump with its audit log gives the expected
//! finding of every `UL` rule; its clean twin (the same cluster used only in healthy ways)
//! gives none. The log is read as written, gzip-compressed, and beside the dump in any order.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing, reason = "tests")]

use policy_core::inventory::credentials::CredentialKind;
use policy_core::inventory::usage::MatchedBy;
use policy_core::{InputFile, Report, Settings};
use std::collections::BTreeSet;
use std::io::Write as _;
use std::path::Path;

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/audit").join(name)).unwrap()
}

fn scan(files: &[(&str, Vec<u8>)]) -> Report {
    let inputs: Vec<InputFile<'_>> = files.iter().map(|(name, bytes)| InputFile { name, bytes }).collect();
    let settings = Settings {
        select: vec!["UL".into()],
        preview: true,
        now: Some(time::macros::datetime!(2025-11-28 12:00:00 UTC)),
        ..Settings::default()
    };
    policy_core::analyze(&inputs, &settings)
}

fn ul_findings(report: &Report) -> BTreeSet<String> {
    report
        .findings
        .iter()
        .filter(|f| f.code.starts_with("UL"))
        .map(|f| format!("{} {} {}", f.code, f.severity, f.object))
        .collect()
}

const EXPECTED: [&str; 8] = [
    "UL001 critical Secret/ops/admin-kubeconfig",
    "UL002 high Secret/ci/deployer-token",
    "UL003 high User/system:anonymous",
    "UL004 high Secret/kube-system/bootstrap-token-abcdef",
    "UL005 medium Config/alice@kubernetes",
    "UL005 medium Secret/ops/admin-kubeconfig",
    "UL006 high StaticTokenFile/tokens.csv",
    "UL008 high User/oidc:alice@example.com",
];

fn sample() -> Vec<(&'static str, Vec<u8>)> {
    vec![
        ("cluster.yaml", fixture("cluster.yaml")),
        ("tokens.csv", fixture("tokens.csv")),
        ("cluster-audit.log", fixture("cluster-audit.log")),
    ]
}

#[test]
fn the_sample_cluster_and_its_log_give_every_ul_finding() {
    let report = scan(&sample());
    let mut expected: BTreeSet<String> = EXPECTED.iter().map(|s| s.to_string()).collect();
    expected.insert("UL007 info Secret/ci/old-deployer-token".to_string());
    assert_eq!(ul_findings(&report), expected);
    let log = report.inputs.iter().find(|i| i.path == "cluster-audit.log").unwrap();
    assert_eq!((log.documents, log.diagnostics.len()), (13, 0), "{log:?}");
    // Every finding names its evidence lines in the log and never a token.
    for finding in report.findings.iter().filter(|f| f.code != "UL007") {
        assert_eq!(&*finding.source.path, "cluster-audit.log", "{}", finding.code);
    }
    let json = serde_json::to_string(&report).unwrap();
    for secret in
        ["Xq4pR8vL2mK7sT9wYb3NcE6uHj1GdZfA", "tsk2xx5ahqu9eru7", "ZXlKaGJHY2lPaUpTVXpJMU5pSXNJbXRwWkNJNkluUmxjM1FpZlEu"]
    {
        assert!(!json.contains(secret), "the report shows a secret");
    }
}

#[test]
fn the_credential_inventory_shows_usage() {
    let report = scan(&sample());
    let usage = |kind: CredentialKind, identity: &str| {
        let credential = report.credentials.iter().find(|c| c.kind == kind && c.identity == identity).unwrap();
        credential.usage.clone().unwrap()
    };
    let admin = usage(CredentialKind::ClientCertificate, "kubernetes-admin");
    assert_eq!(
        (admin.seen, admin.matched_by, admin.weaker, admin.requests),
        (true, Some(MatchedBy::CredentialId), false, 1)
    );
    assert_eq!(admin.source_ips, ["198.51.100.20"]);
    assert_eq!(admin.most_sensitive.map(|a| a.what), Some("read Secrets".to_string()));
    let deployer = usage(CredentialKind::ServiceAccountToken, "system:serviceaccount:ci:deployer");
    assert_eq!((deployer.seen, deployer.matched_by), (true, Some(MatchedBy::SecretName)));
    assert_eq!(deployer.last_used.map(|s| s.source.line), Some(9));
    let old = usage(CredentialKind::ServiceAccountToken, "system:serviceaccount:ci:old-deployer");
    assert!(!old.seen && old.requests == 0);
    let bot = usage(CredentialKind::StaticToken, "deploy-bot");
    assert_eq!((bot.seen, bot.weaker), (true, true), "a static token is matched by user name only");
    let audit = report.audit.as_ref().unwrap();
    assert_eq!(
        (audit.requests, audit.from.as_deref(), audit.to.as_deref()),
        (12, Some("2025-11-27T08:00:00.104522Z"), Some("2025-11-27T11:10:00.000007Z"))
    );
}

#[test]
fn the_clean_twin_gives_no_ul_finding() {
    let report =
        scan(&[("clean-cluster.yaml", fixture("clean-cluster.yaml")), ("clean-audit.log", fixture("clean-audit.log"))]);
    assert_eq!(ul_findings(&report), BTreeSet::new());
    assert!(report.is_complete(), "{:?}", report.inputs);
    assert_eq!(report.audit.as_ref().map(|a| a.requests), Some(5), "the log was read: no finding is not no input");
    assert!(report.not_assessable.iter().all(|n| !n.code.starts_with("UL")));
}

#[test]
fn a_rotated_gzip_log_gives_the_same_findings() {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(&fixture("cluster-audit.log")).unwrap();
    let mut files = sample();
    files[2] = ("cluster-audit.log.1.gz", gz.finish().unwrap());
    files.reverse();
    let plain = ul_findings(&scan(&sample()));
    assert_eq!(ul_findings(&scan(&files)), plain);
}

#[test]
fn without_a_log_the_ul_rules_say_what_to_add() {
    let report = scan(&[("cluster.yaml", fixture("cluster.yaml"))]);
    assert_eq!(ul_findings(&report), BTreeSet::new());
    let missing: Vec<&str> =
        report.not_assessable.iter().map(|n| n.code.as_str()).filter(|c| c.starts_with("UL")).collect();
    assert_eq!(missing.len(), 9, "{missing:?}");
    assert!(report.audit.is_none());
}

#[test]
fn the_report_with_usage_matches_the_report_schema() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let schema: serde_json::Value =
        serde_json::from_slice(&std::fs::read(root.join("schema/report.schema.json")).unwrap()).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let json: serde_json::Value = serde_json::from_str(&policy_core::render::json(&scan(&sample()))).unwrap();
    assert!(json["audit"]["identities"].as_array().is_some_and(|i| !i.is_empty()));
    assert!(json["credentials"].as_array().unwrap().iter().any(|c| c["usage"]["seen"] == true));
    let errors: Vec<String> = validator.iter_errors(&json).map(|e| format!("{e} at {}", e.instance_path())).collect();
    assert!(errors.is_empty(), "{errors:#?}");
}

#[test]
fn every_cut_and_every_chunking_of_the_log_is_read_without_silence() {
    use policy_core::audit::{AuditLog, FileReader};
    let log = fixture("cluster-audit.log");
    let whole = {
        let mut all = AuditLog::default();
        all.read("a.log", &log);
        all.summary().unwrap().identities
    };
    for size in [1, 7, 333, 4096] {
        let mut all = AuditLog::default();
        let mut reader = FileReader::new("a.log");
        for chunk in log.chunks(size) {
            reader.push(&mut all, chunk);
        }
        reader.finish(&mut all);
        assert_eq!(all.summary().unwrap().identities, whole, "chunks of {size} bytes");
    }
    for cut in (0..log.len()).step_by(97) {
        let mut all = AuditLog::default();
        all.read("a.log", &log[..cut]);
        let file = &all.files[0];
        // A last line without its newline is whole when the cut falls just before it.
        let ends_on_a_line = cut == 0 || log[cut - 1] == b'\n' || log[cut] == b'\n';
        // A cut inside a line is a located error; a log with nothing readable is an error too.
        assert_eq!(file.has_errors(), !ends_on_a_line || file.documents == 0, "cut at {cut}: {:?}", file.diagnostics);
        assert!(file.diagnostics.iter().all(|d| d.source.line <= 13), "cut at {cut}: {:?}", file.diagnostics);
    }
}

/// The audit log a real kube-apiserver 1.20.2 wrote while the real-cluster tests ran requests
/// with client certificates, tokens, a bootstrap token, request-header auth and anonymous access
/// (`scripts/real-cluster.sh`, kept verbatim by the engineer "kube"). 1.20 records no
/// credential-id, legacy-token annotation or pod-binding extras: certificates match by name.
#[test]
fn the_real_api_server_log_is_read_verbatim() {
    let log = ("real-apiserver-1.20.log", fixture("real-apiserver-1.20.log"));
    let report = scan(std::slice::from_ref(&log));
    let input = &report.inputs[0];
    assert_eq!((input.documents, input.diagnostics.len()), (1247, 0), "{:?}", input.diagnostics);
    let audit = report.audit.as_ref().unwrap();
    let users: Vec<(&str, u64)> = audit.identities.iter().map(|i| (i.username.as_str(), i.requests)).collect();
    assert_eq!(
        users,
        [
            ("auditor", 312),
            ("kubernetes-admin", 539),
            ("proxied-alice", 1),
            ("system:anonymous", 1),
            ("system:apiserver", 392),
            ("system:bootstrap:abcdef", 1),
            ("system:serviceaccount:team-a:ci-deployer", 1)
        ]
    );
    // Its anonymous and bootstrap-token requests were refused (403): no out-of-scope success.
    assert!(audit.identities.iter().all(|i| i.out_of_scope_requests == 0));
    let admin = audit.identities.iter().find(|i| i.username == "kubernetes-admin").unwrap();
    assert_eq!(admin.most_sensitive.as_ref().map(|a| a.what.as_str()), Some("approved a certificate signing request"));
    // The log alone claims no certificate: `system:masters` also comes with the loopback token.
    assert_eq!(ul_findings(&report), BTreeSet::new());
    // Beside a dump holding a `kubernetes-admin` certificate in `system:masters`, the weaker
    // name match finds it used, and says the match is weaker.
    let report = scan(&[log, ("cluster.yaml", fixture("cluster.yaml"))]);
    let masters: Vec<_> = report.findings.iter().filter(|f| f.code == "UL001").collect();
    assert_eq!(masters.len(), 1, "{masters:?}");
    assert!(
        masters[0].message.starts_with("the `system:masters` certificate of `kubernetes-admin` was used: 539 requests")
    );
    assert!(masters[0].message.ends_with("(matched by user name: the log records no credential-id)"));
    assert_eq!(&*masters[0].source.path, "real-apiserver-1.20.log");
}

#[test]
fn sarif_locates_usage_findings_in_the_log_and_states_its_window() {
    let report = scan(&sample());
    let sarif: serde_json::Value = serde_json::from_str(&policy_core::render::sarif(&report)).unwrap();
    let run = &sarif["runs"][0];
    assert_eq!(run["properties"]["auditLog"]["requests"], 12);
    assert_eq!(run["properties"]["auditLog"]["from"], "2025-11-27T08:00:00.104522Z");
    let result = run["results"].as_array().unwrap().iter().find(|r| r["ruleId"] == "UL001").unwrap();
    let location = &result["locations"][0]["physicalLocation"];
    assert_eq!(location["artifactLocation"]["uri"], "cluster-audit.log");
    assert_eq!(location["region"]["startLine"], 7);
}

/// The examples' sample cluster with its API server's audit log (examples/sample-cluster-audit.log,
/// written by examples/make-sample-cluster-audit.py from the dump: its certificates' SHA-256s,
/// its legacy token, bootstrap tokens, OIDC prefix and pod network) and its token file.
fn examples_sample(log: &str) -> Vec<(String, Vec<u8>)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let read = |path: &str| (path.to_string(), std::fs::read(root.join(path)).unwrap());
    let log = if log.ends_with(".gz") {
        (log.to_string(), std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join(log)).unwrap())
    } else {
        read(log)
    };
    vec![read("examples/sample-cluster.yaml"), read("examples/sample-static-tokens.csv"), log]
}

fn scan_named(files: &[(String, Vec<u8>)]) -> Report {
    let named: Vec<(&str, Vec<u8>)> = files.iter().map(|(n, b)| (n.as_str(), b.clone())).collect();
    scan(&named)
}

/// The reviewed findings of the sample log: one line per finding (`CODE severity object
/// file:line: message`), then the log's window and counts. `UPDATE_EXPECT=1 cargo test -p
/// authn-audit-tests --test audit_logs` rewrites it after a review.
#[test]
fn the_examples_sample_log_gives_its_reviewed_findings() {
    let report = scan_named(&examples_sample("examples/sample-cluster-audit.log"));
    let mut out = String::new();
    for f in report.findings.iter().filter(|f| f.code.starts_with("UL")) {
        out += &format!("{} {} {} {}:{}: {}\n", f.code, f.severity, f.object, f.source.path, f.source.line, f.message);
    }
    let audit = report.audit.as_ref().unwrap();
    out += &format!(
        "audit: {} requests by {} identities, {} to {}\n",
        audit.requests,
        audit.identities.len(),
        audit.from.as_deref().unwrap_or("?"),
        audit.to.as_deref().unwrap_or("?")
    );
    for input in &report.inputs {
        out += &format!("input {}: {:?}, {} diagnostics\n", input.path, input.status, input.diagnostics.len());
    }
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/audit/sample-cluster-audit.expected");
    if std::env::var_os("UPDATE_EXPECT").is_some() {
        std::fs::write(&path, &out).unwrap();
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_default();
    assert_eq!(out, expected, "review, then rerun with UPDATE_EXPECT=1");

    // Every rule but UL009 fires: this cluster runs `--service-account-lookup=false`, so its API
    // server never checks (nor logs) invalidated legacy tokens.
    let codes: BTreeSet<&str> =
        report.findings.iter().map(|f| f.code.as_str()).filter(|c| c.starts_with("UL")).collect();
    let all: BTreeSet<&str> = ["UL001", "UL002", "UL003", "UL004", "UL005", "UL006", "UL007", "UL008"].into();
    assert_eq!(codes, all);
    for finding in report.findings.iter().filter(|f| f.code.starts_with("UL") && f.code != "UL007") {
        assert_eq!(&*finding.source.path, "examples/sample-cluster-audit.log", "{}", finding.code);
        assert!(finding.evidence.iter().any(|e| e.path == "first request"), "{}: {:?}", finding.code, finding.evidence);
    }
    // The certificates are joined by their credential-id, the legacy token by its account.
    let usage = |identity: &str| {
        let credential = report.credentials.iter().find(|c| c.identity == identity && c.usage.is_some()).unwrap();
        credential.usage.clone().unwrap()
    };
    assert_eq!(usage("alice").matched_by, Some(MatchedBy::CredentialId));
    assert_eq!(usage("system:node:worker-2").matched_by, Some(MatchedBy::CredentialId));
    assert_eq!(usage("system:serviceaccount:ci:ci-deployer").matched_by, Some(MatchedBy::ServiceAccount));
    assert!(!usage("velero-backup").seen);
    // No token of the sample, neither the dump's nor the token file's, is anywhere in the report.
    let json = serde_json::to_string(&report).unwrap();
    let tokens = String::from_utf8(
        std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/sample-static-tokens.csv")).unwrap(),
    )
    .unwrap();
    for token in tokens.lines().filter_map(|l| l.split(',').next()) {
        assert!(!json.contains(token), "a static token is in the report");
    }
    assert!(
        !json.contains("ZXlKaGJHY2lPaUpTVXpJMU5p") && !json.contains("eyJhbGciOiJSUzI1Ni"),
        "a token is in the report"
    );
}

/// The clean twin: the same days with the healthy traffic only, as a rotated `.gz` file. Only
/// the dump's unused credentials remain (UL007, the same as with the whole log).
#[test]
fn the_examples_sample_healthy_twin_gives_only_the_unused_credentials() {
    let healthy = scan_named(&examples_sample("fixtures/audit/sample-cluster-healthy-audit.log.gz"));
    assert!(healthy.is_complete(), "{:?}", healthy.inputs);
    let whole = scan_named(&examples_sample("examples/sample-cluster-audit.log"));
    let unused = |report: &Report| -> BTreeSet<String> {
        report.findings.iter().filter(|f| f.code == "UL007").map(|f| f.object.to_string()).collect()
    };
    let found: BTreeSet<String> = ul_findings(&healthy).into_iter().filter(|f| !f.starts_with("UL007")).collect();
    assert_eq!(found, BTreeSet::new());
    // The credentials the problem events used are unused in the twin: alice's certificate and
    // the bootstrap token abcdef.
    let mut expected = unused(&whole);
    expected.extend([
        "CertificateSigningRequest/alice-admin".to_string(),
        "Secret/kube-system/bootstrap-token-abcdef".to_string(),
    ]);
    assert_eq!(unused(&healthy), expected);
    assert!(healthy.audit.as_ref().is_some_and(|a| a.requests > 400), "the log was read");
}

/// Giving an audit log is the opt-in to the usage rules (still preview): with default settings
/// a dump and its log give UL findings, the dump alone none, `ignore` removes them, a selection
/// without the family keeps them off, and a log with no event read opts in to nothing.
#[test]
fn an_audit_log_opts_in_to_the_usage_rules() {
    let analyze = |files: &[(&str, Vec<u8>)], settings: Settings| {
        let inputs: Vec<InputFile<'_>> = files.iter().map(|(name, bytes)| InputFile { name, bytes }).collect();
        policy_core::analyze(
            &inputs,
            &Settings { now: Some(time::macros::datetime!(2025-11-28 12:00:00 UTC)), ..settings },
        )
    };
    let ul = |report: &Report| report.findings.iter().filter(|f| f.code.starts_with("UL")).count();
    let ul_missing = |report: &Report| report.not_assessable.iter().filter(|n| n.code.starts_with("UL")).count();
    let with_log = analyze(&sample(), Settings::default());
    assert_eq!(ul_findings(&with_log).len(), 9, "{:?}", ul_findings(&with_log));
    assert!(with_log.findings.iter().all(|f| f.code != "SA007" && f.code != "CC008"), "other preview rules stay off");
    let alone = analyze(&sample()[..2], Settings::default());
    assert_eq!((ul(&alone), ul_missing(&alone)), (0, 0), "no log, no usage rules, not even as not assessable");
    let ignored = analyze(&sample(), Settings { ignore: vec!["UL".into()], ..Settings::default() });
    assert_eq!(ul(&ignored), 0);
    let selected = analyze(&sample(), Settings { select: vec!["SA".into()], ..Settings::default() });
    assert_eq!(ul(&selected), 0);
    let one = analyze(&sample(), Settings { select: vec!["SA".into(), "UL001".into()], ..Settings::default() });
    assert_eq!(ul_findings(&one), ["UL001 critical Secret/ops/admin-kubeconfig".to_string()].into());
    let empty = analyze(
        &[sample().remove(0), ("audit.log", b"{\"kind\":\"Event\",\"apiVersion\":\"audit.k8s.io/v1\",\"us".to_vec())],
        Settings::default(),
    );
    assert_eq!(ul(&empty), 0, "a log from which no event was read");
}
