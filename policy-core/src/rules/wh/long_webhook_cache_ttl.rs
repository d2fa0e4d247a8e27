use crate::rule::prelude::*;

declare_rule! {
    /// ## What it does
    /// Flags a kube-apiserver with webhook token authentication whose
    /// `--authentication-token-webhook-cache-ttl` is longer than the allowed maximum (setting
    /// `maxWebhookCacheTtlSeconds`, default 5 minutes; the flag defaults to 2 minutes).
    ///
    /// ## Why is this bad?
    /// The API server remembers each webhook answer for the TTL. A token the identity
    /// provider has revoked, or a user it has disabled, keeps working until the cached answer
    /// expires, so a long TTL quietly defeats revocation, the main reason to use a webhook.
    ///
    /// ## Example
    /// ```yaml
    /// spec:
    ///   containers:
    ///     - command:
    ///         - kube-apiserver
    ///         - --authentication-token-webhook-config-file=/etc/kubernetes/authn-webhook.yaml
    ///         - --authentication-token-webhook-cache-ttl=24h
    /// ```
    ///
    /// ## How to fix
    /// Lower `--authentication-token-webhook-cache-ttl` to a few minutes or remove it to use
    /// the 2-minute default.
    ///
    /// Guide: *Webhook Authentication*.
    pub LongWebhookCacheTtl {
        code: "WH003",
        slug: "long-webhook-cache-ttl",
        severity: Severity::Low,
        mechanism: Mechanism::Webhook,
        scope: Scope::Audit,
    }
}

impl Check for LongWebhookCacheTtl {
    fn check(&self, cx: &Context<'_, '_>, out: &mut Findings) {
        let flags = &cx.inv.apiserver;
        let webhook = flags.get("authentication-token-webhook-config-file").is_some_and(|f| !f.value.trim().is_empty());
        if !webhook {
            if !flags.is_visible() {
                out.not_assessable(self, "control plane not visible", &crate::inventory::flags::CONTROL_PLANE_HINT);
            }
            return;
        }
        // Unset means the 2-minute default, below any sensible maximum.
        let Some(flag) = flags.get("authentication-token-webhook-cache-ttl") else { return };
        let Some(ttl) = crate::util::parse_duration(&flag.value) else { return };
        let max = cx.settings.max_webhook_cache_ttl_seconds;
        if ttl > max {
            out.push(
                self.finding_at(
                    flag.object.clone(),
                    flag.source.clone(),
                    format!(
                        "revoked tokens stay valid for `{}`: the webhook cache TTL is over `{}`",
                        crate::util::human_duration(ttl),
                        crate::util::human_duration(max)
                    ),
                )
                .evidence(flag.evidence("authentication-token-webhook-cache-ttl")),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing, reason = "tests")]
    use super::*;
    use crate::rules::test_support::{apiserver_pod, run, run_with, summary};
    use crate::settings::Settings;

    const WEBHOOK: &str = "--authentication-token-webhook-config-file=/etc/kubernetes/authn.yaml";

    #[test]
    fn long_ttl_fires_against_the_setting() {
        let pod = apiserver_pod(&[WEBHOOK, "--authentication-token-webhook-cache-ttl=1h"]);
        let (found, _) = run(&LongWebhookCacheTtl, vec![pod.clone()]);
        assert_eq!(
            summary(&found),
            [(
                "low".into(),
                "Pod/kube-system/kube-apiserver-cp1".into(),
                "revoked tokens stay valid for `1h`: the webhook cache TTL is over `5m`".into()
            )]
        );
        let lenient = Settings { max_webhook_cache_ttl_seconds: 7200, ..Settings::default() };
        assert!(run_with(&LongWebhookCacheTtl, vec![pod], &lenient).0.is_empty());
    }

    #[test]
    fn default_ttl_or_no_webhook_is_quiet() {
        assert!(run(&LongWebhookCacheTtl, vec![apiserver_pod(&[WEBHOOK])]).0.is_empty());
        let (found, na) =
            run(&LongWebhookCacheTtl, vec![apiserver_pod(&["--authentication-token-webhook-cache-ttl=24h"])]);
        assert!(found.is_empty() && na.is_empty());
        assert_eq!(run(&LongWebhookCacheTtl, vec![]).1, ["WH003"]);
    }
}
