use crate::rule::prelude::*;
use crate::rules::ul::{LOG_HINT, certificate_of, source, static_token_users, user_ref, when_and_where, with_evidence};

declare_rule! {
    /// ## What it does
    /// Flags a client certificate in the `system:masters` group that the audit log shows in
    /// use, with when and from where.
    ///
    /// ## Why is this bad?
    /// Members of `system:masters` pass every authorization check, and a certificate cannot be
    /// revoked before it expires: whoever holds this one owns the cluster for years. A
    /// break-glass certificate that is actually used has become the everyday admin credential,
    /// and every copy of it is a full takeover.
    ///
    /// ## Example
    /// An audit event with `"user": {"username": "kubernetes-admin", "groups":
    /// ["system:masters", "system:authenticated"], "extra":
    /// {"authentication.kubernetes.io/credential-id": ["X509SHA256=…"]}}`.
    ///
    /// ## How to fix
    /// Give the people and tools behind these requests their own identities bound to the roles
    /// they need, keep the `system:masters` certificate offline for emergencies, and rotate the
    /// cluster CA if copies of it may have spread.
    ///
    /// Guide: *Client Certificate Authentication*.
    pub UsedSystemMastersCertificate {
        code: "UL001",
        slug: "used-system-masters-certificate",
        severity: Severity::Critical,
        mechanism: Mechanism::ClientCertificates,
        scope: Scope::Audit,
        status: Preview("0.2.0"),
    }
}

impl Check for UsedSystemMastersCertificate {
    fn check(&self, cx: &Context<'_, '_>, out: &mut Findings) {
        let inv = cx.inv;
        if !inv.audit.is_given() {
            return out.not_assessable(self, "no audit log given", &LOG_HINT);
        }
        let static_users = static_token_users(inv);
        for identity in inv.audit.identities() {
            if !identity.groups.iter().any(|g| g == "system:masters") || identity.legacy_token {
                continue;
            }
            let by_id = crate::inventory::usage::by_certificate_id(identity);
            let cert = certificate_of(inv, identity);
            // Without a credential-id (servers before 1.32) only a certificate of the dump with
            // that name and groups says a certificate was used: static tokens, OIDC and the API
            // server's own loopback token (`system:apiserver`) carry the group too.
            let by_name = cert.is_some_and(|(_, weaker)| weaker)
                && !static_users.contains(&identity.username)
                && crate::inventory::usage::oidc_prefix(inv, &identity.username).is_none();
            if !by_id && !by_name {
                continue;
            }
            let weaker = if by_id { "" } else { " (matched by user name: the log records no credential-id)" };
            let message = format!(
                "the `system:masters` certificate of `{}` was used: {}{weaker}",
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
    use crate::rules::ul::test_support::{event, run};

    const ADMIN_ID: &str = r#","extra":{"authentication.kubernetes.io/credential-id":["X509SHA256=ab12"]}"#;

    #[test]
    fn fires_on_a_used_masters_certificate_only() {
        let masters = |user: &str, extra: &str, at: &str| {
            event(user, extra, "get", "/api/v1/pods", 200, at).replace(
                r#""groups":["system:authenticated"]"#,
                r#""groups":["system:masters","system:authenticated"]"#,
            )
        };
        let lines = [
            masters("kubernetes-admin", ADMIN_ID, "2025-11-01T10:00:00Z"),
            masters("kubernetes-admin", ADMIN_ID, "2025-11-02T10:00:00Z"),
        ];
        let (found, na) = run(&UsedSystemMastersCertificate, vec![], &lines);
        assert!(na.is_empty());
        assert_eq!(found.len(), 1);
        assert_eq!(
            found[0].message,
            "the `system:masters` certificate of `kubernetes-admin` was used: 2 requests between 2025-11-01T10:00:00Z and 2025-11-02T10:00:00Z from `10.0.0.7`"
        );
        assert_eq!(found[0].object.to_string(), "User/kubernetes-admin");
        assert_eq!(found[0].evidence[1].value, "audit.log:2 at 2025-11-02T10:00:00Z");
        // A token with a JTI in the same group is no certificate; a plain user is not a master.
        let jti = r#","extra":{"authentication.kubernetes.io/credential-id":["JTI=1"]}"#;
        let (found, _) = run(
            &UsedSystemMastersCertificate,
            vec![],
            &[masters("ci", jti, "2025-11-01T10:00:00Z"), event("bob", "", "get", "/api", 200, "2025-11-01T10:00:00Z")],
        );
        assert!(found.is_empty());
        // Older servers: no credential-id; without a certificate of that name in the dump the
        // group may come from a token (the loopback `system:apiserver`), so nothing is claimed
        // (tests/tests/audit_logs.rs has the name match beside a dump).
        let old = [
            masters("kubernetes-admin", "", "2025-11-01T10:00:00Z"),
            masters("system:apiserver", "", "2025-11-01T10:00:00Z"),
        ];
        let (found, _) = run(&UsedSystemMastersCertificate, vec![], &old);
        assert!(found.is_empty());
        let (found, na) = run(&UsedSystemMastersCertificate, vec![], &[]);
        assert!(found.is_empty());
        assert_eq!(na, ["UL001"]);
    }
}
