use super::bootstrap_secret::{TokenSource, bootstrap_tokens};
use crate::rule::prelude::*;

declare_rule! {
    /// ## What it does
    /// Flags a bootstrap token Secret (`bootstrap.kubernetes.io/token`) that has no
    /// `expiration`, and a token in a kubeadm `InitConfiguration` with `ttl: 0` (kubeadm then
    /// creates the Secret without one).
    ///
    /// ## Why is this bad?
    /// A bootstrap token is meant to let a node join once, shortly after it is created. Without
    /// an expiry the token cleaner never removes it, so anyone who ever saw it (a join command
    /// in shell history, a CI log, a cloud-init file) can keep posting node CSRs as a
    /// bootstrapper, indefinitely. Nothing locks out repeated guesses either.
    ///
    /// A token Secret outside `kube-system`, or not named `bootstrap-token-<token-id>`, is
    /// ignored by the API server; it is reported at info level only.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: Secret
    /// type: bootstrap.kubernetes.io/token
    /// metadata:
    ///   name: bootstrap-token-07401b
    ///   namespace: kube-system
    /// stringData:
    ///   token-id: 07401b
    ///   token-secret: f395accd246ae52d
    ///   usage-bootstrap-authentication: "true"
    /// ```
    ///
    /// ## How to fix
    /// Create join tokens with a short TTL (`kubeadm token create --ttl 1h`) and delete ones
    /// that are no longer needed (`kubeadm token delete <id>`); never use `--ttl 0`.
    ///
    /// Guide: *Bootstrap Tokens*.
    pub NonExpiringBootstrapToken {
        code: "BT001",
        slug: "non-expiring-bootstrap-token",
        severity: Severity::High,
        mechanism: Mechanism::BootstrapTokens,
        scope: Scope::Admit,
    }
}

impl Check for NonExpiringBootstrapToken {
    fn check(&self, cx: &Context<'_, '_>, out: &mut Findings) {
        for token in bootstrap_tokens(cx.inv) {
            if !token.never_expires() {
                continue;
            }
            let id = token.display_id();
            let finding = match token.ignored_because() {
                None => self.finding(token.object, format!("bootstrap token `{id}` never expires")),
                Some(why) => self
                    .finding(token.object, format!("bootstrap token `{id}` never expires, but {why}"))
                    .severity(Severity::Info),
            };
            let written = match &token.source {
                TokenSource::Kubeadm { ttl: Some(ttl), .. } => ttl.clone(),
                _ => "unset".to_string(),
            };
            out.push(finding.evidence(Evidence::plain(token.path("expiration"), written)));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::bt::bootstrap_secret::fixtures::bootstrap_secret;
    use crate::rules::test_support::{run, summary};
    use serde_json::json;

    #[test]
    fn a_token_without_expiration_is_high_and_a_ttl_token_passes() {
        let (found, _) = run(
            &NonExpiringBootstrapToken,
            vec![
                bootstrap_secret("07401b", "f395accd246ae52d", None),
                bootstrap_secret("abcdef", "3ubbwmtl2qxm3ryy", Some("2025-11-29T10:00:00Z")),
            ],
        );
        assert_eq!(
            summary(&found),
            vec![(
                "high".to_string(),
                "Secret/kube-system/bootstrap-token-07401b".to_string(),
                "bootstrap token `07401b` never expires".to_string()
            )]
        );
        assert_eq!(found[0].evidence[0].path, "data.expiration");
    }

    #[test]
    fn a_token_the_api_server_ignores_is_info() {
        let mut elsewhere = bootstrap_secret("07401b", "f395accd246ae52d", None);
        elsewhere["metadata"]["namespace"] = json!("default");
        let mut renamed = bootstrap_secret("9a08jv", "f395accd246ae52d", None);
        renamed["metadata"]["name"] = json!("join-token");
        let (found, _) = run(&NonExpiringBootstrapToken, vec![elsewhere, renamed]);
        let got: Vec<(String, String)> = summary(&found).into_iter().map(|(s, _, m)| (s, m)).collect();
        assert_eq!(
            got,
            vec![
                (
                    "info".to_string(),
                    "bootstrap token `07401b` never expires, but the API server only reads bootstrap tokens in `kube-system`"
                        .to_string()
                ),
                (
                    "info".to_string(),
                    "bootstrap token `9a08jv` never expires, but the API server only reads it under the name `bootstrap-token-9a08jv`"
                        .to_string()
                ),
            ]
        );
    }

    #[test]
    fn kubeadm_init_configuration_tokens() {
        let config = json!({"apiVersion": "kubeadm.k8s.io/v1beta4", "kind": "InitConfiguration",
            "bootstrapTokens": [
                {"token": "s73ybu.6tw6wnqgp5z0wb77", "ttl": "0s", "groups": ["system:bootstrappers:kubeadm:default-node-token"]},
                {"token": "9a08jv.3ubbwmtl2qxm3ryy"},
                {"token": "k2w8ab.fq0sm6d1hk7v2xz4", "ttl": "24h0m0s"},
                {"groups": ["system:bootstrappers:kubeadm:default-node-token"], "ttl": "0"}]});
        let (found, _) = run(&NonExpiringBootstrapToken, vec![config]);
        let got: Vec<(String, String, String)> = found
            .iter()
            .map(|f| {
                (f.severity.to_string(), f.message.clone(), format!("{}={}", f.evidence[0].path, f.evidence[0].value))
            })
            .collect();
        assert_eq!(
            got,
            vec![(
                "high".to_string(),
                "bootstrap token `s73ybu` never expires".to_string(),
                "bootstrapTokens[0].ttl=0s".to_string()
            )]
        );
    }

    #[test]
    fn string_data_manifests_are_read_too() {
        let secret = json!({"apiVersion": "v1", "kind": "Secret", "type": "bootstrap.kubernetes.io/token",
            "metadata": {"name": "bootstrap-token-07401b", "namespace": "kube-system"},
            "stringData": {"token-id": "07401b", "token-secret": "f395accd246ae52d",
                           "usage-bootstrap-authentication": "true"}});
        let (found, _) = run(&NonExpiringBootstrapToken, vec![secret]);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].evidence[0].path, "stringData.expiration");
        assert!(!found[0].message.contains("f395accd246ae52d"));
    }
}
