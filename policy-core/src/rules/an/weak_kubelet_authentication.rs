use crate::inventory::authn_config::{KubeletSetting, kubelets};
use crate::rule::prelude::*;

/// What to add to a dump so the kubelet's authentication can be judged.
const KUBELET_HINT: [&str; 2] = [
    "the kubelet-config ConfigMap: kubectl get configmap kubelet-config -n kube-system -o yaml",
    "a node's live kubelet configuration: kubectl get --raw /api/v1/nodes/<node>/proxy/configz",
];

declare_rule! {
    /// ## What it does
    /// Flags a kubelet that serves anonymous requests, or that does not check bearer tokens
    /// with the API server (webhook authentication off). It reads KubeletConfiguration
    /// documents, the `kubelet-config` ConfigMap, kubeadm configurations, kubescape's
    /// `KubeletInfo`, kops specs and Pods that run the kubelet. A config file defaults to
    /// anonymous off and webhook on; a kubelet run on flags alone defaults to the opposite.
    ///
    /// ## Why is this bad?
    /// The kubelet API (port 10250) runs commands in containers, reads their logs and lists
    /// pods. With anonymous access, anyone who reaches a node's port is `system:anonymous`
    /// there, and a permissive kubelet authorizer turns that into code execution on the node.
    /// Without webhook authentication the kubelet ignores service-account and OIDC tokens, so
    /// operators fall back to handing out node-level client certificates.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: kubelet.config.k8s.io/v1beta1
    /// kind: KubeletConfiguration
    /// authentication:
    ///   anonymous:
    ///     enabled: true
    /// ```
    ///
    /// ## How to fix
    /// Set `authentication.anonymous.enabled: false` and `authentication.webhook.enabled:
    /// true` in the kubelet configuration (flags: `--anonymous-auth=false`,
    /// `--authentication-token-webhook=true`) and keep `authorization.mode: Webhook`.
    ///
    /// Guide: *Authentication Mechanisms*.
    pub WeakKubeletAuthentication {
        code: "AN003",
        slug: "weak-kubelet-authentication",
        severity: Severity::High,
        mechanism: Mechanism::Anonymous,
        scope: Scope::Audit,
    }
}

/// A setting for a message: the value as written in backticks, or what an unset flag defaults to.
fn described(setting: &KubeletSetting, flag: &str) -> String {
    if !setting.shown.starts_with("unset") {
        return format!("`{}`", setting.shown);
    }
    match setting.enabled {
        Some(on) => format!("`--{flag}` is unset (kubelet default `{on}`)"),
        None => format!("`--{flag}` is unset"),
    }
}

impl Check for WeakKubeletAuthentication {
    fn check(&self, cx: &Context<'_, '_>, out: &mut Findings) {
        let views = kubelets(cx.inv);
        if views.is_empty() {
            out.not_assessable(self, "no kubelet configuration in the dump", &KUBELET_HINT);
            return;
        }
        for view in views {
            let anonymous = view.anonymous();
            if anonymous.enabled == Some(true) {
                out.push(
                    self.finding(
                        view.object,
                        format!("kubelet serves anonymous requests: {}", described(&anonymous, "anonymous-auth")),
                    )
                    .evidence(Evidence::plain(anonymous.path, anonymous.shown)),
                );
            }
            let webhook = view.webhook();
            if webhook.enabled == Some(false) {
                out.push(
                    self.finding(
                        view.object,
                        format!(
                            "kubelet does not check bearer tokens with the API server: {}",
                            described(&webhook, "authentication-token-webhook")
                        ),
                    )
                    .severity(Severity::Medium)
                    .evidence(Evidence::plain(webhook.path, webhook.shown)),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::test_support::{config_map, run, summary};
    use serde_json::json;

    #[test]
    fn kubelet_config_document() {
        let bad = json!({"apiVersion": "kubelet.config.k8s.io/v1beta1", "kind": "KubeletConfiguration",
                         "authentication": {"anonymous": {"enabled": true}, "webhook": {"enabled": false}}});
        let (found, _) = run(&WeakKubeletAuthentication, vec![bad]);
        assert_eq!(
            summary(&found),
            [
                (
                    "high".into(),
                    "KubeletConfiguration/".into(),
                    "kubelet serves anonymous requests: `authentication.anonymous.enabled: true`".into()
                ),
                (
                    "medium".into(),
                    "KubeletConfiguration/".into(),
                    "kubelet does not check bearer tokens with the API server: `authentication.webhook.enabled: false`"
                        .into()
                ),
            ]
        );
        // Unset in a config file: anonymous off, webhook on.
        let defaults = json!({"apiVersion": "kubelet.config.k8s.io/v1beta1", "kind": "KubeletConfiguration"});
        let (found, na) = run(&WeakKubeletAuthentication, vec![defaults]);
        assert!(found.is_empty() && na.is_empty());
    }

    #[test]
    fn kubelet_config_map_and_flag_only_pod() {
        let cm =
            config_map("kubelet-config", json!({"kubelet": r#"{"authentication": {"anonymous": {"enabled": true}}}"#}));
        let pod = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "kubelet", "namespace": "kube-system"},
                         "spec": {"containers": [{"name": "kubelet", "command": ["kubelet", "--authentication-token-webhook"]}]}});
        let (found, _) = run(&WeakKubeletAuthentication, vec![cm, pod]);
        let got: Vec<_> = found.iter().map(|f| (f.object.to_string(), f.evidence[0].path.clone())).collect();
        assert_eq!(
            got,
            [
                (
                    "ConfigMap/kube-system/kubelet-config".to_string(),
                    "data.kubelet.authentication.anonymous.enabled".to_string()
                ),
                ("Pod/kube-system/kubelet".to_string(), "spec.containers[0]".to_string()),
            ]
        );
        assert!(found[1].message.contains("`--anonymous-auth` is unset (kubelet default `true`)"));
    }

    #[test]
    fn not_assessable_without_kubelet_evidence() {
        let (found, na) = run(&WeakKubeletAuthentication, vec![]);
        assert!(found.is_empty());
        assert_eq!(na, ["AN003"]);
    }
}
