//! Where each mechanism stands, in rules: how many passed, failed, or could not be judged from
//! this dump. A mechanism the dump cannot show is "not assessable", never a pass.

use policy_core::inventory::mechanisms::State;
use policy_core::report::Mechanism;
use policy_core::rule::RuleMeta;
use policy_core::{Report, Severity};
use std::collections::{BTreeMap, BTreeSet};

/// A mechanism's verdict, for the summary's colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// At least one rule failed.
    Failed,
    /// Every rule was judged and passed.
    Passed,
    /// Some rules passed, others could not be judged.
    Partial,
    /// Nothing failed, but the dump does not show this mechanism: MX001 could not tell whether
    /// it is on, or no rule could be judged. A rule that found nothing in data it never saw
    /// (a token file the dump does not hold) is no pass.
    NotAssessable,
}

impl Verdict {
    /// The CSS class and the word shown.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Failed => "failed",
            Self::Passed => "passed",
            Self::Partial => "partial",
            Self::NotAssessable => "not-assessable",
        }
    }

    /// The word shown.
    pub fn label(self) -> &'static str {
        match self {
            Self::Failed => "failed",
            Self::Passed => "passed",
            Self::Partial => "partly assessed",
            Self::NotAssessable => "not assessable",
        }
    }
}

/// One mechanism's rules, by outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Posture {
    /// Which mechanism.
    pub mechanism: Mechanism,
    /// Rules with a finding above info.
    pub failed: usize,
    /// Rules judged with nothing found.
    pub passed: usize,
    /// Rules this dump could not judge.
    pub not_assessable: usize,
    /// The worst severity found (for a failed mechanism's colour).
    pub worst: Option<Severity>,
    /// Findings per severity.
    pub counts: BTreeMap<Severity, usize>,
    /// Enabled / disabled / unknown from MX001, when the report has it.
    pub state: Option<State>,
    /// What to add to the dump so the rules not judged can be (MX001's hint first).
    pub add: Vec<String>,
}

impl Posture {
    /// The verdict the counts give.
    pub fn verdict(&self) -> Verdict {
        if self.failed > 0 {
            Verdict::Failed
        } else if self.passed == 0 || self.state == Some(State::Unknown) {
            Verdict::NotAssessable
        } else if self.not_assessable > 0 {
            Verdict::Partial
        } else {
            Verdict::Passed
        }
    }

    /// What to add to the dump, in a few words: the first suggestion without its command.
    pub fn add_short(&self) -> Option<&str> {
        self.add.first().map(|a| a.split(':').next().unwrap_or(a).trim())
    }

    /// The counts in words: `1 failed · 2 passed · 3 not assessable`.
    pub fn counts_text(&self) -> String {
        [(self.failed, "failed"), (self.passed, "passed"), (self.not_assessable, "not assessable")]
            .into_iter()
            .filter(|(n, _)| *n > 0)
            .map(|(n, what)| format!("{n} {what}"))
            .collect::<Vec<_>>()
            .join(" · ")
    }
}

/// Rules passed, failed and not assessable over the whole report.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Overall {
    /// Rules with a finding above info.
    pub failed: usize,
    /// Rules judged with nothing found.
    pub passed: usize,
    /// Rules the dump could not judge.
    pub not_assessable: usize,
}

/// Whether a rule checks something (rather than listing an inventory, at info).
fn is_check(meta: &RuleMeta) -> bool {
    meta.severity > Severity::Info
}

/// Each mechanism of the guide, in the guide's order, from the report and the rules that ran:
/// a rule failed if it found something above info, was not assessable if the report says so,
/// and passed otherwise. Inventory rules (declared at info) count for nothing.
pub fn postures<'a>(report: &Report, rules: impl IntoIterator<Item = &'a RuleMeta>) -> Vec<Posture> {
    let failed: BTreeSet<&str> =
        report.findings.iter().filter(|f| f.severity > Severity::Info).map(|f| f.code.as_str()).collect();
    let not_assessable: BTreeMap<&str, &[String]> =
        report.not_assessable.iter().map(|n| (n.code.as_str(), n.add.as_slice())).collect();
    let rules: Vec<&RuleMeta> = rules.into_iter().filter(|m| is_check(m)).collect();
    Mechanism::ALL
        .into_iter()
        .map(|mechanism| {
            let status = report.mechanisms.iter().find(|m| m.mechanism == mechanism);
            let mut p = Posture {
                mechanism,
                failed: 0,
                passed: 0,
                not_assessable: 0,
                worst: None,
                counts: BTreeMap::new(),
                state: status.map(|m| m.state),
                add: status.and_then(|m| m.hint.clone()).into_iter().collect(),
            };
            for meta in rules.iter().filter(|m| m.mechanism == mechanism) {
                if failed.contains(meta.code) {
                    p.failed += 1;
                } else if let Some(add) = not_assessable.get(meta.code) {
                    p.not_assessable += 1;
                    for a in add.iter() {
                        if !p.add.contains(a) {
                            p.add.push(a.clone());
                        }
                    }
                } else {
                    p.passed += 1;
                }
            }
            for f in report.findings.iter().filter(|f| f.mechanism == mechanism) {
                *p.counts.entry(f.severity).or_insert(0) += 1;
            }
            p.worst = report
                .findings
                .iter()
                .filter(|f| f.mechanism == mechanism && f.severity > Severity::Info)
                .map(|f| f.severity)
                .max();
            p
        })
        .collect()
}

/// The postures summed over the mechanisms.
pub fn overall(postures: &[Posture]) -> Overall {
    postures.iter().fold(Overall::default(), |o, p| Overall {
        failed: o.failed + p.failed,
        passed: o.passed + p.passed,
        not_assessable: o.not_assessable + p.not_assessable,
    })
}

/// The postures of a report made with the default rule set (what the viewer runs).
pub fn report_postures(report: &Report) -> Vec<Posture> {
    let settings = policy_core::Settings::default();
    postures(report, policy_core::registry::ALL.iter().map(|r| r.meta()).filter(|m| settings.enables(m)))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "tests")]
mod tests {
    use super::*;
    use crate::model::fixtures::{finding, report_with};
    use policy_core::report::NotAssessable;

    fn not_assessable(code: &str) -> NotAssessable {
        NotAssessable {
            code: code.into(),
            slug: String::new(),
            reason: "control plane not visible".into(),
            add: vec!["the kube-apiserver Pod".into()],
        }
    }

    fn of(postures: &[Posture], m: Mechanism) -> Posture {
        postures.iter().find(|p| p.mechanism == m).cloned().unwrap()
    }

    #[test]
    fn a_mechanism_no_rule_could_judge_is_not_assessable_never_passed() {
        // A managed-cluster dump: no control-plane Pod, so the static token rules say so.
        let mut report = report_with(vec![]);
        report.not_assessable = ["ST001", "ST002", "ST003"].map(not_assessable).into();
        let p = of(&report_postures(&report), Mechanism::StaticTokenFile);
        assert_eq!((p.failed, p.passed, p.not_assessable), (0, 0, 3));
        assert_eq!(p.verdict(), Verdict::NotAssessable);
        assert_eq!(p.add, vec!["the kube-apiserver Pod".to_string()]);
        assert_eq!(p.add_short(), Some("the kube-apiserver Pod"));
        assert_eq!(p.counts_text(), "3 not assessable");
    }

    #[test]
    fn a_finding_above_info_fails_its_rule_and_info_does_not() {
        let mut report = report_with(vec![
            finding("ST001", Severity::High, Mechanism::StaticTokenFile, "Pod", Some("kube-system"), "api", 3),
            finding("OI001", Severity::Info, Mechanism::Oidc, "Pod", Some("kube-system"), "api", 3),
        ]);
        report.not_assessable = vec![not_assessable("ST003")];
        let all = report_postures(&report);
        let st = of(&all, Mechanism::StaticTokenFile);
        assert_eq!((st.failed, st.passed, st.not_assessable), (1, 1, 1));
        assert_eq!(st.verdict(), Verdict::Failed);
        assert_eq!(st.worst, Some(Severity::High));
        let oidc = of(&all, Mechanism::Oidc);
        assert_eq!(oidc.failed, 0);
        assert_eq!(oidc.verdict(), Verdict::Passed);
        // Partly judged is not a pass either.
        report.not_assessable.push(not_assessable("OI002"));
        assert_eq!(of(&report_postures(&report), Mechanism::Oidc).verdict(), Verdict::Partial);
        let o = overall(&report_postures(&report));
        assert!(o.failed == 1 && o.not_assessable == 2 && o.passed > 0, "{o:?}");
    }

    #[test]
    fn a_pass_on_a_mechanism_mx001_cannot_see_is_not_assessable() {
        use policy_core::inventory::mechanisms::MechanismStatus;
        let mut report = report_with(vec![]);
        report.not_assessable = vec![not_assessable("ST001")];
        report.mechanisms = vec![MechanismStatus {
            mechanism: Mechanism::StaticTokenFile,
            state: State::Unknown,
            evidence: vec![],
            hint: Some("the kube-apiserver static Pod: kubectl get pods -n kube-system".into()),
        }];
        let p = of(&report_postures(&report), Mechanism::StaticTokenFile);
        assert!(p.passed > 0, "a rule found nothing: {p:?}");
        assert_eq!(p.verdict(), Verdict::NotAssessable);
        assert_eq!(p.add_short(), Some("the kube-apiserver static Pod"));
        // Seen and off: its rules' passes stand.
        report.mechanisms.iter_mut().for_each(|m| m.state = State::Disabled);
        report.not_assessable.clear();
        assert_eq!(of(&report_postures(&report), Mechanism::StaticTokenFile).verdict(), Verdict::Passed);
    }

    #[test]
    fn inventory_rules_count_for_nothing() {
        let report = report_with(vec![]);
        let total: usize = report_postures(&report).iter().map(|p| p.failed + p.passed + p.not_assessable).sum();
        let settings = policy_core::Settings::default();
        let checks = policy_core::registry::ALL
            .iter()
            .map(|r| r.meta())
            .filter(|m| m.severity > Severity::Info && settings.enables(m))
            .count();
        assert!(checks > 0 && checks < policy_core::registry::ALL.len());
        assert_eq!(total, checks);
    }
}
