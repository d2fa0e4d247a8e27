//! The report model: what a scan found, serializable as the stable JSON of `schema/report.schema.json`.

use crate::data::rule_meta::RuleMeta;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::Arc;

// A report is written in the data layer's vocabulary. Those types are named here too for the
// crates that read reports (`policy_core::report::Severity`); inside policy-core, import them
// from `crate::data`.
pub use crate::data::evidence::Evidence;
pub use crate::data::input_summary::{InputStatus, InputSummary, NO_OBJECTS};
pub use crate::data::mechanism::Mechanism;
pub use crate::data::object_ref::ObjectRef;
pub use crate::data::severity::Severity;
pub use crate::data::shared_text::SharedText;
pub use crate::data::source::{Location, Source};

pub mod baseline;
pub mod fix;
pub mod suppression;

pub use baseline::{BaselineCounts, BaselineError, BaselineState, CredentialChanges, CredentialSeen, FixedFinding};
pub use fix::{Fix, FixKind};
pub use suppression::{StaleSuppression, Suppression, SuppressionKind, SuppressionRule, SuppressionStatus};

/// How many related objects a finding lists at most.
pub const MAX_RELATED: usize = 20;

/// A rule's verdict on one object.
///
/// A dump can give 10⁵ findings, all held until the report is rendered, so what many findings
/// share is not copied into each: the catalogue's texts (code, slug, docs page, default
/// remediation, references) are borrowed from the rule's `'static` entry, and the object is
/// one [`ObjectRef`] per object, shared. A report read back from JSON owns its texts instead
/// ([`SharedText`] either way).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    /// A stable identity across scans (the SARIF `partialFingerprints` value): rule, object and
    /// evidence paths, so reformatting, reordering or unrelated changes to the dump keep it.
    #[serde(default)]
    pub id: String,
    /// Rule code, e.g. `SA001`.
    pub code: SharedText,
    /// Rule slug, e.g. `legacy-token-secret`.
    pub slug: SharedText,
    /// Severity after settings overrides.
    pub severity: Severity,
    /// The guide section.
    pub mechanism: Mechanism,
    /// The object the finding is about.
    pub object: Arc<ObjectRef>,
    /// Where in the input: the field or flag the evidence names (line and column), and the
    /// object's first line.
    pub source: Location,
    /// One line: lowercase first word, no final period, values in backticks.
    pub message: String,
    /// Field paths and (redacted) values behind the verdict.
    #[serde(default)]
    pub evidence: Vec<Evidence>,
    /// What to do about it.
    pub remediation: SharedText,
    /// A command or a line to copy that resolves it, where the rule knows a safe one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fix: Option<Box<Fix>>,
    /// The rule's docs page, relative to the repository root.
    pub docs: SharedText,
    /// Other objects involved (e.g. the Pods a flagged Deployment owns, the binding that grants).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub related: Vec<Arc<ObjectRef>>,
    /// The CIS Benchmark and NSA/CISA items the rule automates (`cis-3.1.1`); absent when none.
    #[serde(default, skip_serializing_if = "References::is_empty")]
    pub references: References,
    /// How the finding was accepted, when it was (it then stays listed but does not count).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suppression: Option<Box<Suppression>>,
    /// Other inputs that hold the same object (it was analysed once).
    #[serde(default, rename = "alsoIn", skip_serializing_if = "Vec::is_empty")]
    pub also_in: Vec<Source>,
    /// Compared with a baseline report: new or unchanged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub baseline: Option<BaselineState>,
}

impl Finding {
    /// A finding with the rule's defaults (its catalogue texts borrowed, not copied); refine it
    /// with the builder methods.
    pub fn new(meta: &'static RuleMeta, object: impl Into<Arc<ObjectRef>>, source: Source, message: String) -> Self {
        Self {
            id: String::new(),
            code: SharedText::of_static(meta.code),
            slug: SharedText::of_static(meta.slug),
            severity: meta.severity,
            mechanism: meta.mechanism,
            object: object.into(),
            source: source.into(),
            message,
            evidence: Vec::new(),
            remediation: SharedText::of_static(meta.default_remediation()),
            fix: None,
            docs: SharedText::of_static(meta.docs_path()),
            related: Vec::new(),
            references: References::Catalogue(meta.references()),
            suppression: None,
            also_in: Vec::new(),
            baseline: None,
        }
    }

    /// Whether the finding counts: not accepted by a suppression that holds.
    pub fn counts(&self) -> bool {
        self.suppression.as_ref().is_none_or(|s| !s.holds())
    }

    /// Whether it is accepted by a suppression that holds.
    pub fn is_suppressed(&self) -> bool {
        !self.counts()
    }

    /// Add a piece of evidence.
    #[must_use]
    pub fn evidence(mut self, evidence: Evidence) -> Self {
        self.evidence.push(evidence);
        self
    }

    /// Set a severity other than the rule's default (e.g. escalation).
    #[must_use]
    pub fn severity(mut self, severity: Severity) -> Self {
        self.severity = severity;
        self
    }

    /// Replace the default remediation with a more specific one.
    #[must_use]
    pub fn remediation(mut self, text: impl Into<SharedText>) -> Self {
        self.remediation = text.into();
        self
    }

    /// Offer a fix to copy (`None`: the names it would carry are unsafe, see [`fix`]).
    #[must_use]
    pub fn fix(mut self, fix: Option<Fix>) -> Self {
        self.fix = fix.map(Box::new);
        self
    }

    /// Point at a more precise line than the object's start.
    #[must_use]
    pub fn line(mut self, line: u32) -> Self {
        self.source.line = line;
        self
    }

    /// The finding with every secret its texts may echo redacted ([`crate::util::redact`]): the
    /// collector of rule output applies it to each finding, whoever built it.
    #[must_use]
    pub fn redacted(mut self) -> Self {
        use crate::util::redact;
        self.message = redact::string(self.message);
        self.remediation = self.remediation.redacted();
        // A fix is run as written: one that would need a redaction is dropped, not changed
        // into a command that acts on another name.
        self.fix =
            self.fix.filter(|fix| redact::text(&fix.text) == fix.text && redact::text(&fix.summary) == fix.summary);
        self.evidence = self.evidence.into_iter().map(Evidence::redact).collect();
        self.object = ObjectRef::redacted_shared(self.object);
        self.related = self.related.into_iter().map(ObjectRef::redacted_shared).collect();
        self
    }

    /// Name another object involved in the finding (once; at most [`MAX_RELATED`] are kept, so
    /// a finding's size never grows with the dump).
    #[must_use]
    pub fn related(mut self, object: impl Into<Arc<ObjectRef>>) -> Self {
        let object = object.into();
        // Names first: a rule's related objects mostly share kind and API version, and the
        // field-order comparison compared those of every pair before the names.
        let known = |r: &Arc<ObjectRef>| r.name == object.name && **r == *object;
        if self.related.len() < MAX_RELATED && !self.related.iter().any(known) {
            self.related.push(object);
        }
        self
    }
}

/// The CIS Benchmark and NSA/CISA items of a finding: the rule's catalogue list, shared, or the
/// list a report read back from JSON carried. Serialized as a list of strings either way.
#[derive(Debug, Clone)]
pub enum References {
    /// The rule's entry in [`crate::data::compliance`].
    Catalogue(&'static [&'static str]),
    /// Read from a report.
    Read(Vec<String>),
}

impl References {
    /// The items, in order.
    pub fn iter(&self) -> impl Iterator<Item = &str> {
        let (catalogue, read) = match self {
            Self::Catalogue(items) => (*items, &[][..]),
            Self::Read(items) => (&[][..], items.as_slice()),
        };
        catalogue.iter().copied().chain(read.iter().map(String::as_str))
    }

    /// How many.
    pub fn len(&self) -> usize {
        match self {
            Self::Catalogue(items) => items.len(),
            Self::Read(items) => items.len(),
        }
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl Default for References {
    fn default() -> Self {
        Self::Catalogue(&[])
    }
}

impl PartialEq for References {
    /// The same items, wherever they are held.
    fn eq(&self, other: &Self) -> bool {
        self.iter().eq(other.iter())
    }
}

impl Eq for References {}

impl Serialize for References {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.iter())
    }
}

impl<'de> Deserialize<'de> for References {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Vec::deserialize(deserializer).map(Self::Read)
    }
}

impl From<Vec<String>> for References {
    fn from(items: Vec<String>) -> Self {
        Self::Read(items)
    }
}

/// A rule that could not be judged from this input, and what the user could add.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotAssessable {
    /// Rule code.
    pub code: String,
    /// Rule slug.
    pub slug: String,
    /// Why, in one line (e.g. "control plane not visible").
    pub reason: String,
    /// What to add to the dump to make it assessable.
    pub add: Vec<String>,
}
/// Counts for the summary line and the viewer's header.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Summary {
    /// Number of findings that count (suppressed ones are in `suppressed`).
    pub findings: usize,
    /// Counted findings per severity (every severity present, zeros included).
    pub by_severity: BTreeMap<Severity, usize>,
    /// Counted findings per mechanism.
    pub by_mechanism: BTreeMap<Mechanism, usize>,
    /// Findings accepted by a suppression that holds: listed, not counted.
    #[serde(default)]
    pub suppressed: usize,
    /// New, unchanged and fixed findings, when compared with a baseline.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub baseline: Option<BaselineCounts>,
    /// Objects analysed.
    pub objects: usize,
    /// Input diagnostics.
    pub diagnostics: usize,
}

/// The tool's name as it appears in reports.
pub const TOOL_NAME: &str = "authn-audit";
/// The tool's version, from Cargo.
pub const TOOL_VERSION: &str = env!("CARGO_PKG_VERSION");

/// Tool name and version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tool {
    /// Always `authn-audit`.
    pub name: String,
    /// Semver of the build.
    pub version: String,
}

/// A whole scan: inputs, findings, inventories and counts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    /// Which tool made it.
    pub tool: Tool,
    /// The evaluation instant (RFC 3339).
    pub evaluated_at: String,
    /// Every input with its diagnostics.
    pub inputs: Vec<InputSummary>,
    /// Findings, sorted by severity (worst first), then code, then object.
    pub findings: Vec<Finding>,
    /// Rules that could not be judged from this input.
    pub not_assessable: Vec<NotAssessable>,
    /// MX001: each mechanism enabled, disabled or unknown, with evidence.
    pub mechanisms: Vec<crate::inventory::mechanisms::MechanismStatus>,
    /// MX004: every credential the dump reveals (secrets as fingerprints).
    pub credentials: Vec<crate::inventory::credentials::Credential>,
    /// The audit logs read beside the dump: window, request counts, every identity seen
    /// (absent when no log was given).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audit: Option<crate::audit::AuditSummary>,
    /// Counts.
    pub summary: Summary,
    /// Suppression entries of the settings that matched no finding.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub stale_suppressions: Vec<StaleSuppression>,
    /// Findings of the baseline report that this scan no longer has.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fixed: Vec<FixedFinding>,
    /// Compared with a baseline: the credentials this scan has that the baseline had not, and
    /// those it had that are gone.
    #[serde(default, rename = "credentialChanges", skip_serializing_if = "Option::is_none")]
    pub credential_changes: Option<CredentialChanges>,
    /// Of an export that holds only some findings (the viewer's filtered view): which, and how
    /// many of how many. Absent when the report holds every finding.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<ExportScope>,
}

/// What an export of part of a report holds: the findings a filter let through. The summary,
/// inventories and the other sections stay those of the whole report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportScope {
    /// The filter in words (`severity high; namespace `ci``), as the viewer showed it.
    pub filter: String,
    /// The same filter as the viewer's link fragment (`sev=high&ns=ci`), to open the view again.
    pub view: String,
    /// Findings in this file.
    pub shown: usize,
    /// Findings of the whole report.
    pub total: usize,
}

impl ExportScope {
    /// One line for the human-readable formats.
    pub fn line(&self) -> String {
        format!(
            "filtered view: {} of {} findings ({}); the summary counts the whole report",
            self.shown, self.total, self.filter
        )
    }
}

impl Report {
    /// Whether every input was analysed whole (none skipped, unreadable, cut short or empty of
    /// Kubernetes objects): when not, the report is no clean bill of health.
    pub fn is_complete(&self) -> bool {
        !self.inputs.is_empty() && self.inputs.iter().all(InputSummary::is_analysed)
    }

    /// The inputs not analysed whole, in report order.
    pub fn incomplete_inputs(&self) -> impl Iterator<Item = &InputSummary> {
        self.inputs.iter().filter(|i| !i.is_analysed())
    }

    /// Findings at or above a severity.
    pub fn at_least(&self, severity: Severity) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(move |f| f.severity >= severity)
    }

    /// The findings that fail a `--fail-on` threshold: at or above it, not suppressed, and not
    /// already in the baseline.
    pub fn failing(&self, severity: Severity) -> impl Iterator<Item = &Finding> {
        self.at_least(severity).filter(|f| f.counts() && f.baseline != Some(BaselineState::Unchanged))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "tests")]
mod tests {
    use super::*;
    use crate::data::evidence::Evidence;
    use crate::data::source::Source;

    #[test]
    fn the_catalogues_texts_need_no_redaction() {
        // A finding's `'static` texts are not redacted ([`SharedText::redacted`]): they are the
        // program's own words, and none of them looks like a secret to the redactor either.
        for rule in crate::registry::ALL {
            let meta = rule.meta();
            for text in [meta.default_remediation(), meta.code, meta.slug, meta.docs_path()] {
                assert_eq!(crate::util::redact::text(text), text, "{}", meta.code);
            }
            assert_eq!(meta.docs_path(), format!("docs/rules/{}-{}.md", meta.code, meta.slug));
        }
    }

    #[test]
    fn findings_share_the_catalogue_and_their_object_and_read_back_the_same() {
        let meta = crate::registry::ALL.first().unwrap().meta();
        let object = Arc::new(ObjectRef { kind: "Secret".into(), name: "t".into(), ..ObjectRef::default() });
        let one = Finding::new(meta, Arc::clone(&object), Source::default(), "m".into()).redacted();
        let two = Finding::new(meta, Arc::clone(&object), Source::default(), "m".into())
            .evidence(Evidence::plain("data.x", "1"))
            .related(Arc::clone(&object))
            .redacted();
        assert!(Arc::ptr_eq(&one.object, &object) && Arc::ptr_eq(&two.object, &object), "one reference");
        assert!(two.related.first().is_some_and(|r| Arc::ptr_eq(r, &object)));
        assert_eq!(one.remediation.as_ptr(), two.remediation.as_ptr(), "the default remediation is derived once");
        assert_eq!(one.code.as_ptr(), meta.code.as_ptr(), "borrowed from the catalogue");
        // Read back from JSON the texts are owned, and equal.
        let json = serde_json::to_string(&two).unwrap();
        let read: Finding = serde_json::from_str(&json).unwrap();
        assert_eq!(read, two);
        assert!(matches!(read.references, References::Read(_)) && !read.references.is_empty());
        assert_eq!(serde_json::to_string(&read).unwrap(), json);
    }

    #[test]
    fn a_finding_is_small_to_hold() {
        // 10⁵ findings live until the report is rendered, in a vector that may hold as many
        // spare slots: what most findings lack (a fix, a suppression) is boxed. It was 472 bytes.
        assert!(std::mem::size_of::<Finding>() <= 304, "{}", std::mem::size_of::<Finding>());
    }

    #[test]
    fn a_crafted_name_is_redacted_in_a_copy_of_the_shared_reference() {
        let meta = crate::registry::ALL.first().unwrap().meta();
        let crafted = Arc::new(ObjectRef { name: "token=s3cr3t".into(), ..ObjectRef::default() });
        let finding = Finding::new(meta, Arc::clone(&crafted), Source::default(), "m".into()).redacted();
        assert_eq!(finding.object.name, "token=REDACTED");
        assert_eq!(crafted.name, "token=s3cr3t", "the shared one is left as it is");
    }
}
