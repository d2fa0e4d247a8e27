use crate::inventory::authn_config::{authentication_configs, expression_adds_prefix, jwt_authenticators};
use crate::rule::prelude::*;

declare_rule! {
    /// ## What it does
    /// Flags an OIDC/JWT authenticator that maps a groups claim without a prefix:
    /// `--oidc-groups-claim` without `--oidc-groups-prefix`, or an `AuthenticationConfiguration`
    /// `claimMappings.groups` with an empty `prefix` or an expression that adds none (unless a
    /// `userValidationRules` expression rejects `system:` groups).
    ///
    /// ## Why is this bad?
    /// Group names from the identity provider become Kubernetes groups as they are. Anyone
    /// who can create or rename a group there (often a self-service feature) can call it
    /// `system:masters` and become cluster-admin, past RBAC, or join any group you bound.
    ///
    /// ## Example
    /// ```yaml
    /// - --oidc-issuer-url=https://idp.example.com
    /// - --oidc-groups-claim=groups
    /// ```
    ///
    /// ## How to fix
    /// Set a prefix (`--oidc-groups-prefix=oidc:`, or `prefix: "oidc:"` in the
    /// `claimMappings.groups`) and write RBAC bindings for the prefixed names.
    ///
    /// Guide: *OIDC*.
    pub UnprefixedOidcGroups {
        code: "OI002",
        slug: "unprefixed-oidc-groups",
        severity: Severity::High,
        mechanism: Mechanism::Oidc,
        scope: Scope::Audit,
    }
}

impl Check for UnprefixedOidcGroups {
    fn check(&self, cx: &Context<'_, '_>, out: &mut Findings) {
        let authenticators = jwt_authenticators(cx.inv);
        if authenticators.is_empty() && !cx.inv.apiserver.is_visible() && authentication_configs(cx.inv).is_empty() {
            out.not_assessable(self, "control plane not visible", &crate::inventory::flags::CONTROL_PLANE_HINT);
            return;
        }
        for jwt in authenticators {
            let Some(groups) = &jwt.groups else { continue };
            if jwt.rejects_system("groups") {
                continue;
            }
            let issuer = jwt.issuer.as_ref().map_or("", |i| i.value.as_str());
            let (message, evidence) = match (&groups.expression, &groups.claim) {
                (Some(expression), _) if !expression_adds_prefix(&expression.value) => (
                    format!("groups from issuer `{issuer}` are used without a prefix: `{}`", expression.value),
                    Evidence::plain(expression.path.clone(), expression.shown.clone()),
                ),
                (None, Some(claim)) if groups.prefix.is_empty() => (
                    format!("groups from claim `{}` of issuer `{issuer}` are used without a prefix", claim.value),
                    groups.prefix_at.as_ref().map_or_else(
                        || Evidence::plain(claim.path.clone(), format!("{} (no groups prefix)", claim.shown)),
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
    fn flags_without_groups_prefix_fire() {
        let (found, _) = run(&UnprefixedOidcGroups, vec![apiserver_pod(&[ISSUER, "--oidc-groups-claim=groups"])]);
        assert_eq!(
            summary(&found),
            [(
                "high".into(),
                "Pod/kube-system/kube-apiserver-cp1".into(),
                "groups from claim `groups` of issuer `https://idp.example.com` are used without a prefix".into()
            )]
        );
        let ok = apiserver_pod(&[ISSUER, "--oidc-groups-claim=groups", "--oidc-groups-prefix=oidc:"]);
        assert!(run(&UnprefixedOidcGroups, vec![ok]).0.is_empty());
        // Groups not mapped at all: nothing to prefix.
        assert!(run(&UnprefixedOidcGroups, vec![apiserver_pod(&[ISSUER])]).0.is_empty());
    }

    #[test]
    fn structured_mappings() {
        let config = |groups: serde_json::Value, rules: serde_json::Value| {
            json!({"apiVersion": "apiserver.config.k8s.io/v1", "kind": "AuthenticationConfiguration", "metadata": {"name": "authn"},
                   "jwt": [{"issuer": {"url": "https://idp", "audiences": ["k8s"]},
                            "claimMappings": {"username": {"claim": "email", "prefix": ""}, "groups": groups},
                            "userValidationRules": rules}]})
        };
        let (found, _) = run(&UnprefixedOidcGroups, vec![config(json!({"claim": "groups", "prefix": ""}), json!([]))]);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].object.to_string(), "AuthenticationConfiguration/authn");
        let (found, _) = run(&UnprefixedOidcGroups, vec![config(json!({"expression": "claims.roles"}), json!([]))]);
        assert_eq!(found.len(), 1);
        assert!(
            run(&UnprefixedOidcGroups, vec![config(json!({"claim": "groups", "prefix": "idp:"}), json!([]))])
                .0
                .is_empty()
        );
        let guarded = json!([{"expression": "user.groups.all(g, !g.startsWith('system:'))"}]);
        assert!(
            run(&UnprefixedOidcGroups, vec![config(json!({"claim": "groups", "prefix": ""}), guarded)]).0.is_empty()
        );
        assert_eq!(run(&UnprefixedOidcGroups, vec![]).1, ["OI002"]);
    }
}
