//! One admission decision per kind of object, as a ratio to parsing the same review.
//!
//! `cargo bench -p policy-core --bench admission [-- CALLS] [NAME…]` (default 5000 calls, every review): for each realistic
//! AdmissionReview of `tests/fixtures/admission-bench/` (Secrets of every type, Pod, Deployment,
//! CSR, every RBAC kind, ServiceAccount, ConfigMap) it times, interleaved in one process,
//! `serde_json::from_slice` of the review bytes (the floor, as `JSON.parse` is for the JS hosts)
//! and parse + `policy_core::admit` of its request, and prints the medians, p99 and the ratio.
//! Native code: the wasm hosts add their own cost on top (`cargo xtask bench`). Not a timed test.

use policy_core::value::Value;
use policy_core::{AdmitSettings, Settings, admit};
use std::path::Path;
use std::time::{Duration, Instant};

/// The reviews of `tests/fixtures/admission-bench/`, by file name, sorted.
fn cases() -> Vec<(String, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/admission-bench");
    let mut cases: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|e| e == "json"))
                .filter_map(|p| Some((p.file_stem()?.to_str()?.to_string(), std::fs::read(&p).ok()?)))
                .collect()
        })
        .unwrap_or_default();
    cases.sort();
    assert!(!cases.is_empty(), "no reviews in {}", dir.display());
    cases
}

fn quantile(times: &mut [Duration], q: f64) -> Duration {
    times.sort_unstable();
    let i = ((times.len() as f64 - 1.0) * q).round() as usize;
    times.get(i).copied().unwrap_or_default()
}

fn main() {
    let calls: usize = std::env::args().skip(1).find_map(|a| a.parse().ok()).unwrap_or(5000);
    // Any other argument keeps only the reviews whose name contains it (cargo's own `--bench` aside).
    let only: Vec<String> =
        std::env::args().skip(1).filter(|a| !a.starts_with('-') && a.parse::<usize>().is_err()).collect();
    let (settings, admit_settings) = (Settings::default(), AdmitSettings::default());
    println!("`cargo bench -p policy-core --bench admission -- {calls}` (native, interleaved)\n");
    println!(
        "| review | parse median | parse + admit median | p99 | ratio (median) | findings |\n|---|---:|---:|---:|---:|---|"
    );
    for (name, bytes) in cases().iter().filter(|(name, _)| only.is_empty() || only.iter().any(|o| name.contains(o))) {
        let (mut parse, mut decide) = (Vec::with_capacity(calls), Vec::with_capacity(calls));
        let mut codes = String::new();
        for _ in 0..calls {
            let start = Instant::now();
            let floor = serde_json::from_slice::<serde_json::Value>(bytes);
            parse.push(start.elapsed());
            drop(floor);
            let start = Instant::now();
            let decision = serde_json::from_slice::<Value>(bytes)
                .ok()
                .and_then(|review: Value| admit(review.get("request")?, &settings, &admit_settings).ok());
            decide.push(start.elapsed());
            let Some(decision) = decision else {
                eprintln!("{name}: no decision");
                std::process::exit(1);
            };
            if codes.is_empty() {
                let found: Vec<&str> = decision.findings.iter().map(|f| f.code.as_str()).collect();
                codes = if found.is_empty() { "none".to_string() } else { found.join(", ") };
            }
        }
        let (p, d) = (quantile(&mut parse, 0.5), quantile(&mut decide, 0.5));
        let p99 = quantile(&mut decide, 0.99);
        println!(
            "| {name} ({} B) | {:.1} µs | {:.1} µs | {:.1} µs | {:.1}× | {codes} |",
            bytes.len(),
            p.as_secs_f64() * 1e6,
            d.as_secs_f64() * 1e6,
            p99.as_secs_f64() * 1e6,
            d.as_secs_f64() / p.as_secs_f64().max(1e-12)
        );
    }
}
