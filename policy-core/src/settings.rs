//! What a user can tune: rule selection, severities, lifetimes, the evaluation instant, limits.

use crate::input::Limits;
use crate::report::Severity;
use crate::rule::{RuleMeta, RuleStatus};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use time::OffsetDateTime;

/// Settings shared by the CLI, the viewer and the policy-engine module (JSON, camelCase).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct Settings {
    /// Run only these codes or families (`SA`, `SA003`); empty means every stable rule.
    pub select: Vec<String>,
    /// Never run these codes or families.
    pub ignore: Vec<String>,
    /// Severity per code, replacing the rule's default.
    pub severity_overrides: BTreeMap<String, Severity>,
    /// The evaluation instant (RFC 3339); `None` means the caller's clock.
    #[serde(with = "time::serde::rfc3339::option")]
    pub now: Option<OffsetDateTime>,
    /// Longest acceptable lifetime of a user client certificate, seconds (CC002, CC003).
    pub max_cert_lifetime_seconds: u64,
    /// Longest acceptable projected service-account token, seconds (TR001).
    pub max_token_expiration_seconds: u64,
    /// Longest acceptable OIDC ID-token lifetime, seconds (OI006).
    pub max_id_token_lifetime_seconds: u64,
    /// Longest acceptable webhook token cache TTL, seconds (WH003).
    pub max_webhook_cache_ttl_seconds: u64,
    /// How many user-facing mechanisms may be enabled before MX002 fires.
    pub max_user_mechanisms: u32,
    /// Legacy token Secrets (`namespace/name`) that may exist (SA001 allow-list).
    pub allowed_legacy_tokens: Vec<String>,
    /// Input caps.
    pub limits: Limits,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            select: Vec::new(),
            ignore: Vec::new(),
            severity_overrides: BTreeMap::new(),
            now: None,
            max_cert_lifetime_seconds: 24 * 3600,
            max_token_expiration_seconds: 3600,
            max_id_token_lifetime_seconds: 3600,
            max_webhook_cache_ttl_seconds: 5 * 60,
            max_user_mechanisms: 2,
            allowed_legacy_tokens: Vec::new(),
            limits: Limits::default(),
        }
    }
}

impl Settings {
    /// Whether a rule runs under these settings: selected (explicitly for preview rules) and not
    /// ignored. The most specific selector wins, as in ruff: `--select SA --ignore SA004`.
    pub fn enables(&self, rule: &RuleMeta) -> bool {
        let score =
            |selectors: &[String]| selectors.iter().filter(|s| matches(s, rule.code)).map(|s| s.trim().len()).max();
        let selected = match score(&self.select) {
            Some(len) => Some(len),
            None if self.select.is_empty() && matches!(rule.status, RuleStatus::Stable(_)) => Some(0),
            None => None,
        };
        match (selected, score(&self.ignore)) {
            (Some(sel), Some(ign)) => sel > ign,
            (Some(_), None) => true,
            (None, _) => false,
        }
    }

    /// The severity a rule's findings get: the override, or the finding's own.
    pub fn severity_for(&self, code: &str, found: Severity) -> Severity {
        self.severity_overrides.get(code).copied().unwrap_or(found)
    }

    /// Codes in selectors that match no rule: a typo the user should hear about.
    pub fn unknown_selectors(&self) -> Vec<String> {
        self.select
            .iter()
            .chain(&self.ignore)
            .chain(self.severity_overrides.keys())
            .filter(|s| !crate::registry::ALL.iter().any(|r| matches(s, r.meta().code)))
            .cloned()
            .collect()
    }
}

/// `SA` matches `SA003`; `SA003` matches only itself; `ALL` matches everything.
fn matches(selector: &str, code: &str) -> bool {
    let selector = selector.trim();
    selector.eq_ignore_ascii_case("ALL")
        || (!selector.is_empty()
            && code.len() >= selector.len()
            && code.get(..selector.len()).is_some_and(|p| p.eq_ignore_ascii_case(selector)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selectors_match_by_prefix() {
        assert!(matches("SA", "SA003"));
        assert!(matches("sa003", "SA003"));
        assert!(!matches("SA0031", "SA003"));
        assert!(!matches("", "SA003"));
        assert!(matches("ALL", "BT001"));
    }

    #[test]
    fn settings_parse_from_camel_case_json() {
        let s: Settings =
            serde_json::from_str(r#"{"select":["SA"],"now":"2025-11-28T12:00:00Z","maxCertLifetimeSeconds":60}"#)
                .unwrap_or_default();
        assert_eq!(s.select, vec!["SA".to_string()]);
        assert_eq!(s.max_cert_lifetime_seconds, 60);
        assert!(s.now.is_some());
        assert!(serde_json::from_str::<Settings>(r#"{"selcet":["SA"]}"#).is_err());
    }
}
