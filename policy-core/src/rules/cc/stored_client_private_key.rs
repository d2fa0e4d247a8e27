use crate::inventory::certs::FoundKey;
use crate::rule::prelude::*;

declare_rule! {
    /// ## What it does
    /// Flags an unencrypted private key of a client certificate stored in the cluster: the
    /// `client-key-data` of a kubeconfig kept in a Secret or ConfigMap, or a key stored next to
    /// a client certificate that a CA of the cluster signed (for example a `kubernetes.io/tls`
    /// Secret used as a user credential). Any unencrypted private key in a ConfigMap is
    /// flagged, at high severity, since ConfigMaps are not meant to keep secrets. Keys of
    /// serving certificates in tls Secrets are normal and not flagged; neither are
    /// kubeconfig files given as input, which live outside the cluster.
    ///
    /// ## Why is this bad?
    /// A client key cannot carry a passphrase the API server could check: whoever reads it
    /// logs in as the certificate's user until the certificate expires, and the certificate
    /// cannot be revoked. Everyone who can read Secrets in that namespace, or ConfigMaps, can
    /// read the key.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: Secret
    /// metadata:
    ///   name: admin-kubeconfig
    /// data:
    ///   kubeconfig: <base64 of a kubeconfig with client-key-data>
    /// ```
    ///
    /// ## How to fix
    /// Remove the key from the cluster and reissue the certificate if it may have been read.
    /// Give people their credentials outside the cluster, or better, through OIDC; give
    /// workloads service-account tokens instead of user certificates.
    ///
    /// Guide: *Client Certificate Authentication*.
    pub StoredClientPrivateKey {
        code: "CC005",
        slug: "stored-client-private-key",
        severity: Severity::Medium,
        mechanism: Mechanism::ClientCertificates,
        scope: Scope::Audit,
    }
}

impl Check for StoredClientPrivateKey {
    fn check(&self, cx: &Context<'_, '_>, out: &mut Findings) {
        let certs = &cx.inv.certs;
        let cas: Vec<_> = certs.client_cas().collect();
        let signed_by_cluster =
            |key: &FoundKey<'_>| key.paired_with.iter().any(|c| cas.iter().any(|ca| c.issued_by(ca)));
        for key in &certs.keys {
            if key.key.encrypted || key.object.is("Config") {
                continue;
            }
            let in_config_map = key.object.is("ConfigMap");
            let kubeconfig_key = key.path.ends_with(".client-key-data");
            if !(in_config_map || kubeconfig_key || signed_by_cluster(key)) {
                continue;
            }
            let owner = key.paired_with.first().map(|c| format!(" of `{}`", c.common_name)).unwrap_or_default();
            let message = format!("unencrypted private key{owner} is stored in `{}`", key.path);
            let severity = if in_config_map { Severity::High } else { Severity::Medium };
            let evidence = Evidence { path: key.path.clone(), value: key.key.fingerprint.clone(), redacted: true };
            out.push(self.finding(key.object, message).severity(severity).evidence(evidence));
        }
    }
}

#[cfg(test)]
#[expect(clippy::indexing_slicing, reason = "tests")]
mod tests {
    use super::*;
    use crate::inventory::x509::tests::{CA_PEM, EVE_MASTERS_PEM, KEY_PEM, b64};
    use crate::rules::test_support::{config_map, run, summary};
    use serde_json::json;

    fn tls_secret(name: &str, cert: &str) -> serde_json::Value {
        json!({
            "apiVersion": "v1", "kind": "Secret", "type": "kubernetes.io/tls",
            "metadata": {"name": name, "namespace": "apps"},
            "data": {"tls.crt": b64(cert), "tls.key": b64(KEY_PEM)}
        })
    }

    #[test]
    fn client_key_next_to_a_cluster_signed_certificate_fires_serving_keys_do_not() {
        let (found, _) = run(
            &StoredClientPrivateKey,
            vec![
                config_map("kube-root-ca.crt", json!({"ca.crt": CA_PEM})),
                tls_secret("eve-cert", EVE_MASTERS_PEM),
                tls_secret("ingress", CA_PEM),
            ],
        );
        assert_eq!(
            summary(&found),
            vec![(
                "medium".to_string(),
                "Secret/apps/eve-cert".to_string(),
                "unencrypted private key of `eve` is stored in `data.tls.key`".to_string()
            )]
        );
        assert!(found[0].evidence[0].redacted && found[0].evidence[0].value.starts_with("fp1:"));
        assert!(!found[0].evidence[0].value.contains("PRIVATE"));
    }

    #[test]
    fn keys_in_config_maps_are_high_and_encrypted_keys_pass() {
        let encrypted = "-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n";
        let (found, _) = run(
            &StoredClientPrivateKey,
            vec![config_map("leaky", json!({"key.pem": KEY_PEM})), config_map("safe", json!({"key.pem": encrypted}))],
        );
        let got: Vec<String> = summary(&found).into_iter().map(|(s, o, _)| format!("{s} {o}")).collect();
        assert_eq!(got, vec!["high ConfigMap/kube-system/leaky"]);
    }
}
