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
    let mut files = Vec::new();
    let mut stack = vec![root.join("fixtures"), root.join("../examples"), root.join("../../shared/corpus")];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        for entry in entries {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| ["yaml", "yml", "json", "csv"].contains(&e.to_str().unwrap())) {
                files.push(path);
            }
        }
    }
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
            let out = render::render(&report, format, false);
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
