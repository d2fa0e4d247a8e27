//! A number per mechanism for the summary.

use policy_core::report::Mechanism;
use policy_core::{Report, Severity};
use std::collections::BTreeMap;

/// A mechanism's health in one number, for the summary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MechanismScore {
    /// Which mechanism.
    pub mechanism: Mechanism,
    /// 0 (bad) to 100 (no findings).
    pub score: u32,
    /// Findings per severity.
    pub counts: BTreeMap<Severity, usize>,
    /// Enabled / disabled / unknown from MX001, when the report has it.
    pub state: Option<policy_core::inventory::mechanisms::State>,
}

impl MechanismScore {
    /// A word for the score band.
    pub fn grade(&self) -> &'static str {
        match self.score {
            90.. => "good",
            60..90 => "fair",
            _ => "poor",
        }
    }
}

/// What one finding of a severity costs a mechanism's score.
pub fn penalty(severity: Severity) -> u32 {
    match severity {
        Severity::Critical => 40,
        Severity::High => 20,
        Severity::Medium => 8,
        Severity::Low => 3,
        Severity::Info => 0,
    }
}

/// One score per mechanism of the guide, in the guide's order: 100 minus the findings' penalties.
pub fn mechanism_scores(report: &Report) -> Vec<MechanismScore> {
    Mechanism::ALL
        .into_iter()
        .map(|mechanism| {
            let mut counts = BTreeMap::new();
            for f in report.findings.iter().filter(|f| f.mechanism == mechanism) {
                *counts.entry(f.severity).or_insert(0usize) += 1;
            }
            let lost: u64 = counts.iter().map(|(s, n)| u64::from(penalty(*s)).saturating_mul(*n as u64)).sum();
            let score = u32::try_from(100u64.saturating_sub(lost)).unwrap_or(0);
            let state = report.mechanisms.iter().find(|m| m.mechanism == mechanism).map(|m| m.state);
            MechanismScore { mechanism, score, counts, state }
        })
        .collect()
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "tests")]
mod tests {
    use super::*;
    use crate::model::fixtures::*;
    #[test]
    fn scores_lose_points_per_finding_and_floor_at_zero() {
        let mut findings = sample();
        for i in 0..3 {
            findings.push(finding("ST002", Severity::Critical, Mechanism::StaticTokenFile, "Pod", None, "p", i));
        }
        let scores = mechanism_scores(&report_with(findings));
        assert_eq!(scores.len(), Mechanism::ALL.len());
        let by = |m| scores.iter().find(|s| s.mechanism == m).unwrap();
        assert_eq!(by(Mechanism::ServiceAccountTokens).score, 84);
        assert_eq!(by(Mechanism::ServiceAccountTokens).grade(), "fair");
        assert_eq!(by(Mechanism::ClientCertificates).score, 97);
        assert_eq!(by(Mechanism::StaticTokenFile).score, 0);
        assert_eq!(by(Mechanism::StaticTokenFile).grade(), "poor");
        assert_eq!(by(Mechanism::Oidc).score, 100);
        assert_eq!(by(Mechanism::Oidc).grade(), "good");
        assert_eq!(by(Mechanism::ServiceAccountTokens).counts.get(&Severity::Medium), Some(&2));
    }
}
