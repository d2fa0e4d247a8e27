//! Every pod template of the dump, resolved once: service account, effective token automount,
//! projected tokens, Secrets it reads, images, placement and privileges.
//!
//! A Pod (or ReplicaSet, or Job) owned by a controller that is also in the dump is folded into
//! that controller, following `ownerReferences` up to the topmost owner present: findings are
//! reported once, on the Deployment, with its ReplicaSets and Pods listed as related objects.

use crate::data::object_ref::ObjectRef;
use crate::input::Object;
use crate::inventory::Inventory;
use crate::value::Value;
use base64::Engine as _;
use std::collections::{BTreeSet, HashMap};

/// Kinds that carry a pod spec, and where it sits.
const POD_SPEC_PATHS: &[(&str, &[&str])] = &[
    ("Pod", &["spec"]),
    ("Deployment", &["spec", "template", "spec"]),
    ("StatefulSet", &["spec", "template", "spec"]),
    ("DaemonSet", &["spec", "template", "spec"]),
    ("ReplicaSet", &["spec", "template", "spec"]),
    ("ReplicationController", &["spec", "template", "spec"]),
    ("Job", &["spec", "template", "spec"]),
    ("CronJob", &["spec", "jobTemplate", "spec", "template", "spec"]),
    ("PodTemplate", &["template", "spec"]),
];

/// The lifetime the API server gives a projected token whose `expirationSeconds` is unset.
pub const DEFAULT_PROJECTED_TOKEN_SECONDS: u64 = 3600;

/// The lifetime of the token in the `kube-api-access-*` volume the ServiceAccount admission
/// plugin adds to every Pod (one hour plus seven seconds, so clients notice the refresh).
pub const KUBE_API_ACCESS_SECONDS: u64 = 3607;

/// Taints that say nothing about who may use a node (lifecycle taints every Pod tolerates).
const LIFECYCLE_TAINT_PREFIXES: &[&str] = &["node.kubernetes.io/", "node.cloudprovider.kubernetes.io/"];

/// Node labels that select control-plane nodes.
const CONTROL_PLANE_LABELS: &[&str] = &["node-role.kubernetes.io/control-plane", "node-role.kubernetes.io/master"];

/// What decided whether the service-account token is mounted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AutomountSource {
    /// The pod spec's `automountServiceAccountToken` (it overrides the service account's).
    Pod,
    /// The service account's `automountServiceAccountToken` (the pod spec leaves it unset).
    ServiceAccount,
    /// Neither sets it; the service account is in the dump: Kubernetes mounts the token.
    Default,
    /// The pod spec leaves it unset and its service account is not in the dump: Kubernetes
    /// mounts the token unless that service account disables it.
    UnknownServiceAccount,
    /// A static (mirror) Pod: the kubelet never mounts a service-account token into those.
    StaticPod,
}

/// Whether the API server mounts a service-account token into the workload's Pods.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Automount {
    /// True when a token is mounted.
    pub mounted: bool,
    /// What decided it.
    pub decided_by: AutomountSource,
    /// The field that decided it, when one did.
    pub path: Option<String>,
}

/// A `serviceAccountToken` source of a projected volume.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectedToken {
    /// The volume's name.
    pub volume: String,
    /// Field path of the `serviceAccountToken` source.
    pub path: String,
    /// Requested lifetime (`expirationSeconds`, 3600 when unset).
    pub expiration_seconds: u64,
    /// Whether `expirationSeconds` was written.
    pub expiration_set: bool,
    /// The token's audience; `None` means the API server's own.
    pub audience: Option<String>,
    /// The `kube-api-access-*` volume Kubernetes adds itself (3607 s): not the user's choice.
    pub kubelet_default: bool,
}

/// How a workload reads a Secret.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecretUse {
    /// A `secret` volume.
    Volume,
    /// A `secret` source of a projected volume.
    ProjectedVolume,
    /// One key through `env[].valueFrom.secretKeyRef`.
    Env,
    /// Every key through `envFrom[].secretRef`.
    EnvFrom,
}

/// A Secret the workload reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretRef<'a> {
    /// The Secret's name (same namespace as the workload).
    pub name: &'a str,
    /// Field path of the reference.
    pub path: String,
    /// How it is read.
    pub how: SecretUse,
}

/// A ConfigMap or Secret mounted as a volume (configuration the software reads).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigVolume {
    /// `ConfigMap` or `Secret`.
    pub kind: &'static str,
    /// Its name (same namespace as the workload).
    pub name: String,
    /// Field path of the volume source.
    pub path: String,
}

/// One container (init and ephemeral containers included).
#[derive(Debug, Clone, PartialEq)]
pub struct Container<'a> {
    /// `name`.
    pub name: &'a str,
    /// `image` as written (empty when absent).
    pub image: &'a str,
    /// Field path of the container, e.g. `spec.template.spec.containers[0]`.
    pub path: String,
    /// `command` then `args`, each with its field path.
    pub argv: Vec<(String, &'a str)>,
    /// The `env` list as written; read it through [`Container::env`].
    env_list: &'a [Value],
}

impl<'a> Container<'a> {
    /// `env` entries with literal values: name, value, field path. Read from the object on
    /// demand: a Pod may list a million variables, and no copy of them is kept.
    pub fn env(&self) -> impl Iterator<Item = (&'a str, &'a str, String)> + '_ {
        self.env_list.iter().enumerate().filter_map(|(i, e)| {
            let name = e.get("name").and_then(Value::as_str)?;
            let value = e.get("value").and_then(Value::as_str)?;
            Some((name, value, format!("{}.env[{i}].value", self.path)))
        })
    }
}

/// Where the scheduler may put the workload's Pods.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Placement {
    /// `nodeSelector` entries.
    pub node_selector: Vec<(String, String)>,
    /// Whether a required node affinity narrows the nodes.
    pub required_node_affinity: bool,
    /// Keys of the NoSchedule/NoExecute taints tolerated by key (lifecycle taints excluded).
    pub tolerated_taints: Vec<String>,
    /// Pinned to nodes (selector or required affinity) that carry a taint it tolerates: nodes
    /// other workloads cannot land on.
    pub dedicated: bool,
    /// Pinned to control-plane nodes.
    pub control_plane: bool,
}

/// A setting that gives the Pod power over its node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Privilege {
    /// Field path, e.g. `spec.template.spec.containers[0].securityContext.privileged`.
    pub path: String,
    /// What it is, e.g. `privileged`, `hostNetwork`, `capability SYS_ADMIN`.
    pub what: String,
}

/// One pod template with everything the rules ask about it.
#[derive(Debug, Clone)]
pub struct Workload<'a> {
    /// The object findings are reported on: the topmost owner present in the dump.
    pub object: &'a Object,
    /// The pod spec.
    pub spec: &'a Value,
    /// Field path of the pod spec, e.g. `spec.template.spec`.
    pub spec_path: String,
    /// Namespace (empty when the manifest leaves it unset).
    pub namespace: &'a str,
    /// The service account it runs as (`default` when unset).
    pub service_account: &'a str,
    /// The field naming it (`serviceAccountName` or the deprecated `serviceAccount`).
    pub service_account_path: Option<String>,
    /// The service account object, when in the dump.
    pub service_account_object: Option<&'a Object>,
    /// Whether a service-account token is mounted, and why.
    pub automount: Automount,
    /// Projected `serviceAccountToken` sources.
    pub projected_tokens: Vec<ProjectedToken>,
    /// Secrets it reads.
    pub secret_refs: Vec<SecretRef<'a>>,
    /// ConfigMaps and Secrets mounted as volumes.
    pub config_volumes: Vec<ConfigVolume>,
    /// Containers, init containers and ephemeral containers.
    pub containers: Vec<Container<'a>>,
    /// Node placement.
    pub placement: Placement,
    /// Privileged settings.
    pub privileges: Vec<Privilege>,
    /// Whether this is a static (mirror) Pod run by the kubelet from a file.
    pub is_static: bool,
    /// Owned objects folded into this one (ReplicaSets, Jobs, Pods), in input order.
    pub owned: Vec<&'a Object>,
}

impl Workload<'_> {
    /// The owned objects as references, for a finding's `related` list.
    pub fn related(&self) -> Vec<ObjectRef> {
        self.owned.iter().map(|o| o.object_ref()).collect()
    }

    /// Every image it runs.
    pub fn images(&self) -> impl Iterator<Item = &str> {
        self.containers.iter().map(|c| c.image).filter(|i| !i.is_empty())
    }

    /// `kind/name` of the workload (no namespace), for messages.
    pub fn label(&self) -> String {
        format!("{}/{}", self.object.kind(), self.object.name())
    }

    /// The namespace the workload runs in: its own, or for a manifest that sets none (applied
    /// with `kubectl -n`), the one namespace the bindings of the same manifest set
    /// (`same_manifest_set`) give its service account. `None` when that cannot be told: such an object is not "in `default`".
    pub fn namespace_in<'s>(&'s self, inv: &'s Inventory<'_>) -> Option<&'s str> {
        if !self.namespace.is_empty() {
            return Some(self.namespace);
        }
        let mut named = inv
            .of_kind("RoleBinding")
            .chain(inv.of_kind("ClusterRoleBinding"))
            .filter(|b| same_manifest_set(b, self.object))
            .filter_map(|b| b.at(&["subjects"])?.as_array())
            .flatten()
            .filter(|s| {
                s.get("kind").and_then(Value::as_str) == Some("ServiceAccount")
                    && s.get("name").and_then(Value::as_str) == Some(self.service_account)
            })
            .filter_map(|s| s.get("namespace").and_then(Value::as_str).filter(|n| !n.is_empty()));
        let first = named.next()?;
        named.all(|n| n == first).then_some(first)
    }

    /// Whether `other` runs in the same namespace: the same one written, or both with none
    /// written in the same manifest set (applied with one `kubectl -n`).
    pub fn shares_namespace_with(&self, other: &Workload<'_>) -> bool {
        self.namespace == other.namespace
            && (!self.namespace.is_empty() || same_manifest_set(self.object, other.object))
    }

    /// A value of the pod template's labels (or the object's labels when the template has none).
    pub fn app_label(&self, key: &str) -> Option<&str> {
        let template_labels = self.spec_path.strip_suffix(".spec").and_then(|meta_parent| {
            let path: Vec<&str> = meta_parent.split('.').collect();
            crate::util::at(&self.object.value, &path).and_then(|t| t.get("metadata"))?.get("labels")?.get(key)
        });
        template_labels.and_then(Value::as_str).or_else(|| self.object.label(key))
    }
}

/// Whether two objects come from one manifest set: the same file, or files of the same
/// directory (an install split into `rbac.yaml`, `deployment.yaml`, …). Objects without a
/// namespace are only compared within one set: two installs applied with different `-n` must
/// not be taken for neighbours.
fn same_manifest_set(a: &Object, b: &Object) -> bool {
    fn dir(path: &str) -> &str {
        path.rsplit_once(['/', '\\']).map_or("", |(dir, _)| dir)
    }
    a.source.path == b.source.path || dir(&a.source.path) == dir(&b.source.path)
}

/// Every workload of the dump, owners folded.
#[derive(Debug, Clone, Default)]
pub struct Workloads<'a> {
    items: Vec<Workload<'a>>,
    /// Indexes into `items` per namespace: rules ask per Secret or per service account, and a
    /// scan of every workload each time would make a large dump quadratic.
    by_namespace: HashMap<&'a str, Vec<usize>>,
    /// Indexes into `items` per Secret `(namespace, name)` they read.
    by_secret: HashMap<(&'a str, &'a str), Vec<usize>>,
}

impl<'a> Workloads<'a> {
    /// Resolve every pod template of `inv`.
    pub fn collect(inv: &Inventory<'a>) -> Self {
        let mut roots: Vec<Workload<'a>> = Vec::new();
        let mut folded: Vec<(ObjectKey<'a>, &'a Object)> = Vec::new();
        for object in inv.objects() {
            let Some(spec_keys) = spec_path_of(object.kind()) else { continue };
            let Some(spec) = crate::util::at(&object.value, spec_keys).filter(|s| s.is_object()) else { continue };
            match root_owner(inv, object) {
                Some(root) => folded.push((root, object)),
                None => roots.push(resolve(inv, object, spec, &spec_keys.join("."))),
            }
        }
        let index: HashMap<ObjectKey<'a>, usize> =
            roots.iter().enumerate().map(|(i, w)| (key_of(w.object), i)).collect();
        for (root, object) in folded {
            if let Some(w) = index.get(&root).and_then(|i| roots.get_mut(*i)) {
                w.owned.push(object);
            }
        }
        let mut by_namespace: HashMap<&'a str, Vec<usize>> = HashMap::new();
        let mut by_secret: HashMap<(&'a str, &'a str), Vec<usize>> = HashMap::new();
        for (i, w) in roots.iter().enumerate() {
            by_namespace.entry(w.namespace).or_default().push(i);
            for secret in &w.secret_refs {
                let readers = by_secret.entry((w.namespace, secret.name)).or_default();
                if readers.last() != Some(&i) {
                    readers.push(i);
                }
            }
        }
        Self { items: roots, by_namespace, by_secret }
    }

    /// Every workload, in input order.
    pub fn iter(&self) -> impl Iterator<Item = &Workload<'a>> {
        self.items.iter()
    }

    /// Whether the dump holds any workload at all.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Workloads in one namespace.
    pub fn in_namespace<'s>(&'s self, namespace: &'s str) -> impl Iterator<Item = &'s Workload<'a>> + 's {
        self.by_namespace.get(namespace).into_iter().flatten().filter_map(|&i| self.items.get(i))
    }

    /// The workloads that read Secret `namespace/name` (volume, projected volume or env).
    pub fn reading_secret<'s>(
        &'s self,
        namespace: &'s str,
        name: &'s str,
    ) -> impl Iterator<Item = &'s Workload<'a>> + 's {
        self.by_secret.get(&(namespace, name)).into_iter().flatten().filter_map(|&i| self.items.get(i))
    }

    /// The workloads that run as service account `namespace/name`.
    pub fn using_service_account<'s>(
        &'s self,
        namespace: &'s str,
        name: &'s str,
    ) -> impl Iterator<Item = &'s Workload<'a>> + 's {
        self.in_namespace(namespace).filter(move |w| w.service_account == name)
    }
}

type ObjectKey<'a> = (&'a str, &'a str, &'a str);

fn key_of(object: &Object) -> ObjectKey<'_> {
    (object.kind(), object.namespace().unwrap_or(""), object.name())
}

fn spec_path_of(kind: &str) -> Option<&'static [&'static str]> {
    POD_SPEC_PATHS.iter().find(|(k, _)| *k == kind).map(|(_, path)| *path)
}

/// The topmost owner of `object` that is a workload present in the dump, if any.
fn root_owner<'a>(inv: &Inventory<'a>, object: &'a Object) -> Option<ObjectKey<'a>> {
    let mut current = object;
    let mut root = None;
    // Owner chains are short (Pod → ReplicaSet → Deployment); the bound stops a cycle.
    for _ in 0..8 {
        let Some(owner) = owner_of(inv, current) else { break };
        root = Some(key_of(owner));
        current = owner;
    }
    root
}

fn owner_of<'a>(inv: &Inventory<'a>, object: &'a Object) -> Option<&'a Object> {
    let refs = object.at(&["metadata", "ownerReferences"])?.as_array()?;
    let controller = refs.iter().find(|r| r.get("controller").and_then(Value::as_bool) == Some(true));
    let owner = controller.or_else(|| refs.first())?;
    let kind = owner.get("kind").and_then(Value::as_str)?;
    let name = owner.get("name").and_then(Value::as_str)?;
    spec_path_of(kind)?;
    let namespace = object.namespace().unwrap_or("");
    inv.get(kind, namespace, name)
        .or_else(|| (kind == "ReplicaSet").then(|| deployment_of_replica_set(inv, object, namespace, name)).flatten())
        .filter(|o| !std::ptr::eq(*o, object))
}

/// The Deployment behind ReplicaSet `name` when the dump lacks the ReplicaSet itself
/// (`kubectl get deploy,pods`): the Deployment controller names it `<deployment>-<hash>`, the
/// hash being its Pods' `pod-template-hash` label.
fn deployment_of_replica_set<'a>(inv: &Inventory<'a>, pod: &Object, namespace: &str, name: &str) -> Option<&'a Object> {
    let hash = pod.label("pod-template-hash")?;
    let deployment = name.strip_suffix(hash)?.strip_suffix('-')?;
    inv.get("Deployment", namespace, deployment)
}

fn resolve<'a>(inv: &Inventory<'a>, object: &'a Object, spec: &'a Value, spec_path: &str) -> Workload<'a> {
    let namespace = object.namespace().unwrap_or("");
    let (service_account, service_account_path) = service_account_of(spec, spec_path);
    let service_account_object = inv.get("ServiceAccount", namespace, service_account).or_else(|| match namespace {
        "" => inv.get("ServiceAccount", "default", service_account),
        "default" => inv.get("ServiceAccount", "", service_account),
        _ => None,
    });
    let is_static = is_static_pod(object);
    let automount = automount_of(spec, spec_path, service_account_object, is_static);
    // Paths and containers listed once for the three readers below.
    let listed = each_container(spec, spec_path);
    let (projected_tokens, mut secret_refs, config_volumes) = volumes_of(spec, spec_path);
    for (path, container) in &listed {
        secret_refs.extend(env_secret_refs(container, path));
    }
    let privileges = privileges_of(spec, spec_path, &listed);
    let containers = containers_of(listed);
    Workload {
        object,
        spec,
        spec_path: spec_path.to_string(),
        namespace,
        service_account,
        service_account_path,
        service_account_object,
        automount,
        projected_tokens,
        secret_refs,
        config_volumes,
        containers,
        placement: placement_of(spec),
        privileges,
        is_static,
        owned: Vec::new(),
    }
}

fn service_account_of<'a>(spec: &'a Value, spec_path: &str) -> (&'a str, Option<String>) {
    for field in ["serviceAccountName", "serviceAccount"] {
        if let Some(name) = spec.get(field).and_then(Value::as_str).filter(|n| !n.is_empty()) {
            return (name, Some(format!("{spec_path}.{field}")));
        }
    }
    ("default", None)
}

/// Binaries kubeadm, kops and friends run as static Pods.
const STATIC_COMPONENTS: &[&str] = &["kube-apiserver", "kube-controller-manager", "kube-scheduler", "etcd"];

/// Static Pods come from a file on the node: their mirror Pods are marked by the kubelet
/// (annotation or a Node owner), kubeadm's carry `tier: control-plane`, and any kube-system Pod
/// running a control-plane binary is one. A Pod embedded in a node-provisioning document (kops
/// `contents:`) is a manifest written to the kubelet's static Pod directory.
fn is_static_pod(object: &Object) -> bool {
    if !object.is("Pod") {
        return false;
    }
    let owned_by_node = object
        .at(&["metadata", "ownerReferences"])
        .and_then(Value::as_array)
        .is_some_and(|refs| refs.iter().any(|r| r.get("kind").and_then(Value::as_str) == Some("Node")));
    let kube_system = object.namespace() == Some("kube-system");
    object.annotation("kubernetes.io/config.mirror").is_some()
        || object.annotation("kubernetes.io/config.source").is_some_and(|s| s == "file")
        || owned_by_node
        || object.origin == crate::input::Origin::Embedded
        || (kube_system && (object.label("tier") == Some("control-plane") || runs_component(object)))
}

fn runs_component(object: &Object) -> bool {
    let base = |s: &str| s.rsplit('/').next().unwrap_or(s).split(':').next().unwrap_or("").to_string();
    let containers = object.at(&["spec", "containers"]).and_then(Value::as_array).into_iter().flatten();
    containers.into_iter().any(|c| {
        let first =
            |field: &str| c.get(field).and_then(Value::as_array).and_then(|a| a.first()).and_then(Value::as_str);
        let image = c.get("image").and_then(Value::as_str).map(|i| base(i.split('@').next().unwrap_or(i)));
        [first("command").map(base), first("args").map(base), image]
            .into_iter()
            .flatten()
            .any(|name| STATIC_COMPONENTS.contains(&name.as_str()))
    })
}

fn automount_of(spec: &Value, spec_path: &str, sa: Option<&Object>, is_static: bool) -> Automount {
    const FIELD: &str = "automountServiceAccountToken";
    if is_static {
        return Automount { mounted: false, decided_by: AutomountSource::StaticPod, path: None };
    }
    if let Some(mounted) = spec.get(FIELD).and_then(Value::as_bool) {
        return Automount { mounted, decided_by: AutomountSource::Pod, path: Some(format!("{spec_path}.{FIELD}")) };
    }
    match sa {
        Some(sa) => match sa.at(&[FIELD]).and_then(Value::as_bool) {
            Some(mounted) => {
                Automount { mounted, decided_by: AutomountSource::ServiceAccount, path: Some(FIELD.into()) }
            }
            None => Automount { mounted: true, decided_by: AutomountSource::Default, path: None },
        },
        None => Automount { mounted: true, decided_by: AutomountSource::UnknownServiceAccount, path: None },
    }
}

/// `(path, container)` for containers, init containers and ephemeral containers.
fn each_container<'a>(spec: &'a Value, spec_path: &str) -> Vec<(String, &'a Value)> {
    let mut out = Vec::new();
    for list in ["initContainers", "containers", "ephemeralContainers"] {
        for (i, c) in spec.get(list).and_then(Value::as_array).into_iter().flatten().enumerate() {
            out.push((format!("{spec_path}.{list}[{i}]"), c));
        }
    }
    out
}

fn containers_of(listed: Vec<(String, &Value)>) -> Vec<Container<'_>> {
    listed
        .into_iter()
        .map(|(path, c)| {
            let mut argv = Vec::new();
            for field in ["command", "args"] {
                for (i, arg) in c.get(field).and_then(Value::as_array).into_iter().flatten().enumerate() {
                    if let Some(arg) = arg.as_str() {
                        argv.push((format!("{path}.{field}[{i}]"), arg));
                    }
                }
            }
            let env_list = c.get("env").and_then(Value::as_array).unwrap_or_default();
            Container {
                name: c.get("name").and_then(Value::as_str).unwrap_or(""),
                image: c.get("image").and_then(Value::as_str).unwrap_or(""),
                path,
                argv,
                env_list,
            }
        })
        .collect()
}

fn volumes_of<'a>(spec: &'a Value, spec_path: &str) -> (Vec<ProjectedToken>, Vec<SecretRef<'a>>, Vec<ConfigVolume>) {
    let mut tokens = Vec::new();
    let mut secrets = Vec::new();
    let mut configs = Vec::new();
    for (i, volume) in spec.get("volumes").and_then(Value::as_array).into_iter().flatten().enumerate() {
        let path = format!("{spec_path}.volumes[{i}]");
        let volume_name = volume.get("name").and_then(Value::as_str).unwrap_or("");
        if let Some(name) = volume.pointer("/secret/secretName").and_then(Value::as_str) {
            secrets.push(SecretRef { name, path: format!("{path}.secret"), how: SecretUse::Volume });
            configs.push(ConfigVolume { kind: "Secret", name: name.to_string(), path: format!("{path}.secret") });
        }
        if let Some(name) = volume.pointer("/configMap/name").and_then(Value::as_str) {
            configs.push(ConfigVolume { kind: "ConfigMap", name: name.to_string(), path: format!("{path}.configMap") });
        }
        let sources = volume.pointer("/projected/sources").and_then(Value::as_array).into_iter().flatten();
        for (j, source) in sources.enumerate() {
            let source_path = format!("{path}.projected.sources[{j}]");
            if let Some(token) = source.get("serviceAccountToken") {
                let set = token.get("expirationSeconds").and_then(as_u64);
                let expiration_seconds = set.unwrap_or(DEFAULT_PROJECTED_TOKEN_SECONDS);
                tokens.push(ProjectedToken {
                    volume: volume_name.to_string(),
                    path: format!("{source_path}.serviceAccountToken"),
                    expiration_seconds,
                    expiration_set: set.is_some(),
                    audience: token.get("audience").and_then(Value::as_str).filter(|a| !a.is_empty()).map(String::from),
                    kubelet_default: volume_name.starts_with("kube-api-access-")
                        && expiration_seconds == KUBE_API_ACCESS_SECONDS,
                });
            }
            if let Some(name) = source.pointer("/secret/name").and_then(Value::as_str) {
                let path = format!("{source_path}.secret");
                secrets.push(SecretRef { name, path: path.clone(), how: SecretUse::ProjectedVolume });
                configs.push(ConfigVolume { kind: "Secret", name: name.to_string(), path });
            }
            if let Some(name) = source.pointer("/configMap/name").and_then(Value::as_str) {
                configs.push(ConfigVolume {
                    kind: "ConfigMap",
                    name: name.to_string(),
                    path: format!("{source_path}.configMap"),
                });
            }
        }
    }
    (tokens, secrets, configs)
}

/// `expirationSeconds` is an int64; manifests sometimes quote it.
fn as_u64(value: &Value) -> Option<u64> {
    value.as_u64().or_else(|| value.as_str().and_then(|s| s.trim().parse().ok()))
}

fn env_secret_refs<'a>(container: &'a Value, path: &str) -> Vec<SecretRef<'a>> {
    let mut out = Vec::new();
    for (i, env) in container.get("env").and_then(Value::as_array).into_iter().flatten().enumerate() {
        if let Some(name) = env.pointer("/valueFrom/secretKeyRef/name").and_then(Value::as_str) {
            out.push(SecretRef { name, path: format!("{path}.env[{i}].valueFrom.secretKeyRef"), how: SecretUse::Env });
        }
    }
    for (i, env) in container.get("envFrom").and_then(Value::as_array).into_iter().flatten().enumerate() {
        if let Some(name) = env.pointer("/secretRef/name").and_then(Value::as_str) {
            out.push(SecretRef { name, path: format!("{path}.envFrom[{i}].secretRef"), how: SecretUse::EnvFrom });
        }
    }
    out
}

fn placement_of(spec: &Value) -> Placement {
    let node_selector: Vec<(String, String)> = spec
        .get("nodeSelector")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .map(|(k, v)| (k.to_string(), v.as_str().unwrap_or("").to_string()))
        .collect();
    let terms = spec
        .pointer("/affinity/nodeAffinity/requiredDuringSchedulingIgnoredDuringExecution/nodeSelectorTerms")
        .and_then(Value::as_array)
        .filter(|t| !t.is_empty());
    let affinity_keys: BTreeSet<&str> = terms
        .into_iter()
        .flatten()
        .flat_map(|term| term.get("matchExpressions").and_then(Value::as_array).into_iter().flatten())
        .filter(|e| matches!(e.get("operator").and_then(Value::as_str), Some("In" | "Exists")))
        .filter_map(|e| e.get("key").and_then(Value::as_str))
        .collect();
    let tolerated_taints: Vec<String> = spec
        .get("tolerations")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|t| matches!(t.get("effect").and_then(Value::as_str).unwrap_or(""), "" | "NoSchedule" | "NoExecute"))
        .filter_map(|t| t.get("key").and_then(Value::as_str).filter(|k| !k.is_empty()))
        .filter(|k| !LIFECYCLE_TAINT_PREFIXES.iter().any(|p| k.starts_with(p)))
        .map(String::from)
        .collect();
    let selected_keys: BTreeSet<&str> =
        node_selector.iter().map(|(k, _)| k.as_str()).chain(affinity_keys.iter().copied()).collect();
    let required_node_affinity = terms.is_some();
    let pinned = !selected_keys.is_empty();
    let control_plane = CONTROL_PLANE_LABELS.iter().any(|l| selected_keys.contains(l));
    Placement {
        dedicated: pinned && !tolerated_taints.is_empty(),
        control_plane,
        node_selector,
        required_node_affinity,
        tolerated_taints,
    }
}

/// Capabilities that give no power over the node or other Pods.
const HARMLESS_CAPABILITIES: &[&str] = &["NET_BIND_SERVICE"];

fn privileges_of(spec: &Value, spec_path: &str, containers: &[(String, &Value)]) -> Vec<Privilege> {
    let mut out = Vec::new();
    for field in ["hostNetwork", "hostPID", "hostIPC"] {
        if spec.get(field).and_then(Value::as_bool) == Some(true) {
            out.push(Privilege { path: format!("{spec_path}.{field}"), what: field.to_string() });
        }
    }
    for (path, container) in containers {
        if container.pointer("/securityContext/privileged").and_then(Value::as_bool) == Some(true) {
            out.push(Privilege { path: format!("{path}.securityContext.privileged"), what: "privileged".into() });
        }
        let added = container.pointer("/securityContext/capabilities/add").and_then(Value::as_array);
        for (i, cap) in added.into_iter().flatten().enumerate() {
            let Some(cap) = cap.as_str() else { continue };
            let bare = cap.trim_start_matches("CAP_");
            if !HARMLESS_CAPABILITIES.iter().any(|h| h.eq_ignore_ascii_case(bare)) {
                out.push(Privilege {
                    path: format!("{path}.securityContext.capabilities.add[{i}]"),
                    what: format!("capability {bare}"),
                });
            }
        }
    }
    out
}

/// A Secret's value for `key` as the API server keeps it: every reader of Secret values goes
/// through here, so no two rules read one Secret differently. The API server merges `stringData`
/// into `data` on write, "overwriting any existing values" (Secret v1 API reference, field
/// `stringData`), so when a manifest holds the key in both, `stringData` wins. `None` when the key
/// is absent or its base64 does not decode (a diagnostic of the certificate scan).
pub fn secret_value(secret: &Object, key: &str) -> Option<Vec<u8>> {
    if let Some(text) = secret.str_at(&["stringData", key]) {
        return Some(text.as_bytes().to_vec());
    }
    let encoded = secret.str_at(&["data", key])?;
    let compact: String = encoded.chars().filter(|c| !c.is_whitespace()).collect();
    base64::engine::general_purpose::STANDARD.decode(compact).ok()
}

/// The keys of a Secret (`data` and `stringData`) or ConfigMap (`data`).
pub fn data_keys(object: &Object) -> BTreeSet<&str> {
    ["data", "stringData"]
        .iter()
        .filter_map(|field| object.at(&[field]).and_then(Value::as_object))
        .flat_map(|m| m.keys().map(crate::value::Str::as_str))
        .collect()
}

/// A ConfigMap's or Secret's value for `key` as text.
pub fn config_text(object: &Object, key: &str) -> Option<String> {
    if object.is("Secret") {
        secret_value(object, key).and_then(|b| String::from_utf8(b).ok())
    } else {
        object.str_at(&["data", key]).map(String::from)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::source::Source;
    use crate::input::Origin;
    use serde_json::{Value, json};

    fn objects(values: Vec<Value>) -> Vec<Object> {
        values
            .into_iter()
            .enumerate()
            .map(|(i, v)| {
                Object::new(v, Source { path: "t.yaml".into(), line: u32::try_from(i).unwrap() + 1 }, Origin::Document)
            })
            .collect()
    }

    fn deployment(name: &str, pod_spec: Value) -> Value {
        json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name, "namespace": "shop"},
               "spec": {"selector": {"matchLabels": {"app": name}},
                        "template": {"metadata": {"labels": {"app": name}}, "spec": pod_spec}}})
    }

    #[test]
    fn every_kind_with_a_pod_template_is_a_workload() {
        let spec = json!({"containers": [{"name": "c", "image": "busybox"}]});
        let objs = objects(vec![
            json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": spec}),
            deployment("d", spec.clone()),
            json!({"apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": "cj"},
                   "spec": {"schedule": "* * * * *", "jobTemplate": {"spec": {"template": {"spec": spec}}}}}),
            json!({"apiVersion": "v1", "kind": "PodTemplate", "metadata": {"name": "pt"}, "template": {"spec": spec}}),
            json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cm"}}),
            // A template whose spec is not a mapping is not a workload (checkov's UNKNOWN case).
            deployment("broken", json!([{"name": "c"}])),
        ]);
        let inv = Inventory::new(&objs);
        let w = Workloads::collect(&inv);
        let got: Vec<(String, String)> = w.iter().map(|w| (w.label(), w.spec_path.clone())).collect();
        assert_eq!(
            got,
            vec![
                ("Pod/p".to_string(), "spec".to_string()),
                ("Deployment/d".into(), "spec.template.spec".into()),
                ("CronJob/cj".into(), "spec.jobTemplate.spec.template.spec".into()),
                ("PodTemplate/pt".into(), "template.spec".into()),
            ]
        );
    }

    #[test]
    fn pod_setting_overrides_the_service_account_both_ways() {
        let objs = objects(vec![
            json!({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "off", "namespace": "shop"},
                   "automountServiceAccountToken": false}),
            json!({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "on", "namespace": "shop"}}),
            deployment("a", json!({"serviceAccountName": "off", "containers": []})),
            deployment(
                "b",
                json!({"serviceAccountName": "off", "automountServiceAccountToken": true, "containers": []}),
            ),
            deployment(
                "c",
                json!({"serviceAccountName": "on", "automountServiceAccountToken": false, "containers": []}),
            ),
            deployment("d", json!({"serviceAccountName": "on", "containers": []})),
            deployment("e", json!({"serviceAccount": "missing", "containers": []})),
        ]);
        let inv = Inventory::new(&objs);
        let w = Workloads::collect(&inv);
        let got: Vec<(&str, bool, AutomountSource)> =
            w.iter().map(|w| (w.object.name(), w.automount.mounted, w.automount.decided_by)).collect();
        assert_eq!(
            got,
            vec![
                ("a", false, AutomountSource::ServiceAccount),
                ("b", true, AutomountSource::Pod),
                ("c", false, AutomountSource::Pod),
                ("d", true, AutomountSource::Default),
                ("e", true, AutomountSource::UnknownServiceAccount),
            ]
        );
        let e = w.iter().last().unwrap();
        assert_eq!(e.service_account, "missing");
        assert_eq!(e.service_account_path.as_deref(), Some("spec.template.spec.serviceAccount"));
    }

    #[test]
    fn pods_fold_into_their_topmost_owner() {
        let pod_spec = json!({"containers": [{"name": "c", "image": "nginx"}]});
        let objs = objects(vec![
            deployment("web", pod_spec.clone()),
            json!({"apiVersion": "apps/v1", "kind": "ReplicaSet",
                   "metadata": {"name": "web-5d4f", "namespace": "shop",
                                "ownerReferences": [{"kind": "Deployment", "name": "web", "controller": true}]},
                   "spec": {"template": {"spec": pod_spec}}}),
            json!({"apiVersion": "v1", "kind": "Pod",
                   "metadata": {"name": "web-5d4f-x1", "namespace": "shop",
                                "ownerReferences": [{"kind": "ReplicaSet", "name": "web-5d4f", "controller": true}]},
                   "spec": pod_spec}),
            // Owner not in the dump: the Pod stands alone.
            json!({"apiVersion": "v1", "kind": "Pod",
                   "metadata": {"name": "api-7c-y2", "namespace": "shop",
                                "ownerReferences": [{"kind": "ReplicaSet", "name": "api-7c", "controller": true}]},
                   "spec": pod_spec}),
        ]);
        let inv = Inventory::new(&objs);
        let w = Workloads::collect(&inv);
        let items: Vec<_> = w.iter().collect();
        assert_eq!(items.len(), 2);
        assert_eq!(items[0].label(), "Deployment/web");
        let related: Vec<String> = items[0].related().iter().map(ToString::to_string).collect();
        assert_eq!(related, vec!["ReplicaSet/shop/web-5d4f", "Pod/shop/web-5d4f-x1"]);
        assert_eq!(items[1].label(), "Pod/api-7c-y2");
    }

    #[test]
    fn volumes_env_and_projected_tokens() {
        let objs = objects(vec![json!({"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": "p", "namespace": "shop"},
            "spec": {
                "containers": [{"name": "c", "image": "nginx",
                    "env": [{"name": "T", "valueFrom": {"secretKeyRef": {"name": "env-secret", "key": "token"}}},
                            {"name": "MODE", "value": "prod"}],
                    "envFrom": [{"secretRef": {"name": "all-keys"}}]}],
                "volumes": [
                    {"name": "kube-api-access-x7k2q", "projected": {"sources": [
                        {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}},
                        {"configMap": {"name": "kube-root-ca.crt"}}]}},
                    {"name": "vault-token", "projected": {"sources": [
                        {"serviceAccountToken": {"expirationSeconds": 7200, "audience": "vault", "path": "t"}},
                        {"secret": {"name": "projected-secret"}}]}},
                    {"name": "plain", "projected": {"sources": [{"serviceAccountToken": {"path": "t"}}]}},
                    {"name": "creds", "secret": {"secretName": "vol-secret"}}]}})]);
        let inv = Inventory::new(&objs);
        let w = Workloads::collect(&inv);
        let p = w.iter().next().unwrap();
        let tokens: Vec<(&str, u64, bool, bool)> = p
            .projected_tokens
            .iter()
            .map(|t| (t.volume.as_str(), t.expiration_seconds, t.expiration_set, t.kubelet_default))
            .collect();
        assert_eq!(
            tokens,
            vec![
                ("kube-api-access-x7k2q", 3607, true, true),
                ("vault-token", 7200, true, false),
                ("plain", 3600, false, false)
            ]
        );
        assert_eq!(p.projected_tokens[1].audience.as_deref(), Some("vault"));
        assert_eq!(p.projected_tokens[1].path, "spec.volumes[1].projected.sources[0].serviceAccountToken");
        let secrets: BTreeSet<&str> = p.secret_refs.iter().map(|r| r.name).collect();
        assert_eq!(secrets, BTreeSet::from(["env-secret", "all-keys", "projected-secret", "vol-secret"]));
        assert_eq!(w.reading_secret("shop", "vol-secret").count(), 1);
        assert_eq!(w.reading_secret("other", "vol-secret").count(), 0);
        assert_eq!(
            p.containers[0].env().collect::<Vec<_>>(),
            vec![("MODE", "prod", "spec.containers[0].env[1].value".to_string())]
        );
    }

    #[test]
    fn placement_and_privileges() {
        let objs = objects(vec![
            deployment(
                "dedicated",
                json!({
                "nodeSelector": {"dedicated": "auth"},
                "tolerations": [{"key": "dedicated", "value": "auth", "effect": "NoSchedule"},
                                {"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute"}],
                "containers": [{"name": "c", "image": "x",
                    "securityContext": {"capabilities": {"add": ["NET_BIND_SERVICE", "SYS_ADMIN"]}}}]}),
            ),
            deployment(
                "selector-only",
                json!({"nodeSelector": {"disk": "ssd"}, "hostPID": true,
                "containers": [{"name": "c", "image": "x", "securityContext": {"privileged": true}}]}),
            ),
            deployment(
                "lifecycle-only",
                json!({
                "affinity": {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
                    {"matchExpressions": [{"key": "node-role.kubernetes.io/control-plane", "operator": "Exists"}]}]}}},
                "tolerations": [{"key": "node.kubernetes.io/unreachable", "operator": "Exists"}],
                "containers": []}),
            ),
        ]);
        let inv = Inventory::new(&objs);
        let w: Vec<_> = Workloads::collect(&inv).iter().cloned().collect();
        assert!(w[0].placement.dedicated);
        assert_eq!(w[0].placement.tolerated_taints, vec!["dedicated".to_string()]);
        assert_eq!(w[0].privileges.iter().map(|p| p.what.as_str()).collect::<Vec<_>>(), vec!["capability SYS_ADMIN"]);
        assert!(!w[1].placement.dedicated);
        assert_eq!(w[1].privileges.iter().map(|p| p.what.as_str()).collect::<Vec<_>>(), vec!["hostPID", "privileged"]);
        assert!(!w[2].placement.dedicated);
        assert!(w[2].placement.control_plane && w[2].placement.required_node_affinity);
    }

    #[test]
    fn static_pods_get_no_token() {
        let objs = objects(vec![json!({"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": "kube-apiserver-cp1", "namespace": "kube-system",
                         "labels": {"component": "kube-apiserver", "tier": "control-plane"}},
            "spec": {"containers": [{"name": "kube-apiserver", "image": "registry.k8s.io/kube-apiserver:v1.32.0"}]}})]);
        let inv = Inventory::new(&objs);
        let w = Workloads::collect(&inv);
        let p = w.iter().next().unwrap();
        assert!(p.is_static);
        assert!(!p.automount.mounted);
    }

    #[test]
    fn control_plane_pods_are_static_whatever_their_labels() {
        let pod = |ns: &str, args: Value| {
            json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "kube-apiserver", "namespace": ns,
                   "labels": {"k8s-app": "kube-apiserver"}},
                   "spec": {"containers": [{"name": "kube-apiserver", "image": "registry.k8s.io/kube-apiserver-amd64:v1.32.0",
                                            "args": args}]}})
        };
        let objs = objects(vec![
            pod("kube-system", json!(["/usr/local/bin/kube-apiserver", "--anonymous-auth=false"])),
            json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "etcd-cp1", "namespace": "kube-system"},
                   "spec": {"containers": [{"name": "etcd", "image": "registry.k8s.io/etcd:3.5.16-0", "command": ["etcd"]}]}}),
            pod("apps", json!(["/usr/local/bin/kube-apiserver"])),
        ]);
        let inv = Inventory::new(&objs);
        let statics: Vec<bool> = Workloads::collect(&inv).iter().map(|w| w.is_static).collect();
        assert_eq!(statics, vec![true, true, false]);
    }

    #[test]
    fn secret_values_decode() {
        let objs =
            objects(vec![json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s", "namespace": "shop"},
                   "data": {"a": "aGVsbG8=", "bad": "!!"}, "stringData": {"b": "plain"}})]);
        let s = &objs[0];
        assert_eq!(secret_value(s, "a"), Some(b"hello".to_vec()));
        assert_eq!(secret_value(s, "b"), Some(b"plain".to_vec()));
        assert_eq!(secret_value(s, "bad"), None);
        let both = objects(vec![json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"},
                   "data": {"k": "ZnJvbS1kYXRh"}, "stringData": {"k": "from-string-data"}})]);
        assert_eq!(secret_value(&both[0], "k"), Some(b"from-string-data".to_vec()), "stringData wins, as on write");
        assert_eq!(data_keys(s), BTreeSet::from(["a", "b", "bad"]));
    }
}
