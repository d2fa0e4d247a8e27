use crate::inventory::workloads::secret_value;
use crate::rule::prelude::*;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

declare_rule! {
    /// ## What it does
    /// Flags a kube-apiserver with `--enable-bootstrap-token-auth` on while kube-system holds
    /// no bootstrap token that could authenticate: none named `bootstrap-token-<id>` of type
    /// `bootstrap.kubernetes.io/token` with `usage-bootstrap-authentication: "true"` and an
    /// `expiration` still ahead. Judged only when the dump holds kube-system's Secrets.
    ///
    /// ## Why is this bad?
    /// An authenticator nobody uses is attack surface for nothing: anyone who can create a
    /// Secret in kube-system (or restore an old one) gets a working credential in the
    /// `system:bootstrappers` group, and nothing else reminds you the door is there.
    ///
    /// ## Example
    /// ```yaml
    /// spec:
    ///   containers:
    ///     - command:
    ///         - kube-apiserver
    ///         - --enable-bootstrap-token-auth=true
    /// ```
    ///
    /// ## How to fix
    /// Turn the flag off (in kubeadm: `apiServer.extraArgs`) between node joins, and enable it
    /// only while you create a short-lived token with `kubeadm token create --ttl 1h`.
    ///
    /// Guide: *Bootstrap Tokens*.
    pub BootstrapAuthWithoutTokens {
        code: "BT006",
        slug: "bootstrap-auth-without-tokens",
        severity: Severity::Low,
        mechanism: Mechanism::BootstrapTokens,
        scope: Scope::Audit,
    }
}

impl Check for BootstrapAuthWithoutTokens {
    fn check(&self, cx: &Context<'_, '_>, out: &mut Findings) {
        let flags = &cx.inv.apiserver;
        let Some(flag) = flags.get("enable-bootstrap-token-auth") else {
            if !flags.is_visible() {
                out.not_assessable(self, "control plane not visible", &crate::inventory::flags::CONTROL_PLANE_HINT);
            }
            return;
        };
        if flag.value.trim() == "false" {
            return;
        }
        let secrets: Vec<&Object> = cx.inv.of_kind("Secret").filter(|s| s.namespace() == Some("kube-system")).collect();
        if secrets.is_empty() {
            out.not_assessable(
                self,
                "no Secrets of kube-system in the dump",
                &["the bootstrap token Secrets: kubectl get secrets -n kube-system --field-selector type=bootstrap.kubernetes.io/token -o yaml"],
            );
            return;
        }
        let now = cx.now.unwrap_or(OffsetDateTime::UNIX_EPOCH);
        if secrets.iter().any(|s| is_usable_token(s, now)) {
            return;
        }
        out.push(
            self.finding_at(
                flag.object.clone(),
                flag.source.clone(),
                "bootstrap token authentication is on but kube-system holds no usable bootstrap token",
            )
            .evidence(flag.evidence("enable-bootstrap-token-auth")),
        );
    }
}

/// Whether the API server would accept this Secret as a bootstrap token at `now`.
fn is_usable_token(secret: &Object, now: OffsetDateTime) -> bool {
    let text = |key: &str| secret_value(secret, key).and_then(|v| String::from_utf8(v).ok());
    let Some(id) = secret.name().strip_prefix("bootstrap-token-") else { return false };
    if secret.str_at(&["type"]) != Some("bootstrap.kubernetes.io/token")
        || text("token-id").as_deref() != Some(id)
        || text("usage-bootstrap-authentication").as_deref() != Some("true")
    {
        return false;
    }
    match text("expiration") {
        None => true,
        Some(expiration) => OffsetDateTime::parse(expiration.trim(), &Rfc3339).is_ok_and(|at| at > now),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing, reason = "tests")]
    use super::*;
    use crate::rules::test_support::{apiserver_pod, run, summary};
    use serde_json::json;

    fn token(expiration: &str) -> serde_json::Value {
        json!({"apiVersion": "v1", "kind": "Secret", "type": "bootstrap.kubernetes.io/token",
               "metadata": {"name": "bootstrap-token-07401b", "namespace": "kube-system"},
               "stringData": {"token-id": "07401b", "token-secret": "f395accd246ae52d", "expiration": expiration,
                              "usage-bootstrap-authentication": "true", "usage-bootstrap-signing": "true"}})
    }

    fn other_secret() -> serde_json::Value {
        json!({"apiVersion": "v1", "kind": "Secret", "type": "Opaque", "metadata": {"name": "x", "namespace": "kube-system"}})
    }

    #[test]
    fn expired_or_missing_tokens_fire() {
        let pod = apiserver_pod(&["--enable-bootstrap-token-auth=true"]);
        let (found, _) = run(&BootstrapAuthWithoutTokens, vec![pod.clone(), token("2025-11-01T00:00:00Z")]);
        assert_eq!(
            summary(&found),
            [(
                "low".into(),
                "Pod/kube-system/kube-apiserver-cp1".into(),
                "bootstrap token authentication is on but kube-system holds no usable bootstrap token".into()
            )]
        );
        let (found, _) = run(&BootstrapAuthWithoutTokens, vec![pod.clone(), other_secret()]);
        assert_eq!(found.len(), 1);
        let (found, na) = run(&BootstrapAuthWithoutTokens, vec![pod, token("2025-11-29T00:00:00Z")]);
        assert!(found.is_empty() && na.is_empty());
    }

    #[test]
    fn without_kube_system_secrets_it_is_not_assessable() {
        let (found, na) =
            run(&BootstrapAuthWithoutTokens, vec![apiserver_pod(&["--enable-bootstrap-token-auth=true"])]);
        assert!(found.is_empty());
        assert_eq!(na, ["BT006"]);
        let (found, na) = run(&BootstrapAuthWithoutTokens, vec![apiserver_pod(&[]), other_secret()]);
        assert!(found.is_empty() && na.is_empty());
    }
}
