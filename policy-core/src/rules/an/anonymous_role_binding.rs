use crate::inventory::rbac::{Binding, PUBLIC_INFO, Subject};
use crate::rule::prelude::*;

declare_rule! {
    /// ## What it does
    /// Flags a RoleBinding or ClusterRoleBinding that grants a role to `system:anonymous` or
    /// `system:unauthenticated`. It is critical when the role can read Secrets, holds a
    /// wildcard, or is admin-equivalent. Grants that only expose the health and version
    /// endpoints (`system:public-info-viewer`) or kubeadm's `cluster-info` ConfigMap are the
    /// Kubernetes defaults and are not reported.
    ///
    /// ## Why is this bad?
    /// Any request without credentials, from anywhere the API server is reachable, is
    /// anonymous. A binding to these subjects hands its permissions to the whole network, with
    /// no identity to audit and nothing to revoke. Secret access turns that into service-account
    /// tokens, and so into authenticated access.
    ///
    /// ## Example
    /// ```yaml
    /// kind: ClusterRoleBinding
    /// roleRef: {kind: ClusterRole, name: view}
    /// subjects:
    ///   - kind: Group
    ///     name: system:unauthenticated
    /// ```
    ///
    /// ## How to fix
    /// Remove the anonymous subjects from the binding and bind the role to the identities that need
    /// it; keep anonymous access to the health and version endpoints only.
    ///
    /// Each finding gives the `kubectl patch` to copy: it removes only the anonymous subjects, and
    /// refuses to apply when the binding no longer holds them where the dump did. Nobody is locked
    /// out by it: a request without credentials is no one's identity.
    ///
    /// Guide: *Authentication Mechanisms*.
    pub AnonymousRoleBinding {
        code: "AN002",
        slug: "anonymous-role-binding",
        severity: Severity::High,
        mechanism: Mechanism::Anonymous,
        scope: Scope::Admit,
    }
}

impl Check for AnonymousRoleBinding {
    fn check(&self, cx: &Context<'_, '_>, out: &mut Findings) {
        if !cx.inv.has_rbac_objects() {
            return;
        }
        let rbac = cx.inv.rbac();
        for binding in rbac.bindings() {
            let anonymous: Vec<(usize, &crate::inventory::rbac::Subject)> =
                binding.subjects.iter().enumerate().filter(|(_, s)| s.is_anonymous()).collect();
            if anonymous.is_empty() {
                continue;
            }
            // Judged by what the role allows, so a tampered default role is still caught.
            let role = rbac.role_of(binding);
            if role.is_some_and(|r| r.exceeds(&PUBLIC_INFO).is_none()) {
                continue;
            }
            out.push(super::population_grant(self, binding, role, &anonymous, "").fix(remove_anonymous(binding)));
        }
    }
}

/// A JSON patch that removes the binding's anonymous subjects, positions counted in the object
/// as written: each removal is preceded by a `test` that the name is still there, and they run
/// from the last down so every position stays right.
fn remove_anonymous(binding: &Binding<'_>) -> Option<Fix> {
    let written = binding.object.at(&["subjects"])?.as_array()?;
    let mut ops = Vec::new();
    for (i, value) in written.iter().enumerate().rev() {
        let Some(subject) = Subject::parse(value, binding.object.namespace()) else { continue };
        if subject.is_anonymous() {
            ops.push(serde_json::json!({"op": "test", "path": format!("/subjects/{i}/name"), "value": subject.name}));
            ops.push(serde_json::json!({"op": "remove", "path": format!("/subjects/{i}")}));
        }
    }
    let summary = "remove the anonymous subjects from the binding";
    Fix::json_patch(summary, &binding.object.object_ref(), &serde_json::Value::Array(ops))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::test_support::{run, summary};
    use serde_json::{Value, json};

    fn crb(name: &str, role: &str, subjects: Value) -> Value {
        json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding", "metadata": {"name": name},
               "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": role}, "subjects": subjects})
    }

    fn unauthenticated() -> Value {
        json!([{"apiGroup": "rbac.authorization.k8s.io", "kind": "Group", "name": "system:unauthenticated"}])
    }

    #[test]
    fn severity_follows_what_the_role_allows() {
        let (found, _) = run(
            &AnonymousRoleBinding,
            vec![
                crb("anon-admin", "cluster-admin", json!([{"kind": "User", "name": "system:anonymous"}])),
                crb("anon-view", "view", unauthenticated()),
                crb("anon-secrets", "reader", unauthenticated()),
                json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", "metadata": {"name": "reader"},
                       "rules": [{"apiGroups": [""], "resources": ["secrets"], "verbs": ["get"], "resourceNames": ["one"]}]}),
                crb("anon-missing", "manager", json!([{"kind": "Group", "name": "system:anonymous"}])),
                crb("users", "cluster-admin", json!([{"kind": "Group", "name": "system:authenticated"}])),
            ],
        );
        assert_eq!(
            summary(&found),
            [
                (
                    "critical".into(),
                    "ClusterRoleBinding/anon-admin".into(),
                    "`User/system:anonymous` holds `ClusterRole/cluster-admin`, which is admin-equivalent".into()
                ),
                (
                    "high".into(),
                    "ClusterRoleBinding/anon-view".into(),
                    "`Group/system:unauthenticated` holds `ClusterRole/view`".into()
                ),
                (
                    "critical".into(),
                    "ClusterRoleBinding/anon-secrets".into(),
                    "`Group/system:unauthenticated` holds `ClusterRole/reader`, which can read secrets".into()
                ),
                (
                    "high".into(),
                    "ClusterRoleBinding/anon-missing".into(),
                    "`Group/system:anonymous` holds `ClusterRole/manager` (role not in the input)".into()
                ),
            ]
        );
        assert_eq!(found[2].related[0].name, "reader");
        assert_eq!(found[0].evidence[1].path, "subjects[0].name");
    }

    #[test]
    fn the_fix_removes_only_the_anonymous_subjects_last_first() {
        let subjects = json!([{"kind": "Group", "name": "system:unauthenticated"}, {"kind": "User", "name": "jane"},
                              {"kind": "Group"}, {"kind": "User", "name": "system:anonymous"}]);
        let mut binding = crb("mixed", "view", subjects);
        binding["kind"] = json!("RoleBinding");
        binding["metadata"]["namespace"] = json!("team a");
        let (found, _) = run(&AnonymousRoleBinding, vec![binding]);
        let fix = found[0].fix.as_ref().unwrap();
        assert_eq!(
            fix.text,
            concat!(
                r#"kubectl patch rolebinding -n 'team a' mixed --type=json -p '[{"op":"test","path":"/subjects/3/name","value":"system:anonymous"},"#,
                r#"{"op":"remove","path":"/subjects/3"},{"op":"test","path":"/subjects/0/name","value":"system:unauthenticated"},"#,
                r#"{"op":"remove","path":"/subjects/0"}]'"#
            )
        );
    }

    #[test]
    fn kubernetes_and_kubeadm_defaults_are_quiet_unless_tampered_with() {
        let public_info = json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
            "metadata": {"name": "system:public-info-viewer", "labels": {"kubernetes.io/bootstrapping": "rbac-defaults"}},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "system:public-info-viewer"},
            "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "Group", "name": "system:authenticated"},
                         {"apiGroup": "rbac.authorization.k8s.io", "kind": "Group", "name": "system:unauthenticated"}]});
        let cluster_info = json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
            "metadata": {"name": "kubeadm:bootstrap-signer-clusterinfo", "namespace": "kube-public"},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "kubeadm:bootstrap-signer-clusterinfo"},
            "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": "system:anonymous"}]});
        let (found, _) = run(&AnonymousRoleBinding, vec![public_info.clone(), cluster_info.clone()]);
        assert!(found.is_empty(), "{found:?}");
        let tampered = json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
            "metadata": {"name": "system:public-info-viewer"},
            "rules": [{"nonResourceURLs": ["/healthz"], "verbs": ["get"]}, {"apiGroups": [""], "resources": ["secrets"], "verbs": ["list"]}]});
        let (found, _) = run(&AnonymousRoleBinding, vec![public_info, cluster_info, tampered]);
        assert_eq!(summary(&found)[0].0, "critical");
        assert_eq!(found.len(), 1);
    }

    #[test]
    fn at_admission_the_binding_alone_is_judged_from_its_role_name() {
        let settings =
            crate::settings::Settings { select: vec!["AN002".into()], ..crate::settings::Settings::default() };
        let admit = |role: &str| {
            let request = json!({"operation": "CREATE", "object": crb("b", role, unauthenticated())});
            crate::engine::admit(&request.into(), &settings, &crate::engine::AdmitSettings::default()).unwrap()
        };
        let edit = admit("edit");
        assert!(!edit.allowed);
        assert_eq!(edit.findings[0].severity, Severity::Critical);
        assert_eq!(admit("custom").findings[0].severity, Severity::High);
        assert!(admit("system:public-info-viewer").allowed);
    }
}
