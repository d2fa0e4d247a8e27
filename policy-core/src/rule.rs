//! How a rule is declared: its metadata and docs live beside its check, in one file.
//!
//! A rule file calls [`declare_rule!`](crate::declare_rule) once (docs, code, slug, severity,
//! mechanism, scope, optionally status) and implements [`Check`] by hand. The registry lists
//! the unit structs.

use crate::data::object_ref::ObjectRef;
use crate::data::source::Source;
use crate::input::Object;
use crate::inventory::Inventory;
use crate::inventory::flags::{CONTROL_PLANE_HINT, FlagValue};
use crate::report::{Finding, NotAssessable};
use crate::settings::Settings;
use std::sync::Arc;
use time::OffsetDateTime;

// The catalogue entry is plain data (settings and reports read it too); named here as well for
// `declare_rule!` and for the crates that list rules (`policy_core::rule::RuleStatus`).
pub use crate::data::rule_meta::{RuleMeta, RuleStatus, Scope};

/// The metadata half of a rule; implemented by [`declare_rule!`](crate::declare_rule).
pub trait Meta {
    /// The catalogue entry.
    fn meta(&self) -> &'static RuleMeta;

    /// A finding of this rule on `object`, with the rule's defaults filled in.
    fn finding(&self, object: &Object, message: impl Into<String>) -> Finding
    where
        Self: Sized,
    {
        Finding::new(self.meta(), object.shared_ref(), object.source.clone(), message.into())
    }

    /// A finding of this rule on a component flag (`name` without its dashes), the flag as its
    /// evidence.
    fn flag_finding(&self, flag: &FlagValue, name: &str, message: impl Into<String>) -> Finding
    where
        Self: Sized,
    {
        self.finding_at(flag.object.clone(), flag.source.clone(), message).evidence(flag.evidence(name))
    }

    /// A finding of this rule on something that is not a loaded object (a flag, a file).
    fn finding_at(&self, object: impl Into<Arc<ObjectRef>>, source: Source, message: impl Into<String>) -> Finding
    where
        Self: Sized,
    {
        Finding::new(self.meta(), object, source, message.into())
    }
}

/// The fix of a kube-apiserver flag set in its static Pod: the flag line to write, `--name=value`
/// (a value of our own, never the dump's). `None` when the flag comes from elsewhere (kubeadm's
/// `ClusterConfiguration`, whose change takes a `kubeadm upgrade`, not an edit).
pub fn apiserver_flag_fix(flag: &FlagValue, name: &str, value: &str) -> Option<crate::report::Fix> {
    (flag.object.kind == "Pod").then(|| {
        crate::report::Fix::edit(
            format!(
                "in the kube-apiserver's static Pod manifest (kubeadm: `/etc/kubernetes/manifests/kube-apiserver.yaml`), write this line in place of the `--{name}` one; the kubelet restarts the API server"
            ),
            format!("- --{name}={value}"),
        )
    })
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

/// Findings a rule's vector holds before [`Findings::push`] starts another (about 1 MiB).
const CHUNK: usize = 4096;

/// The collector a check pushes into. A check cannot fail: input problems are diagnostics.
///
/// It is also where every rule's output passes on its way to any report: secrets echoed in a
/// finding's texts are redacted here ([`Finding::redacted`]), however the finding was built.
#[derive(Debug, Default)]
pub struct Findings {
    /// What the rule running now pushed since its last full chunk.
    pub(crate) found: Vec<Finding>,
    /// What the rules run before it pushed, exactly sized vectors (a rule's full chunks, then the
    /// rest of its findings), in the order pushed: a single vector
    /// grown by pushes holds up to twice its findings' slots at a big dump's peak (at 300k
    /// objects, 150k spare slots).
    done: Vec<Vec<Finding>>,
    pub(crate) not_assessable: Vec<NotAssessable>,
}

impl Findings {
    /// Close the findings of the rule that just ran.
    pub(crate) fn rule_done(&mut self) {
        let mut found = std::mem::take(&mut self.found);
        found.shrink_to_fit();
        self.done.push(found);
    }

    /// Every finding pushed so far.
    pub(crate) fn all_mut(&mut self) -> impl Iterator<Item = &mut Finding> {
        self.done.iter_mut().flatten().chain(self.found.iter_mut())
    }

    /// Every finding in the order pushed, in one exactly sized vector, and the rules that
    /// could not be assessed.
    pub(crate) fn into_parts(mut self) -> (Vec<Finding>, Vec<NotAssessable>) {
        self.rule_done();
        let mut all = Vec::with_capacity(self.done.iter().map(Vec::len).sum());
        for found in self.done {
            all.extend(found);
        }
        (all, self.not_assessable)
    }

    /// Record a finding, with the secrets its texts may echo redacted.
    pub fn push(&mut self, finding: Finding) {
        let mut finding = finding.redacted();
        // A dump can give 10⁵ findings, all kept until the report is rendered: each is stored
        // exactly sized (a vector grown by pushes holds up to twice its items, `format!` text
        // has slack), which is a fifth of a big report's memory.
        finding.message.shrink_to_fit();
        finding.remediation.shrink_to_fit();
        finding.related.shrink_to_fit();
        finding.evidence.shrink_to_fit();
        for evidence in &mut finding.evidence {
            evidence.path.shrink_to_fit();
            evidence.value.shrink_to_fit();
        }
        if self.found.len() == CHUNK {
            // A rule of 10⁵ findings fills chunks rather than doubling one vector: each doubling
            // copies every finding into fresh memory, and the page faults of those copies were a
            // tenth of a big scan's CPU.
            let full = std::mem::replace(&mut self.found, Vec::with_capacity(CHUNK));
            self.done.push(full);
        }
        self.found.push(finding);
    }

    /// Say that a rule that reads control-plane flags could not be assessed: the dump shows
    /// neither the kube-apiserver Pod nor `kubeadm-config`.
    pub fn control_plane_not_visible(&mut self, rule: &dyn Meta) {
        self.not_assessable(rule, "control plane not visible", &CONTROL_PLANE_HINT);
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
    pub use super::{Check, Context, Findings, Meta, apiserver_flag_fix};
    pub use crate::data::evidence::Evidence;
    pub use crate::data::mechanism::Mechanism;
    pub use crate::data::rule_meta::Scope;
    pub use crate::data::severity::Severity;
    pub use crate::declare_rule;
    pub use crate::input::Object;
    pub use crate::inventory::Inventory;
    pub use crate::report::Fix;
}

/// Declare a rule: docs (the `///` lines), metadata, and the unit struct.
///
/// The `///` lines arrive as `#[doc = "..."]` attributes; each keeps the space after `///`,
/// which the docs accessors strip. `status: Preview("0.2.0")` makes a rule opt-in (see
/// [`Settings::enables`](crate::settings::Settings::enables)); without it a rule is `Stable("0.1.0")`,
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
            fn meta(&self) -> &'static $crate::data::rule_meta::RuleMeta {
                static META: $crate::data::rule_meta::RuleMeta = $crate::data::rule_meta::RuleMeta {
                    code: $code,
                    slug: $slug,
                    severity: $severity,
                    mechanism: $mechanism,
                    scope: $scope,
                    status: $crate::data::rule_meta::RuleStatus::$stage($since),
                    docs: concat!($($doc, "\n"),*),
                    file: file!(),
                    line: line!(),
                    page: concat!("docs/rules/", $code, "-", $slug, ".md"),
                    fix_text: ::std::sync::OnceLock::new(),
                };
                &META
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::evidence::Evidence;
    use crate::data::mechanism::Mechanism;
    use crate::data::severity::Severity;
    use crate::report::Fix;

    crate::declare_rule! {
        /// ## What it does
        /// A rule of this test only.
        TestRule { code: "XX001", slug: "test-rule", severity: Severity::Low, mechanism: Mechanism::General, scope: Scope::Audit }
    }

    #[test]
    fn findings_past_a_chunk_keep_their_order_and_every_vector_its_size() {
        let mut out = Findings::default();
        let pushed = 2 * CHUNK + 3;
        for i in 0..pushed {
            out.push(Finding::new(TestRule.meta(), ObjectRef::default(), Source::default(), format!("f{i}")));
            if i == 10 {
                out.rule_done();
            }
        }
        // Each full chunk was set aside as it filled, never grown past its size.
        assert!(out.done.iter().all(|d| d.len() == d.capacity() && d.len() <= CHUNK), "exact chunks");
        assert!(out.found.len() < CHUNK);
        let (all, _) = out.into_parts();
        assert_eq!(all.len(), pushed);
        assert_eq!(all.capacity(), pushed);
        assert!(all.iter().enumerate().all(|(i, f)| f.message == format!("f{i}")), "in the order pushed");
    }

    #[test]
    fn the_collector_keeps_findings_exactly_sized() {
        let mut finding =
            Finding::new(TestRule.meta(), ObjectRef::default(), Source::default(), String::with_capacity(64));
        finding.message.push_str("short");
        finding = finding
            .evidence(Evidence::plain("spec.a", "1"))
            .related(ObjectRef { name: "a".into(), ..ObjectRef::default() });
        assert!(finding.evidence.capacity() > 1 && finding.message.capacity() > 5, "grown by pushes");
        let mut out = Findings::default();
        out.push(finding);
        let kept = &out.found[0];
        assert_eq!((kept.evidence.capacity(), kept.related.capacity(), kept.message.capacity()), (1, 1, 5));
    }

    #[test]
    fn the_collector_keeps_each_rules_findings_in_order_and_hands_out_one_exact_vector() {
        let mut out = Findings::default();
        let pushed = |out: &mut Findings, message: &str| {
            out.push(Finding::new(TestRule.meta(), ObjectRef::default(), Source::default(), message.to_string()));
        };
        for message in ["a", "b", "c"] {
            pushed(&mut out, message);
        }
        out.rule_done();
        assert_eq!(out.done.first().map(Vec::capacity), Some(3), "shrunk when its rule is done");
        pushed(&mut out, "d");
        out.rule_done();
        pushed(&mut out, "e");
        for finding in out.all_mut() {
            finding.message.push('!');
        }
        let (all, _) = out.into_parts();
        let messages: Vec<&str> = all.iter().map(|f| f.message.as_str()).collect();
        assert_eq!(messages, ["a!", "b!", "c!", "d!", "e!"]);
        assert_eq!(all.capacity(), 5);
    }

    #[test]
    fn the_collector_redacts_whatever_a_rule_pushes() {
        let meta = TestRule.meta();
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
            .remediation("rotate `--token s3cr3t-help`".to_string())
            .fix(Fix::delete(
                "delete it",
                &ObjectRef {
                    kind: "Secret".into(),
                    namespace: Some("ci".into()),
                    name: "token=s3cr3t-name".into(),
                    ..ObjectRef::default()
                },
            ))
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
        // A fix is run as written: one that would need redacting is dropped, not rewritten to
        // act on another name.
        assert_eq!(pushed.fix, None);
        let plain = ObjectRef {
            kind: "Secret".into(),
            namespace: Some("ci".into()),
            name: "old".into(),
            ..ObjectRef::default()
        };
        let mut out = Findings::default();
        out.push(
            Finding::new(meta, plain.clone(), Source::default(), "m".into()).fix(Fix::delete("delete it", &plain)),
        );
        assert_eq!(out.found[0].fix.as_ref().map(|f| f.text.as_str()), Some("kubectl delete secret -n ci old"));
    }
}
