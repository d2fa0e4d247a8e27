//! Running the rules: a whole dump ([`analyze`]) or one admission request ([`admit`]).

use crate::audit::AuditLog;
use crate::data::input_summary::InputSummary;
use crate::data::rule_meta::Scope;
use crate::data::severity::Severity;
use crate::data::source::Source;
use crate::input::{self, InputFile, Object, Origin};
use crate::inventory::Inventory;
use crate::registry;
use crate::report::{Finding, Report, Summary, TOOL_NAME, TOOL_VERSION, Tool, suppression};
use crate::rule::{Context, Findings, Rule};
use crate::settings::Settings;
use crate::value::Value;
use serde::Serialize;
use std::borrow::Cow;
use std::collections::HashMap;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// Per-object acceptance in audits: `authn-audit.dev/ignore: "SA001,TR004: reason"` on the
/// object's annotations (or its pod template's).
///
/// Honoured only by [`analyze`]: at admission the object is the requester's, so an annotation on it
/// must not relax the policy owner's decision; [`admit`] exempts only through its settings.
pub use crate::report::suppression::IGNORE_ANNOTATION;

/// Analyse whole dumps: load, index, run every enabled rule, build the report.
///
/// `settings.now` is the evaluation instant; without it the Unix epoch is used, so callers
/// with a clock (the CLI, the viewer) should always set it.
pub fn analyze(inputs: &[InputFile<'_>], settings: &Settings) -> Report {
    analyze_with_progress(inputs, settings, &mut |_| {})
}

/// How far an analysis has got, for progress bars: reported after each input file is loaded,
/// about every MiB of text inside a big one, and after each rule has run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Progress {
    /// Input files loaded so far.
    pub files_read: usize,
    /// Input files in all.
    pub files: usize,
    /// Bytes of the loaded files, and as far as the loader has got inside the next one.
    pub bytes_read: u64,
    /// Bytes of all inputs.
    pub bytes: u64,
    /// Objects parsed so far (in the file being read: as its reader counts them).
    pub objects: usize,
    /// Rules run so far.
    pub rules_run: usize,
    /// Rules to run (enabled by the settings).
    pub rules: usize,
}

/// [`analyze`], calling `progress` as input files load and rules run.
pub fn analyze_with_progress(
    inputs: &[InputFile<'_>],
    settings: &Settings,
    progress: &mut dyn FnMut(Progress),
) -> Report {
    analyze_with_unread(inputs, &[], settings, progress)
}

/// [`analyze_with_progress`] for a caller that could not read every input it was given: `unread`
/// holds one [`InputSummary::unreadable`] or [`InputSummary::too_large`] per input it could not
/// read (missing, permission denied, a device over the size limit, a pipe with no writer). They
/// are listed in the report beside the inputs read (status, diagnostic), so the report itself
/// says what was not analysed.
pub fn analyze_with_unread(
    inputs: &[InputFile<'_>],
    unread: &[InputSummary],
    settings: &Settings,
    progress: &mut dyn FnMut(Progress),
) -> Report {
    analyze_with_audit(inputs, unread, AuditLog::default(), settings, progress)
}

/// [`analyze_with_unread`] with audit logs the caller has already streamed into `audit` (a
/// [`crate::audit::FileReader`] per file, so a big log is never held whole). Inputs that are
/// audit logs by content ([`crate::audit::looks_like_audit_log`]) are read into it too; the
/// rest load as dumps. The logs' aggregates join the credential inventory and feed the `UL`
/// rules; their files are listed among the report's inputs.
///
/// The inputs' bytes are held through the whole analysis; a caller that can read them again
/// (a file on disk) frees them sooner with [`Analysis`].
pub fn analyze_with_audit(
    inputs: &[InputFile<'_>],
    unread: &[InputSummary],
    audit: AuditLog,
    settings: &Settings,
    progress: &mut dyn FnMut(Progress),
) -> Report {
    let loaded = Analysis::read(inputs, unread, audit, settings, progress, Seen::held);
    // The same name twice: the last one, as placing has always taken it.
    loaded.finish(&mut |name| inputs.iter().rev().find(|i| i.name == name).map(|i| Cow::Borrowed(i.bytes)), progress)
}

/// An analysis in two halves, so that the inputs' bytes (as big as the dump) need not be held
/// while the rules run: [`Analysis::load`] reads them into objects, the caller may then free
/// them, and [`Analysis::finish`] runs the rules and asks for each input's bytes again only to
/// place findings at their fields.
///
/// ```
/// use policy_core::{Analysis, InputFile, Settings};
/// let text = b"apiVersion: v1\nkind: Secret\ntype: kubernetes.io/service-account-token\nmetadata:\n  name: t\n  namespace: ci\n  annotations:\n    kubernetes.io/service-account.name: ci\n".to_vec();
/// let input = InputFile { name: "token.yaml", bytes: &text };
/// let loaded = Analysis::load(&[input], &[], Default::default(), &Settings::default(), &mut |_| {});
/// drop(text); // the rules run without it
/// // Read from a pipe, it cannot be read again: its findings stay on their objects' lines.
/// let report = loaded.finish(&mut |_name| None, &mut |_| {});
/// assert_eq!(report.summary.objects, 1);
/// assert!(report.findings.iter().all(|f| f.source.line == f.source.object().line));
/// ```
#[derive(Debug)]
pub struct Analysis {
    /// The settings the rules run with (the `UL` family opted in when a log has events).
    settings: Settings,
    objects: Vec<Object>,
    copies: Copies,
    /// One summary per dump input loaded.
    summaries: Vec<InputSummary>,
    /// The caller's inputs it could not read.
    unread: Vec<InputSummary>,
    audit: AuditLog,
    /// What loading saw of each dump input, by name: the bytes given again must be these.
    seen: HashMap<String, Seen>,
    state: Progress,
}

/// An input's bytes as loading saw them, to tell whether the bytes given again are the same.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Seen {
    /// Their length and checksum (CRC-32, a few milliseconds per GB): enough to tell that a
    /// file changed since.
    Sum { len: usize, crc: u32 },
    /// Held by [`analyze_with_audit`] through the analysis: the bytes given again are these.
    Held,
}

impl Seen {
    fn sum(bytes: &[u8]) -> Self {
        Self::Sum { len: bytes.len(), crc: crc32fast::hash(bytes) }
    }

    fn held(_: &[u8]) -> Self {
        Self::Held
    }

    fn same(self, bytes: &[u8]) -> bool {
        self == Self::Held || self == Self::sum(bytes)
    }
}

impl Analysis {
    /// Load the inputs as [`analyze_with_audit`] does, calling `progress` as they load; nothing
    /// of their bytes is kept.
    pub fn load(
        inputs: &[InputFile<'_>],
        unread: &[InputSummary],
        audit: AuditLog,
        settings: &Settings,
        progress: &mut dyn FnMut(Progress),
    ) -> Self {
        Self::read(inputs, unread, audit, settings, progress, Seen::sum)
    }

    /// [`Analysis::load`], remembering each input's bytes as `seen` tells.
    fn read(
        inputs: &[InputFile<'_>],
        unread: &[InputSummary],
        mut audit: AuditLog,
        settings: &Settings,
        progress: &mut dyn FnMut(Progress),
        seen: fn(&[u8]) -> Seen,
    ) -> Self {
        let (logs, dumps): (Vec<&InputFile<'_>>, Vec<&InputFile<'_>>) =
            inputs.iter().partition(|i| crate::audit::looks_like_audit_log(i.bytes));
        for log in logs {
            audit.read(log.name, log.bytes);
        }
        let inputs: Vec<InputFile<'_>> = dumps.into_iter().copied().collect();
        // A log with events is the opt-in to the usage rules (still preview): they run as if
        // `preview` were on for the `UL` family alone.
        let mut settings = settings.clone();
        if audit.files.iter().any(|f| f.documents > 0) {
            settings.opted_in_families.push("UL".to_string());
        }
        let mut state = Progress {
            files: inputs.len(),
            bytes: inputs.iter().map(|i| i.bytes.len() as u64).sum(),
            rules: registry::ALL.iter().filter(|r| settings.enables(r.meta())).count(),
            ..Progress::default()
        };
        let loaded = input::load_with_progress(&inputs, &settings.limits, &mut |so_far| {
            state.files_read = so_far.files_read;
            state.bytes_read = so_far.bytes_read;
            state.objects = so_far.objects;
            progress(state);
        });
        let (objects, copies) = merge_copies(loaded.objects, inputs.len());
        let seen = inputs.iter().map(|i| (i.name.to_string(), seen(i.bytes))).collect();
        Self { settings, objects, copies, summaries: loaded.inputs, unread: unread.to_vec(), audit, seen, state }
    }

    /// Run the rules and build the report, calling `progress` after each rule. To place the
    /// findings at their fields, `bytes_again` is asked once for each input that has findings,
    /// after the rules have run and the objects and their indexes are freed (a caller may hand
    /// that memory back to the system first): it gives the bytes [`Analysis::load`] was given
    /// under that name, or `None` when it cannot (standard input). Bytes that differ from those
    /// (a file changed in between) are not used: that input's findings stay on their objects'
    /// lines.
    pub fn finish<'b>(
        self,
        bytes_again: &mut dyn FnMut(&str) -> Option<Cow<'b, [u8]>>,
        progress: &mut dyn FnMut(Progress),
    ) -> Report {
        let Self { settings, objects, copies, mut summaries, unread, audit, seen, mut state } = self;
        let settings = &settings;
        let mut inv = Inventory::new(&objects);
        inv.audit = audit;
        for diagnostic in &inv.diagnostics {
            if let Some(summary) = summaries.iter_mut().find(|s| *s.path == *diagnostic.source.path) {
                summary.diagnostics.push(diagnostic.clone());
            }
        }
        for summary in &mut summaries {
            summary.settle_status();
        }
        summaries.extend(inv.audit.files.iter().cloned());
        summaries.extend(unread);
        summaries.sort_by(|a, b| a.path.cmp(&b.path));
        let now = settings.now.unwrap_or(OffsetDateTime::UNIX_EPOCH);
        let out = run(&inv, registry::ALL, settings, Some(now), Scope::Audit, &mut |rules_run| {
            state.rules_run = rules_run;
            progress(state);
        });
        // What needs the inventory is taken now; the objects and their indexes are then freed
        // before the findings are numbered and sorted, so a big dump's tree never lives beside the
        // sort's scratch.
        let mechanisms = crate::inventory::mechanisms::assess(&inv);
        let mut credentials = crate::inventory::credentials::collect(&inv, now);
        crate::inventory::usage::attach(&mut credentials, &inv.audit);
        let audit_summary = inv.audit.summary();
        let analysed = objects.len();
        drop(inv);
        drop(objects);
        let (mut findings, not_assessable) = out.into_parts();
        findings.retain(|f| suppression::in_scope(&f.object, &settings.namespaces, &settings.exclude_namespaces));
        findings.shrink_to_fit();
        let mut wanted: Vec<&str> = findings
            .iter()
            .filter(|f| !f.evidence.is_empty())
            .map(|f| &*f.source.path)
            .filter(|path| seen.contains_key(*path))
            .collect();
        wanted.sort_unstable();
        wanted.dedup();
        let again: Vec<(String, Cow<'b, [u8]>)> = wanted
            .into_iter()
            .filter_map(|name| {
                let bytes = bytes_again(name)?;
                seen.get(name).is_some_and(|s| s.same(&bytes)).then(|| (name.to_string(), bytes))
            })
            .collect();
        let inputs: Vec<InputFile<'_>> = again.iter().map(|(name, bytes)| InputFile { name, bytes }).collect();
        place_findings(&mut findings, &inputs);
        drop(inputs);
        drop(again);
        for finding in &mut findings {
            finding.id = crate::report::baseline::finding_id(finding);
        }
        let stale_suppressions = suppression::apply(&mut findings, &settings.suppressions, now.date());
        findings.sort_by(|a, b| {
            b.severity
                .cmp(&a.severity)
                .then_with(|| a.code.cmp(&b.code))
                .then_with(|| a.source.cmp(&b.source))
                .then_with(|| a.object.cmp(&b.object))
        });
        for finding in findings.iter_mut().filter(|_| !copies.is_empty()) {
            let o = &finding.object;
            if let Some(sources) =
                copies.get(&(o.kind.clone(), o.namespace.clone().unwrap_or_default(), o.name.clone()))
            {
                finding.also_in = sources.clone();
            }
        }
        let summary = summarize(&findings, analysed, &summaries);
        Report {
            tool: Tool { name: TOOL_NAME.to_string(), version: TOOL_VERSION.to_string() },
            evaluated_at: now.format(&Rfc3339).unwrap_or_default(),
            inputs: summaries,
            findings,
            not_assessable,
            mechanisms,
            credentials,
            audit: audit_summary,
            summary,
            stale_suppressions,
            fixed: Vec::new(),
            credential_changes: None,
            scope: None,
        }
    }
}

/// Point every finding at the field or flag its evidence names ([`input::locate`]): the first
/// evidence path found whole in the object's text (else the one found deepest), or the object's
/// own line when none is. [`analyze`] does it after the rules and for the findings only, one walk
/// per object and path: the parse records no field positions, so it stays as fast as it is.
/// Findings whose input is not among `inputs` (an audit log's) are left as they are.
pub fn place_findings(findings: &mut [Finding], inputs: &[InputFile<'_>]) {
    let bytes: HashMap<&str, &[u8]> = inputs.iter().map(|i| (i.name, i.bytes)).collect();
    let mut by_input: HashMap<std::sync::Arc<str>, Vec<usize>> = HashMap::new();
    for (i, f) in findings.iter().enumerate() {
        if !f.evidence.is_empty() && bytes.contains_key(&*f.source.path) {
            by_input.entry(std::sync::Arc::clone(&f.source.path)).or_default().push(i);
        }
    }
    for (path, mut indexes) in by_input {
        let Some(&input) = bytes.get(&*path) else { continue };
        let text = input::locate::text_of(input);
        let mut locator = input::locate::Locator::new(&text);
        // In line order, so the locator counts lines on from the last one, and each object's
        // findings in a row, so it walks the object's mappings once for all of them (a minified
        // dump is one line: by line alone, the rules' order would have it walk them again).
        let object_of = |i: &usize| findings.get(*i).map(|f| (f.source.object_line, &f.object));
        indexes.sort_by_key(object_of);
        let mut placed: Vec<(usize, usize)> = Vec::with_capacity(indexes.len());
        for of_one_object in indexes.chunk_by(|a, b| object_of(a) == object_of(b)) {
            // All of the object's paths first: its first walk then reads each part of its text once.
            let paths = of_one_object.iter().filter_map(|&i| findings.get(i)).flat_map(|f| &f.evidence);
            locator.expect(paths.map(|e| e.path.as_str()));
            for &i in of_one_object {
                let Some(f) = findings.get(i) else { continue };
                let object_line = f.source.object().line;
                let mut best: Option<input::locate::Found> = None;
                for e in &f.evidence {
                    let Some(found) = locator.field(object_line, &f.object, &e.path) else { continue };
                    if best.is_none_or(|b| (found.complete, found.depth) > (b.complete, b.depth)) {
                        best = Some(found);
                    }
                    if found.complete {
                        break;
                    }
                }
                if let Some(found) = best {
                    placed.push((found.offset, i));
                }
            }
        }
        // Lines and columns in the order of the text: one read of it (a minified dump is one line).
        placed.sort_unstable();
        for (offset, i) in placed {
            let at = locator.position(offset);
            if let Some(f) = findings.get_mut(i) {
                f.source.line = at.line;
                f.source.column = at.column;
            }
        }
    }
}

/// Where else each merged object was seen, by (kind, namespace, name).
type Copies = std::collections::BTreeMap<(String, String, String), Vec<Source>>;

/// The same object seen in several inputs (a cluster dumped as YAML and as JSON, or whole and per
/// namespace, a manifest in two files) is one object of the cluster, analysed once: the first copy
/// in input order is kept, and the sources of the others are returned so its findings can list
/// them. Copies are the same object when kind, namespace and name match and either their `uid`s
/// match or their contents are equal; copies that differ are kept (the inputs disagree, and each
/// is judged). Objects without a name (kubeconfigs, token files) are never merged, and a single
/// input is left as it is. The index holds one hash per object, not its strings, so a huge dump's
/// memory stays flat.
fn merge_copies(objects: Vec<Object>, inputs: usize) -> (Vec<Object>, Copies) {
    use std::hash::BuildHasher;
    let mut copies = Copies::new();
    if inputs < 2 {
        return (objects, copies);
    }
    let hasher = std::collections::hash_map::RandomState::new();
    let mut first: HashMap<u64, Vec<usize>> = HashMap::with_capacity(objects.len());
    let mut kept: Vec<Object> = Vec::with_capacity(objects.len());
    for object in objects {
        if object.name().is_empty() || object.kind().is_empty() {
            kept.push(object);
            continue;
        }
        let key = hasher.hash_one((object.kind(), object.namespace().unwrap_or(""), object.name()));
        let same = first.get(&key).and_then(|indexes| {
            indexes.iter().copied().find(|&i| kept.get(i).is_some_and(|k| same_object(k, &object)))
        });
        match same {
            Some(_) => copies
                .entry((
                    object.kind().to_string(),
                    object.namespace().unwrap_or("").to_string(),
                    object.name().to_string(),
                ))
                .or_default()
                .push(object.source.clone()),
            None => {
                first.entry(key).or_default().push(kept.len());
                kept.push(object);
            }
        }
    }
    (kept, copies)
}

/// Two copies of one object: the same kind, namespace and name, and the same `uid` or, where
/// either has none, the same content.
fn same_object(a: &Object, b: &Object) -> bool {
    fn uid(o: &Object) -> Option<&str> {
        o.at(&["metadata", "uid"]).and_then(Value::as_str).filter(|u| !u.is_empty())
    }
    a.kind() == b.kind()
        && a.namespace() == b.namespace()
        && a.name() == b.name()
        && match (uid(a), uid(b)) {
            (Some(x), Some(y)) => x == y,
            _ => a.value == b.value,
        }
}

/// Run those of `rules` that the settings enable and the scope takes over an inventory, applying
/// overrides and, in audits, the objects' opt-out annotations.
fn run(
    inv: &Inventory<'_>,
    rules: &[&dyn Rule],
    settings: &Settings,
    now: Option<OffsetDateTime>,
    mode: Scope,
    on_rule: &mut dyn FnMut(usize),
) -> Findings {
    let cx = Context { inv, settings, now, mode };
    let mut out = Findings::default();
    let enabled = rules.iter().filter(|r| settings.enables(r.meta()));
    for (done, rule) in enabled.filter(|r| mode == Scope::Audit || r.meta().admits()).enumerate() {
        rule.check(&cx, &mut out);
        out.rule_done();
        on_rule(done + 1);
    }
    if mode == Scope::Audit {
        for finding in out.all_mut() {
            finding.suppression = suppressed_by_annotation(inv, finding).map(Box::new);
        }
    }
    for finding in out.all_mut() {
        finding.severity = settings.severity_for(&finding.code, finding.severity);
    }
    out
}

/// The acceptance the finding's object writes on itself: its own annotation, or its pod
/// template's (a Deployment's `spec.template`, a CronJob's `spec.jobTemplate.spec.template`), so
/// the annotation a workload's author puts on the pods also covers the workload.
fn suppressed_by_annotation(inv: &Inventory<'_>, finding: &Finding) -> Option<crate::report::Suppression> {
    let o = &finding.object;
    let object = inv.get(&o.kind, o.namespace.as_deref().unwrap_or(""), &o.name)?;
    let template =
        |path: &[&str]| object.at(path).and_then(|a| a.get(IGNORE_ANNOTATION)).and_then(crate::value::Value::as_str);
    [
        object.annotation(IGNORE_ANNOTATION),
        template(&["spec", "template", "metadata", "annotations"]),
        template(&["spec", "jobTemplate", "spec", "template", "metadata", "annotations"]),
    ]
    .into_iter()
    .flatten()
    .find_map(|value| suppression::from_annotation(value, finding))
}

fn summarize(findings: &[Finding], objects: usize, inputs: &[InputSummary]) -> Summary {
    let mut summary = Summary {
        findings: findings.iter().filter(|f| f.counts()).count(),
        objects,
        diagnostics: inputs.iter().map(|i| i.diagnostics.len()).sum(),
        ..Summary::default()
    };
    for severity in Severity::ALL {
        summary.by_severity.insert(severity, 0);
    }
    for finding in findings {
        if finding.is_suppressed() {
            summary.suppressed += 1;
            continue;
        }
        *summary.by_severity.entry(finding.severity).or_default() += 1;
        *summary.by_mechanism.entry(finding.mechanism).or_default() += 1;
    }
    summary
}

/// The verdict on one admission request.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AdmitDecision {
    /// Whether the request may proceed.
    pub allowed: bool,
    /// For a rejection: the worst findings' messages, each prefixed by its code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Every admit finding (rejecting or not).
    pub findings: Vec<Finding>,
    /// Findings below the rejection threshold, as `CODE: message` warnings.
    pub warnings: Vec<String>,
    /// The threshold it was decided with ([`AdmitSettings::reject_at`]).
    #[serde(skip)]
    pub reject_at: Severity,
}

impl AdmitDecision {
    /// The findings that reject the request: at or above the threshold. Every adapter (the
    /// message here, Kubewarden's and OPA's annotations and violations) splits through this and
    /// [`AdmitDecision::warning`], so they cannot disagree.
    pub fn rejecting(&self) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(|f| f.severity >= self.reject_at)
    }

    /// The findings below the threshold: warnings only.
    pub fn warning(&self) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(|f| f.severity < self.reject_at)
    }
}

/// Admission settings beyond the shared [`Settings`].
#[derive(Debug, Clone, PartialEq, serde::Deserialize, Serialize)]
#[serde(rename_all = "camelCase", default)]
pub struct AdmitSettings {
    /// Namespaces whose objects are always accepted.
    pub exempt_namespaces: Vec<String>,
    /// Users whose requests are always accepted.
    pub exempt_users: Vec<String>,
    /// Groups whose members' requests are always accepted.
    pub exempt_groups: Vec<String>,
    /// Findings at or above this severity reject; below it they are warnings.
    pub reject_at: Severity,
}

impl Default for AdmitSettings {
    fn default() -> Self {
        Self {
            exempt_namespaces: Vec::new(),
            exempt_users: Vec::new(),
            exempt_groups: Vec::new(),
            reject_at: Severity::Medium,
        }
    }
}

/// Why an admission request could not be decided. The caller must fail closed (reject).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum AdmitError {
    /// The request carries no object to judge.
    #[error("admission request has no `object`")]
    NoObject,
}

/// Decide one AdmissionRequest (the `.request` of an AdmissionReview) with the admit-scope rules.
///
/// Deletions and exempt requests are allowed. A request without an `object` is an error: the
/// caller must fail closed.
pub fn admit(request: &Value, settings: &Settings, admit: &AdmitSettings) -> Result<AdmitDecision, AdmitError> {
    admit_object(request, || request.get("object").cloned(), settings, admit)
}

/// [`admit`] for a caller that owns the request: its object is moved into the decision's
/// inventory instead of copied (an adapter that has just parsed the request has no other use
/// for it).
pub fn admit_owned(
    mut request: Value,
    settings: &Settings,
    admit: &AdmitSettings,
) -> Result<AdmitDecision, AdmitError> {
    let object = request.as_object_mut().and_then(|r| r.remove("object"));
    admit_object(&request, || object, settings, admit)
}

/// Decide `request` about `object` (taken only once the request is known to need a decision).
fn admit_object(
    request: &Value,
    object: impl FnOnce() -> Option<Value>,
    settings: &Settings,
    admit: &AdmitSettings,
) -> Result<AdmitDecision, AdmitError> {
    let allow = || AdmitDecision {
        allowed: true,
        message: None,
        findings: Vec::new(),
        warnings: Vec::new(),
        reject_at: admit.reject_at,
    };
    if request.get("operation").and_then(Value::as_str) == Some("DELETE") {
        return Ok(allow());
    }
    let object = match object() {
        Some(object @ Value::Object(_)) => object,
        _ => return Err(AdmitError::NoObject),
    };
    // Exemptions are decided on what the API server says of the request (its namespace, the
    // requester's identity), never on what the requester wrote into the object.
    let namespace = request.get("namespace").and_then(Value::as_str).unwrap_or("").to_string();
    let user = request.pointer("/userInfo/username").and_then(Value::as_str).unwrap_or("");
    let groups: Vec<&str> = request
        .pointer("/userInfo/groups")
        .and_then(Value::as_array)
        .map(|g| g.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    if (!namespace.is_empty() && admit.exempt_namespaces.contains(&namespace))
        || admit.exempt_users.iter().any(|u| u == user)
        || admit.exempt_groups.iter().any(|g| groups.contains(&g.as_str()))
    {
        return Ok(allow());
    }
    let mut object = object;
    // The object of a CREATE may lack its namespace, and the requester writes the object: the
    // namespace the request is made in is the one the rules and allow-lists see.
    if !namespace.is_empty()
        && let Some(meta) = object.get_mut("metadata").and_then(Value::as_object_mut)
    {
        meta.insert("namespace", Value::from(namespace.as_str()));
    }
    let objects = [Object::new(object, Source { path: "request.object".into(), line: 1 }, Origin::AdmissionRequest)];
    let inv = Inventory::for_admission(&objects);
    let (mut findings, _) = run(&inv, registry::ADMIT, settings, settings.now, Scope::Admit, &mut |_| {}).into_parts();
    findings.sort_by(|a, b| b.severity.cmp(&a.severity).then_with(|| a.code.cmp(&b.code)));
    let mut decision = AdmitDecision { findings, ..allow() };
    let line = |f: &Finding| format!("{}: {}", f.code, f.message);
    let rejecting: Vec<String> = decision.rejecting().map(line).collect();
    decision.warnings = decision.warning().map(line).collect();
    decision.allowed = rejecting.is_empty();
    decision.message = (!rejecting.is_empty()).then(|| rejecting.join("; "));
    Ok(decision)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::x509::tests::{MALLORY_CSR_PEM, b64};
    use serde_json::{Value, json};

    /// A legacy token Secret and a CSR for `system:masters` with no expiry, each exempting itself
    /// from the rules that catch it.
    fn self_exempt_objects() -> [Value; 2] {
        [
            json!({"apiVersion": "v1", "kind": "Secret", "type": "kubernetes.io/service-account-token",
                "metadata": {"name": "ci-deployer-token", "namespace": "ci", "annotations": {
                    "kubernetes.io/service-account.name": "ci-deployer", IGNORE_ANNOTATION: "SA001"}}}),
            json!({"apiVersion": "certificates.k8s.io/v1", "kind": "CertificateSigningRequest",
                "metadata": {"name": "mallory-admin", "annotations": {IGNORE_ANNOTATION: "CC001, CC003,CC004"}},
                "spec": {"request": b64(MALLORY_CSR_PEM), "signerName": "kubernetes.io/kube-apiserver-client",
                    "usages": ["client auth"]}}),
        ]
    }

    fn denied_codes(object: &Value, settings: &Settings, admit: &AdmitSettings) -> Option<Vec<String>> {
        let request = json!({"operation": "CREATE", "namespace": object.pointer("/metadata/namespace"),
            "userInfo": {"username": "mallory", "groups": ["developers"]}, "object": object});
        let decision = super::admit(&request.into(), settings, admit).ok()?;
        let denied = decision.findings.iter().filter(|f| f.severity >= admit.reject_at).map(|f| f.code.to_string());
        Some(denied.collect::<Vec<_>>()).filter(|codes| decision.allowed == codes.is_empty())
    }

    #[test]
    fn an_owned_request_is_decided_as_a_borrowed_one() {
        let [token, csr] = self_exempt_objects();
        let pod = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": {"containers": []}});
        let (settings, admit) = (Settings::default(), AdmitSettings::default());
        let mut requests: Vec<Value> = [token, csr, pod]
            .into_iter()
            .map(|o| json!({"operation": "CREATE", "namespace": "ci", "userInfo": {"username": "u"}, "object": o}))
            .collect();
        requests.push(json!({"operation": "DELETE", "namespace": "ci"}));
        requests.push(json!({"operation": "CREATE", "namespace": "ci"}));
        let mut rejected = 0;
        for request in requests {
            let request = crate::value::Value::from(request);
            let borrowed = super::admit(&request, &settings, &admit);
            rejected += usize::from(borrowed.as_ref().is_ok_and(|d| !d.allowed));
            assert_eq!(super::admit_owned(request.clone(), &settings, &admit), borrowed, "{request:?}");
        }
        assert_eq!(rejected, 2, "the token Secret and the CSR are rejected");
    }

    #[test]
    fn admission_ignores_the_objects_own_opt_out_annotation() {
        let [secret, csr] = self_exempt_objects();
        let (settings, admit) = (Settings::default(), AdmitSettings::default());
        assert_eq!(denied_codes(&secret, &settings, &admit), Some(vec!["SA001".to_string()]));
        assert_eq!(denied_codes(&csr, &settings, &admit), Some(vec!["CC001".to_string(), "CC003".to_string()]));
    }

    #[test]
    fn audits_still_honour_the_opt_out_annotation() {
        let texts = self_exempt_objects().map(|o| o.to_string());
        let inputs = texts.each_ref().map(|t| InputFile { name: "dump.json", bytes: t.as_bytes() });
        let report = analyze(&inputs, &Settings { select: vec!["SA001".into(), "CC".into()], ..Settings::default() });
        assert_eq!(report.summary.objects, 2);
        // Suppressed, not dropped: listed with their in-source suppression, not counted.
        let mut codes: Vec<&str> = report.findings.iter().map(|f| f.code.as_str()).collect();
        codes.sort_unstable();
        assert_eq!(codes, ["CC001", "CC003", "SA001"]);
        assert!(report.findings.iter().all(|f| f.is_suppressed()));
        assert!(
            report
                .findings
                .iter()
                .all(|f| f.suppression.as_ref().is_some_and(|s| s.kind == crate::report::SuppressionKind::InSource))
        );
        assert_eq!((report.summary.findings, report.summary.suppressed), (0, 3));
        // Without the annotations the same objects are reported: the annotation is what hid them.
        let bare = self_exempt_objects().map(|mut o| {
            if let Some(annotations) = o.pointer_mut("/metadata/annotations").and_then(Value::as_object_mut) {
                annotations.remove(IGNORE_ANNOTATION);
            }
            o.to_string()
        });
        let inputs = bare.each_ref().map(|t| InputFile { name: "dump.json", bytes: t.as_bytes() });
        let report = analyze(&inputs, &Settings { select: vec!["SA001".into(), "CC".into()], ..Settings::default() });
        let mut codes: Vec<&str> = report.findings.iter().map(|f| f.code.as_str()).collect();
        codes.sort_unstable();
        assert_eq!(codes, ["CC001", "CC003", "SA001"]);
    }

    #[test]
    fn a_pod_template_annotation_covers_its_workload() {
        let deployment = json!({"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "web", "namespace": "shop"},
            "spec": {"template": {"metadata": {"annotations": {IGNORE_ANNOTATION: "TR: reviewed by platform"}},
                "spec": {"automountServiceAccountToken": true, "containers": [{"name": "c", "image": "x"}]}}}});
        let text = deployment.to_string();
        let with = analyze(&[InputFile { name: "d.json", bytes: text.as_bytes() }], &Settings::default());
        let bare_text = text.replace(IGNORE_ANNOTATION, "other");
        let bare = analyze(&[InputFile { name: "d.json", bytes: bare_text.as_bytes() }], &Settings::default());
        let tr = |r: &Report| r.findings.iter().filter(|f| f.code.starts_with("TR")).cloned().collect::<Vec<_>>();
        assert!(!tr(&bare).is_empty(), "the workload has a TR finding to accept");
        assert!(tr(&bare).iter().all(|f| f.counts()));
        assert_eq!(tr(&with).len(), tr(&bare).len(), "kept, not dropped");
        for f in tr(&with) {
            assert_eq!(f.suppression.map(|s| s.justification), Some("reviewed by platform".to_string()));
        }
    }

    #[test]
    fn copies_merge_only_when_they_are_the_same_object() {
        let secret = |uid: &str, sa: &str| {
            json!({"apiVersion": "v1", "kind": "Secret", "type": "kubernetes.io/service-account-token",
                "metadata": {"name": "t", "namespace": "ci", "uid": uid,
                    "annotations": {"kubernetes.io/service-account.name": sa}}})
            .to_string()
        };
        let count = |texts: &[String]| {
            let names = ["a.json", "b.json", "c.json"];
            let inputs: Vec<InputFile<'_>> =
                texts.iter().zip(names).map(|(t, name)| InputFile { name, bytes: t.as_bytes() }).collect();
            let report = analyze(&inputs, &Settings { select: vec!["SA001".into()], ..Settings::default() });
            (report.summary.objects, report.findings.len(), report.findings.first().map(|f| f.also_in.len()))
        };
        assert_eq!(count(&[secret("1", "x"), secret("1", "x"), secret("1", "x")]), (1, 1, Some(2)));
        assert_eq!(count(&[secret("1", "x"), secret("2", "x")]), (2, 2, Some(0)), "another uid: another object");
        assert_eq!(count(&[secret("", "x"), secret("", "y")]).0, 2, "without uids, only equal contents merge");
        assert_eq!(count(&[secret("", "x"), secret("", "x")]).0, 1);
    }

    #[test]
    fn ids_survive_reordering_and_reformatting() {
        let [secret, csr] = self_exempt_objects();
        let (a, b) = (secret.to_string(), csr.to_string());
        let pretty = serde_json::to_string_pretty(&secret).unwrap_or_default();
        let one = analyze(
            &[InputFile { name: "x.json", bytes: a.as_bytes() }, InputFile { name: "y.json", bytes: b.as_bytes() }],
            &Settings::default(),
        );
        let two = analyze(
            &[
                InputFile { name: "x.json", bytes: b.as_bytes() },
                InputFile { name: "y.json", bytes: pretty.as_bytes() },
            ],
            &Settings::default(),
        );
        let ids = |r: &Report| {
            let mut ids: Vec<String> = r.findings.iter().map(|f| f.id.clone()).collect();
            ids.sort();
            ids
        };
        assert!(!ids(&one).is_empty() && ids(&one).iter().all(|id| id.len() == 32));
        assert_eq!(ids(&one), ids(&two));
    }

    #[test]
    fn the_policy_owner_exempts_through_the_settings() {
        let [secret, csr] = self_exempt_objects();
        let admit = AdmitSettings::default();
        // Per code.
        let off = Settings { ignore: vec!["SA001".into(), "CC".into()], ..Settings::default() };
        assert_eq!(denied_codes(&secret, &off, &admit), Some(vec![]));
        assert_eq!(denied_codes(&csr, &off, &admit), Some(vec![]));
        // Per object: the legacy-token allow-list.
        let listed = Settings { allowed_legacy_tokens: vec!["ci/ci-deployer-token".into()], ..Settings::default() };
        assert_eq!(denied_codes(&secret, &listed, &admit), Some(vec![]));
        // A rejection turned into a warning.
        let low = Settings { severity_overrides: [("SA001".into(), Severity::Low)].into(), ..Settings::default() };
        assert_eq!(denied_codes(&secret, &low, &admit), Some(vec![]));
        // Per namespace, user or group.
        let settings = Settings::default();
        let by_namespace = AdmitSettings { exempt_namespaces: vec!["ci".into()], ..AdmitSettings::default() };
        assert_eq!(denied_codes(&secret, &settings, &by_namespace), Some(vec![]));
        let by_user = AdmitSettings { exempt_users: vec!["mallory".into()], ..AdmitSettings::default() };
        assert_eq!(denied_codes(&csr, &settings, &by_user), Some(vec![]));
        let by_group = AdmitSettings { exempt_groups: vec!["developers".into()], ..AdmitSettings::default() };
        assert_eq!(denied_codes(&csr, &settings, &by_group), Some(vec![]));
    }

    #[test]
    fn the_requests_namespace_wins_over_the_objects() {
        let [secret, _] = self_exempt_objects();
        let request = json!({"operation": "CREATE", "namespace": "dev", "object": secret});
        let listed = Settings { allowed_legacy_tokens: vec!["ci/ci-deployer-token".into()], ..Settings::default() };
        let decision = super::admit(&request.into(), &listed, &AdmitSettings::default()).ok();
        assert_eq!(decision.as_ref().map(|d| d.allowed), Some(false), "{decision:?}");
        let object = decision.and_then(|d| d.findings.into_iter().next()).map(|f| f.object);
        assert_eq!(object.and_then(|o| o.namespace.clone()), Some("dev".to_string()));
    }

    #[test]
    fn a_namespace_written_only_in_the_object_exempts_nothing() {
        let [mut secret, _] = self_exempt_objects();
        if let Some(meta) = secret.get_mut("metadata").and_then(Value::as_object_mut) {
            meta.insert("namespace".into(), json!("kube-system"));
        }
        let request = json!({"operation": "CREATE", "object": secret});
        let owner = AdmitSettings { exempt_namespaces: vec!["kube-system".into()], ..AdmitSettings::default() };
        let decision = super::admit(&request.into(), &Settings::default(), &owner).ok();
        assert_eq!(decision.map(|d| d.allowed), Some(false));
    }

    /// (code, object line, line, column) of each finding of ST001 on an API server whose
    /// `--token-auth-file` is on line 12, loaded from `TOKEN_AUTH_FILE` and placed with the
    /// bytes `again` gives.
    fn placed_with(again: Option<&[u8]>) -> Vec<(String, u32, u32, u32)> {
        let settings = Settings { select: vec!["ST001".into()], ..Settings::default() };
        let input = InputFile { name: "apiserver.yaml", bytes: TOKEN_AUTH_FILE.as_bytes() };
        let loaded = Analysis::load(&[input], &[], AuditLog::default(), &settings, &mut |_| {});
        let mut asked = Vec::new();
        let report = loaded.finish(
            &mut |name| {
                asked.push(name.to_string());
                again.map(Cow::Borrowed)
            },
            &mut |_| {},
        );
        assert_eq!(asked, ["apiserver.yaml"], "asked once, for the input with findings");
        report
            .findings
            .iter()
            .map(|f| (f.code.to_string(), f.source.object_line, f.source.line, f.source.column))
            .collect()
    }

    const TOKEN_AUTH_FILE: &str = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: kube-apiserver-cp1\n  namespace: kube-system\n  labels: {component: kube-apiserver,      tier: control-plane}\nspec:\n  containers:\n  - name: kube-apiserver\n    command:\n    - kube-apiserver\n    - --token-auth-file=/etc/kubernetes/tokens.csv\n";

    #[test]
    fn findings_are_placed_with_the_bytes_given_again_as_with_bytes_held() {
        let held = analyze(
            &[InputFile { name: "apiserver.yaml", bytes: TOKEN_AUTH_FILE.as_bytes() }],
            &Settings { select: vec!["ST001".into()], ..Settings::default() },
        );
        let held: Vec<_> = held
            .findings
            .iter()
            .map(|f| (f.code.to_string(), f.source.object_line, f.source.line, f.source.column))
            .collect();
        assert_eq!(held, [("ST001".to_string(), 1, 12, 7)]);
        let copy = TOKEN_AUTH_FILE.as_bytes().to_vec();
        assert_eq!(placed_with(Some(&copy)), held);
    }

    #[test]
    fn bytes_that_changed_since_loading_leave_findings_on_their_objects_line() {
        let on_object_line = [("ST001".to_string(), 1, 1, 0)];
        // Same length, the labels written as a block: the flag is two lines down, and only the
        // checksum tells.
        let same_length = TOKEN_AUTH_FILE.replace(
            "  labels: {component: kube-apiserver,      tier: control-plane}\n",
            "  labels:\n    component: kube-apiserver\n    tier: control-plane\n",
        );
        assert_eq!(same_length.len(), TOKEN_AUTH_FILE.len());
        // A line added above the flag: placed with these bytes, the finding would point at `--v=2`.
        let moved = TOKEN_AUTH_FILE.replace("    - kube-apiserver\n", "    - kube-apiserver\n    - --v=2\n");
        assert_ne!(same_length, TOKEN_AUTH_FILE);
        let cut = TOKEN_AUTH_FILE.get(..TOKEN_AUTH_FILE.len() - 20).unwrap_or_default();
        for changed in [Some(same_length.as_bytes()), Some(moved.as_bytes()), Some(cut.as_bytes()), Some(b""), None] {
            assert_eq!(placed_with(changed), on_object_line, "{:?}", changed.map(String::from_utf8_lossy));
        }
    }

    #[test]
    fn progress_counts_files_objects_and_rules_in_order() {
        let first = b"apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: a, namespace: x}\n---\napiVersion: v1\nkind: ServiceAccount\nmetadata: {name: b, namespace: x}\n";
        let second = br#"{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "x"}}"#;
        let inputs = [InputFile { name: "a.yaml", bytes: first }, InputFile { name: "b.json", bytes: second }];
        let settings = Settings { select: vec!["SA".into(), "TR".into()], ..Settings::default() };
        let mut seen = Vec::new();
        let report = analyze_with_progress(&inputs, &settings, &mut |p| seen.push(p));
        let rules = registry::ALL.iter().filter(|r| settings.enables(r.meta())).count();
        assert!(rules > 2);
        assert_eq!(seen.len(), 2 + rules, "one report per file and per rule");
        let after_files: Vec<_> = seen.iter().take(2).map(|p| (p.files_read, p.objects, p.bytes_read)).collect();
        assert_eq!(after_files, [(1, 2, first.len() as u64), (2, 3, (first.len() + second.len()) as u64)]);
        let rules_run: Vec<_> = seen.iter().skip(2).map(|p| p.rules_run).collect();
        assert_eq!(rules_run, (1..=rules).collect::<Vec<_>>());
        assert!(seen.iter().all(|p| p.files == 2 && p.rules == rules));
        assert_eq!(report.summary.objects, 3);
    }
}
