use crate::rule::prelude::*;
use crate::rules::ul::{LOG_HINT, user_ref, with_span};

declare_rule! {
    /// ## What it does
    /// Flags a bootstrap token (`system:bootstrap:<token-id>` user) that the audit log shows
    /// doing anything but node bootstrapping: discovery and creating and reading its own
    /// certificate signing requests.
    ///
    /// ## Why is this bad?
    /// A bootstrap token exists to let a new kubelet ask for its certificate, and it is often
    /// shared by every node joined with it. When it reads or changes anything else, either its
    /// groups grant too much or someone has taken it for another purpose; either way a
    /// long-lived shared secret has become a working credential.
    ///
    /// ## Example
    /// An audit event with `"user": {"username": "system:bootstrap:abcdef"}`, `"requestURI":
    /// "/api/v1/namespaces/kube-system/secrets"` and `"responseStatus": {"code": 200}`.
    ///
    /// ## How to fix
    /// Delete the token Secret (`kubeadm token delete <id>`), bind `system:bootstrappers` only
    /// to the node-bootstrapper and CSR auto-approval roles, and give the other client a
    /// credential of its own.
    ///
    /// Guide: *Bootstrap Tokens*.
    pub BootstrapTokenMisused {
        code: "UL004",
        slug: "bootstrap-token-misused",
        severity: Severity::High,
        mechanism: Mechanism::BootstrapTokens,
        scope: Scope::Audit,
        status: Preview("0.2.0"),
    }
}

impl Check for BootstrapTokenMisused {
    fn check(&self, cx: &Context<'_, '_>, out: &mut Findings) {
        let inv = cx.inv;
        if !inv.audit.is_given() {
            return out.not_assessable(self, "no audit log given", &LOG_HINT);
        }
        for identity in inv.audit.identities() {
            let Some(id) = identity.username.strip_prefix("system:bootstrap:") else { continue };
            let Some(first) = &identity.out_of_scope else { continue };
            let message = format!(
                "bootstrap token `{id}` made {} successful request(s) beyond node bootstrapping; the first {} at {}",
                identity.out_of_scope_requests, first.what, first.seen.at
            );
            let object = inv
                .get("Secret", "kube-system", &format!("bootstrap-token-{id}"))
                .map_or_else(|| user_ref(&identity.username), Object::object_ref);
            let finding = self.finding_at(object, first.seen.source.clone(), message);
            out.push(with_span(
                finding,
                identity,
                identity.spans.out_of_scope.as_ref(),
                Some(&identity.spans.out_of_scope_sources),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing, reason = "tests")]
    use super::*;
    use crate::rules::ul::test_support::{event, on, run};

    #[test]
    fn fires_beyond_bootstrapping_only() {
        let user = "system:bootstrap:abcdef";
        let csr = on(
            &event(
                user,
                "",
                "create",
                "/apis/certificates.k8s.io/v1/certificatesigningrequests",
                201,
                "2025-11-01T10:00:00Z",
            ),
            r#"{"resource":"certificatesigningrequests","apiGroup":"certificates.k8s.io","apiVersion":"v1"}"#,
        );
        let discovery = event(user, "", "get", "/apis", 200, "2025-11-01T10:00:00Z");
        let (found, _) = run(&BootstrapTokenMisused, vec![], &[discovery.clone(), csr.clone()]);
        assert!(found.is_empty());
        let secrets = on(
            &event(user, "", "list", "/api/v1/namespaces/kube-system/secrets", 200, "2025-11-01T10:05:00Z"),
            r#"{"resource":"secrets","namespace":"kube-system","apiVersion":"v1"}"#,
        );
        let (found, _) = run(&BootstrapTokenMisused, vec![], &[discovery, csr, secrets]);
        assert_eq!(found.len(), 1);
        assert_eq!(
            found[0].message,
            "bootstrap token `abcdef` made 1 successful request(s) beyond node bootstrapping; the first read Secrets at 2025-11-01T10:05:00Z"
        );
        assert_eq!(found[0].object.to_string(), "User/system:bootstrap:abcdef");
    }
}
