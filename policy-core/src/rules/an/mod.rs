//! AN: anonymous access (kube-apiserver `--anonymous-auth`, bindings to anonymous subjects, kubelets).

mod anonymous_auth_enabled;
pub(crate) use anonymous_auth_enabled::AnonymousAuthEnabled;
mod anonymous_role_binding;
pub(crate) use anonymous_role_binding::AnonymousRoleBinding;
mod authenticated_role_binding;
pub(crate) use authenticated_role_binding::{AuthenticatedRoleBinding, adds_nothing_to_authenticated};
mod weak_kubelet_authentication;
pub(crate) use weak_kubelet_authentication::WeakKubeletAuthentication;

use crate::inventory::rbac::{Binding, Role, Subject};
use crate::report::Finding;
use crate::rule::prelude::*;

/// The finding AN002 and AN004 share: `binding` hands `role` to `subjects` (with their index in
/// the binding), groups that stand for a whole population. Critical when the role can read
/// Secrets, holds a wildcard or is admin-equivalent; `place` says where a RoleBinding grants it.
pub(crate) fn population_grant<R: Meta>(
    rule: &R,
    binding: &Binding<'_>,
    role: Option<&Role<'_>>,
    subjects: &[(usize, &Subject)],
    place: &str,
) -> Finding {
    let (severity, why) = match role {
        Some(role) => match role.privilege() {
            Some(privilege) => (Severity::Critical, format!(", which {}", privilege.describe())),
            None => (Severity::High, String::new()),
        },
        None => (Severity::High, " (role not in the input)".to_string()),
    };
    let who: Vec<String> = subjects.iter().map(|(_, s)| format!("`{s}`")).collect();
    let mut finding = rule
        .finding(binding.object, format!("{} holds `{}`{place}{why}", who.join(", "), binding.role_ref()))
        .severity(severity)
        .evidence(Evidence::plain("roleRef.name", binding.role_name.clone()));
    for (i, subject) in subjects {
        finding = finding.evidence(Evidence::plain(format!("subjects[{i}].name"), subject.name.clone()));
    }
    if let Some(object) = role.and_then(|r| r.object) {
        finding = finding.related(object.shared_ref());
    }
    finding
}
