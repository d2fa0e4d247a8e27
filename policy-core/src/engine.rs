//! Running the rules: a whole dump ([`analyze`]) or one admission request ([`admit`]).

use crate::input::{self, InputFile, Object, Origin};
use crate::inventory::Inventory;
use crate::registry;
use crate::report::{Finding, Report, Source, Summary, Tool};
use crate::rule::{Context, Findings, Scope};
use crate::settings::Settings;
use crate::{Severity, TOOL_NAME, TOOL_VERSION};
use serde::Serialize;
use serde_json::Value;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// Per-object opt-out: `authn-audit.dev/ignore: "SA001,TR004"` on the object's annotations.
pub const IGNORE_ANNOTATION: &str = "authn-audit.dev/ignore";

/// Analyse whole dumps: load, index, run every enabled rule, build the report.
///
/// `settings.now` is the evaluation instant; without it the Unix epoch is used, so callers
/// with a clock (the CLI, the viewer) should always set it.
pub fn analyze(inputs: &[InputFile<'_>], settings: &Settings) -> Report {
    let loaded = input::load(inputs, &settings.limits);
    let mut summaries = loaded.inputs;
    let inv = Inventory::new(&loaded.objects);
    for diagnostic in &inv.diagnostics {
        if let Some(summary) = summaries.iter_mut().find(|s| s.path == diagnostic.source.path) {
            summary.diagnostics.push(diagnostic.clone());
        }
    }
    let now = settings.now.unwrap_or(OffsetDateTime::UNIX_EPOCH);
    let out = run(&inv, settings, Some(now), Scope::Audit);
    let mut findings = out.found;
    findings.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then_with(|| a.code.cmp(&b.code))
            .then_with(|| a.source.cmp(&b.source))
            .then_with(|| a.object.cmp(&b.object))
    });
    let summary = summarize(&findings, loaded.objects.len(), &summaries);
    Report {
        tool: Tool { name: TOOL_NAME.to_string(), version: TOOL_VERSION.to_string() },
        evaluated_at: now.format(&Rfc3339).unwrap_or_default(),
        inputs: summaries,
        findings,
        not_assessable: out.not_assessable,
        mechanisms: crate::inventory::mechanisms::assess(&inv),
        credentials: crate::inventory::credentials::collect(&inv, now),
        summary,
    }
}

/// Run the enabled rules of a scope over an inventory, applying overrides and opt-outs.
fn run(inv: &Inventory<'_>, settings: &Settings, now: Option<OffsetDateTime>, mode: Scope) -> Findings {
    let cx = Context { inv, settings, now, mode };
    let mut out = Findings::default();
    for rule in registry::ALL {
        let meta = rule.meta();
        if settings.enables(meta) && (mode == Scope::Audit || meta.admits()) {
            rule.check(&cx, &mut out);
        }
    }
    out.found.retain(|f| !ignored_by_annotation(inv, f));
    for finding in &mut out.found {
        finding.severity = settings.severity_for(&finding.code, finding.severity);
    }
    out
}

fn ignored_by_annotation(inv: &Inventory<'_>, finding: &Finding) -> bool {
    let o = &finding.object;
    inv.get(&o.kind, o.namespace.as_deref().unwrap_or(""), &o.name)
        .and_then(|obj| obj.annotation(IGNORE_ANNOTATION))
        .is_some_and(|codes| codes.split(',').any(|c| c.trim() == finding.code))
}

fn summarize(findings: &[Finding], objects: usize, inputs: &[crate::report::InputSummary]) -> Summary {
    let mut summary = Summary {
        findings: findings.len(),
        objects,
        diagnostics: inputs.iter().map(|i| i.diagnostics.len()).sum(),
        ..Summary::default()
    };
    for severity in Severity::ALL {
        summary.by_severity.insert(severity, 0);
    }
    for finding in findings {
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

/// Decide one AdmissionRequest (the `.request` of an AdmissionReview) with the admit-scope rules.
///
/// Deletions and exempt requests are allowed. A request without an `object` is an error: the
/// caller must fail closed.
pub fn admit(request: &Value, settings: &Settings, admit: &AdmitSettings) -> Result<AdmitDecision, String> {
    let allow = || AdmitDecision { allowed: true, message: None, findings: Vec::new(), warnings: Vec::new() };
    if request.get("operation").and_then(Value::as_str) == Some("DELETE") {
        return Ok(allow());
    }
    let object = match request.get("object") {
        Some(object @ Value::Object(_)) => object.clone(),
        _ => return Err("admission request has no `object`".to_string()),
    };
    let namespace = request
        .get("namespace")
        .and_then(Value::as_str)
        .or_else(|| object.pointer("/metadata/namespace").and_then(Value::as_str))
        .unwrap_or("")
        .to_string();
    let user = request.pointer("/userInfo/username").and_then(Value::as_str).unwrap_or("");
    let groups: Vec<&str> = request
        .pointer("/userInfo/groups")
        .and_then(Value::as_array)
        .map(|g| g.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    if admit.exempt_namespaces.contains(&namespace)
        || admit.exempt_users.iter().any(|u| u == user)
        || admit.exempt_groups.iter().any(|g| groups.contains(&g.as_str()))
    {
        return Ok(allow());
    }
    let mut object = object;
    // The object of a CREATE may lack its namespace: the request carries it.
    if !namespace.is_empty()
        && let Some(meta) = object.get_mut("metadata").and_then(Value::as_object_mut)
    {
        meta.entry("namespace").or_insert_with(|| Value::String(namespace.clone()));
    }
    let objects =
        [Object::new(object, Source { path: "request.object".to_string(), line: 1 }, Origin::AdmissionRequest)];
    let inv = Inventory::new(&objects);
    let mut findings = run(&inv, settings, settings.now, Scope::Admit).found;
    findings.sort_by(|a, b| b.severity.cmp(&a.severity).then_with(|| a.code.cmp(&b.code)));
    let (rejecting, warning): (Vec<&Finding>, Vec<&Finding>) =
        findings.iter().partition(|f| f.severity >= admit.reject_at);
    let message = (!rejecting.is_empty())
        .then(|| rejecting.iter().map(|f| format!("{}: {}", f.code, f.message)).collect::<Vec<_>>().join("; "));
    let warnings = warning.iter().map(|f| format!("{}: {}", f.code, f.message)).collect();
    Ok(AdmitDecision { allowed: rejecting.is_empty(), message, findings, warnings })
}
