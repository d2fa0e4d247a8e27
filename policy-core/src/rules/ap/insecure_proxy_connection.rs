use crate::inventory::authenticators::{ApiTraffic, deployed, insecure_api_connections};
use crate::rule::prelude::*;

declare_rule! {
    /// ## What it does
    /// Flags authenticating-proxy software in front of the API server (kube-oidc-proxy,
    /// openunison, teleport, pomerium, and oauth2-proxy when an upstream is the API server)
    /// that reaches the API server without TLS verification: an `--insecure-skip-tls-verify`
    /// style flag or environment variable, an `http://` URL of the API server (its in-cluster
    /// service name or port 6443), or a mounted kubeconfig with `insecure-skip-tls-verify: true`
    /// or an `http://` server.
    ///
    /// ## Why is this bad?
    /// The proxy forwards every user's request, with impersonation headers or its own powerful
    /// credentials. Without TLS, or with TLS that trusts anything, anyone on the network path
    /// can read those requests and credentials or answer in the API server's place.
    ///
    /// ## Example
    /// ```yaml
    /// containers:
    ///   - name: kube-oidc-proxy
    ///     image: quay.io/jetstack/kube-oidc-proxy:v1.0.0
    ///     args:
    ///       - --insecure-skip-tls-verify
    /// ```
    ///
    /// ## How to fix
    /// Remove the skip-verification option and use `https://` with the cluster CA (the
    /// in-cluster service account's `ca.crt`, or `certificate-authority-data` in the kubeconfig).
    ///
    /// Guide: *Authenticating Proxy*.
    pub InsecureProxyConnection {
        code: "AP003",
        slug: "insecure-proxy-connection",
        severity: Severity::High,
        mechanism: Mechanism::AuthenticatingProxy,
        scope: Scope::Audit,
    }
}

impl Check for InsecureProxyConnection {
    fn check(&self, cx: &Context<'_, '_>, out: &mut Findings) {
        for d in deployed(cx.inv) {
            if d.product.api == ApiTraffic::Client {
                continue;
            }
            let problems = insecure_api_connections(cx.inv, &d);
            if problems.is_empty() {
                continue;
            }
            let whats: Vec<&str> = problems.iter().map(|p| p.what.as_str()).collect();
            let mut finding = self.finding(
                d.workload.object,
                format!(
                    "{} (`{}`) reaches the API server without TLS verification: {}",
                    d.product.name,
                    d.workload.label(),
                    whats.join("; ")
                ),
            );
            for problem in problems {
                finding = finding.evidence(problem.evidence);
                if let Some(holder) = problem.holder {
                    finding = finding.related(holder);
                }
            }
            for owned in d.workload.related() {
                finding = finding.related(owned);
            }
            out.push(finding);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::test_support::{run, summary};
    use serde_json::{Value, json};

    fn deployment(name: &str, image: &str, args: &[&str], volumes: Value) -> Value {
        json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name, "namespace": "proxy"},
               "spec": {"template": {"spec": {"containers": [{"name": name, "image": image, "args": args}],
                                              "volumes": volumes}}}})
    }

    #[test]
    fn flags_urls_and_kubeconfigs() {
        let kubeconfig = json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "upstream", "namespace": "proxy"},
            "stringData": {"kubeconfig": "{\"apiVersion\": \"v1\", \"kind\": \"Config\", \"clusters\": [{\"name\": \"c\", \"cluster\": {\"server\": \"http://10.0.0.1:8080\"}}]}"}});
        let (found, _) = run(
            &InsecureProxyConnection,
            vec![
                deployment(
                    "kop",
                    "quay.io/jetstack/kube-oidc-proxy:v1.0.0",
                    &["--insecure-skip-tls-verify=true"],
                    json!([]),
                ),
                deployment("kop-ok", "quay.io/jetstack/kube-oidc-proxy:v1.0.0", &["--secure-port=443"], json!([])),
                deployment(
                    "pom",
                    "pomerium/pomerium:v0.28",
                    &[],
                    json!([{"name": "kc", "secret": {"secretName": "upstream"}}]),
                ),
                deployment(
                    "o2p",
                    "quay.io/oauth2-proxy/oauth2-proxy:v7.7.1",
                    &["--upstream=http://kubernetes.default.svc"],
                    json!([]),
                ),
                deployment("dex", "ghcr.io/dexidp/dex:v2.41.1", &["--insecure-skip-tls-verify"], json!([])),
                kubeconfig,
            ],
        );
        assert_eq!(
            summary(&found),
            vec![
                (
                    "high".to_string(),
                    "Deployment/proxy/kop".to_string(),
                    "kube-oidc-proxy (`Deployment/kop`) reaches the API server without TLS verification: `insecure-skip-tls-verify` turns off TLS verification"
                        .to_string()
                ),
                (
                    "high".to_string(),
                    "Deployment/proxy/pom".to_string(),
                    "pomerium (`Deployment/pom`) reaches the API server without TLS verification: its kubeconfig `upstream` reaches the API server over plain http"
                        .to_string()
                ),
                (
                    "high".to_string(),
                    "Deployment/proxy/o2p".to_string(),
                    "oauth2-proxy (`Deployment/o2p`) reaches the API server without TLS verification: the API server is reached over plain http at `http://kubernetes.default.svc`"
                        .to_string()
                ),
            ]
        );
        assert_eq!(found[1].related[0].to_string(), "Secret/proxy/upstream");
    }
}
