use crate::rule::prelude::*;
use crate::rules::oi::report_unisolated;

declare_rule! {
    /// ## What it does
    /// Flags webhook token authenticators (guard, aws-iam-authenticator, k8s-keystone-auth,
    /// kube-ldap, recognised by image name) that are not isolated from general workloads, by
    /// the same criteria as OI004: a namespace shared with unrelated applications or the
    /// `default` namespace, no dedicated nodes, privileged settings, or a service account that
    /// is shared or broadly privileged. Host networking is accepted on dedicated control-plane
    /// nodes, where these authenticators usually listen next to the API server. At admission
    /// time only the object's own fields are judged.
    ///
    /// ## Why is this bad?
    /// The API server believes whatever identity the webhook returns. Whoever compromises the
    /// webhook's Pod (from a neighbour on the same node, or through a shared service account)
    /// can answer "yes, this is `system:masters`" for any token.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: apps/v1
    /// kind: DaemonSet
    /// metadata:
    ///   name: aws-iam-authenticator
    ///   namespace: default
    /// spec:
    ///   template:
    ///     spec:
    ///       hostNetwork: true
    ///       containers:
    ///         - name: aws-iam-authenticator
    ///           image: aws-iam-authenticator:v0.6.20
    /// ```
    ///
    /// ## How to fix
    /// Run the webhook in its own namespace (or kube-system) on control-plane or dedicated
    /// nodes (node selector plus a toleration of their taint), under its own service account,
    /// without privileged settings.
    ///
    /// Guide: *Webhook Authentication*.
    pub UnisolatedWebhookAuthenticator {
        code: "WH002",
        slug: "unisolated-webhook-authenticator",
        severity: Severity::Medium,
        mechanism: Mechanism::Webhook,
        scope: Scope::Admit,
    }
}

impl Check for UnisolatedWebhookAuthenticator {
    fn check(&self, cx: &Context<'_, '_>, out: &mut Findings) {
        report_unisolated(self, cx, out, true);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::test_support::{run, summary};
    use serde_json::{Value, json};

    fn daemonset(name: &str, ns: &str, spec: Value) -> Value {
        json!({"apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": {"name": name, "namespace": ns},
               "spec": {"template": {"metadata": {"labels": {"k8s-app": name}}, "spec": spec}}})
    }

    #[test]
    fn control_plane_webhooks_pass_and_loose_ones_fire() {
        let on_control_plane = json!({"hostNetwork": true, "serviceAccountName": "aws-iam-authenticator",
            "nodeSelector": {"node-role.kubernetes.io/control-plane": ""},
            "tolerations": [{"effect": "NoSchedule", "key": "node-role.kubernetes.io/control-plane"}],
            "containers": [{"name": "a", "image": "public.ecr.aws/eks-distro/kubernetes-sigs/aws-iam-authenticator:v0.6.20"}]});
        let anywhere = json!({"hostNetwork": true,
            "containers": [{"name": "guard", "image": "ghcr.io/kubeguard/guard:v0.18.0"}]});
        let dex = json!({"containers": [{"name": "dex", "image": "ghcr.io/dexidp/dex:v2.41.1"}]});
        let (found, _) = run(
            &UnisolatedWebhookAuthenticator,
            vec![
                daemonset("aws-iam-authenticator", "kube-system", on_control_plane),
                daemonset("guard", "guard", anywhere),
                daemonset("dex", "default", dex),
            ],
        );
        assert_eq!(
            summary(&found),
            vec![(
                "medium".to_string(),
                "DaemonSet/guard/guard".to_string(),
                "webhook authenticator guard (`DaemonSet/guard`) is not isolated from general workloads: no dedicated nodes; hostNetwork"
                    .to_string()
            )]
        );
    }
}
