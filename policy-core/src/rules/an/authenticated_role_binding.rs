use crate::inventory::rbac::{DISCOVERY_URLS, PolicyRule, Role, Subject, SubjectKind};
use crate::rule::prelude::*;

declare_rule! {
    /// ## What it does
    /// Flags a RoleBinding or ClusterRoleBinding that grants a role to `system:authenticated`,
    /// `system:serviceaccounts` or `system:serviceaccounts:<namespace>` beyond what Kubernetes
    /// gives them by default: discovery, `system:basic-user` (self reviews) and
    /// `system:public-info-viewer`. It is critical when the role can read Secrets, holds a
    /// wildcard, or is admin-equivalent. The role is judged by what it allows, so a default
    /// role that was edited is still caught. A role that only lets everyone `get` objects it
    /// names (not Secrets), as Tekton publishes its version in one ConfigMap, is information
    /// published on purpose: info.
    ///
    /// ## Why is this bad?
    /// These groups are added by the API server, not by anyone who manages users: every
    /// identity of every enabled mechanism carries them. Any service-account token of any
    /// Pod, a bootstrap token, an OIDC user or a forgotten client certificate then holds the
    /// role, and no one can be removed from the group.
    ///
    /// ## Example
    /// ```yaml
    /// kind: ClusterRoleBinding
    /// roleRef: {kind: ClusterRole, name: view}
    /// subjects:
    ///   - kind: Group
    ///     name: system:authenticated
    /// ```
    ///
    /// ## How to fix
    /// Bind the role to the groups or service accounts that need it instead of to everyone who can
    /// authenticate; leave these groups with the Kubernetes defaults only.
    ///
    /// No fix to copy: removing the group takes the grant from every user and workload that relies
    /// on it, so the bindings that replace it must come first.
    ///
    /// Guide: *Authentication Mechanisms*.
    pub AuthenticatedRoleBinding {
        code: "AN004",
        slug: "authenticated-role-binding",
        severity: Severity::High,
        mechanism: Mechanism::Anonymous,
        scope: Scope::Admit,
        status: Stable("0.2.0"),
    }
}

/// Whether a subject is one of the groups the API server adds to every authenticated identity
/// (or to every service account, or every service account of a namespace).
fn is_everyone_authenticated(subject: &Subject) -> bool {
    subject.kind == SubjectKind::Group
        && (subject.name == "system:authenticated"
            || subject.name == "system:serviceaccounts"
            || subject.name.starts_with("system:serviceaccounts:"))
}

/// Service-account issuer discovery (`system:service-account-issuer-discovery`), which
/// Kubernetes also grants every authenticated identity besides [`DISCOVERY_URLS`].
const ISSUER_DISCOVERY_URLS: &[&str] = &["/.well-known/openid-configuration", "/openid/v1/jwks"];
const SELF_REVIEWS: &[(&str, &str)] = &[
    ("authorization.k8s.io", "selfsubjectaccessreviews"),
    ("authorization.k8s.io", "selfsubjectrulesreviews"),
    ("authentication.k8s.io", "selfsubjectreviews"),
];

fn within_defaults(rule: &PolicyRule) -> bool {
    let only = |list: &[String], allowed: &[&str]| list.iter().all(|x| allowed.contains(&x.as_str()));
    let urls_ok = rule
        .non_resource_urls
        .iter()
        .all(|u| DISCOVERY_URLS.contains(&u.as_str()) || ISSUER_DISCOVERY_URLS.contains(&u.as_str()))
        && (rule.non_resource_urls.is_empty() || only(&rule.verbs, &["get"]));
    let resources_ok = rule.resources.is_empty()
        || (only(&rule.verbs, &["create"])
            && rule
                .api_groups
                .iter()
                .all(|g| rule.resources.iter().all(|r| SELF_REVIEWS.contains(&(g.as_str(), r.as_str())))));
    urls_ok && resources_ok
}

/// Whether a role allows no more than Kubernetes gives every authenticated identity anyway
/// (`system:discovery`, `system:basic-user`, `system:public-info-viewer`,
/// `system:service-account-issuer-discovery`). Binding such a role to anyone adds nothing.
pub(crate) fn adds_nothing_to_authenticated(role: &Role<'_>) -> bool {
    role.rules.iter().all(|rule| within_defaults(rule))
}

/// Whether a role only lets its holders `get` objects it names (`resourceNames`) other than
/// Secrets: publishing a version or a CA bundle to every identity, not granting access.
fn only_reads_named_objects(role: &Role<'_>) -> bool {
    !role.rules.is_empty()
        && role.rules.iter().all(|rule| {
            rule.non_resource_urls.is_empty()
                && !rule.resource_names.is_empty()
                && !rule.has_wildcard()
                && rule.verbs.iter().all(|v| v == "get")
                && rule.resources.iter().all(|r| r != "secrets")
        })
}

impl Check for AuthenticatedRoleBinding {
    fn check(&self, cx: &Context<'_, '_>, out: &mut Findings) {
        if !cx.inv.has_rbac_objects() {
            return;
        }
        let rbac = cx.inv.rbac();
        for binding in rbac.bindings() {
            let everyone: Vec<(usize, &Subject)> =
                binding.subjects.iter().enumerate().filter(|(_, s)| is_everyone_authenticated(s)).collect();
            if everyone.is_empty() {
                continue;
            }
            let role = rbac.role_of(binding);
            if role.is_some_and(adds_nothing_to_authenticated) {
                continue;
            }
            let place = match &binding.namespace {
                Some(ns) => format!(" in namespace `{ns}`"),
                None => String::new(),
            };
            let mut finding = super::population_grant(self, binding, role, &everyone, &place);
            if role.is_some_and(only_reads_named_objects) {
                // Like kubeadm's `cluster-info` for anonymous users: information published to
                // everyone on purpose (Tekton's `pipelines-info` version ConfigMap).
                finding.message.push_str(": only named objects to read (published information)");
                finding = finding.severity(Severity::Info);
            }
            out.push(finding);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::test_support::{self, run, summary};
    use serde_json::{Value, json};

    /// A binding of ClusterRole `role` to one group.
    fn binding(kind: &str, ns: Option<&str>, name: &str, role: &str, group: &str) -> Value {
        test_support::binding(kind, ns, name, role, json!([{"kind": "Group", "name": group}]))
    }

    #[test]
    fn severity_follows_what_the_role_allows() {
        let (found, _) = run(
            &AuthenticatedRoleBinding,
            vec![
                binding("ClusterRoleBinding", None, "all-admin", "cluster-admin", "system:authenticated"),
                binding("ClusterRoleBinding", None, "sa-view", "view", "system:serviceaccounts"),
                binding("RoleBinding", Some("ci"), "ci-edit", "edit", "system:serviceaccounts:ci"),
                binding("ClusterRoleBinding", None, "custom", "mystery", "system:authenticated"),
                binding("ClusterRoleBinding", None, "devs", "cluster-admin", "devs"),
            ],
        );
        assert_eq!(
            summary(&found),
            [
                (
                    "critical".into(),
                    "ClusterRoleBinding/all-admin".into(),
                    "`Group/system:authenticated` holds `ClusterRole/cluster-admin`, which is admin-equivalent".into()
                ),
                (
                    "high".into(),
                    "ClusterRoleBinding/sa-view".into(),
                    "`Group/system:serviceaccounts` holds `ClusterRole/view`".into()
                ),
                (
                    "high".into(),
                    "ClusterRoleBinding/custom".into(),
                    "`Group/system:authenticated` holds `ClusterRole/mystery` (role not in the input)".into()
                ),
                (
                    "critical".into(),
                    "RoleBinding/ci/ci-edit".into(),
                    "`Group/system:serviceaccounts:ci` holds `ClusterRole/edit` in namespace `ci`, which can read secrets"
                        .into()
                ),
            ]
        );
    }

    #[test]
    fn kubernetes_defaults_are_quiet_unless_tampered_with() {
        let defaults = vec![
            binding("ClusterRoleBinding", None, "system:discovery", "system:discovery", "system:authenticated"),
            binding("ClusterRoleBinding", None, "system:basic-user", "system:basic-user", "system:authenticated"),
            binding(
                "ClusterRoleBinding",
                None,
                "system:public-info-viewer",
                "system:public-info-viewer",
                "system:authenticated",
            ),
            binding(
                "ClusterRoleBinding",
                None,
                "system:service-account-issuer-discovery",
                "system:service-account-issuer-discovery",
                "system:serviceaccounts",
            ),
        ];
        let (found, _) = run(&AuthenticatedRoleBinding, defaults.clone());
        assert!(found.is_empty(), "{found:?}");
        let mut tampered = defaults;
        tampered.push(json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
            "metadata": {"name": "system:basic-user"},
            "rules": [{"apiGroups": ["authorization.k8s.io"], "resources": ["selfsubjectaccessreviews"], "verbs": ["create"]},
                      {"apiGroups": [""], "resources": ["pods"], "verbs": ["create"]}]}));
        let (found, _) = run(&AuthenticatedRoleBinding, tampered);
        assert_eq!(summary(&found).len(), 1);
        assert_eq!(found[0].object.name, "system:basic-user");
    }

    #[test]
    fn at_admission_the_binding_alone_is_judged_from_its_role_name() {
        let settings =
            crate::settings::Settings { select: vec!["AN004".into()], ..crate::settings::Settings::default() };
        let admit = |role: &str| {
            let request = json!({"operation": "CREATE",
                "object": binding("ClusterRoleBinding", None, "b", role, "system:authenticated")});
            crate::engine::admit(&request.into(), &settings, &crate::engine::AdmitSettings::default()).unwrap()
        };
        assert_eq!(admit("edit").findings[0].severity, Severity::Critical);
        assert!(admit("system:discovery").allowed);
        assert!(admit("system:discovery").findings.is_empty());
    }
}
