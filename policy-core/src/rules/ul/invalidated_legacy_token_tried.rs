use crate::data::object_ref::ObjectRef;
use crate::rule::prelude::*;
use crate::rules::ul::{LOG_HINT, with_requests};

declare_rule! {
    /// ## What it does
    /// Flags a legacy service-account token that the API server had invalidated and that a
    /// client still presented, as the audit log records it (annotation
    /// `authentication.k8s.io/legacy-token-invalidated` on the refused request).
    ///
    /// ## Why is this bad?
    /// The request itself fails, but it says that a copy of a never-expiring token is still
    /// held somewhere: a CI system, a laptop, a backup, or someone who took it. Each attempt
    /// also moves the Secret's `kubernetes.io/legacy-token-last-used` label to today, so the
    /// control plane's cleaner never deletes the Secret, and anyone who may edit it can remove
    /// the `kubernetes.io/legacy-token-invalid-since` label and make the copy work again.
    /// The server writes this annotation only when it looks tokens up
    /// (`--service-account-lookup`, on by default).
    ///
    /// ## Example
    /// An audit event refused with 401, with no user, and `"annotations":
    /// {"authentication.k8s.io/legacy-token-invalidated": "old-deployer-token/ci"}`.
    ///
    /// ## How to fix
    /// Find the client from the source addresses and user agents, give it a short-lived token
    /// (TokenRequest API) if it still needs access, then delete the Secret so the copy can
    /// never be revived.
    ///
    /// Guide: *Service Account Secret Tokens*.
    pub InvalidatedLegacyTokenTried {
        code: "UL009",
        slug: "invalidated-legacy-token-tried",
        severity: Severity::Medium,
        mechanism: Mechanism::ServiceAccountTokens,
        scope: Scope::Audit,
        status: Preview("0.2.0"),
    }
}

impl Check for InvalidatedLegacyTokenTried {
    fn check(&self, cx: &Context<'_, '_>, out: &mut Findings) {
        let inv = cx.inv;
        if !inv.audit.is_given() {
            return out.not_assessable(self, "no audit log given", &LOG_HINT);
        }
        for token in inv.audit.invalidated_tokens() {
            let secret = inv.get("Secret", &token.namespace, &token.name);
            let owner = secret
                .and_then(|s| s.str_at(&["metadata", "annotations", "kubernetes.io/service-account.name"]))
                .map(|account| format!(" of service account `{}/{account}`", token.namespace))
                .unwrap_or_default();
            let requests = if token.requests == 1 { "1 time".to_string() } else { format!("{} times", token.requests) };
            let from = match token.source_ips.as_slice() {
                [] => String::new(),
                [ip] => format!(" from `{ip}`"),
                [ip, ..] => format!(" from `{ip}` and {} more addresses", token.source_ips.len() - 1),
            };
            let message = format!(
                "the invalidated legacy token in Secret `{}/{}`{owner} was still tried {requests} between {} and {}{from}",
                token.namespace, token.name, token.first.at, token.last.at
            );
            let object = secret.map_or_else(
                || ObjectRef {
                    api_version: "v1".into(),
                    kind: "Secret".into(),
                    namespace: Some(token.namespace.clone()),
                    name: token.name.clone(),
                },
                Object::object_ref,
            );
            let mut finding = self.finding_at(object, token.first.source.clone(), message);
            if !token.user_agents.is_empty() {
                finding = finding.evidence(Evidence::plain("userAgent", token.user_agents.join(", ")));
            }
            out.push(with_requests(finding, &token.first, &token.last, &token.source_ips));
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing, reason = "tests")]
    use super::*;
    use crate::rules::ul::test_support::run;
    use serde_json::json;

    /// A request refused because its legacy token was invalidated, as
    /// `WithFailedAuthenticationAudit` logs it: stage ResponseStarted, code 401, no user, and
    /// the annotation the token validator wrote (`<name>/<namespace>`).
    fn refused(ip: &str, at: &str) -> String {
        format!(
            r#"{{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"x-{at}","stage":"ResponseStarted","requestURI":"/api/v1/namespaces/ci/pods","verb":"list","user":{{}},"sourceIPs":["{ip}"],"userAgent":"helm/v3.16.2","responseStatus":{{"metadata":{{}},"status":"Failure","message":"Unauthorized","reason":"Unauthorized","code":401}},"requestReceivedTimestamp":"{at}","stageTimestamp":"{at}","annotations":{{"authentication.k8s.io/legacy-token-invalidated":"old-token/ci"}}}}"#
        )
    }

    #[test]
    fn an_invalidated_token_still_tried_is_reported_once_per_secret() {
        let secret = json!({"apiVersion": "v1", "kind": "Secret", "type": "kubernetes.io/service-account-token",
            "metadata": {"name": "old-token", "namespace": "ci",
                "annotations": {"kubernetes.io/service-account.name": "old"},
                "labels": {"kubernetes.io/legacy-token-invalid-since": "2025-06-02"}}});
        let lines = [refused("203.0.113.9", "2025-11-01T10:00:00Z"), refused("198.51.100.4", "2025-11-02T10:00:00Z")];
        let (found, _) = run(&InvalidatedLegacyTokenTried, vec![secret], &lines);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].object.to_string(), "Secret/ci/old-token");
        assert_eq!(
            found[0].message,
            "the invalidated legacy token in Secret `ci/old-token` of service account `ci/old` was still tried 2 times between 2025-11-01T10:00:00Z and 2025-11-02T10:00:00Z from `198.51.100.4` and 1 more addresses"
        );
        let evidence: Vec<String> = found[0].evidence.iter().map(|e| format!("{}={}", e.path, e.value)).collect();
        assert!(evidence.contains(&"first request=audit.log:1 at 2025-11-01T10:00:00Z".to_string()), "{evidence:?}");
        assert!(evidence.contains(&"last request=audit.log:2 at 2025-11-02T10:00:00Z".to_string()), "{evidence:?}");
        // Without the Secret in the dump the finding still names it.
        let (found, _) = run(&InvalidatedLegacyTokenTried, vec![], &lines[..1]);
        assert_eq!(found[0].object.to_string(), "Secret/ci/old-token");
        assert!(found[0].message.contains("was still tried 1 time between"));
    }

    #[test]
    fn nothing_without_the_annotation_and_not_assessable_without_a_log() {
        let plain =
            refused("203.0.113.9", "2025-11-01T10:00:00Z").replace("legacy-token-invalidated", "something-else");
        let (found, na) = run(&InvalidatedLegacyTokenTried, vec![], &[plain]);
        assert!(found.is_empty() && na.is_empty());
        let (found, na) = run(&InvalidatedLegacyTokenTried, vec![], &[]);
        assert!(found.is_empty());
        assert_eq!(na, ["UL009"]);
    }
}
