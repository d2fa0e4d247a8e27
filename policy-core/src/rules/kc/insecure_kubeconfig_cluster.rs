use super::which;
use crate::inventory::kubeconfig::holder_ref;
use crate::rule::prelude::*;

declare_rule! {
    /// ## What it does
    /// Flags a kubeconfig cluster entry that turns off server verification
    /// (`insecure-skip-tls-verify: true`) or talks to the API server over plain `http://`.
    /// It reads kubeconfig documents given as input and kubeconfigs stored in Secrets and
    /// ConfigMaps. An `http://` server on the loopback interface (`kubectl proxy`) is low.
    /// In an authentication-webhook kubeconfig (its server a `…/authenticate` endpoint, given
    /// to the API server with `--authentication-token-webhook-config-file`) it is the API
    /// server that does not verify the webhook: critical, fixed with the webhook's own CA.
    ///
    /// ## Why is this bad?
    /// Without verification anyone on the network path can pose as the API server and
    /// collect the credential the client presents: a bearer token, basic credentials, or the
    /// requests of a client certificate. Over `http://` the credential travels in clear text.
    ///
    /// ## Example
    /// ```yaml
    /// clusters:
    ///   - name: prod
    ///     cluster:
    ///       server: https://10.0.0.1:6443
    ///       insecure-skip-tls-verify: true
    /// ```
    ///
    /// ## How to fix
    /// Put the cluster CA in `certificate-authority-data` (kubeadm publishes it in the
    /// `cluster-info` ConfigMap of kube-public), remove `insecure-skip-tls-verify`, and use
    /// `https://` server URLs.
    ///
    /// Guide: *Authentication Mechanisms*.
    pub InsecureKubeconfigCluster {
        code: "KC001",
        slug: "insecure-kubeconfig-cluster",
        severity: Severity::High,
        mechanism: Mechanism::General,
        scope: Scope::Audit,
    }
}

/// Whether a kubeconfig cluster is a token-authentication webhook rather than an API server:
/// its server is a `…/authenticate` endpoint, the path the Kubernetes documentation and the
/// authenticators (aws-iam-authenticator, guard) use for `TokenReview`.
fn is_authentication_webhook(server: &str) -> bool {
    let without_query = server.split(['?', '#']).next().unwrap_or(server);
    let after_scheme = without_query.split_once("://").map_or(without_query, |(_, rest)| rest);
    after_scheme
        .split_once('/')
        .is_some_and(|(_, path)| path.trim_end_matches('/').to_ascii_lowercase().ends_with("authenticate"))
}

impl Check for InsecureKubeconfigCluster {
    fn check(&self, cx: &Context<'_, '_>, out: &mut Findings) {
        for config in &cx.inv.certs.kubeconfigs {
            let prefix = config.prefix();
            for cluster in &config.clusters {
                let finding =
                    |message: String| self.finding_at(holder_ref(config.object), config.object.source.clone(), message);
                let webhook = cluster.server.as_deref().is_some_and(is_authentication_webhook);
                if cluster.insecure_skip_tls_verify && webhook {
                    let message = format!(
                        "authentication webhook `{}` {} is called without TLS verification: whoever sits between the API server and it sees every bearer token and can answer \"authenticated\" for anyone; set `certificate-authority-data` to the webhook's own CA",
                        cluster.name,
                        which(config)
                    );
                    let path = format!("{prefix}{}.insecure-skip-tls-verify", cluster.path);
                    out.push(finding(message).severity(Severity::Critical).evidence(Evidence::plain(path, "true")));
                } else if cluster.insecure_skip_tls_verify {
                    let message = format!(
                        "cluster `{}` {} skips TLS verification of the API server",
                        cluster.name,
                        which(config)
                    );
                    let path = format!("{prefix}{}.insecure-skip-tls-verify", cluster.path);
                    out.push(finding(message).evidence(Evidence::plain(path, "true")));
                }
                if let Some(server) = &cluster.server
                    && let Some(rest) =
                        server.get(..7).filter(|s| s.eq_ignore_ascii_case("http://")).and(server.get(7..))
                {
                    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
                    let host = if authority.starts_with('[') {
                        authority.split_inclusive(']').next().unwrap_or(authority)
                    } else {
                        authority.split(':').next().unwrap_or(authority)
                    };
                    let loopback = matches!(host, "localhost" | "[::1]") || host.starts_with("127.");
                    let message = format!(
                        "cluster `{}` {} reaches the API server over plain http: `{server}`",
                        cluster.name,
                        which(config)
                    );
                    let path = format!("{prefix}{}.server", cluster.path);
                    let severity = if loopback { Severity::Low } else { Severity::High };
                    out.push(finding(message).severity(severity).evidence(Evidence::plain(path, server.clone())));
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

    #[test]
    fn skip_verify_and_http_fire_loopback_http_is_low() {
        let config = json!({
            "apiVersion": "v1", "kind": "Config", "current-context": "prod",
            "clusters": [
                {"name": "prod", "cluster": {"server": "https://10.0.0.1:6443", "insecure-skip-tls-verify": true}},
                {"name": "lab", "cluster": {"server": "http://lab.example:8080"}},
                {"name": "proxy", "cluster": {"server": "http://127.0.0.1:8001"}},
                {"name": "ok", "cluster": {"server": "https://k.example:6443"}},
                {"name": "authn", "cluster": {"server": "https://127.0.0.1:21362/authenticate", "insecure-skip-tls-verify": true}}
            ]
        });
        let (found, _) = run(&InsecureKubeconfigCluster, vec![config]);
        assert_eq!(
            summary(&found),
            vec![
                (
                    "high".to_string(),
                    "Config/prod".to_string(),
                    "cluster `prod` in the kubeconfig skips TLS verification of the API server".to_string()
                ),
                (
                    "high".to_string(),
                    "Config/prod".to_string(),
                    "cluster `lab` in the kubeconfig reaches the API server over plain http: `http://lab.example:8080`"
                        .to_string()
                ),
                (
                    "low".to_string(),
                    "Config/prod".to_string(),
                    "cluster `proxy` in the kubeconfig reaches the API server over plain http: `http://127.0.0.1:8001`"
                        .to_string()
                ),
                (
                    "critical".to_string(),
                    "Config/prod".to_string(),
                    "authentication webhook `authn` in the kubeconfig is called without TLS verification: whoever sits between the API server and it sees every bearer token and can answer \"authenticated\" for anyone; set `certificate-authority-data` to the webhook's own CA".to_string()
                ),
            ]
        );
    }
}
