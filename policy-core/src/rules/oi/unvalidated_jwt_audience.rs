use crate::inventory::authn_config::{JwtForm, authentication_configs, jwt_authenticators};
use crate::rule::prelude::*;

declare_rule! {
    /// ## What it does
    /// Flags a JWT authenticator that does not pin who tokens are for: no audiences
    /// (`issuer.audiences` or `--oidc-client-id`), an empty audience, or several audiences
    /// accepted with no `claimValidationRules` to tell the clients apart.
    ///
    /// ## Why is this bad?
    /// An identity provider issues tokens to many applications. Unless the API server insists
    /// on its own audience, an ID token a user handed to some other application (a wiki, a
    /// CI system) can be replayed against the cluster by whoever runs that application.
    ///
    /// ## Example
    /// ```yaml
    /// jwt:
    ///   - issuer:
    ///       url: https://idp.example.com
    ///       audiences: [kubernetes, grafana, wiki]
    ///       audienceMatchPolicy: MatchAny
    /// ```
    ///
    /// ## How to fix
    /// Accept exactly one audience issued for the cluster, or add a `claimValidationRules`
    /// entry (for example on `azp`) that admits only the clients meant for it.
    ///
    /// Guide: *OIDC*.
    pub UnvalidatedJwtAudience {
        code: "OI005",
        slug: "unvalidated-jwt-audience",
        severity: Severity::Medium,
        mechanism: Mechanism::Oidc,
        scope: Scope::Audit,
    }
}

impl Check for UnvalidatedJwtAudience {
    fn check(&self, cx: &Context<'_, '_>, out: &mut Findings) {
        let authenticators = jwt_authenticators(cx.inv);
        if authenticators.is_empty() && !cx.inv.apiserver.is_visible() && authentication_configs(cx.inv).is_empty() {
            out.not_assessable(self, "control plane not visible", &crate::inventory::flags::CONTROL_PLANE_HINT);
            return;
        }
        for jwt in authenticators {
            let issuer = jwt.issuer.as_ref().map_or("", |i| i.value.as_str());
            let shown = jwt.audiences.join(",");
            let message = if jwt.audiences.is_empty() || jwt.audiences.iter().any(|a| a.trim().is_empty()) {
                format!("tokens of issuer `{issuer}` are accepted for any audience")
            } else if jwt.form == JwtForm::Structured && jwt.audiences.len() > 1 && jwt.claim_rules == 0 {
                format!(
                    "tokens of issuer `{issuer}` are accepted for {} audiences with no claim validation rule",
                    jwt.audiences.len()
                )
            } else {
                continue;
            };
            out.push(self.finding_at(jwt.object.clone(), jwt.source.clone(), message).evidence(Evidence::plain(
                jwt.audiences_path.clone(),
                if shown.is_empty() { "unset".to_string() } else { shown },
            )));
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing, reason = "tests")]
    use super::*;
    use crate::rules::test_support::{apiserver_pod, run, summary};
    use serde_json::json;

    fn config(issuer: serde_json::Value, rules: serde_json::Value) -> serde_json::Value {
        json!({"apiVersion": "apiserver.config.k8s.io/v1", "kind": "AuthenticationConfiguration", "metadata": {"name": "authn"},
               "jwt": [{"issuer": issuer, "claimValidationRules": rules,
                        "claimMappings": {"username": {"claim": "email", "prefix": ""}}}]})
    }

    #[test]
    fn missing_or_many_audiences_fire() {
        let (found, _) = run(&UnvalidatedJwtAudience, vec![config(json!({"url": "https://idp"}), json!([]))]);
        assert_eq!(
            summary(&found),
            [(
                "medium".into(),
                "AuthenticationConfiguration/authn".into(),
                "tokens of issuer `https://idp` are accepted for any audience".into()
            )]
        );
        let many = json!({"url": "https://idp", "audiences": ["k8s", "wiki"], "audienceMatchPolicy": "MatchAny"});
        let (found, _) = run(&UnvalidatedJwtAudience, vec![config(many.clone(), json!([]))]);
        assert_eq!(found.len(), 1);
        assert!(found[0].message.contains("2 audiences"));
        let checked = json!([{"expression": "claims.azp == 'k8s'"}]);
        assert!(run(&UnvalidatedJwtAudience, vec![config(many, checked)]).0.is_empty());
        assert!(
            run(&UnvalidatedJwtAudience, vec![config(json!({"url": "https://idp", "audiences": ["k8s"]}), json!([]))])
                .0
                .is_empty()
        );
    }

    #[test]
    fn flags_without_client_id_fire() {
        let (found, _) = run(&UnvalidatedJwtAudience, vec![apiserver_pod(&["--oidc-issuer-url=https://idp"])]);
        assert_eq!(found.len(), 1);
        let ok = apiserver_pod(&["--oidc-issuer-url=https://idp", "--oidc-client-id=kubernetes"]);
        assert!(run(&UnvalidatedJwtAudience, vec![ok]).0.is_empty());
        assert_eq!(run(&UnvalidatedJwtAudience, vec![]).1, ["OI005"]);
    }
}
