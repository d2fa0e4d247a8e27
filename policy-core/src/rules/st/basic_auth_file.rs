use crate::rule::prelude::*;

declare_rule! {
    /// ## What it does
    /// Flags a kube-apiserver started with `--basic-auth-file`.
    ///
    /// ## Why is this bad?
    /// The file holds user names and passwords in clear text on the control-plane nodes, and
    /// every request carries the password itself. Passwords cannot expire, be rotated by their
    /// users, or be revoked without a restart, and nothing stops guessing. The flag was removed
    /// in Kubernetes 1.19; finding it means an old, unpatched API server or a manifest that
    /// will not start.
    ///
    /// ## Example
    /// ```yaml
    /// spec:
    ///   containers:
    ///     - command:
    ///         - kube-apiserver
    ///         - --basic-auth-file=/etc/kubernetes/basic-auth.csv
    /// ```
    ///
    /// ## How to fix
    /// Remove `--basic-auth-file`, move its users to OIDC or another external identity source,
    /// and upgrade the control plane to a supported Kubernetes version.
    ///
    /// Guide: *Static Token File*.
    pub BasicAuthFile {
        code: "ST002",
        slug: "basic-auth-file",
        severity: Severity::High,
        mechanism: Mechanism::StaticTokenFile,
        scope: Scope::Audit,
    }
}

impl Check for BasicAuthFile {
    fn check(&self, cx: &Context<'_, '_>, out: &mut Findings) {
        let flags = &cx.inv.apiserver;
        if let Some(flag) = flags.get("basic-auth-file") {
            out.push(
                self.finding_at(
                    flag.object.clone(),
                    flag.source.clone(),
                    format!("kube-apiserver reads passwords from `{}`", flag.value),
                )
                .evidence(flag.evidence("basic-auth-file")),
            );
        } else if !flags.is_visible() {
            out.not_assessable(self, "control plane not visible", &crate::inventory::flags::CONTROL_PLANE_HINT);
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing, reason = "tests")]
    use super::*;
    use crate::rules::test_support::{apiserver_pod, run};

    #[test]
    fn fires_on_the_flag_only() {
        let (found, na) = run(&BasicAuthFile, vec![apiserver_pod(&["--basic-auth-file=/etc/k/basic.csv"])]);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].message, "kube-apiserver reads passwords from `/etc/k/basic.csv`");
        assert_eq!(found[0].evidence[0].path, "spec.containers[0].command[1]");
        assert!(na.is_empty());
        let (found, na) = run(&BasicAuthFile, vec![apiserver_pod(&["--anonymous-auth=false"])]);
        assert!(found.is_empty() && na.is_empty());
        let (found, na) = run(&BasicAuthFile, vec![]);
        assert!(found.is_empty());
        assert_eq!(na, ["ST002"]);
    }
}
