use super::day;
use crate::inventory::certs::{Approval, CertRole};
use crate::inventory::kubeconfig::holder_ref;
use crate::rule::prelude::*;

declare_rule! {
    /// ## What it does
    /// Flags a client certificate, or a certificate signing request, whose subject
    /// organisation (O) includes `system:masters`, wherever the dump holds it: CSR objects,
    /// kubeconfigs (as files or stored in Secrets and ConfigMaps), and PEM stored in
    /// Secrets or ConfigMaps. Expired certificates and denied requests are left out.
    ///
    /// ## Why is this bad?
    /// The API server puts every holder of such a certificate in `system:masters`, a group
    /// that skips authorisation altogether: no RBAC binding grants it and none can take it
    /// away. Kubernetes has no way to revoke one certificate, so the credential stays
    /// all-powerful until it expires or the cluster CA is replaced.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: certificates.k8s.io/v1
    /// kind: CertificateSigningRequest
    /// metadata:
    ///   name: eve
    /// spec:
    ///   signerName: kubernetes.io/kube-apiserver-client
    ///   request: <base64 of a CSR with subject /O=system:masters/CN=eve>
    /// ```
    ///
    /// ## How to fix
    /// Deny the request, or stop using the certificate and rotate the CA that signed it if it
    /// may have leaked. Give administrators a named group bound to `cluster-admin` through a
    /// ClusterRoleBinding, so their access can be removed.
    ///
    /// A pending request's finding gives the deny command to copy. An issued certificate gets
    /// none: it cannot be revoked, and rotating the CA locks out every certificate it signed.
    ///
    /// Guide: *Client Certificate Authentication*.
    pub SystemMastersCertificate {
        code: "CC001",
        slug: "system-masters-certificate",
        severity: Severity::Critical,
        mechanism: Mechanism::ClientCertificates,
        scope: Scope::Admit,
    }
}

const MASTERS: &str = "system:masters";

impl Check for SystemMastersCertificate {
    fn check(&self, cx: &Context<'_, '_>, out: &mut Findings) {
        let certs = &cx.inv.certs;
        // One finding per object: a CSR's issued certificate says more than its request.
        // A set: 40 000 issued certificates made a `Vec::contains` here quadratic.
        let mut flagged: std::collections::HashSet<*const Object> = std::collections::HashSet::new();
        for found in &certs.certs {
            let cert = &found.cert;
            let usable = match found.role {
                CertRole::KubeconfigClient | CertRole::CsrIssued | CertRole::Stored => cert.is_client_cert(),
                CertRole::KubeconfigCa | CertRole::ClientCa | CertRole::RequestHeaderCa => false,
            };
            if !usable
                || !cert.organizations.iter().any(|o| o == MASTERS)
                || cx.now.is_some_and(|now| cert.expired_at(now))
                || !flagged.insert(std::ptr::from_ref(found.object))
            {
                continue;
            }
            let message = format!(
                "client certificate `{}` is in group `{MASTERS}` until {}",
                cert.common_name,
                day(cert.not_after)
            );
            out.push(
                self.finding_at(holder_ref(found.object), found.object.source.clone(), message)
                    .evidence(Evidence::plain(found.path.clone(), cert.subject.clone())),
            );
        }
        for csr in &certs.csrs {
            let Some(request) = &csr.request else { continue };
            if matches!(csr.approval, Approval::Denied | Approval::Failed)
                || !request.organizations.iter().any(|o| o == MASTERS)
                || flagged.contains(&std::ptr::from_ref(csr.object))
            {
                continue;
            }
            let message = format!(
                "certificate request for `{}` asks for group `{MASTERS}` from signer `{}`",
                request.common_name, csr.signer
            );
            // Pending: deny it (nothing was issued yet, so nobody loses access).
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
    use crate::inventory::x509::tests::{CA_PEM, EVE_MASTERS_PEM, MALLORY_CSR_PEM, b64};
    use crate::rules::test_support::{run, summary};
    use serde_json::json;

    fn csr(name: &str, request: &str, conditions: serde_json::Value, certificate: Option<&str>) -> serde_json::Value {
        let mut status = json!({"conditions": conditions});
        if let Some(pem) = certificate {
            status["certificate"] = json!(b64(pem));
        }
        json!({
            "apiVersion": "certificates.k8s.io/v1", "kind": "CertificateSigningRequest",
            "metadata": {"name": name},
            "spec": {"request": b64(request), "signerName": "kubernetes.io/kube-apiserver-client", "usages": ["client auth"]},
            "status": status
        })
    }

    #[test]
    fn flags_requests_and_issued_certificates_once_per_object() {
        let approved = json!([{"type": "Approved", "status": "True", "reason": "KubectlApprove"}]);
        let (found, _) = run(
            &SystemMastersCertificate,
            vec![
                csr("mallory", MALLORY_CSR_PEM, json!([]), None),
                csr("eve", MALLORY_CSR_PEM, approved, Some(EVE_MASTERS_PEM)),
                csr("denied", MALLORY_CSR_PEM, json!([{"type": "Denied", "status": "True"}]), None),
            ],
        );
        assert_eq!(
            summary(&found),
            vec![
                (
                    "critical".to_string(),
                    "CertificateSigningRequest/eve".to_string(),
                    "client certificate `eve` is in group `system:masters` until 2035-01-01".to_string()
                ),
                (
                    "critical".to_string(),
                    "CertificateSigningRequest/mallory".to_string(),
                    "certificate request for `mallory` asks for group `system:masters` from signer `kubernetes.io/kube-apiserver-client`".to_string()
                ),
            ]
        );
        assert_eq!(found[0].fix, None, "an issued certificate cannot be taken back");
        assert_eq!(found[1].fix.as_ref().unwrap().text, "kubectl certificate deny mallory");
    }

    #[test]
    fn admission_rejects_a_system_masters_request() {
        let settings =
            crate::settings::Settings { select: vec!["CC001".to_string()], ..crate::settings::Settings::default() };
        let request = json!({"operation": "CREATE", "object": csr("mallory", MALLORY_CSR_PEM, json!([]), None)});
        let decision =
            crate::engine::admit(&request.into(), &settings, &crate::engine::AdmitSettings::default()).unwrap();
        assert!(!decision.allowed);
        assert!(decision.message.unwrap_or_default().starts_with("CC001: certificate request for `mallory`"));
    }

    #[test]
    fn kubeconfig_in_a_secret_is_searched_but_ca_certificates_are_not_clients() {
        let kubeconfig = json!({
            "apiVersion": "v1", "kind": "Config",
            "clusters": [{"name": "c", "cluster": {"server": "https://k:6443", "certificate-authority-data": b64(CA_PEM)}}],
            "users": [{"name": "eve", "user": {"client-certificate-data": b64(EVE_MASTERS_PEM)}}]
        });
        let secret = json!({
            "apiVersion": "v1", "kind": "Secret", "type": "Opaque",
            "metadata": {"name": "admin-kubeconfig", "namespace": "ops"},
            "data": {"kubeconfig": b64(&kubeconfig.to_string())}
        });
        let (found, _) = run(&SystemMastersCertificate, vec![secret]);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].object.to_string(), "Secret/ops/admin-kubeconfig");
        assert_eq!(found[0].evidence[0].path, "data.kubeconfig → users[0].user.client-certificate-data");
    }
}
