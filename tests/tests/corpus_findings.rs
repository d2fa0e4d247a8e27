//! Every rule over every file of the shared corpus (`../shared/corpus`, real files from upstream
//! projects), each file on its own, compared with a checked-in rendering in
//! `tests/corpus/<dir>__<file>.expected`. Each expected file was reviewed finding by finding
//! (`docs/accuracy.md`): a change in it is a change in our verdict on real-world input and must be
//! reviewed again. `UPDATE_EXPECT=1 cargo test -p authn-audit-tests --test corpus_findings`
//! rewrites them.
//!
//! Also: the Kubernetes and kubeadm defaults (`tests/fixtures/defaults/`) give nothing above info.
//! (That no secret of the corpus reaches a report is `no_secret_leaks.rs`'s job.)
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing, reason = "tests")]

use policy_core::{InputFile, Report, Settings, Severity};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn corpus_root() -> Option<PathBuf> {
    authn_audit_tests::shared("corpus")
}

fn expected_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus")
}

fn settings() -> Settings {
    Settings { now: Some(time::macros::datetime!(2025-11-28 12:00:00 UTC)), ..Settings::default() }
}

/// Every corpus file but SOURCES.md, as paths relative to the corpus root, sorted.
fn corpus_files(root: &Path) -> Vec<String> {
    let files = authn_audit_tests::files_under(root);
    let mut out: Vec<String> = files
        .iter()
        .filter(|p| p.file_name().is_some_and(|n| n != "SOURCES.md"))
        .map(|p| authn_audit_tests::relative(p, root))
        .collect();
    out.sort();
    out
}

fn expected_name(relative: &str) -> String {
    format!("{}.expected", relative.replace('/', "__"))
}

fn scan(name: &str, bytes: &[u8]) -> Report {
    policy_core::analyze(&[InputFile { name, bytes }], &settings())
}

/// The compact rendering compared with the expected file: object count, findings sorted
/// (`CODE severity object Lline: message`), diagnostics, not-assessable codes.
fn render(report: &Report) -> String {
    let mut out = format!("objects: {}\n", report.summary.objects);
    let findings: BTreeSet<String> = report
        .findings
        .iter()
        .map(|f| format!("{} {} {} L{}: {}", f.code, f.severity, f.object, f.source.line, f.message))
        .collect();
    for line in findings {
        out.push_str(&line);
        out.push('\n');
    }
    let diagnostics: BTreeSet<String> = report
        .inputs
        .iter()
        .flat_map(|i| &i.diagnostics)
        .map(|d| format!("diagnostic {:?} {} L{}", d.level, d.code, d.source.line).to_lowercase())
        .collect();
    for line in diagnostics {
        out.push_str(&line);
        out.push('\n');
    }
    let not_assessable: BTreeSet<&str> = report.not_assessable.iter().map(|n| n.code.as_str()).collect();
    if !not_assessable.is_empty() {
        out.push_str(&format!("not assessable: {}\n", not_assessable.into_iter().collect::<Vec<_>>().join(" ")));
    }
    out
}

#[test]
fn every_corpus_file_gives_its_reviewed_findings() {
    let Some(root) = corpus_root() else { return };
    let files = corpus_files(&root);
    assert!(files.len() >= 80, "only {} corpus files under {}", files.len(), root.display());
    let update = std::env::var_os("UPDATE_EXPECT").is_some();
    let expected_dir = expected_root();
    std::fs::create_dir_all(&expected_dir).unwrap();
    let mut failures = Vec::new();
    let mut wanted = BTreeSet::new();
    for relative in &files {
        let bytes = std::fs::read(root.join(relative)).unwrap();
        let got = render(&scan(relative, &bytes));
        let name = expected_name(relative);
        let path = expected_dir.join(&name);
        wanted.insert(name);
        let expected = std::fs::read_to_string(&path).unwrap_or_default();
        if got == expected {
            continue;
        }
        if update {
            std::fs::write(&path, &got).unwrap();
            eprintln!("updated {}", path.display());
        } else {
            failures.push(format!("{relative} ({}):\n{}", path.display(), diff(&expected, &got)));
        }
    }
    // An expected file whose corpus file is gone would silently stop being checked.
    for entry in std::fs::read_dir(&expected_dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_str().unwrap().to_string();
        if name.ends_with(".expected") && !wanted.contains(&name) {
            if update {
                std::fs::remove_file(&path).unwrap();
            } else {
                failures.push(format!("{}: no corpus file renders to it any more", path.display()));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} corpus files differ from their reviewed findings (review, then rerun with UPDATE_EXPECT=1):\n{}",
        failures.len(),
        files.len(),
        failures.join("\n")
    );
}

/// Lines only in `expected` (`-`) and only in `got` (`+`).
fn diff(expected: &str, got: &str) -> String {
    let old: BTreeSet<&str> = expected.lines().collect();
    let new: BTreeSet<&str> = got.lines().collect();
    let mut out = String::new();
    for line in old.difference(&new) {
        out.push_str(&format!("  - {line}\n"));
    }
    for line in new.difference(&old) {
        out.push_str(&format!("  + {line}\n"));
    }
    out
}

#[test]
fn the_corpus_gives_findings_of_most_families() {
    // Guards the expected files against a rule engine that stopped finding anything.
    let Some(root) = corpus_root() else { return };
    let mut codes = BTreeSet::new();
    for relative in corpus_files(&root) {
        let bytes = std::fs::read(root.join(&relative)).unwrap();
        codes.extend(scan(&relative, &bytes).findings.into_iter().map(|f| f.code));
    }
    for code in
        ["AN001", "AN002", "AN003", "CC003", "EK001", "MX001", "MX004", "OI004", "SA001", "ST001", "TR001", "TR004"]
    {
        assert!(codes.contains(code), "no {code} finding on the whole corpus: {codes:?}");
    }
}

fn defaults_dump() -> Vec<(String, Vec<u8>)> {
    authn_audit_tests::dir_files(&Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/defaults"), "")
}

fn scan_all(files: &[(String, Vec<u8>)]) -> Report {
    let inputs: Vec<InputFile<'_>> = files.iter().map(|(name, bytes)| InputFile { name, bytes }).collect();
    policy_core::analyze(&inputs, &settings())
}

/// issue 3 "Accuracy": `system:public-info-viewer`, kubeadm's cluster-info binding, `cluster-admin`
/// for `system:masters`, a kubelet CSR without expiration, a `kube-api-access-*` volume (3607 s)
/// and kubeadm's 24 h bootstrap token are not problems.
#[test]
fn kubernetes_and_kubeadm_defaults_give_nothing_above_info() {
    let files = defaults_dump();
    let report = scan_all(&files);
    assert_eq!(report.summary.objects, 18, "objects loaded from tests/fixtures/defaults");
    assert!(report.inputs.iter().all(|i| i.diagnostics.is_empty()), "{:?}", report.inputs);
    let above: Vec<String> = report
        .at_least(Severity::Low)
        .map(|f| format!("{} {} {}: {}", f.code, f.severity, f.object, f.message))
        .collect();
    assert!(above.is_empty(), "defaults reported above info:\n{}", above.join("\n"));
    // The rules that would object were judged, not skipped.
    let skipped: BTreeSet<&str> = report.not_assessable.iter().map(|n| n.code.as_str()).collect();
    for code in ["AN002", "BT001", "BT003", "BT004", "BT005", "CC001", "CC002", "CC003", "TR001", "TR004"] {
        assert!(!skipped.contains(code), "{code} not assessable on the defaults");
    }
    // And the credentials were seen: the inventory lists the token, the CSR and its certificate.
    let identities: BTreeSet<String> =
        report.credentials.iter().map(|c| format!("{:?} {}", c.kind, c.identity)).collect();
    for want in ["BootstrapToken system:bootstrap:k3x9qz", "CertificateSigningRequest system:node:worker-1"] {
        assert!(identities.contains(want), "{want} missing from {identities:?}");
    }
}

/// The same dump, each default altered the way an attacker or a careless admin would: every one
/// is now reported above info. Shows the test above is not passing for want of rules.
#[test]
fn altered_defaults_are_reported() {
    let mut files = defaults_dump();
    files.retain(|(name, _)| name != "kubelet-csr.yaml");
    for (name, bytes) in &mut files {
        let text = String::from_utf8(bytes.clone()).unwrap();
        let altered = match name.as_str() {
            // The bootstrap token without its expiration.
            "kubeadm.yaml" => text.replace("  expiration: MjAyNS0xMS0yOVQxMDowMDowMFo=\n", ""),
            // A day-long projected token instead of the kubelet's 3607 s.
            "pod-kube-api-access.yaml" => text.replace("expirationSeconds: 3607", "expirationSeconds: 86400"),
            // cluster-admin for everyone who can reach the API server.
            "rbac-defaults.yaml" => text.replace("  name: system:masters\n", "  name: system:unauthenticated\n"),
            _ => text.clone(),
        };
        assert_ne!(altered, text, "{name}: alteration did not apply");
        *bytes = altered.into_bytes();
    }
    let report = scan_all(&files);
    let above: BTreeSet<String> =
        report.at_least(Severity::Low).map(|f| format!("{} {} {}", f.code, f.severity, f.object)).collect();
    for want in [
        "BT001 high Secret/kube-system/bootstrap-token-k3x9qz",
        "TR001 medium Pod/kube-system/coredns-7c65d6cfc9-x2kqp",
        "AN002 critical ClusterRoleBinding/cluster-admin",
    ] {
        assert!(above.contains(want), "{want} not in {above:?}");
    }
}
