use crate::rule::prelude::*;

declare_rule! {
    /// ## What it does
    /// Reports (for review) a kube-apiserver that checks bearer tokens with an external
    /// webhook (`--authentication-token-webhook-config-file`).
    ///
    /// ## Why is this bad?
    /// It is not bad by itself, but it is one more source of identities to audit: whoever
    /// runs the webhook service decides who every token belongs to, and a compromise of that
    /// service (or its kubeconfig) is a compromise of the cluster. The service usually runs
    /// in the cluster with high privileges, and managed offerings rarely allow it at all.
    ///
    /// ## Example
    /// ```yaml
    /// spec:
    ///   containers:
    ///     - command:
    ///         - kube-apiserver
    ///         - --authentication-token-webhook-config-file=/etc/kubernetes/authn-webhook.yaml
    /// ```
    ///
    /// ## How to fix
    /// Nothing to fix if the webhook is intended: review who operates it, isolate its
    /// workloads (see WH002), use TLS to reach it, and keep its cache TTL short (WH003).
    ///
    /// Guide: *Webhook Authentication*.
    pub WebhookTokenAuthentication {
        code: "WH001",
        slug: "webhook-token-authentication",
        severity: Severity::Info,
        mechanism: Mechanism::Webhook,
        scope: Scope::Audit,
    }
}

impl Check for WebhookTokenAuthentication {
    fn check(&self, cx: &Context<'_, '_>, out: &mut Findings) {
        let flags = &cx.inv.apiserver;
        match flags.get("authentication-token-webhook-config-file") {
            Some(flag) if !flag.value.trim().is_empty() => {
                let mut finding = self
                    .finding_at(
                        flag.object.clone(),
                        flag.source.clone(),
                        format!(
                            "kube-apiserver asks the webhook configured in `{}` who a token belongs to",
                            flag.value
                        ),
                    )
                    .evidence(flag.evidence("authentication-token-webhook-config-file"));
                for name in ["authentication-token-webhook-cache-ttl", "authentication-token-webhook-version"] {
                    if let Some(extra) = flags.get(name) {
                        finding = finding.evidence(extra.evidence(name));
                    }
                }
                out.push(finding);
            }
            Some(_) => {}
            None if !flags.is_visible() => {
                out.not_assessable(self, "control plane not visible", &crate::inventory::flags::CONTROL_PLANE_HINT);
            }
            None => {}
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing, reason = "tests")]
    use super::*;
    use crate::rules::test_support::{apiserver_pod, run, summary};

    #[test]
    fn reports_the_webhook_with_its_settings() {
        let pod = apiserver_pod(&[
            "--authentication-token-webhook-config-file=/etc/kubernetes/authn.yaml",
            "--authentication-token-webhook-cache-ttl=30s",
        ]);
        let (found, _) = run(&WebhookTokenAuthentication, vec![pod]);
        assert_eq!(
            summary(&found),
            [(
                "info".into(),
                "Pod/kube-system/kube-apiserver-cp1".into(),
                "kube-apiserver asks the webhook configured in `/etc/kubernetes/authn.yaml` who a token belongs to"
                    .into()
            )]
        );
        assert_eq!(found[0].evidence.len(), 2);
        let (found, na) = run(&WebhookTokenAuthentication, vec![apiserver_pod(&[])]);
        assert!(found.is_empty() && na.is_empty());
        let (_, na) = run(&WebhookTokenAuthentication, vec![]);
        assert_eq!(na, ["WH001"]);
    }
}
