//! Accepted findings. A team accepts a finding with a reason, in the settings' `suppressions`
//! list (the CLI's `.authn-audit.yaml`) or, in audits only, with the object's
//! `authn-audit.dev/ignore: "CODE[,CODE…]: reason"` annotation. A suppressed finding is never
//! dropped: it stays in the report with its justification and stops counting toward the exit
//! status; one whose suppression expired counts again and says so; an entry that matches
//! nothing is listed as stale, so accepted risks do not rot unseen.

use crate::data::object_ref::ObjectRef;
pub use crate::data::suppression_rule::{Day, SuppressionRule, glob};
use crate::report::Finding;
use serde::{Deserialize, Serialize};
use time::Date;

/// Where a suppression was written: SARIF's `suppression.kind`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum SuppressionKind {
    /// In the settings (the config file), outside the scanned objects.
    External,
    /// In the scanned object itself: the `authn-audit.dev/ignore` annotation.
    InSource,
}

/// Whether a suppression still holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum SuppressionStatus {
    /// The finding is accepted: it does not count toward `--fail-on`.
    Accepted,
    /// The suppression's `expires` date has passed: the finding counts again.
    Expired,
}

/// How a finding was accepted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Suppression {
    /// Config file or annotation.
    pub kind: SuppressionKind,
    /// Accepted, or expired (the finding counts again).
    pub status: SuppressionStatus,
    /// The reason given.
    pub justification: String,
    /// Who accepted it, when the entry says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    /// The last day it holds (`YYYY-MM-DD`), when the entry says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires: Option<String>,
    /// Which entry: `suppressions[2]`, or the annotation's key.
    pub origin: String,
}

impl Suppression {
    /// Whether the finding is accepted (and so does not count).
    pub fn holds(&self) -> bool {
        self.status == SuppressionStatus::Accepted
    }
}

impl SuppressionRule {
    /// Whether this entry covers a finding.
    pub fn matches(&self, finding: &Finding) -> bool {
        let o = &finding.object;
        let field = |pattern: &Option<String>, value: &str| pattern.as_deref().is_none_or(|p| glob(p, value));
        crate::settings::matches(&self.rule, &finding.code)
            && field(&self.kind, &o.kind)
            && field(&self.namespace, o.namespace.as_deref().unwrap_or(""))
            && field(&self.name, &o.name)
    }

    fn suppression(&self, index: usize, today: Date) -> Suppression {
        let expired = self.expires.is_some_and(|day| day.0 < today);
        Suppression {
            kind: SuppressionKind::External,
            status: if expired { SuppressionStatus::Expired } else { SuppressionStatus::Accepted },
            justification: crate::util::redact::string(self.reason.clone()),
            owner: self.owner.clone().map(crate::util::redact::string),
            expires: self.expires.map(|d| d.to_string()),
            origin: format!("suppressions[{index}]"),
        }
    }
}

/// A `suppressions` entry that matched no finding: fix or remove it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StaleSuppression {
    /// `suppressions[N]`.
    pub origin: String,
    /// The entry's rule code or family.
    pub rule: String,
    /// Its reason.
    pub reason: String,
}

/// The annotation that accepts findings on the object (and, on a pod template, on the workload
/// that holds it): `"SA001,TR004: reason"`; honoured in audits only.
pub const IGNORE_ANNOTATION: &str = "authn-audit.dev/ignore";

/// Parse an ignore annotation: the codes or families before the first `:`, the reason after it.
pub fn parse_annotation(value: &str) -> (Vec<&str>, &str) {
    let (codes, reason) = value.split_once(':').unwrap_or((value, ""));
    (codes.split(',').map(str::trim).filter(|c| !c.is_empty()).collect(), reason.trim())
}

/// The suppression an annotation value gives a finding, if it names the finding's code.
pub fn from_annotation(value: &str, finding: &Finding) -> Option<Suppression> {
    let (codes, reason) = parse_annotation(value);
    codes.iter().any(|c| crate::settings::matches(c, &finding.code)).then(|| Suppression {
        kind: SuppressionKind::InSource,
        status: SuppressionStatus::Accepted,
        justification: if reason.is_empty() {
            "no reason given in the annotation".to_string()
        } else {
            crate::util::redact::string(reason.to_string())
        },
        owner: None,
        expires: None,
        origin: IGNORE_ANNOTATION.to_string(),
    })
}

/// Mark the findings the config entries cover (the first holding entry wins over expired ones;
/// an annotation already there wins over both), and list the entries that covered nothing.
pub fn apply(findings: &mut [Finding], rules: &[SuppressionRule], today: Date) -> Vec<StaleSuppression> {
    let mut used = vec![false; rules.len()];
    for finding in findings.iter_mut() {
        let mut chosen: Option<Suppression> = None;
        for (index, rule) in rules.iter().enumerate() {
            if !rule.matches(finding) {
                continue;
            }
            if let Some(flag) = used.get_mut(index) {
                *flag = true;
            }
            let suppression = rule.suppression(index, today);
            if chosen.as_ref().is_none_or(|c| !c.holds() && suppression.holds()) {
                chosen = Some(suppression);
            }
        }
        if finding.suppression.is_none()
            && let Some(suppression) = chosen
        {
            if !suppression.holds() {
                finding.message = format!(
                    "{} (its suppression expired on `{}`: {})",
                    finding.message,
                    suppression.expires.as_deref().unwrap_or(""),
                    suppression.justification
                );
            }
            finding.suppression = Some(Box::new(suppression));
        }
    }
    rules
        .iter()
        .zip(used)
        .enumerate()
        .filter(|(_, (_, used))| !used)
        .map(|(index, (rule, _))| StaleSuppression {
            origin: format!("suppressions[{index}]"),
            rule: rule.rule.clone(),
            reason: crate::util::redact::string(rule.reason.clone()),
        })
        .collect()
}

/// Whether a namespace is in the audit's scope: listed (or no list), and not excluded.
/// Cluster-scoped objects (no namespace) are always in scope.
pub fn in_scope(object: &ObjectRef, namespaces: &[String], exclude: &[String]) -> bool {
    let Some(ns) = object.namespace.as_deref() else { return true };
    (namespaces.is_empty() || namespaces.iter().any(|p| glob(p, ns))) && !exclude.iter().any(|p| glob(p, ns))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing, reason = "tests")]
mod tests {
    use super::*;
    use crate::report::{Mechanism, Severity, Source};

    fn finding(code: &str, kind: &str, ns: Option<&str>, name: &str) -> Finding {
        let object = ObjectRef {
            api_version: "v1".into(),
            kind: kind.into(),
            namespace: ns.map(str::to_string),
            name: name.into(),
        };
        let meta = crate::registry::find(code).unwrap().meta();
        let mut f = Finding::new(meta, object, Source::default(), "legacy token".into());
        f.severity = Severity::High;
        f.mechanism = Mechanism::ServiceAccountTokens;
        f
    }

    fn rule(yaml_json: &str) -> SuppressionRule {
        serde_json::from_str(yaml_json).unwrap()
    }

    #[test]
    fn globs() {
        assert!(glob("ci-*", "ci-deployer"));
        assert!(glob("*", ""));
        assert!(glob("a?c", "abc"));
        assert!(!glob("a?c", "ac"));
        assert!(glob("*-token", "ci-deployer-token"));
        assert!(!glob("ci", "ci-deployer"));
        assert!(glob("*a*b*", "xxaxxbxx"));
        assert!(!glob("*a*b", "xxaxxbxx"));
    }

    #[test]
    fn a_reason_is_mandatory_and_dates_are_checked() {
        assert!(serde_json::from_str::<SuppressionRule>(r#"{"rule":"SA001"}"#).is_err());
        let blank = serde_json::from_str::<SuppressionRule>(r#"{"rule":"SA001","reason":"  "}"#);
        assert!(blank.unwrap_err().to_string().contains("needs a `reason`"));
        let bad = serde_json::from_str::<SuppressionRule>(r#"{"rule":"SA001","reason":"x","expires":"soon"}"#);
        assert!(bad.unwrap_err().to_string().contains("not a date"));
        assert!(serde_json::from_str::<SuppressionRule>(r#"{"rule":"SA001","reason":"x","colour":"red"}"#).is_err());
    }

    #[test]
    fn entries_accept_expire_and_go_stale() {
        let today = Date::from_calendar_date(2025, time::Month::November, 28).unwrap();
        let mut findings = vec![
            finding("SA001", "Secret", Some("ci"), "ci-deployer-token"),
            finding("SA001", "Secret", Some("prod"), "old-token"),
            finding("SA001", "Secret", Some("dev"), "dev-token"),
        ];
        let rules = [
            rule(r#"{"rule":"SA","namespace":"c?","name":"*-token","reason":"rotated by CI","owner":"platform"}"#),
            rule(r#"{"rule":"SA001","namespace":"prod","reason":"migration","expires":"2025-11-01"}"#),
            rule(r#"{"rule":"BT001","reason":"nothing of the kind here"}"#),
        ];
        let stale = apply(&mut findings, &rules, today);
        let ci = findings[0].suppression.as_ref().unwrap();
        assert!(ci.holds());
        assert_eq!(
            (ci.kind, ci.justification.as_str(), ci.owner.as_deref()),
            (SuppressionKind::External, "rotated by CI", Some("platform"))
        );
        let prod = findings[1].suppression.as_ref().unwrap();
        assert!(!prod.holds(), "past its date the finding counts again");
        assert!(findings[1].message.contains("suppression expired on `2025-11-01`: migration"));
        assert!(findings[2].suppression.is_none());
        assert_eq!(stale.len(), 1);
        assert_eq!((stale[0].origin.as_str(), stale[0].rule.as_str()), ("suppressions[2]", "BT001"));
    }

    #[test]
    fn annotations_name_codes_then_a_reason() {
        assert_eq!(parse_annotation("SA001, TR004: rotated weekly"), (vec!["SA001", "TR004"], "rotated weekly"));
        assert_eq!(parse_annotation("SA001"), (vec!["SA001"], ""));
        let f = finding("SA001", "Secret", Some("ci"), "t");
        let s = from_annotation("SA: rotated: weekly", &f).unwrap();
        assert_eq!((s.kind, s.justification.as_str()), (SuppressionKind::InSource, "rotated: weekly"));
        assert!(from_annotation("TR004: other", &f).is_none());
    }

    #[test]
    fn namespace_scope_uses_globs_and_keeps_cluster_objects() {
        let ns = |n: Option<&str>| finding("SA001", "Secret", n, "x").object;
        let only = ["team-*".to_string()];
        let not = ["team-b".to_string()];
        assert!(in_scope(&ns(Some("team-a")), &only, &not));
        assert!(!in_scope(&ns(Some("team-b")), &only, &not));
        assert!(!in_scope(&ns(Some("kube-system")), &only, &[]));
        assert!(in_scope(&ns(None), &only, &not));
        assert!(in_scope(&ns(Some("x")), &[], &[]));
    }
}
