use crate::inventory::mechanisms;
use crate::report::Mechanism as M;
use crate::rule::prelude::*;
use crate::rules::ul::{
    LOG_HINT, certificate_of, is_system_user, source, static_token_users, user_ref, when_and_where, with_evidence,
};

declare_rule! {
    /// ## What it does
    /// Flags client certificates of people (identities that are no Kubernetes component, node
    /// or service account) that the audit log shows in use, although the cluster has an
    /// external identity source (OIDC, a webhook, an authenticating proxy, EKS identity maps).
    ///
    /// ## Why is this bad?
    /// A certificate cannot be revoked, carries its groups for its whole life and is not tied
    /// to the identity provider where people are added and removed. When that provider exists,
    /// a person still logging in with a certificate keeps access the provider no longer
    /// controls: leaving the company or losing a group changes nothing.
    ///
    /// ## Example
    /// An audit event with `"user": {"username": "alice", "extra":
    /// {"authentication.kubernetes.io/credential-id": ["X509SHA256=…"]}}` in a cluster started
    /// with `--oidc-issuer-url`.
    ///
    /// ## How to fix
    /// Move the person to the external identity source, bind their role to its user or group,
    /// and let the certificate expire (or rotate the CA when it lives long).
    ///
    /// Guide: *Client Certificate Authentication*.
    pub CertificatesUsedByPeople {
        code: "UL005",
        slug: "certificates-used-by-people",
        severity: Severity::Medium,
        mechanism: Mechanism::ClientCertificates,
        scope: Scope::Audit,
        status: Preview("0.2.0"),
    }
}

impl Check for CertificatesUsedByPeople {
    fn check(&self, cx: &Context<'_, '_>, out: &mut Findings) {
        let inv = cx.inv;
        if !inv.audit.is_given() {
            return out.not_assessable(self, "no audit log given", &LOG_HINT);
        }
        let statuses = mechanisms::assess(inv);
        let user_facing = mechanisms::user_facing(inv, &statuses);
        let external = user_facing.iter().any(|m| matches!(m, M::Oidc | M::Webhook | M::AuthenticatingProxy))
            || !inv.aws_auth.is_empty();
        if !external {
            return;
        }
        let static_users = static_token_users(inv);
        for identity in inv.audit.identities() {
            if is_system_user(&identity.username, &identity.groups) || identity.legacy_token {
                continue;
            }
            let cert = certificate_of(inv, identity);
            let by_id = crate::inventory::usage::by_certificate_id(identity);
            let by_name = cert.is_some_and(|(_, weaker)| weaker)
                && !static_users.contains(&identity.username)
                && crate::inventory::usage::oidc_prefix(inv, &identity.username).is_none();
            if !by_id && !by_name {
                continue;
            }
            let weaker = if by_id { "" } else { " (matched by user name: the log records no credential-id)" };
            let message = format!(
                "`{}` logs in with a client certificate although an external identity source is configured: {}{weaker}",
                identity.username,
                when_and_where(identity)
            );
            let object = cert.map_or_else(
                || user_ref(&identity.username),
                |(c, _)| crate::inventory::kubeconfig::holder_ref(c.object),
            );
            let finding = self.finding_at(object, source(identity), message);
            out.push(with_evidence(finding, identity));
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing, reason = "tests")]
    use super::*;
    use crate::rules::test_support::apiserver_pod;
    use crate::rules::ul::test_support::{event, run};

    #[test]
    fn fires_for_people_with_an_external_source_only() {
        let cert = r#","extra":{"authentication.kubernetes.io/credential-id":["X509SHA256=ab12"]}"#;
        let lines = [
            event("alice", cert, "get", "/api/v1/pods", 200, "2025-11-01T10:00:00Z"),
            event("system:kube-scheduler", cert, "get", "/api/v1/pods", 200, "2025-11-01T10:00:00Z"),
            event("oidc:bob", "", "get", "/api/v1/pods", 200, "2025-11-01T10:00:00Z"),
        ];
        let oidc = || {
            vec![apiserver_pod(&[
                "--oidc-issuer-url=https://idp.example",
                "--oidc-client-id=k8s",
                "--oidc-username-prefix=oidc:",
            ])]
        };
        let (found, _) = run(&CertificatesUsedByPeople, oidc(), &lines);
        assert_eq!(found.iter().map(|f| f.object.to_string()).collect::<Vec<_>>(), ["User/alice"]);
        assert!(found[0].message.starts_with("`alice` logs in with a client certificate although"));
        let (found, _) = run(&CertificatesUsedByPeople, vec![apiserver_pod(&["--client-ca-file=/ca.crt"])], &lines);
        assert!(found.is_empty(), "no external source: MX003's case");
    }
}
