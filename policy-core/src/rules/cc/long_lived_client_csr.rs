use crate::inventory::certs::Approval;
use crate::rule::prelude::*;
use crate::util::{human_duration, parse_duration};

declare_rule! {
    /// ## What it does
    /// Flags a CertificateSigningRequest for a client signer that does not bound the
    /// certificate's lifetime: no `spec.expirationSeconds`, or more than
    /// `maxCertLifetimeSeconds` (24 hours by default). Client signers are
    /// `kubernetes.io/kube-apiserver-client` and `kubernetes.io/legacy-unknown` (the default
    /// of pre-v1 requests without `signerName`, signed by the cluster CA as well).
    /// Kubelet client requests (`kube-apiserver-client-kubelet`) rotate on their own and are
    /// not flagged; neither are denied or failed requests. When kube-controller-manager's
    /// `--cluster-signing-duration` is visible and within the limit, a missing
    /// `expirationSeconds` is harmless and not flagged.
    ///
    /// ## Why is this bad?
    /// Without `expirationSeconds` the certificate lives as long as the signer's default,
    /// one year on a stock cluster. A client certificate cannot be revoked, so that year is
    /// how long a leaked copy keeps working.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: certificates.k8s.io/v1
    /// kind: CertificateSigningRequest
    /// metadata:
    ///   name: alice
    /// spec:
    ///   signerName: kubernetes.io/kube-apiserver-client
    ///   usages: [client auth]
    ///   request: <base64 PEM>
    /// ```
    ///
    /// ## How to fix
    /// Set `spec.expirationSeconds` to the hours the person needs (for example `86400`), and
    /// lower `--cluster-signing-duration` so requests that forget it are still bounded.
    ///
    /// Guide: *Client Certificate Authentication*.
    pub LongLivedClientCsr {
        code: "CC003",
        slug: "long-lived-client-csr",
        severity: Severity::Medium,
        mechanism: Mechanism::ClientCertificates,
        scope: Scope::Admit,
    }
}

impl Check for LongLivedClientCsr {
    fn check(&self, cx: &Context<'_, '_>, out: &mut Findings) {
        let max = cx.settings.max_cert_lifetime_seconds;
        let signing_duration = ["cluster-signing-duration", "experimental-cluster-signing-duration"]
            .into_iter()
            .find_map(|name| cx.inv.controller_manager.get(name))
            .and_then(|flag| parse_duration(&flag.value));
        for csr in &cx.inv.certs.csrs {
            if !csr.for_client_signer() || matches!(csr.approval, Approval::Denied | Approval::Failed) {
                continue;
            }
            let who = csr.request.as_ref().map_or_else(|| csr.object.name().to_string(), |r| r.common_name.clone());
            let message = match csr.expiration_seconds {
                None if signing_duration.is_some_and(|d| d <= max) => continue,
                None => format!(
                    "certificate request for `{who}` sets no `spec.expirationSeconds`: signer `{}` issues it for its default lifetime",
                    csr.signer
                ),
                Some(secs) if secs.min(signing_duration.unwrap_or(u64::MAX)) > max => format!(
                    "certificate request for `{who}` asks for `{}` (allowed `{}`)",
                    human_duration(secs),
                    human_duration(max)
                ),
                Some(_) => continue,
            };
            let value = csr.expiration_seconds.map_or_else(|| "unset".to_string(), |s| s.to_string());
            out.push(self.finding(csr.object, message).evidence(Evidence::plain("spec.expirationSeconds", value)));
        }
    }
}

#[cfg(test)]
#[expect(clippy::indexing_slicing, reason = "tests")]
mod tests {
    use super::*;
    use crate::inventory::x509::tests::{MALLORY_CSR_PEM, b64};
    use crate::rules::test_support::{controller_manager_pod, run, summary};
    use serde_json::{Value, json};

    fn csr(name: &str, signer: Option<&str>, expiration: Option<u64>) -> Value {
        let mut spec = json!({"request": b64(MALLORY_CSR_PEM), "usages": ["client auth"]});
        if let Some(signer) = signer {
            spec["signerName"] = json!(signer);
        }
        if let Some(secs) = expiration {
            spec["expirationSeconds"] = json!(secs);
        }
        json!({"apiVersion": "certificates.k8s.io/v1", "kind": "CertificateSigningRequest", "metadata": {"name": name}, "spec": spec})
    }

    #[test]
    fn unbounded_and_too_long_requests_fire_kubelet_and_short_ones_do_not() {
        let (found, _) = run(
            &LongLivedClientCsr,
            vec![
                csr("none", Some("kubernetes.io/kube-apiserver-client"), None),
                csr("month", Some("kubernetes.io/kube-apiserver-client"), Some(30 * 86_400)),
                csr("hour", Some("kubernetes.io/kube-apiserver-client"), Some(3_600)),
                csr("kubelet", Some("kubernetes.io/kube-apiserver-client-kubelet"), None),
                csr("legacy", None, None),
            ],
        );
        let objects: Vec<String> = summary(&found).into_iter().map(|(sev, obj, _)| format!("{sev} {obj}")).collect();
        assert_eq!(
            objects,
            vec![
                "medium CertificateSigningRequest/none",
                "medium CertificateSigningRequest/month",
                "medium CertificateSigningRequest/legacy"
            ]
        );
        assert_eq!(
            found.iter().map(|f| f.message.as_str()).nth(1),
            Some("certificate request for `mallory` asks for `30d` (allowed `1d`)")
        );
    }

    #[test]
    fn a_short_cluster_signing_duration_bounds_requests_without_expiration() {
        let (found, _) = run(
            &LongLivedClientCsr,
            vec![
                controller_manager_pod(&["--cluster-signing-duration=12h"]),
                csr("none", Some("kubernetes.io/kube-apiserver-client"), None),
                csr("month", Some("kubernetes.io/kube-apiserver-client"), Some(30 * 86_400)),
            ],
        );
        assert!(found.is_empty(), "{found:?}");
    }
}
