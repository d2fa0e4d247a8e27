//! Runs every rule over its own fixtures, ruff-style: `fixtures/rules/<CODE>/bad_*` must give
//! exactly the findings their `# expect:` lines name; `ok_*` must give none of that code.
//!
//! Fixture headers (comment lines at the top of a YAML file, or a `<file>.expect` sidecar for
//! formats without comments):
//! - `# expect: CODE severity Kind/namespace/name` (cluster-scoped: `Kind/name`), one per finding;
//! - `# settings: {json}` to run with non-default settings;
//! - `# now: RFC3339` to judge the fixture as of another instant (default 2025-11-28T12:00:00Z);
//! - `# with: path` (relative to the fixture) for another input read beside it, e.g. the dump
//!   an audit-log fixture (`*.log`) is joined with.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::string_slice,
    reason = "tests"
)]

use policy_core::{InputFile, Settings};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

const DEFAULT_NOW: &str = "2025-11-28T12:00:00Z";

fn fixtures_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/rules")
}

/// The header lines of a fixture: its `.expect` sidecar, or its leading `#` comments.
fn header(path: &Path, text: &str) -> Vec<String> {
    let sidecar = path.with_extension(format!("{}.expect", path.extension().unwrap().to_str().unwrap()));
    let source = std::fs::read_to_string(&sidecar).unwrap_or_else(|_| text.to_string());
    source.lines().map_while(|l| l.strip_prefix('#')).map(|l| l.trim().to_string()).collect()
}

fn value_of<'h>(header: &'h [String], key: &str) -> impl Iterator<Item = &'h str> {
    header.iter().filter_map(move |l| l.strip_prefix(key)?.strip_prefix(':')).map(str::trim)
}

/// Run one rule over one fixture; returns `CODE severity object` lines.
pub fn run_fixture(code: &str, path: &Path) -> (BTreeSet<String>, BTreeSet<String>, Vec<String>) {
    let bytes = std::fs::read(path).unwrap();
    let text = String::from_utf8_lossy(&bytes).to_string();
    let header = header(path, &text);
    let mut settings: Settings = match value_of(&header, "settings").next() {
        Some(json) => {
            serde_json::from_str(json).unwrap_or_else(|e| panic!("{}: bad settings header: {e}", path.display()))
        }
        None => Settings::default(),
    };
    let now = value_of(&header, "now").next().unwrap_or(DEFAULT_NOW);
    settings.now = Some(time::OffsetDateTime::parse(now, &time::format_description::well_known::Rfc3339).unwrap());
    settings.select = vec![code.to_string()];
    let name = path.file_name().unwrap().to_str().unwrap();
    // `# with: <file>`: more inputs beside the fixture (the dump an audit-log fixture is read
    // with), relative to the fixture's directory.
    let with: Vec<(String, Vec<u8>)> = value_of(&header, "with")
        .map(|file| {
            let extra = path.parent().unwrap().join(file);
            (file.to_string(), std::fs::read(&extra).unwrap_or_else(|e| panic!("{}: {e}", extra.display())))
        })
        .collect();
    let mut inputs = vec![InputFile { name, bytes: &bytes }];
    inputs.extend(with.iter().map(|(name, bytes)| InputFile { name, bytes }));
    let report = policy_core::analyze(&inputs, &settings);
    let expected: BTreeSet<String> =
        value_of(&header, "expect").map(|e| e.split_whitespace().collect::<Vec<_>>().join(" ")).collect();
    let found: BTreeSet<String> = report
        .findings
        .iter()
        .filter(|f| f.code == code)
        .map(|f| format!("{} {} {}", f.code, f.severity, f.object))
        .collect();
    let messages = report.findings.iter().map(|f| f.message.clone()).collect();
    (expected, found, messages)
}

fn fixture_files() -> Vec<(String, PathBuf)> {
    let mut files = Vec::new();
    for dir in std::fs::read_dir(fixtures_root()).unwrap() {
        let dir = dir.unwrap().path();
        let code = dir.file_name().unwrap().to_str().unwrap().to_string();
        for file in std::fs::read_dir(&dir).unwrap() {
            let file = file.unwrap().path();
            if file.extension().is_some_and(|e| e != "expect") {
                files.push((code.clone(), file));
            }
        }
    }
    files.sort();
    files
}

#[test]
fn every_fixture_gives_exactly_its_expected_findings() {
    let mut failures = Vec::new();
    let files = fixture_files();
    assert!(!files.is_empty(), "no fixtures found under {}", fixtures_root().display());
    for (code, path) in &files {
        let name = path.file_name().unwrap().to_str().unwrap();
        let (expected, found, _) = run_fixture(code, path);
        if name.starts_with("bad_") && expected.is_empty() {
            failures.push(format!("{}: a bad_ fixture needs `# expect:` lines", path.display()));
        }
        if name.starts_with("ok_") && !expected.is_empty() {
            failures.push(format!("{}: an ok_ fixture must not expect findings", path.display()));
        }
        if expected != found {
            let missing: Vec<_> = expected.difference(&found).collect();
            let extra: Vec<_> = found.difference(&expected).collect();
            failures.push(format!("{}:\n    missing {missing:?}\n    unexpected {extra:?}", path.display()));
        }
    }
    assert!(failures.is_empty(), "{} of {} fixtures failed:\n  {}", failures.len(), files.len(), failures.join("\n  "));
}

#[test]
fn messages_follow_the_house_style() {
    let mut bad = Vec::new();
    for (code, path) in fixture_files() {
        for message in run_fixture(&code, &path).2 {
            let first = message.chars().next().unwrap_or(' ');
            if first.is_uppercase() || message.ends_with('.') || message.contains('\n') || message.is_empty() {
                bad.push(format!("{code} ({}): {message:?}", path.display()));
            }
        }
    }
    assert!(bad.is_empty(), "messages must start lowercase, be one line and have no final period:\n{}", bad.join("\n"));
}
