//! Shapes that once made the analysis quadratic, timed at two sizes: the analysis of each must
//! grow at most 1.1× faster than its input, or this bench fails (exit 1) naming the shape.
//!
//! `cargo bench -p policy-core --bench pathological [-- SMALL LARGE]` (objects per shape;
//! default 10000 100000). The shapes (issue 15, item 2):
//! - `csrs`: CertificateSigningRequests, each with its issued certificate;
//! - `bindings`: ClusterRoleBindings of 50 subjects each, and aggregated ClusterRoles (one role
//!   in ten carries the aggregation label, ten roles aggregate them);
//! - `one-secret`: Pods in one namespace all mounting the same Secret;
//! - `bootstrap`: bootstrap token Secrets, each group bound through as many bindings;
//! - `legacy-tokens`: legacy ServiceAccount token Secrets, all readable through one role.
//!
//! `PATHOLOGICAL_SHAPES=csrs,bootstrap` runs only those shapes (to profile one).
//!
//! `PATHOLOGICAL_MEASURE=instructions` judges growth on the instructions `analyze` executes,
//! counted by `valgrind --tool=callgrind` (default sizes 2000 20000): a count no other process
//! can disturb, so the 1.1 bar holds on a loaded machine. CPU time (the default) also grows with
//! cache misses as the working set outgrows the caches, and with the machine's load.
//!
//! Time is this thread's CPU time (`/proc/thread-self/schedstat`, so the load of a shared
//! machine matters little), the best of 3 runs at the small size and of 2 at the large one;
//! sizes are interleaved (small, large, small, …) so both see the same machine. Not a timed
//! test: the figures go to `docs/benchmarks.md`.

use base64::Engine as _;
use policy_core::input::InputFile;
use policy_core::{Settings, analyze};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

const CSR_PEM: &str = include_str!("../src/inventory/testdata/mallory.csr");
const CERT_PEM: &str = include_str!("../src/inventory/testdata/eve-masters.crt");

/// Allowed growth of time over growth of input.
const MAX_GROWTH: f64 = 1.1;

fn b64(text: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(text)
}

fn crb(name: String, role: &str, subjects: Value) -> Value {
    json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding", "metadata": {"name": name},
           "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": role},
           "subjects": subjects})
}

fn group(name: &str) -> Value {
    json!({"kind": "Group", "apiGroup": "rbac.authorization.k8s.io", "name": name})
}

struct Shape {
    name: &'static str,
    make: fn(usize) -> Vec<Value>,
}

const SHAPES: &[Shape] = &[
    Shape {
        name: "csrs",
        make: |n| {
            let (request, certificate) = (b64(CSR_PEM), b64(CERT_PEM));
            (0..n)
                .map(|i| {
                    json!({"apiVersion": "certificates.k8s.io/v1", "kind": "CertificateSigningRequest",
                           "metadata": {"name": format!("csr-{i}")},
                           "spec": {"request": request, "signerName": "kubernetes.io/kube-apiserver-client",
                                    "username": format!("user-{i}"), "usages": ["client auth"]},
                           "status": {"conditions": [{"type": "Approved", "status": "True"}], "certificate": certificate}})
                })
                .collect()
        },
    },
    Shape {
        name: "bindings",
        make: |n| {
            let roles = n / 2;
            let mut out: Vec<Value> = (0..roles)
                .map(|i| {
                    let name = format!("role-{i}");
                    let api = "rbac.authorization.k8s.io/v1";
                    if i < 10 {
                        json!({"apiVersion": api, "kind": "ClusterRole", "metadata": {"name": name}, "rules": [],
                               "aggregationRule": {"clusterRoleSelectors": [{"matchLabels": {"aggregate-to": format!("agg-{i}")}}]}})
                    } else if i % 10 == 0 {
                        json!({"apiVersion": api, "kind": "ClusterRole",
                               "metadata": {"name": name, "labels": {"aggregate-to": format!("agg-{}", i / 10 % 10)}},
                               "rules": [{"apiGroups": [""], "resources": ["secrets"], "verbs": ["get", "list"]}]})
                    } else {
                        json!({"apiVersion": api, "kind": "ClusterRole", "metadata": {"name": name},
                               "rules": [{"apiGroups": [""], "resources": ["configmaps"], "verbs": ["get"]}]})
                    }
                })
                .collect();
            out.extend((0..n - roles).map(|i| {
                let subjects: Vec<Value> = (0..50)
                    .map(|j| json!({"kind": "ServiceAccount", "name": format!("sa-{}", (i * 50 + j) % 5000), "namespace": "apps"}))
                    .collect();
                crb(format!("bind-{i}"), &format!("role-{}", i % roles.max(1)), Value::from(subjects))
            }));
            out
        },
    },
    Shape {
        name: "one-secret",
        make: |n| {
            let mut out =
                vec![json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "shared", "namespace": "one"},
                                      "data": {"password": "c2VjcmV0"}})];
            out.extend((1..n).map(|i| {
                json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": format!("pod-{i}"), "namespace": "one"},
                       "spec": {"serviceAccountName": "default",
                                "containers": [{"name": "c", "image": "nginx:1.27",
                                                "env": [{"name": "PASSWORD", "valueFrom": {"secretKeyRef": {"name": "shared", "key": "password"}}}]}],
                                "volumes": [{"name": "s", "secret": {"secretName": "shared"}}]}})
            }));
            out
        },
    },
    Shape {
        name: "bootstrap",
        make: |n| {
            let tokens = n / 2;
            let mut out: Vec<Value> = (0..tokens)
                .map(|i| {
                    let id = format!("{:06x}", i % 0xff_ffff);
                    json!({"apiVersion": "v1", "kind": "Secret", "type": "bootstrap.kubernetes.io/token",
                           "metadata": {"name": format!("bootstrap-token-{id}"), "namespace": "kube-system"},
                           "stringData": {"token-id": id, "token-secret": format!("{i:016x}"),
                                          "usage-bootstrap-authentication": "true",
                                          "auth-extra-groups": "system:bootstrappers:workers"}})
                })
                .collect();
            out.extend((0..n - tokens).map(|i| {
                let who = if i % 2 == 0 { "system:bootstrappers" } else { "system:bootstrappers:workers" };
                crb(format!("bootstrap-{i}"), "cluster-admin", json!([group(who)]))
            }));
            out
        },
    },
    Shape {
        name: "legacy-tokens",
        make: |n| {
            let mut out = vec![
                json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", "metadata": {"name": "secret-reader"},
                       "rules": [{"apiGroups": [""], "resources": ["secrets"], "verbs": ["get", "list"]}]}),
                crb("read-secrets".into(), "secret-reader", json!([group("system:authenticated")])),
            ];
            out.extend((2..n).map(|i| {
                json!({"apiVersion": "v1", "kind": "Secret", "type": "kubernetes.io/service-account-token",
                       "metadata": {"name": format!("sa-{i}-token"), "namespace": format!("ns-{}", i % 100),
                                    "annotations": {"kubernetes.io/service-account.name": format!("sa-{i}")}},
                       "data": {"token": "ZXlKaGJHY2lPaUpTVXpJMU5pSjkuZXlKemRXSWlPaUp6ZVhOMFpXMCJ9LnNpZw=="}})
            }));
            out
        },
    },
];

/// CPU time of this thread so far (wall time where the kernel does not say).
fn cpu_now(start: Instant) -> Duration {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse::<u64>().ok())
        .map_or_else(|| start.elapsed(), Duration::from_nanos)
}

fn time(bytes: &[u8], settings: &Settings) -> (Duration, usize) {
    let input = [InputFile { name: "shape.json", bytes }];
    let start = Instant::now();
    let before = cpu_now(start);
    let report = analyze(&input, settings);
    let spent = cpu_now(start).saturating_sub(before);
    (spent, report.findings.len())
}

fn dump(items: Vec<Value>) -> Vec<u8> {
    serde_json::to_vec(&json!({"apiVersion": "v1", "kind": "List", "items": items})).unwrap_or_default()
}

/// Instructions `analyze` executes on `shape` at `n` objects, counted by callgrind: this binary
/// runs itself under `valgrind --tool=callgrind`, collecting only inside the analysis.
fn instructions(shape: &str, n: usize) -> Result<u64, String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let out = std::env::temp_dir().join(format!("pathological-{}-{shape}-{n}.callgrind", std::process::id()));
    let status = std::process::Command::new("valgrind")
        .args(["--tool=callgrind", "--toggle-collect=*measured_analysis*", "--quiet"])
        .arg(format!("--callgrind-out-file={}", out.display()))
        .arg(&exe)
        .env("PATHOLOGICAL_CHILD", format!("{shape}:{n}"))
        .status()
        .map_err(|e| format!("valgrind: {e} (install valgrind, or measure CPU time)"))?;
    let text = std::fs::read_to_string(&out).map_err(|e| format!("{}: {e}", out.display()));
    let _ = std::fs::remove_file(&out);
    if !status.success() {
        return Err(format!("valgrind exited with {status}"));
    }
    text?
        .lines()
        .find_map(|l| l.strip_prefix("summary:").or_else(|| l.strip_prefix("totals:")))
        .and_then(|n| n.split_whitespace().next()?.parse().ok())
        // Nothing counted means the toggle named no function that ran: a growth from zeros
        // would pass every shape.
        .filter(|&count: &u64| count > 0)
        .ok_or_else(|| "no instruction count in callgrind's output".to_string())
}

/// The child of [`instructions`]: analyse one shape once.
fn child(spec: &str) {
    let (name, n) = spec.split_once(':').unwrap_or_default();
    let n = n.parse().unwrap_or(0);
    if let Some(shape) = SHAPES.iter().find(|s| s.name == name) {
        let bytes = dump((shape.make)(n));
        measured_analysis(&bytes);
    }
}

/// What callgrind counts (`--toggle-collect`): a function of this binary that is never inlined,
/// so the count does not hang on how the library's own functions are inlined (the analysis
/// became `Analysis::load` then `finish`, and `analyze_with_audit` a wrapper LTO inlines away).
#[inline(never)]
fn measured_analysis(bytes: &[u8]) {
    drop(analyze(&[InputFile { name: "shape.json", bytes }], &Settings::default()));
}

/// `PATHOLOGICAL_MEASURE=instructions`: the growth of instruction counts, which the load of a
/// shared machine cannot move (CPU time also grows with cache misses as the working set does).
fn main_instructions(small: usize, large: usize, only: &str) {
    println!(
        "`PATHOLOGICAL_MEASURE=instructions cargo bench -p policy-core --bench pathological -- {small} {large}` (instructions of `analyze`, callgrind)\n"
    );
    println!("| shape | {small} objects | {large} objects | instruction growth / input growth |\n|---|---:|---:|---:|");
    let mut superlinear = Vec::new();
    for shape in SHAPES.iter().filter(|s| only.is_empty() || only.split(',').any(|o| o == s.name)) {
        match (instructions(shape.name, small), instructions(shape.name, large)) {
            (Ok(a), Ok(b)) => {
                let growth = (b as f64 / a.max(1) as f64) / (large as f64 / small as f64);
                let verdict = if growth > MAX_GROWTH { " **super-linear**" } else { "" };
                println!(
                    "| {} | {:.3}·10⁹ | {:.3}·10⁹ | {growth:.2}{verdict} |",
                    shape.name,
                    a as f64 / 1e9,
                    b as f64 / 1e9
                );
                if growth > MAX_GROWTH {
                    superlinear.push(shape.name);
                }
            }
            (Err(e), _) | (_, Err(e)) => {
                eprintln!("FAIL: {}: {e}", shape.name);
                std::process::exit(1);
            }
        }
    }
    if !superlinear.is_empty() {
        eprintln!(
            "\nFAIL: analysis instructions grow more than {MAX_GROWTH}× faster than the input for: {}",
            superlinear.join(", ")
        );
        std::process::exit(1);
    }
}

fn main() {
    if let Ok(spec) = std::env::var("PATHOLOGICAL_CHILD") {
        child(&spec);
        return;
    }
    let sizes: Vec<usize> = std::env::args().skip(1).filter_map(|a| a.parse().ok()).collect();
    let by_instructions = std::env::var("PATHOLOGICAL_MEASURE").is_ok_and(|m| m == "instructions");
    let (small, large) = match sizes.as_slice() {
        [s, l, ..] if s < l => (*s, *l),
        // Under callgrind the analysis runs ~50x slower: sizes a run can afford.
        _ if by_instructions => (2_000, 20_000),
        _ => (10_000, 100_000),
    };
    if by_instructions {
        main_instructions(small, large, &std::env::var("PATHOLOGICAL_SHAPES").unwrap_or_default());
        return;
    }
    let settings = Settings::default();
    println!(
        "`cargo bench -p policy-core --bench pathological -- {small} {large}` (CPU time of `analyze`, best of 3 / 2)\n"
    );
    println!("| shape | {small} objects | {large} objects | time growth / input growth |\n|---|---:|---:|---:|");
    let only = std::env::var("PATHOLOGICAL_SHAPES").unwrap_or_default();
    let mut superlinear = Vec::new();
    for shape in SHAPES.iter().filter(|s| only.is_empty() || only.split(',').any(|o| o == s.name)) {
        let small_bytes = dump((shape.make)(small));
        let large_bytes = dump((shape.make)(large));
        let (mut best_small, mut best_large) = (Duration::MAX, Duration::MAX);
        let mut findings = (0, 0);
        for run in 0..3 {
            let (t, f) = time(&small_bytes, &settings);
            best_small = best_small.min(t);
            findings.0 = f;
            if run < 2 {
                let (t, f) = time(&large_bytes, &settings);
                best_large = best_large.min(t);
                findings.1 = f;
            }
        }
        let growth = (best_large.as_secs_f64() / best_small.as_secs_f64().max(1e-9)) / (large as f64 / small as f64);
        let verdict = if growth > MAX_GROWTH { " **super-linear**" } else { "" };
        println!(
            "| {} | {:.3} s ({} findings) | {:.3} s ({} findings) | {growth:.2}{verdict} |",
            shape.name,
            best_small.as_secs_f64(),
            findings.0,
            best_large.as_secs_f64(),
            findings.1
        );
        if growth > MAX_GROWTH {
            superlinear.push(shape.name);
        }
    }
    if !superlinear.is_empty() {
        eprintln!(
            "\nFAIL: analysis time grows more than {MAX_GROWTH}× faster than the input for: {}",
            superlinear.join(", ")
        );
        std::process::exit(1);
    }
}
