use super::legacy_secret::{SERVICE_ACCOUNT_ANNOTATION, legacy_token_secrets};
use crate::inventory::rbac::Subject;
use crate::rule::prelude::*;

/// Every legacy token Secret with the service account it authenticates as.
pub(super) fn legacy_tokens<'a, 'i>(
    inv: &'i Inventory<'a>,
) -> impl Iterator<Item = (&'a Object, Subject)> + use<'a, 'i> {
    legacy_token_secrets(inv).filter_map(|secret| {
        let account = secret.annotation(SERVICE_ACCOUNT_ANNOTATION).filter(|n| !n.is_empty())?;
        Some((secret, Subject::service_account(secret.namespace().unwrap_or("default"), account)))
    })
}

declare_rule! {
    /// ## What it does
    /// Flags a `kubernetes.io/service-account-token` Secret whose service account holds a
    /// privileged role: `cluster-admin`, `admin`, a role with wildcards or escalation rights, or
    /// one that can read Secrets. Bindings to the account's implicit groups
    /// (`system:serviceaccounts`, `system:serviceaccounts:<namespace>`, `system:authenticated`)
    /// count too.
    ///
    /// ## Why is this bad?
    /// A legacy token never expires and stays valid until its service account is deleted. It
    /// sits in etcd, in backups, and in the hands of anyone who can read Secrets in its
    /// namespace. Whoever copies it once keeps the account's power for good.
    ///
    /// ## Example
    /// ```yaml
    /// kind: Secret
    /// type: kubernetes.io/service-account-token
    /// metadata:
    ///   name: deployer-token
    ///   annotations:
    ///     kubernetes.io/service-account.name: deployer   # bound to cluster-admin
    /// ```
    ///
    /// ## How to fix
    /// Delete the Secret and give the workload a projected, expiring token (the default since
    /// Kubernetes 1.24), or `kubectl create token` for short-lived outside use; then cut the
    /// service account's role down to what it needs.
    ///
    /// Guide: *Service Account Secret Tokens*.
    pub PrivilegedLegacyToken {
        code: "SA002",
        slug: "privileged-legacy-token",
        severity: Severity::High,
        mechanism: Mechanism::ServiceAccountTokens,
        scope: Scope::Audit,
    }
}

/// Bindings named per finding: enough to act on, bounded however many bindings grant the same.
const MAX_RELATED_BINDINGS: usize = 10;

impl Check for PrivilegedLegacyToken {
    fn check(&self, cx: &Context<'_, '_>, out: &mut Findings) {
        for (secret, account) in legacy_tokens(cx.inv) {
            let privileges = cx.inv.rbac().top_privileges(&account, MAX_RELATED_BINDINGS);
            let Some((privilege, grant)) = privileges.first() else { continue };
            let Some(role) = grant.role else { continue };
            let (ns, name) = account.as_service_account().unwrap_or(("", ""));
            let via = if grant.subject.kind == crate::inventory::rbac::SubjectKind::Group {
                format!(" via `{}`", grant.subject)
            } else {
                String::new()
            };
            let mut finding = self
                .finding(
                    secret,
                    format!(
                        "never-expiring token of service account `{ns}/{name}` holds `{}`{via}, which {}",
                        role.display(),
                        privilege.describe()
                    ),
                )
                .evidence(Evidence::plain("metadata.annotations.kubernetes.io/service-account.name", name.to_string()));
            for (_, grant) in &privileges {
                finding = finding.related(grant.binding.object.shared_ref());
            }
            out.push(finding);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::test_support::{binding, run, summary};
    use serde_json::{Value, json};

    fn token(ns: &str, name: &str, account: &str) -> Value {
        json!({"apiVersion": "v1", "kind": "Secret", "type": "kubernetes.io/service-account-token",
               "metadata": {"name": name, "namespace": ns, "annotations": {"kubernetes.io/service-account.name": account}},
               "data": {"token": "ZXlKaGJHY2lPaUpTVXpJMU5pSjkuZmFrZQ==", "namespace": "Y2k="}})
    }

    #[test]
    fn tokens_of_privileged_accounts_fire_worst_privilege_first() {
        let (found, _) = run(
            &PrivilegedLegacyToken,
            vec![
                token("ci", "deployer-token", "deployer"),
                token("ci", "reader-token", "reader"),
                token("ci", "viewer-token", "viewer"),
                token("web", "app-token", "app"),
                binding(
                    "ClusterRoleBinding",
                    None,
                    "deployer-admin",
                    "cluster-admin",
                    json!([{"kind": "ServiceAccount", "name": "deployer", "namespace": "ci"}]),
                ),
                binding(
                    "RoleBinding",
                    Some("ci"),
                    "deployer-view",
                    "view",
                    json!([{"kind": "ServiceAccount", "name": "deployer"}]),
                ),
                binding(
                    "RoleBinding",
                    Some("ci"),
                    "reader-edit",
                    "edit",
                    json!([{"kind": "ServiceAccount", "name": "reader"}]),
                ),
                binding(
                    "RoleBinding",
                    Some("ci"),
                    "viewer-view",
                    "view",
                    json!([{"kind": "ServiceAccount", "name": "viewer"}]),
                ),
                binding(
                    "ClusterRoleBinding",
                    None,
                    "web-sas",
                    "cluster-admin",
                    json!([{"kind": "Group", "name": "system:serviceaccounts:web"}]),
                ),
            ],
        );
        assert_eq!(
            summary(&found),
            [
                (
                    "high".into(),
                    "Secret/ci/deployer-token".into(),
                    "never-expiring token of service account `ci/deployer` holds `ClusterRole/cluster-admin`, which is admin-equivalent"
                        .into()
                ),
                (
                    "high".into(),
                    "Secret/ci/reader-token".into(),
                    "never-expiring token of service account `ci/reader` holds `ClusterRole/edit`, which can read secrets".into()
                ),
                (
                    "high".into(),
                    "Secret/web/app-token".into(),
                    "never-expiring token of service account `web/app` holds `ClusterRole/cluster-admin` via `Group/system:serviceaccounts:web`, which is admin-equivalent"
                        .into()
                ),
            ]
        );
        let related: Vec<String> = found[0].related.iter().map(|r| r.name.clone()).collect();
        assert_eq!(related, ["deployer-admin"], "only the privileged bindings are related");
        let json = serde_json::to_string(&found).unwrap();
        assert!(!json.contains("ZXlKaGJH"), "the token never appears");
    }

    #[test]
    fn unprivileged_unowned_and_other_secrets_are_quiet() {
        let mut unowned = token("ci", "orphan", "x");
        unowned["metadata"]["annotations"] = json!(null);
        let opaque = json!({"apiVersion": "v1", "kind": "Secret", "type": "Opaque",
                            "metadata": {"name": "o", "namespace": "ci", "annotations": {"kubernetes.io/service-account.name": "root"}}});
        let (found, _) = run(
            &PrivilegedLegacyToken,
            vec![
                unowned,
                opaque,
                token("ci", "t", "builder"),
                binding("RoleBinding", Some("ci"), "b", "view", json!([{"kind": "ServiceAccount", "name": "builder"}])),
                binding(
                    "ClusterRoleBinding",
                    None,
                    "root",
                    "cluster-admin",
                    json!([{"kind": "ServiceAccount", "name": "root", "namespace": "ci"}]),
                ),
                binding(
                    "ClusterRoleBinding",
                    None,
                    "dangling",
                    "gone",
                    json!([{"kind": "ServiceAccount", "name": "builder", "namespace": "ci"}]),
                ),
            ],
        );
        assert!(found.is_empty(), "{found:?}");
    }
}
