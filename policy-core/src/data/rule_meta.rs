//! A rule's catalogue entry: everything known about it except its check.

use crate::data::mechanism::Mechanism;
use crate::data::severity::Severity;

/// Where a rule can run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    /// Needs the whole dump (cross-object questions).
    Audit,
    /// Decidable from one object, so it also runs at admission time.
    Admit,
}

/// The life stage of a rule, as in ruff.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "stage", content = "since", rename_all = "lowercase")]
pub enum RuleStatus {
    /// Off by default; opt in by selecting its exact code, or with the `preview` setting.
    Preview(&'static str),
    /// On by default.
    Stable(&'static str),
}

/// Everything known about a rule except its check: the catalogue entry.
#[derive(Debug, Clone, serde::Serialize)]
pub struct RuleMeta {
    /// Stable code: family + three digits (`SA003`).
    pub code: &'static str,
    /// Kebab-case name of the dangerous pattern (`legacy-token-secret`).
    pub slug: &'static str,
    /// Default severity (settings may override).
    pub severity: Severity,
    /// The guide section the rule implements.
    pub mechanism: Mechanism,
    /// Audit only, or audit and admission.
    pub scope: Scope,
    /// Preview or stable, and since which version.
    pub status: RuleStatus,
    /// Markdown docs: `## What it does`, `## Why is this bad?`, `## Example`, `## How to fix`.
    pub docs: &'static str,
    /// Source file of the declaration, for "view source" links.
    pub file: &'static str,
    /// Line of the declaration.
    pub line: u32,
    /// Path of the generated docs page (see [`RuleMeta::docs_path`]), spelled once at compile time.
    #[serde(skip)]
    pub page: &'static str,
    /// The default remediation ([`RuleMeta::default_remediation`]), derived from the docs on first use.
    #[serde(skip)]
    pub fix_text: std::sync::OnceLock<String>,
}

impl RuleMeta {
    /// The docs as Markdown: the `///` lines with their one leading space removed.
    pub fn markdown(&self) -> String {
        self.docs.lines().map(|line| line.strip_prefix(' ').unwrap_or(line)).collect::<Vec<_>>().join("\n")
    }

    /// One docs section's text (without its heading), trimmed; empty when absent.
    pub fn section(&self, heading: &str) -> String {
        let docs = self.markdown();
        let marker = format!("## {heading}\n");
        let Some(start) = docs.find(&marker) else { return String::new() };
        let body = docs.get(start + marker.len()..).unwrap_or("");
        let end = body.find("\n## ").unwrap_or(body.len());
        body.get(..end).unwrap_or("").trim().to_string()
    }

    /// The first sentence of "What it does": the rule's title.
    pub fn title(&self) -> String {
        let what = self.section("What it does").replace('\n', " ");
        let end = what.find(". ").map_or(what.len(), |i| i + 1);
        what.get(..end).unwrap_or(&what).trim_end_matches('.').to_string()
    }

    /// The "How to fix" section as one paragraph: the default remediation of a finding.
    pub fn remediation(&self) -> String {
        let fix = self.section("How to fix");
        let first = fix.split("\n\n").next().unwrap_or("");
        first.split_whitespace().collect::<Vec<_>>().join(" ")
    }

    /// [`RuleMeta::remediation`] of a catalogue entry, derived once per process and shared by
    /// every finding that sets none of its own (a large dump gives tens of thousands).
    pub fn default_remediation(&'static self) -> &'static str {
        self.fix_text.get_or_init(|| self.remediation())
    }

    /// Path of the generated docs page, relative to the repository root:
    /// `docs/rules/<code>-<slug>.md`.
    pub fn docs_path(&self) -> &'static str {
        self.page
    }

    /// The CIS Benchmark and NSA/CISA items the rule automates ([`crate::data::compliance`]).
    pub fn references(&self) -> &'static [&'static str] {
        crate::data::compliance::references(self.code)
    }

    /// Whether the rule runs at admission time.
    pub fn admits(&self) -> bool {
        self.scope == Scope::Admit
    }
}
