use super::ticked;
use crate::inventory::certs::Approval;
use crate::rule::prelude::*;

declare_rule! {
    /// ## What it does
    /// Flags a CertificateSigningRequest for a general client signer
    /// (`kubernetes.io/kube-apiserver-client`, or `kubernetes.io/legacy-unknown` / no
    /// `signerName` on pre-v1 requests) whose subject claims a reserved identity: a CN starting
    /// with `system:` (nodes, control-plane components, service accounts) or an organisation
    /// (group) starting with `system:`. The group `system:masters` is left to CC001, which
    /// rates it critical. Denied and failed requests are not flagged.
    ///
    /// ## Why is this bad?
    /// This signer writes whatever subject the request carries. A certificate named
    /// `system:node:worker-1` or `system:kube-controller-manager`, or in group `system:nodes`,
    /// lets its holder act as that component, with the permissions RBAC gives it by default.
    /// Legitimate components get such certificates from their own signers or from kubeadm,
    /// not from this one.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: certificates.k8s.io/v1
    /// kind: CertificateSigningRequest
    /// spec:
    ///   signerName: kubernetes.io/kube-apiserver-client
    ///   request: <base64 of a CSR with subject /O=system:nodes/CN=system:node:worker-1>
    /// ```
    ///
    /// ## How to fix
    /// Deny the request (`kubectl certificate deny`). Issue user certificates only for plain
    /// names and groups, and restrict who may approve for this signer (RBAC `approve` on
    /// `signers`).
    ///
    /// A pending request's finding gives the deny command to copy: no one legitimate asks this
    /// signer for a reserved identity, so denying locks nobody out.
    ///
    /// Guide: *Client Certificate Authentication*.
    pub ReservedIdentityCsr {
        code: "CC004",
        slug: "reserved-identity-csr",
        severity: Severity::High,
        mechanism: Mechanism::ClientCertificates,
        scope: Scope::Admit,
    }
}

impl Check for ReservedIdentityCsr {
    fn check(&self, cx: &Context<'_, '_>, out: &mut Findings) {
        for csr in &cx.inv.certs.csrs {
            let Some(request) = &csr.request else { continue };
            if !csr.for_client_signer() || matches!(csr.approval, Approval::Denied | Approval::Failed) {
                continue;
            }
            let groups: Vec<String> = request
                .organizations
                .iter()
                .filter(|o| o.starts_with("system:") && o.as_str() != "system:masters")
                .cloned()
                .collect();
            let reserved_name = request.common_name.starts_with("system:");
            let message = match (reserved_name, groups.is_empty()) {
                (false, true) => continue,
                (true, true) => format!("certificate request asks for reserved user `{}`", request.common_name),
                (false, false) => {
                    format!(
                        "certificate request for `{}` asks for reserved groups {}",
                        request.common_name,
                        ticked(&groups)
                    )
                }
                (true, false) => format!(
                    "certificate request asks for reserved user `{}` in groups {}",
                    request.common_name,
                    ticked(&groups)
                ),
            };
            // A request still pending can be denied; one approved was issued, and no command
            // takes an issued certificate back.
            let fix = (csr.approval == Approval::Pending)
                .then(|| Fix::deny_csr("deny the request", &csr.object.object_ref()))
                .flatten();
            out.push(
                self.finding(csr.object, message)
                    .evidence(Evidence::plain("spec.request", request.subject.clone()))
                    .fix(fix),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::x509::tests::{MALLORY_CSR_PEM, b64};
    use crate::rules::test_support::{run, summary};
    use serde_json::json;

    fn csr(name: &str, pem: &str, signer: &str) -> serde_json::Value {
        json!({
            "apiVersion": "certificates.k8s.io/v1", "kind": "CertificateSigningRequest", "metadata": {"name": name},
            "spec": {"request": b64(pem), "signerName": signer, "usages": ["client auth"]}
        })
    }

    #[test]
    fn node_identity_for_the_general_signer_fires_but_not_for_the_kubelet_signer() {
        let node = include_str!("../../inventory/testdata/node-n1.csr");
        let (found, _) = run(
            &ReservedIdentityCsr,
            vec![
                csr("fake-node", node, "kubernetes.io/kube-apiserver-client"),
                csr("real-node", node, "kubernetes.io/kube-apiserver-client-kubelet"),
                csr("masters-only", MALLORY_CSR_PEM, "kubernetes.io/kube-apiserver-client"),
            ],
        );
        assert_eq!(
            summary(&found),
            vec![(
                "high".to_string(),
                "CertificateSigningRequest/fake-node".to_string(),
                "certificate request asks for reserved user `system:node:n1` in groups `system:nodes`".to_string()
            )]
        );
        assert_eq!(found[0].fix.as_ref().unwrap().text, "kubectl certificate deny fake-node");
    }
}
