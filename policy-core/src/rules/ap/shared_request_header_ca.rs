use crate::rule::prelude::*;

declare_rule! {
    /// ## What it does
    /// Flags a cluster whose request-header CA bundle (`requestheader-client-ca-file`) and
    /// client CA bundle (`client-ca-file`) share a certificate authority. The evidence is the
    /// `extension-apiserver-authentication` ConfigMap in kube-system, which publishes both
    /// bundles as PEM; kube-apiserver's flags only name files, so two different file names
    /// prove nothing. CAs are compared by subject and public key, so a re-issued copy of the
    /// same CA (new serial, new dates) still counts as the same.
    ///
    /// ## Why is this bad?
    /// The API server believes the `X-Remote-User` and `X-Remote-Group` headers of any
    /// connection whose client certificate chains to the request-header CA. When that CA
    /// also signs ordinary client certificates, every certificate user (and every kubelet)
    /// can set those headers and become anyone, `system:masters` included.
    /// `requestheader-allowed-names` narrows this only if it is set.
    ///
    /// ## Example
    /// ```yaml
    /// kind: ConfigMap
    /// metadata:
    ///   name: extension-apiserver-authentication
    ///   namespace: kube-system
    /// data:
    ///   client-ca-file: <PEM of CN=kubernetes>
    ///   requestheader-client-ca-file: <PEM of CN=kubernetes>
    /// ```
    ///
    /// ## How to fix
    /// Give the front proxy its own CA (kubeadm's `front-proxy-ca`), point
    /// `--requestheader-client-ca-file` at it, and set `--requestheader-allowed-names` to the
    /// proxy certificate's CN.
    ///
    /// Guide: *Authenticating Proxy*.
    pub SharedRequestHeaderCa {
        code: "AP002",
        slug: "shared-request-header-ca",
        severity: Severity::Critical,
        mechanism: Mechanism::AuthenticatingProxy,
        scope: Scope::Audit,
    }
}

const HINT: [&str; 1] = [
    "the extension-apiserver-authentication ConfigMap: kubectl get configmap extension-apiserver-authentication -n kube-system -o yaml",
];

impl Check for SharedRequestHeaderCa {
    fn check(&self, cx: &Context<'_, '_>, out: &mut Findings) {
        let Some(auth) = &cx.inv.certs.extension_auth else {
            // Without the ConfigMap only a visible control plane without request-header
            // authentication settles the question.
            if !cx.inv.apiserver.is_visible() || cx.inv.apiserver.get("requestheader-client-ca-file").is_some() {
                out.not_assessable(self, "request-header and client CA bundles not in the dump", &HINT);
            }
            return;
        };
        let Some((proxy_ca, client_ca)) = auth
            .requestheader_ca
            .iter()
            .find_map(|proxy| auth.client_ca.iter().find(|client| proxy.same_ca(client)).map(|client| (proxy, client)))
        else {
            return;
        };
        let message = format!(
            "request-header CA `{}` also signs client certificates: any certificate user can assert any identity",
            proxy_ca.subject
        );
        out.push(
            self.finding(auth.object, message)
                .evidence(Evidence::plain(
                    "data.requestheader-client-ca-file",
                    format!("sha256:{}", proxy_ca.fingerprint),
                ))
                .evidence(Evidence::plain("data.client-ca-file", format!("sha256:{}", client_ca.fingerprint))),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::x509::tests::CA_PEM;
    use crate::rules::test_support::{config_map, run, summary};
    use serde_json::json;

    #[test]
    fn the_same_ca_in_both_bundles_is_critical() {
        let other = include_str!("../../inventory/testdata/front-proxy-ca.crt");
        let reissued = include_str!("../../inventory/testdata/ca-reissued.crt");
        let (found, _) = run(
            &SharedRequestHeaderCa,
            vec![config_map(
                "extension-apiserver-authentication",
                json!({"client-ca-file": format!("{other}{CA_PEM}"), "requestheader-client-ca-file": reissued}),
            )],
        );
        assert_eq!(
            summary(&found),
            vec![(
                "critical".to_string(),
                "ConfigMap/kube-system/extension-apiserver-authentication".to_string(),
                "request-header CA `CN=test-ca` also signs client certificates: any certificate user can assert any identity".to_string()
            )]
        );
    }

    #[test]
    fn separate_cas_pass_and_a_missing_config_map_is_not_assessable() {
        let other = include_str!("../../inventory/testdata/front-proxy-ca.crt");
        let (found, na) = run(
            &SharedRequestHeaderCa,
            vec![config_map(
                "extension-apiserver-authentication",
                json!({"client-ca-file": CA_PEM, "requestheader-client-ca-file": other}),
            )],
        );
        assert!(found.is_empty() && na.is_empty());
        let (found, na) = run(&SharedRequestHeaderCa, vec![]);
        assert!(found.is_empty());
        assert_eq!(na, vec!["AP002".to_string()]);
    }
}
