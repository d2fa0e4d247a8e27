use super::legacy_secret::{allowed, legacy_token_secrets, owner_phrase};
use crate::rule::prelude::*;

declare_rule! {
    /// ## What it does
    /// Flags a legacy service-account token Secret that no workload in the dump mounts (as a
    /// secret volume, a projected volume source, or through `env`/`envFrom`). Secrets in the
    /// `allowedLegacyTokens` setting are accepted. Without any workload in the dump the rule
    /// is not assessable.
    ///
    /// ## Why is this bad?
    /// A token no Pod reads is used from outside the cluster: by a CI system, a script, or a
    /// person who authenticates as the service account. That is user authentication through a
    /// credential that never expires, cannot be tied to a person, and cannot be put in a group.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: Secret
    /// type: kubernetes.io/service-account-token
    /// metadata:
    ///   name: jenkins-deployer-token
    ///   namespace: ci
    ///   annotations:
    ///     kubernetes.io/service-account.name: jenkins-deployer
    /// ```
    ///
    /// ## How to fix
    /// Find who uses the token and move them to a proper identity (OIDC for people, a workload
    /// identity or `kubectl create token --duration` for automation), then delete it.
    ///
    /// No fix to copy: no Pod mounting it does not mean no one uses it (a CI system outside the
    /// cluster may), and deleting it would lock that user out.
    ///
    /// Guide: *Service Account Secret Tokens*.
    pub UnmountedLegacyToken {
        code: "SA004",
        slug: "unmounted-legacy-token",
        severity: Severity::Medium,
        mechanism: Mechanism::ServiceAccountTokens,
        scope: Scope::Audit,
    }
}

impl Check for UnmountedLegacyToken {
    fn check(&self, cx: &Context<'_, '_>, out: &mut Findings) {
        let mut secrets = legacy_token_secrets(cx.inv).filter(|s| !allowed(cx.settings, s)).peekable();
        if secrets.peek().is_none() {
            return;
        }
        if cx.inv.workloads.is_empty() {
            out.not_assessable(
                self,
                "the dump holds no workloads, so it cannot show which tokens Pods mount",
                &["the workloads: kubectl get pods,deployments,statefulsets,daemonsets,jobs,cronjobs -A -o yaml"],
            );
            return;
        }
        for secret in secrets {
            let namespace = secret.namespace().unwrap_or("");
            if cx.inv.workloads.reading_secret(namespace, secret.name()).next().is_some() {
                continue;
            }
            out.push(
                self.finding(secret, format!("legacy token Secret{} is mounted by no workload", owner_phrase(secret)))
                    .remediation("find who uses the token from outside the cluster, give them their own identity, then delete the Secret"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::test_support::{run, summary};
    use serde_json::json;

    fn token(name: &str) -> serde_json::Value {
        json!({"apiVersion": "v1", "kind": "Secret", "type": "kubernetes.io/service-account-token",
               "metadata": {"name": name, "namespace": "ci",
                            "annotations": {"kubernetes.io/service-account.name": "deployer"}}})
    }

    fn pod(ns: &str, volume_secret: &str) -> serde_json::Value {
        json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": format!("uses-{volume_secret}"), "namespace": ns},
               "spec": {"containers": [{"name": "c", "image": "alpine"}],
                        "volumes": [{"name": "t", "secret": {"secretName": volume_secret}}]}})
    }

    #[test]
    fn only_tokens_no_workload_mounts_fire() {
        let (found, _) = run(
            &UnmountedLegacyToken,
            vec![
                token("mounted"),
                token("external"),
                token("elsewhere"),
                pod("ci", "mounted"),
                pod("web", "elsewhere"),
            ],
        );
        assert_eq!(
            summary(&found),
            vec![
                (
                    "medium".to_string(),
                    "Secret/ci/external".to_string(),
                    "legacy token Secret for service account `deployer` is mounted by no workload".to_string()
                ),
                (
                    "medium".to_string(),
                    "Secret/ci/elsewhere".to_string(),
                    "legacy token Secret for service account `deployer` is mounted by no workload".to_string()
                ),
            ]
        );
    }

    #[test]
    fn without_workloads_it_is_not_assessable() {
        let (found, not_assessable) = run(&UnmountedLegacyToken, vec![token("external")]);
        assert!(found.is_empty());
        assert_eq!(not_assessable, vec!["SA004".to_string()]);
    }
}
