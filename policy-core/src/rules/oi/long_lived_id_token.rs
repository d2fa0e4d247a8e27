use crate::inventory::authenticators::id_token_lifetimes;
use crate::rule::prelude::*;
use crate::util::human_duration;

declare_rule! {
    /// ## What it does
    /// Flags an identity provider configured (or left by default) to issue ID tokens that live
    /// longer than the `maxIdTokenLifetimeSeconds` setting (default one hour), where the dump
    /// shows the configuration: dex's `config.yaml` in a ConfigMap or Secret (`expiry.idTokens`,
    /// 24 hours when unset) and keycloak realms (`accessTokenLifespan`, which ID tokens share,
    /// in `KeycloakRealmImport`/`KeycloakRealm` resources or realm JSON files).
    ///
    /// ## Why is this bad?
    /// The API server accepts an OIDC ID token until it expires; there is no revocation. A
    /// token leaked from a laptop, a CI log or a kubeconfig works for its whole lifetime, even
    /// after the user was removed from the identity provider. kubectl's OIDC plugins refresh
    /// tokens automatically, so short lifetimes cost users nothing.
    ///
    /// ## Example
    /// ```yaml
    /// kind: ConfigMap
    /// data:
    ///   config.yaml: |
    ///     issuer: https://dex.example.com
    ///     storage:
    ///       type: kubernetes
    ///     expiry:
    ///       idTokens: 24h
    /// ```
    ///
    /// ## How to fix
    /// Set the ID-token lifetime to an hour or less (dex `expiry.idTokens: 1h`, keycloak realm
    /// `accessTokenLifespan: 300`) and rely on refresh tokens for long sessions.
    ///
    /// Guide: *OIDC*.
    pub LongLivedIdToken {
        code: "OI006",
        slug: "long-lived-id-token",
        severity: Severity::Medium,
        mechanism: Mechanism::Oidc,
        scope: Scope::Audit,
    }
}

impl Check for LongLivedIdToken {
    fn check(&self, cx: &Context<'_, '_>, out: &mut Findings) {
        let max = cx.settings.max_id_token_lifetime_seconds;
        for lifetime in id_token_lifetimes(cx.inv) {
            if lifetime.seconds <= max {
                continue;
            }
            let how = if lifetime.explicit { "" } else { " (the default: unset)" };
            let mut finding = self
                .finding(
                    lifetime.object,
                    format!(
                        "{} issues ID tokens valid for {}{how}, above the {} maximum",
                        lifetime.product.name,
                        human_duration(lifetime.seconds),
                        human_duration(max)
                    ),
                )
                .evidence(Evidence::plain(
                    lifetime.path.clone(),
                    lifetime.raw.clone().unwrap_or_else(|| "unset".into()),
                ));
            let namespace = lifetime.object.namespace().unwrap_or("");
            for w in cx.inv.workloads.in_namespace(namespace) {
                let mounts = w
                    .config_volumes
                    .iter()
                    .any(|v| v.kind == lifetime.object.kind() && v.name == lifetime.object.name());
                if mounts {
                    finding = finding.related(w.object.shared_ref());
                }
            }
            out.push(finding);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::test_support::{run, summary};
    use serde_json::json;

    #[test]
    fn dex_default_and_explicit_lifetimes() {
        let dex_default = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "dex", "namespace": "dex"},
            "data": {"config.yaml": "{\"issuer\": \"https://dex.example.com\", \"storage\": {\"type\": \"kubernetes\"}}"}});
        let dex_short = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "dex-short", "namespace": "dex"},
            "data": {"config.yaml": "{\"issuer\": \"https://d\", \"storage\": {}, \"expiry\": {\"idTokens\": \"30m\"}}"}});
        let deployment = json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "dex", "namespace": "dex"},
            "spec": {"template": {"spec": {"containers": [{"name": "dex", "image": "ghcr.io/dexidp/dex:v2.41.1"}],
                "volumes": [{"name": "config", "configMap": {"name": "dex"}}]}}}});
        let (found, _) = run(&LongLivedIdToken, vec![dex_default, dex_short, deployment]);
        assert_eq!(
            summary(&found),
            vec![(
                "medium".to_string(),
                "ConfigMap/dex/dex".to_string(),
                "dex issues ID tokens valid for 1d (the default: unset), above the 1h maximum".to_string()
            )]
        );
        assert_eq!(found[0].evidence[0].path, "data[config.yaml].expiry.idTokens");
        assert_eq!(found[0].related[0].to_string(), "Deployment/dex/dex");
    }

    #[test]
    fn keycloak_realms() {
        let realm = |name: &str, lifespan: serde_json::Value| {
            json!({"apiVersion": "k8s.keycloak.org/v2alpha1", "kind": "KeycloakRealmImport",
                   "metadata": {"name": name, "namespace": "idp"},
                   "spec": {"keycloakCRName": "kc", "realm": {"realm": name, "enabled": true, "accessTokenLifespan": lifespan}}})
        };
        let (found, _) = run(&LongLivedIdToken, vec![realm("corp", json!(36_000)), realm("ok", json!(300))]);
        assert_eq!(
            summary(&found),
            vec![(
                "medium".to_string(),
                "KeycloakRealmImport/idp/corp".to_string(),
                "keycloak issues ID tokens valid for 10h, above the 1h maximum".to_string()
            )]
        );
    }
}
