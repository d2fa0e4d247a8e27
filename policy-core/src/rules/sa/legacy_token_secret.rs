use super::legacy_secret::{LEGACY_TOKEN_TYPE, allowed, legacy_token_secrets, owner_phrase};
use crate::rule::prelude::*;

declare_rule! {
    /// ## What it does
    /// Flags every Secret of type `kubernetes.io/service-account-token`: a legacy
    /// service-account token. Secrets listed in the `allowedLegacyTokens` setting
    /// (`namespace/name`) are accepted. At admission time, creating one is refused.
    ///
    /// ## Why is this bad?
    /// The token controller fills such a Secret with a JWT that has no expiry: it stays valid
    /// until the Secret or its service account is deleted. Anyone who can read Secrets in the
    /// namespace can copy it, and once copied it works from anywhere, for as long as it exists.
    /// Since Kubernetes 1.24 Pods get short-lived TokenRequest tokens instead, so these Secrets
    /// are only left over or made by hand.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: Secret
    /// type: kubernetes.io/service-account-token
    /// metadata:
    ///   name: build-robot-secret
    ///   annotations:
    ///     kubernetes.io/service-account.name: build-robot
    /// ```
    ///
    /// ## How to fix
    /// Delete the Secret. Workloads get projected tokens automatically; for something outside the
    /// cluster, issue a short-lived token with `kubectl create token <sa> --duration=1h`.
    ///
    /// No fix to copy: whoever holds the token loses access with it; SA005 gives the delete command
    /// for the tokens nobody has used for months.
    ///
    /// Guide: *Service Account Secret Tokens*.
    pub LegacyTokenSecret {
        code: "SA001",
        slug: "legacy-token-secret",
        severity: Severity::Medium,
        mechanism: Mechanism::ServiceAccountTokens,
        scope: Scope::Admit,
    }
}

impl Check for LegacyTokenSecret {
    fn check(&self, cx: &Context<'_, '_>, out: &mut Findings) {
        for secret in legacy_token_secrets(cx.inv) {
            if allowed(cx.settings, secret) {
                continue;
            }
            out.push(
                self.finding(secret, format!("legacy token Secret{} never expires", owner_phrase(secret)))
                    .evidence(Evidence::plain("type", LEGACY_TOKEN_TYPE)),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::test_support::{run, run_with, summary};
    use crate::settings::Settings;
    use serde_json::json;

    fn token(ns: &str, name: &str) -> serde_json::Value {
        json!({"apiVersion": "v1", "kind": "Secret", "type": "kubernetes.io/service-account-token",
               "metadata": {"name": name, "namespace": ns,
                            "annotations": {"kubernetes.io/service-account.name": "build-robot"}}})
    }

    #[test]
    fn legacy_tokens_fire_other_secrets_do_not() {
        let opaque = json!({"apiVersion": "v1", "kind": "Secret", "type": "Opaque",
                            "metadata": {"name": "db", "namespace": "ci"}});
        let (found, _) = run(&LegacyTokenSecret, vec![token("ci", "build-robot-secret"), opaque]);
        assert_eq!(
            summary(&found),
            vec![(
                "medium".to_string(),
                "Secret/ci/build-robot-secret".to_string(),
                "legacy token Secret for service account `build-robot` never expires".to_string()
            )]
        );
    }

    #[test]
    fn the_allow_list_is_honoured() {
        let settings = Settings { allowed_legacy_tokens: vec!["ci/build-robot-secret".into()], ..Settings::default() };
        let (found, _) =
            run_with(&LegacyTokenSecret, vec![token("ci", "build-robot-secret"), token("ci", "other")], &settings);
        assert_eq!(found.iter().map(|f| f.object.name.as_str()).collect::<Vec<_>>(), vec!["other"]);
    }

    #[test]
    fn admission_refuses_creating_one() {
        let request = json!({"operation": "CREATE", "namespace": "ci", "object": token("ci", "build-robot-secret")});
        let decision =
            crate::engine::admit(&request.into(), &Settings::default(), &crate::engine::AdmitSettings::default()).ok();
        assert_eq!(decision.as_ref().map(|d| d.allowed), Some(false));
        let message = decision.and_then(|d| d.message).unwrap_or_default();
        assert!(
            message.contains("SA001: legacy token Secret for service account `build-robot` never expires"),
            "{message}"
        );
    }
}
