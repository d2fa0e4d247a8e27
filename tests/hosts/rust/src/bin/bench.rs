//! Figures for docs/benchmarks.md ("Figures: policy-wasm"): artifact sizes (raw, gzip -9), then
//! one Kubewarden `validate` call per realistic review of `tests/fixtures/admission-bench/`, in
//! wasmtime (wapc + wasmtime-provider, as kwctl and policy-server) and natively
//! (`policy_wasm::kubewarden::validate`), interleaved with the floor: `serde_json::from_slice`
//! of the same payload in the same process. Prints medians, p99 and the ratios, and whether each
//! review meets issue 15's goal in wasmtime (median ≤ 25 µs, p99 ≤ 150 µs): a column, not an exit
//! status, since absolute times on a shared machine are the load's as much as the code's. The
//! "read only" column is the same review as a DELETE, which the module parses and answers without
//! deciding: what reading the request costs in wasm, the rest of a median being the decision. Each call is timed
//! in this thread's CPU time, so a call the scheduler suspends for another process is not counted
//! as slow (the machine the figures come from is shared).
//! Usage: `bench [CALLS]` (default 2000 per review; the 1 MB Pod gets a fiftieth).

use authn_audit_hosts::{artifact, bench_reviews, dist, fixtures, validation_request, wapc_host};
use serde_json::{Value, json};
use std::process::{Command, ExitCode};
use std::time::Duration;

/// This thread's CPU time so far.
fn cpu() -> Duration {
    let t = rustix::time::clock_gettime(rustix::time::ClockId::ThreadCPUTime);
    Duration::new(u64::try_from(t.tv_sec).unwrap_or_default(), u32::try_from(t.tv_nsec).unwrap_or_default())
}

/// The goal of issue 15, item 4, in microseconds.
const GOAL_MEDIAN: f64 = 25.0;
const GOAL_P99: f64 = 150.0;

fn quantile(times: &mut [Duration], q: f64) -> f64 {
    times.sort_unstable();
    let i = ((times.len().saturating_sub(1)) as f64 * q).round() as usize;
    times.get(i).copied().unwrap_or_default().as_secs_f64() * 1e6
}

fn gzip_len(path: &std::path::Path) -> Option<usize> {
    let out = Command::new("gzip").args(["-9", "-c"]).arg(path).output().ok()?;
    out.status.success().then_some(out.stdout.len())
}

/// The bench reviews, sorted by name, and a 1 MB Pod (the smallest Pod fixture with a 1 MB
/// annotation).
fn reviews() -> Result<Vec<(String, Value)>, String> {
    let mut out = bench_reviews()?;
    let pod = fixtures()?.into_iter().find(|(n, _)| n == "ok_pod_default_token").ok_or("no pod fixture")?.1;
    let mut large = pod;
    if let Some(meta) = large.pointer_mut("/request/object/metadata").and_then(Value::as_object_mut) {
        meta.insert("annotations".to_string(), json!({"blob": "x".repeat(1 << 20)}));
    }
    out.push(("1 MB Pod".to_string(), large));
    Ok(out)
}

fn run() -> Result<(), String> {
    let calls: usize = std::env::args().nth(1).and_then(|n| n.parse().ok()).unwrap_or(2000);

    println!("| artifact | raw | gzip -9 |\n|---|---:|---:|");
    for name in ["kubewarden.wasm", "opa.wasm", "npm/web/authn_audit_bg.wasm"] {
        let path = dist().join(name);
        let raw = std::fs::metadata(&path).map_err(|e| format!("{}: {e}", path.display()))?.len();
        let gz = gzip_len(&path).unwrap_or_default();
        println!("| `{name}` | {:.0} KiB | {:.0} KiB |", raw as f64 / 1024.0, gz as f64 / 1024.0);
    }

    let host = wapc_host(&artifact("kubewarden.wasm")?)?;
    println!(
        "\n`bench {calls}` (tests/hosts/rust/src/bin/bench.rs): Kubewarden `validate`, {calls} calls per review, interleaved, thread CPU time\n"
    );
    println!(
        "| review | payload | parse (floor) | native | wasmtime median | wasmtime p99 | wasmtime / parse | read only | goal |\n\
         |---|---:|---:|---:|---:|---:|---:|---:|---|"
    );
    for (name, review) in reviews()? {
        let payload = validation_request(&review, &json!({}));
        let mut delete = review.clone();
        if let Some(request) = delete.get_mut("request").and_then(Value::as_object_mut) {
            request.insert("operation".to_string(), json!("DELETE"));
        }
        let delete = validation_request(&delete, &json!({}));
        let n = if name == "1 MB Pod" { (calls / 50).max(10) } else { calls };
        let (mut parse, mut native, mut wasm, mut read) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for i in 0..n + n.div_ceil(10) {
            let start = cpu();
            let floor = serde_json::from_slice::<Value>(&payload).is_ok();
            let parsed = cpu() - start;
            let start = cpu();
            let ok = policy_wasm::kubewarden::validate(&payload).is_ok();
            let natively = cpu() - start;
            let start = cpu();
            let called = host.call("validate", &payload).is_ok();
            let in_wasm = cpu() - start;
            let start = cpu();
            let answered = host.call("validate", &delete).is_ok();
            let read_only = cpu() - start;
            if !(floor && ok && called && answered) {
                return Err(format!("{name}: a call failed"));
            }
            // The first tenth warms up.
            if i >= n.div_ceil(10) {
                parse.push(parsed);
                native.push(natively);
                wasm.push(in_wasm);
                read.push(read_only);
            }
        }
        let (p, nat) = (quantile(&mut parse, 0.5), quantile(&mut native, 0.5));
        let (median, p99) = (quantile(&mut wasm, 0.5), quantile(&mut wasm, 0.99));
        let read = quantile(&mut read, 0.5);
        let met = median <= GOAL_MEDIAN && p99 <= GOAL_P99;
        let small = name != "1 MB Pod";
        println!(
            "| {name} | {} B | {p:.1} µs | {nat:.1} µs | {median:.1} µs | {p99:.1} µs | {:.1}× | {read:.1} µs | {} |",
            payload.len(),
            median / p.max(1e-3),
            if !small {
                "(not a goal)"
            } else if met {
                "met"
            } else {
                "MISSED"
            },
        );
    }
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
