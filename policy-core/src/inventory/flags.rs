//! Control-plane component flags, merged from every place a dump can show them.
//!
//! Sources, in the order they are read (a later value wins, as with pflag's last-flag-wins):
//! kubeadm `ClusterConfiguration` (a top-level document, or the `kubeadm-config` ConfigMap;
//! `extraArgs` as the v1beta3 map or the v1beta4 `[{name, value}]` list; the v1alpha
//! `MasterConfiguration` `apiServerExtraArgs` map), a kops `Cluster` spec (`kubeAPIServer`,
//! `kubeControllerManager`), then static or mirror Pods running the component (`command` and
//! `args`, `--f=v` and `--f v`, several flags glued into one list item, `sh -c "…"` strings).
//! Each value keeps the object and line it came from.
//!
//! kubeadm writes flags of its own into the manifests it generates; when the dump shows the
//! kubeadm configuration but not the Pod, those are added as `defaulted` values so that rules
//! judge what kubeadm really runs. A kops `Cluster` spec only shows what the user overrode (kops
//! fills in defaults of its own), so it is a *partial* source: its values count, but it does not
//! make the component visible by itself.

use crate::data::diagnostic::{Diagnostic, DiagnosticCode};
use crate::data::object_ref::ObjectRef;
use crate::data::source::Source;
use crate::input::Object;
use crate::inventory::Inventory;
use crate::value::Value;
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
    /// Not written in the input: a flag kubeadm adds to every manifest it generates.
    pub defaulted: bool,
}

impl FlagValue {
    /// The value as evidence: `--name=value`, marked when it is kubeadm's default.
    pub fn evidence(&self, name: &str) -> crate::data::evidence::Evidence {
        let shown = if self.defaulted {
            format!("--{name}={} (kubeadm default)", self.value)
        } else {
            format!("--{name}={}", self.value)
        };
        crate::data::evidence::Evidence::plain(self.path.clone(), shown)
    }
}

/// The merged flags of one component.
#[derive(Debug, Clone, Default)]
pub struct Flags {
    values: BTreeMap<String, Vec<FlagValue>>,
    /// Objects that showed this component's configuration (empty: not visible in the dump).
    /// Pods come first: they show what really runs.
    pub sources: Vec<ObjectRef>,
    /// Objects that showed only part of the configuration (kops `Cluster` specs).
    pub partial: Vec<ObjectRef>,
    locations: Vec<(ObjectRef, Source)>,
}

/// What to add to a dump so flag rules can judge the control plane.
pub const CONTROL_PLANE_HINT: [&str; 2] = [
    "the kube-apiserver static Pod: kubectl get pods -n kube-system -l component=kube-apiserver -o yaml",
    "the kubeadm-config ConfigMap: kubectl get configmap kubeadm-config -n kube-system -o yaml",
];

impl Flags {
    /// Whether the dump shows this component at all. When it does not, flag rules are
    /// "not assessable" rather than passing.
    pub fn is_visible(&self) -> bool {
        !self.sources.is_empty()
    }

    /// Whether any object (complete or partial) showed flags of this component.
    pub fn seen(&self) -> bool {
        !self.sources.is_empty() || !self.partial.is_empty()
    }

    /// The object a finding about an unset flag (a default) should point at: the first
    /// complete source (a Pod when there is one), else the first partial one.
    pub fn origin(&self) -> Option<(ObjectRef, Source)> {
        self.sources.iter().chain(&self.partial).find_map(|r| self.locations.iter().find(|(o, _)| o == r)).cloned()
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
        self.push_value(name, value, object, path, false);
    }

    fn push_value(&mut self, name: &str, value: String, object: &Object, path: String, defaulted: bool) {
        self.values.entry(name.to_string()).or_default().push(FlagValue {
            value,
            object: object.object_ref(),
            source: object.source.clone(),
            path,
            defaulted,
        });
    }

    fn add_source(&mut self, object: &Object) {
        let r = object.object_ref();
        if !self.sources.contains(&r) {
            self.locations.push((r.clone(), object.source.clone()));
            self.sources.push(r);
        }
    }

    fn add_partial(&mut self, object: &Object) {
        let r = object.object_ref();
        if !self.partial.contains(&r) {
            self.locations.push((r.clone(), object.source.clone()));
            self.partial.push(r);
        }
    }

    /// Append `later`'s values after ours (they win) and put its sources first.
    fn merge(&mut self, later: Self) {
        for (name, values) in later.values {
            self.values.entry(name).or_default().extend(values);
        }
        let mut sources = later.sources;
        sources.extend(self.sources.drain(..).filter(|r| !sources.contains(r)).collect::<Vec<_>>());
        self.sources = sources;
        self.partial.extend(later.partial);
        self.locations.extend(later.locations);
    }

    /// Collect a component's flags from the whole inventory.
    pub fn collect(inv: &Inventory<'_>, component: Component) -> (Self, Vec<Diagnostic>) {
        let mut pods = Self::default();
        for object in inv.of_kind("Pod") {
            pods.read_pod(object, component);
        }
        // kubeadm's own flags are in the Pod when the Pod is shown; add them only otherwise.
        let kubeadm_defaults = !pods.is_visible();
        let mut flags = Self::default();
        let mut diagnostics = Vec::new();
        for kind in ["ClusterConfiguration", "MasterConfiguration"] {
            for object in inv.of_kind(kind).filter(|o| o.api_version().starts_with("kubeadm.k8s.io/")) {
                flags.read_kubeadm(object, &object.value, component, "", kubeadm_defaults);
            }
        }
        for object in inv.of_kind("ConfigMap").filter(|o| o.name() == "kubeadm-config") {
            let Some(text) = object.str_at(&["data", "ClusterConfiguration"]) else { continue };
            match crate::input::parse_yaml_value(text) {
                Ok(config) => {
                    flags.read_kubeadm(object, &config, component, "data.ClusterConfiguration.", kubeadm_defaults);
                }
                Err(message) => diagnostics.push(Diagnostic::new(
                    &object.source.path,
                    object.source.line,
                    DiagnosticCode::EmbeddedYaml,
                    format!("`data.ClusterConfiguration` of ConfigMap `kubeadm-config` is not valid YAML: {message}"),
                )),
            }
        }
        for object in inv.of_kind("Cluster").filter(|o| o.api_version().starts_with("kops")) {
            flags.read_kops(object, component);
        }
        flags.merge(pods);
        (flags, diagnostics)
    }

    fn read_kubeadm(&mut self, object: &Object, config: &Value, component: Component, prefix: &str, defaults: bool) {
        let key = component.kubeadm_key();
        let legacy_key = format!("{key}ExtraArgs");
        let section = config.get(key);
        let legacy = config.get(&legacy_key);
        // A ClusterConfiguration configures every control-plane component, even when its
        // section is absent (kubeadm then uses its defaults).
        let configures = section.is_some() || legacy.is_some() || config.get("kind").and_then(Value::as_str).is_some();
        if !configures {
            return;
        }
        self.add_source(object);
        if defaults {
            let dir = config.get("certificatesDir").and_then(Value::as_str).unwrap_or("/etc/kubernetes/pki");
            for (name, value) in kubeadm_default_flags(component, dir) {
                self.push_value(name, value, object, format!("{prefix}{key}"), true);
            }
        }
        if let Some(Value::Object(map)) = legacy {
            for (name, value) in map {
                self.push(name, scalar_text(value), object, format!("{prefix}{legacy_key}.{name}"));
            }
        }
        let Some(section) = section else { return };
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

    /// A kops `Cluster`: `spec.kubeAPIServer.oidcIssuerURL` is `--oidc-issuer-url`, and so on.
    fn read_kops(&mut self, object: &Object, component: Component) {
        let key = match component {
            Component::ApiServer => "kubeAPIServer",
            Component::ControllerManager => "kubeControllerManager",
        };
        let Some(Value::Object(section)) = object.at(&["spec", key]) else { return };
        self.add_partial(object);
        for (field, value) in section {
            let Some(name) = kops_flag_name(field) else { continue };
            let text = match value {
                Value::Array(items) => items.iter().map(scalar_text).collect::<Vec<_>>().join(","),
                Value::Object(_) | Value::Null => continue,
                other => scalar_text(other),
            };
            self.push(&name, text, object, format!("spec.{key}.{field}"));
        }
    }

    fn read_pod(&mut self, pod: &Object, component: Component) {
        let binary = component.binary();
        let by_label = pod.label("component") == Some(binary);
        let Some(containers) = pod.at(&["spec", "containers"]).and_then(Value::as_array) else { return };
        for (c, container) in containers.iter().enumerate() {
            if !(runs_binary(container, binary) || (by_label && containers.len() == 1)) {
                continue;
            }
            let words = container_words(container);
            self.add_source(pod);
            for (path, name, value) in parse_flags(&words) {
                self.push(&name, value, pod, format!("spec.containers[{c}].{path}"));
            }
        }
    }
}

/// Flags out of command-line words (each with its field path): `--f=v`, `--f v`, bare `--f`.
/// A word that follows a bare flag is its value unless it is a flag itself.
pub fn parse_flags(words: &[(String, String)]) -> Vec<(String, String, String)> {
    let mut flags = Vec::new();
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
        flags.push((path.clone(), name.to_string(), value));
    }
    flags
}

/// The words of one command line held in a string (`ps` output, kubescape's `cmdLine`).
pub fn command_line_words(line: &str, path: &str) -> Vec<(String, String)> {
    line.split_whitespace().map(|w| (path.to_string(), w.trim_matches(|c| c == '"' || c == '\'').to_string())).collect()
}

/// The flags kubeadm writes into the manifests it generates (those that matter for
/// authentication), with `certificatesDir` filled in.
fn kubeadm_default_flags(component: Component, dir: &str) -> Vec<(&'static str, String)> {
    match component {
        Component::ApiServer => vec![
            ("client-ca-file", format!("{dir}/ca.crt")),
            ("enable-bootstrap-token-auth", "true".to_string()),
            ("authorization-mode", "Node,RBAC".to_string()),
            ("requestheader-client-ca-file", format!("{dir}/front-proxy-ca.crt")),
            ("requestheader-allowed-names", "front-proxy-client".to_string()),
            ("requestheader-username-headers", "X-Remote-User".to_string()),
            ("requestheader-group-headers", "X-Remote-Group".to_string()),
            ("requestheader-extra-headers-prefix", "X-Remote-Extra-".to_string()),
            ("proxy-client-cert-file", format!("{dir}/front-proxy-client.crt")),
            ("service-account-key-file", format!("{dir}/sa.pub")),
            ("service-account-signing-key-file", format!("{dir}/sa.key")),
            ("service-account-issuer", "https://kubernetes.default.svc.cluster.local".to_string()),
        ],
        Component::ControllerManager => vec![
            ("cluster-signing-cert-file", format!("{dir}/ca.crt")),
            ("cluster-signing-key-file", format!("{dir}/ca.key")),
            ("controllers", "*,bootstrapsigner,tokencleaner".to_string()),
            ("use-service-account-credentials", "true".to_string()),
            ("service-account-private-key-file", format!("{dir}/sa.key")),
        ],
    }
}

/// kops field name → flag name: camelCase to kebab-case, acronyms kept whole
/// (`oidcIssuerURL` → `oidc-issuer-url`, `requestheaderClientCAFile` → `requestheader-client-ca-file`).
fn kops_flag_name(field: &str) -> Option<String> {
    match field {
        "requestheaderExtraHeaderPrefixes" => return Some("requestheader-extra-headers-prefix".to_string()),
        // Not flags of their own (extra issuers are repeats of `--service-account-issuer`).
        "additionalServiceAccountIssuers" | "image" | "logLevel" => return None,
        _ => {}
    }
    let chars: Vec<char> = field.chars().collect();
    let mut out = String::with_capacity(field.len() + 4);
    for (i, c) in chars.iter().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            let prev = i.checked_sub(1).and_then(|p| chars.get(p)).copied().unwrap_or('-');
            let next = chars.get(i + 1).copied();
            let ends_acronym = prev.is_ascii_uppercase() && next.is_some_and(|n| n.is_ascii_lowercase());
            if prev.is_ascii_lowercase() || prev.is_ascii_digit() || ends_acronym {
                out.push('-');
            }
        }
        out.push(c.to_ascii_lowercase());
    }
    Some(out)
}

/// The words of a container's `command` then `args`, each with its field path. A list item
/// holding several words (`"--a=1 --b=2"`, or an `sh -c` script) is split on white space.
pub fn container_words(container: &Value) -> Vec<(String, String)> {
    borrowed_words(container).map(|(field, i, word)| (format!("{field}[{i}]"), word.to_string())).collect()
}

/// Whether one of the container's words is `binary` (a path to it included): what decides
/// whether its flags are read. Asked of every container of every Pod, for each component, so it
/// copies nothing.
pub fn runs_binary(container: &Value, binary: &str) -> bool {
    borrowed_words(container).any(|(_, _, word)| word.rsplit('/').next() == Some(binary))
}

/// The words of `command` and `args` as `(field, index, word)`, borrowed from the container.
fn borrowed_words(container: &Value) -> impl Iterator<Item = (&'static str, usize, &str)> {
    ["command", "args"].into_iter().flat_map(move |field| {
        let items = container.get(field).and_then(Value::as_array).unwrap_or_default();
        items.iter().enumerate().filter_map(|(i, item)| Some((i, item.as_str()?))).flat_map(move |(i, text)| {
            text.split_whitespace().map(move |word| (field, i, word.trim_matches(|c| c == '"' || c == '\'')))
        })
    })
}

fn scalar_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.to_string(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::Origin;
    use serde_json::{Value, json};

    fn objects(values: Vec<Value>) -> Vec<Object> {
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

    fn kubeadm(extra: Value) -> Value {
        json!({"apiVersion": "kubeadm.k8s.io/v1beta3", "kind": "ClusterConfiguration",
               "apiServer": {"extraArgs": extra}, "certificatesDir": "/var/lib/minikube/certs"})
    }

    fn pod(args: &[&str]) -> Value {
        json!({"apiVersion": "v1", "kind": "Pod",
               "metadata": {"name": "kube-apiserver-cp1", "namespace": "kube-system", "labels": {"component": "kube-apiserver"}},
               "spec": {"containers": [{"name": "kube-apiserver", "command": ["kube-apiserver"], "args": args}]}})
    }

    #[test]
    fn kubeadm_defaults_apply_only_without_the_pod() {
        let objs = objects(vec![kubeadm(json!({"anonymous-auth": "false"}))]);
        let inv = Inventory::new(&objs);
        let flag = inv.apiserver.get("enable-bootstrap-token-auth").unwrap();
        assert!(flag.defaulted);
        assert_eq!(
            flag.evidence("enable-bootstrap-token-auth").value,
            "--enable-bootstrap-token-auth=true (kubeadm default)"
        );
        assert_eq!(inv.apiserver.get("client-ca-file").unwrap().value, "/var/lib/minikube/certs/ca.crt");
        assert_eq!(inv.apiserver.bool("anonymous-auth"), Some(false));
        assert!(inv.controller_manager.is_visible());

        let objs = objects(vec![kubeadm(json!({"anonymous-auth": "false"})), pod(&["--client-ca-file=/pki/ca.crt"])]);
        let inv = Inventory::new(&objs);
        assert_eq!(inv.apiserver.get("enable-bootstrap-token-auth"), None);
        assert_eq!(inv.apiserver.bool("anonymous-auth"), Some(false));
        // The Pod is what runs, so findings about unset flags point at it.
        assert_eq!(inv.apiserver.origin().unwrap().0.kind, "Pod");
        assert_eq!(inv.apiserver.origin().unwrap().1.line, 11);
    }

    #[test]
    fn kops_cluster_is_a_partial_source() {
        let objs = objects(vec![
            json!({"apiVersion": "kops.k8s.io/v1alpha2", "kind": "Cluster", "metadata": {"name": "c"},
            "spec": {"kubeAPIServer": {"oidcIssuerURL": "https://idp", "oidcClientID": "k8s",
                     "oidcRequiredClaim": ["a=1", "b=2"], "requestheaderClientCAFile": "/ca.crt", "anonymousAuth": false},
                     "kubeControllerManager": {"clusterSigningDuration": "8760h0m0s"}}}),
        ]);
        let inv = Inventory::new(&objs);
        assert!(!inv.apiserver.is_visible());
        assert!(inv.apiserver.seen());
        assert_eq!(inv.apiserver.get("oidc-issuer-url").unwrap().path, "spec.kubeAPIServer.oidcIssuerURL");
        assert_eq!(inv.apiserver.get("oidc-client-id").unwrap().value, "k8s");
        assert_eq!(inv.apiserver.get("oidc-required-claim").unwrap().value, "a=1,b=2");
        assert_eq!(inv.apiserver.get("requestheader-client-ca-file").unwrap().value, "/ca.crt");
        assert_eq!(inv.apiserver.bool("anonymous-auth"), Some(false));
        assert_eq!(inv.controller_manager.get("cluster-signing-duration").unwrap().value, "8760h0m0s");
        assert_eq!(inv.apiserver.origin().unwrap().0.kind, "Cluster");
    }

    #[test]
    fn flags_from_words() {
        let words = command_line_words("/usr/bin/kubelet --config /etc/k.yaml --v=2 --rotate-certificates", "cmd");
        let parsed = parse_flags(&words);
        let names: Vec<_> = parsed.iter().map(|(_, n, v)| format!("{n}={v}")).collect();
        assert_eq!(names, ["config=/etc/k.yaml", "v=2", "rotate-certificates=true"]);
        assert_eq!(
            kops_flag_name("authenticationTokenWebhookCacheTTL").unwrap(),
            "authentication-token-webhook-cache-ttl"
        );
        assert_eq!(kops_flag_name("oidcCAFile").unwrap(), "oidc-ca-file");
    }

    #[test]
    fn a_container_runs_a_binary_named_by_any_of_its_words() {
        let container = serde_json::json!({"command": ["/bin/sh", "-c", "exec /usr/local/bin/kube-apiserver --v=2"],
                                           "args": ["'kubelet'"]});
        let container = crate::value::Value::from(container);
        assert!(runs_binary(&container, "kube-apiserver"));
        assert!(runs_binary(&container, "kubelet"), "quotes around a word are not part of it");
        assert!(!runs_binary(&container, "kube-controller-manager"));
        assert!(!runs_binary(&container, "bin"), "the last path segment is the binary");
        let words = container_words(&container);
        assert_eq!(words.get(3), Some(&("command[2]".to_string(), "/usr/local/bin/kube-apiserver".to_string())));
        assert_eq!(words.last(), Some(&("args[0]".to_string(), "kubelet".to_string())));
    }
}
