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
    /// When the flag is in a static Pod, the finding gives the line to write in its manifest: a
    /// shorter cache only means more calls to the webhook, so it locks no one out.
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
                out.control_plane_not_visible(self);
            }
            return;
        }
        // Unset means the 2-minute default, below any sensible maximum.
        let Some(flag) = flags.get("authentication-token-webhook-cache-ttl") else { return };
        let Some(ttl) = crate::util::parse_duration(&flag.value) else { return };
        let max = cx.settings.max_webhook_cache_ttl_seconds;
        if ttl > max {
            // The default, or the allowed maximum when that is shorter: a shorter cache only
            // means more calls to the webhook, no one is locked out by it.
            let value = if max >= 120 { "2m".to_string() } else { format!("{max}s") };
            let fix = apiserver_flag_fix(flag, "authentication-token-webhook-cache-ttl", &value);
            let message = format!(
                "revoked tokens stay valid for `{}`: the webhook cache TTL is over `{}`",
                crate::util::human_duration(ttl),
                crate::util::human_duration(max)
            );
            out.push(self.flag_finding(flag, "authentication-token-webhook-cache-ttl", message).fix(fix));
        }
    }
}

#[cfg(test)]
mod tests {
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
        let fix = found[0].fix.as_ref().unwrap();
        assert_eq!(fix.text, "- --authentication-token-webhook-cache-ttl=2m");
        let strict = Settings { max_webhook_cache_ttl_seconds: 60, ..Settings::default() };
        let (found, _) = run_with(&LongWebhookCacheTtl, vec![pod.clone()], &strict);
        assert_eq!(found[0].fix.as_ref().unwrap().text, "- --authentication-token-webhook-cache-ttl=60s");
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
