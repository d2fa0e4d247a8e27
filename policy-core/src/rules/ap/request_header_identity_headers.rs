use crate::inventory::authn_config::{EXTENSION_AUTH_HINT, RequestHeaderView, request_header};
use crate::rule::prelude::*;

declare_rule! {
    /// ## What it does
    /// Reports, for review, which HTTP headers carry identity when request-header
    /// (authenticating proxy) authentication is configured: the user name headers, the group
    /// headers, the extra-field prefixes, and the client names allowed to send them.
    ///
    /// ## Why is this bad?
    /// It is not bad by itself. But whoever can set these headers on a request that reaches
    /// the API server over an allowed client certificate *is* that user, so the proxy must
    /// strip them from incoming requests and only the proxy may hold such a certificate.
    /// Knowing the exact header names is what that review needs.
    ///
    /// ## Example
    /// ```yaml
    /// - --requestheader-username-headers=X-Remote-User
    /// - --requestheader-group-headers=X-Remote-Group
    /// - --requestheader-extra-headers-prefix=X-Remote-Extra-
    /// ```
    ///
    /// ## How to fix
    /// Nothing to fix if intended: check that the proxy removes these headers from client
    /// requests, talks to the API server over TLS, and that `--requestheader-allowed-names`
    /// names only the proxy.
    ///
    /// Guide: *Authenticating Proxy*.
    pub RequestHeaderIdentityHeaders {
        code: "AP004",
        slug: "request-header-identity-headers",
        severity: Severity::Info,
        mechanism: Mechanism::AuthenticatingProxy,
        scope: Scope::Audit,
    }
}

impl Check for RequestHeaderIdentityHeaders {
    fn check(&self, cx: &Context<'_, '_>, out: &mut Findings) {
        let header = match request_header(cx.inv) {
            RequestHeaderView::On(header) => header,
            RequestHeaderView::Off => return,
            RequestHeaderView::NotVisible => {
                out.not_assessable(
                    self,
                    "control plane and extension-apiserver-authentication not visible",
                    &[EXTENSION_AUTH_HINT, crate::inventory::flags::CONTROL_PLANE_HINT[0]],
                );
                return;
            }
        };
        let show = |list: &[String]| {
            if list.is_empty() { "none".to_string() } else { format!("`{}`", list.join("`, `")) }
        };
        let message = format!(
            "request-header identity comes from user headers {}, group headers {}, extra prefixes {}, sent by {}",
            show(&header.username_headers),
            show(&header.group_headers),
            show(&header.extra_prefixes),
            if header.allowed_names.is_empty() {
                "any client of the CA".to_string()
            } else {
                show(&header.allowed_names)
            },
        );
        let mut finding = self.finding_at(header.object, header.source, message);
        for evidence in header.evidence {
            finding = finding.evidence(evidence);
        }
        out.push(finding);
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing, reason = "tests")]
    use super::*;
    use crate::rules::test_support::{run, summary};
    use serde_json::json;

    #[test]
    fn kubeadm_defaults_are_listed() {
        let kubeadm = json!({"apiVersion": "kubeadm.k8s.io/v1beta3", "kind": "ClusterConfiguration", "metadata": {"name": "cfg"}});
        let (found, _) = run(&RequestHeaderIdentityHeaders, vec![kubeadm]);
        assert_eq!(
            summary(&found),
            [(
                "info".into(),
                "ClusterConfiguration/cfg".into(),
                "request-header identity comes from user headers `X-Remote-User`, group headers `X-Remote-Group`, extra prefixes `X-Remote-Extra-`, sent by `front-proxy-client`".into()
            )]
        );
        assert_eq!(
            found[0].evidence[0].value,
            "--requestheader-client-ca-file=/etc/kubernetes/pki/front-proxy-ca.crt (kubeadm default)"
        );
    }

    #[test]
    fn nothing_without_request_header_ca() {
        let pod = crate::rules::test_support::apiserver_pod(&["--client-ca-file=/pki/ca.crt"]);
        let (found, na) = run(&RequestHeaderIdentityHeaders, vec![pod]);
        assert!(found.is_empty() && na.is_empty());
        assert_eq!(run(&RequestHeaderIdentityHeaders, vec![]).1, ["AP004"]);
    }
}
