use crate::inventory::rbac::{Grant, Subject};
use crate::rule::prelude::*;
use std::collections::BTreeSet;

/// The signer whose certificates authenticate to the API server as any identity it allows.
const CLIENT_SIGNER: &str = "kubernetes.io/kube-apiserver-client";
const CERTIFICATES: &str = "certificates.k8s.io";

declare_rule! {
    /// ## What it does
    /// Flags people and applications (not Kubernetes components) who may approve client
    /// certificate requests: `update` on `certificatesigningrequests/approval` together with
    /// `approve` on `signers` for `kubernetes.io/kube-apiserver-client` (by name,
    /// `kubernetes.io/*` or any signer), possibly through different ClusterRoleBindings. It is
    /// critical when they may also `create` CertificateSigningRequests, so can issue
    /// certificates alone. kubeadm's node auto-approval bindings are defaults and are not
    /// reported. At admission time it judges the ClusterRole being created.
    ///
    /// ## Why is this bad?
    /// An approved request for this signer becomes a client certificate for whatever user
    /// name and groups the request asked for. Whoever can approve can give someone, or
    /// themselves, a credential for any identity the signer allows, valid for as long as the
    /// signer grants, and a certificate cannot be revoked.
    ///
    /// ## Example
    /// ```yaml
    /// kind: ClusterRole
    /// rules:
    ///   - apiGroups: [certificates.k8s.io]
    ///     resources: [certificatesigningrequests/approval]
    ///     verbs: [update]
    ///   - apiGroups: [certificates.k8s.io]
    ///     resources: [signers]
    ///     resourceNames: [kubernetes.io/kube-apiserver-client]
    ///     verbs: [approve]
    /// ```
    ///
    /// ## How to fix
    /// Keep CSR approval with the few administrators who issue certificates, or better, move
    /// people to OIDC; never combine approval with `create` on CertificateSigningRequests.
    ///
    /// Guide: *Client Certificate Authentication*.
    pub ClientCsrApproval {
        code: "CC008",
        slug: "client-csr-approval",
        severity: Severity::High,
        mechanism: Mechanism::ClientCertificates,
        scope: Scope::Admit,
        status: Preview("0.2.0"),
    }
}

impl Check for ClientCsrApproval {
    fn check(&self, cx: &Context<'_, '_>, out: &mut Findings) {
        if !cx.inv.has_rbac_objects() {
            return;
        }
        self.check_grants(cx, out);
        if cx.mode == Scope::Admit {
            self.check_roles(cx, out);
        }
    }
}

impl ClientCsrApproval {
    /// Subjects who hold both halves of approval, one finding per binding of the approval half.
    fn check_grants(&self, cx: &Context<'_, '_>, out: &mut Findings) {
        let rbac = cx.inv.rbac();
        let creators: BTreeSet<Subject> = rbac
            .who_can_cluster_wide(&["create"], CERTIFICATES, "certificatesigningrequests")
            .into_iter()
            .map(|a| a.grant.subject.clone())
            .collect();
        let creates = |s: &Subject| {
            creators.contains(s) || s.implicit_groups().into_iter().any(|g| creators.contains(&Subject::group(g)))
        };
        // Grants come binding by binding; keep that order, one finding per binding.
        let mut findings: Vec<(Grant<'_>, Vec<&Subject>)> = Vec::new();
        for grant in rbac.who_can_approve_csrs(CLIENT_SIGNER) {
            // Holders of everything (`cluster-admin`) gain nothing from approval: other checks own them.
            let everything = grant.role.is_some_and(|r| r.allows_everything());
            if grant.subject.is_system() || grant.is_default() || everything {
                continue;
            }
            match findings.last_mut() {
                Some((last, subjects)) if std::ptr::eq(last.binding, grant.binding) => subjects.push(grant.subject),
                _ => findings.push((grant, vec![grant.subject])),
            }
        }
        for (grant, subjects) in findings {
            let alone = subjects.iter().any(|s| creates(s));
            let (severity, suffix) =
                if alone { (Severity::Critical, ", and can create the requests too") } else { (Severity::High, "") };
            let who: Vec<String> = subjects.iter().map(|s| format!("`{s}`")).collect();
            out.push(
                self.finding(
                    grant.binding.object,
                    format!(
                        "{} can approve client certificates for any identity (signer `{CLIENT_SIGNER}`) through `{}`{suffix}",
                        who.join(", "),
                        grant.binding.role_ref()
                    ),
                )
                .severity(severity)
                .evidence(Evidence::plain("roleRef.name", grant.binding.role_name.clone())),
            );
        }
    }

    /// Admission: a ClusterRole that can approve client certificates (the defaults aside).
    fn check_roles(&self, cx: &Context<'_, '_>, out: &mut Findings) {
        for role in cx.inv.rbac().roles() {
            let Some(object) = role.object else { continue };
            if role.default || role.namespace.is_some() || role.allows_everything() {
                continue;
            }
            if !role.can_approve_csrs(CLIENT_SIGNER) {
                continue;
            }
            let alone = role.access(&["create"], CERTIFICATES, "certificatesigningrequests").is_some();
            let (severity, suffix) =
                if alone { (Severity::Critical, ", and to create the requests too") } else { (Severity::High, "") };
            out.push(
                self.finding(
                    object,
                    format!(
                        "`{}` lets its holders approve client certificates for any identity (signer `{CLIENT_SIGNER}`){suffix}",
                        role.display()
                    ),
                )
                .severity(severity),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing, reason = "tests")]
    use super::*;
    use crate::rules::test_support::{binding, run, summary};
    use serde_json::{Value, json};

    fn cluster_role(name: &str, rules: Value) -> Value {
        json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", "metadata": {"name": name}, "rules": rules})
    }

    fn approval() -> Value {
        json!({"apiGroups": ["certificates.k8s.io"], "resources": ["certificatesigningrequests/approval"], "verbs": ["update"]})
    }

    fn signer(names: Option<Value>) -> Value {
        let mut rule = json!({"apiGroups": ["certificates.k8s.io"], "resources": ["signers"], "verbs": ["approve"]});
        if let Some(names) = names {
            rule["resourceNames"] = names;
        }
        rule
    }

    fn user(name: &str) -> Value {
        json!([{"kind": "User", "name": name}])
    }

    #[test]
    fn approvers_of_client_certificates_are_found() {
        let create = json!({"apiGroups": ["certificates.k8s.io"], "resources": ["certificatesigningrequests"], "verbs": ["create"]});
        let (found, _) = run(
            &ClientCsrApproval,
            vec![
                cluster_role(
                    "approver",
                    json!([approval(), signer(Some(json!(["kubernetes.io/kube-apiserver-client"])))]),
                ),
                cluster_role("issuer", json!([approval(), signer(Some(json!(["kubernetes.io/*"]))), create])),
                cluster_role("approval-only", json!([approval()])),
                cluster_role("signer-only", json!([signer(None)])),
                cluster_role(
                    "kubelet-only",
                    json!([approval(), signer(Some(json!(["kubernetes.io/kubelet-serving"])))]),
                ),
                binding("ClusterRoleBinding", None, "pki", "approver", user("alice")),
                binding(
                    "ClusterRoleBinding",
                    None,
                    "ci",
                    "issuer",
                    json!([{"kind": "ServiceAccount", "name": "ci", "namespace": "tools"}]),
                ),
                binding("ClusterRoleBinding", None, "split-a", "approval-only", user("bob")),
                binding("ClusterRoleBinding", None, "split-b", "signer-only", user("bob")),
                binding("ClusterRoleBinding", None, "kubelets", "kubelet-only", user("carol")),
                binding("ClusterRoleBinding", None, "kcm", "approver", user("system:kube-controller-manager")),
                binding("RoleBinding", Some("x"), "ns", "approver", user("dave")),
                binding("ClusterRoleBinding", None, "root", "cluster-admin", user("root")),
            ],
        );
        assert_eq!(
            summary(&found),
            [
                (
                    "high".into(),
                    "ClusterRoleBinding/pki".into(),
                    "`User/alice` can approve client certificates for any identity (signer `kubernetes.io/kube-apiserver-client`) through `ClusterRole/approver`"
                        .into()
                ),
                (
                    "critical".into(),
                    "ClusterRoleBinding/ci".into(),
                    "`ServiceAccount/tools/ci` can approve client certificates for any identity (signer `kubernetes.io/kube-apiserver-client`) through `ClusterRole/issuer`, and can create the requests too"
                        .into()
                ),
                (
                    "high".into(),
                    "ClusterRoleBinding/split-a".into(),
                    "`User/bob` can approve client certificates for any identity (signer `kubernetes.io/kube-apiserver-client`) through `ClusterRole/approval-only`"
                        .into()
                ),
            ]
        );
    }

    #[test]
    fn kubeadm_node_auto_approval_is_a_default() {
        let node_client = |name: &str, role: &str, group: &str| {
            binding("ClusterRoleBinding", None, name, role, json!([{"kind": "Group", "name": group}]))
        };
        let (found, _) = run(
            &ClientCsrApproval,
            vec![
                node_client(
                    "kubeadm:node-autoapprove-bootstrap",
                    "system:certificates.k8s.io:certificatesigningrequests:nodeclient",
                    "system:bootstrappers:kubeadm:default-node-token",
                ),
                node_client(
                    "kubeadm:node-autoapprove-certificate-rotation",
                    "system:certificates.k8s.io:certificatesigningrequests:selfnodeclient",
                    "system:nodes",
                ),
                node_client(
                    "system:controller:certificate-controller",
                    "system:controller:certificate-controller",
                    "system:kube-controller-manager",
                ),
            ],
        );
        assert!(found.is_empty(), "{found:?}");
    }

    #[test]
    fn at_admission_the_cluster_role_is_judged() {
        let settings =
            crate::settings::Settings { select: vec!["CC008".into()], ..crate::settings::Settings::default() };
        let admit = |object: Value| {
            let request = json!({"operation": "CREATE", "object": object});
            crate::engine::admit(&request.into(), &settings, &crate::engine::AdmitSettings::default()).unwrap()
        };
        let approver = admit(cluster_role("a", json!([approval(), signer(None)])));
        assert_eq!(approver.findings.len(), 1);
        assert_eq!(approver.findings[0].severity, Severity::High);
        assert_eq!(
            approver.findings[0].message,
            "`ClusterRole/a` lets its holders approve client certificates for any identity (signer `kubernetes.io/kube-apiserver-client`)"
        );
        assert!(
            admit(cluster_role("k", json!([approval(), signer(Some(json!(["kubernetes.io/kubelet-serving"])))])))
                .findings
                .is_empty()
        );
    }
}
