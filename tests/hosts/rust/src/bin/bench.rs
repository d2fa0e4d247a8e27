//! Figures for docs/benchmarks.md: artifact sizes (raw, gzip -9) and the median time of one
//! Kubewarden `validate` call in wasmtime (wapc + wasmtime-provider, as kwctl) against the same
//! function called natively, for a small Pod and a 1 MB one. Writes the native medians to
//! `target/hosts/bench-native.json` for the node bench's ratios.
//! Usage: `bench [ITERATIONS]` (default 2000 small / 40 large).

use authn_audit_hosts::{artifact, dist, fixtures, repo, validation_request, wapc_host};
use serde_json::{Value, json};
use std::process::{Command, ExitCode};
use std::time::{Duration, Instant};

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort_unstable();
    times.get(times.len() / 2).copied().unwrap_or_default()
}

fn time<F: FnMut() -> bool>(iterations: usize, mut f: F) -> Result<Duration, String> {
    for _ in 0..iterations.div_ceil(10) {
        if !f() {
            return Err("call failed during warm-up".to_string());
        }
    }
    let mut times = Vec::with_capacity(iterations);
    for _ in 0..iterations {
        let start = Instant::now();
        let ok = f();
        times.push(start.elapsed());
        if !ok {
            return Err("call failed".to_string());
        }
    }
    Ok(median(times))
}

fn gzip_len(path: &std::path::Path) -> Option<usize> {
    let out = Command::new("gzip").args(["-9", "-c"]).arg(path).output().ok()?;
    out.status.success().then_some(out.stdout.len())
}

fn run() -> Result<(), String> {
    let small_iterations: usize = std::env::args().nth(1).and_then(|n| n.parse().ok()).unwrap_or(2000);
    let large_iterations = (small_iterations / 50).max(10);

    println!("| artifact | raw | gzip -9 |\n|---|---:|---:|");
    for name in ["kubewarden.wasm", "opa.wasm", "npm/web/authn_audit_bg.wasm"] {
        let path = dist().join(name);
        let raw = std::fs::metadata(&path).map_err(|e| format!("{}: {e}", path.display()))?.len();
        let gz = gzip_len(&path).unwrap_or_default();
        println!("| `{name}` | {:.0} KiB | {:.0} KiB |", raw as f64 / 1024.0, gz as f64 / 1024.0);
    }

    let fixtures = fixtures()?;
    let pod =
        fixtures.iter().find(|(n, _)| n == "ok_pod_default_token").map(|(_, r)| r.clone()).ok_or("no pod fixture")?;
    let mut large = pod.clone();
    if let Some(meta) = large.pointer_mut("/request/object/metadata").and_then(Value::as_object_mut) {
        meta.insert("annotations".to_string(), json!({"blob": "x".repeat(1 << 20)}));
    }
    let host = wapc_host(&artifact("kubewarden.wasm")?)?;
    println!("\n| decision (Kubewarden `validate`) | native | wasmtime | ratio |\n|---|---:|---:|---:|");
    let mut natives = serde_json::Map::new();
    for (label, review, iterations) in
        [("small Pod (2 KB)", &pod, small_iterations), ("1 MB Pod", &large, large_iterations)]
    {
        let payload = validation_request(review, &json!({}));
        let native = time(iterations, || policy_wasm::kubewarden::validate(&payload).is_ok())?;
        let wasm = time(iterations, || host.call("validate", &payload).is_ok())?;
        println!(
            "| {label}, {} bytes | {:.1} µs | {:.1} µs | {:.1}× |",
            payload.len(),
            native.as_secs_f64() * 1e6,
            wasm.as_secs_f64() * 1e6,
            wasm.as_secs_f64() / native.as_secs_f64()
        );
        natives.insert(label.to_string(), json!({"bytes": payload.len(), "nativeMicros": native.as_secs_f64() * 1e6}));
    }
    let out = repo().join("target/hosts/bench-native.json");
    std::fs::create_dir_all(out.parent().ok_or("no parent")?).map_err(|e| e.to_string())?;
    std::fs::write(&out, Value::Object(natives).to_string()).map_err(|e| format!("{}: {e}", out.display()))?;
    Ok(())
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("bench: {e}");
            ExitCode::FAILURE
        }
    }
}
