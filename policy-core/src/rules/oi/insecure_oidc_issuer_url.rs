use crate::inventory::authn_config::{authentication_configs, jwt_authenticators};
use crate::rule::prelude::*;

declare_rule! {
    /// ## What it does
    /// Flags an OIDC/JWT issuer (`--oidc-issuer-url`, a kops `oidcIssuerURL`, or an
    /// `AuthenticationConfiguration` `jwt[].issuer.url` / `discoveryURL`) that is not an
    /// `https://` URL.
    ///
    /// ## Why is this bad?
    /// The API server fetches the issuer's discovery document and signing keys from that URL.
    /// Over plain HTTP anyone on the path can serve their own keys, and then mint tokens the
    /// API server accepts for any user and group.
    ///
    /// ## Example
    /// ```yaml
    /// - --oidc-issuer-url=http://dex.example.com
    /// ```
    ///
    /// ## How to fix
    /// Serve the identity provider over HTTPS and use its `https://` issuer URL (with
    /// `--oidc-ca-file` or `issuer.certificateAuthority` for a private CA).
    ///
    /// Guide: *OIDC*.
    pub InsecureOidcIssuerUrl {
        code: "OI001",
        slug: "insecure-oidc-issuer-url",
        severity: Severity::High,
        mechanism: Mechanism::Oidc,
        scope: Scope::Audit,
    }
}

impl Check for InsecureOidcIssuerUrl {
    fn check(&self, cx: &Context<'_, '_>, out: &mut Findings) {
        let authenticators = jwt_authenticators(cx.inv);
        if authenticators.is_empty() && !cx.inv.apiserver.is_visible() && authentication_configs(cx.inv).is_empty() {
            out.not_assessable(self, "control plane not visible", &crate::inventory::flags::CONTROL_PLANE_HINT);
            return;
        }
        for jwt in authenticators {
            for url in [&jwt.issuer, &jwt.discovery_url].into_iter().flatten() {
                if !url.value.trim().to_ascii_lowercase().starts_with("https://") {
                    out.push(
                        self.finding_at(
                            jwt.object.clone(),
                            jwt.source.clone(),
                            format!("signing keys of the JWT issuer are fetched without TLS from `{}`", url.value),
                        )
                        .evidence(Evidence::plain(url.path.clone(), url.shown.clone())),
                    );
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing, reason = "tests")]
    use super::*;
    use crate::rules::test_support::{apiserver_pod, run, summary};
    use serde_json::json;

    #[test]
    fn http_issuers_fire_in_both_forms() {
        let (found, _) =
            run(&InsecureOidcIssuerUrl, vec![apiserver_pod(&["--oidc-issuer-url=http://dex.example.com"])]);
        assert_eq!(
            summary(&found),
            [(
                "high".into(),
                "Pod/kube-system/kube-apiserver-cp1".into(),
                "signing keys of the JWT issuer are fetched without TLS from `http://dex.example.com`".into()
            )]
        );
        let config = json!({"apiVersion": "apiserver.config.k8s.io/v1", "kind": "AuthenticationConfiguration",
            "metadata": {"name": "authn"},
            "jwt": [{"issuer": {"url": "https://idp.example.com", "discoveryURL": "http://idp.internal/.well-known/openid-configuration",
                                "audiences": ["k8s"]}}]});
        let (found, _) = run(&InsecureOidcIssuerUrl, vec![config]);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].evidence[0].path, "jwt[0].issuer.discoveryURL");
    }

    #[test]
    fn https_or_no_oidc_is_quiet() {
        let (found, na) =
            run(&InsecureOidcIssuerUrl, vec![apiserver_pod(&["--oidc-issuer-url=https://dex.example.com"])]);
        assert!(found.is_empty() && na.is_empty());
        assert!(run(&InsecureOidcIssuerUrl, vec![apiserver_pod(&[])]).0.is_empty());
        assert_eq!(run(&InsecureOidcIssuerUrl, vec![]).1, ["OI001"]);
    }
}
