use crate::rule::prelude::*;
use crate::value::Value;

declare_rule! {
    /// ## What it does
    /// Flags an `APIService` that sets `insecureSkipTLSVerify: true`: the API server proxies
    /// that group's requests to an aggregated API server without checking its certificate.
    /// APIServices served by the API server itself (no `spec.service`) are left out.
    ///
    /// ## Why is this bad?
    /// For every request to an aggregated API, the API server authenticates the caller and
    /// forwards the caller's user name and groups in request headers, much as an
    /// authenticating proxy does, along with its own front-proxy client certificate. Without
    /// verification, whoever can stand in for the backend Service (a Pod with its labels, a
    /// changed Endpoints object, a spoofed address) receives every caller's identity and
    /// request, and answers for that API as it likes.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: apiregistration.k8s.io/v1
    /// kind: APIService
    /// metadata: {name: v1beta1.metrics.k8s.io}
    /// spec:
    ///   service: {name: metrics-server, namespace: kube-system}
    ///   insecureSkipTLSVerify: true
    /// ```
    ///
    /// ## How to fix
    /// Remove `insecureSkipTLSVerify` and set `spec.caBundle` to the CA that signed the
    /// backend's serving certificate (cert-manager's CA injector can keep it current).
    ///
    /// Guide: *Authenticating Proxy*.
    pub InsecureApiService {
        code: "AP005",
        slug: "insecure-api-service",
        severity: Severity::Low,
        mechanism: Mechanism::AuthenticatingProxy,
        scope: Scope::Admit,
        status: Preview("0.2.0"),
    }
}

impl Check for InsecureApiService {
    fn check(&self, cx: &Context<'_, '_>, out: &mut Findings) {
        for api in cx.inv.of_kind("APIService") {
            if api.at(&["spec", "insecureSkipTLSVerify"]).and_then(Value::as_bool) != Some(true) {
                continue;
            }
            let Some(service) = api.str_at(&["spec", "service", "name"]) else { continue };
            let namespace = api.str_at(&["spec", "service", "namespace"]).unwrap_or("default");
            out.push(
                self.finding(
                    api,
                    format!(
                        "`{}` is proxied to service `{namespace}/{service}` without TLS verification: callers' identity headers go to a backend no one checked",
                        api.name()
                    ),
                )
                .evidence(Evidence::plain("spec.insecureSkipTLSVerify", "true")),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing, reason = "tests")]
    use super::*;
    use crate::rules::test_support::{run, summary};
    use serde_json::{Value, json};

    fn api_service(name: &str, spec: Value) -> Value {
        json!({"apiVersion": "apiregistration.k8s.io/v1", "kind": "APIService", "metadata": {"name": name}, "spec": spec})
    }

    #[test]
    fn only_proxied_unverified_services_are_found() {
        let (found, _) = run(
            &InsecureApiService,
            vec![
                api_service(
                    "v1beta1.metrics.k8s.io",
                    json!({"service": {"name": "metrics-server", "namespace": "kube-system"}, "insecureSkipTLSVerify": true}),
                ),
                api_service(
                    "v1.custom.example.com",
                    json!({"service": {"name": "custom", "namespace": "ext"}, "caBundle": "LS0t", "insecureSkipTLSVerify": false}),
                ),
                api_service("v1.apps", json!({"insecureSkipTLSVerify": true})),
                api_service(
                    "v1.other.example.com",
                    json!({"service": {"name": "other", "namespace": "ext"}, "caBundle": "LS0t"}),
                ),
            ],
        );
        assert_eq!(
            summary(&found),
            [(
                "low".into(),
                "APIService/v1beta1.metrics.k8s.io".into(),
                "`v1beta1.metrics.k8s.io` is proxied to service `kube-system/metrics-server` without TLS verification: callers' identity headers go to a backend no one checked"
                    .into()
            )]
        );
    }

    #[test]
    fn admission_rejects_nothing_but_reports_it() {
        let settings =
            crate::settings::Settings { select: vec!["AP005".into()], ..crate::settings::Settings::default() };
        let request = json!({"operation": "CREATE", "object": api_service(
            "v1.x.example.com", json!({"service": {"name": "x", "namespace": "x"}, "insecureSkipTLSVerify": true}))});
        let response =
            crate::engine::admit(&request.into(), &settings, &crate::engine::AdmitSettings::default()).unwrap();
        assert_eq!(response.findings.len(), 1);
        assert_eq!(response.findings[0].code, "AP005");
    }
}
