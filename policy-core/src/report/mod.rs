//! The report model: what a scan found, serializable as the stable JSON of `schema/report.schema.json`.

use crate::input::{Diagnostic, Object};
use crate::rule::RuleMeta;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::Arc;

pub mod baseline;
pub mod suppression;

pub use baseline::{BaselineCounts, BaselineState, FixedFinding};
pub use suppression::{StaleSuppression, Suppression, SuppressionKind, SuppressionRule, SuppressionStatus};

/// How bad a finding is. Ordered: `Info < Low < Medium < High < Critical`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// For review; not a problem by itself.
    Info,
    /// Worth fixing when convenient.
    Low,
    /// Weakens authentication; fix soon.
    Medium,
    /// Opens a realistic path to unauthorised access.
    High,
    /// Direct cluster compromise or an unrevocable admin credential.
    Critical,
}

impl Severity {
    /// Every severity, lowest first.
    pub const ALL: [Severity; 5] = [Self::Info, Self::Low, Self::Medium, Self::High, Self::Critical];

    /// The lowercase name used on the wire and in settings.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Info => "info",
            Self::Low => "low",
            Self::Medium => "medium",
            Self::High => "high",
            Self::Critical => "critical",
        }
    }

    /// Parse the lowercase name (case-insensitive).
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|sev| sev.as_str().eq_ignore_ascii_case(s.trim()))
    }
}

impl std::fmt::Display for Severity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An authentication mechanism of the guide; each rule belongs to the section it implements.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Mechanism {
    /// The guide's opening: choose few mechanisms, audit every source.
    General,
    /// Unauthenticated requests (`system:anonymous`).
    Anonymous,
    /// X.509 client certificates.
    ClientCertificates,
    /// `--token-auth-file` (and the removed `--basic-auth-file`).
    StaticTokenFile,
    /// `bootstrap.kubernetes.io/token` Secrets.
    BootstrapTokens,
    /// Legacy `kubernetes.io/service-account-token` Secrets.
    ServiceAccountTokens,
    /// Short-lived TokenRequest (projected) tokens.
    TokenRequest,
    /// OpenID Connect / structured JWT authentication.
    Oidc,
    /// Webhook token authentication.
    Webhook,
    /// Authenticating proxy (request-header authentication).
    AuthenticatingProxy,
}

impl Mechanism {
    /// Every mechanism, in the guide's order.
    pub const ALL: [Mechanism; 10] = [
        Self::General,
        Self::Anonymous,
        Self::ClientCertificates,
        Self::StaticTokenFile,
        Self::BootstrapTokens,
        Self::ServiceAccountTokens,
        Self::TokenRequest,
        Self::Oidc,
        Self::Webhook,
        Self::AuthenticatingProxy,
    ];

    /// The guide heading this mechanism is discussed under.
    pub fn guide_section(self) -> &'static str {
        match self {
            Self::General | Self::Anonymous => "Authentication Mechanisms",
            Self::ClientCertificates => "Client Certificate Authentication",
            Self::StaticTokenFile => "Static Token File",
            Self::BootstrapTokens => "Bootstrap Tokens",
            Self::ServiceAccountTokens => "Service Account Secret Tokens",
            Self::TokenRequest => "TokenRequest API",
            Self::Oidc => "OIDC",
            Self::Webhook => "Webhook Authentication",
            Self::AuthenticatingProxy => "Authenticating Proxy",
        }
    }

    /// A short human label.
    pub fn label(self) -> &'static str {
        match self {
            Self::General => "General",
            Self::Anonymous => "Anonymous access",
            Self::ClientCertificates => "Client certificates",
            Self::StaticTokenFile => "Static token file",
            Self::BootstrapTokens => "Bootstrap tokens",
            Self::ServiceAccountTokens => "Service-account secret tokens",
            Self::TokenRequest => "TokenRequest tokens",
            Self::Oidc => "OIDC / JWT",
            Self::Webhook => "Webhook authentication",
            Self::AuthenticatingProxy => "Authenticating proxy",
        }
    }

    /// The kebab-case id used on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::General => "general",
            Self::Anonymous => "anonymous",
            Self::ClientCertificates => "client-certificates",
            Self::StaticTokenFile => "static-token-file",
            Self::BootstrapTokens => "bootstrap-tokens",
            Self::ServiceAccountTokens => "service-account-tokens",
            Self::TokenRequest => "token-request",
            Self::Oidc => "oidc",
            Self::Webhook => "webhook",
            Self::AuthenticatingProxy => "authenticating-proxy",
        }
    }
}

/// Which object a finding is about.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ObjectRef {
    /// `apiVersion` as written in the input.
    pub api_version: String,
    /// `kind` as written in the input.
    pub kind: String,
    /// Namespace; absent for cluster-scoped objects.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// `metadata.name`.
    pub name: String,
}

impl ObjectRef {
    /// The reference with secrets in its name redacted. A valid Kubernetes name or namespace
    /// (DNS labels) cannot hold URL userinfo or an assignment, so this only changes names of
    /// crafted or broken input; other names are identifiers and are shown.
    #[must_use]
    pub fn redacted(mut self) -> Self {
        self.name = crate::util::redact::string(self.name);
        self.namespace = self.namespace.map(crate::util::redact::string);
        self
    }
}

impl std::fmt::Display for ObjectRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.namespace {
            Some(ns) => write!(f, "{}/{}/{}", self.kind, ns, self.name),
            None => write!(f, "{}/{}", self.kind, self.name),
        }
    }
}

/// Where something came from in the input: file name and 1-based line.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Source {
    /// The input's name (file path as given, or `-` for stdin), shared by every object and
    /// finding of that input rather than copied into each.
    pub path: Arc<str>,
    /// 1-based line of the object's (or field's) start.
    pub line: u32,
}

/// One piece of evidence: a field path and its value, redacted when it is a secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evidence {
    /// Field path in the object, e.g. `spec.containers[0].command[3]` or `data.token`.
    pub path: String,
    /// The value as shown to users: plain (URL userinfo and secret flag values `REDACTED`), or
    /// a fingerprint (`fp1:<12 hex>`, see [`crate::util::fingerprint`]) for secrets.
    pub value: String,
    /// True when `value` stands in for a secret (a fingerprint, or holds `REDACTED`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub redacted: bool,
}

impl Evidence {
    /// A value read from the input, shown as it is except for the secrets it may hold: the
    /// whole value when the field names a secret, else URL userinfo and secret flag values
    /// ([`crate::util::redact`]).
    pub fn plain(path: impl Into<String>, value: impl Into<String>) -> Self {
        let path = path.into();
        let (value, redacted) = crate::util::redact::field_value(&path, value.into());
        Self { path, value, redacted }
    }

    /// A secret value: only its fingerprint is kept, and none at all for a guessable secret.
    pub fn secret(path: impl Into<String>, secret: &[u8]) -> Self {
        Self { path: path.into(), value: crate::util::fingerprint::of_secret(secret), redacted: true }
    }

    /// Redact a value that was set without [`Evidence::plain`].
    fn redact(self) -> Self {
        if self.redacted { self } else { Self::plain(self.path, self.value) }
    }
}

/// How many related objects a finding lists at most.
pub const MAX_RELATED: usize = 20;

/// A rule's verdict on one object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    /// A stable identity across scans (the SARIF `partialFingerprints` value): rule, object and
    /// evidence paths, so reformatting, reordering or unrelated changes to the dump keep it.
    #[serde(default)]
    pub id: String,
    /// Rule code, e.g. `SA001`.
    pub code: String,
    /// Rule slug, e.g. `legacy-token-secret`.
    pub slug: String,
    /// Severity after settings overrides.
    pub severity: Severity,
    /// The guide section.
    pub mechanism: Mechanism,
    /// The object the finding is about.
    pub object: ObjectRef,
    /// File and line in the input.
    pub source: Source,
    /// One line: lowercase first word, no final period, values in backticks.
    pub message: String,
    /// Field paths and (redacted) values behind the verdict.
    #[serde(default)]
    pub evidence: Vec<Evidence>,
    /// What to do about it.
    pub remediation: String,
    /// The rule's docs page, relative to the repository root.
    pub docs: String,
    /// Other objects involved (e.g. the Pods a flagged Deployment owns, the binding that grants).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub related: Vec<ObjectRef>,
    /// How the finding was accepted, when it was (it then stays listed but does not count).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suppression: Option<Suppression>,
    /// Other inputs that hold the same object (it was analysed once).
    #[serde(default, rename = "alsoIn", skip_serializing_if = "Vec::is_empty")]
    pub also_in: Vec<Source>,
    /// Compared with a baseline report: new or unchanged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub baseline: Option<BaselineState>,
}

impl Finding {
    /// A finding with the rule's defaults; refine it with the builder methods.
    pub fn new(meta: &RuleMeta, object: ObjectRef, source: Source, message: String) -> Self {
        Self {
            id: String::new(),
            code: meta.code.to_string(),
            slug: meta.slug.to_string(),
            severity: meta.severity,
            mechanism: meta.mechanism,
            object,
            source,
            message,
            evidence: Vec::new(),
            remediation: default_remediation(meta),
            docs: meta.docs_path(),
            related: Vec::new(),
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
    pub fn remediation(mut self, text: impl Into<String>) -> Self {
        self.remediation = text.into();
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
        self.remediation = redact::string(self.remediation);
        self.evidence = self.evidence.into_iter().map(Evidence::redact).collect();
        self.object = self.object.redacted();
        self.related = self.related.into_iter().map(ObjectRef::redacted).collect();
        self
    }

    /// Name another object involved in the finding (once; at most [`MAX_RELATED`] are kept, so
    /// a finding's size never grows with the dump).
    #[must_use]
    pub fn related(mut self, object: ObjectRef) -> Self {
        if self.related.len() < MAX_RELATED && !self.related.contains(&object) {
            self.related.push(object);
        }
        self
    }
}

/// A rule's default remediation, computed once per rule: deriving it parses the rule's docs, and a
/// large dump can give tens of thousands of findings.
fn default_remediation(meta: &RuleMeta) -> String {
    static CACHE: std::sync::LazyLock<BTreeMap<&'static str, String>> = std::sync::LazyLock::new(|| {
        crate::registry::ALL.iter().map(|rule| (rule.meta().code, rule.meta().remediation())).collect()
    });
    CACHE.get(meta.code).cloned().unwrap_or_else(|| meta.remediation())
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

/// What became of an input: analysed whole, in part, or not at all (and why).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum InputStatus {
    /// Read whole: Kubernetes objects found, no error.
    #[default]
    Analysed,
    /// Read, but part of it was lost (its error diagnostics say where); the rest was analysed.
    Partial,
    /// Read, but no Kubernetes object could be read from it (empty, truncated, unparseable, or
    /// not Kubernetes): nothing of it was analysed.
    NoObjects,
    /// Not read: it does not fit in the size limit.
    Skipped,
    /// Could not be read at all (missing, permission denied, an I/O error, no writer on a pipe).
    Unreadable,
}

impl InputStatus {
    /// Every status, best first.
    pub const ALL: [InputStatus; 5] = [Self::Analysed, Self::Partial, Self::NoObjects, Self::Skipped, Self::Unreadable];

    /// The kebab-case id used on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Analysed => "analysed",
            Self::Partial => "partial",
            Self::NoObjects => "no-objects",
            Self::Skipped => "skipped",
            Self::Unreadable => "unreadable",
        }
    }

    /// A short human label.
    pub fn label(self) -> &'static str {
        match self {
            Self::Analysed => "analysed",
            Self::Partial => "partly analysed",
            Self::NoObjects => "no Kubernetes object",
            Self::Skipped => "skipped",
            Self::Unreadable => "unreadable",
        }
    }
}

impl std::fmt::Display for InputStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The message of an input from which no Kubernetes object could be read.
pub const NO_OBJECTS: &str = "no Kubernetes object could be read from this input";

/// One input file: its size, what it held, what became of it and what was wrong with it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct InputSummary {
    /// The input's name.
    pub path: String,
    /// Analysed whole, in part, or not at all.
    #[serde(default)]
    pub status: InputStatus,
    /// Size in bytes (for an input skipped before its end was seen, the bytes seen).
    pub bytes: u64,
    /// YAML/JSON documents read.
    pub documents: u32,
    /// Kubernetes objects found (list items counted one by one).
    pub objects: u32,
    /// Located problems; the rest of the input was still analysed.
    pub diagnostics: Vec<Diagnostic>,
}

impl InputSummary {
    /// An input its caller could not read at all, for [`crate::analyze_with_unread`]: `code` is a
    /// stable kebab-case id (`read-error` unless something more precise fits) and `message` says
    /// why in one line. The diagnostic is at line 0: the input as a whole.
    pub fn unreadable(path: &str, code: &str, message: impl Into<String>) -> Self {
        Self {
            path: path.to_string(),
            status: InputStatus::Unreadable,
            diagnostics: vec![Diagnostic::error(path, 0, code, message)],
            ..Self::default()
        }
    }

    /// An input not read because it does not fit in what remains of `limits.maxTotalBytes`:
    /// `bytes` is its size, or with `size_known` false the bytes seen before giving up (a device
    /// or a pipe says no size and may never end).
    pub fn too_large(path: &str, bytes: u64, size_known: bool, remaining: u64, limits: &crate::Limits) -> Self {
        let limit = limits.max_total_bytes;
        let size = if size_known {
            format!("input is {bytes} bytes")
        } else {
            format!("input has more than {remaining} bytes")
        };
        let budget = if remaining == limit {
            format!("the limit is {limit} bytes")
        } else {
            format!("only {remaining} of the {limit}-byte limit remain")
        };
        let message = format!("{size} but {budget}; the input is skipped (raise `limits.maxTotalBytes` to read it)");
        Self {
            path: path.to_string(),
            status: InputStatus::Skipped,
            bytes,
            diagnostics: vec![Diagnostic::error(path, 1, "too-large", message)],
            ..Self::default()
        }
    }

    /// Decide the status of an input that was read, once every diagnostic about it is in.
    pub(crate) fn settle_status(&mut self) {
        if matches!(self.status, InputStatus::Skipped | InputStatus::Unreadable) {
            return;
        }
        self.status = if self.objects == 0 {
            InputStatus::NoObjects
        } else if self.has_errors() {
            InputStatus::Partial
        } else {
            InputStatus::Analysed
        };
    }

    /// Whether it has an error-level diagnostic (part or all of it could not be read).
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(|d| d.level == crate::input::Level::Error)
    }

    /// Whether all of it was analysed.
    pub fn is_analysed(&self) -> bool {
        self.status == InputStatus::Analysed
    }
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
    /// Counts.
    pub summary: Summary,
    /// Suppression entries of the settings that matched no finding.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub stale_suppressions: Vec<StaleSuppression>,
    /// Findings of the baseline report that this scan no longer has.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fixed: Vec<FixedFinding>,
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

impl Object {
    /// The finding-facing reference to this object.
    pub fn object_ref(&self) -> ObjectRef {
        ObjectRef {
            api_version: self.api_version().to_string(),
            kind: self.kind().to_string(),
            namespace: self.namespace().map(str::to_string),
            name: self.name().to_string(),
        }
        .redacted()
    }
}
