use crate::inventory::credentials::{self, Credential, CredentialKind};
use crate::rule::prelude::*;

declare_rule! {
    /// ## What it does
    /// Lists every credential the dump reveals, one info finding each, so that access can be
    /// reviewed from every source: client certificates (subject, groups, issuer, expiry),
    /// certificate signing requests, legacy service-account tokens (account, creation,
    /// last use), bootstrap tokens (id, groups, expiry), kubeconfig users, and rows of a
    /// static token file. Secret values never appear: a fingerprint that cannot give the token
    /// back identifies each one (`fp1:…`), and a weak token has none. The same list is the report's `credentials` section, which the viewer
    /// draws as an expiry timeline.
    ///
    /// ## Why is this bad?
    /// It is not bad by itself. Kubernetes has no user database: who can log in is spread
    /// over certificates nobody recorded, token Secrets, files on control-plane disks and
    /// kubeconfigs. An access review has to start from a list like this one.
    ///
    /// ## Example
    /// ```yaml
    /// kind: Secret
    /// type: kubernetes.io/service-account-token
    /// metadata:
    ///   name: deployer-token
    ///   annotations:
    ///     kubernetes.io/service-account.name: deployer
    /// ```
    ///
    /// ## How to fix
    /// Review the list: remove credentials nobody needs, shorten the ones that live long,
    /// and move people to an external identity provider.
    ///
    /// Guide: *Authentication Mechanisms*.
    pub CredentialInventory {
        code: "MX004",
        slug: "credential-inventory",
        severity: Severity::Info,
        mechanism: Mechanism::General,
        scope: Scope::Audit,
    }
}

impl Check for CredentialInventory {
    fn check(&self, cx: &Context<'_, '_>, out: &mut Findings) {
        let now = cx.now.unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
        let listed = credentials::collect(cx.inv, now);
        for credential in &listed {
            let message = describe(credential);
            let redacted = !matches!(
                credential.kind,
                CredentialKind::ClientCertificate | CredentialKind::CertificateSigningRequest
            );
            let evidence = Evidence { path: credential.path.clone(), value: credential.fingerprint.clone(), redacted };
            out.push(self.finding_at(credential.object.clone(), credential.source.clone(), message).evidence(evidence));
        }
        // The report's credential section is the same list.
        credentials::keep(cx.inv, now, listed);
    }
}

fn describe(c: &Credential) -> String {
    let groups = if c.groups.is_empty() {
        String::new()
    } else {
        format!(" in {}", c.groups.iter().map(|g| format!("`{g}`")).collect::<Vec<_>>().join(", "))
    };
    let expires = c.expires.as_deref().map_or_else(|| "no expiry".to_string(), |e| format!("expires {e}"));
    match c.kind {
        CredentialKind::ClientCertificate => {
            format!("client certificate `{}`{groups}, {expires}, {}", c.identity, c.status)
        }
        CredentialKind::CertificateSigningRequest => format!(
            "certificate request for `{}`{groups} to signer `{}`, {}",
            c.identity,
            c.issuer.as_deref().unwrap_or(""),
            c.status
        ),
        CredentialKind::ServiceAccountToken => {
            let used =
                c.last_used.as_deref().map_or_else(|| "last use unknown".to_string(), |u| format!("last used {u}"));
            format!("legacy service-account token of `{}`, {expires}, {used}, {}", c.identity, c.status)
        }
        CredentialKind::BootstrapToken => format!("bootstrap token `{}`{groups}, {expires}, {}", c.identity, c.status),
        CredentialKind::KubeconfigUser => {
            format!(
                "kubeconfig user `{}` logs in with {}",
                c.identity,
                c.issuer.as_deref().unwrap_or("an unknown method")
            )
        }
        CredentialKind::StaticToken => format!("static token of `{}`{groups}, {expires}", c.identity),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::x509::tests::b64;
    use crate::rules::test_support::{run, summary};
    use serde_json::json;

    #[test]
    fn one_info_finding_per_credential_and_no_secret_shown() {
        let alice = include_str!("../../inventory/testdata/alice-90d.crt");
        let values = vec![
            json!({
                "apiVersion": "v1", "kind": "Config", "current-context": "alice",
                "users": [{"name": "alice", "user": {"client-certificate-data": b64(alice)}}, {"name": "ops", "user": {"username": "ops", "password": "hunter2"}}]
            }),
            json!({
                "apiVersion": "v1", "kind": "Secret", "type": "bootstrap.kubernetes.io/token",
                "metadata": {"name": "bootstrap-token-abcdef", "namespace": "kube-system"},
                "data": {"token-id": b64("abcdef"), "token-secret": b64("0123456789abcdef"), "expiration": b64("2025-11-29T00:00:00Z"),
                         "auth-extra-groups": b64("system:bootstrappers:kubeadm:default-node-token")}
            }),
            json!({
                "apiVersion": "v1", "kind": "Secret", "type": "kubernetes.io/service-account-token",
                "metadata": {"name": "old", "namespace": "ci", "annotations": {"kubernetes.io/service-account.name": "builder"},
                             "labels": {"kubernetes.io/legacy-token-last-used": "2025-10-01"}},
                "data": {"token": b64("sa-token")}
            }),
        ];
        let (found, _) = run(&CredentialInventory, values);
        let messages: Vec<String> =
            summary(&found).into_iter().map(|(sev, obj, msg)| format!("{sev} {obj} {msg}")).collect();
        assert_eq!(
            messages,
            vec![
                "info Config/alice client certificate `alice` in `dev`, expires 2026-01-30T00:00:00Z, valid",
                "info Secret/ci/old legacy service-account token of `system:serviceaccount:ci:builder`, no expiry, last used 2025-10-01, valid",
                "info Secret/kube-system/bootstrap-token-abcdef bootstrap token `system:bootstrap:abcdef` in `system:bootstrappers`, `system:bootstrappers:kubeadm:default-node-token`, expires 2025-11-29T00:00:00Z, valid",
                "info Config/alice kubeconfig user `ops` logs in with basic credentials",
            ]
        );
        let shown = format!("{found:?}");
        assert!(!shown.contains("hunter2") && !shown.contains("0123456789abcdef") && !shown.contains("sa-token"));
    }
}
