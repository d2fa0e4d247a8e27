//! Stable finding ids, and comparing a scan with a baseline (a previous JSON report), so a
//! pipeline can fail on what is new only.

use super::{Finding, ObjectRef, Report, Severity};
use crate::inventory::credentials::{Credential, CredentialKind};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// A finding compared with the baseline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum BaselineState {
    /// Not in the baseline: it counts toward `--fail-on`.
    New,
    /// Already in the baseline: listed, not failing.
    Unchanged,
}

/// The three baseline counts of the summary.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BaselineCounts {
    /// Findings not in the baseline.
    pub new: usize,
    /// Findings in both.
    pub unchanged: usize,
    /// Baseline findings this scan no longer has.
    pub fixed: usize,
    /// Credentials this scan has that the baseline had not.
    #[serde(default, rename = "credentialsAdded")]
    pub credentials_added: usize,
    /// Credentials of the baseline this scan no longer has.
    #[serde(default, rename = "credentialsRemoved")]
    pub credentials_removed: usize,
}

/// One credential as a comparison names it: what it is and where, never its secret (a
/// fingerprint identifies it, as in the credential inventory).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct CredentialSeen {
    /// What kind.
    pub kind: CredentialKind,
    /// The identity it authenticates as.
    pub identity: String,
    /// The object holding it.
    pub object: ObjectRef,
    /// Field path inside the object.
    #[serde(default)]
    pub path: String,
    /// Its fingerprint (`sha256:…`, `fp1:…`, or withheld).
    #[serde(default)]
    pub fingerprint: String,
}

impl CredentialSeen {
    fn of(c: &Credential) -> Self {
        Self {
            kind: c.kind,
            identity: c.identity.clone(),
            object: c.object.clone(),
            path: c.path.clone(),
            fingerprint: c.fingerprint.clone(),
        }
    }

    /// What makes two scans' credentials the same one: kind, identity, holder (not its
    /// `apiVersion`, which a dump may spell either way), field and fingerprint. A rotated token
    /// has a new fingerprint: the old one is removed, the new one added.
    fn key(&self) -> (CredentialKind, &str, &str, Option<&str>, &str, &str, &str) {
        let o = &self.object;
        (self.kind, &self.identity, &o.kind, o.namespace.as_deref(), &o.name, &self.path, &self.fingerprint)
    }

    /// A baseline's entry as shown: the file is input like any other, so its texts are redacted.
    fn redacted(self) -> Self {
        use crate::util::redact;
        Self {
            identity: redact::string(self.identity),
            object: self.object.redacted(),
            path: redact::string(self.path),
            fingerprint: fingerprint_shown(self.fingerprint),
            ..self
        }
    }
}

/// A baseline's fingerprint as shown: one of the shapes this tool writes (`sha256:` or `fp1:`
/// and hex digits, or withheld); anything else in that field could be a secret pasted there,
/// and is not repeated.
fn fingerprint_shown(fingerprint: String) -> String {
    let hex = fingerprint.strip_prefix("sha256:").or_else(|| fingerprint.strip_prefix("fp1:"));
    let ours = hex.is_some_and(|h| !h.is_empty() && h.chars().all(|c| c.is_ascii_hexdigit()));
    if ours || fingerprint == crate::util::fingerprint::WITHHELD { fingerprint } else { "unknown".to_string() }
}

/// The credentials added and removed since the baseline.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CredentialChanges {
    /// In this scan, not in the baseline.
    pub added: Vec<CredentialSeen>,
    /// In the baseline, not in this scan.
    pub removed: Vec<CredentialSeen>,
}

/// A baseline finding that is gone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FixedFinding {
    /// Its id.
    pub id: String,
    /// Rule code.
    pub code: String,
    /// Its severity then.
    pub severity: Severity,
    /// The object it was about.
    pub object: ObjectRef,
    /// Its message then.
    pub message: String,
}

/// A stable identity for a finding across scans: rule, object and evidence paths; not the line
/// (which moves when the dump is reformatted or reordered) nor the message (which may hold
/// dates). 32 hex digits.
pub fn finding_id(finding: &Finding) -> String {
    use sha2::{Digest, Sha256};
    let o = &finding.object;
    // The parts joined by NUL bytes, hashed as they come (no key string: a dump gives 10⁵ ids).
    let mut hasher = Sha256::new();
    hasher.update(finding.code.as_bytes());
    for part in [o.kind.as_str(), o.namespace.as_deref().unwrap_or(""), o.name.as_str()] {
        hasher.update([0]);
        hasher.update(part.as_bytes());
    }
    for evidence in &finding.evidence {
        hasher.update([0]);
        hasher.update(evidence.path.as_bytes());
    }
    crate::util::hex(hasher.finalize().get(..16).unwrap_or_default())
}

/// What a baseline must hold: a JSON report's findings with their ids.
#[derive(Deserialize)]
struct Baseline {
    findings: Vec<BaselineFinding>,
    /// Absent from a report of a version without the credential inventory: then no credential
    /// is said to be added or removed.
    #[serde(default)]
    credentials: Option<Vec<CredentialSeen>>,
}

#[derive(Deserialize)]
struct BaselineFinding {
    #[serde(default)]
    id: String,
    code: String,
    severity: Severity,
    object: ObjectRef,
    message: String,
}

/// Why some bytes are no baseline (one line each, located where the JSON is malformed).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BaselineError {
    /// Not JSON, or JSON without a report's findings.
    #[error("line {line}: not an authn-audit JSON report ({cause})")]
    NotAReport {
        /// The line of the input where reading stopped.
        line: usize,
        /// What the JSON reader said, redacted.
        cause: String,
    },
    /// A report of a version that gave findings no stable id.
    #[error("its findings carry no `id`: make the baseline again with this version")]
    NoIds,
}

/// Mark every finding new or unchanged against a baseline (the bytes of a previous
/// `--format json` report), list the fixed ones and count the three. On an error the report is
/// left as it was.
pub fn compare(report: &mut Report, baseline_json: &[u8]) -> Result<(), BaselineError> {
    let baseline: Baseline = serde_json::from_slice(baseline_json)
        .map_err(|e| BaselineError::NotAReport { line: e.line(), cause: crate::util::redact::string(e.to_string()) })?;
    if baseline.findings.iter().any(|f| f.id.is_empty()) {
        return Err(BaselineError::NoIds);
    }
    let old: BTreeSet<&str> = baseline.findings.iter().map(|f| f.id.as_str()).collect();
    let now: BTreeSet<String> = report.findings.iter().map(|f| f.id.clone()).collect();
    let mut counts = BaselineCounts::default();
    for finding in &mut report.findings {
        let state = if old.contains(finding.id.as_str()) { BaselineState::Unchanged } else { BaselineState::New };
        match state {
            BaselineState::New => counts.new += 1,
            BaselineState::Unchanged => counts.unchanged += 1,
        }
        finding.baseline = Some(state);
    }
    let mut seen = BTreeSet::new();
    report.fixed = baseline
        .findings
        .into_iter()
        .filter(|f| !now.contains(&f.id) && seen.insert(f.id.clone()))
        .map(|f| FixedFinding {
            id: f.id,
            code: f.code,
            severity: f.severity,
            object: f.object.redacted(),
            message: crate::util::redact::string(f.message),
        })
        .collect();
    counts.fixed = report.fixed.len();
    if let Some(old) = baseline.credentials {
        let changes = credential_changes(&report.credentials, old);
        counts.credentials_added = changes.added.len();
        counts.credentials_removed = changes.removed.len();
        report.credential_changes = Some(changes);
    }
    report.summary.baseline = Some(counts);
    Ok(())
}

/// The credentials of `now` the baseline's `old` lacks, and the reverse, each listed once.
fn credential_changes(now: &[Credential], old: Vec<CredentialSeen>) -> CredentialChanges {
    let now: Vec<CredentialSeen> = now.iter().map(CredentialSeen::of).collect();
    let old_keys: BTreeSet<_> = old.iter().map(CredentialSeen::key).collect();
    let now_keys: BTreeSet<_> = now.iter().map(CredentialSeen::key).collect();
    let mut added: Vec<CredentialSeen> = now.iter().filter(|c| !old_keys.contains(&c.key())).cloned().collect();
    let mut removed: Vec<CredentialSeen> =
        old.iter().filter(|c| !now_keys.contains(&c.key())).cloned().map(CredentialSeen::redacted).collect();
    for list in [&mut added, &mut removed] {
        list.sort();
        list.dedup();
    }
    CredentialChanges { added, removed }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing, reason = "tests")]
mod tests {
    use super::*;
    use crate::{InputFile, Settings};

    fn scan(dump: &str) -> Report {
        let settings = Settings { now: Some(time::macros::datetime!(2025-11-28 12:00:00 UTC)), ..Settings::default() };
        crate::analyze(&[InputFile { name: "dump.yaml", bytes: dump.as_bytes() }], &settings)
    }

    fn token(name: &str, secret: &str) -> String {
        format!(
            "---\napiVersion: v1\nkind: Secret\ntype: kubernetes.io/service-account-token\nmetadata:\n  name: {name}\n  namespace: ci\n  annotations: {{kubernetes.io/service-account.name: deployer}}\ndata:\n  token: {secret}\n"
        )
    }

    #[test]
    fn findings_and_credentials_are_new_unchanged_fixed_added_or_removed() {
        let kept = token("kept", "a2VwdC10b2tlbi12YWx1ZS0wMDAwMDAwMDAwMDE=");
        let old = scan(&format!("{kept}{}", token("gone", "Z29uZS10b2tlbi12YWx1ZS0wMDAwMDAwMDAwMDE=")));
        let old_json = serde_json::to_vec(&old).unwrap();
        let mut now = scan(&format!("{kept}{}", token("fresh", "ZnJlc2gtdG9rZW4tdmFsdWUtMDAwMDAwMDAwMDE=")));
        compare(&mut now, &old_json).unwrap();
        let state = |name: &str| now.findings.iter().find(|f| f.object.name == name).and_then(|f| f.baseline);
        assert_eq!(state("kept"), Some(BaselineState::Unchanged));
        assert_eq!(state("fresh"), Some(BaselineState::New));
        assert!(!now.fixed.is_empty() && now.fixed.iter().all(|f| f.object.name == "gone"), "{:?}", now.fixed);
        let changes = now.credential_changes.as_ref().unwrap();
        let names = |list: &[CredentialSeen]| list.iter().map(|c| c.object.name.clone()).collect::<Vec<_>>();
        assert_eq!(names(&changes.added), ["fresh"]);
        assert_eq!(names(&changes.removed), ["gone"]);
        let counts = now.summary.baseline.unwrap();
        assert_eq!((counts.credentials_added, counts.credentials_removed), (1, 1));
        assert_eq!(counts.fixed, now.fixed.len());
        assert_eq!(fingerprint_shown("e2e-very-secret-token-value".into()), "unknown");
        assert_eq!(fingerprint_shown("fp1:0123456789ab".into()), "fp1:0123456789ab");
        let shown = serde_json::to_string(&now).unwrap();
        assert!(
            !shown.contains("gone-token-value") && !shown.contains("Z29uZS10b2tl"),
            "a fingerprint, never the token"
        );
    }

    #[test]
    fn bytes_that_are_no_report_say_where() {
        let mut now = scan(&token("kept", "a2VwdC10b2tlbi12YWx1ZS0wMDAwMDAwMDAwMDE="));
        let error =
            compare(&mut now, b"{\n  \"tool\": {\"name\": \"authn-audit\"},\n  \"findings\": 3\n}").unwrap_err();
        assert!(matches!(error, BaselineError::NotAReport { line: 3, .. }), "{error:?}");
        assert!(error.to_string().starts_with("line 3: not an authn-audit JSON report"), "{error}");
        assert_eq!(now.summary.baseline, None, "nothing is compared");
        // A hostile shape: nesting deeper than any report is an error, not a stack overflow.
        let deep = format!(
            "{{\"tool\": {{\"name\": \"authn-audit\"}}, \"findings\": {}{}}}",
            "[".repeat(100_000),
            "]".repeat(100_000)
        );
        assert!(compare(&mut now, deep.as_bytes()).is_err());
        assert_eq!(now.summary.baseline, None);
    }
}
