//! The worker's warm-up: analyses of made-up clusters, run while nobody has asked for anything.
//!
//! V8 runs each wasm function first as baseline code and compiles the ones it sees busy again,
//! optimised, on its other threads. Cold, a user's first big dump paid for that twice: its
//! analysis ran partly on the slow code while the compiler took the machine's other core
//! (100k objects on two cores: about 1 s of compiling during the dump; docs/benchmarks.md,
//! "Figures: viewer"). Four runs of the built-in sample moved only part of the compiling
//! before the dump: its 30 objects keep most loops short of V8's tier-up budget. So the warm-up
//! also analyses generated clusters with a real cluster's shapes (workloads with projected
//! tokens, legacy token Secrets, RBAC of every kind, in YAML and in JSON as `kubectl` writes
//! them), a few hundred objects at a time, one slice per task: a request that arrives stops it
//! after the slice in progress, so a host that posts a dump the moment the frame starts waits
//! one slice (milliseconds), not the whole warm-up.

use crate::model;
use crate::sample::SAMPLE;
use policy_core::audit::AuditLog;
use policy_core::{InputFile, Settings};
use serde_json::{Map, Value, json};
use std::cell::Cell;
use std::rc::Rc;

/// Objects per generated slice: one slice is a task of a few milliseconds of optimised code.
const SLICE_OBJECTS: usize = 200;
/// Slices in the whole warm-up (the sample's analysis is the first).
pub const SLICES: u32 = 41;

/// Whether the warm-up is still wanted, and how far it got.
#[derive(Default)]
pub struct WarmUp {
    stopped: Cell<bool>,
    slices_run: Cell<u32>,
}

impl WarmUp {
    /// A request arrived: run no further slice.
    pub fn stop(&self) {
        self.stopped.set(true);
    }

    /// Slices run so far.
    pub fn slices_run(&self) -> u32 {
        self.slices_run.get()
    }

    /// Run the next slice unless stopped or finished; `true` while there are more to run.
    pub fn step(&self) -> bool {
        let slice = self.slices_run.get();
        if self.stopped.get() || slice >= SLICES {
            return false;
        }
        run_slice(slice);
        self.slices_run.set(slice + 1);
        slice + 1 < SLICES
    }

    /// Whether every slice ran (none was left out for a request).
    pub fn finished(&self) -> bool {
        self.slices_run.get() >= SLICES
    }
}

/// One slice: the sample first (it has the findings of every family), then generated clusters,
/// every fourth as JSON. The work is the worker's own path: the "as of" scan, the analysis, the
/// report's head and findings as JSON; only their length comes back (the results are dropped).
fn run_slice(slice: u32) -> usize {
    let generated;
    let files: Vec<InputFile<'_>> = if slice == 0 {
        SAMPLE.iter().map(|(name, bytes)| InputFile { name, bytes }).collect()
    } else {
        let json = slice.is_multiple_of(4);
        generated = cluster(usize::try_from(slice).unwrap_or(0) * SLICE_OBJECTS, SLICE_OBJECTS, json);
        vec![InputFile { name: if json { "warm-up.json" } else { "warm-up.yaml" }, bytes: &generated }]
    };
    let newest = files.iter().filter_map(|f| model::as_of::newest_timestamp(f.bytes)).max();
    let mut report =
        policy_core::analyze_with_audit(&files, &[], AuditLog::default(), &Settings::default(), &mut |_| {});
    let findings = std::mem::take(&mut report.findings);
    let head = serde_json::to_vec(&report).map_or(0, |text| text.len());
    let body = serde_json::to_vec(&findings).map_or(0, |text| text.len());
    head + body + usize::from(newest.is_some())
}

/// A `kubectl get -o yaml` (or `-o json`) List of `count` made-up objects, numbered from
/// `first`: the shapes of a workload cluster, each kind in about the share a real one has.
pub fn cluster(first: usize, count: usize, json: bool) -> Vec<u8> {
    let items: Vec<Value> = (first..first + count).map(object).collect();
    let list = json!({"apiVersion": "v1", "kind": "List", "metadata": {"resourceVersion": ""}, "items": items});
    if json {
        serde_json::to_vec_pretty(&list).unwrap_or_default()
    } else {
        let mut out = String::new();
        if let Value::Object(map) = &list {
            block_map(map, 0, &mut out);
        }
        out.into_bytes()
    }
}

/// Object `i` of a made-up cluster.
fn object(i: usize) -> Value {
    let ns = format!("team-{}", i % 23);
    let name = format!("app-{i}");
    let sa = format!("sa-{}", i % 37);
    let labels = json!({"app": name, "app.kubernetes.io/part-of": format!("shop-{}", i % 7)});
    match i % 20 {
        0..=5 => json!({"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": format!("{name}-7d9f8b6c4-x{}", i % 97), "namespace": ns, "labels": labels,
                         "creationTimestamp": "2026-11-02T08:15:00Z"},
            "spec": pod_spec(i, &name, &sa), "status": {"phase": "Running", "podIP": format!("10.4.{}.{}", i % 250, i % 199)}}),
        6 => json!({"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": name, "namespace": ns, "labels": labels},
            "spec": {"replicas": 2, "selector": {"matchLabels": {"app": name}},
                     "template": {"metadata": {"labels": {"app": name}}, "spec": pod_spec(i, &name, &sa)}}}),
        7..=9 => json!({"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": format!("{name}-config"), "namespace": ns},
            "data": {"LOG_LEVEL": "info", "app.yaml": "server:\n  port: 8080\n  tls: true\n"}}),
        10 | 11 => json!({"apiVersion": "v1", "kind": "ServiceAccount",
            "metadata": {"name": format!("sa-{i}"), "namespace": ns},
            "automountServiceAccountToken": !i.is_multiple_of(3)}),
        12 | 13 if i % 80 == 12 => json!({"apiVersion": "v1", "kind": "Secret",
            "metadata": {"name": format!("{sa}-token-{}", i % 10), "namespace": ns,
                         "annotations": {"kubernetes.io/service-account.name": sa}},
            "type": "kubernetes.io/service-account-token",
            "data": {"token": "ZXlKaGJHY2lPaUpTVXpJMU5pSXNJbXRwWkNJNklpSjkuZXlKemRXSWlPaUp6ZVhOMFpXMDZjMlZ5ZG1salpXRmpZMjkxYm5RNmRHVmhiUzB4T25OaExURWlmUS5zaWc=",
                     "namespace": "dGVhbS0x"}}),
        12 | 13 => json!({"apiVersion": "v1", "kind": "Secret",
            "metadata": {"name": format!("{name}-creds"), "namespace": ns}, "type": "Opaque",
            "data": {"password": "c2VjcmV0LXZhbHVl", "username": "YXBw"}}),
        14 => json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role",
            "metadata": {"name": format!("{name}-reader"), "namespace": ns},
            "rules": [{"apiGroups": [""], "resources": ["configmaps", "pods"], "verbs": ["get", "list", "watch"]},
                      {"apiGroups": [""], "resources": ["secrets"], "resourceNames": [format!("{name}-creds")], "verbs": ["get"]}]}),
        15 => json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
            "metadata": {"name": format!("{name}-reader"), "namespace": ns},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": format!("app-{}-reader", i - 1)},
            "subjects": [{"kind": "ServiceAccount", "name": sa, "namespace": ns}]}),
        16 => json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
            "metadata": {"name": format!("{name}-operator"), "labels": {"rbac.example/aggregate-to-ops": "true"}},
            "rules": [{"apiGroups": ["", "apps"], "resources": ["secrets", "deployments"], "verbs": ["get", "list", "watch", "update"]},
                      {"apiGroups": ["authentication.k8s.io"], "resources": ["tokenreviews"], "verbs": ["create"]}]}),
        17 => json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
            "metadata": {"name": format!("{name}-operator")},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": format!("app-{}-operator", i - 1)},
            "subjects": [{"kind": "ServiceAccount", "name": sa, "namespace": ns},
                         {"kind": "Group", "apiGroup": "rbac.authorization.k8s.io", "name": if i % 60 == 17 { "system:authenticated" } else { "ops" }}]}),
        _ => json!({"apiVersion": "v1", "kind": "Service",
            "metadata": {"name": name, "namespace": ns, "labels": labels},
            "spec": {"selector": {"app": name}, "ports": [{"port": 80, "targetPort": 8080, "protocol": "TCP"}]}}),
    }
}

/// A workload's pod: its service account, a container with a projected token mounted (the
/// kubelet's `kube-api-access` volume) and, now and then, a token mounted from a Secret.
fn pod_spec(i: usize, name: &str, sa: &str) -> Value {
    let mut volumes = vec![json!({"name": "kube-api-access", "projected": {"sources": [
        {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}},
        {"configMap": {"name": "kube-root-ca.crt", "items": [{"key": "ca.crt", "path": "ca.crt"}]}}]}})];
    if i.is_multiple_of(9) {
        volumes.push(json!({"name": "legacy-token", "secret": {"secretName": format!("{sa}-token-{}", i % 10)}}));
    }
    json!({"serviceAccountName": sa, "automountServiceAccountToken": !i.is_multiple_of(5),
           "containers": [{"name": "main", "image": format!("registry.example/{name}:1.{}", i % 12),
                           "env": [{"name": "PORT", "value": "8080"},
                                   {"name": "DB_PASSWORD", "valueFrom": {"secretKeyRef": {"name": format!("{name}-creds"), "key": "password"}}}],
                           "ports": [{"containerPort": 8080}],
                           "volumeMounts": [{"name": "kube-api-access", "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount", "readOnly": true}],
                           "resources": {"requests": {"cpu": "10m", "memory": "32Mi"}}}],
           "volumes": volumes})
}

/// `map`'s entries as block YAML at `indent`, sequences at their key's indentation, as
/// `kubectl get -o yaml` writes them.
fn block_map(map: &Map<String, Value>, indent: usize, out: &mut String) {
    for (n, (key, value)) in map.iter().enumerate() {
        // A sequence item's first entry follows its `- ` on the same line.
        if n > 0 || !out.ends_with("- ") {
            out.extend(std::iter::repeat_n(' ', indent));
        }
        out.push_str(key);
        out.push(':');
        match value {
            Value::Object(inner) if !inner.is_empty() => {
                out.push('\n');
                block_map(inner, indent + 2, out);
            }
            Value::Array(list) if !list.is_empty() => {
                out.push('\n');
                for item in list {
                    out.extend(std::iter::repeat_n(' ', indent));
                    out.push_str("- ");
                    match item {
                        Value::Object(inner) if !inner.is_empty() => block_map(inner, indent + 2, out),
                        other => {
                            out.push_str(&other.to_string());
                            out.push('\n');
                        }
                    }
                }
            }
            other => {
                out.push(' ');
                // Every scalar as JSON (a YAML double-quoted string, number or bool): no plain
                // scalar a reader could take for another type.
                out.push_str(&other.to_string());
                out.push('\n');
            }
        }
    }
}

/// Run the warm-up one slice per task, until it ends or `warm_up` is stopped; `done` is called
/// once, after the last slice, with how many ran and the milliseconds from first to last.
pub fn start(warm_up: Rc<WarmUp>, done: impl FnOnce(u32, f64) + 'static) {
    let started = js_sys::Date::now();
    next(warm_up, Box::new(done), started);
}

/// Schedule the next slice in a task of its own, so that a request queued meanwhile runs first.
fn next(warm_up: Rc<WarmUp>, done: Box<dyn FnOnce(u32, f64)>, started: f64) {
    gloo_timers::callback::Timeout::new(0, move || {
        if warm_up.step() {
            next(warm_up, done, started);
        } else if warm_up.finished() {
            done(warm_up.slices_run(), js_sys::Date::now() - started);
        }
    })
    .forget();
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The generated clusters are read as what they say, in both forms, and find what a real
    /// cluster's dump finds: objects of every kind, findings placed on their fields.
    #[test]
    fn a_generated_cluster_is_read_whole_in_both_forms_and_has_findings() {
        for json in [false, true] {
            let bytes = cluster(400, SLICE_OBJECTS, json);
            let files = [InputFile { name: "c", bytes: &bytes }];
            let report =
                policy_core::analyze_with_audit(&files, &[], AuditLog::default(), &Settings::default(), &mut |_| {});
            assert_eq!(report.summary.objects, SLICE_OBJECTS, "json: {json}");
            assert!(report.inputs.iter().all(|i| i.diagnostics.is_empty()), "json: {json}: {:?}", report.inputs);
            assert!(report.findings.len() >= SLICE_OBJECTS / 10, "json: {json}: {} findings", report.findings.len());
            assert!(report.findings.iter().any(|f| f.source.column > 0), "json: {json}: no finding on its field");
            let codes: std::collections::BTreeSet<_> = report.findings.iter().map(|f| f.code.to_string()).collect();
            assert!(codes.len() >= 3, "json: {json}: codes {codes:?}");
        }
    }

    /// The YAML form holds the same objects as the JSON form: the same findings come of both.
    #[test]
    fn the_two_forms_give_the_same_findings() {
        let analyse = |json| {
            let bytes = cluster(0, 60, json);
            let files = [InputFile { name: "c", bytes: &bytes }];
            let report =
                policy_core::analyze_with_audit(&files, &[], AuditLog::default(), &Settings::default(), &mut |_| {});
            report.findings.iter().map(|f| f.id.clone()).collect::<Vec<_>>()
        };
        assert_eq!(analyse(false), analyse(true));
    }

    /// A stopped warm-up runs no further slice; an unstopped one runs every slice, then stops.
    #[test]
    fn the_warm_up_stops_when_asked_and_ends_by_itself() {
        let warm_up = WarmUp::default();
        assert!(warm_up.step());
        warm_up.stop();
        assert!(!warm_up.step());
        assert_eq!(warm_up.slices_run(), 1);
        assert!(!warm_up.finished());

        let warm_up = WarmUp::default();
        let mut steps = 1;
        while warm_up.step() {
            steps += 1;
        }
        assert_eq!(steps, SLICES);
        assert!(warm_up.finished());
        assert!(!warm_up.step(), "a finished warm-up ran another slice");
    }

    /// Every slice runs the analysis on something with findings (nothing is skipped as empty).
    #[test]
    fn every_kind_of_slice_does_the_whole_work() {
        for slice in [0, 1, 4] {
            assert!(run_slice(slice) > 10_000, "slice {slice}");
        }
    }
}
