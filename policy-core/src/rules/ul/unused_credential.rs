use crate::inventory::credentials::{self, CredentialKind};
use crate::rule::prelude::*;
use crate::rules::ul::LOG_HINT;

declare_rule! {
    /// ## What it does
    /// Lists credentials of the dump (client certificates, legacy service-account tokens,
    /// bootstrap tokens, static tokens) that are still valid but made no request in the whole
    /// window of the audit logs given. One created or issued after the window began is left
    /// out: the log cannot show it unused.
    ///
    /// ## Why is this bad?
    /// Every valid credential is a way in. One that nobody uses is pure risk: it can leak from a
    /// backup, a laptop or a CI log, and its use would stand out only if someone looked. Those
    /// are the credentials to remove first, since removing them breaks nothing seen.
    ///
    /// ## Example
    /// A `kubernetes.io/service-account-token` Secret of `ci/old-deployer` while a week of audit
    /// log shows no request with it.
    ///
    /// ## How to fix
    /// Check the window is long enough for the credential's use (monthly jobs), then delete it:
    /// the Secret, the token row, or (for a certificate) the kubeconfig and its key.
    ///
    /// Guide: *Authentication Mechanisms*.
    pub UnusedCredential {
        code: "UL007",
        slug: "unused-credential",
        severity: Severity::Info,
        mechanism: Mechanism::General,
        scope: Scope::Audit,
        status: Preview("0.2.0"),
    }
}

impl Check for UnusedCredential {
    fn check(&self, cx: &Context<'_, '_>, out: &mut Findings) {
        let inv = cx.inv;
        if !inv.audit.is_given() {
            return out.not_assessable(self, "no audit log given", &LOG_HINT);
        }
        let Some((from, to)) = inv.audit.window.clone() else { return };
        let now = cx.now.unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
        let parse = |at: &str| time::OffsetDateTime::parse(at, &time::format_description::well_known::Rfc3339).ok();
        let window_start = parse(&from);
        for credential in credentials::collect(inv, now) {
            if credential.status != "valid" || credential.kind == CredentialKind::CertificateSigningRequest {
                continue;
            }
            let created = credential.not_before.as_deref().and_then(parse);
            if created.zip(window_start).is_some_and(|(created, start)| created > start) {
                continue;
            }
            let Some(usage) = crate::inventory::usage::usage(&credential, &inv.audit) else { continue };
            if usage.seen {
                continue;
            }
            let what = match credential.kind {
                CredentialKind::ClientCertificate => "client certificate",
                CredentialKind::ServiceAccountToken => "legacy token",
                CredentialKind::BootstrapToken => "bootstrap token",
                _ => "static token",
            };
            let message = format!("the {what} of `{}` made no request between {from} and {to}", credential.identity);
            out.push(
                self.finding_at(credential.object.clone(), credential.source.clone(), message)
                    .evidence(Evidence::plain(credential.path.clone(), credential.fingerprint.clone())),
            );
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
    fn lists_valid_credentials_the_log_never_saw() {
        let secret = |name: &str, account: &str| {
            json!({"apiVersion": "v1", "kind": "Secret", "type": "kubernetes.io/service-account-token",
                "metadata": {"name": name, "namespace": "ci", "annotations": {"kubernetes.io/service-account.name": account}},
                "data": {"token": "ZXlKaGJHY2lPaUpTVXpJMU5pSXNJbXRwWkNJNkltWnZieUo5LmV5SnpkV0lpT2lKbWIyOGlmUS5zaWc="}})
        };
        let used = event("system:serviceaccount:ci:deployer", "", "get", "/api", 200, "2025-11-01T10:00:00Z").replace(
            r#""requestReceivedTimestamp""#,
            r#""annotations":{"authentication.k8s.io/legacy-token":"system:serviceaccount:ci:deployer"},"requestReceivedTimestamp""#,
        );
        let (found, _) =
            run(&UnusedCredential, vec![secret("deployer-token", "deployer"), secret("old-token", "old")], &[used]);
        assert_eq!(found.iter().map(|f| f.object.to_string()).collect::<Vec<_>>(), ["Secret/ci/old-token"]);
        assert_eq!(
            found[0].message,
            "the legacy token of `system:serviceaccount:ci:old` made no request between 2025-11-01T10:00:00Z and 2025-11-01T10:00:00Z"
        );
        // Created after the window began: not judged.
        let mut new = secret("new-token", "new");
        new["metadata"]["creationTimestamp"] = json!("2025-11-01T10:00:01Z");
        let mut old = secret("old-token", "old");
        old["metadata"]["creationTimestamp"] = json!("2025-11-01T09:59:59Z");
        let (found, _) =
            run(&UnusedCredential, vec![new, old], &[event("someone", "", "get", "/api", 200, "2025-11-01T10:00:00Z")]);
        assert_eq!(found.iter().map(|f| f.object.to_string()).collect::<Vec<_>>(), ["Secret/ci/old-token"]);
        let (found, na) = run(&UnusedCredential, vec![secret("old-token", "old")], &[]);
        assert!(found.is_empty());
        assert_eq!(na, ["UL007"]);
    }
}
