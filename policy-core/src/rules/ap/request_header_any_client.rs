use crate::inventory::authn_config::{EXTENSION_AUTH_HINT, RequestHeaderView, request_header};
use crate::rule::prelude::*;

declare_rule! {
    /// ## What it does
    /// Flags request-header (authenticating proxy) authentication configured with a
    /// request-header CA but an empty `--requestheader-allowed-names`. Reads the API server's
    /// flags, or the `extension-apiserver-authentication` ConfigMap when they are not in the
    /// dump.
    ///
    /// ## Why is this bad?
    /// The API server believes the `X-Remote-User` and `X-Remote-Group` headers of any
    /// client that presents a certificate from the request-header CA. With no allowed names,
    /// every certificate that CA ever signed (not only the proxy's) can claim to be any user
    /// in any group, `system:masters` included.
    ///
    /// ## Example
    /// ```yaml
    /// spec:
    ///   containers:
    ///     - command:
    ///         - kube-apiserver
    ///         - --requestheader-client-ca-file=/etc/kubernetes/pki/front-proxy-ca.crt
    ///         - --requestheader-username-headers=X-Remote-User
    /// ```
    ///
    /// ## How to fix
    /// Set `--requestheader-allowed-names` to the common names of the proxy's client
    /// certificates (kubeadm: `front-proxy-client`), and keep that CA for the proxy alone.
    ///
    /// Guide: *Authenticating Proxy*.
    pub RequestHeaderAnyClient {
        code: "AP001",
        slug: "request-header-any-client",
        severity: Severity::High,
        mechanism: Mechanism::AuthenticatingProxy,
        scope: Scope::Audit,
    }
}

impl Check for RequestHeaderAnyClient {
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
        if !header.allowed_names.is_empty() {
            return;
        }
        let mut finding = self.finding_at(
            header.object,
            header.source,
            format!("any client certificate from the request-header CA `{}` may assert any user and group", header.ca),
        );
        for evidence in header.evidence.into_iter().take(2) {
            finding = finding.evidence(evidence);
        }
        out.push(finding);
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing, reason = "tests")]
    use super::*;
    use crate::rules::test_support::{apiserver_pod, config_map, run, summary};
    use serde_json::json;

    const CA: &str = "--requestheader-client-ca-file=/etc/kubernetes/pki/front-proxy-ca.crt";

    #[test]
    fn flags_without_allowed_names_fire() {
        let (found, _) =
            run(&RequestHeaderAnyClient, vec![apiserver_pod(&[CA, "--requestheader-username-headers=X-Remote-User"])]);
        assert_eq!(
            summary(&found),
            [(
                "high".into(),
                "Pod/kube-system/kube-apiserver-cp1".into(),
                "any client certificate from the request-header CA `/etc/kubernetes/pki/front-proxy-ca.crt` may assert any user and group".into()
            )]
        );
        assert_eq!(found[0].evidence[1].value, "unset");
        let ok = apiserver_pod(&[CA, "--requestheader-allowed-names=front-proxy-client"]);
        assert!(run(&RequestHeaderAnyClient, vec![ok]).0.is_empty());
        let (found, na) = run(&RequestHeaderAnyClient, vec![apiserver_pod(&[])]);
        assert!(found.is_empty() && na.is_empty());
    }

    #[test]
    fn config_map_json_lists() {
        let cm = |names: &str| {
            config_map(
                "extension-apiserver-authentication",
                json!({"requestheader-client-ca-file": "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n",
                       "requestheader-allowed-names": names, "requestheader-username-headers": "[\"X-Remote-User\"]"}),
            )
        };
        let (found, _) = run(&RequestHeaderAnyClient, vec![cm("[]")]);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].object.to_string(), "ConfigMap/kube-system/extension-apiserver-authentication");
        assert!(run(&RequestHeaderAnyClient, vec![cm("[\"front-proxy-client\"]")]).0.is_empty());
        // Not a JSON list: a diagnostic, not a guess.
        assert!(run(&RequestHeaderAnyClient, vec![cm("front-proxy-client")]).0.is_empty());
        assert_eq!(run(&RequestHeaderAnyClient, vec![]).1, ["AP001"]);
    }
}
