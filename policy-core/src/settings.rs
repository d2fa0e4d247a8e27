//! What a user can tune: rule selection, severities, lifetimes, the evaluation instant, limits.

use crate::data::limits::Limits;
use crate::data::rule_meta::{RuleMeta, RuleStatus};
use crate::data::severity::Severity;
use crate::data::suppression_rule::SuppressionRule;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use time::OffsetDateTime;

/// Settings shared by the CLI, the viewer and the policy-engine module (JSON, camelCase).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct Settings {
    /// Run only these codes or families (`SA`, `SA003`); empty means every stable rule.
    pub select: Vec<String>,
    /// Let family and `ALL` selectors (and an empty selection) pick preview rules too; without
    /// it a preview rule runs only when its exact code is selected.
    pub preview: bool,
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
    /// Accepted findings, each with a mandatory reason (audits only).
    pub suppressions: Vec<SuppressionRule>,
    /// Report only objects in these namespaces (globs); empty means all. Cluster-scoped
    /// objects are always reported (audits only).
    pub namespaces: Vec<String>,
    /// Never report objects in these namespaces (globs; audits only).
    pub exclude_namespaces: Vec<String>,
    /// The cluster's Kubernetes version (`1.20`, `v1.20.2`), as the policy owner states it
    /// (admission only: an audit reads it from the dump, and at admission only the object is
    /// known). Rules whose fields depend on the version (CC003) use it; `None` assumes a
    /// current server.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kubernetes_version: Option<String>,
    /// Families whose preview rules the inputs themselves opt in to, as `preview` would: `UL` once
    /// an audit event was read (giving a log is asking who used what). Set by the engine, never
    /// read from a settings file; `ignore` still wins, and a `select` without the family keeps
    /// them off.
    #[serde(skip)]
    pub opted_in_families: Vec<String>,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            select: Vec::new(),
            preview: false,
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
            suppressions: Vec::new(),
            namespaces: Vec::new(),
            exclude_namespaces: Vec::new(),
            kubernetes_version: None,
            opted_in_families: Vec::new(),
        }
    }
}

impl Settings {
    /// Whether a rule runs under these settings: selected and not ignored. The most specific
    /// selector wins, as in ruff: `--select SA --ignore SA004`. As in ruff, a preview rule needs
    /// an opt-in: its exact code selected, or `preview` on; so `SA` or `ALL` picks up no rule
    /// that is still being proven.
    pub fn enables(&self, rule: &RuleMeta) -> bool {
        let opted_in = self.preview
            || matches!(rule.status, RuleStatus::Stable(_))
            || self.opted_in_families.iter().any(|family| rule.code.starts_with(family.as_str()));
        let picks = |s: &&String| {
            (matches(s, rule.code) && (opted_in || s.trim().len() == rule.code.len()))
                || (opted_in && names_reference(s, rule))
        };
        let score = |selectors: &[String], picks: &dyn Fn(&&String) -> bool| {
            selectors.iter().filter(picks).map(|s| s.trim().len()).max()
        };
        let selected = match score(&self.select, &picks) {
            Some(len) => Some(len),
            None if self.select.is_empty() && opted_in => Some(0),
            None => None,
        };
        match (selected, score(&self.ignore, &|s| matches(s, rule.code) || names_reference(s, rule))) {
            (Some(sel), Some(ign)) => sel > ign,
            (Some(_), None) => true,
            (None, _) => false,
        }
    }

    /// Every selector and override key, for [`crate::registry::unknown_selectors`].
    pub fn selectors(&self) -> impl Iterator<Item = &String> {
        self.select
            .iter()
            .chain(&self.ignore)
            .chain(self.severity_overrides.keys())
            .chain(self.suppressions.iter().map(|s| &s.rule))
    }

    /// The severity a rule's findings get: the override, or the finding's own.
    pub fn severity_for(&self, code: &str, found: Severity) -> Severity {
        self.severity_overrides.get(code).copied().unwrap_or(found)
    }
}

/// Whether `selector` is a compliance reference (`cis-3.1.1`, `cis-5.1`) the rule automates.
fn names_reference(selector: &str, rule: &RuleMeta) -> bool {
    rule.references().iter().any(|r| crate::data::compliance::selects(selector, r))
}

/// Keys of the admission policy's settings (Kubewarden, OPA, npm) that audits do not read.
pub const ADMISSION_ONLY_KEYS: [&str; 5] =
    ["exemptNamespaces", "exemptUsers", "exemptGroups", "rejectAt", "kubernetesVersion"];

/// Keys of audits (the CLI, its config file, the viewer) that the admission policy does not read.
pub const AUDIT_ONLY_KEYS: [&str; 11] = [
    "preview",
    "now",
    "maxIdTokenLifetimeSeconds",
    "maxWebhookCacheTtlSeconds",
    "maxUserMechanisms",
    "limits",
    "suppressions",
    "namespaces",
    "excludeNamespaces",
    "failOn",
    "minSeverity",
];

/// Where a key of the one settings language applies, for the error that refuses it elsewhere.
pub fn where_key_applies(key: &str) -> &'static str {
    if ADMISSION_ONLY_KEYS.contains(&key) {
        "applies to the admission policy's settings (Kubewarden, OPA, npm)"
    } else if AUDIT_ONLY_KEYS.contains(&key) {
        "applies to audits (the CLI, its `.authn-audit.yaml`, the viewer)"
    } else {
        "is no settings key"
    }
}

/// `SA` matches `SA003`; `SA003` matches only itself; `ALL` matches everything.
pub fn matches(selector: &str, code: &str) -> bool {
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

    fn rule(code: &'static str, status: RuleStatus) -> RuleMeta {
        RuleMeta {
            code,
            slug: "x",
            severity: Severity::Low,
            mechanism: crate::data::mechanism::Mechanism::General,
            scope: crate::data::rule_meta::Scope::Audit,
            status,
            docs: "",
            file: "",
            line: 0,
            page: "",
            fix_text: std::sync::OnceLock::new(),
        }
    }

    #[test]
    fn compliance_references_select_and_ignore_like_codes() {
        let with = |select: &[&str], ignore: &[&str]| Settings {
            select: select.iter().map(|s| (*s).to_string()).collect(),
            ignore: ignore.iter().map(|s| (*s).to_string()).collect(),
            ..Settings::default()
        };
        let (tr003, tr004, st001) = (
            rule("TR003", RuleStatus::Stable("0.1.0")),
            rule("TR004", RuleStatus::Stable("0.1.0")),
            rule("ST001", RuleStatus::Stable("0.1.0")),
        );
        assert!(with(&["cis-5.1.13"], &[]).enables(&tr003));
        assert!(!with(&["cis-5.1.13"], &[]).enables(&tr004));
        assert!(with(&["CIS-5.1"], &[]).enables(&tr004) && !with(&["cis-5.1"], &[]).enables(&st001));
        assert!(!with(&[], &["cis-1.2.2"]).enables(&st001) && with(&[], &["cis-1.2.2"]).enables(&tr003));
        // A preview rule still needs its exact code: a reference is an opt-in to stable rules.
        assert!(!with(&["cis-5.1.5"], &[]).enables(&rule("SA007", RuleStatus::Preview("0.2.0"))));
        assert!(crate::registry::unknown_selectors(&with(&["cis-3.1.1", "cis-9.9"], &[])) == ["cis-9.9"]);
    }

    /// What the engine sets once an audit log was read: the family's preview rules run as with
    /// `preview`, other preview rules do not, and the user's selection and ignores still count.
    #[test]
    fn a_family_the_inputs_opt_in_to_runs_like_preview_for_that_family_only() {
        let usage = rule("UL001", RuleStatus::Preview("0.2.0"));
        let other = rule("SA007", RuleStatus::Preview("0.2.0"));
        let with = |select: &[&str], ignore: &[&str]| Settings {
            select: select.iter().map(|s| (*s).to_string()).collect(),
            ignore: ignore.iter().map(|s| (*s).to_string()).collect(),
            opted_in_families: vec!["UL".to_string()],
            ..Settings::default()
        };
        assert!(with(&[], &[]).enables(&usage) && !with(&[], &[]).enables(&other));
        assert!(with(&["UL"], &[]).enables(&usage) && with(&["ALL"], &[]).enables(&usage));
        assert!(!with(&["SA"], &[]).enables(&usage), "a selection without the family keeps it off");
        assert!(!with(&[], &["UL"]).enables(&usage) && !with(&[], &["UL001"]).enables(&usage), "ignore wins");
        assert!(!Settings::default().enables(&usage));
        let json = serde_json::to_value(with(&[], &[])).unwrap();
        assert!(json.get("optedInFamilies").is_none(), "never part of a settings file");
        assert!(serde_json::from_str::<Settings>(r#"{"optedInFamilies": ["UL"]}"#).is_err());
    }

    #[test]
    fn preview_rules_need_their_exact_code_or_the_preview_setting() {
        let preview = rule("SA007", RuleStatus::Preview("0.2.0"));
        let stable = rule("SA003", RuleStatus::Stable("0.1.0"));
        let with = |select: &[&str], ignore: &[&str], preview: bool| Settings {
            select: select.iter().map(|s| (*s).to_string()).collect(),
            ignore: ignore.iter().map(|s| (*s).to_string()).collect(),
            preview,
            ..Settings::default()
        };
        let off = Settings::default();
        assert!(off.enables(&stable));
        assert!(!off.enables(&preview), "preview rules are off by default");
        assert!(!with(&["SA"], &[], false).enables(&preview), "a family selector is no opt-in");
        assert!(!with(&["ALL"], &[], false).enables(&preview), "nor is ALL");
        assert!(with(&["SA"], &[], false).enables(&stable));
        assert!(with(&["sa007"], &[], false).enables(&preview), "the exact code is");
        assert!(with(&[], &[], true).enables(&preview), "so is the preview setting");
        assert!(with(&["SA"], &[], true).enables(&preview));
        assert!(!with(&["SA007"], &["SA007"], true).enables(&preview), "ignoring still wins");
        assert!(!with(&["SA"], &["SA007"], true).enables(&preview));
        assert!(!with(&["BT"], &[], true).enables(&preview), "the selection still applies");
    }

    #[test]
    fn settings_parse_from_camel_case_json() {
        let s: Settings =
            serde_json::from_str(r#"{"select":["SA"],"now":"2025-11-28T12:00:00Z","maxCertLifetimeSeconds":60}"#)
                .unwrap_or_default();
        assert_eq!(s.select, vec!["SA".to_string()]);
        assert_eq!(s.max_cert_lifetime_seconds, 60);
        assert!(s.now.is_some());
        assert!(!s.preview);
        let s: Settings = serde_json::from_str(r#"{"preview":true}"#).unwrap_or_default();
        assert!(s.preview);
        assert!(serde_json::from_str::<Settings>(r#"{"selcet":["SA"]}"#).is_err());
        assert_eq!(s.kubernetes_version, None);
        let s: Settings = serde_json::from_str(r#"{"kubernetesVersion":"1.20"}"#).unwrap_or_default();
        assert_eq!(s.kubernetes_version.as_deref(), Some("1.20"));
    }
}
