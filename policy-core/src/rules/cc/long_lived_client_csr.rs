use crate::inventory::certs::Approval;
use crate::rule::prelude::*;
use crate::util::{human_duration, kubernetes_minor, parse_duration};

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
    /// `expirationSeconds` is harmless and not flagged. `expirationSeconds` exists from
    /// Kubernetes 1.22: when the dump shows an older API server (kubeadm's
    /// `kubernetesVersion`, or the kube-apiserver Pod's image tag), which drops the field, the
    /// finding says that only `--cluster-signing-duration` can bound the lifetime there.
    /// At admission only the object is known: the policy owner's `kubernetesVersion` setting
    /// names the version (nothing in the request counts). Below 1.22 the server has dropped the
    /// field before the policy sees the request, so a request without it is admitted (the
    /// requester cannot bound it; an audit checks the signer's duration); without the setting
    /// admission demands the field.
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
        let before_expiration_seconds = server_minor(cx).filter(|minor| *minor < EXPIRATION_SECONDS_SINCE);
        // At admission the API server has already dropped the field on an older version: the
        // requester cannot bound the lifetime, only the signer's duration can (audits check it).
        let requester_cannot_set_it = cx.mode == Scope::Admit && before_expiration_seconds.is_some();
        for csr in &cx.inv.certs.csrs {
            if !csr.for_client_signer() || matches!(csr.approval, Approval::Denied | Approval::Failed) {
                continue;
            }
            let who = csr.request.as_ref().map_or_else(|| csr.object.name().to_string(), |r| r.common_name.clone());
            let message = match csr.expiration_seconds {
                None if requester_cannot_set_it || signing_duration.is_some_and(|d| d <= max) => continue,
                None => match before_expiration_seconds {
                    Some(minor) => format!(
                        "certificate request for `{who}` gets the default lifetime of signer `{}`: Kubernetes 1.{minor} \
                         has no `spec.expirationSeconds` (it exists from 1.{EXPIRATION_SECONDS_SINCE}), so only \
                         `--cluster-signing-duration` bounds it",
                        csr.signer
                    ),
                    None => format!(
                        "certificate request for `{who}` sets no `spec.expirationSeconds`: signer `{}` issues it for its default lifetime",
                        csr.signer
                    ),
                },
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

/// The minor version from which CSRs carry `spec.expirationSeconds`.
const EXPIRATION_SECONDS_SINCE: u32 = 22;

/// The API server's minor version. At admission only the policy owner's `kubernetesVersion`
/// setting says it (the requester writes the object, so nothing in it may count). In audits the
/// dump shows it: kubeadm's `kubernetesVersion` (a ClusterConfiguration, or the `kubeadm-config`
/// ConfigMap), else a kube-apiserver Pod's image tag.
fn server_minor(cx: &Context<'_, '_>) -> Option<u32> {
    if cx.mode == Scope::Admit {
        return cx.settings.kubernetes_version.as_deref().and_then(kubernetes_minor);
    }
    let kubeadm = cx
        .inv
        .of_kind("ConfigMap")
        .filter(|o| o.name() == "kubeadm-config")
        .filter_map(|o| crate::input::parse_yaml_value(o.str_at(&["data", "ClusterConfiguration"])?).ok())
        .chain(cx.inv.of_kind("ClusterConfiguration").map(|o| o.value.clone()))
        .find_map(|config| kubernetes_minor(config.get("kubernetesVersion")?.as_str()?));
    kubeadm.or_else(|| {
        cx.inv.of_kind("Pod").find_map(|pod| {
            let containers = pod.value.get("spec")?.get("containers")?.as_array()?;
            containers.iter().find_map(|c| {
                let (name, tag) = c.get("image")?.as_str()?.rsplit_once(':')?;
                name.ends_with("/kube-apiserver").then(|| kubernetes_minor(tag))?
            })
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::x509::tests::{MALLORY_CSR_PEM, b64};
    use crate::rules::test_support::{controller_manager_pod, run, run_with, summary};
    use crate::settings::Settings;
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
    fn before_1_22_the_finding_does_not_demand_expiration_seconds() {
        let kubeadm = json!({"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "kubeadm-config", "namespace": "kube-system"},
            "data": {"ClusterConfiguration": "apiVersion: kubeadm.k8s.io/v1beta2\nkind: ClusterConfiguration\nkubernetesVersion: v1.20.2\n"}});
        let (found, _) =
            run(&LongLivedClientCsr, vec![kubeadm, csr("none", Some("kubernetes.io/kube-apiserver-client"), None)]);
        assert_eq!(
            found.iter().map(|f| f.message.as_str()).collect::<Vec<_>>(),
            [
                "certificate request for `mallory` gets the default lifetime of signer `kubernetes.io/kube-apiserver-client`: \
              Kubernetes 1.20 has no `spec.expirationSeconds` (it exists from 1.22), so only `--cluster-signing-duration` bounds it"
            ]
        );
        let pod = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "kube-apiserver-cp", "namespace": "kube-system"},
            "spec": {"containers": [{"name": "kube-apiserver", "image": "registry.k8s.io/kube-apiserver:v1.30.6"}]}});
        let (found, _) =
            run(&LongLivedClientCsr, vec![pod, csr("none", Some("kubernetes.io/kube-apiserver-client"), None)]);
        assert!(
            found[0].message.contains("sets no `spec.expirationSeconds`"),
            "1.30 has the field: {}",
            found[0].message
        );
        assert_eq!(
            (
                kubernetes_minor("v1.21.0"),
                kubernetes_minor("1.9"),
                kubernetes_minor("v2.0.0"),
                kubernetes_minor("latest")
            ),
            (Some(21), Some(9), None, None)
        );
    }

    #[test]
    fn at_admission_only_the_owners_kubernetes_version_waives_the_field() {
        // What a 1.20 server hands the webhook: the request's `expirationSeconds` already dropped.
        let dropped = csr("carol", Some("kubernetes.io/kube-apiserver-client"), None);
        let denied = |version: Option<&str>, object: &Value| {
            let settings = Settings {
                select: vec!["CC003".to_string()],
                kubernetes_version: version.map(str::to_string),
                ..Settings::default()
            };
            let request = json!({"operation": "CREATE", "userInfo": {"username": "carol"}, "object": object});
            let decision = crate::admit(&request.into(), &settings, &crate::AdmitSettings::default());
            decision.map(|d| d.findings.iter().map(|f| f.code.clone()).collect::<Vec<_>>()).unwrap_or_default()
        };
        assert_eq!(denied(None, &dropped), ["CC003"], "without the setting admission demands the field");
        assert_eq!(denied(Some("v1.30.6"), &dropped), ["CC003"], "a server that has the field");
        assert_eq!(denied(Some("1.20"), &dropped), Vec::<String>::new(), "1.20 has no field to demand");
        assert_eq!(denied(Some("not-a-version"), &dropped), ["CC003"], "an unreadable version is no waiver");
        let month = csr("carol", Some("kubernetes.io/kube-apiserver-client"), Some(30 * 86_400));
        assert_eq!(denied(Some("1.20"), &month), ["CC003"], "a stated lifetime is still judged");
        // The setting is the owner's word at admission only: an audit goes by the dump.
        let settings = Settings { kubernetes_version: Some("1.20".to_string()), ..Settings::default() };
        let (found, _) = run_with(&LongLivedClientCsr, vec![dropped], &settings);
        assert!(found.iter().any(|f| f.message.contains("sets no `spec.expirationSeconds`")), "{found:?}");
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
