//! The `authn-audit` binary never prints a secret: the crafted inputs of
//! `tests/fixtures/leaks/` (secrets in names, annotations, flags, env values, URL userinfo,
//! kubeconfig users, broken base64/YAML/JSON) scanned in every format, stdout and stderr both.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing, reason = "tests")]

use std::path::PathBuf;
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_authn-audit");

fn leaks() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/leaks")
}

fn scan(format: &str) -> (String, String) {
    let out = Command::new(BIN)
        .args(["scan", "--now", "2025-11-28T12:00:00Z", "--select", "ALL", "--fail-on", "never", "--format", format])
        .arg(leaks())
        .env_remove("NO_COLOR")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "broken inputs among the leaks exit 2 ({format})");
    (String::from_utf8(out.stdout).unwrap(), String::from_utf8(out.stderr).unwrap())
}

#[test]
fn no_format_and_no_stderr_line_shows_a_secret() {
    let secrets = std::fs::read_to_string(leaks().join("secrets.txt")).unwrap();
    let secrets: Vec<&str> = secrets.lines().filter(|s| !s.is_empty()).collect();
    let mut leaked = Vec::new();
    for format in ["json", "sarif", "markdown", "text", "html"] {
        let (stdout, stderr) = scan(format);
        assert!(stdout.contains("REDACTED@dex.example.com"), "{format}: OI001 still reports, redacted");
        assert!(!stderr.is_empty(), "{format}: the broken inputs are diagnosed on stderr");
        for secret in &secrets {
            for (stream, text) in [("stdout", &stdout), ("stderr", &stderr)] {
                if text.contains(secret) {
                    leaked.push(format!("{format} {stream}: `{secret}`"));
                }
            }
        }
    }
    assert!(leaked.is_empty(), "secrets printed:\n{}", leaked.join("\n"));
}

#[test]
fn a_strong_token_has_the_same_fingerprint_in_two_runs() {
    let fingerprint = || {
        let (stdout, _) = scan("json");
        let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
        let credentials = report["credentials"].as_array().unwrap();
        let ci = credentials.iter().find(|c| c["identity"] == "ci").unwrap();
        let admin = credentials.iter().find(|c| c["identity"] == "admin" && c["kind"] == "static-token").unwrap();
        assert_eq!(admin["fingerprint"], "withheld (weak secret)", "the weak `changeme123` has none");
        ci["fingerprint"].as_str().unwrap().to_string()
    };
    let first = fingerprint();
    assert!(first.starts_with("fp1:"), "{first}");
    assert_eq!(first, fingerprint());
}
