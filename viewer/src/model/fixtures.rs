//! Findings, reports and credentials for the view-model's tests.

use policy_core::inventory::credentials::Credential;
use policy_core::report::{Evidence, ObjectRef, Source};
use policy_core::report::{Finding, Mechanism};
use policy_core::{Report, Severity};

pub fn finding(
    code: &str,
    severity: Severity,
    mechanism: Mechanism,
    kind: &str,
    ns: Option<&str>,
    name: &str,
    line: u32,
) -> Finding {
    Finding {
        code: code.to_string().into(),
        slug: format!("slug-of-{}", code.to_lowercase()).into(),
        severity,
        mechanism,
        object: ObjectRef {
            api_version: "v1".into(),
            kind: kind.into(),
            namespace: ns.map(Into::into),
            name: name.into(),
        }
        .into(),
        source: Source { path: "dump.yaml".into(), line }.into(),
        message: format!("`{name}` is flagged by {code}"),
        evidence: vec![Evidence::plain("spec", "x")],
        remediation: "fix it".into(),
        fix: None,
        docs: String::new().into(),
        related: vec![],
        references: vec![].into(),
        id: String::new(),
        suppression: None,
        also_in: Vec::new(),
        baseline: None,
    }
}

pub fn sample() -> Vec<Finding> {
    vec![
        finding("ST001", Severity::High, Mechanism::StaticTokenFile, "Pod", Some("kube-system"), "kube-apiserver", 40),
        finding("SA001", Severity::Medium, Mechanism::ServiceAccountTokens, "Secret", Some("default"), "old-token", 12),
        finding("SA001", Severity::Medium, Mechanism::ServiceAccountTokens, "Secret", Some("ci"), "deployer-token", 90),
        finding("CC002", Severity::Low, Mechanism::ClientCertificates, "CertificateSigningRequest", None, "alice", 3),
    ]
}

pub fn report_with(findings: Vec<Finding>) -> Report {
    Report {
        tool: policy_core::report::Tool { name: "authn-audit".into(), version: "0".into() },
        evaluated_at: "2026-01-01T00:00:00Z".into(),
        inputs: vec![],
        findings,
        not_assessable: vec![],
        mechanisms: vec![],
        credentials: vec![],
        audit: None,
        stale_suppressions: vec![],
        fixed: vec![],
        credential_changes: None,
        scope: None,
        summary: policy_core::report::Summary::default(),
    }
}

pub fn credential(identity: &str, not_before: Option<&str>, expires: Option<&str>) -> Credential {
    use policy_core::inventory::credentials::CredentialKind;
    Credential {
        kind: CredentialKind::ClientCertificate,
        identity: identity.into(),
        groups: vec![],
        issuer: None,
        not_before: not_before.map(Into::into),
        expires: expires.map(Into::into),
        last_used: None,
        status: "valid".into(),
        fingerprint: "sha256:0".into(),
        object: ObjectRef::default(),
        source: Source::default(),
        path: String::new(),
        usage: None,
    }
}
