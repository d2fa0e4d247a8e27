use crate::inventory::mechanisms::{State, assess, user_facing};
use crate::rule::prelude::*;

declare_rule! {
    /// ## What it does
    /// Flags a cluster where more mechanisms that authenticate people are enabled than the
    /// setting `maxUserMechanisms` allows (default 2). Counted: client certificates, the
    /// static token file, OIDC/JWT, webhook, and an authenticating proxy other than the
    /// aggregation layer's own (`front-proxy-client`). Node and workload mechanisms
    /// (bootstrap, service-account and TokenRequest tokens) are not counted.
    ///
    /// ## Why is this bad?
    /// Every user-facing mechanism is its own list of people to review and offboard. With
    /// several, someone removed from the identity provider may still hold a client
    /// certificate or a static token, and nobody checks all the lists.
    ///
    /// ## Example
    /// ```yaml
    /// - --client-ca-file=/etc/kubernetes/pki/ca.crt
    /// - --token-auth-file=/etc/kubernetes/tokens.csv
    /// - --oidc-issuer-url=https://idp.example.com
    /// ```
    ///
    /// ## How to fix
    /// Choose one external source for people (OIDC, or a webhook/proxy in front of your
    /// identity provider), keep client certificates for components only, and turn the rest
    /// off.
    ///
    /// Guide: *Authentication Mechanisms*.
    pub TooManyUserMechanisms {
        code: "MX002",
        slug: "too-many-user-mechanisms",
        severity: Severity::Medium,
        mechanism: Mechanism::General,
        scope: Scope::Audit,
    }
}

impl Check for TooManyUserMechanisms {
    fn check(&self, cx: &Context<'_, '_>, out: &mut Findings) {
        let statuses = assess(cx.inv);
        let enabled = user_facing(cx.inv, &statuses);
        let max = usize::try_from(cx.settings.max_user_mechanisms).unwrap_or(usize::MAX);
        if enabled.len() <= max {
            let undecided = statuses.iter().any(|s| s.state == State::Unknown);
            if undecided && !cx.inv.apiserver.is_visible() {
                out.not_assessable(self, "control plane not visible", &crate::inventory::flags::CONTROL_PLANE_HINT);
            }
            return;
        }
        let rows = || statuses.iter().filter(|s| enabled.contains(&s.mechanism));
        let Some(anchor) = rows().find_map(|s| s.evidence.first()) else { return };
        let labels: Vec<&str> = enabled.iter().map(|m| m.label()).collect();
        let mut finding = self.finding_at(
            anchor.object.clone(),
            anchor.source.clone(),
            format!(
                "{} mechanisms authenticate people ({}); at most {max} expected",
                enabled.len(),
                labels.join(", ").to_lowercase()
            ),
        );
        for status in rows() {
            if let Some(first) = status.evidence.first() {
                finding = finding.evidence(first.evidence.clone());
            }
        }
        out.push(finding);
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing, reason = "tests")]
    use super::*;
    use crate::rules::test_support::{apiserver_pod, run, run_with, summary};
    use crate::settings::Settings;

    const KUBEADM_LIKE: [&str; 5] = [
        "--client-ca-file=/etc/kubernetes/pki/ca.crt",
        "--requestheader-client-ca-file=/etc/kubernetes/pki/front-proxy-ca.crt",
        "--requestheader-allowed-names=front-proxy-client",
        "--enable-bootstrap-token-auth=true",
        "--oidc-issuer-url=https://idp.example.com",
    ];

    #[test]
    fn kubeadm_with_oidc_is_within_the_default_limit() {
        let (found, na) = run(&TooManyUserMechanisms, vec![apiserver_pod(&KUBEADM_LIKE)]);
        assert!(found.is_empty() && na.is_empty());
    }

    #[test]
    fn a_static_token_file_on_top_fires() {
        let mut flags = KUBEADM_LIKE.to_vec();
        flags.push("--token-auth-file=/etc/kubernetes/tokens.csv");
        let (found, _) = run(&TooManyUserMechanisms, vec![apiserver_pod(&flags)]);
        assert_eq!(
            summary(&found),
            [(
                "medium".into(),
                "Pod/kube-system/kube-apiserver-cp1".into(),
                "3 mechanisms authenticate people (client certificates, static token file, oidc / jwt); at most 2 expected"
                    .into()
            )]
        );
        assert_eq!(found.first().map(|f| f.evidence.len()), Some(3));
        let lenient = Settings { max_user_mechanisms: 3, ..Settings::default() };
        assert!(run_with(&TooManyUserMechanisms, vec![apiserver_pod(&flags)], &lenient).0.is_empty());
    }

    #[test]
    fn a_user_proxy_counts_but_the_aggregator_does_not() {
        let flags = [
            "--client-ca-file=/ca.crt",
            "--requestheader-client-ca-file=/rh.crt",
            "--requestheader-allowed-names=oauth2-proxy",
            "--oidc-issuer-url=https://idp",
        ];
        assert_eq!(run(&TooManyUserMechanisms, vec![apiserver_pod(&flags)]).0.len(), 1);
        assert_eq!(run(&TooManyUserMechanisms, vec![]).1, ["MX002"]);
    }
}
