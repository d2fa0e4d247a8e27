use super::bootstrap_secret::bootstrap_secrets;
use crate::rule::prelude::*;

declare_rule! {
    /// ## What it does
    /// Flags a bootstrap token Secret in `kube-system` whose `expiration` has passed (or does
    /// not parse, which the API server treats as expired) but which is still in the cluster.
    ///
    /// ## Why is this bad?
    /// The token cleaner controller of kube-controller-manager deletes expired bootstrap
    /// tokens. One that lingers means the cleaner is not running (`--controllers` without
    /// `tokencleaner`), so the next token created without care will linger too, and the old
    /// Secret keeps a credential that was once valid readable by anyone who can read
    /// `kube-system` Secrets.
    ///
    /// ## Example
    /// ```yaml
    /// metadata:
    ///   name: bootstrap-token-07401b
    ///   namespace: kube-system
    /// stringData:
    ///   expiration: "2024-03-01T10:00:00Z"
    /// ```
    ///
    /// ## How to fix
    /// Delete the Secret (each finding gives the `kubectl delete` command to copy; `kubeadm
    /// token delete <id>` does the same) and enable the token cleaner
    /// (kube-controller-manager `--controllers=*,bootstrapsigner,tokencleaner`, kubeadm's default).
    ///
    /// Guide: *Bootstrap Tokens*.
    pub ExpiredBootstrapToken {
        code: "BT002",
        slug: "expired-bootstrap-token",
        severity: Severity::Low,
        mechanism: Mechanism::BootstrapTokens,
        scope: Scope::Audit,
    }
}

impl Check for ExpiredBootstrapToken {
    fn check(&self, cx: &Context<'_, '_>, out: &mut Findings) {
        let Some(now) = cx.now else { return };
        for token in bootstrap_secrets(cx.inv) {
            // The cleaner only looks at kube-system; elsewhere the Secret was never a token.
            if token.object.namespace() != Some("kube-system") {
                continue;
            }
            let Some(written) = token.expiration.as_deref() else { continue };
            let id = token.display_id();
            let message = match token.expires() {
                Ok(Some(at)) if at <= now => {
                    let ago = u64::try_from((now - at).whole_seconds()).unwrap_or(0);
                    format!(
                        "bootstrap token `{id}` expired {} ago and is still present",
                        crate::util::human_duration(ago)
                    )
                }
                Ok(_) => continue,
                Err(()) => format!("bootstrap token `{id}` has an unparseable `expiration` and is still present"),
            };
            // An expired token authenticates no one: deleting it locks nobody out.
            let fix = Fix::delete("delete the expired bootstrap token Secret", &token.object.object_ref());
            out.push(
                self.finding(token.object, message)
                    .evidence(Evidence::plain(token.path("expiration"), written))
                    .fix(fix),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::bt::bootstrap_secret::fixtures::bootstrap_secret;
    use crate::rules::test_support::{run, summary};

    #[test]
    fn expired_tokens_are_reported_live_ones_are_not() {
        let (found, _) = run(
            &ExpiredBootstrapToken,
            vec![
                bootstrap_secret("07401b", "f395accd246ae52d", Some("2025-11-25T12:00:00Z")),
                bootstrap_secret("9a08jv", "3ubbwmtl2qxm3ryy", Some("2025-11-29T10:00:00Z")),
                bootstrap_secret("x1y2z3", "3ubbwmtl2qxm3ryy", Some("next tuesday")),
                bootstrap_secret("nottl0", "3ubbwmtl2qxm3ryy", None),
            ],
        );
        assert_eq!(
            summary(&found),
            vec![
                (
                    "low".to_string(),
                    "Secret/kube-system/bootstrap-token-07401b".to_string(),
                    "bootstrap token `07401b` expired 3d ago and is still present".to_string()
                ),
                (
                    "low".to_string(),
                    "Secret/kube-system/bootstrap-token-x1y2z3".to_string(),
                    "bootstrap token `x1y2z3` has an unparseable `expiration` and is still present".to_string()
                ),
            ]
        );
        let fix = found[0].fix.as_ref().unwrap();
        assert_eq!(fix.text, "kubectl delete secret -n kube-system bootstrap-token-07401b");
        assert!(!fix.text.contains("f395accd246ae52d"), "the token's secret half is in no fix");
    }
}
