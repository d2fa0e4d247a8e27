//! Unit-test helpers for rule files: build objects from JSON, run one rule, read the results.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]

use crate::data::rule_meta::Scope;
use crate::data::source::Source;
use crate::input::{Object, Origin};
use crate::inventory::Inventory;
use crate::report::Finding;
use crate::rule::{Check, Context, Findings};
use crate::settings::Settings;
use serde_json::{Value, json};

/// The default evaluation instant of rule tests (the fixture harness's too).
pub(crate) fn now() -> time::OffsetDateTime {
    time::macros::datetime!(2025-11-28 12:00:00 UTC)
}

/// Objects from JSON values; object `i` starts at line `10 * i + 1` of `dump.yaml`.
pub(crate) fn objects(values: Vec<Value>) -> Vec<Object> {
    values
        .into_iter()
        .enumerate()
        .map(|(i, v)| {
            Object::new(
                v,
                Source { path: "dump.yaml".into(), line: u32::try_from(i).unwrap() * 10 + 1 },
                Origin::Document,
            )
        })
        .collect()
}

/// Run one rule over `values` with default settings: its findings and the codes it said were
/// not assessable.
pub(crate) fn run(rule: &dyn Check, values: Vec<Value>) -> (Vec<Finding>, Vec<String>) {
    run_with(rule, values, &Settings::default())
}

/// [`run`] with settings.
pub(crate) fn run_with(rule: &dyn Check, values: Vec<Value>, settings: &Settings) -> (Vec<Finding>, Vec<String>) {
    let objects = objects(values);
    let inv = Inventory::new(&objects);
    let cx = Context { inv: &inv, settings, now: Some(now()), mode: Scope::Audit };
    let mut out = Findings::default();
    rule.check(&cx, &mut out);
    (out.found, out.not_assessable.into_iter().map(|n| n.code).collect())
}

/// A kubeadm-shaped kube-apiserver static Pod whose `command` is `kube-apiserver` + `flags`.
pub(crate) fn apiserver_pod(flags: &[&str]) -> Value {
    component_pod("kube-apiserver", flags)
}

/// A kube-controller-manager static Pod.
pub(crate) fn controller_manager_pod(flags: &[&str]) -> Value {
    component_pod("kube-controller-manager", flags)
}

fn component_pod(binary: &str, flags: &[&str]) -> Value {
    let mut command = vec![binary.to_string()];
    command.extend(flags.iter().map(|f| (*f).to_string()));
    json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": format!("{binary}-cp1"), "namespace": "kube-system",
                     "labels": {"component": binary, "tier": "control-plane"}},
        "spec": {"containers": [{"name": binary, "image": format!("registry.k8s.io/{binary}:v1.32.0"), "command": command}]}
    })
}

/// A kube-system ConfigMap.
pub(crate) fn config_map(name: &str, data: Value) -> Value {
    json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "namespace": "kube-system"}, "data": data})
}

/// `(severity, object, message)` of each finding, for compact assertions.
pub(crate) fn summary(found: &[Finding]) -> Vec<(String, String, String)> {
    found.iter().map(|f| (f.severity.to_string(), f.object.to_string(), f.message.clone())).collect()
}

/// A RoleBinding (`ns` set) or ClusterRoleBinding of ClusterRole `role` to `subjects`.
pub(crate) fn binding(kind: &str, ns: Option<&str>, name: &str, role: &str, subjects: Value) -> Value {
    let mut meta = json!({"name": name});
    if let (Some(ns), Some(map)) = (ns, meta.as_object_mut()) {
        map.insert("namespace".into(), json!(ns));
    }
    json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": kind, "metadata": meta,
           "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": role}, "subjects": subjects})
}
