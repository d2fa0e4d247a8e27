//! Every finding points at the field or flag its evidence names, whatever the input's shape:
//! one fixture per shape under `fixtures/locations/` (YAML documents, a `kind: List`, JSON pretty
//! and minified, a kops task's embedded manifest, kubeadm's ClusterConfiguration held in a
//! ConfigMap, a kubeconfig, flow style, quoted keys and block scalars), and every report format
//! shows that place.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing, reason = "tests")]

use policy_core::render;
use policy_core::report::Finding;
use policy_core::{InputFile, Report, Settings};
use serde_json::Value;
use std::path::Path;

fn scan(name: &str) -> (String, Report) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/locations").join(name);
    let text = std::fs::read_to_string(&path).unwrap();
    let now = time::macros::datetime!(2025-11-28 12:00:00 UTC);
    let settings = Settings { now: Some(now), ..Settings::default() };
    let report = policy_core::analyze(&[InputFile { name, bytes: text.as_bytes() }], &settings);
    (text, report)
}

fn line(text: &str, n: u32) -> &str {
    text.lines().nth(n as usize - 1).unwrap_or_else(|| panic!("no line {n}"))
}

/// The text at the finding's line and column.
fn at<'t>(text: &'t str, f: &Finding) -> &'t str {
    let l = line(text, f.source.line);
    let skip: usize = l.chars().take(f.source.column as usize - 1).map(char::len_utf8).sum();
    l.get(skip..).unwrap()
}

fn finding<'r>(report: &'r Report, code: &str) -> &'r Finding {
    report.findings.iter().find(|f| f.code == code).unwrap_or_else(|| {
        let codes: Vec<&str> = report.findings.iter().map(|f| f.code.as_str()).collect();
        panic!("no {code} finding, only {codes:?}")
    })
}

/// `(fixture, rule, what the finding's line and column show, what the object's first line shows)`.
const CASES: &[(&str, &str, &str, &str)] = &[
    ("documents.yaml", "ST001", "--token-auth-file=/etc/kubernetes/tokens.csv", "apiVersion: v1"),
    ("list.yaml", "ST001", "--token-auth-file=/etc/kubernetes/tokens.csv", "- apiVersion: v1"),
    ("pretty.json", "ST001", "\"--token-auth-file=/etc/kubernetes/tokens.csv\"", "        {"),
    ("minified.json", "ST001", "\"--token-auth-file=/etc/kubernetes/tokens.csv\"", "{\"apiVersion\""),
    ("kops-tasks.yaml", "ST001", "--token-auth-file=/srv/kubernetes/known_tokens.csv", "  apiVersion: v1"),
    ("kubeadm-config.yaml", "ST001", "token-auth-file: /etc/kubernetes/tokens.csv", "apiVersion: v1"),
    ("kubeconfig.yaml", "KC002", "token: 9f8e7d6c5b4a39281706f5e4d3c2b1a0", "apiVersion: v1"),
    ("flow.yaml", "ST001", "--token-auth-file=/etc/kubernetes/tokens.csv]", "- {apiVersion: v1, kind: Pod"),
    ("quoted.yaml", "ST001", "\"--token-auth-file=/etc/kubernetes/tokens.csv\"  # the one", "\"apiVersion\": \"v1\""),
];

#[test]
fn every_input_shape_locates_the_flag_or_field() {
    for &(fixture, code, field, object) in CASES {
        let (text, report) = scan(fixture);
        let f = finding(&report, code);
        assert!(f.source.column > 0, "{fixture}: {code} has no column: {:?}", f.source);
        assert!(at(&text, f).starts_with(field), "{fixture}: {code} at {}: {}", f.source, at(&text, f));
        assert!(line(&text, f.source.object_line).starts_with(object), "{fixture}: object at {:?}", f.source);
        assert!(f.source.object_line <= f.source.line, "{fixture}");
    }
}

/// The case: ST001 of the sample points at the `--token-auth-file` line of the
/// kube-apiserver Pod, not at its `apiVersion: v1`, and every format says so.
#[test]
fn st001_of_the_sample_is_at_the_flag_in_every_format() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let text = std::fs::read_to_string(root.join("examples/sample-cluster.yaml")).unwrap();
    let now = time::macros::datetime!(2025-11-28 12:00:00 UTC);
    let settings = Settings { now: Some(now), ..Settings::default() };
    let name = "examples/sample-cluster.yaml";
    let report = policy_core::analyze(&[InputFile { name, bytes: text.as_bytes() }], &settings);
    let f = finding(&report, "ST001");
    assert!(at(&text, f).starts_with("--token-auth-file="), "{}", at(&text, f));
    assert_eq!(line(&text, f.source.object_line), "apiVersion: v1");
    assert!(line(&text, f.source.object_line + 1).starts_with("kind: Pod"));
    let place = format!("{name}:{}:{}", f.source.line, f.source.column);

    let json: Value = serde_json::from_str(&render::json(&report)).unwrap();
    let st001 = json["findings"].as_array().unwrap().iter().find(|f| f["code"] == "ST001").unwrap();
    assert_eq!(st001["source"]["line"], f.source.line);
    assert_eq!(st001["source"]["column"], f.source.column);
    assert_eq!(st001["source"]["objectLine"], f.source.object_line);

    let sarif: Value = serde_json::from_str(&render::sarif(&report)).unwrap();
    let result = sarif["runs"][0]["results"].as_array().unwrap().iter().find(|r| r["ruleId"] == "ST001").unwrap();
    let region = &result["locations"][0]["physicalLocation"]["region"];
    assert_eq!(
        (region["startLine"].as_u64(), region["startColumn"].as_u64()),
        (Some(u64::from(f.source.line)), Some(u64::from(f.source.column)))
    );
    assert_eq!(sarif["runs"][0]["columnKind"], "unicodeCodePoints");

    for format in [render::Format::Text, render::Format::Markdown, render::Format::Html] {
        let out = render::render(&report, format, false);
        assert!(out.contains(&place), "{format:?} does not show {place}");
    }
}

/// A finding whose evidence names no field of its object (an unset flag) keeps the object's line,
/// without a column.
#[test]
fn an_unset_flag_points_at_the_object() {
    let (text, report) = scan("documents.yaml");
    let f = finding(&report, "TR002");
    assert_eq!((f.source.line, f.source.column), (f.source.object_line, 0));
    assert!(line(&text, f.source.line).starts_with("apiVersion: v1"));
    let json: Value = serde_json::from_str(&render::json(&report)).unwrap();
    let tr002 = json["findings"].as_array().unwrap().iter().find(|f| f["code"] == "TR002").unwrap();
    assert!(tr002["source"].get("column").is_none(), "{tr002}");
}
