use super::day;
use crate::inventory::kubeconfig::holder_ref;
use crate::rule::prelude::*;
use crate::util::human_duration;

declare_rule! {
    /// ## What it does
    /// Flags a user's client certificate whose validity period (not-after minus not-before)
    /// is longer than `maxCertLifetimeSeconds` (24 hours by default); high when it is longer
    /// than a year. It looks at kubeconfig users, certificates issued through CSRs, and client
    /// certificates stored in Secrets or ConfigMaps that a CA of the cluster signed.
    ///
    /// System components are exempt: kubelets (CN `system:node:*` or O `system:nodes`),
    /// CN `system:kube-*` (controller-manager, scheduler, proxy), and the API server's own
    /// client certificates (`kube-apiserver-kubelet-client`, `kube-apiserver-etcd-client`,
    /// `front-proxy-client`, `system:apiserver`, `system:konnectivity-server`); they rotate
    /// their certificates themselves. Expired certificates are left out.
    ///
    /// ## Why is this bad?
    /// A client certificate cannot be revoked. Whoever copies it keeps the user's access,
    /// and the groups written into it, until it expires; only a short lifetime bounds the damage.
    ///
    /// ## Example
    /// ```yaml
    /// users:
    ///   - name: alice
    ///     user:
    ///       client-certificate-data: <CN=alice, valid 2025-01-01 .. 2026-01-01>
    /// ```
    ///
    /// ## How to fix
    /// Issue user certificates for hours, not months: set `spec.expirationSeconds` on the
    /// CSR. Better, move people to OIDC, whose tokens are short-lived and whose users can be
    /// disabled centrally.
    ///
    /// Guide: *Client Certificate Authentication*.
    pub LongLivedUserCertificate {
        code: "CC002",
        slug: "long-lived-user-certificate",
        severity: Severity::Medium,
        mechanism: Mechanism::ClientCertificates,
        scope: Scope::Audit,
    }
}

const ONE_YEAR: u64 = 365 * 86_400;

impl Check for LongLivedUserCertificate {
    fn check(&self, cx: &Context<'_, '_>, out: &mut Findings) {
        let max = cx.settings.max_cert_lifetime_seconds;
        for found in cx.inv.certs.client_credentials() {
            let cert = &found.cert;
            if cert.is_system_component() || cx.now.is_some_and(|now| cert.expired_at(now)) {
                continue;
            }
            let lifetime = u64::try_from(cert.lifetime_seconds()).unwrap_or(0);
            if lifetime <= max {
                continue;
            }
            let message = format!(
                "client certificate `{}` is valid for `{}` (allowed `{}`), until {}",
                cert.common_name,
                human_duration(lifetime),
                human_duration(max),
                day(cert.not_after)
            );
            let severity = if lifetime > ONE_YEAR { Severity::High } else { Severity::Medium };
            out.push(
                self.finding_at(holder_ref(found.object), found.object.source.clone(), message)
                    .severity(severity)
                    .evidence(Evidence::plain(
                        found.path.clone(),
                        format!("{} … {}", day(cert.not_before), day(cert.not_after)),
                    )),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::x509::tests::{EVE_MASTERS_PEM, b64};
    use crate::rules::test_support::{run, run_with, summary};
    use crate::settings::Settings;
    use serde_json::json;

    fn kubeconfig(user: &str, pem: &str) -> serde_json::Value {
        json!({
            "apiVersion": "v1", "kind": "Config", "current-context": user,
            "users": [{"name": user, "user": {"client-certificate-data": b64(pem)}}]
        })
    }

    #[test]
    fn ten_year_user_certificate_is_high() {
        let (found, _) = run(&LongLivedUserCertificate, vec![kubeconfig("eve", EVE_MASTERS_PEM)]);
        assert_eq!(
            summary(&found),
            vec![(
                "high".to_string(),
                "Config/eve".to_string(),
                "client certificate `eve` is valid for `3652d` (allowed `1d`), until 2035-01-01".to_string()
            )]
        );
    }

    #[test]
    fn a_lifetime_setting_above_it_passes() {
        let settings = Settings { max_cert_lifetime_seconds: 3652 * 86_400, ..Settings::default() };
        let (found, _) = run_with(&LongLivedUserCertificate, vec![kubeconfig("eve", EVE_MASTERS_PEM)], &settings);
        assert!(found.is_empty());
    }

    #[test]
    fn ninety_days_is_medium_and_node_certificates_are_exempt() {
        let alice = include_str!("../../inventory/testdata/alice-90d.crt");
        let node = include_str!("../../inventory/testdata/node-n1.crt");
        let (found, _) =
            run(&LongLivedUserCertificate, vec![kubeconfig("alice", alice), kubeconfig("system:node:n1", node)]);
        assert_eq!(
            summary(&found),
            vec![(
                "medium".to_string(),
                "Config/alice".to_string(),
                "client certificate `alice` is valid for `90d` (allowed `1d`), until 2026-01-30".to_string()
            )]
        );
    }
}
