use crate::rule::prelude::*;
use crate::rules::ul::{LOG_HINT, source, static_token_users, user_ref, when_and_where, with_evidence};

declare_rule! {
    /// ## What it does
    /// Flags users of a static token file (`--token-auth-file`) that the audit log shows
    /// making requests.
    ///
    /// ## Why is this bad?
    /// Static tokens sit in clear text on the control-plane disks, never expire and change only
    /// with an API server restart. A user seen in the log is a live dependency on them: the
    /// flag cannot be removed until that client moves, and a leaked token keeps working.
    ///
    /// ## Example
    /// A row `s3cr3t,deploy-bot,1001,"ops"` in the token file, and audit events with
    /// `"user": {"username": "deploy-bot", "uid": "1001"}`.
    ///
    /// ## How to fix
    /// Move the client to a service-account token from the TokenRequest API or to the external
    /// identity source, then remove its row and, once no user is left, `--token-auth-file`.
    ///
    /// Guide: *Static Token File*.
    pub StaticTokenUsersSeen {
        code: "UL006",
        slug: "static-token-users-seen",
        severity: Severity::High,
        mechanism: Mechanism::StaticTokenFile,
        scope: Scope::Audit,
        status: Preview("0.2.0"),
    }
}

impl Check for StaticTokenUsersSeen {
    fn check(&self, cx: &Context<'_, '_>, out: &mut Findings) {
        let inv = cx.inv;
        if !inv.audit.is_given() {
            return out.not_assessable(self, "no audit log given", &LOG_HINT);
        }
        let users = static_token_users(inv);
        if users.is_empty() && inv.apiserver.get("token-auth-file").is_some() {
            out.not_assessable(
                self,
                "the token file's rows are not in the dump",
                &["the file named by `--token-auth-file`"],
            );
        }
        for identity in inv.audit.identities() {
            // Static tokens carry no credential-id and no legacy-token annotation.
            if identity.credential_id.is_some() || identity.legacy_token || !users.contains(&identity.username) {
                continue;
            }
            let message = format!("static-token user `{}` was seen: {}", identity.username, when_and_where(identity));
            let object =
                inv.of_kind("StaticTokenFile").next().map_or_else(|| user_ref(&identity.username), Object::object_ref);
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
    use serde_json::json;

    #[test]
    fn fires_on_users_of_the_token_file_only() {
        let file = json!({"kind": "StaticTokenFile", "metadata": {"name": "tokens.csv"}, "rows": [{"user": "deploy-bot", "token": "x", "line": 1}]});
        let lines = [
            event("deploy-bot", "", "get", "/api", 200, "2025-11-01T10:00:00Z"),
            event("alice", "", "get", "/api", 200, "2025-11-01T10:00:00Z"),
        ];
        let (found, _) = run(&StaticTokenUsersSeen, vec![file.clone()], &lines);
        assert_eq!(found.len(), 1);
        assert!(found[0].message.starts_with("static-token user `deploy-bot` was seen: 1 request between"));
        assert!(!found[0].message.contains('x') || !found.iter().any(|f| f.evidence.iter().any(|e| e.value == "x")));
        let (found, _) = run(&StaticTokenUsersSeen, vec![file], &lines[1..]);
        assert!(found.is_empty());
    }
}
