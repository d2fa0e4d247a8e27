//! Control-plane component flags, merged from every place a dump can show them.
//!
//! Sources, in the order they are read (a later value wins, as with pflag's last-flag-wins):
//! kubeadm `ClusterConfiguration` (a top-level document, or the `kubeadm-config` ConfigMap;
//! `extraArgs` as the v1beta3 map or the v1beta4 `[{name, value}]` list), then static or mirror
//! Pods running the component (`command` and `args`, `--f=v` and `--f v`, several flags glued
//! into one list item, `sh -c "…"` strings). Each value keeps the object and line it came from.

use crate::input::{Diagnostic, Object};
use crate::inventory::Inventory;
use crate::report::{ObjectRef, Source};
use serde_json::Value;
use std::collections::BTreeMap;

/// A control-plane component whose flags the rules read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Component {
    /// `kube-apiserver`.
    ApiServer,
    /// `kube-controller-manager`.
    ControllerManager,
}

impl Component {
    /// The binary name.
    pub fn binary(self) -> &'static str {
        match self {
            Self::ApiServer => "kube-apiserver",
            Self::ControllerManager => "kube-controller-manager",
        }
    }

    /// The key of its section in kubeadm's `ClusterConfiguration`.
    fn kubeadm_key(self) -> &'static str {
        match self {
            Self::ApiServer => "apiServer",
            Self::ControllerManager => "controllerManager",
        }
    }
}

/// One occurrence of a flag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlagValue {
    /// The value (`"true"` for a bare boolean flag).
    pub value: String,
    /// The object that set it.
    pub object: ObjectRef,
    /// File and line of that object.
    pub source: Source,
    /// Field path inside the object, e.g. `spec.containers[0].command[7]`.
    pub path: String,
}

/// The merged flags of one component.
#[derive(Debug, Clone, Default)]
pub struct Flags {
    values: BTreeMap<String, Vec<FlagValue>>,
    /// Objects that showed this component's configuration (empty: not visible in the dump).
    pub sources: Vec<ObjectRef>,
}

impl Flags {
    /// Whether the dump shows this component at all. When it does not, flag rules are
    /// "not assessable" rather than passing.
    pub fn is_visible(&self) -> bool {
        !self.sources.is_empty()
    }

    /// The effective value of a flag (the last one given), without the leading dashes.
    pub fn get(&self, name: &str) -> Option<&FlagValue> {
        self.values.get(name).and_then(|v| v.last())
    }

    /// Every occurrence of a flag, in the order read.
    pub fn all(&self, name: &str) -> &[FlagValue] {
        self.values.get(name).map_or(&[], Vec::as_slice)
    }

    /// A boolean flag: `Some(true)` for a bare flag or `=true`, `Some(false)` for `=false`.
    pub fn bool(&self, name: &str) -> Option<bool> {
        self.get(name).and_then(|f| f.value.trim().parse().ok())
    }

    /// The set flags in name order, with their effective values.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &FlagValue)> {
        self.values.iter().filter_map(|(k, v)| Some((k.as_str(), v.last()?)))
    }

    fn push(&mut self, name: &str, value: String, object: &Object, path: String) {
        self.values.entry(name.to_string()).or_default().push(FlagValue {
            value,
            object: object.object_ref(),
            source: object.source.clone(),
            path,
        });
    }

    fn add_source(&mut self, object: &Object) {
        let r = object.object_ref();
        if !self.sources.contains(&r) {
            self.sources.push(r);
        }
    }

    /// Collect a component's flags from the whole inventory.
    pub fn collect(inv: &Inventory<'_>, component: Component) -> (Self, Vec<Diagnostic>) {
        let mut flags = Self::default();
        let mut diagnostics = Vec::new();
        for object in inv.of_kind("ClusterConfiguration") {
            flags.read_kubeadm(object, &object.value, component, "");
        }
        for object in inv.of_kind("ConfigMap").filter(|o| o.name() == "kubeadm-config") {
            let Some(text) = object.str_at(&["data", "ClusterConfiguration"]) else { continue };
            match crate::input::parse_yaml_value(text) {
                Ok(config) => flags.read_kubeadm(object, &config, component, "data.ClusterConfiguration."),
                Err(message) => diagnostics.push(Diagnostic::error(
                    &object.source.path,
                    object.source.line,
                    "embedded-yaml",
                    format!("`data.ClusterConfiguration` of ConfigMap `kubeadm-config` is not valid YAML: {message}"),
                )),
            }
        }
        for object in inv.of_kind("Pod") {
            flags.read_pod(object, component);
        }
        (flags, diagnostics)
    }

    fn read_kubeadm(&mut self, object: &Object, config: &Value, component: Component, prefix: &str) {
        let key = component.kubeadm_key();
        let Some(section) = config.get(key) else { return };
        self.add_source(object);
        match section.get("extraArgs") {
            Some(Value::Object(map)) => {
                for (name, value) in map {
                    let value = scalar_text(value);
                    self.push(name, value, object, format!("{prefix}{key}.extraArgs.{name}"));
                }
            }
            Some(Value::Array(items)) => {
                for (i, item) in items.iter().enumerate() {
                    let Some(name) = item.get("name").and_then(Value::as_str) else { continue };
                    let value = item.get("value").map(scalar_text).unwrap_or_default();
                    self.push(name, value, object, format!("{prefix}{key}.extraArgs[{i}]"));
                }
            }
            _ => {}
        }
    }

    fn read_pod(&mut self, pod: &Object, component: Component) {
        let binary = component.binary();
        let by_label = pod.label("component") == Some(binary);
        let Some(containers) = pod.at(&["spec", "containers"]).and_then(Value::as_array) else { return };
        for (c, container) in containers.iter().enumerate() {
            let words = container_words(container);
            let runs_binary = words.iter().any(|(_, w)| w.rsplit('/').next() == Some(binary));
            if !(runs_binary || (by_label && containers.len() == 1)) {
                continue;
            }
            self.add_source(pod);
            let mut i = 0;
            while let Some((path, word)) = words.get(i) {
                i += 1;
                let Some(flag) = word.strip_prefix("--") else { continue };
                let (name, value) = match flag.split_once('=') {
                    Some((name, value)) => (name, value.to_string()),
                    None => match words.get(i) {
                        Some((_, next)) if !next.starts_with('-') => {
                            i += 1;
                            (flag, next.clone())
                        }
                        _ => (flag, "true".to_string()),
                    },
                };
                self.push(name, value, pod, format!("spec.containers[{c}].{path}"));
            }
        }
    }
}

/// The words of a container's `command` then `args`, each with its field path. A list item
/// holding several words (`"--a=1 --b=2"`, or an `sh -c` script) is split on white space.
fn container_words(container: &Value) -> Vec<(String, String)> {
    let mut words = Vec::new();
    for field in ["command", "args"] {
        let Some(items) = container.get(field).and_then(Value::as_array) else { continue };
        for (i, item) in items.iter().enumerate() {
            let Some(text) = item.as_str() else { continue };
            for word in text.split_whitespace() {
                let word = word.trim_matches(|c| c == '"' || c == '\'');
                words.push((format!("{field}[{i}]"), word.to_string()));
            }
        }
    }
    words
}

fn scalar_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}
