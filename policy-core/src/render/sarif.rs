//! SARIF 2.1.0: the rule catalogue as `tool.driver.rules`, findings as results, input
//! diagnostics and not-assessable rules as tool notifications.

use super::Links;
use crate::data::diagnostic::DiagnosticCode;
use crate::data::input_summary::{InputStatus, InputSummary};
use crate::data::object_ref::ObjectRef;
use crate::data::rule_meta::{RuleMeta, RuleStatus};
use crate::data::severity::Severity;
use crate::data::source::{Location, Source};
use crate::registry;
use crate::report::Finding;
use crate::report::Report;
use crate::report::{BaselineState, Suppression, SuppressionKind};
use serde_json::{Map, Value, json};

const SCHEMA_URI: &str = "https://json.schemastore.org/sarif-2.1.0.json";
/// Key of our entry in `partialFingerprints`; bump the version if the recipe changes.
const FINGERPRINT_KEY: &str = "authnAuditFinding/v1";

/// The report as a SARIF 2.1.0 log with one run, pretty-printed and newline-terminated.
pub fn sarif(report: &Report) -> String {
    sarif_with(report, Links::default())
}

/// [`sarif`]; with hosted docs (`links.docs_base`), rules and the tool also carry their URLs.
pub fn sarif_with(report: &Report, links: Links<'_>) -> String {
    // The stable catalogue, plus the preview rules this report speaks of: a preview rule that
    // was not opted into leaves the log (and every `ruleIndex`) as it would be without it.
    let mentioned = |code: &str| {
        report.findings.iter().any(|f| f.code == code) || report.not_assessable.iter().any(|n| n.code == code)
    };
    let catalogue: Vec<&RuleMeta> = registry::ALL
        .iter()
        .map(|rule| rule.meta())
        .filter(|meta| matches!(meta.status, RuleStatus::Stable(_)) || mentioned(meta.code))
        .collect();
    let rule_index = |code: &str| catalogue.iter().position(|meta| meta.code == code);
    let artifact_index = |path: &str| report.inputs.iter().position(|i| i.path == path);

    let rules: Vec<Value> = catalogue.iter().map(|meta| rule_descriptor(meta)).collect();
    let artifacts: Vec<Value> = report
        .inputs
        .iter()
        .map(|input| {
            // SARIF's -1 is "length unknown": nothing of an unreadable input was seen.
            let length =
                if input.status == InputStatus::Unreadable { -1 } else { i64::try_from(input.bytes).unwrap_or(-1) };
            json!({
                "location": { "uri": uri(&input.path) },
                "length": length,
                "properties": { "status": input.status },
            })
        })
        .collect();

    let results: Vec<Value> = report
        .findings
        .iter()
        .map(|finding| {
            let mut result = json!({
                "ruleId": finding.code,
                "level": level(finding.severity),
                "message": { "text": finding.message },
                "locations": [location(&finding.source, artifact_index(&finding.source.path), Some(&finding.object))],
                "partialFingerprints": { FINGERPRINT_KEY: fingerprint(finding) },
                "properties": {
                    "severity": finding.severity,
                    "mechanism": finding.mechanism,
                    "object": finding.object,
                    "evidence": finding.evidence,
                    "remediation": finding.remediation,
                    "related": finding.related,
                },
            });
            if let Some(map) = result.as_object_mut() {
                if let Some(index) = rule_index(&finding.code) {
                    map.insert("ruleIndex".to_string(), json!(index));
                }
                if let Some(properties) = map.get_mut("properties").and_then(Value::as_object_mut) {
                    if !finding.also_in.is_empty() {
                        properties.insert("alsoIn".to_string(), json!(finding.also_in));
                    }
                    if let Some(fix) = &finding.fix {
                        properties.insert("fix".to_string(), json!(fix));
                    }
                }
                if let Some(suppression) = &finding.suppression {
                    map.insert("suppressions".to_string(), json!([suppression_object(suppression)]));
                }
                if let Some(state) = finding.baseline {
                    let state = match state {
                        BaselineState::New => "new",
                        BaselineState::Unchanged => "unchanged",
                    };
                    map.insert("baselineState".to_string(), json!(state));
                }
            }
            result
        })
        .collect();

    let mut notifications: Vec<Value> = report
        .inputs
        .iter()
        .flat_map(|input| &input.diagnostics)
        .map(|d| {
            json!({
                "level": match d.level {
                    crate::data::diagnostic::Level::Error => "error",
                    crate::data::diagnostic::Level::Warning => "warning",
                },
                "message": { "text": d.message },
                "descriptor": { "id": d.code },
                "locations": [location(&d.source.clone().into(), artifact_index(&d.source.path), None)],
            })
        })
        .collect();
    // The loader gives an input without objects an error diagnostic; a caller's own summary may
    // hold none: say it anyway, so an input with nothing analysed is never silent.
    let unexplained = |i: &&InputSummary| i.status == InputStatus::NoObjects && !i.has_errors();
    notifications.extend(report.inputs.iter().filter(unexplained).map(|input| {
        json!({
            "level": "error",
            "message": { "text": crate::data::input_summary::NO_OBJECTS },
            "descriptor": { "id": DiagnosticCode::NoObjects },
            "locations": [location(&Source { path: input.path.as_str().into(), line: 0 }.into(), artifact_index(&input.path), None)],
        })
    }));
    notifications.extend(report.stale_suppressions.iter().map(|stale| {
        json!({
            "level": "warning",
            "message": { "text": super::stale_message(stale) },
            "descriptor": { "id": DiagnosticCode::StaleSuppression },
        })
    }));
    notifications.extend(report.not_assessable.iter().map(|na| {
        let mut text = format!("{} {} not assessable: {}", na.code, na.slug, na.reason);
        if !na.add.is_empty() {
            text.push_str("; add ");
            text.push_str(&na.add.join("; "));
        }
        let mut rule = Map::new();
        rule.insert("id".to_string(), json!(na.code));
        if let Some(index) = rule_index(&na.code) {
            rule.insert("index".to_string(), json!(index));
        }
        json!({ "level": "note", "message": { "text": text }, "associatedRule": rule })
    }));

    let log = json!({
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": report.tool.name,
                    "version": report.tool.version,
                    "semanticVersion": report.tool.version,
                    "rules": rules,
                }
            },
            "invocations": [{
                // False when an input was skipped, unreadable, cut short or held no object:
                // the run could not analyse everything it was given.
                "executionSuccessful": report.is_complete(),
                "toolExecutionNotifications": notifications,
            }],
            // Columns count characters, as in the JSON report.
            "columnKind": "unicodeCodePoints",
            "artifacts": artifacts,
            "results": results,
            "properties": {
                "evaluatedAt": report.evaluated_at,
                "summary": report.summary,
            },
        }]
    });
    // The audit logs' window and counts (identities stay in the JSON report: SARIF is for results).
    let mut log = log;
    if let Some(properties) = log.pointer_mut("/runs/0/properties").and_then(Value::as_object_mut) {
        if let Some(scope) = &report.scope {
            properties.insert("scope".to_string(), json!(scope));
        }
        if let Some(changes) = &report.credential_changes {
            properties.insert("credentialChanges".to_string(), json!(changes));
        }
    }
    if let (Some(audit), Some(properties)) =
        (&report.audit, log.pointer_mut("/runs/0/properties").and_then(Value::as_object_mut))
    {
        properties.insert(
            "auditLog".to_string(),
            json!({ "files": audit.files, "requests": audit.requests, "from": audit.from, "to": audit.to,
                    "identities": audit.identities.len() }),
        );
    }
    if let Some(base) = links.docs_base
        && let Some(driver) = log.pointer_mut("/runs/0/tool/driver").and_then(Value::as_object_mut)
    {
        driver.insert("informationUri".to_string(), json!(base));
        if let Some(rules) = driver.get_mut("rules").and_then(Value::as_array_mut) {
            for (rule, meta) in rules.iter_mut().zip(&catalogue) {
                if let (Some(map), Some(uri)) = (rule.as_object_mut(), links.hosted(meta.docs_path())) {
                    map.insert("helpUri".to_string(), json!(uri));
                }
            }
        }
    }
    let mut out = serde_json::to_string_pretty(&log).unwrap_or_default();
    out.push('\n');
    out
}

/// A suppression as SARIF says it: `external` for the config file, `inSource` for the
/// annotation; an expired one is `rejected`, so code scanning shows the alert again.
fn suppression_object(suppression: &Suppression) -> Value {
    let kind = match suppression.kind {
        SuppressionKind::External => "external",
        SuppressionKind::InSource => "inSource",
    };
    let status = if suppression.holds() { "accepted" } else { "rejected" };
    let mut properties = Map::new();
    properties.insert("origin".to_string(), json!(suppression.origin));
    if let Some(owner) = &suppression.owner {
        properties.insert("owner".to_string(), json!(owner));
    }
    if let Some(expires) = &suppression.expires {
        properties.insert("expires".to_string(), json!(expires));
    }
    json!({
        "kind": kind,
        "status": status,
        "justification": suppression.justification,
        "properties": properties,
    })
}

/// SARIF has three result levels: high and critical are errors, medium a warning, the rest notes.
pub(crate) fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Info => "note",
    }
}

/// GitHub code scanning reads `security-severity` (0–10) to rank alerts.
fn security_severity(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "3.0",
        Severity::Info => "0.0",
    }
}

fn rule_descriptor(meta: &crate::data::rule_meta::RuleMeta) -> Value {
    let what = meta.section("What it does").split_whitespace().collect::<Vec<_>>().join(" ");
    // Compliance references are tags too, so SARIF viewers can filter on `cis-3.1.1`.
    let tags: Vec<&str> = ["security", "kubernetes", "authentication", meta.mechanism.as_str()]
        .into_iter()
        .chain(meta.references().iter().copied())
        .collect();
    json!({
        "id": meta.code,
        "name": meta.slug,
        "shortDescription": { "text": meta.title() },
        "fullDescription": { "text": what },
        // The whole rule page, so code scanning shows it without a link to follow.
        "help": { "text": meta.markdown(), "markdown": meta.markdown() },
        "defaultConfiguration": { "level": level(meta.severity) },
        "properties": {
            "tags": tags,
            "security-severity": security_severity(meta.severity),
            "severity": meta.severity,
            "mechanism": meta.mechanism,
            "scope": meta.scope,
        },
    })
}

/// A SARIF location: the file, and the line and column of the finding's field when known.
fn location(source: &Location, artifact: Option<usize>, object: Option<&ObjectRef>) -> Value {
    let mut artifact_location = Map::new();
    artifact_location.insert("uri".to_string(), json!(uri(&source.path)));
    if let Some(index) = artifact {
        artifact_location.insert("index".to_string(), json!(index));
    }
    let mut physical = Map::new();
    physical.insert("artifactLocation".to_string(), Value::Object(artifact_location));
    // SARIF lines start at 1; a zero line means "the whole file".
    if source.line > 0 {
        let region = if source.column > 0 {
            json!({ "startLine": source.line, "startColumn": source.column })
        } else {
            json!({ "startLine": source.line })
        };
        physical.insert("region".to_string(), region);
    }
    let mut location = Map::new();
    location.insert("physicalLocation".to_string(), Value::Object(physical));
    if let Some(object) = object {
        location.insert(
            "logicalLocations".to_string(),
            json!([{ "name": object.name, "fullyQualifiedName": object.to_string(), "kind": "resource" }]),
        );
    }
    Value::Object(location)
}

fn fingerprint(finding: &Finding) -> String {
    crate::report::baseline::finding_id(finding)
}

/// A file name as a URI reference: `/` separators, everything outside RFC 3986's unreserved
/// and path characters percent-encoded.
fn uri(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for byte in path.replace('\\', "/").bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~/:@!$&'()*+,;=".contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::sample;

    fn log() -> Value {
        serde_json::from_str(&sarif(&sample::report())).unwrap()
    }

    #[test]
    fn levels_follow_severity() {
        let log = log();
        let results = log["runs"][0]["results"].as_array().unwrap();
        let levels: Vec<(&str, &str)> =
            results.iter().map(|r| (r["ruleId"].as_str().unwrap(), r["level"].as_str().unwrap())).collect();
        assert_eq!(levels, vec![("CC001", "error"), ("SA001", "error"), ("AN002", "note")]);
        assert_eq!(level(Severity::Medium), "warning");
        assert_eq!(level(Severity::Info), "note");
    }

    #[test]
    fn results_are_located_with_encoded_uris() {
        let log = log();
        let result = &log["runs"][0]["results"][1];
        let physical = &result["locations"][0]["physicalLocation"];
        assert_eq!(physical["artifactLocation"]["uri"], "dumps/prod%20cluster.yaml");
        assert_eq!(physical["artifactLocation"]["index"], 0);
        assert_eq!(physical["region"]["startLine"], 7);
        assert_eq!(result["locations"][0]["logicalLocations"][0]["fullyQualifiedName"], "Secret/team-a/ci-token");
        assert_eq!(log["runs"][0]["artifacts"][0]["length"], 2048);
        assert_eq!(uri("C:\\dumps\\a#b.yaml"), "C:/dumps/a%23b.yaml");
    }

    #[test]
    fn fingerprints_ignore_lines_but_not_objects() {
        let a = sample::finding("SA001", Severity::High, sample::object("Secret", Some("ns"), "a"), 3, "m");
        let moved = sample::finding("SA001", Severity::High, sample::object("Secret", Some("ns"), "a"), 90, "m2");
        let other = sample::finding("SA001", Severity::High, sample::object("Secret", Some("ns"), "b"), 3, "m");
        assert_eq!(fingerprint(&a), fingerprint(&moved));
        assert_ne!(fingerprint(&a), fingerprint(&other));
        assert_eq!(fingerprint(&a).len(), 32);
    }

    #[test]
    fn rules_come_from_the_registry_with_help() {
        let log = log();
        let rules = log["runs"][0]["tool"]["driver"]["rules"].as_array().unwrap();
        let stable = registry::ALL.iter().filter(|r| matches!(r.meta().status, RuleStatus::Stable(_))).count();
        assert_eq!(rules.len(), stable, "the stable catalogue; the sample has no preview finding");
        let st001 = rules.iter().find(|r| r["id"] == "ST001").unwrap();
        assert_eq!(st001["name"], "token-auth-file");
        assert_eq!(st001["defaultConfiguration"]["level"], "error");
        assert!(st001.get("helpUri").is_none(), "no link to a host that may not exist");
        assert!(st001["help"]["markdown"].as_str().unwrap().contains("## How to fix"));
        assert!(st001["help"]["text"].as_str().unwrap().contains("## What it does"), "the whole page");
        let hosted: Value = serde_json::from_str(&sarif_with(
            &sample::report(),
            Links { docs_base: Some("https://docs.corp.test/authn-audit") },
        ))
        .unwrap();
        let driver = &hosted["runs"][0]["tool"]["driver"];
        assert_eq!(driver["informationUri"], "https://docs.corp.test/authn-audit");
        let st001 = driver["rules"].as_array().unwrap().iter().find(|r| r["id"] == "ST001").unwrap();
        assert_eq!(st001["helpUri"], "https://docs.corp.test/authn-audit/rules/ST001-token-auth-file.md");
        assert_eq!(st001["properties"]["security-severity"], "8.0");
    }

    #[test]
    fn a_preview_rule_is_listed_only_when_it_reports() {
        let dump = b"apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: {name: b, namespace: shop}\nroleRef: {kind: ClusterRole, name: edit}\nsubjects: [{kind: ServiceAccount, name: default}]\n";
        let inputs = [crate::input::InputFile { name: "dump.yaml", bytes: dump }];
        let rules_of = |select: &[&str]| {
            let settings = crate::settings::Settings {
                select: select.iter().map(|s| (*s).to_string()).collect(),
                ..Default::default()
            };
            let log: Value = serde_json::from_str(&sarif(&crate::engine::analyze(&inputs, &settings))).unwrap();
            let ids: Vec<String> = log["runs"][0]["tool"]["driver"]["rules"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r["id"].as_str().unwrap().to_string())
                .collect();
            (ids, log["runs"][0]["results"].clone())
        };
        let (stable_only, _) = rules_of(&["SA001"]);
        assert!(!stable_only.iter().any(|id| id == "SA007"));
        let (with_preview, results) = rules_of(&["SA007"]);
        let index = results[0]["ruleIndex"].as_u64().unwrap();
        assert_eq!(results[0]["ruleId"], "SA007");
        assert_eq!(with_preview[usize::try_from(index).unwrap()], "SA007");
        assert_eq!(with_preview.len(), stable_only.len() + 1);
    }

    #[test]
    fn diagnostics_and_not_assessable_are_notifications() {
        let log = log();
        let notes = log["runs"][0]["invocations"][0]["toolExecutionNotifications"].as_array().unwrap();
        assert_eq!(notes.len(), 2);
        assert_eq!(notes[0]["level"], "error");
        assert_eq!(notes[0]["descriptor"]["id"], "yaml-syntax");
        assert_eq!(notes[0]["locations"][0]["physicalLocation"]["region"]["startLine"], 99);
        assert_eq!(notes[1]["level"], "note");
        assert_eq!(notes[1]["associatedRule"]["id"], "ST001");
        assert!(notes[1]["message"]["text"].as_str().unwrap().contains("control plane not visible"));
    }

    #[test]
    fn inputs_not_analysed_fail_the_execution_and_are_notified() {
        let log = log();
        let invocation = &log["runs"][0]["invocations"][0];
        assert_eq!(invocation["executionSuccessful"], false, "the sample's input is partial");
        assert_eq!(log["runs"][0]["artifacts"][0]["properties"]["status"], "partial");

        let mut report = sample::report();
        report.inputs[0].diagnostics.clear();
        report.inputs[0].status = InputStatus::Analysed;
        let log: Value = serde_json::from_str(&sarif(&report)).unwrap();
        assert_eq!(log["runs"][0]["invocations"][0]["executionSuccessful"], true);

        report.inputs.push(crate::data::input_summary::InputSummary::unreadable(
            "gone.yaml",
            DiagnosticCode::ReadError,
            "no such file or directory",
        ));
        report.inputs.push(crate::data::input_summary::InputSummary {
            path: "empty.yaml".into(),
            status: InputStatus::NoObjects,
            ..Default::default()
        });
        let log: Value = serde_json::from_str(&sarif(&report)).unwrap();
        assert_eq!(log["runs"][0]["invocations"][0]["executionSuccessful"], false);
        assert_eq!(log["runs"][0]["artifacts"][1]["length"], -1);
        let notes = log["runs"][0]["invocations"][0]["toolExecutionNotifications"].as_array().unwrap();
        let gone = notes.iter().find(|n| n["descriptor"]["id"] == "read-error").unwrap();
        assert_eq!(gone["level"], "error");
        assert_eq!(gone["locations"][0]["physicalLocation"]["artifactLocation"]["uri"], "gone.yaml");
        assert_eq!(gone["locations"][0]["physicalLocation"]["artifactLocation"]["index"], 1);
        assert!(gone["locations"][0]["physicalLocation"].get("region").is_none(), "the whole file");
        let empty = notes.iter().find(|n| n["descriptor"]["id"] == "no-objects").unwrap();
        assert_eq!(empty["message"]["text"], "no Kubernetes object could be read from this input");
        assert_eq!(empty["locations"][0]["physicalLocation"]["artifactLocation"]["uri"], "empty.yaml");
    }

    #[test]
    fn secrets_stay_fingerprints() {
        let out = sarif(&sample::report());
        assert!(!out.contains("s3cr3t"));
        assert!(out.contains(&crate::util::fingerprint::of_secret(b"s3cr3t-Qm3Xr7pL2vK9sT4wYb8N")));
    }
}
