use crate::data::mechanism::Mechanism as M;
use crate::inventory::kubeconfig::holder_ref;
use crate::inventory::mechanisms::{self, State};
use crate::inventory::workloads::secret_value;
use crate::rule::prelude::*;
use crate::util::fingerprint;

declare_rule! {
    /// ## What it does
    /// Flags people reaching the API server with credentials meant for the cluster's own
    /// components, while no external identity source is configured: client certificates of
    /// non-system identities (kubeconfig users, certificates issued through CSRs, stored
    /// client certificates a cluster CA signed) and service-account tokens used from a
    /// kubeconfig (a legacy token Secret's token, or any service-account JWT). External
    /// sources are OIDC/JWT, webhook token authentication (an `aws-auth` map counts: it
    /// feeds EKS's webhook) and an authenticating proxy other than the aggregation layer's.
    /// When the dump cannot tell whether one is configured, the rule says so instead.
    ///
    /// ## Why is this bad?
    /// Client certificates cannot be revoked and carry their groups for life; service-account
    /// tokens are readable by anyone who can read the Secret and cannot join groups. Neither
    /// is tied to a person an identity provider can disable, so access outlives the need
    /// for it and cannot be audited from one place.
    ///
    /// ## Example
    /// ```yaml
    /// users:
    ///   - name: alice
    ///     user:
    ///       client-certificate-data: <CN=alice, O=dev>
    /// ```
    ///
    /// ## How to fix
    /// Configure OIDC (`--oidc-issuer-url` or an AuthenticationConfiguration `jwt` issuer) or
    /// webhook authentication for people, move them to it, and keep certificates for
    /// break-glass use only; give automation short-lived TokenRequest tokens.
    ///
    /// Guide: *Authentication Mechanisms*.
    pub InternalUserCredentials {
        code: "MX003",
        slug: "internal-user-credentials",
        severity: Severity::Medium,
        mechanism: Mechanism::General,
        scope: Scope::Audit,
    }
}

const HINT: [&str; 2] = [
    "the kube-apiserver static Pod: kubectl get pods -n kube-system -l component=kube-apiserver -o yaml",
    "the kubeadm-config ConfigMap: kubectl get configmap kubeadm-config -n kube-system -o yaml",
];

impl Check for InternalUserCredentials {
    fn check(&self, cx: &Context<'_, '_>, out: &mut Findings) {
        let inv = cx.inv;
        let statuses = mechanisms::assess(inv);
        let user_facing = mechanisms::user_facing(inv, &statuses);
        if user_facing.iter().any(|m| matches!(m, M::Oidc | M::Webhook | M::AuthenticatingProxy))
            || !inv.aws_auth.is_empty()
        {
            return;
        }
        let unknown = statuses.iter().any(|s| matches!(s.mechanism, M::Oidc | M::Webhook) && s.state == State::Unknown);
        let mut found = Vec::new();
        for cert in inv.certs.client_credentials() {
            let info = &cert.cert;
            if info.is_system_component() || cx.now.is_some_and(|now| info.expired_at(now)) {
                continue;
            }
            let message = format!(
                "`{}` reaches the API with a client certificate while no external identity source is configured",
                info.common_name
            );
            let finding = self.finding_at(holder_ref(cert.object), cert.object.source.clone(), message);
            found.push(finding.evidence(Evidence::plain(cert.path.clone(), info.subject.clone())));
        }
        let legacy: Vec<(String, String)> = inv
            .of_kind("Secret")
            .filter(|s| s.str_at(&["type"]) == Some("kubernetes.io/service-account-token"))
            .filter_map(|s| {
                let token = secret_value(s, "token")?;
                let account = s.annotation("kubernetes.io/service-account.name").unwrap_or("");
                Some((fingerprint::of_secret(&token), format!("{}:{account}", s.namespace().unwrap_or("default"))))
            })
            .collect();
        for config in &inv.certs.kubeconfigs {
            for user in &config.users {
                let Some(token) = &user.token else { continue };
                // Withheld fingerprints of guessable tokens are all equal: they identify nothing.
                let from_secret = legacy
                    .iter()
                    .find(|(fp, _)| *fp == token.fingerprint && fingerprint::identifies(fp))
                    .map(|(_, sa)| sa.clone());
                let Some(account) = from_secret.clone().or_else(|| token.service_account.clone()) else { continue };
                let kind = if from_secret.is_some() || token.legacy_secret.is_some() {
                    "legacy service-account token"
                } else {
                    "service-account token"
                };
                let message = format!(
                    "kubeconfig user `{}` reaches the API with the {kind} of `{account}` while no external identity source is configured",
                    user.name
                );
                let evidence = Evidence {
                    path: format!("{}{}.token", config.prefix(), user.path),
                    value: token.fingerprint.clone(),
                    redacted: true,
                };
                found.push(
                    self.finding_at(holder_ref(config.object), config.object.source.clone(), message)
                        .evidence(evidence),
                );
            }
        }
        if found.is_empty() {
            return;
        }
        if unknown {
            out.not_assessable(self, "cannot tell whether OIDC or webhook authentication is configured", &HINT);
            return;
        }
        for finding in found {
            out.push(finding);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::x509::tests::b64;
    use crate::rules::test_support::{apiserver_pod, run, summary};
    use serde_json::{Value, json};

    fn kubeconfig() -> Value {
        let alice = include_str!("../../inventory/testdata/alice-90d.crt");
        let node = include_str!("../../inventory/testdata/node-n1.crt");
        json!({
            "apiVersion": "v1", "kind": "Config", "current-context": "alice",
            "users": [
                {"name": "alice", "user": {"client-certificate-data": b64(alice)}},
                {"name": "node", "user": {"client-certificate-data": b64(node)}},
                {"name": "ci", "user": {"token": "eyJhbGciOiJSUzI1NiJ9.Qm3Xr7pL2vK9sT4wYb8NcE1u"}}
            ]
        })
    }

    fn token_secret() -> Value {
        json!({
            "apiVersion": "v1", "kind": "Secret", "type": "kubernetes.io/service-account-token",
            "metadata": {"name": "deployer-token", "namespace": "ci", "annotations": {"kubernetes.io/service-account.name": "deployer"}},
            "data": {"token": b64("eyJhbGciOiJSUzI1NiJ9.Qm3Xr7pL2vK9sT4wYb8NcE1u")}
        })
    }

    #[test]
    fn certificates_and_legacy_tokens_of_people_fire_without_oidc() {
        let pod = apiserver_pod(&["--client-ca-file=/etc/kubernetes/pki/ca.crt"]);
        let (found, na) = run(&InternalUserCredentials, vec![pod, kubeconfig(), token_secret()]);
        assert!(na.is_empty());
        assert_eq!(
            summary(&found),
            vec![
                ("medium".to_string(), "Config/alice".to_string(), "`alice` reaches the API with a client certificate while no external identity source is configured".to_string()),
                ("medium".to_string(), "Config/alice".to_string(), "kubeconfig user `ci` reaches the API with the legacy service-account token of `ci:deployer` while no external identity source is configured".to_string()),
            ]
        );
    }

    #[test]
    fn oidc_silences_it_and_an_invisible_control_plane_is_not_assessable() {
        let pod = apiserver_pod(&["--oidc-issuer-url=https://idp.example", "--oidc-client-id=k8s"]);
        let (found, na) = run(&InternalUserCredentials, vec![pod, kubeconfig()]);
        assert!(found.is_empty() && na.is_empty());
        let (found, na) = run(&InternalUserCredentials, vec![kubeconfig()]);
        assert!(found.is_empty());
        assert_eq!(na, vec!["MX003".to_string()]);
    }

    #[test]
    fn withheld_fingerprints_of_weak_tokens_match_nothing() {
        // A weak kubeconfig token and a weak legacy token both show `withheld (weak secret)`;
        // that is no evidence that they are the same credential.
        let pod = apiserver_pod(&["--client-ca-file=/etc/kubernetes/pki/ca.crt"]);
        let config = json!({"apiVersion": "v1", "kind": "Config", "metadata": {"name": "weak"},
            "users": [{"name": "ci", "user": {"token": "changeme123"}}]});
        let secret = json!({"apiVersion": "v1", "kind": "Secret", "type": "kubernetes.io/service-account-token",
            "metadata": {"name": "t", "namespace": "ci", "annotations": {"kubernetes.io/service-account.name": "deployer"}},
            "data": {"token": b64("admin123")}});
        let (found, _) = run(&InternalUserCredentials, vec![pod, config, secret]);
        assert!(found.iter().all(|f| !f.message.contains("ci:deployer")), "{:?}", summary(&found));
    }
}
