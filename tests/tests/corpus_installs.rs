//! Real software as a test set: the static install manifests of widely used projects
//! (`tests/corpus/installs/<project>/`, copied verbatim, see its `SOURCES.md`). Each project is
//! scanned as one cluster dump (all its files together, preview rules included) and compared with
//! its reviewed expectation `tests/corpus/installs/<project>.expected`; every finding at low or
//! above is justified in `docs/accuracy.md`. `UPDATE_EXPECT=1 cargo test -p authn-audit-tests
//! --test corpus_installs` rewrites them.
//!
//! Also: all projects scanned as one cluster give exactly the union of their findings (nothing
//! leaks from one install into another), and the same object in two files is reported once.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing, reason = "tests")]

use policy_core::{InputFile, Report, Settings, Severity};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn installs_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus/installs")
}

fn settings() -> Settings {
    Settings { now: Some(time::macros::datetime!(2025-11-28 12:00:00 UTC)), preview: true, ..Settings::default() }
}

/// Every project directory, sorted.
fn projects() -> Vec<String> {
    let mut out: Vec<String> = std::fs::read_dir(installs_root())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .map(|p| p.file_name().unwrap().to_str().unwrap().to_string())
        .collect();
    out.sort();
    out
}

/// A project's files as `(project/file, bytes)`, sorted.
fn files_of(project: &str) -> Vec<(String, Vec<u8>)> {
    authn_audit_tests::dir_files(&installs_root().join(project), &format!("{project}/"))
}

fn scan(files: &[(String, Vec<u8>)]) -> Report {
    let inputs: Vec<InputFile<'_>> = files.iter().map(|(name, bytes)| InputFile { name, bytes }).collect();
    policy_core::analyze(&inputs, &settings())
}

/// One line per finding: `CODE severity object file:line: message`.
fn finding_lines(report: &Report) -> BTreeSet<String> {
    report
        .findings
        .iter()
        .map(|f| format!("{} {} {} {}:{}: {}", f.code, f.severity, f.object, f.source.path, f.source.line, f.message))
        .collect()
}

/// The compact rendering compared with the expectation: object count, findings, diagnostics.
fn render(report: &Report) -> String {
    let mut out = format!("objects: {}\n", report.summary.objects);
    for line in finding_lines(report) {
        out.push_str(&line);
        out.push('\n');
    }
    let diagnostics: BTreeSet<String> = report
        .inputs
        .iter()
        .flat_map(|i| &i.diagnostics)
        .map(|d| format!("diagnostic {:?} {} {}:{}", d.level, d.code, d.source.path, d.source.line).to_lowercase())
        .collect();
    for line in diagnostics {
        out.push_str(&line);
        out.push('\n');
    }
    out
}

#[test]
fn every_install_gives_its_reviewed_findings() {
    let projects = projects();
    assert!(projects.len() >= 15, "only {} installs under {}", projects.len(), installs_root().display());
    let update = std::env::var_os("UPDATE_EXPECT").is_some();
    let mut failures = Vec::new();
    for project in &projects {
        let got = render(&scan(&files_of(project)));
        let path = installs_root().join(format!("{project}.expected"));
        let expected = std::fs::read_to_string(&path).unwrap_or_default();
        if got == expected {
            continue;
        }
        if update {
            std::fs::write(&path, &got).unwrap();
            eprintln!("updated {}", path.display());
        } else {
            let old: BTreeSet<&str> = expected.lines().collect();
            let new: BTreeSet<&str> = got.lines().collect();
            let mut diff = String::new();
            for line in old.difference(&new) {
                diff.push_str(&format!("  - {line}\n"));
            }
            for line in new.difference(&old) {
                diff.push_str(&format!("  + {line}\n"));
            }
            failures.push(format!("{project} ({}):\n{diff}", path.display()));
        }
    }
    assert!(
        failures.is_empty(),
        "{} installs differ from their reviewed findings (review, then rerun with UPDATE_EXPECT=1):\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn every_install_is_read_and_its_rbac_assessed() {
    for project in projects() {
        let report = scan(&files_of(&project));
        assert!(report.summary.objects >= 3, "{project}: only {} objects read", report.summary.objects);
        // An install that could not be read at all must never pass as "no findings".
        assert!(report.inputs.iter().all(|i| i.objects > 0), "{project}: a file gave no object");
    }
}

#[test]
fn installs_scanned_as_one_cluster_give_the_union_of_their_findings() {
    let mut all_files = Vec::new();
    let mut union = BTreeSet::new();
    for project in projects() {
        let files = files_of(&project);
        union.extend(finding_lines(&scan(&files)));
        all_files.extend(files);
    }
    let together = finding_lines(&scan(&all_files));
    let only_together: Vec<&String> = together.difference(&union).collect();
    let only_alone: Vec<&String> = union.difference(&together).collect();
    assert!(
        only_together.is_empty() && only_alone.is_empty(),
        "cross-talk between installs:\n only together: {only_together:#?}\n only alone: {only_alone:#?}"
    );
}

#[test]
fn the_same_object_in_two_files_is_reported_once() {
    let mut files = files_of("metrics-server");
    let (name, bytes) = files.iter().find(|(n, _)| n.ends_with("apiservice.yaml")).cloned().unwrap();
    files.push((name.replace("apiservice.yaml", "copy-of-apiservice.yaml"), bytes));
    let report = scan(&files);
    let ap005: Vec<_> = report.findings.iter().filter(|f| f.code == "AP005").collect();
    assert_eq!(ap005.len(), 1, "{ap005:#?}");
}

#[test]
fn precision_at_medium_and_above_is_reviewed() {
    // Every finding at medium or above on real installs is listed in docs/accuracy.md with its
    // verdict; the count of true ones over all of them must stay at or above 0.95.
    let accuracy = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/accuracy.md")).unwrap();
    let mut reviewed = 0;
    let mut wrong = Vec::new();
    for project in projects() {
        let report = scan(&files_of(&project));
        for f in report.findings.iter().filter(|f| f.severity >= Severity::Medium) {
            let key = format!("`{} {} {}`", f.code, f.severity, f.object);
            let Some(line) = accuracy.lines().find(|l| l.contains(&key)) else {
                panic!("{project}: {key} is not reviewed in docs/accuracy.md");
            };
            reviewed += 1;
            if !line.contains("| right") {
                wrong.push(key);
            }
        }
    }
    let precision = if reviewed == 0 { 1.0 } else { (reviewed - wrong.len()) as f64 / reviewed as f64 };
    assert!(precision >= 0.95, "precision {precision:.2} at medium+ on real installs; wrong: {wrong:?}");
}
