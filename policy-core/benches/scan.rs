//! Load and whole-scan cost on generated dumps, as ratios to the parse floor of the same bytes.
//!
//! `cargo bench -p policy-core --bench scan [-- SIZES...]` (default sizes 1000 10000 100000;
//! 300000 is the largest). For each size it builds one `kind: List` of mixed objects
//! (Pods with projected tokens and kubectl's `managedFields`, ServiceAccounts, legacy token
//! Secrets holding the cluster CA, RBAC, ConfigMaps, plus a kube-apiserver static Pod), renders
//! it as kubectl-style YAML and pretty JSON, and measures in this process, for each form:
//! - the parse floor: `serde_json::from_slice::<serde_json::Value>` of the JSON bytes, and
//!   saphyr-parser's bare event stream of the YAML bytes;
//! - `input::load` and `policy_core::analyze` (load, inventory, every stable rule, report).
//!
//! Time is this thread's CPU time (`/proc/thread-self/schedstat`, so other processes on a
//! shared machine matter little), the best of 5 runs (2 from 100k objects; `SCAN_RUNS=N`).
//!
//! The whole process too: the same bytes written to a file, the parse floor as a process (this
//! binary re-run as `scan --parse-only FORM FILE`: it reads the file, parses it, exits) against
//! the release CLI, `authn-audit scan -f json -o /dev/null --fail-on never FILE` (reading, every
//! stable rule, rendering the report, freeing), each child's user + sys CPU time from the
//! kernel's count for reaped children (`/proc/self/stat`), quick children repeated until a run
//! takes 0.5 s, best of the same number of runs. The CLI is `target/release/authn-audit`
//! beside this binary (`cargo build --release -p authn-audit` first; `SCAN_CLI=PATH` for
//! another); without it those columns say so.
//! Memory is the peak of live heap bytes above the start of one run, counted by the global
//! allocator, also as a ratio to the input's bytes (the input itself is not counted: the
//! caller holds it). Not a timed test: figures go to `docs/benchmarks.md`.
//!
//! `SCAN_SELECT=SA,BT` / `SCAN_IGNORE=SA002` choose the rules run by `analyze` (codes or
//! families), to find a slow one; `SCAN_FORMS=json` measures one form; `SCAN_WRITE=DIR` writes
//! the dumps there instead (to profile the CLI on them).

use peak_alloc::PeakAlloc;
use policy_core::input::{InputFile, Limits};
use policy_core::inventory::Inventory;
use policy_core::{Settings, analyze};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[global_allocator]
static ALLOC: PeakAlloc = PeakAlloc;

/// The cluster CA, as every legacy token Secret carries it in `ca.crt`.
const CA_PEM: &str = include_str!("../src/inventory/testdata/ca.crt");

/// What the API server writes in `metadata.managedFields` of a Pod (kubectl shows it with
/// `--show-managed-fields`; dumps made through the API have it): big, and read by no rule.
fn managed_fields() -> Value {
    json!([
        {"apiVersion": "v1", "fieldsType": "FieldsV1", "manager": "kube-controller-manager", "operation": "Update",
         "time": "2026-11-01T10:00:00Z",
         "fieldsV1": {"f:metadata": {"f:labels": {".": {}, "f:app": {}}, "f:ownerReferences": {".": {}, "k:{\"uid\":\"1\"}": {}}},
                      "f:spec": {"f:containers": {"k:{\"name\":\"web\"}": {".": {}, "f:args": {}, "f:image": {}, "f:imagePullPolicy": {},
                                 "f:name": {}, "f:ports": {".": {}, "k:{\"containerPort\":8080,\"protocol\":\"TCP\"}": {".": {}, "f:containerPort": {}, "f:protocol": {}}},
                                 "f:resources": {}, "f:terminationMessagePath": {}, "f:terminationMessagePolicy": {}}},
                                 "f:dnsPolicy": {}, "f:enableServiceLinks": {}, "f:restartPolicy": {}, "f:schedulerName": {},
                                 "f:securityContext": {}, "f:terminationGracePeriodSeconds": {}}}},
        {"apiVersion": "v1", "fieldsType": "FieldsV1", "manager": "kubelet", "operation": "Update", "subresource": "status",
         "time": "2026-11-01T10:00:05Z",
         "fieldsV1": {"f:status": {"f:conditions": {"k:{\"type\":\"Ready\"}": {".": {}, "f:lastProbeTime": {}, "f:lastTransitionTime": {}, "f:status": {}, "f:type": {}}},
                                   "f:containerStatuses": {}, "f:hostIP": {}, "f:phase": {}, "f:podIP": {}, "f:podIPs": {".": {}, "k:{\"ip\":\"10.0.0.1\"}": {".": {}, "f:ip": {}}}, "f:startTime": {}}}}
    ])
}

fn ca_crt() -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(CA_PEM)
}

fn object(i: usize) -> Value {
    let ns = format!("team-{}", i % 40);
    match i % 8 {
        0 | 1 => json!({
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": format!("web-{i}"), "namespace": ns, "labels": {"app": "web"},
                         "uid": format!("00000000-0000-4000-8000-{i:012}"), "resourceVersion": "4242",
                         "managedFields": managed_fields()},
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
                             "namespace": "dGVhbQ==", "ca.crt": ca_crt()}}),
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

/// CPU time of this thread so far (wall time where the kernel does not say).
fn cpu_now(start: Instant) -> Duration {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse::<u64>().ok())
        .map_or_else(|| start.elapsed(), Duration::from_nanos)
}

/// Best CPU time (s) over `runs`, and the peak of live heap bytes above the start during a run.
/// The kernel's CPU clock advances in scheduler ticks, so a quick `f` is repeated until a run
/// takes at least 0.2 s and its time divided.
fn measure<T>(runs: usize, f: impl Fn() -> T) -> (f64, usize) {
    let before = ALLOC.current_usage();
    ALLOC.reset_peak_usage();
    let started = Instant::now();
    drop(f());
    let peak = ALLOC.peak_usage().saturating_sub(before);
    let repeat = (0.2 / started.elapsed().as_secs_f64().max(1e-6)).ceil().clamp(1.0, 1000.0) as usize;
    let mut best = f64::MAX;
    for _ in 0..runs {
        let start = Instant::now();
        let cpu = cpu_now(start);
        // What `f` returns is dropped after the clock stops: the floor is the parse, not the
        // freeing of its tree (the analysis frees its own objects inside).
        let outs: Vec<T> = (0..repeat).map(|_| f()).collect();
        best = best.min(cpu_now(start).saturating_sub(cpu).as_secs_f64() / repeat as f64);
        drop(outs);
    }
    (best, peak)
}

/// saphyr-parser's event stream over the text, nothing kept: the YAML floor.
fn yaml_events(bytes: &[u8]) -> usize {
    let text = std::str::from_utf8(bytes).unwrap_or_default();
    let mut parser = saphyr_parser::Parser::new_from_str(text);
    let mut events = 0usize;
    while let Some(Ok(_)) = parser.next_event() {
        events += 1;
    }
    events
}

fn mib(bytes: usize) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

/// The parse floor as a process: read `file`, parse it as `form`, exit without freeing the tree
/// (as in process, the floor is the parse).
fn parse_only(form: &str, file: &str) -> ! {
    let Ok(bytes) = std::fs::read(file) else { std::process::exit(2) };
    let parsed = match form {
        "json" => serde_json::from_slice::<Value>(&bytes).is_ok(),
        _ => yaml_events(&bytes) > 0,
    };
    std::process::exit(if parsed { 0 } else { 1 })
}

/// CPU time (user + sys, s) of this process's reaped children so far: fields `cutime` and
/// `cstime` of `/proc/self/stat`, in clock ticks of 1/100 s (Linux's `USER_HZ`).
fn children_cpu() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Field 2, the command name, may hold spaces: count from its closing parenthesis, after
    // which field 3 comes first (cutime is field 16, cstime 17).
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks = |field: usize| fields.get(field - 3)?.parse::<f64>().ok();
    Some((ticks(16)? + ticks(17)?) / 100.0)
}

/// Best CPU time (s) of one child run of `command` over `runs`, `None` when a run fails. The
/// kernel counts in ticks of 10 ms, so a quick child is run again until a run takes 0.5 s.
fn measure_process(runs: usize, command: impl Fn() -> Command) -> Option<f64> {
    let run = || command().stdout(Stdio::null()).stderr(Stdio::null()).status().ok().filter(|s| s.success());
    let started = Instant::now();
    run()?;
    let repeat = (0.5 / started.elapsed().as_secs_f64().max(1e-6)).ceil().clamp(1.0, 500.0) as usize;
    let mut best = f64::MAX;
    for _ in 0..runs {
        let before = children_cpu()?;
        for _ in 0..repeat {
            run()?;
        }
        best = best.min((children_cpu()? - before) / repeat as f64);
    }
    Some(best)
}

/// The release CLI: `SCAN_CLI`, else `authn-audit` in the profile directory above this bench
/// binary (`target/release/deps/scan-…` → `target/release/authn-audit`).
fn cli() -> Option<PathBuf> {
    let path = match std::env::var_os("SCAN_CLI") {
        Some(path) => PathBuf::from(path),
        None => std::env::current_exe().ok()?.parent()?.parent()?.join("authn-audit"),
    };
    path.is_file().then_some(path)
}

/// Whole-process CPU of the floor and of the CLI's scan over `bytes` (written to a scratch file
/// for the runs), or why not.
fn process_columns(form: &str, bytes: &[u8], runs: usize, cli: Option<&Path>) -> String {
    let Some(cli) = cli else { return "no CLI | build it: `cargo build --release -p authn-audit`".to_string() };
    let Ok(me) = std::env::current_exe() else { return "- | -".to_string() };
    let file = std::env::temp_dir().join(format!("authn-audit-scan-{}.{form}", std::process::id()));
    if std::fs::write(&file, bytes).is_err() {
        return "- | cannot write a scratch file".to_string();
    }
    let floor = measure_process(runs, || {
        let mut command = Command::new(&me);
        command.arg("--parse-only").arg(form).arg(&file);
        command
    });
    let scan = measure_process(runs, || {
        let mut command = Command::new(cli);
        command.args(["scan", "-f", "json", "-o", "/dev/null", "--fail-on", "never"]).arg(&file);
        command
    });
    let _ = std::fs::remove_file(&file);
    match (floor, scan) {
        (Some(floor), Some(scan)) => {
            format!("{:.1} ms | {:.1} ms (**{:.2}x**)", floor * 1e3, scan * 1e3, scan / floor)
        }
        (None, _) => "parse failed | -".to_string(),
        (_, None) => format!("- | `{}` failed", cli.display()),
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(at) = args.iter().position(|a| a == "--parse-only") {
        let arg = |i: usize| args.get(at + i).map_or("", String::as_str);
        parse_only(arg(1), arg(2));
    }
    let sizes: Vec<usize> = args.iter().skip(1).filter_map(|a| a.parse().ok()).collect();
    let sizes = if sizes.is_empty() { vec![1_000, 10_000, 100_000] } else { sizes };
    let codes = |var: &str| -> Vec<String> {
        std::env::var(var).map(|s| s.split(',').map(str::to_string).collect()).unwrap_or_default()
    };
    let instant = time::OffsetDateTime::UNIX_EPOCH + time::Duration::days(20_000);
    let now = Some(instant);
    // The command line's input cap (2 GiB): a 300k-object dump is past the library's 256 MiB.
    let limits = Limits { max_total_bytes: 2 << 30, ..Limits::default() };
    let settings =
        Settings { now, select: codes("SCAN_SELECT"), ignore: codes("SCAN_IGNORE"), limits, ..Settings::default() };
    let forms = std::env::var("SCAN_FORMS").unwrap_or_else(|_| "yaml,json".to_string());
    let cli = cli();
    println!(
        "| objects | form | MB | parse floor | load | inventory | analyze | findings | analyze peak heap (/ input bytes) | floor, process | CLI scan, process |\n|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    );
    for n in sizes {
        let value = dump(n);
        let json_bytes = serde_json::to_vec_pretty(&value).unwrap_or_default();
        let yaml_bytes = to_yaml(&value).into_bytes();
        drop(value);
        if let Ok(dir) = std::env::var("SCAN_WRITE") {
            let _ = std::fs::write(format!("{dir}/scan-{n}.json"), &json_bytes);
            let _ = std::fs::write(format!("{dir}/scan-{n}.yaml"), &yaml_bytes);
            continue;
        }
        let runs =
            std::env::var("SCAN_RUNS").ok().and_then(|r| r.parse().ok()).unwrap_or(if n >= 100_000 { 2 } else { 5 });
        for (form, bytes) in [("yaml", &yaml_bytes), ("json", &json_bytes)] {
            if !forms.split(',').any(|f| f == form) {
                continue;
            }
            let (floor, _) = if form == "json" {
                measure(runs, || serde_json::from_slice::<Value>(bytes).ok())
            } else {
                measure(runs, || yaml_events(bytes))
            };
            let input = [InputFile { name: "dump", bytes }];
            let (load, _) = measure(runs, || policy_core::input::load(&input, &limits));
            let (full, full_peak) = measure(runs, || analyze(&input, &settings));
            let loaded = policy_core::input::load(&input, &limits);
            assert_eq!(loaded.objects.len(), n, "every generated object loads");
            assert!(loaded.inputs.iter().all(|i| i.diagnostics.is_empty()), "generated dumps are clean");
            // The inventory's share of `analyze`: its indexes, RBAC, the credential and mechanism
            // inventories, built over the loaded objects and freed.
            let (inventory, _) = measure(runs, || {
                let inv = Inventory::new(&loaded.objects);
                let _ = inv.rbac();
                let credentials = policy_core::inventory::credentials::collect(&inv, instant);
                (credentials.len(), policy_core::inventory::mechanisms::assess(&inv).len())
            });
            drop(loaded);
            let report = analyze(&input, &settings);
            assert!(report.inputs.iter().all(|i| i.diagnostics.is_empty()), "generated dumps are clean");
            let findings = report.findings.len();
            drop(report);
            let process = process_columns(form, bytes, runs, cli.as_deref());
            println!(
                "| {n} | {form} | {:.1} | {:.1} ms | {:.1} ms ({:.2}x) | {:.1} ms ({:.2}x) | {:.1} ms (**{:.2}x**) | {} | {:.0} MiB ({:.2}x) | {process} |",
                bytes.len() as f64 / 1e6,
                floor * 1e3,
                load * 1e3,
                load / floor,
                inventory * 1e3,
                inventory / floor,
                full * 1e3,
                full / floor,
                findings,
                mib(full_peak),
                full_peak as f64 / bytes.len() as f64,
            );
        }
    }
}
