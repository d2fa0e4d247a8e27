use super::legacy_secret::{legacy_token_secrets, owner_phrase};
use crate::rule::prelude::*;
use time::macros::format_description;

/// The label the API server sets (daily at most) when a legacy token is used.
const LAST_USED: &str = "kubernetes.io/legacy-token-last-used";
/// The label the legacy-token cleaner sets when it invalidates an unused token.
const INVALID_SINCE: &str = "kubernetes.io/legacy-token-invalid-since";
/// A token unused for this long is stale (the cleaner's own default is a year).
const UNUSED_DAYS: i64 = 90;

declare_rule! {
    /// ## What it does
    /// Reads the labels Kubernetes puts on legacy service-account token Secrets and flags one
    /// that was invalidated (`kubernetes.io/legacy-token-invalid-since`) or not used for more
    /// than 90 days (`kubernetes.io/legacy-token-last-used`) but is still present.
    ///
    /// ## Why is this bad?
    /// An unused credential is pure risk: nobody needs it, but whoever copied it can still
    /// use it (an invalidated one comes back to life as soon as someone removes the label).
    /// Such tokens show the cleanup is not being finished.
    ///
    /// ## Example
    /// ```yaml
    /// metadata:
    ///   name: old-ci-token
    ///   labels:
    ///     kubernetes.io/legacy-token-last-used: "2024-06-02"
    ///     kubernetes.io/legacy-token-invalid-since: "2025-06-02"
    /// type: kubernetes.io/service-account-token
    /// ```
    ///
    /// ## How to fix
    /// Delete the Secret (each finding gives the `kubectl delete` command to copy). If
    /// something still needs a token, give it a short-lived one (`kubectl create token`).
    ///
    /// Guide: *Service Account Secret Tokens*.
    pub StaleLegacyToken {
        code: "SA005",
        slug: "stale-legacy-token",
        severity: Severity::Low,
        mechanism: Mechanism::ServiceAccountTokens,
        scope: Scope::Audit,
    }
}

/// Deleting a token nobody used for months (or that Kubernetes already invalidated) locks out
/// nobody who is still working.
fn delete(secret: &Object) -> Option<Fix> {
    Fix::delete("delete the unused token Secret", &secret.object_ref())
}

fn label_date(secret: &Object, key: &str) -> Option<time::Date> {
    let text = secret.label(key)?;
    time::Date::parse(text.trim(), format_description!("[year]-[month]-[day]")).ok()
}

impl Check for StaleLegacyToken {
    fn check(&self, cx: &Context<'_, '_>, out: &mut Findings) {
        let Some(now) = cx.now else { return };
        let today = now.date();
        for secret in legacy_token_secrets(cx.inv) {
            let owner = owner_phrase(secret);
            if let Some(since) = label_date(secret, INVALID_SINCE) {
                out.push(
                    self.finding(
                        secret,
                        format!("legacy token Secret{owner} was invalidated on `{since}` and is still present"),
                    )
                    .evidence(Evidence::plain(format!("metadata.labels[{INVALID_SINCE}]"), since.to_string()))
                    .fix(delete(secret)),
                );
                continue;
            }
            if let Some(used) = label_date(secret, LAST_USED) {
                let days = (today - used).whole_days();
                if days > UNUSED_DAYS {
                    out.push(
                        self.finding(
                            secret,
                            format!("legacy token Secret{owner} was last used {days} days ago, on `{used}`"),
                        )
                        .evidence(Evidence::plain(format!("metadata.labels[{LAST_USED}]"), used.to_string()))
                        .fix(delete(secret)),
                    );
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::test_support::{run, summary};
    use serde_json::json;

    fn token(name: &str, labels: serde_json::Value) -> serde_json::Value {
        json!({"apiVersion": "v1", "kind": "Secret", "type": "kubernetes.io/service-account-token",
               "metadata": {"name": name, "namespace": "ci", "labels": labels,
                            "annotations": {"kubernetes.io/service-account.name": "deployer"}}})
    }

    #[test]
    fn invalidated_and_long_unused_tokens_fire() {
        let (found, _) = run(
            &StaleLegacyToken,
            vec![
                token("invalid", json!({LAST_USED: "2024-06-02", INVALID_SINCE: "2025-06-02"})),
                token("unused", json!({LAST_USED: "2025-08-01"})),
                token("recent", json!({LAST_USED: "2025-11-20"})),
                token("untracked", json!({})),
                token("garbled", json!({LAST_USED: "last tuesday"})),
            ],
        );
        assert_eq!(
            summary(&found),
            vec![
                (
                    "low".to_string(),
                    "Secret/ci/invalid".to_string(),
                    "legacy token Secret for service account `deployer` was invalidated on `2025-06-02` and is still present"
                        .to_string()
                ),
                (
                    "low".to_string(),
                    "Secret/ci/unused".to_string(),
                    "legacy token Secret for service account `deployer` was last used 119 days ago, on `2025-08-01`"
                        .to_string()
                ),
            ]
        );
        let fixes: Vec<&str> = found.iter().filter_map(|f| f.fix.as_ref()).map(|f| f.text.as_str()).collect();
        assert_eq!(fixes, ["kubectl delete secret -n ci invalid", "kubectl delete secret -n ci unused"]);
    }
}
