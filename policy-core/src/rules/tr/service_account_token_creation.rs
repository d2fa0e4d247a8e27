use crate::inventory::rbac::{Names, Subject};
use crate::rule::prelude::*;
use std::collections::{BTreeMap, BTreeSet};

declare_rule! {
    /// ## What it does
    /// Flags grants of `create` on `serviceaccounts/token` (the TokenRequest API) to people or
    /// applications rather than Kubernetes components. It is high when a service account the
    /// grant reaches is privileged, or when it reaches every namespace (and so the controllers
    /// of `kube-system`). At admission time, where no binding is visible, it judges the Role or
    /// ClusterRole being created. Roles that allow everything (`cluster-admin`) are left to the
    /// checks on who holds them: minting tokens adds nothing to them.
    ///
    /// ## Why is this bad?
    /// Whoever may create tokens for a service account can become it, with a token that lives
    /// as long as they ask (up to the server's maximum) and that nothing can revoke before it
    /// expires. It is impersonation that leaves a bearer credential behind.
    ///
    /// ## Example
    /// ```yaml
    /// kind: ClusterRole
    /// rules:
    ///   - apiGroups: [""]
    ///     resources: ["serviceaccounts/token"]
    ///     verbs: ["create"]
    /// ```
    ///
    /// ## How to fix
    /// Grant `serviceaccounts/token` only in the namespace that needs it and limit it with
    /// `resourceNames` to the service accounts concerned; never grant it cluster-wide.
    ///
    /// Guide: *TokenRequest API*.
    pub ServiceAccountTokenCreation {
        code: "TR003",
        slug: "service-account-token-creation",
        severity: Severity::Medium,
        mechanism: Mechanism::TokenRequest,
        scope: Scope::Admit,
    }
}

impl Check for ServiceAccountTokenCreation {
    fn check(&self, cx: &Context<'_, '_>, out: &mut Findings) {
        if cx.mode == Scope::Admit {
            self.check_roles(cx, out);
        } else {
            self.check_bindings(cx, out);
        }
    }
}

impl ServiceAccountTokenCreation {
    /// Admission: a Role or ClusterRole that mints tokens (the defaults aside).
    fn check_roles(&self, cx: &Context<'_, '_>, out: &mut Findings) {
        if !cx.inv.has_rbac_objects() {
            return;
        }
        for role in cx.inv.rbac().roles() {
            let Some(object) = role.object else { continue };
            if role.default {
                continue;
            }
            let Some(names) = role.token_minting() else { continue };
            let in_kube_system = role.namespace.as_deref() == Some("kube-system");
            let severity = if in_kube_system { Severity::High } else { Severity::Medium };
            let target = match &names {
                Names::All => "any service account".to_string(),
                Names::Only(names) => names.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", "),
            };
            let place = match &role.namespace {
                Some(ns) => format!(" in namespace `{ns}`"),
                None => String::new(),
            };
            out.push(
                self.finding(object, format!("`{}` lets its holders mint tokens for {target}{place}", role.display()))
                    .severity(severity),
            );
        }
    }

    /// Audit: every binding that hands token minting to non-system subjects.
    fn check_bindings(&self, cx: &Context<'_, '_>, out: &mut Findings) {
        let rbac = cx.inv.rbac();
        let mut accounts: Option<BTreeMap<String, BTreeSet<String>>> = None;
        for binding in rbac.bindings() {
            let Some(role) = rbac.role_of(binding) else { continue };
            if role.allows_everything() {
                continue;
            }
            let Some(names) = role.token_minting() else { continue };
            let who: Vec<String> = binding
                .subjects
                .iter()
                .filter(|s| !s.is_system() && !binding.is_default_for(s))
                .map(|s| format!("`{s}`"))
                .collect();
            if who.is_empty() {
                continue;
            }
            let (target, privileged) = match &binding.namespace {
                None => {
                    ("service accounts in every namespace".to_string(), Some("including `kube-system`".to_string()))
                }
                Some(ns) => {
                    let known = accounts.get_or_insert_with(|| known_accounts(cx.inv));
                    let target = match &names {
                        Names::All => format!("every service account in namespace `{ns}`"),
                        Names::Only(only) => {
                            let list: Vec<String> = only.iter().map(|n| format!("`{ns}/{n}`")).collect();
                            list.join(", ")
                        }
                    };
                    let privileged = if ns == "kube-system" {
                        Some("including `kube-system` controllers".to_string())
                    } else {
                        known.get(ns).into_iter().flatten().filter(|sa| names.includes(sa)).find_map(|sa| {
                            rbac.is_privileged(&Subject::service_account(ns.clone(), sa.clone()))
                                .then(|| format!("including privileged `{ns}/{sa}`"))
                        })
                    };
                    (target, privileged)
                }
            };
            let (severity, suffix) = match privileged {
                Some(why) => (Severity::High, format!(", {why}")),
                None => (Severity::Medium, String::new()),
            };
            out.push(
                self.finding(
                    binding.object,
                    format!("{} can mint tokens for {target} through `{}`{suffix}", who.join(", "), binding.role_ref()),
                )
                .severity(severity)
                .evidence(Evidence::plain("roleRef.name", binding.role_name.clone())),
            );
        }
    }
}

/// Service accounts the dump names, by namespace: ServiceAccount objects, binding subjects and
/// legacy token owners.
pub(crate) fn known_accounts(inv: &Inventory<'_>) -> BTreeMap<String, BTreeSet<String>> {
    let mut known: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for sa in inv.of_kind("ServiceAccount") {
        known.entry(sa.namespace().unwrap_or("default").to_string()).or_default().insert(sa.name().to_string());
    }
    for binding in inv.rbac().bindings() {
        for subject in &binding.subjects {
            if let Some((ns, name)) = subject.as_service_account() {
                known.entry(ns.to_string()).or_default().insert(name.to_string());
            }
        }
    }
    known
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing, reason = "tests")]
    use super::*;
    use crate::rules::test_support::{run, summary};
    use serde_json::{Value, json};

    fn minting(kind: &str, ns: Option<&str>, name: &str, names: Option<Value>) -> Value {
        let mut rule = json!({"apiGroups": [""], "resources": ["serviceaccounts/token"], "verbs": ["create"]});
        if let Some(names) = names {
            rule["resourceNames"] = names;
        }
        let mut meta = json!({"name": name});
        if let Some(ns) = ns {
            meta["namespace"] = json!(ns);
        }
        json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": kind, "metadata": meta, "rules": [rule]})
    }

    fn binding(kind: &str, ns: Option<&str>, name: &str, role_kind: &str, role: &str, subjects: Value) -> Value {
        let mut meta = json!({"name": name});
        if let Some(ns) = ns {
            meta["namespace"] = json!(ns);
        }
        json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": kind, "metadata": meta,
               "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": role_kind, "name": role}, "subjects": subjects})
    }

    #[test]
    fn bindings_are_judged_by_reach() {
        let (found, _) = run(
            &ServiceAccountTokenCreation,
            vec![
                minting("ClusterRole", None, "token-minter", None),
                minting("Role", Some("ci"), "ci-minter", Some(json!(["builder"]))),
                binding(
                    "ClusterRoleBinding",
                    None,
                    "everywhere",
                    "ClusterRole",
                    "token-minter",
                    json!([{"kind": "User", "name": "bob"}]),
                ),
                binding(
                    "RoleBinding",
                    Some("ci"),
                    "ci-builder",
                    "Role",
                    "ci-minter",
                    json!([{"kind": "User", "name": "jane"}]),
                ),
                binding(
                    "RoleBinding",
                    Some("ci"),
                    "ci-any",
                    "ClusterRole",
                    "token-minter",
                    json!([{"kind": "User", "name": "joe"}]),
                ),
                binding(
                    "ClusterRoleBinding",
                    None,
                    "deployer-admin",
                    "ClusterRole",
                    "cluster-admin",
                    json!([{"kind": "ServiceAccount", "name": "deployer", "namespace": "ci"}]),
                ),
                binding(
                    "ClusterRoleBinding",
                    None,
                    "kcm",
                    "ClusterRole",
                    "system:kube-controller-manager",
                    json!([{"kind": "User", "name": "system:kube-controller-manager"}]),
                ),
                binding(
                    "RoleBinding",
                    Some("web"),
                    "web-edit",
                    "ClusterRole",
                    "edit",
                    json!([{"kind": "Group", "name": "web-devs"}]),
                ),
            ],
        );
        assert_eq!(
            summary(&found),
            [
                (
                    "high".into(),
                    "ClusterRoleBinding/everywhere".into(),
                    "`User/bob` can mint tokens for service accounts in every namespace through `ClusterRole/token-minter`, including `kube-system`"
                        .into()
                ),
                (
                    "medium".into(),
                    "RoleBinding/ci/ci-builder".into(),
                    "`User/jane` can mint tokens for `ci/builder` through `Role/ci-minter`".into()
                ),
                (
                    "high".into(),
                    "RoleBinding/ci/ci-any".into(),
                    "`User/joe` can mint tokens for every service account in namespace `ci` through `ClusterRole/token-minter`, including privileged `ci/deployer`"
                        .into()
                ),
                (
                    "medium".into(),
                    "RoleBinding/web/web-edit".into(),
                    "`Group/web-devs` can mint tokens for every service account in namespace `web` through `ClusterRole/edit`".into()
                ),
            ]
        );
    }

    #[test]
    fn at_admission_the_role_itself_is_judged() {
        let settings =
            crate::settings::Settings { select: vec!["TR003".into()], ..crate::settings::Settings::default() };
        let admit = |object: Value| {
            let request = json!({"operation": "CREATE", "object": object});
            crate::engine::admit(&request.into(), &settings, &crate::engine::AdmitSettings::default()).unwrap()
        };
        let cluster = admit(minting("ClusterRole", None, "token-minter", None));
        assert_eq!(cluster.findings.len(), 1);
        assert_eq!(cluster.findings[0].severity, Severity::Medium);
        assert_eq!(
            cluster.findings[0].message,
            "`ClusterRole/token-minter` lets its holders mint tokens for any service account"
        );
        let kube_system = admit(minting("Role", Some("kube-system"), "m", Some(json!(["a"]))));
        assert_eq!(kube_system.findings[0].severity, Severity::High);
        assert_eq!(
            kube_system.findings[0].message,
            "`Role/kube-system/m` lets its holders mint tokens for `a` in namespace `kube-system`"
        );
        let default_edit = json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
            "metadata": {"name": "system:aggregate-to-edit", "labels": {"kubernetes.io/bootstrapping": "rbac-defaults"}},
            "rules": [{"apiGroups": [""], "resources": ["serviceaccounts/token"], "verbs": ["create"]}]});
        assert!(admit(default_edit).findings.is_empty());
        let binding_only =
            binding("ClusterRoleBinding", None, "b", "ClusterRole", "edit", json!([{"kind": "User", "name": "x"}]));
        assert!(admit(binding_only).findings.is_empty());
    }
}
