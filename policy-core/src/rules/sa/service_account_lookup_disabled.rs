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
            Some(flag) if flag.value.trim() == "false" => out.push(
                self.finding_at(
                    flag.object.clone(),
                    flag.source.clone(),
                    "deleted service-account tokens stay valid: `--service-account-lookup=false`",
                )
                .evidence(flag.evidence("service-account-lookup")),
            ),
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
        // Unset means the default, `true` (checkov reports this case; it is not a weakness).
        let (found, na) = run(&ServiceAccountLookupDisabled, vec![apiserver_pod(&[])]);
        assert!(found.is_empty() && na.is_empty());
        let (found, _) = run(&ServiceAccountLookupDisabled, vec![apiserver_pod(&["--service-account-lookup=true"])]);
        assert!(found.is_empty());
        let (_, na) = run(&ServiceAccountLookupDisabled, vec![]);
        assert_eq!(na, ["SA006"]);
    }
}
