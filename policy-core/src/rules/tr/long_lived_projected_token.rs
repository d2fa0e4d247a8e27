use crate::rule::prelude::*;
use crate::util::human_duration;

declare_rule! {
    /// ## What it does
    /// Flags a projected `serviceAccountToken` volume source whose `expirationSeconds` is above
    /// the `maxTokenExpirationSeconds` setting (default one hour). The `kube-api-access-*`
    /// volume Kubernetes adds to every Pod (3607 seconds) is the platform's own and accepted.
    ///
    /// ## Why is this bad?
    /// A TokenRequest token cannot be revoked: whoever steals it from the Pod's filesystem can
    /// use it until it expires. A short lifetime is the only thing that limits the damage,
    /// and the kubelet refreshes projected tokens on its own, so a long one buys nothing.
    ///
    /// ## Example
    /// ```yaml
    /// volumes:
    ///   - name: vault-token
    ///     projected:
    ///       sources:
    ///         - serviceAccountToken:
    ///             path: vault-token
    ///             audience: vault
    ///             expirationSeconds: 86400
    /// ```
    ///
    /// ## How to fix
    /// Lower `expirationSeconds` to an hour or less (the minimum is 600); the kubelet rotates
    /// the file before it expires, and clients should re-read it.
    ///
    /// Guide: *TokenRequest API*.
    pub LongLivedProjectedToken {
        code: "TR001",
        slug: "long-lived-projected-token",
        severity: Severity::Medium,
        mechanism: Mechanism::TokenRequest,
        scope: Scope::Admit,
    }
}

impl Check for LongLivedProjectedToken {
    fn check(&self, cx: &Context<'_, '_>, out: &mut Findings) {
        let max = cx.settings.max_token_expiration_seconds;
        for w in cx.inv.workloads.iter() {
            for token in &w.projected_tokens {
                if token.kubelet_default || token.expiration_seconds <= max {
                    continue;
                }
                let audience = token.audience.as_deref().map_or_else(String::new, |a| format!(" for audience `{a}`"));
                let mut finding = self
                    .finding(
                        w.object,
                        format!(
                            "projected token `{}`{audience} lives {}, above the {} maximum",
                            token.volume,
                            human_duration(token.expiration_seconds),
                            human_duration(max)
                        ),
                    )
                    .evidence(Evidence::plain(
                        format!("{}.expirationSeconds", token.path),
                        token.expiration_seconds.to_string(),
                    ));
                for owned in w.related() {
                    finding = finding.related(owned);
                }
                out.push(finding);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::test_support::{run, run_with, summary};
    use crate::settings::Settings;
    use serde_json::{Value, json};

    fn pod(name: &str, volume: &str, seconds: Option<u64>) -> Value {
        let mut token = json!({"path": "token", "audience": "vault"});
        if let Some(s) = seconds {
            token["expirationSeconds"] = json!(s);
        }
        json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": "apps"},
               "spec": {"containers": [{"name": "c", "image": "nginx"}],
                        "volumes": [{"name": volume, "projected": {"sources": [{"serviceAccountToken": token}]}}]}})
    }

    #[test]
    fn long_tokens_fire_and_the_kubelets_own_do_not() {
        let (found, _) = run(
            &LongLivedProjectedToken,
            vec![
                pod("long", "vault-token", Some(86_400)),
                pod("hour", "vault-token", Some(3_600)),
                pod("unset", "vault-token", None),
                pod("kubelet", "kube-api-access-7x2kq", Some(3_607)),
                pod("spoofed", "kube-api-access-7x2kq", Some(7_200)),
            ],
        );
        assert_eq!(
            summary(&found),
            vec![
                (
                    "medium".to_string(),
                    "Pod/apps/long".to_string(),
                    "projected token `vault-token` for audience `vault` lives 1d, above the 1h maximum".to_string()
                ),
                (
                    "medium".to_string(),
                    "Pod/apps/spoofed".to_string(),
                    "projected token `kube-api-access-7x2kq` for audience `vault` lives 2h, above the 1h maximum"
                        .to_string()
                ),
            ]
        );
        assert_eq!(
            found[0].evidence[0].path,
            "spec.volumes[0].projected.sources[0].serviceAccountToken.expirationSeconds"
        );
    }

    #[test]
    fn the_maximum_is_a_setting_and_unset_means_an_hour() {
        let settings = Settings { max_token_expiration_seconds: 1_800, ..Settings::default() };
        let (found, _) = run_with(&LongLivedProjectedToken, vec![pod("unset", "t", None)], &settings);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].message, "projected token `t` for audience `vault` lives 1h, above the 30m maximum");
    }
}
