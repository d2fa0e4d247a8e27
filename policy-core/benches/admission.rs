//! One admission decision per kind of object, as a ratio to parsing the same review.
//!
//! `cargo bench -p policy-core --bench admission [-- CALLS]` (default 5000): for realistic
//! AdmissionReviews (opaque Secret, bootstrap token Secret, Pod, RoleBinding, ClusterRole) it
//! times, interleaved in one process, `serde_json::from_slice` of the review bytes (the floor, as
//! `JSON.parse` is for the JS hosts) and parse + `policy_core::admit` of its request, and prints
//! the medians, p99 and the ratio. Native code: the wasm hosts add their own cost on top
//! (`scripts/test-hosts.sh --bench`). Not a timed test.

use policy_core::value::Value;
use policy_core::{AdmitSettings, Settings, admit};
use serde_json::json;
use std::time::{Duration, Instant};

fn review(object: serde_json::Value) -> Vec<u8> {
    let kind = object.get("kind").and_then(serde_json::Value::as_str).unwrap_or("").to_string();
    let namespace = object.pointer("/metadata/namespace").cloned();
    serde_json::to_vec(&json!({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
        "request": {"uid": "705ab4f5-6393-11e8-b7cc-42010a800002", "operation": "CREATE",
                    "kind": {"group": "", "version": "v1", "kind": kind},
                    "userInfo": {"username": "alice", "groups": ["system:authenticated"]},
                    "namespace": namespace, "object": object}}))
    .unwrap_or_default()
}

fn cases() -> Vec<(&'static str, Vec<u8>)> {
    let rbac = "rbac.authorization.k8s.io/v1";
    vec![
        (
            "opaque Secret",
            review(json!({"apiVersion": "v1", "kind": "Secret", "type": "Opaque",
            "metadata": {"name": "app", "namespace": "team"}, "data": {"password": "c2VjcmV0"}})),
        ),
        (
            "bootstrap Secret",
            review(json!({"apiVersion": "v1", "kind": "Secret", "type": "bootstrap.kubernetes.io/token",
            "metadata": {"name": "bootstrap-token-abcdef", "namespace": "kube-system"},
            "stringData": {"token-id": "abcdef", "token-secret": "0123456789abcdef", "usage-bootstrap-authentication": "true",
                           "auth-extra-groups": "system:bootstrappers:kubeadm:default-node-token"}})),
        ),
        (
            "Pod",
            review(json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web", "namespace": "team"},
            "spec": {"serviceAccountName": "web", "containers": [{"name": "web", "image": "nginx:1.27"}]}})),
        ),
        (
            "RoleBinding",
            review(
                json!({"apiVersion": rbac, "kind": "RoleBinding", "metadata": {"name": "read", "namespace": "team"},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "view"},
            "subjects": [{"kind": "Group", "apiGroup": "rbac.authorization.k8s.io", "name": "system:authenticated"}]}),
            ),
        ),
        (
            "ClusterRole",
            review(json!({"apiVersion": rbac, "kind": "ClusterRole", "metadata": {"name": "reader"},
            "rules": [{"apiGroups": [""], "resources": ["secrets"], "verbs": ["get", "list"]}]})),
        ),
    ]
}

fn quantile(times: &mut [Duration], q: f64) -> Duration {
    times.sort_unstable();
    let i = ((times.len() as f64 - 1.0) * q).round() as usize;
    times.get(i).copied().unwrap_or_default()
}

fn main() {
    let calls: usize = std::env::args().skip(1).find_map(|a| a.parse().ok()).unwrap_or(5000);
    let (settings, admit_settings) = (Settings::default(), AdmitSettings::default());
    println!("`cargo bench -p policy-core --bench admission -- {calls}` (native, interleaved)\n");
    println!("| review | parse median | parse + admit median | p99 | ratio (median) |\n|---|---:|---:|---:|---:|");
    for (name, bytes) in cases() {
        let (mut parse, mut decide) = (Vec::with_capacity(calls), Vec::with_capacity(calls));
        for _ in 0..calls {
            let start = Instant::now();
            let floor = serde_json::from_slice::<serde_json::Value>(&bytes);
            parse.push(start.elapsed());
            drop(floor);
            let start = Instant::now();
            let decision = serde_json::from_slice::<Value>(&bytes)
                .ok()
                .and_then(|review| admit(review.get("request")?, &settings, &admit_settings).ok());
            decide.push(start.elapsed());
            assert!(decision.is_some(), "{name}: no decision");
        }
        let (p, d) = (quantile(&mut parse, 0.5), quantile(&mut decide, 0.5));
        let p99 = quantile(&mut decide, 0.99);
        println!(
            "| {name} | {:.1} µs | {:.1} µs | {:.1} µs | {:.1}× |",
            p.as_secs_f64() * 1e6,
            d.as_secs_f64() * 1e6,
            p99.as_secs_f64() * 1e6,
            d.as_secs_f64() / p.as_secs_f64().max(1e-12)
        );
    }
}
