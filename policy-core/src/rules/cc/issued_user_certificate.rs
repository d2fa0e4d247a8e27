use super::{day, ticked};
use crate::inventory::certs::Approval;
use crate::rule::prelude::*;

declare_rule! {
    /// ## What it does
    /// Lists every approved CertificateSigningRequest that issued a client certificate to a
    /// person rather than a system component (see CC002 for which identities are system
    /// components), and flags client-certificate requests approved by hand: with
    /// `kubectl certificate approve` (condition reason `KubectlApprove`, or a `kubectl`
    /// manager on the `approval` subresource) rather than by a controller such as
    /// kube-controller-manager's auto-approver (`AutoApproved`). Serving-certificate signers
    /// are out of scope.
    ///
    /// ## Why is this bad?
    /// Kubernetes keeps no register of the client certificates it signed: the CSR object is
    /// the only trace, and it is garbage-collected after an hour or so once issued. Each issued
    /// user certificate is an irrevocable credential someone holds; a manual approval is a
    /// person's decision to create one.
    ///
    /// ## Example
    /// ```yaml
    /// status:
    ///   conditions:
    ///     - type: Approved
    ///       reason: KubectlApprove
    ///   certificate: <base64 of CN=alice, O=dev>
    /// ```
    ///
    /// ## How to fix
    /// Record who holds each certificate, for how long and why, outside the cluster (it keeps
    /// no record). Prefer OIDC for people; where certificates stay, approve them through a
    /// reviewed process and keep them short-lived.
    ///
    /// Guide: *Client Certificate Authentication*.
    pub IssuedUserCertificate {
        code: "CC006",
        slug: "issued-user-certificate",
        severity: Severity::Low,
        mechanism: Mechanism::ClientCertificates,
        scope: Scope::Audit,
    }
}

impl Check for IssuedUserCertificate {
    fn check(&self, cx: &Context<'_, '_>, out: &mut Findings) {
        for csr in &cx.inv.certs.csrs {
            let Approval::Approved { reason, manual } = &csr.approval else { continue };
            if !csr.for_any_client_signer() {
                continue;
            }
            let leaf = csr.issued.first().filter(|c| c.is_client_cert());
            let user_cert = leaf.filter(|c| csr.for_client_signer() && !c.is_system_component());
            let how = if *manual {
                "approved by hand".to_string()
            } else if reason.is_empty() {
                "approved".to_string()
            } else {
                format!("approved (`{reason}`)")
            };
            let message = match (user_cert, manual) {
                (Some(cert), _) => {
                    let groups = if cert.organizations.is_empty() {
                        String::new()
                    } else {
                        format!(" (groups {})", ticked(&cert.organizations))
                    };
                    format!(
                        "client certificate for `{}`{groups} was {how} and issued, valid until {}",
                        cert.common_name,
                        day(cert.not_after)
                    )
                }
                (None, true) => {
                    let who =
                        csr.request.as_ref().map_or_else(|| csr.object.name().to_string(), |r| r.common_name.clone());
                    format!("certificate request for `{who}` with signer `{}` was {how}", csr.signer)
                }
                (None, false) => continue,
            };
            out.push(
                self.finding(csr.object, message)
                    .evidence(Evidence::plain("status.conditions[Approved].reason", reason.clone())),
            );
        }
    }
}

#[cfg(test)]
#[expect(clippy::indexing_slicing, reason = "tests")]
mod tests {
    use super::*;
    use crate::rules::test_support::{run, summary};
    use serde_json::{Value, json};

    fn b64(pem: &str) -> String {
        crate::inventory::x509::tests::b64(pem)
    }

    fn csr(name: &str, signer: &str, reason: &str, cert: Option<&str>) -> Value {
        let request = include_str!("../../inventory/testdata/node-n1.csr");
        let mut status = json!({"conditions": [{"type": "Approved", "status": "True", "reason": reason}]});
        if let Some(pem) = cert {
            status["certificate"] = json!(b64(pem));
        }
        json!({
            "apiVersion": "certificates.k8s.io/v1", "kind": "CertificateSigningRequest", "metadata": {"name": name},
            "spec": {"request": b64(request), "signerName": signer}, "status": status
        })
    }

    #[test]
    fn issued_user_certificates_and_manual_approvals_are_listed() {
        let alice = include_str!("../../inventory/testdata/alice-90d.crt");
        let node = include_str!("../../inventory/testdata/node-n1.crt");
        let (found, _) = run(
            &IssuedUserCertificate,
            vec![
                csr("alice", "kubernetes.io/kube-apiserver-client", "ApprovedByPolicy", Some(alice)),
                csr("node-manual", "kubernetes.io/kube-apiserver-client-kubelet", "KubectlApprove", None),
                csr("node-auto", "kubernetes.io/kube-apiserver-client-kubelet", "AutoApproved", Some(node)),
                csr("serving", "kubernetes.io/kubelet-serving", "KubectlApprove", None),
            ],
        );
        assert_eq!(
            summary(&found),
            vec![
                (
                    "low".to_string(),
                    "CertificateSigningRequest/alice".to_string(),
                    "client certificate for `alice` (groups `dev`) was approved (`ApprovedByPolicy`) and issued, valid until 2026-01-30".to_string()
                ),
                (
                    "low".to_string(),
                    "CertificateSigningRequest/node-manual".to_string(),
                    "certificate request for `system:node:n1` with signer `kubernetes.io/kube-apiserver-client-kubelet` was approved by hand".to_string()
                ),
            ]
        );
    }
}
