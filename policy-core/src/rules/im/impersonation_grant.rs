use crate::inventory::rbac::{Binding, Names, Rbac, Role, Subject};
use crate::rule::prelude::*;
use crate::rules::tr::known_accounts;
use std::collections::{BTreeMap, BTreeSet};

declare_rule! {
    /// ## What it does
    /// Flags grants of `impersonate` on users, groups, service accounts or uids to people or
    /// applications rather than Kubernetes components, and says which identities they reach.
    /// It is critical when a grant is not restricted by `resourceNames`. Impersonating
    /// service accounts within one namespace, as Kubernetes' own `edit` and `admin` roles
    /// allow, is reported only where it reaches an account more privileged than the holder
    /// already is (or the accounts of `kube-system`). Roles that allow everything
    /// (`cluster-admin`) are left to the checks on who holds them. At admission time it judges
    /// the ClusterRole (or `kube-system` Role) being created.
    ///
    /// ## Why is this bad?
    /// An impersonation header turns any credential of the holder, of any mechanism, into
    /// whichever identity it names: a user, a group such as `system:masters`, or a service
    /// account. Authentication is then only as strong as the weakest credential of everyone
    /// who may impersonate, and the audit log shows the impersonated identity doing the work.
    ///
    /// ## Example
    /// ```yaml
    /// kind: ClusterRole
    /// rules:
    ///   - apiGroups: [""]
    ///     resources: ["users", "groups"]
    ///     verbs: ["impersonate"]
    /// ```
    ///
    /// ## How to fix
    /// Remove `impersonate` from the role, or restrict it with `resourceNames` to the few
    /// identities a support or CI tool must act as, bound only to that tool; never allow
    /// impersonating groups without names.
    ///
    /// Guide: *Authentication Mechanisms*.
    pub ImpersonationGrant {
        code: "IM001",
        slug: "impersonation-grant",
        severity: Severity::High,
        mechanism: Mechanism::General,
        scope: Scope::Admit,
        status: Preview("0.2.0"),
    }
}

/// What can be impersonated: API group, resource, and words for messages (one, many).
const TARGETS: [(&str, &str, &str, &str); 4] = [
    ("", "users", "user", "users"),
    ("", "groups", "group", "groups"),
    ("", "serviceaccounts", "service account", "service accounts"),
    ("authentication.k8s.io", "uids", "uid", "uids"),
];

/// One kind of identity a role lets its holder impersonate, and which of them.
struct Reach {
    resource: &'static str,
    one: &'static str,
    many: &'static str,
    names: Names,
}

impl Reach {
    /// `any group (`system:masters` included)`, `users `a`, `b``, …
    fn describe(&self, namespace: Option<&str>) -> String {
        match (&self.names, namespace) {
            (Names::All, Some(ns)) => format!("every {} in namespace `{ns}`", self.one),
            (Names::All, None) if self.resource == "groups" => "any group (`system:masters` included)".to_string(),
            (Names::All, None) => format!("any {}", self.one),
            (Names::Only(names), ns) => {
                let prefix = ns.map(|ns| format!("{ns}/")).unwrap_or_default();
                let list: Vec<String> = names.iter().map(|n| format!("`{prefix}{n}`")).collect();
                format!("{} {}", self.many, list.join(", "))
            }
        }
    }
}

/// What `role` lets its holder impersonate; through a RoleBinding (`namespaced`) only the
/// namespace's service accounts, as users, groups and uids are not namespaced.
fn reach(role: &Role<'_>, namespaced: bool) -> Vec<Reach> {
    TARGETS
        .iter()
        .filter(|(_, resource, ..)| !namespaced || *resource == "serviceaccounts")
        .filter_map(|&(group, resource, one, many)| {
            Some(Reach { resource, one, many, names: role.access(&["impersonate"], group, resource)? })
        })
        .collect()
}

fn severity_of(reach: &[Reach]) -> Severity {
    if reach.iter().any(|r| r.names == Names::All) { Severity::Critical } else { Severity::High }
}

fn describe_all(reach: &[Reach], namespace: Option<&str>) -> String {
    reach.iter().map(|r| r.describe(namespace)).collect::<Vec<_>>().join(", ")
}

impl Check for ImpersonationGrant {
    fn check(&self, cx: &Context<'_, '_>, out: &mut Findings) {
        if !cx.inv.has_rbac_objects() {
            return;
        }
        self.check_bindings(cx, out);
        if cx.mode == Scope::Admit {
            self.check_roles(cx, out);
        }
    }
}

impl ImpersonationGrant {
    /// Every binding that lets non-system subjects impersonate further than they already reach.
    fn check_bindings(&self, cx: &Context<'_, '_>, out: &mut Findings) {
        let rbac = cx.inv.rbac();
        let mut accounts: Option<BTreeMap<String, BTreeSet<String>>> = None;
        for binding in rbac.bindings() {
            let Some(role) = rbac.role_of(binding) else { continue };
            if role.allows_everything() {
                continue;
            }
            let reach = reach(role, binding.namespace.is_some());
            // Through a RoleBinding the only reach is the namespace's service accounts.
            let Some(first) = reach.first() else { continue };
            let subjects = binding.subjects.iter().filter(|s| !s.is_system() && !binding.is_default_for(s));
            let (who, suffix): (Vec<&Subject>, String) = match binding.namespace.as_deref() {
                None => (subjects.collect(), String::new()),
                Some("kube-system") => (subjects.collect(), ", including `kube-system` controllers".to_string()),
                Some(ns) => {
                    let known = accounts.get_or_insert_with(|| known_accounts(cx.inv));
                    let mut further = None;
                    let who = subjects
                        .filter(|s| match more_privileged_account(rbac, known, ns, &first.names, s) {
                            Some(account) => {
                                further.get_or_insert(account);
                                true
                            }
                            None => false,
                        })
                        .collect();
                    (who, further.map(|a| format!(", including more privileged `{ns}/{a}`")).unwrap_or_default())
                }
            };
            if who.is_empty() {
                continue;
            }
            out.push(self.binding_finding(binding, &who, &reach, &suffix));
        }
    }

    fn binding_finding(
        &self,
        binding: &Binding<'_>,
        who: &[&Subject],
        reach: &[Reach],
        suffix: &str,
    ) -> crate::report::Finding {
        let who: Vec<String> = who.iter().map(|s| format!("`{s}`")).collect();
        let targets = describe_all(reach, binding.namespace.as_deref());
        self.finding(
            binding.object,
            format!("{} can impersonate {targets} through `{}`{suffix}", who.join(", "), binding.role_ref()),
        )
        .severity(severity_of(reach))
        .evidence(Evidence::plain("roleRef.name", binding.role_name.clone()))
    }

    /// Admission: a ClusterRole, or a Role of `kube-system`, that allows impersonation (the
    /// defaults aside). Elsewhere a Role's reach depends on bindings the request does not show.
    fn check_roles(&self, cx: &Context<'_, '_>, out: &mut Findings) {
        for role in cx.inv.rbac().roles() {
            let Some(object) = role.object else { continue };
            let judged = role.namespace.is_none() || role.namespace.as_deref() == Some("kube-system");
            if role.default || !judged || role.allows_everything() {
                continue;
            }
            let reach = reach(role, role.namespace.is_some());
            if reach.is_empty() {
                continue;
            }
            let targets = describe_all(&reach, role.namespace.as_deref());
            out.push(
                self.finding(object, format!("`{}` lets its holders impersonate {targets}", role.display()))
                    .severity(severity_of(&reach)),
            );
        }
    }
}

/// A service account of `namespace` within `names` that holds more than `subject` already does.
fn more_privileged_account(
    rbac: &Rbac<'_>,
    known: &BTreeMap<String, BTreeSet<String>>,
    namespace: &str,
    names: &Names,
    subject: &Subject,
) -> Option<String> {
    let worst = |s: &Subject| rbac.top_privileges(s, 1).first().map(|(p, _)| *p);
    let own = worst(subject);
    known
        .get(namespace)
        .into_iter()
        .flatten()
        .filter(|sa| names.includes(sa))
        .find(|sa| worst(&Subject::service_account(namespace, sa.as_str())) > own)
        .cloned()
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

    fn user(name: &str) -> Value {
        json!([{"kind": "User", "name": name}])
    }

    #[test]
    fn cluster_wide_impersonation_names_what_it_reaches() {
        let (found, _) = run(
            &ImpersonationGrant,
            vec![
                cluster_role(
                    "impersonator",
                    json!([{"apiGroups": [""], "resources": ["users", "groups"], "verbs": ["impersonate"]}]),
                ),
                cluster_role(
                    "support",
                    json!([{"apiGroups": [""], "resources": ["users"], "verbs": ["impersonate"], "resourceNames": ["alice", "bob"]},
                           {"apiGroups": ["authentication.k8s.io"], "resources": ["uids"], "verbs": ["impersonate"], "resourceNames": ["42"]}]),
                ),
                binding("ClusterRoleBinding", None, "ops", "impersonator", user("carol")),
                binding(
                    "ClusterRoleBinding",
                    None,
                    "helpdesk",
                    "support",
                    json!([{"kind": "Group", "name": "helpdesk"}]),
                ),
                binding("ClusterRoleBinding", None, "everywhere-edit", "edit", user("dave")),
                binding("ClusterRoleBinding", None, "admins", "cluster-admin", user("root")),
                binding("ClusterRoleBinding", None, "kcm", "impersonator", user("system:kube-controller-manager")),
            ],
        );
        assert_eq!(
            summary(&found),
            [
                (
                    "critical".into(),
                    "ClusterRoleBinding/ops".into(),
                    "`User/carol` can impersonate any user, any group (`system:masters` included) through `ClusterRole/impersonator`"
                        .into()
                ),
                (
                    "high".into(),
                    "ClusterRoleBinding/helpdesk".into(),
                    "`Group/helpdesk` can impersonate users `alice`, `bob`, uids `42` through `ClusterRole/support`".into()
                ),
                (
                    "critical".into(),
                    "ClusterRoleBinding/everywhere-edit".into(),
                    "`User/dave` can impersonate any service account through `ClusterRole/edit`".into()
                ),
            ]
        );
    }

    #[test]
    fn namespaced_edit_is_a_finding_only_where_it_reaches_further() {
        let deployer_admin = binding(
            "ClusterRoleBinding",
            None,
            "deployer-admin",
            "cluster-admin",
            json!([{"kind": "ServiceAccount", "name": "deployer", "namespace": "ci"}]),
        );
        let (found, _) = run(
            &ImpersonationGrant,
            vec![
                deployer_admin,
                binding("RoleBinding", Some("ci"), "ci-edit", "edit", user("jane")),
                binding("RoleBinding", Some("web"), "web-edit", "edit", json!([{"kind": "Group", "name": "web-devs"}])),
                binding("RoleBinding", Some("ci"), "root-edit", "edit", user("root")),
                binding("ClusterRoleBinding", None, "root", "cluster-admin", user("root")),
                binding("RoleBinding", Some("kube-system"), "ks-admin", "admin", user("ops")),
                binding("RoleBinding", Some("ci"), "ci-users", "impersonator", user("mallory")),
                cluster_role(
                    "impersonator",
                    json!([{"apiGroups": [""], "resources": ["users"], "verbs": ["impersonate"]}]),
                ),
            ],
        );
        assert_eq!(
            summary(&found),
            [
                (
                    "critical".into(),
                    "RoleBinding/ci/ci-edit".into(),
                    "`User/jane` can impersonate every service account in namespace `ci` through `ClusterRole/edit`, including more privileged `ci/deployer`"
                        .into()
                ),
                (
                    "critical".into(),
                    "RoleBinding/kube-system/ks-admin".into(),
                    "`User/ops` can impersonate every service account in namespace `kube-system` through `ClusterRole/admin`, including `kube-system` controllers"
                        .into()
                ),
            ]
        );
    }

    #[test]
    fn at_admission_the_role_itself_is_judged() {
        let settings =
            crate::settings::Settings { select: vec!["IM001".into()], ..crate::settings::Settings::default() };
        let admit = |object: Value| {
            let request = json!({"operation": "CREATE", "object": object});
            crate::engine::admit(&request.into(), &settings, &crate::engine::AdmitSettings::default()).unwrap()
        };
        let groups = admit(cluster_role(
            "g",
            json!([{"apiGroups": [""], "resources": ["groups"], "verbs": ["impersonate"], "resourceNames": ["ops"]}]),
        ));
        assert_eq!(groups.findings.len(), 1);
        assert_eq!(groups.findings[0].severity, Severity::High);
        assert_eq!(groups.findings[0].message, "`ClusterRole/g` lets its holders impersonate groups `ops`");
        let default_edit = json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
            "metadata": {"name": "system:aggregate-to-edit", "labels": {"kubernetes.io/bootstrapping": "rbac-defaults"}},
            "rules": [{"apiGroups": [""], "resources": ["serviceaccounts"], "verbs": ["impersonate"]}]});
        assert!(admit(default_edit).findings.is_empty());
        let namespaced = binding("RoleBinding", Some("web"), "b", "edit", user("x"));
        assert!(admit(namespaced).findings.is_empty(), "a namespaced edit binding alone reaches nothing more");
    }
}
