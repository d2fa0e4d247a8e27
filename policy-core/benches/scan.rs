//! Load and full-analysis cost on generated dumps, as ratios to plain JSON parsing.
//!
//! `cargo bench -p policy-core --bench scan [-- SIZES...]` (default sizes 1000 10000 100000).
//! For each size it builds one `kind: List` of mixed objects (Pods, Secrets, ServiceAccounts,
//! RBAC, ConfigMaps, plus a kube-apiserver static Pod), renders it as kubectl-style YAML and
//! pretty JSON, and measures in this process:
//! - `serde_json::from_slice::<Value>` of the JSON bytes: the baseline (1.00);
//! - `input::load` of the YAML and of the JSON bytes;
//! - `policy_core::analyze` (load + inventory + every rule) of both;
//!
//! `SCAN_SELECT=SA,BT` / `SCAN_IGNORE=SA002` choose the rules run by `analyze` (codes or
//! families), to find a slow one.
//!
//! Times are the best of a few runs; memory is the peak of live heap bytes during one run,
//! counted by the global allocator. Not a timed test: figures go to `docs/benchmarks.md`.

use peak_alloc::PeakAlloc;
use policy_core::input::{InputFile, Limits};
use policy_core::{Settings, analyze};
use serde_json::{Value, json};
use std::time::Instant;

#[global_allocator]
static ALLOC: PeakAlloc = PeakAlloc;

fn object(i: usize) -> Value {
    let ns = format!("team-{}", i % 40);
    match i % 8 {
        0 | 1 => json!({
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": format!("web-{i}"), "namespace": ns, "labels": {"app": "web"},
                         "uid": format!("00000000-0000-4000-8000-{i:012}"), "resourceVersion": "4242"},
            "spec": {"serviceAccountName": format!("sa-{}", i / 8 * 8 + 2),
                     "containers": [{"name": "web", "image": "nginx:1.27", "args": ["--port=8080"],
                                     "ports": [{"containerPort": 8080, "protocol": "TCP"}],
                                     "volumeMounts": [{"name": "kube-api-access", "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount", "readOnly": true}]}],
                     "volumes": [{"name": "kube-api-access", "projected": {"defaultMode": 420, "sources": [
                         {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}},
                         {"configMap": {"name": "kube-root-ca.crt", "items": [{"key": "ca.crt", "path": "ca.crt"}]}}]}}]},
            "status": {"phase": "Running", "podIP": "10.0.0.1"}
        }),
        2 => json!({"apiVersion": "v1", "kind": "ServiceAccount",
                    "metadata": {"name": format!("sa-{i}"), "namespace": ns},
                    "secrets": [{"name": format!("sa-{i}-token")}]}),
        3 => json!({"apiVersion": "v1", "kind": "Secret", "type": "kubernetes.io/service-account-token",
                    "metadata": {"name": format!("sa-{}-token", i - 1), "namespace": ns,
                                 "annotations": {"kubernetes.io/service-account.name": format!("sa-{}", i - 1)}},
                    "data": {"token": "ZXlKaGJHY2lPaUpTVXpJMU5pSjkuZXlKemRXSWlPaUp6ZVhOMFpXMDZjMlZ5ZG1salpXRmpZMjkxYm5RNmRHVmhiVHBsZUdGdGNHeGxJbjAuc2lnbmF0dXJl",
                             "namespace": "dGVhbQ==", "ca.crt": "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCg=="}}),
        4 => json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
                    "metadata": {"name": format!("reader-{i}")},
                    "rules": [{"apiGroups": [""], "resources": ["pods", "configmaps"], "verbs": ["get", "list", "watch"]},
                              {"apiGroups": [""], "resources": ["secrets"], "verbs": ["get"]}]}),
        5 => json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
                    "metadata": {"name": format!("read-{i}"), "namespace": ns},
                    "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": format!("reader-{}", i - 1)},
                    "subjects": [{"kind": "ServiceAccount", "name": format!("sa-{}", i - 3), "namespace": ns},
                                 {"kind": "Group", "apiGroup": "rbac.authorization.k8s.io", "name": "system:authenticated"}]}),
        6 => json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
                    "metadata": {"name": format!("bind-{i}")},
                    "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": format!("reader-{}", i - 2)},
                    "subjects": [{"kind": "User", "apiGroup": "rbac.authorization.k8s.io", "name": format!("user-{i}@example.com")}]}),
        _ => json!({"apiVersion": "v1", "kind": "ConfigMap",
                    "metadata": {"name": format!("settings-{i}"), "namespace": ns},
                    "data": {"app.yaml": "server:\n  port: 8080\n  tls: true\n", "LOG_LEVEL": "info"}}),
    }
}

fn apiserver() -> Value {
    json!({"apiVersion": "v1", "kind": "Pod",
           "metadata": {"name": "kube-apiserver-cp-1", "namespace": "kube-system", "labels": {"component": "kube-apiserver", "tier": "control-plane"}},
           "spec": {"hostNetwork": true, "containers": [{"name": "kube-apiserver", "image": "registry.k8s.io/kube-apiserver:v1.31.0",
                    "command": ["kube-apiserver", "--anonymous-auth=true", "--authorization-mode=Node,RBAC",
                                "--client-ca-file=/etc/kubernetes/pki/ca.crt", "--token-auth-file=/etc/kubernetes/tokens.csv",
                                "--service-account-key-file=/etc/kubernetes/pki/sa.pub", "--service-account-issuer=https://kubernetes.default.svc",
                                "--requestheader-client-ca-file=/etc/kubernetes/pki/front-proxy-ca.crt"]}]}})
}

fn dump(n: usize) -> Value {
    let mut items = vec![apiserver()];
    items.extend((1..n).map(object));
    json!({"apiVersion": "v1", "kind": "List", "metadata": {"resourceVersion": ""}, "items": items})
}

/// kubectl-style block YAML (sequences at the parent key's indentation).
fn to_yaml(value: &Value) -> String {
    fn scalar(v: &Value, out: &mut String) {
        match v {
            Value::String(s) if plain_ok(s) => out.push_str(s),
            Value::String(s) => out.push_str(&Value::String(s.clone()).to_string()),
            Value::Array(_) => out.push_str("[]"),
            Value::Object(_) => out.push_str("{}"),
            other => out.push_str(&other.to_string()),
        }
    }
    fn plain_ok(s: &str) -> bool {
        !s.is_empty()
            && !s.contains([':', '#', '\n', '"', '\'', '{', '}', '[', ']', ',', '&', '*', '!', '|', '>', '%', '@', '`'])
            && !s.starts_with(['-', '?', ' ', '.', '+'])
            && !s.ends_with(' ')
            && !s.bytes().next().is_some_and(|b| b.is_ascii_digit())
            && !matches!(
                s.to_ascii_lowercase().as_str(),
                "true" | "false" | "null" | "yes" | "no" | "on" | "off" | "y" | "n" | "~"
            )
    }
    fn entries(map: &serde_json::Map<String, Value>, indent: usize, first_inline: bool, out: &mut String) {
        for (i, (k, v)) in map.iter().enumerate() {
            if i > 0 || !first_inline {
                out.extend(std::iter::repeat_n(' ', indent));
            }
            scalar(&Value::String(k.clone()), out);
            out.push(':');
            match v {
                Value::Object(m) if !m.is_empty() => {
                    out.push('\n');
                    entries(m, indent + 2, false, out);
                }
                Value::Array(a) if !a.is_empty() => {
                    out.push('\n');
                    items(a, indent, out);
                }
                _ => {
                    out.push(' ');
                    scalar(v, out);
                    out.push('\n');
                }
            }
        }
    }
    fn items(list: &[Value], indent: usize, out: &mut String) {
        for v in list {
            out.extend(std::iter::repeat_n(' ', indent));
            out.push_str("- ");
            match v {
                Value::Object(m) if !m.is_empty() => entries(m, indent + 2, true, out),
                _ => {
                    scalar(v, out);
                    out.push('\n');
                }
            }
        }
    }
    let mut out = String::new();
    if let Value::Object(m) = value {
        entries(m, 0, false, &mut out);
    }
    out
}

/// Best time (s) over `runs`, and the peak of live heap bytes above the start during a run.
fn measure<T>(runs: usize, f: impl Fn() -> T) -> (f64, usize) {
    let mut best = f64::MAX;
    let mut peak = 0;
    for _ in 0..runs {
        let before = ALLOC.current_usage();
        ALLOC.reset_peak_usage();
        let started = Instant::now();
        let out = f();
        best = best.min(started.elapsed().as_secs_f64());
        peak = peak.max(ALLOC.peak_usage().saturating_sub(before));
        drop(out);
    }
    (best, peak)
}

fn mib(bytes: usize) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

fn main() {
    let sizes: Vec<usize> = std::env::args().skip(1).filter_map(|a| a.parse().ok()).collect();
    let sizes = if sizes.is_empty() { vec![1_000, 10_000, 100_000] } else { sizes };
    let codes = |var: &str| -> Vec<String> {
        std::env::var(var).map(|s| s.split(',').map(str::to_string).collect()).unwrap_or_default()
    };
    let now = Some(time::OffsetDateTime::UNIX_EPOCH + time::Duration::days(20_000));
    let settings = Settings { now, select: codes("SCAN_SELECT"), ignore: codes("SCAN_IGNORE"), ..Settings::default() };
    let limits = Limits::default();
    println!(
        "| objects | form | MB | serde_json Value | load | analyze | load peak | analyze peak |\n|---:|---|---:|---:|---:|---:|---:|---:|"
    );
    for n in sizes {
        let value = dump(n);
        let json_bytes = serde_json::to_vec_pretty(&value).unwrap_or_default();
        let yaml_bytes = to_yaml(&value).into_bytes();
        drop(value);
        let runs = if n >= 100_000 { 2 } else { 5 };
        let (base, base_peak) = measure(runs, || serde_json::from_slice::<Value>(&json_bytes).ok());
        for (form, bytes) in [("yaml", &yaml_bytes), ("json", &json_bytes)] {
            let input = [InputFile { name: "dump", bytes }];
            let (load, load_peak) = measure(runs, || policy_core::input::load(&input, &limits));
            let (full, full_peak) = measure(runs, || analyze(&input, &settings));
            let loaded = policy_core::input::load(&input, &limits);
            assert_eq!(loaded.objects.len(), n, "every generated object loads");
            assert!(loaded.inputs.iter().all(|i| i.diagnostics.is_empty()), "generated dumps are clean");
            println!(
                "| {n} | {form} | {:.1} | {:.1} ms, {:.0} MiB | {:.1} ms ({:.2}x) | {:.1} ms ({:.2}x) | {:.0} MiB ({:.2}x) | {:.0} MiB ({:.2}x) |",
                bytes.len() as f64 / 1e6,
                base * 1e3,
                mib(base_peak),
                load * 1e3,
                load / base,
                full * 1e3,
                full / base,
                mib(load_peak),
                load_peak as f64 / base_peak.max(1) as f64,
                mib(full_peak),
                full_peak as f64 / base_peak.max(1) as f64,
            );
        }
    }
}
