//! How a rule is declared: its metadata and docs live beside its check, in one file.
//!
//! A rule file calls [`declare_rule!`](crate::declare_rule) once (docs, code, slug, severity,
//! mechanism, scope, optionally status) and implements [`Check`] by hand. The registry lists
//! the unit structs.

use crate::input::Object;
use crate::inventory::Inventory;
use crate::report::{Finding, Mechanism, NotAssessable, ObjectRef, Severity, Source};
use crate::settings::Settings;
use time::OffsetDateTime;

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

    /// Path of the generated docs page, relative to the repository root.
    pub fn docs_path(&self) -> String {
        format!("docs/rules/{}-{}.md", self.code, self.slug)
    }

    /// Whether the rule runs at admission time.
    pub fn admits(&self) -> bool {
        self.scope == Scope::Admit
    }
}

/// The metadata half of a rule; implemented by [`declare_rule!`](crate::declare_rule).
pub trait Meta {
    /// The catalogue entry.
    fn meta(&self) -> &'static RuleMeta;

    /// A finding of this rule on `object`, with the rule's defaults filled in.
    fn finding(&self, object: &Object, message: impl Into<String>) -> Finding
    where
        Self: Sized,
    {
        Finding::new(self.meta(), object.object_ref(), object.source.clone(), message.into())
    }

    /// A finding of this rule on something that is not a loaded object (a flag, a file).
    fn finding_at(&self, object: ObjectRef, source: Source, message: impl Into<String>) -> Finding
    where
        Self: Sized,
    {
        Finding::new(self.meta(), object, source, message.into())
    }
}

/// What a check sees: the indexed cluster, the settings and the evaluation instant.
#[derive(Debug)]
pub struct Context<'c, 'a> {
    /// The indexed view of every loaded object.
    pub inv: &'c Inventory<'a>,
    /// Thresholds, selections and overrides.
    pub settings: &'c Settings,
    /// The evaluation instant; `None` only at admission time when the host gives no clock.
    pub now: Option<OffsetDateTime>,
    /// Whether this is a whole-dump audit or one admission request.
    pub mode: Scope,
}

/// The collector a check pushes into. A check cannot fail: input problems are diagnostics.
///
/// It is also where every rule's output passes on its way to any report: secrets echoed in a
/// finding's texts are redacted here ([`Finding::redacted`]), however the finding was built.
#[derive(Debug, Default)]
pub struct Findings {
    pub(crate) found: Vec<Finding>,
    pub(crate) not_assessable: Vec<NotAssessable>,
}

impl Findings {
    /// Record a finding, with the secrets its texts may echo redacted.
    pub fn push(&mut self, finding: Finding) {
        self.found.push(finding.redacted());
    }

    /// Say that a rule could not be assessed from this input, and what would make it assessable.
    pub fn not_assessable(&mut self, rule: &dyn Meta, reason: impl Into<String>, add: &[&str]) {
        let meta = rule.meta();
        self.not_assessable.push(NotAssessable {
            code: meta.code.to_string(),
            slug: meta.slug.to_string(),
            reason: crate::util::redact::string(reason.into()),
            add: add.iter().map(|s| (*s).to_string()).collect(),
        });
    }
}

/// The check half of a rule, written by hand in the rule's file.
pub trait Check {
    /// Look at the inventory and push findings.
    fn check(&self, cx: &Context<'_, '_>, out: &mut Findings);
}

/// A complete rule: metadata plus check. Every declared rule with a `Check` impl is one.
pub trait Rule: Meta + Check + Sync + Send {}
impl<T: Meta + Check + Sync + Send> Rule for T {}

/// Everything a rule file needs, in one import.
pub mod prelude {
    pub use super::{Check, Context, Findings, Meta, Scope};
    pub use crate::declare_rule;
    pub use crate::input::Object;
    pub use crate::inventory::Inventory;
    pub use crate::report::{Evidence, Mechanism, Severity};
}

/// Declare a rule: docs (the `///` lines), metadata, and the unit struct.
///
/// The `///` lines arrive as `#[doc = "..."]` attributes; each keeps the space after `///`,
/// which the docs accessors strip. `status: Preview("0.2.0")` makes a rule opt-in (see
/// [`Settings::enables`](crate::Settings::enables)); without it a rule is `Stable("0.1.0")`,
/// the release every rule declared before statuses existed shipped in.
#[macro_export]
macro_rules! declare_rule {
    (
        $(#[doc = $doc:literal])*
        $vis:vis $name:ident {
            code: $code:literal,
            slug: $slug:literal,
            severity: $severity:expr,
            mechanism: $mechanism:expr,
            scope: $scope:expr $(,)?
        }
    ) => {
        $crate::declare_rule! {
            $(#[doc = $doc])*
            $vis $name {
                code: $code,
                slug: $slug,
                severity: $severity,
                mechanism: $mechanism,
                scope: $scope,
                status: Stable("0.1.0"),
            }
        }
    };
    (
        $(#[doc = $doc:literal])*
        $vis:vis $name:ident {
            code: $code:literal,
            slug: $slug:literal,
            severity: $severity:expr,
            mechanism: $mechanism:expr,
            scope: $scope:expr,
            status: $stage:ident($since:literal) $(,)?
        }
    ) => {
        $(#[doc = $doc])*
        #[derive(Debug, Clone, Copy, Default)]
        $vis struct $name;

        impl $crate::rule::Meta for $name {
            fn meta(&self) -> &'static $crate::rule::RuleMeta {
                static META: $crate::rule::RuleMeta = $crate::rule::RuleMeta {
                    code: $code,
                    slug: $slug,
                    severity: $severity,
                    mechanism: $mechanism,
                    scope: $scope,
                    status: $crate::rule::RuleStatus::$stage($since),
                    docs: concat!($($doc, "\n"),*),
                    file: file!(),
                    line: line!(),
                };
                &META
            }
        }
    };
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing, reason = "tests")]
    use super::*;
    use crate::report::Evidence;

    #[test]
    fn the_collector_redacts_whatever_a_rule_pushes() {
        let meta = crate::registry::ALL[0].meta();
        let object = ObjectRef { kind: "Secret".into(), name: "token=s3cr3t-name".into(), ..ObjectRef::default() };
        let finding = Finding::new(meta, object, Source::default(), "issuer `https://u:s3cr3t-pass@idp`".to_string())
            // Built by hand, not through `Evidence::plain`.
            .evidence(Evidence {
                path: "spec.command[1]".into(),
                value: "--client-secret=s3cr3t-flag".into(),
                redacted: false,
            })
            .evidence(Evidence { path: "users[0].user.password".into(), value: "s3cr3t-field".into(), redacted: false })
            .evidence(Evidence::secret("data.token", b"6tw6wnqgp5z0wb77.Qm3Xr7pL2vK9sT4w"))
            .remediation("rotate `--token s3cr3t-help`")
            .related(ObjectRef { name: "https://a:s3cr3t-related@h".into(), ..ObjectRef::default() });
        let mut out = Findings::default();
        out.push(finding);
        let pushed = &out.found[0];
        let shown = format!("{pushed:?}");
        assert!(!shown.contains("s3cr3t"), "{shown}");
        assert_eq!(pushed.message, "issuer `https://REDACTED@idp`");
        assert_eq!(pushed.object.name, "token=REDACTED");
        assert_eq!(pushed.evidence[0].value, "--client-secret=REDACTED");
        assert!(pushed.evidence[0].redacted);
        assert_eq!(pushed.evidence[1].value, "REDACTED");
        assert!(pushed.evidence[2].value.starts_with("fp1:"), "a fingerprint stays as it is");
        assert_eq!(pushed.remediation, "rotate `--token REDACTED`");
    }
}
