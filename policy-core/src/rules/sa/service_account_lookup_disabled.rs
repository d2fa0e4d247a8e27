use crate::rule::prelude::*;

declare_rule! {
    /// ## What it does
    /// Flags a kube-apiserver started with `--service-account-lookup=false`.
    ///
    /// ## Why is this bad?
    /// With lookup off, the API server accepts a service-account token by its signature
    /// alone and never checks that the token's Secret or service account still exists.
    /// Deleting a leaked legacy token Secret then revokes nothing: the token stays valid
    /// until the signing key changes.
    ///
    /// ## Example
    /// ```yaml
    /// spec:
    ///   containers:
    ///     - command:
    ///         - kube-apiserver
    ///         - --service-account-lookup=false
    /// ```
    ///
    /// ## How to fix
    /// Remove the flag (the default is `true`) or set `--service-account-lookup=true`.
    ///
    /// When the flag is in a static Pod, the finding gives the line to write in its manifest.
    /// Turning lookup on locks no one out who should be in: only tokens whose Secret or service
    /// account is gone stop working.
    ///
    /// Guide: *Service Account Secret Tokens*.
    pub ServiceAccountLookupDisabled {
        code: "SA006",
        slug: "service-account-lookup-disabled",
        severity: Severity::Low,
        mechanism: Mechanism::ServiceAccountTokens,
        scope: Scope::Audit,
    }
}

impl Check for ServiceAccountLookupDisabled {
    fn check(&self, cx: &Context<'_, '_>, out: &mut Findings) {
        let flags = &cx.inv.apiserver;
        match flags.get("service-account-lookup") {
            Some(flag) if flag.value.trim() == "false" => {
                let fix = apiserver_flag_fix(flag, "service-account-lookup", "true");
                let message = "deleted service-account tokens stay valid: `--service-account-lookup=false`";
                out.push(self.flag_finding(flag, "service-account-lookup", message).fix(fix));
            }
            Some(_) => {}
            None if !flags.is_visible() => {
                out.control_plane_not_visible(self);
            }
            None => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::test_support::{apiserver_pod, run, summary};

    #[test]
    fn only_an_explicit_false_fires() {
        let (found, _) = run(&ServiceAccountLookupDisabled, vec![apiserver_pod(&["--service-account-lookup=false"])]);
        assert_eq!(
            summary(&found),
            [(
                "low".into(),
                "Pod/kube-system/kube-apiserver-cp1".into(),
                "deleted service-account tokens stay valid: `--service-account-lookup=false`".into()
            )]
        );
        let fix = found[0].fix.as_ref().unwrap();
        assert_eq!((fix.kind, fix.text.as_str()), (crate::report::FixKind::Edit, "- --service-account-lookup=true"));
        // Unset means the default, `true` (checkov reports this case; it is not a weakness).
        let (found, na) = run(&ServiceAccountLookupDisabled, vec![apiserver_pod(&[])]);
        assert!(found.is_empty() && na.is_empty());
        let (found, _) = run(&ServiceAccountLookupDisabled, vec![apiserver_pod(&["--service-account-lookup=true"])]);
        assert!(found.is_empty());
        let (_, na) = run(&ServiceAccountLookupDisabled, vec![]);
        assert_eq!(na, ["SA006"]);
    }
}
