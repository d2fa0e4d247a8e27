use crate::inventory::mechanisms::{State, assess};
use crate::rule::prelude::*;

declare_rule! {
    /// ## What it does
    /// Lists, as one info finding per enabled mechanism, how the cluster authenticates:
    /// client certificates, static token file, bootstrap tokens, legacy service-account
    /// tokens, TokenRequest tokens, OIDC/JWT, webhook, authenticating proxy and anonymous
    /// access. The report's `mechanisms` section holds the full table (enabled, disabled or
    /// unknown, with evidence); mechanisms the dump cannot decide make the rule "not
    /// assessable" with what to add.
    ///
    /// ## Why is this bad?
    /// It is not bad by itself. Kubernetes keeps no user database: every enabled mechanism is
    /// a separate source of identities, and access can only be reviewed by looking at each of
    /// them. Mechanisms nobody remembers enabling are where former users keep access.
    ///
    /// ## Example
    /// ```yaml
    /// - --client-ca-file=/etc/kubernetes/pki/ca.crt
    /// - --enable-bootstrap-token-auth=true
    /// - --oidc-issuer-url=https://idp.example.com
    /// ```
    ///
    /// ## How to fix
    /// Review each enabled mechanism; turn off those you do not need and audit the
    /// credentials of those you keep (see MX004 for the credential inventory).
    ///
    /// Guide: *Authentication Mechanisms*.
    pub AuthenticationMechanisms {
        code: "MX001",
        slug: "authentication-mechanisms",
        severity: Severity::Info,
        mechanism: Mechanism::General,
        scope: Scope::Audit,
    }
}

impl Check for AuthenticationMechanisms {
    fn check(&self, cx: &Context<'_, '_>, out: &mut Findings) {
        let statuses = assess(cx.inv);
        let mut hints: Vec<&str> = Vec::new();
        let mut unknown: Vec<&str> = Vec::new();
        for status in &statuses {
            match status.state {
                State::Enabled => {
                    let Some(first) = status.evidence.first() else { continue };
                    let mut finding = self
                        .finding_at(first.object.clone(), first.source.clone(), enabled_message(status.mechanism))
                        .related_mechanism(status.mechanism);
                    for evidence in &status.evidence {
                        finding = finding.evidence(evidence.evidence.clone());
                    }
                    out.push(finding);
                }
                State::Unknown => {
                    unknown.push(status.mechanism.label());
                    if let Some(hint) = status.hint.as_deref()
                        && !hints.contains(&hint)
                    {
                        hints.push(hint);
                    }
                }
                State::Disabled => {}
            }
        }
        if !unknown.is_empty() {
            out.not_assessable(self, format!("unknown mechanisms: {}", unknown.join(", ")), &hints);
        }
    }
}

fn enabled_message(mechanism: Mechanism) -> &'static str {
    match mechanism {
        Mechanism::Anonymous => "anonymous access is enabled",
        Mechanism::ClientCertificates => "client certificate authentication is enabled",
        Mechanism::StaticTokenFile => "static token file authentication is enabled",
        Mechanism::BootstrapTokens => "bootstrap token authentication is enabled",
        Mechanism::ServiceAccountTokens => "legacy service-account token Secrets are in use",
        Mechanism::TokenRequest => "service-account tokens from the TokenRequest API are enabled",
        Mechanism::Oidc => "authentication with OIDC/JWT tokens is enabled",
        Mechanism::Webhook => "webhook token authentication is enabled",
        Mechanism::AuthenticatingProxy => "authenticating proxy (request-header) authentication is enabled",
        Mechanism::General => "an authentication mechanism is enabled",
    }
}

/// Findings of MX001 carry the mechanism they describe, not the rule's `general`.
trait RelatedMechanism {
    fn related_mechanism(self, mechanism: Mechanism) -> Self;
}

impl RelatedMechanism for crate::report::Finding {
    fn related_mechanism(mut self, mechanism: Mechanism) -> Self {
        self.mechanism = mechanism;
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::test_support::{apiserver_pod, run};

    #[test]
    fn one_info_finding_per_enabled_mechanism() {
        let pod = apiserver_pod(&[
            "--anonymous-auth=false",
            "--client-ca-file=/etc/kubernetes/pki/ca.crt",
            "--enable-bootstrap-token-auth=true",
            "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
            "--oidc-issuer-url=https://idp.example.com",
        ]);
        let (found, na) = run(&AuthenticationMechanisms, vec![pod]);
        let got: Vec<_> = found.iter().map(|f| (f.severity, f.mechanism, f.message.as_str())).collect();
        assert_eq!(
            got,
            [
                (Severity::Info, Mechanism::ClientCertificates, "client certificate authentication is enabled"),
                (Severity::Info, Mechanism::BootstrapTokens, "bootstrap token authentication is enabled"),
                (
                    Severity::Info,
                    Mechanism::TokenRequest,
                    "service-account tokens from the TokenRequest API are enabled"
                ),
                (Severity::Info, Mechanism::Oidc, "authentication with OIDC/JWT tokens is enabled"),
            ]
        );
        assert_eq!(found[0].evidence[0].value, "--client-ca-file=/etc/kubernetes/pki/ca.crt");
        // No Secrets in the dump: legacy tokens are unknown.
        assert_eq!(na, ["MX001"]);
    }

    #[test]
    fn empty_dump_is_not_assessable() {
        let (found, na) = run(&AuthenticationMechanisms, vec![]);
        assert!(found.is_empty());
        assert_eq!(na, ["MX001"]);
    }
}
