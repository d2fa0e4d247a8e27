use crate::rule::prelude::*;
use crate::rules::ul::{LOG_HINT, is_system_user, source, user_ref, when_and_where, with_span};

declare_rule! {
    /// ## What it does
    /// Flags people and other non-system identities that the audit log shows impersonating
    /// another user (`impersonatedUser` set on their requests).
    ///
    /// ## Why is this bad?
    /// Impersonation lets one credential act as any identity it is allowed to name, up to
    /// `system:masters`, and the authorization checks then apply to the impersonated user. Used
    /// by a person, it turns their credential into everyone's, and the log's own `user` field no
    /// longer says who acted.
    ///
    /// ## Example
    /// An audit event with `"user": {"username": "alice"}` and `"impersonatedUser":
    /// {"username": "system:admin"}`.
    ///
    /// ## How to fix
    /// Remove the `impersonate` permission from the person's roles, or restrict it with
    /// `resourceNames` to the identities they must test as; grant the access they need directly.
    ///
    /// Guide: *Authentication Mechanisms*.
    pub ImpersonationByUsers {
        code: "UL008",
        slug: "impersonation-by-users",
        severity: Severity::High,
        mechanism: Mechanism::General,
        scope: Scope::Audit,
        status: Preview("0.2.0"),
    }
}

impl Check for ImpersonationByUsers {
    fn check(&self, cx: &Context<'_, '_>, out: &mut Findings) {
        let log = &cx.inv.audit;
        if !log.is_given() {
            return out.not_assessable(self, "no audit log given", &LOG_HINT);
        }
        for identity in log.identities() {
            if identity.impersonations == 0 || is_system_user(&identity.username, &identity.groups) {
                continue;
            }
            let targets: Vec<String> = identity.impersonated.iter().map(|t| format!("`{t}`")).collect();
            let message = format!(
                "`{}` impersonated {} in {} request(s) ({})",
                identity.username,
                targets.join(", "),
                identity.impersonations,
                when_and_where(identity)
            );
            let span = identity.spans.impersonation.as_ref();
            let at = span.map_or_else(|| source(identity), |(first, _)| first.source.clone());
            let finding = self.finding_at(user_ref(&identity.username), at, message);
            out.push(with_span(finding, identity, span, None));
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing, reason = "tests")]
    use super::*;
    use crate::rules::ul::test_support::{event, run};

    #[test]
    fn fires_on_non_system_impersonators_only() {
        let as_admin = |user: &str| {
            event(user, "", "get", "/api/v1/secrets", 200, "2025-11-01T10:00:00Z")
                .replace(r#""sourceIPs""#, r#""impersonatedUser":{"username":"system:admin"},"sourceIPs""#)
        };
        let (found, _) = run(
            &ImpersonationByUsers,
            vec![],
            &[as_admin("alice"), as_admin("system:serviceaccount:kube-system:proxy")],
        );
        assert_eq!(found.len(), 1);
        assert!(
            found[0].message.starts_with("`alice` impersonated `system:admin` in 1 request(s)"),
            "{}",
            found[0].message
        );
        let (found, _) =
            run(&ImpersonationByUsers, vec![], &[event("alice", "", "get", "/api", 200, "2025-11-01T10:00:00Z")]);
        assert!(found.is_empty());
    }
}
