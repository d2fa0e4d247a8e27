//! Stable finding ids, and comparing a scan with a baseline (a previous JSON report), so a
//! pipeline can fail on what is new only.

use super::{Finding, ObjectRef, Report, Severity};
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

/// Mark every finding new or unchanged against a baseline (the bytes of a previous
/// `--format json` report), list the fixed ones and count the three. The error says why the
/// bytes are no baseline, in one line.
pub fn compare(report: &mut Report, baseline_json: &[u8]) -> Result<(), String> {
    let baseline: Baseline = serde_json::from_slice(baseline_json).map_err(|e| {
        format!("line {}: not an authn-audit JSON report ({})", e.line(), crate::util::redact::string(e.to_string()))
    })?;
    if baseline.findings.iter().any(|f| f.id.is_empty()) {
        return Err("its findings carry no `id`: make the baseline again with this version".to_string());
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
    report.summary.baseline = Some(counts);
    Ok(())
}
