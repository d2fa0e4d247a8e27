use super::privileged_legacy_token::legacy_tokens;
use crate::inventory::rbac::{Access, Binding, Names, SECRET_READ_VERBS};
use crate::rule::prelude::*;
use std::collections::{BTreeMap, HashMap};

declare_rule! {
    /// ## What it does
    /// Flags a binding that lets people or applications (not Kubernetes components) get, list
    /// or watch Secrets in a namespace that holds legacy `kubernetes.io/service-account-token`
    /// Secrets. A ClusterRoleBinding reaches every namespace and is critical. Roles that allow
    /// everything (`cluster-admin`) are left to the checks on who holds them.
    ///
    /// ## Why is this bad?
    /// Reading a legacy token Secret is the same as holding the service account's identity,
    /// forever: the token does not expire. Whoever can read Secrets there can become any of
    /// those service accounts, and keep that access after their own is revoked.
    ///
    /// ## Example
    /// ```yaml
    /// kind: ClusterRoleBinding
    /// roleRef: {kind: ClusterRole, name: secret-reader}   # get/list secrets
    /// subjects:
    ///   - kind: Group
    ///     name: developers
    /// ```
    ///
    /// ## How to fix
    /// Replace the legacy token Secrets with projected tokens (or `kubectl create token`), and
    /// grant Secret access per namespace and by `resourceNames` only to those who need it.
    ///
    /// Guide: *Service Account Secret Tokens*.
    pub LegacyTokenReadable {
        code: "SA003",
        slug: "legacy-token-readable",
        severity: Severity::High,
        mechanism: Mechanism::ServiceAccountTokens,
        scope: Scope::Audit,
    }
}

/// Tokens listed as related objects of one finding, at most.
const MAX_RELATED: usize = 20;

/// What one binding lets its non-system subjects read.
struct Reach<'r> {
    binding: &'r Binding<'r>,
    subjects: Vec<String>,
    count: usize,
    sample: Vec<&'r Object>,
}

impl Check for LegacyTokenReadable {
    fn check(&self, cx: &Context<'_, '_>, out: &mut Findings) {
        let mut by_namespace: BTreeMap<String, Vec<&Object>> = BTreeMap::new();
        for (secret, account) in legacy_tokens(cx.inv) {
            let ns = account.as_service_account().map_or("default", |(ns, _)| ns).to_string();
            by_namespace.entry(ns).or_default().push(secret);
        }
        if by_namespace.is_empty() {
            return;
        }
        let rbac = cx.inv.rbac();
        let mut reaches: Vec<Reach<'_>> = Vec::new();
        let every_token: Vec<&Object> = by_namespace.values().flatten().copied().collect();
        collect(&mut reaches, rbac.who_can_cluster_wide(SECRET_READ_VERBS, "", "secrets"), &every_token);
        for (ns, tokens) in &by_namespace {
            collect(&mut reaches, rbac.who_can_in_namespace(SECRET_READ_VERBS, "", "secrets", ns), tokens);
        }
        for reach in reaches {
            let (severity, scope) = match &reach.binding.namespace {
                None => (Severity::Critical, "in every namespace".to_string()),
                Some(ns) => (Severity::High, format!("in namespace `{ns}`")),
            };
            let count = reach.count;
            let plural = if count == 1 { "" } else { "s" };
            let mut finding = self
                .finding(
                    reach.binding.object,
                    format!(
                        "{} can read secrets {scope} through `{}`, including {count} legacy service-account token{plural}",
                        reach.subjects.join(", "),
                        reach.binding.role_ref()
                    ),
                )
                .severity(severity)
                .evidence(Evidence::plain("roleRef.name", reach.binding.role_name.clone()));
            for token in &reach.sample {
                finding = finding.related(token.shared_ref());
            }
            out.push(finding);
        }
    }
}

/// Fold accesses into per-binding reaches, keeping non-system subjects and the tokens their
/// `resourceNames` (if any) include. A binding shows up in one call only (cluster-wide, or its
/// own namespace), and all its subjects share its role, so tokens are counted once per binding.
fn collect<'r>(reaches: &mut Vec<Reach<'r>>, accesses: Vec<Access<'r>>, tokens: &[&'r Object]) {
    let mut seen: HashMap<*const Binding<'r>, Option<usize>> = HashMap::new();
    let mut by_name: Option<HashMap<&str, Vec<&'r Object>>> = None;
    for access in accesses {
        let grant = access.grant;
        // Holders of a role that allows everything gain nothing from a token: other checks own them.
        if grant.subject.is_system() || grant.is_default() || grant.role.is_some_and(|r| r.allows_everything()) {
            continue;
        }
        let slot = *seen.entry(std::ptr::from_ref(grant.binding)).or_insert_with(|| {
            let (count, sample): (usize, Vec<&Object>) = match &access.names {
                Names::All => (tokens.len(), tokens.iter().copied().take(MAX_RELATED).collect()),
                Names::Only(names) => {
                    let index = by_name.get_or_insert_with(|| {
                        let mut index: HashMap<&str, Vec<&Object>> = HashMap::new();
                        for token in tokens {
                            index.entry(token.name()).or_default().push(token);
                        }
                        index
                    });
                    let readable: Vec<&Object> =
                        names.iter().filter_map(|n| index.get(n.as_str())).flatten().copied().collect();
                    (readable.len(), readable.into_iter().take(MAX_RELATED).collect())
                }
            };
            (count > 0).then(|| {
                reaches.push(Reach { binding: grant.binding, subjects: Vec::new(), count, sample });
                reaches.len() - 1
            })
        });
        if let Some(reach) = slot.and_then(|i| reaches.get_mut(i)) {
            let who = format!("`{}`", grant.subject);
            if !reach.subjects.contains(&who) {
                reach.subjects.push(who);
            }
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
               "metadata": {"name": name, "namespace": ns, "annotations": {"kubernetes.io/service-account.name": account}}})
    }

    fn role(name: &str, rule: Value) -> Value {
        json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", "metadata": {"name": name}, "rules": [rule]})
    }

    #[test]
    fn cluster_wide_is_critical_namespaced_is_high() {
        let (found, _) = run(
            &LegacyTokenReadable,
            vec![
                token("ci", "deployer-token", "deployer"),
                token("ci", "builder-token", "builder"),
                token("web", "app-token", "app"),
                role(
                    "secret-watcher",
                    json!({"apiGroups": ["*"], "resources": ["pods/log", "secrets"], "verbs": ["watch"]}),
                ),
                binding(
                    "ClusterRoleBinding",
                    None,
                    "watchers",
                    "secret-watcher",
                    json!([{"kind": "Group", "name": "manager"}, {"kind": "Group", "name": "dev"}]),
                ),
                binding("RoleBinding", Some("web"), "web-editors", "edit", json!([{"kind": "User", "name": "jane"}])),
                binding(
                    "RoleBinding",
                    Some("empty"),
                    "other-editors",
                    "edit",
                    json!([{"kind": "User", "name": "joe"}]),
                ),
            ],
        );
        assert_eq!(
            summary(&found),
            [
                (
                    "critical".into(),
                    "ClusterRoleBinding/watchers".into(),
                    "`Group/manager`, `Group/dev` can read secrets in every namespace through `ClusterRole/secret-watcher`, including 3 legacy service-account tokens"
                        .into()
                ),
                (
                    "high".into(),
                    "RoleBinding/web/web-editors".into(),
                    "`User/jane` can read secrets in namespace `web` through `ClusterRole/edit`, including 1 legacy service-account token"
                        .into()
                ),
            ]
        );
        assert_eq!(found[1].related[0].name, "app-token");
    }

    #[test]
    fn system_subjects_defaults_names_and_token_free_dumps_are_quiet() {
        let readers = vec![
            role(
                "named",
                json!({"apiGroups": [""], "resources": ["secrets"], "verbs": ["get"], "resourceNames": ["tls-cert"]}),
            ),
            binding("ClusterRoleBinding", None, "named", "named", json!([{"kind": "User", "name": "bob"}])),
            binding(
                "ClusterRoleBinding",
                None,
                "kcm",
                "system:kube-controller-manager",
                json!([{"kind": "User", "name": "system:kube-controller-manager"}]),
            ),
            binding(
                "ClusterRoleBinding",
                None,
                "kubeadm:cluster-admins",
                "cluster-admin",
                json!([{"kind": "Group", "name": "kubeadm:cluster-admins"}]),
            ),
            binding("ClusterRoleBinding", None, "bob-admin", "cluster-admin", json!([{"kind": "User", "name": "bob"}])),
            binding(
                "ClusterRoleBinding",
                None,
                "gc",
                "system:controller:generic-garbage-collector",
                json!([{"kind": "ServiceAccount", "name": "generic-garbage-collector", "namespace": "kube-system"}]),
            ),
        ];
        let (found, _) = run(&LegacyTokenReadable, readers.clone());
        assert!(found.is_empty(), "no legacy tokens, nothing to take");
        let mut with_token = readers;
        with_token.push(token("ci", "deployer-token", "deployer"));
        let (found, _) = run(&LegacyTokenReadable, with_token.clone());
        assert!(found.is_empty(), "{found:?}");
        // The same resourceNames grant reaching a token does fire.
        with_token.push(token("ci", "tls-cert", "deployer"));
        let (found, _) = run(&LegacyTokenReadable, with_token);
        assert_eq!(summary(&found).iter().map(|s| s.1.as_str()).collect::<Vec<_>>(), ["ClusterRoleBinding/named"]);
    }

    #[test]
    fn broad_groups_are_not_system() {
        let (found, _) = run(
            &LegacyTokenReadable,
            vec![
                token("ci", "deployer-token", "deployer"),
                binding(
                    "RoleBinding",
                    Some("ci"),
                    "all-sas",
                    "edit",
                    json!([{"kind": "Group", "name": "system:serviceaccounts:ci"}]),
                ),
            ],
        );
        assert_eq!(found.len(), 1);
        assert!(found[0].message.starts_with("`Group/system:serviceaccounts:ci`"));
    }
}
