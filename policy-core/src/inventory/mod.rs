//! The indexed cluster view that rules query instead of re-walking raw JSON.
//!
//! This is the one place with Kubernetes cleverness: flag merging, pod templates of every
//! workload kind, RBAC resolution, certificate discovery. Rules stay short loops over it.

pub mod authenticators;
pub mod authn_config;
pub mod aws_auth;
pub mod certs;
pub mod credentials;
pub mod flags;
pub mod kubeconfig;
pub mod mechanisms;
pub mod rbac;
pub mod templates;
pub mod usage;
pub mod workloads;
pub mod x509;

use crate::data::diagnostic::Diagnostic;
use crate::input::Object;
use std::collections::HashMap;

/// Everything loaded, indexed, plus the derived views rules need.
#[derive(Debug)]
pub struct Inventory<'a> {
    objects: &'a [Object],
    by_kind: HashMap<&'a str, Vec<&'a Object>>,
    by_key: HashMap<(&'a str, &'a str, &'a str), &'a Object>,
    /// kube-apiserver flags from static/mirror Pods and `kubeadm-config`.
    pub apiserver: flags::Flags,
    /// kube-controller-manager flags from static/mirror Pods and `kubeadm-config`.
    pub controller_manager: flags::Flags,
    /// Problems found while decoding embedded data (base64, PEM, nested YAML).
    pub diagnostics: Vec<Diagnostic>,
    /// Every pod template, owners folded (Pods into their Deployment).
    pub workloads: workloads::Workloads<'a>,
    /// RBAC reach, built on first use: an admission request for a Pod never needs it, and
    /// deriving the default roles is most of a small decision's cost.
    rbac: std::cell::OnceCell<rbac::Rbac<'a>>,
    /// Certificates, CSRs, private keys and kubeconfigs wherever they hide, decoded once.
    pub certs: certs::Certificates<'a>,
    /// EKS identity maps (`aws-auth`, aws-iam-authenticator config, `IAMIdentityMapping`).
    pub aws_auth: Vec<aws_auth::Mapping<'a>>,
    /// Aggregates of the audit logs given beside the dump (empty when none).
    pub audit: crate::audit::AuditLog,
    /// The credentials a rule listed, as of an instant, kept for the next reader
    /// ([`credentials::collect`]): MX004 and the report's section list the same ones, and
    /// listing them was a sixth of a big dump's scan.
    kept_credentials: std::cell::RefCell<Option<(time::OffsetDateTime, Vec<credentials::Credential>)>>,
}

/// What an inventory is read for: a report, or one admission decision (which reads no
/// diagnostics and fewer certificates).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Purpose {
    Audit,
    Admission,
}

impl<'a> Inventory<'a> {
    /// Index `objects` and derive every view.
    pub fn new(objects: &'a [Object]) -> Self {
        Self::reading(objects, Purpose::Audit)
    }

    /// The inventory of one admitted object: kubeconfigs give only the client certificates the
    /// admission rules read ([`kubeconfig::Read::ClientCertificates`]), and the passes that only
    /// warn (unrendered templates, undecodable kubelet and front-proxy settings) are not made.
    pub fn for_admission(objects: &'a [Object]) -> Self {
        Self::reading(objects, Purpose::Admission)
    }

    fn reading(objects: &'a [Object], purpose: Purpose) -> Self {
        let mut by_kind: HashMap<&'a str, Vec<&'a Object>> = HashMap::new();
        let mut by_key = HashMap::with_capacity(objects.len());
        for object in objects {
            let kind = object.kind();
            by_kind.entry(kind).or_default().push(object);
            by_key.insert((kind, object.namespace().unwrap_or(""), object.name()), object);
        }
        let mut inv = Self {
            objects,
            by_kind,
            by_key,
            apiserver: flags::Flags::default(),
            controller_manager: flags::Flags::default(),
            diagnostics: Vec::new(),
            workloads: workloads::Workloads::default(),
            rbac: std::cell::OnceCell::new(),
            certs: certs::Certificates::default(),
            aws_auth: Vec::new(),
            audit: crate::audit::AuditLog::default(),
            kept_credentials: std::cell::RefCell::new(None),
        };
        let (apiserver, mut diagnostics) = flags::Flags::collect(&inv, flags::Component::ApiServer);
        let (controller_manager, more) = flags::Flags::collect(&inv, flags::Component::ControllerManager);
        diagnostics.extend(more);
        // Warnings for a report only: a decision reads none.
        if purpose == Purpose::Audit {
            diagnostics.extend(authn_config::diagnostics(&inv));
            diagnostics.extend(templates::diagnostics(objects));
        }
        inv.apiserver = apiserver;
        inv.controller_manager = controller_manager;
        inv.diagnostics = diagnostics;
        inv.workloads = workloads::Workloads::collect(&inv);
        let read = match purpose {
            Purpose::Audit => kubeconfig::Read::Everything,
            Purpose::Admission => kubeconfig::Read::ClientCertificates,
        };
        let (certs, more) = certs::Certificates::collect_reading(objects, read);
        inv.certs = certs;
        inv.diagnostics.extend(more);
        let (aws_auth, more) = aws_auth::collect(objects);
        inv.aws_auth = aws_auth;
        inv.diagnostics.extend(more);
        inv
    }

    /// RBAC reach: roles (aggregated, defaults filled in), bindings, who can do what.
    pub fn rbac(&self) -> &rbac::Rbac<'a> {
        self.rbac.get_or_init(|| rbac::Rbac::build(self))
    }

    /// Whether the input holds any Role, ClusterRole or binding: rules that walk every role or
    /// binding skip the RBAC index altogether when it would hold only the defaults.
    pub fn has_rbac_objects(&self) -> bool {
        ["Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding"].iter().any(|kind| self.by_kind.contains_key(kind))
    }

    /// Every object, in input order.
    pub fn objects(&self) -> &'a [Object] {
        self.objects
    }

    /// Objects of one kind (any API version).
    pub fn of_kind(&self, kind: &str) -> impl Iterator<Item = &'a Object> + '_ {
        self.by_kind.get(kind).into_iter().flatten().copied()
    }

    /// One object by kind, namespace (`""` for cluster-scoped) and name.
    pub fn get(&self, kind: &str, namespace: &str, name: &str) -> Option<&'a Object> {
        self.by_key.get(&(kind, namespace, name)).copied()
    }

    /// A ConfigMap's `data` entry.
    pub fn config_map_data(&self, namespace: &str, name: &str, key: &str) -> Option<&'a str> {
        self.get("ConfigMap", namespace, name)?.str_at(&["data", key])
    }
}
