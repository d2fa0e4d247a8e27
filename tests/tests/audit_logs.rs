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
    assert_eq!(missing.len(), 8, "{missing:?}");
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
