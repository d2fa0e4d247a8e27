use crate::rule::prelude::*;
use crate::rules::an::adds_nothing_to_authenticated;
use crate::value::Value;

declare_rule! {
    /// ## What it does
    /// Flags a RoleBinding or ClusterRoleBinding that grants a role to a namespace's `default`
    /// ServiceAccount. Roles that allow no more than every authenticated identity already has
    /// (discovery, self reviews) are left out. The message says when the account's token is not
    /// mounted by default (`automountServiceAccountToken: false`).
    ///
    /// ## Why is this bad?
    /// Every Pod that names no service account runs as `default`, so every such Pod of the
    /// namespace inherits the role, along with whoever can create a Pod there or read its
    /// mounted token. A permission meant for one workload ends up with all of them, and no one
    /// notices when a new Pod gets it.
    ///
    /// ## Example
    /// ```yaml
    /// kind: RoleBinding
    /// metadata: {name: app-edit, namespace: shop}
    /// roleRef: {kind: ClusterRole, name: edit}
    /// subjects:
    ///   - kind: ServiceAccount
    ///     name: default
    ///     namespace: shop
    /// ```
    ///
    /// ## How to fix
    /// Create a dedicated ServiceAccount for the workload that needs the role, bind the role to
    /// it, and set `serviceAccountName` on that workload; leave `default` without bindings and
    /// with `automountServiceAccountToken: false`.
    ///
    /// Guide: *Service Account Secret Tokens*.
    pub DefaultServiceAccountBinding {
        code: "SA007",
        slug: "default-service-account-binding",
        severity: Severity::Medium,
        mechanism: Mechanism::ServiceAccountTokens,
        scope: Scope::Audit,
        status: Preview("0.2.0"),
    }
}

impl Check for DefaultServiceAccountBinding {
    fn check(&self, cx: &Context<'_, '_>, out: &mut Findings) {
        if !cx.inv.has_rbac_objects() {
            return;
        }
        let rbac = cx.inv.rbac();
        for binding in rbac.bindings() {
            let role = rbac.role_of(binding);
            if role.is_some_and(adds_nothing_to_authenticated) {
                continue;
            }
            for (i, subject) in binding.subjects.iter().enumerate() {
                let Some((ns, "default")) = subject.as_service_account() else { continue };
                if binding.is_default_for(subject) {
                    continue;
                }
                let place = match &binding.namespace {
                    Some(bound) if bound != ns => format!(" in namespace `{bound}`"),
                    Some(_) => String::new(),
                    None => " in every namespace".to_string(),
                };
                let why = match role {
                    Some(role) => role.privilege().map(|p| format!(", which {}", p.describe())).unwrap_or_default(),
                    None => " (role not in the input)".to_string(),
                };
                let mounted =
                    if automount_off(cx.inv, ns) { " (its token is not mounted unless a Pod asks for it)" } else { "" };
                let mut finding = self
                    .finding(
                        binding.object,
                        format!(
                            "`{subject}` holds `{}`{place}{why}, so every Pod of namespace `{ns}` that names no service account runs with it{mounted}",
                            binding.role_ref()
                        ),
                    )
                    .evidence(Evidence::plain(format!("subjects[{i}].name"), subject.name.clone()))
                    .evidence(Evidence::plain("roleRef.name", binding.role_name.clone()));
                if let Some(object) = role.and_then(|r| r.object) {
                    finding = finding.related(object.shared_ref());
                }
                out.push(finding);
            }
        }
    }
}

/// Whether the dump shows `namespace/default` with `automountServiceAccountToken: false`.
fn automount_off(inv: &Inventory<'_>, namespace: &str) -> bool {
    inv.of_kind("ServiceAccount").any(|sa| {
        sa.name() == "default"
            && sa.namespace().unwrap_or("default") == namespace
            && sa.at(&["automountServiceAccountToken"]).and_then(Value::as_bool) == Some(false)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::test_support::{self, run, summary};
    use serde_json::{Value, json};

    /// A binding of ClusterRole `role` to one subject.
    fn binding(kind: &str, ns: Option<&str>, name: &str, role: &str, subject: Value) -> Value {
        test_support::binding(kind, ns, name, role, json!([subject]))
    }

    #[test]
    fn default_accounts_holding_roles_are_found() {
        let (found, _) = run(
            &DefaultServiceAccountBinding,
            vec![
                binding(
                    "RoleBinding",
                    Some("shop"),
                    "app-edit",
                    "edit",
                    json!({"kind": "ServiceAccount", "name": "default"}),
                ),
                binding(
                    "ClusterRoleBinding",
                    None,
                    "tiller",
                    "cluster-admin",
                    json!({"kind": "ServiceAccount", "name": "default", "namespace": "kube-system"}),
                ),
                binding(
                    "RoleBinding",
                    Some("web"),
                    "reader",
                    "view",
                    json!({"kind": "User", "name": "system:serviceaccount:web:default"}),
                ),
                json!({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "default", "namespace": "web"},
                       "automountServiceAccountToken": false}),
                binding("RoleBinding", Some("shop"), "app", "edit", json!({"kind": "ServiceAccount", "name": "app"})),
                binding(
                    "RoleBinding",
                    Some("shop"),
                    "whoami",
                    "system:basic-user",
                    json!({"kind": "ServiceAccount", "name": "default"}),
                ),
            ],
        );
        assert_eq!(
            summary(&found),
            [
                (
                    "medium".into(),
                    "ClusterRoleBinding/tiller".into(),
                    "`ServiceAccount/kube-system/default` holds `ClusterRole/cluster-admin` in every namespace, which is admin-equivalent, so every Pod of namespace `kube-system` that names no service account runs with it"
                        .into()
                ),
                (
                    "medium".into(),
                    "RoleBinding/shop/app-edit".into(),
                    "`ServiceAccount/shop/default` holds `ClusterRole/edit`, which can read secrets, so every Pod of namespace `shop` that names no service account runs with it"
                        .into()
                ),
                (
                    "medium".into(),
                    "RoleBinding/web/reader".into(),
                    "`User/system:serviceaccount:web:default` holds `ClusterRole/view`, so every Pod of namespace `web` that names no service account runs with it (its token is not mounted unless a Pod asks for it)"
                        .into()
                ),
            ]
        );
    }
}
