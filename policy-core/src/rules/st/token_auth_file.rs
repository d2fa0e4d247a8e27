use crate::rule::prelude::*;

declare_rule! {
    /// ## What it does
    /// Flags a kube-apiserver started with `--token-auth-file`.
    ///
    /// ## Why is this bad?
    /// The file keeps bearer tokens in clear text on every control-plane node's disk. A token
    /// cannot be rotated or revoked without editing that file and restarting the API server,
    /// users cannot rotate their own, and nothing slows down a brute-force guess.
    ///
    /// ## Example
    /// ```yaml
    /// spec:
    ///   containers:
    ///     - command:
    ///         - kube-apiserver
    ///         - --token-auth-file=/etc/kubernetes/tokens.csv
    /// ```
    ///
    /// ## How to fix
    /// Remove `--token-auth-file` and move its users to OIDC or another external identity source;
    /// give workloads TokenRequest tokens instead.
    ///
    /// No fix to copy: removing the flag locks out everyone the file lists until they have another
    /// way in.
    ///
    /// Guide: *Static Token File*.
    pub TokenAuthFile {
        code: "ST001",
        slug: "token-auth-file",
        severity: Severity::High,
        mechanism: Mechanism::StaticTokenFile,
        scope: Scope::Audit,
    }
}

impl Check for TokenAuthFile {
    fn check(&self, cx: &Context<'_, '_>, out: &mut Findings) {
        let flags = &cx.inv.apiserver;
        if !flags.is_visible() {
            out.control_plane_not_visible(self);
            return;
        }
        if let Some(flag) = flags.get("token-auth-file") {
            out.push(
                self.finding_at(
                    flag.object.clone(),
                    flag.source.clone(),
                    format!("kube-apiserver reads static tokens from `{}`", flag.value),
                )
                .evidence(Evidence::plain(flag.path.clone(), format!("--token-auth-file={}", flag.value))),
            );
        }
    }
}
