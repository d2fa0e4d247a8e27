//! No output ever shows a secret value. Every token, password and private key found in the
//! fixtures, the examples and the shared corpus is collected (raw and base64-decoded), then
//! every input is analysed with every rule and rendered in every format, and none of those
//! secrets may appear in any rendering or diagnostic.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::string_slice,
    reason = "tests"
)]

use base64::Engine;
use policy_core::render::{self, Format};
use policy_core::value::Value;
use policy_core::{InputFile, Limits, Settings};
use std::path::{Path, PathBuf};

/// Keys whose values are credentials wherever they appear (kubeconfig users, Secret data,
/// bootstrap tokens, token files).
const SECRET_KEYS: &[&str] =
    &["token", "token-secret", "password", "client-key-data", "tls.key", "ssh-privatekey", "id-token", "refresh-token"];

/// Shorter strings are too likely to occur by chance (or be a public id like `abcdef`).
const MIN_SECRET_LEN: usize = 8;

fn inputs() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dirs = [Some(root.join("fixtures")), Some(root.join("../examples")), authn_audit_tests::shared("corpus")];
    let mut files: Vec<PathBuf> = dirs.iter().flatten().flat_map(|d| authn_audit_tests::files_under(d)).collect();
    files.retain(|p| p.extension().is_some_and(|e| ["yaml", "yml", "json", "csv"].contains(&e.to_str().unwrap())));
    files.sort();
    files
}

fn decoded(text: &str) -> Option<String> {
    let bytes = base64::engine::general_purpose::STANDARD.decode(text.trim()).ok()?;
    String::from_utf8(bytes).ok()
}

/// Secret strings inside a decoded blob: a PEM private key's body lines, or `token:` lines of an
/// embedded kubeconfig.
fn secrets_in_text(text: &str, out: &mut Vec<String>) {
    if text.contains("PRIVATE KEY-----") {
        out.extend(text.lines().filter(|l| !l.starts_with("-----") && l.len() >= 32).map(str::to_string));
    }
    for line in text.lines() {
        for key in ["token:", "password:", "client-key-data:"] {
            if let Some(value) = line.trim().strip_prefix(key) {
                out.push(value.trim().trim_matches('"').to_string());
            }
        }
    }
}

fn collect(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, v) in map {
                if let Value::String(s) = v {
                    if SECRET_KEYS.contains(&key.as_str()) {
                        out.push(s.to_string());
                        if let Some(plain) = decoded(s) {
                            out.push(plain.clone());
                            secrets_in_text(&plain, out);
                        }
                    } else if let Some(plain) = decoded(s) {
                        secrets_in_text(&plain, out);
                    }
                    secrets_in_text(s, out);
                }
                collect(v, out);
            }
        }
        Value::Array(items) => items.iter().for_each(|v| collect(v, out)),
        _ => {}
    }
}

/// The first column of a static token CSV.
fn csv_tokens(text: &str) -> Vec<String> {
    text.lines().filter_map(|l| l.split(',').next()).map(|t| t.trim().trim_matches('"').to_string()).collect()
}

#[test]
fn no_rendering_contains_a_secret_of_its_input() {
    let settings = Settings {
        select: vec!["ALL".to_string()],
        now: Some(time::macros::datetime!(2025-11-28 12:00 UTC)),
        ..Settings::default()
    };
    let files = inputs();
    assert!(files.len() > 100, "expected the fixtures and corpus, found {} files", files.len());
    // Rule docs (embedded in SARIF and HTML) quote well-known example tokens such as kubeadm's
    // `abcdef.0123456789abcdef`: text an empty report already holds is no leak.
    let empty = policy_core::analyze(&[], &settings);
    let baseline: Vec<String> = Format::ALL.iter().map(|f| render::render(&empty, *f, false)).collect();
    let mut checked_secrets = 0;
    let mut leaks = Vec::new();
    for path in &files {
        let bytes = std::fs::read(path).unwrap();
        let name = path.to_str().unwrap();
        let input = [InputFile { name, bytes: &bytes }];
        let mut secrets = Vec::new();
        for object in policy_core::input::load(&input, &Limits::default()).objects {
            collect(&object.value, &mut secrets);
        }
        if path.extension().is_some_and(|e| e == "csv") {
            secrets.extend(csv_tokens(&String::from_utf8_lossy(&bytes)));
        }
        secrets.retain(|s| s.len() >= MIN_SECRET_LEN);
        secrets.sort();
        secrets.dedup();
        if secrets.is_empty() {
            continue;
        }
        checked_secrets += secrets.len();
        let report = policy_core::analyze(&input, &settings);
        for (format, baseline) in Format::ALL.into_iter().zip(&baseline) {
            let out = without_rule_docs(&render::render(&report, format, false));
            for secret in &secrets {
                if out.contains(secret.as_str()) && !baseline.contains(secret.as_str()) {
                    leaks.push(format!("{name}: {format:?} shows a secret of {} characters", secret.len()));
                }
            }
        }
    }
    assert!(checked_secrets > 20, "too few secrets found to make this test meaningful: {checked_secrets}");
    assert!(leaks.is_empty(), "secrets leaked into outputs:\n{}", leaks.join("\n"));
}

/// The crafted inputs of `tests/fixtures/leaks/`, and the secrets they hide (`secrets.txt`).
fn leak_inputs() -> (Vec<(String, Vec<u8>)>, Vec<String>) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/leaks");
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| ["yaml", "json", "csv", "log"].contains(&e.to_str().unwrap())))
        .map(|p| (p.file_name().unwrap().to_str().unwrap().to_string(), std::fs::read(&p).unwrap()))
        .collect();
    files.sort();
    let secrets = std::fs::read_to_string(dir.join("secrets.txt")).unwrap().lines().map(str::to_string).collect();
    (files, secrets)
}

fn all_rules() -> Settings {
    Settings {
        select: vec!["ALL".to_string()],
        now: Some(time::macros::datetime!(2025-11-28 12:00 UTC)),
        ..Settings::default()
    }
}

/// Every rendering of a report, and its diagnostics as the CLI prints them on stderr.
fn outputs(report: &policy_core::Report) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> =
        Format::ALL.into_iter().map(|f| (format!("{f:?}"), render::render(report, f, false))).collect();
    let stderr: Vec<String> = report.inputs.iter().flat_map(|i| &i.diagnostics).map(ToString::to_string).collect();
    out.push(("diagnostics".to_string(), stderr.join("\n")));
    out
}

#[test]
fn crafted_secrets_in_every_echoed_place_never_reach_an_output() {
    let (files, secrets) = leak_inputs();
    assert!(secrets.len() >= 25, "secrets.txt lists the planted secrets");
    let inputs: Vec<InputFile<'_>> = files.iter().map(|(n, b)| InputFile { name: n, bytes: b }).collect();
    let report = policy_core::analyze(&inputs, &all_rules());
    // The places that echoed URLs in clear still report, with the userinfo gone.
    for (code, shown) in [
        ("OI001", "http://REDACTED@dex.example.com"),
        ("OI001", "http://REDACTED@idp.internal/.well-known/openid-configuration"),
        ("OI003", "https://REDACTED@idp.example.com"),
        ("KC001", "http://REDACTED@api.example.com:8080"),
    ] {
        assert!(
            report.findings.iter().any(|f| f.code == code && f.message.contains(shown)),
            "{code} should still name `{shown}`"
        );
    }
    assert!(report.inputs.iter().any(|i| !i.diagnostics.is_empty()), "the broken inputs give diagnostics");
    // The audit log was read: its bodies, query strings, user agents and forged address are the
    // places it could echo.
    let audit = report.audit.as_ref().expect("audit.log is read");
    assert_eq!((audit.requests, audit.invalidated_tokens.len()), (3, 1), "{audit:?}");
    let mut leaks = Vec::new();
    for (format, text) in outputs(&report) {
        for secret in &secrets {
            if text.contains(secret.as_str()) {
                leaks.push(format!("{format} shows `{secret}`"));
            }
        }
    }
    assert!(leaks.is_empty(), "secrets leaked:\n{}", leaks.join("\n"));
}

/// Candidate secrets an attacker would try: common words with the usual suffixes.
fn dictionary() -> Vec<String> {
    let words =
        ["admin", "password", "changeme", "secret", "token", "letmein", "welcome", "kubernetes", "root", "test"];
    let suffixes = ["", "1", "12", "123", "1234", "12345", "!", "2024", "2025", "_", "-"];
    words.iter().flat_map(|w| suffixes.iter().map(move |s| format!("{w}{s}"))).collect()
}

/// The fingerprint of this project before this scheme: the first 48 bits of a plain SHA-256.
fn old_fingerprint(word: &str) -> String {
    format!("sha256:{}", &policy_core::util::sha256_hex(word.as_bytes())[..12])
}

#[test]
fn a_weak_token_cannot_be_found_by_hashing_a_dictionary_against_the_report() {
    const WEAK: &str = "changeme123";
    const STRONG: &str = "Zk8Qw3Lp9Xv2Rt7Ny4Mb6Hc1Jd5Fg0Ts";
    let tokens = format!("{WEAK},admin,1,\"system:masters\"\n{STRONG},ci,2,ci\n");
    let report = policy_core::analyze(&[InputFile { name: "tokens.csv", bytes: tokens.as_bytes() }], &all_rules());
    assert!(report.findings.iter().any(|f| f.code == "ST003" && f.message.contains("`admin`")), "ST003 judges it weak");
    let outputs = outputs(&report);
    let mut candidates = dictionary();
    assert!(candidates.iter().any(|c| c == WEAK));
    // The attack, the old way and the new way: full digests, their 48-bit prefixes, with or
    // without the label.
    let found = |word: &str| {
        let old = old_fingerprint(word);
        let new = policy_core::util::fingerprint::digest(word.as_bytes());
        let probes = [old.clone(), old["sha256:".len()..].to_string(), new.clone(), new[3..].to_string()];
        outputs.iter().any(|(_, text)| probes.iter().any(|p| text.contains(p.as_str())))
    };
    let recovered: Vec<&String> = candidates.iter().filter(|w| found(w)).collect();
    assert!(recovered.is_empty(), "guessed from the report: {recovered:?}");
    // The same attack does see a fingerprint that is there: the strong token's, were it guessed.
    candidates.push(STRONG.to_string());
    assert!(found(STRONG), "the attack finds a fingerprint shown in the report");
    let weak = report.credentials.iter().find(|c| c.identity == "admin").unwrap();
    assert_eq!(weak.fingerprint, policy_core::util::fingerprint::WITHHELD);
}

#[test]
fn a_strong_token_keeps_its_fingerprint_across_runs_and_inputs() {
    const STRONG: &str = "Zk8Qw3Lp9Xv2Rt7Ny4Mb6Hc1Jd5Fg0Ts";
    let fingerprint_in = |inputs: &[InputFile<'_>]| {
        let report = policy_core::analyze(inputs, &all_rules());
        report.credentials.iter().find(|c| c.identity == "ci").unwrap().fingerprint.clone()
    };
    let alone = format!("{STRONG},ci,2,ci\n");
    let first = fingerprint_in(&[InputFile { name: "a.csv", bytes: alone.as_bytes() }]);
    let (files, _) = leak_inputs();
    let inputs: Vec<InputFile<'_>> = files.iter().map(|(n, b)| InputFile { name: n, bytes: b }).collect();
    let second = fingerprint_in(&inputs);
    assert_eq!(first, second);
    assert_eq!(first, policy_core::util::fingerprint::digest(STRONG.as_bytes()));
    assert!(first.starts_with("fp1:") && first.len() == 16, "{first}");
}

#[test]
fn admission_answers_never_show_a_crafted_secret() {
    let (files, secrets) = leak_inputs();
    let inputs: Vec<InputFile<'_>> = files.iter().map(|(n, b)| InputFile { name: n, bytes: b }).collect();
    let objects = policy_core::input::load(&inputs, &Limits::default()).objects;
    assert!(objects.len() >= 8, "the crafted objects load");
    let mut rejected = 0;
    let mut leaks = Vec::new();
    for object in objects {
        let request = serde_json::json!({"operation": "CREATE", "namespace": "default", "object": object.value});
        let decision =
            policy_core::admit(&request.into(), &all_rules(), &policy_core::AdmitSettings::default()).unwrap();
        rejected += usize::from(!decision.allowed);
        let answer = serde_json::to_string(&decision).unwrap();
        leaks.extend(secrets.iter().filter(|s| answer.contains(s.as_str())).map(|s| format!("`{s}`")));
    }
    assert!(rejected > 0, "some crafted object is rejected, so its message is checked");
    assert!(leaks.is_empty(), "admission answers show secrets: {}", leaks.join(", "));
}

/// A report without the rule docs Markdown and HTML carry (the `Rules` section): static text of
/// the catalogue, the same whatever the input, which quotes well-known example tokens (BT004's
/// `0123456789abcdef`) as the SARIF catalogue does. Everything drawn from the input stays.
pub fn without_rule_docs(out: &str) -> String {
    if let Some(start) = out.find("\n## Rules\n") {
        return out.get(..start).unwrap_or(out).to_string();
    }
    if let Some(start) = out.find("<section id=\"rules\">")
        && let Some(len) = out.get(start..).and_then(|rest| rest.find("</section>"))
    {
        return format!("{}{}", out.get(..start).unwrap_or(""), out.get(start + len..).unwrap_or(""));
    }
    out.to_string()
}
