use crate::inventory::rbac::NODE_BOOTSTRAP;
use crate::rule::prelude::*;

declare_rule! {
    /// ## What it does
    /// Flags a RoleBinding or ClusterRoleBinding that grants `system:bootstrappers`, one of its
    /// sub-groups (`system:bootstrappers:*`) or a bootstrap token user (`system:bootstrap:<id>`)
    /// a role going beyond node bootstrapping: creating and reading CertificateSigningRequests,
    /// node-client auto-approval, reading nodes and the kubeadm join ConfigMaps, discovery.
    ///
    /// ## Why is this bad?
    /// Every bootstrap token is a member of these groups. Join tokens are shared, copied into
    /// scripts and machine images, and guessable when made by hand; whatever the groups may do,
    /// anyone holding any join token may do too.
    ///
    /// ## Example
    /// ```yaml
    /// kind: ClusterRoleBinding
    /// roleRef: {kind: ClusterRole, name: edit}
    /// subjects:
    ///   - kind: Group
    ///     name: system:bootstrappers
    /// ```
    ///
    /// ## How to fix
    /// Bind the bootstrap groups only to `system:node-bootstrapper` and
    /// `system:certificates.k8s.io:certificatesigningrequests:nodeclient` (plus kubeadm's
    /// read-only join roles); give nodes their further permissions through `system:nodes`.
    ///
    /// Guide: *Bootstrap Tokens*.
    pub OverprivilegedBootstrappers {
        code: "BT005",
        slug: "overprivileged-bootstrappers",
        severity: Severity::High,
        mechanism: Mechanism::BootstrapTokens,
        scope: Scope::Audit,
    }
}

impl Check for OverprivilegedBootstrappers {
    fn check(&self, cx: &Context<'_, '_>, out: &mut Findings) {
        if !cx.inv.has_rbac_objects() {
            return;
        }
        for binding in cx.inv.rbac().bindings() {
            let bootstrappers: Vec<String> =
                binding.subjects.iter().filter(|s| s.is_bootstrapper()).map(|s| format!("`{s}`")).collect();
            if bootstrappers.is_empty() {
                continue;
            }
            // A dangling roleRef grants nothing today.
            let Some(role) = cx.inv.rbac().role_of(binding) else { continue };
            let Some(excess) = role.exceeds(&NODE_BOOTSTRAP) else { continue };
            let scope = match &binding.namespace {
                Some(ns) => format!(" in namespace `{ns}`"),
                None => String::new(),
            };
            let mut finding = self
                .finding(
                    binding.object,
                    format!(
                        "{} holds `{}`{scope}, beyond node bootstrapping ({excess})",
                        bootstrappers.join(", "),
                        role.display()
                    ),
                )
                .evidence(Evidence::plain("roleRef.name", binding.role_name.clone()));
            if let Some(object) = role.object {
                finding = finding.related(object.shared_ref());
            }
            out.push(finding);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::test_support::{run, summary};
    use serde_json::{Value, json};

    fn binding(kind: &str, ns: Option<&str>, name: &str, role_kind: &str, role: &str, subject: (&str, &str)) -> Value {
        let mut meta = json!({"name": name});
        if let Some(ns) = ns {
            meta["namespace"] = json!(ns);
        }
        json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": kind, "metadata": meta,
               "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": role_kind, "name": role},
               "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": subject.0, "name": subject.1}]})
    }

    #[test]
    fn more_than_bootstrapping_fires() {
        let join = ("Group", "system:bootstrappers:kubeadm:default-node-token");
        let (found, _) = run(
            &OverprivilegedBootstrappers,
            vec![
                binding(
                    "ClusterRoleBinding",
                    None,
                    "bootstrappers-edit",
                    "ClusterRole",
                    "edit",
                    ("Group", "system:bootstrappers"),
                ),
                binding(
                    "RoleBinding",
                    Some("kube-system"),
                    "token-secrets",
                    "ClusterRole",
                    "secret-reader",
                    ("User", "system:bootstrap:abcdef"),
                ),
                json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", "metadata": {"name": "secret-reader"},
                       "rules": [{"apiGroups": [""], "resources": ["secrets"], "verbs": ["get", "list"]}]}),
                binding(
                    "ClusterRoleBinding",
                    None,
                    "kubeadm:kubelet-bootstrap",
                    "ClusterRole",
                    "system:node-bootstrapper",
                    join,
                ),
                binding(
                    "ClusterRoleBinding",
                    None,
                    "kubeadm:node-autoapprove-bootstrap",
                    "ClusterRole",
                    "system:certificates.k8s.io:certificatesigningrequests:nodeclient",
                    join,
                ),
                binding("ClusterRoleBinding", None, "kubeadm:get-nodes", "ClusterRole", "kubeadm:get-nodes", join),
                binding(
                    "RoleBinding",
                    Some("kube-system"),
                    "kubeadm:kubelet-config",
                    "Role",
                    "kubeadm:kubelet-config",
                    join,
                ),
                binding(
                    "RoleBinding",
                    Some("kube-system"),
                    "kubeadm:nodes-kubeadm-config",
                    "Role",
                    "kubeadm:nodes-kubeadm-config",
                    join,
                ),
                binding("RoleBinding", Some("kube-system"), "kube-proxy", "Role", "kube-proxy", join),
                binding(
                    "RoleBinding",
                    Some("kube-public"),
                    "kubeadm:bootstrap-signer-clusterinfo",
                    "Role",
                    "kubeadm:bootstrap-signer-clusterinfo",
                    ("User", "system:anonymous"),
                ),
                binding("ClusterRoleBinding", None, "dangling", "ClusterRole", "gone", join),
                binding(
                    "ClusterRoleBinding",
                    None,
                    "nodes-admin",
                    "ClusterRole",
                    "cluster-admin",
                    ("Group", "system:nodes"),
                ),
            ],
        );
        assert_eq!(
            summary(&found),
            [
                (
                    "high".into(),
                    "ClusterRoleBinding/bootstrappers-edit".into(),
                    "`Group/system:bootstrappers` holds `ClusterRole/edit`, beyond node bootstrapping (`get` on `configmaps`)".into()
                ),
                (
                    "high".into(),
                    "RoleBinding/kube-system/token-secrets".into(),
                    "`User/system:bootstrap:abcdef` holds `ClusterRole/secret-reader` in namespace `kube-system`, beyond node bootstrapping (`get` on `secrets`)"
                        .into()
                ),
            ]
        );
        assert_eq!(found[1].related[0].name, "secret-reader");
    }
}
