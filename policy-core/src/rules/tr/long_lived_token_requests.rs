use crate::rule::prelude::*;

/// The longest TokenRequest lifetime the API server should allow.
const MAX_TOKEN_EXPIRATION_SECONDS: u64 = 24 * 3600;

declare_rule! {
    /// ## What it does
    /// Flags a kube-apiserver that lets TokenRequest tokens live long: no
    /// `--service-account-max-token-expiration` (or one above 24 hours), or
    /// `--service-account-extend-token-expiration` left at its default `true`.
    ///
    /// ## Why is this bad?
    /// TokenRequest tokens cannot be revoked; their expiry is the only limit on a stolen one.
    /// Without a maximum, any caller allowed to request a token picks its lifetime. With
    /// extension on, the tokens kubelets mount into Pods (requested for about an hour) are
    /// issued valid for up to a year, so a token copied out of a Pod keeps working long after
    /// the Pod is gone.
    ///
    /// ## Example
    /// ```yaml
    /// spec:
    ///   containers:
    ///     - command:
    ///         - kube-apiserver
    ///         - --service-account-issuer=https://kubernetes.default.svc.cluster.local
    /// ```
    ///
    /// ## How to fix
    /// Set `--service-account-max-token-expiration=24h` (or shorter) and, once no workload
    /// relies on old client libraries that do not reload tokens, set
    /// `--service-account-extend-token-expiration=false`.
    ///
    /// Guide: *TokenRequest API*.
    pub LongLivedTokenRequests {
        code: "TR002",
        slug: "long-lived-token-requests",
        severity: Severity::Low,
        mechanism: Mechanism::TokenRequest,
        scope: Scope::Audit,
    }
}

impl Check for LongLivedTokenRequests {
    fn check(&self, cx: &Context<'_, '_>, out: &mut Findings) {
        let flags = &cx.inv.apiserver;
        let origin = flags.origin().filter(|_| flags.is_visible());
        let max = flags.get("service-account-max-token-expiration");
        let extend = flags.get("service-account-extend-token-expiration");
        if origin.is_none() && max.is_none() && extend.is_none() {
            out.not_assessable(self, "control plane not visible", &crate::inventory::flags::CONTROL_PLANE_HINT);
            return;
        }
        match max {
            Some(flag) => {
                if let Some(secs) = crate::util::parse_duration(&flag.value)
                    && secs > MAX_TOKEN_EXPIRATION_SECONDS
                {
                    out.push(
                        self.finding_at(
                            flag.object.clone(),
                            flag.source.clone(),
                            format!(
                                "service-account tokens may live `{}`: `--service-account-max-token-expiration` is over 24h",
                                crate::util::human_duration(secs)
                            ),
                        )
                        .evidence(flag.evidence("service-account-max-token-expiration")),
                    );
                }
            }
            None => {
                if let Some((object, source)) = origin.clone() {
                    out.push(
                        self.finding_at(
                            object,
                            source,
                            "service-account token lifetime is unbounded: `--service-account-max-token-expiration` is unset",
                        )
                        .evidence(Evidence::plain("--service-account-max-token-expiration", "unset")),
                    );
                }
            }
        }
        match extend {
            Some(flag) if flag.value.trim() == "false" => {}
            Some(flag) => out.push(
                self.finding_at(
                    flag.object.clone(),
                    flag.source.clone(),
                    "tokens mounted into Pods are extended to a year: `--service-account-extend-token-expiration` is on",
                )
                .evidence(flag.evidence("service-account-extend-token-expiration")),
            ),
            None => {
                if let Some((object, source)) = origin {
                    out.push(
                        self.finding_at(
                            object,
                            source,
                            "tokens mounted into Pods are extended to a year: `--service-account-extend-token-expiration` defaults to `true`",
                        )
                        .evidence(Evidence::plain("--service-account-extend-token-expiration", "unset (default: true)")),
                    );
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing, reason = "tests")]
    use super::*;
    use crate::rules::test_support::{apiserver_pod, run};

    fn messages(flags: &[&str]) -> Vec<String> {
        run(&LongLivedTokenRequests, vec![apiserver_pod(flags)]).0.into_iter().map(|f| f.message).collect()
    }

    #[test]
    fn defaults_give_both_findings() {
        let got = messages(&[]);
        assert_eq!(got.len(), 2);
        assert!(got[0].contains("unbounded") && got[1].contains("defaults to `true`"));
    }

    #[test]
    fn long_maximum_and_explicit_extension() {
        let got =
            messages(&["--service-account-max-token-expiration=48h", "--service-account-extend-token-expiration=true"]);
        assert_eq!(
            got,
            [
                "service-account tokens may live `2d`: `--service-account-max-token-expiration` is over 24h",
                "tokens mounted into Pods are extended to a year: `--service-account-extend-token-expiration` is on",
            ]
        );
    }

    #[test]
    fn hardened_flags_are_quiet() {
        assert!(
            messages(&[
                "--service-account-max-token-expiration=24h0m0s",
                "--service-account-extend-token-expiration=false"
            ])
            .is_empty()
        );
        let (found, na) = run(&LongLivedTokenRequests, vec![]);
        assert!(found.is_empty());
        assert_eq!(na, ["TR002"]);
    }
}
