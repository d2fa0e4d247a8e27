use crate::inventory::authn_config::{authentication_configs, expression_adds_prefix, jwt_authenticators};
use crate::rule::prelude::*;

declare_rule! {
    /// ## What it does
    /// Flags an OIDC/JWT authenticator that takes user names from a claim other than `email`
    /// without a prefix: `--oidc-username-prefix=-`, or an `AuthenticationConfiguration`
    /// `claimMappings.username` with an empty `prefix` or an expression that adds none
    /// (unless a `userValidationRules` expression rejects `system:` names). With flags, an
    /// unset prefix is safe: the API server then prepends the issuer URL.
    ///
    /// ## Why is this bad?
    /// An identity provider user whose `sub` or `preferred_username` is `system:admin`, or
    /// the name of an existing user, becomes that identity in the cluster and inherits its
    /// bindings. User names at most providers are chosen by users or by whoever administers
    /// the provider, not by the cluster's owners.
    ///
    /// ## Example
    /// ```yaml
    /// - --oidc-username-claim=preferred_username
    /// - --oidc-username-prefix=-
    /// ```
    ///
    /// ## How to fix
    /// Use a prefix such as `oidc:` (`--oidc-username-prefix=oidc:`, or `prefix: "oidc:"` in
    /// `claimMappings.username`), or map the verified `email` claim.
    ///
    /// Guide: *OIDC*.
    pub UnprefixedOidcUsername {
        code: "OI003",
        slug: "unprefixed-oidc-username",
        severity: Severity::Medium,
        mechanism: Mechanism::Oidc,
        scope: Scope::Audit,
    }
}

impl Check for UnprefixedOidcUsername {
    fn check(&self, cx: &Context<'_, '_>, out: &mut Findings) {
        let authenticators = jwt_authenticators(cx.inv);
        if authenticators.is_empty() && !cx.inv.apiserver.is_visible() && authentication_configs(cx.inv).is_empty() {
            out.not_assessable(self, "control plane not visible", &crate::inventory::flags::CONTROL_PLANE_HINT);
            return;
        }
        for jwt in authenticators {
            if jwt.rejects_system("username") {
                continue;
            }
            let username = &jwt.username;
            let issuer = jwt.issuer.as_ref().map_or("", |i| i.value.as_str());
            let (message, evidence) = match (&username.expression, &username.claim) {
                (Some(expression), _) => {
                    if expression_adds_prefix(&expression.value) || expression.value.contains("claims.email") {
                        continue;
                    }
                    (
                        format!("user names from issuer `{issuer}` are used without a prefix: `{}`", expression.value),
                        Evidence::plain(expression.path.clone(), expression.shown.clone()),
                    )
                }
                (None, Some(claim)) if claim.value != "email" && username.prefix.is_empty() => (
                    format!("user names from claim `{}` of issuer `{issuer}` are used without a prefix", claim.value),
                    username.prefix_at.as_ref().map_or_else(
                        || Evidence::plain(claim.path.clone(), format!("{} (no username prefix)", claim.shown)),
                        |p| Evidence::plain(p.path.clone(), p.shown.clone()),
                    ),
                ),
                _ => continue,
            };
            out.push(self.finding_at(jwt.object.clone(), jwt.source.clone(), message).evidence(evidence));
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing, reason = "tests")]
    use super::*;
    use crate::rules::test_support::{apiserver_pod, run, summary};
    use serde_json::json;

    const ISSUER: &str = "--oidc-issuer-url=https://idp.example.com";

    #[test]
    fn dash_prefix_on_a_non_email_claim_fires() {
        let pod = apiserver_pod(&[ISSUER, "--oidc-username-claim=preferred_username", "--oidc-username-prefix=-"]);
        let (found, _) = run(&UnprefixedOidcUsername, vec![pod]);
        assert_eq!(
            summary(&found),
            [(
                "medium".into(),
                "Pod/kube-system/kube-apiserver-cp1".into(),
                "user names from claim `preferred_username` of issuer `https://idp.example.com` are used without a prefix".into()
            )]
        );
    }

    #[test]
    fn flag_defaults_and_email_are_safe() {
        // Unset prefix: the API server prepends `<issuer>#`.
        assert!(run(&UnprefixedOidcUsername, vec![apiserver_pod(&[ISSUER])]).0.is_empty());
        let email = apiserver_pod(&[ISSUER, "--oidc-username-claim=email", "--oidc-username-prefix=-"]);
        assert!(run(&UnprefixedOidcUsername, vec![email]).0.is_empty());
        assert!(run(&UnprefixedOidcUsername, vec![apiserver_pod(&[])]).0.is_empty());
        assert_eq!(run(&UnprefixedOidcUsername, vec![]).1, ["OI003"]);
    }

    #[test]
    fn structured_empty_prefix_fires() {
        let config = |username: serde_json::Value| {
            json!({"apiVersion": "apiserver.config.k8s.io/v1", "kind": "AuthenticationConfiguration", "metadata": {"name": "authn"},
                   "jwt": [{"issuer": {"url": "https://idp", "audiences": ["k8s"]}, "claimMappings": {"username": username}}]})
        };
        let (found, _) = run(&UnprefixedOidcUsername, vec![config(json!({"claim": "sub", "prefix": ""}))]);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].evidence[0].path, "jwt[0].claimMappings.username.prefix");
        assert!(run(&UnprefixedOidcUsername, vec![config(json!({"claim": "sub", "prefix": "idp:"}))]).0.is_empty());
        assert!(run(&UnprefixedOidcUsername, vec![config(json!({"expression": "'idp:' + claims.sub"}))]).0.is_empty());
        assert_eq!(run(&UnprefixedOidcUsername, vec![config(json!({"expression": "claims.sub"}))]).0.len(), 1);
    }
}
