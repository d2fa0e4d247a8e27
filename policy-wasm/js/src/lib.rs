//! The npm package: `audit`, `admit`, `rules` and `version` for browsers and node, through
//! wasm-bindgen. Values cross as JSON (`JSON.stringify` / `JSON.parse`), so JS gets exactly the
//! CLI's report JSON. Answers are tagged unions (see [`policy_wasm::api`]); nothing throws for a
//! policy outcome or bad input. The TypeScript types below ship in the package's `.d.ts` (written by hand for `admit` and
//! `audit`, whose settings are optional, which wasm-bindgen cannot type).

use serde_json::Value;
use wasm_bindgen::prelude::*;

/// The package's TypeScript declarations (its `.d.ts` beyond what wasm-bindgen writes); a test
/// holds them against a real report.
pub const TYPES: &str = r#"
export type Severity = "info" | "low" | "medium" | "high" | "critical";
export interface Failure { type: "failure"; errors: { message: string }[] }
export interface ObjectRef { apiVersion: string; kind: string; namespace?: string; name: string }
export interface Evidence { path: string; value: string; redacted?: boolean }
export interface Finding {
  code: string; slug: string; severity: Severity; mechanism: string; object: ObjectRef;
  source: { path: string; line: number }; message: string; evidence: Evidence[];
  remediation: string; docs: string; related?: ObjectRef[];
  /** A command or a line to copy that resolves it, where the rule knows a safe one. */
  fix?: Fix;
  /** CIS Benchmark / NSA-CISA items the rule automates, e.g. `cis-3.1.1`; absent when none. */
  references?: string[];
  /** Stable across reformatting and reordering; the same value as SARIF's `partialFingerprints`. */
  id: string;
  /** How the finding was accepted, when it was: it stays listed but does not count. */
  suppression?: Suppression;
  /** Other inputs holding the same object (it was analysed once). */
  alsoIn?: { path: string; line: number }[];
  /** Compared with a baseline report. */
  baseline?: "new" | "unchanged";
}
/** `command`: a shell command line, names quoted; `edit`: the line to write in the file the summary names. */
export interface Fix { kind: "command" | "edit"; summary: string; text: string }
export interface Suppression {
  kind: "external" | "inSource"; status: "accepted" | "expired"; justification: string;
  owner?: string; expires?: string; origin: string;
}
export interface AdmitDecision { allowed: boolean; message?: string; findings: Finding[]; warnings: string[] }
export type AdmitResult = { type: "success"; decision: AdmitDecision } | Failure;
/** Admission settings: the Kubewarden policy settings. */
export interface AdmitSettings {
  exemptNamespaces?: string[]; exemptUsers?: string[]; exemptGroups?: string[]; rejectAt?: Severity;
  select?: string[]; ignore?: string[]; severityOverrides?: Record<string, Severity>;
  maxTokenExpirationSeconds?: number; maxCertLifetimeSeconds?: number; allowedLegacyTokens?: string[];
  /** The cluster's Kubernetes version (`"1.20"`, `"v1.20.2"`): before 1.22 CC003 does not demand `expirationSeconds`. */
  kubernetesVersion?: string;
}
/** An AdmissionReview (any version) or its `request`. */
export type AdmissionInput = { kind: "AdmissionReview"; request: AdmissionRequest } | AdmissionRequest;
export interface AdmissionRequest {
  uid?: string; operation?: "CREATE" | "UPDATE" | "DELETE" | "CONNECT"; namespace?: string; name?: string;
  userInfo?: { username?: string; groups?: string[] }; object?: object; oldObject?: object; [key: string]: unknown;
}
/** One input: its text, or (binary files such as a rotated `.gz` audit log) its bytes as base64.
 * Audit logs (`audit.k8s.io/v1` Events, one per line, or an EventList) are recognised by content. */
export type InputFile = { name: string; content: string } | { name: string; contentBase64: string };
export interface Seen { at: string; source: { path: string; line: number } }
export interface Action { what: string; rank: number; seen: Seen }
/** What the audit logs say of a credential; absent when no log was given or the log cannot tell. */
export interface CredentialUsage {
  seen: boolean; matchedBy?: "credential-id" | "secret-name" | "service-account" | "token-id" | "username";
  weaker: boolean; firstUsed?: Seen; lastUsed?: Seen; requests: number; sourceIps: string[]; userAgents: string[];
  mostSensitive?: Action;
}
/** The audit logs read (absent when none): window, counts, every identity seen. */
export interface AuditSummary {
  files: string[]; requests: number; uncountedRequests: number; from?: string; to?: string;
  identities: { username: string; credentialId?: string; legacyToken: boolean; legacySecret?: string; groups: string[];
    requests: number; succeeded: number; first: Seen; last: Seen; sourceIps: string[]; userAgents: string[];
    podBoundRequests: number; pods?: string[]; node?: string; mostSensitive?: Action; impersonated?: string[];
    impersonations: number; outOfScope?: Action; outOfScopeRequests: number }[];
  /** Invalidated legacy tokens still tried (each attempt refused with 401), by Secret. */
  invalidatedTokens?: { namespace: string; name: string; requests: number; first: Seen; last: Seen; sourceIps: string[];
    userAgents: string[] }[];
}
/** Audit settings: the CLI's settings file (camelCase). `now` defaults to the current time. */
export interface AuditSettings {
  select?: string[]; preview?: boolean; ignore?: string[]; severityOverrides?: Record<string, Severity>; now?: string;
  maxCertLifetimeSeconds?: number; maxTokenExpirationSeconds?: number; maxIdTokenLifetimeSeconds?: number;
  maxWebhookCacheTtlSeconds?: number; maxUserMechanisms?: number; allowedLegacyTokens?: string[];
  limits?: { maxTotalBytes?: number; maxDepth?: number; maxAliasNodes?: number; maxDocuments?: number; maxExpansion?: number };
  suppressions?: { rule: string; kind?: string; namespace?: string; name?: string; reason: string; expires?: string; owner?: string }[];
  namespaces?: string[]; excludeNamespaces?: string[];
}
/** Every diagnostic code; each has one level (schema/report.schema.json lists them by level). */
export type DiagnosticCode = "read-error" | "read-timeout" | "too-large" | "not-utf8" | "yaml-syntax" |
  "json-syntax" | "csv-syntax" | "too-deep" | "alias-limit" | "memory-limit" | "too-many-documents" | "truncated" |
  "no-objects" | "more-diagnostics" | "duplicate-key" | "not-a-kubernetes-object" | "missing-api-version" |
  "invalid-field" | "invalid-admission-review" | "embedded-invalid" | "empty-token" | "duplicate-token" |
  "unrendered-template" | "base64-invalid" | "pem-invalid" | "csr-invalid" | "kubeconfig-invalid" |
  "kubeconfig-not-yaml" | "certificate-invalid" | "aws-auth-unreadable" | "aws-auth-invalid" | "embedded-json" |
  "embedded-yaml" | "embedded-config" | "forbidden" | "kubectl-error" | "audit-gzip" | "audit-gzip-truncated" |
  "audit-list-too-large" | "audit-line-too-long" | "audit-truncated-line" | "audit-malformed-event" |
  "audit-no-events" | "audit-not-an-event" | "audit-more-diagnostics" | "stale-suppression";
export interface Diagnostic { source: { path: string; line: number }; level: "error" | "warning"; code: DiagnosticCode; message: string }
export interface StaleSuppression { origin: string; rule: string; reason: string }
export interface FixedFinding { id: string; code: string; severity: Severity; object: ObjectRef }
export interface BaselineCounts {
  new: number; unchanged: number; fixed: number; credentialsAdded?: number; credentialsRemoved?: number;
}
/** A credential as a comparison names it (never its secret). */
export interface CredentialSeen { kind: string; identity: string; object: ObjectRef; path: string; fingerprint: string }
export interface CredentialChanges { added: CredentialSeen[]; removed: CredentialSeen[] }
/** What an export of part of a report holds (the viewer's filtered view); the summary stays the whole report's. */
export interface ExportScope { filter: string; view: string; shown: number; total: number }
export interface Report {
  tool: { name: string; version: string }; evaluatedAt: string;
  inputs: {
    path: string; status: "analysed" | "partial" | "no-objects" | "skipped" | "unreadable";
    bytes: number; documents: number; objects: number; diagnostics: Diagnostic[];
  }[];
  findings: Finding[]; notAssessable: { code: string; slug: string; reason: string; add: string[] }[];
  mechanisms: unknown[]; credentials: { usage?: CredentialUsage; [key: string]: unknown }[]; audit?: AuditSummary;
  /** Suppressions of the settings that matched no finding. */
  staleSuppressions?: StaleSuppression[];
  /** Findings of the baseline report that are gone. */
  fixed?: FixedFinding[];
  /** Credentials added and removed since the baseline report. */
  credentialChanges?: CredentialChanges;
  /** Absent unless the report holds only the findings of a filter. */
  scope?: ExportScope;
  summary: {
    findings: number; suppressed: number; bySeverity: Record<Severity, number>; byMechanism: Record<string, number>;
    baseline?: BaselineCounts; objects: number; diagnostics: number;
  };
}
export type AuditResult = { type: "success"; report: Report } | Failure;
/** Decide an AdmissionReview or AdmissionRequest with the admission rules. */
export function admit(review: AdmissionInput, settings?: AdmitSettings): AdmitResult;
/** Audit whole dumps (kubectl output, manifests, kubeconfigs) and audit logs beside them: the CLI's JSON report. */
export function audit(files: InputFile[], settings?: AuditSettings): AuditResult;
export interface RuleMeta {
  code: string; slug: string; title: string; severity: Severity; mechanism: string; scope: "audit" | "admit";
  status: { stage: "preview" | "stable"; since: string }; docs: string; file: string; line: number;
}
"#;

#[wasm_bindgen(typescript_custom_section)]
const TYPESCRIPT: &str = TYPES;

fn from_js(value: &JsValue) -> Value {
    if value.is_undefined() || value.is_null() {
        return Value::Null;
    }
    js_sys::JSON::stringify(value)
        .ok()
        .and_then(|s| s.as_string())
        .and_then(|s| serde_json::from_str(&s).ok())
        .unwrap_or(Value::Null)
}

fn to_js(value: &Value) -> JsValue {
    js_sys::JSON::parse(&value.to_string()).unwrap_or(JsValue::NULL)
}

/// Decide an AdmissionReview or AdmissionRequest with the admission rules.
#[wasm_bindgen(skip_typescript)]
pub fn admit(review: JsValue, settings: Option<JsValue>) -> JsValue {
    let settings = settings.as_ref().map_or(Value::Null, from_js);
    to_js(&policy_wasm::api::admit(&from_js(&review), &settings))
}

/// Audit whole dumps (kubectl output, manifests, kubeconfigs): the CLI's JSON report.
#[wasm_bindgen(skip_typescript)]
pub fn audit(files: JsValue, settings: Option<JsValue>) -> JsValue {
    let settings = settings.as_ref().map_or(Value::Null, from_js);
    let millis = js_sys::Date::now();
    // JS time is milliseconds as f64; whole milliseconds fit i128 nanoseconds exactly.
    #[expect(clippy::cast_possible_truncation, reason = "Date.now() is a whole number of milliseconds")]
    let now = time::OffsetDateTime::from_unix_timestamp_nanos(millis as i128 * 1_000_000).ok();
    to_js(&policy_wasm::api::audit(&from_js(&files), &settings, now))
}

/// The rule catalogue.
#[wasm_bindgen(unchecked_return_type = "RuleMeta[]")]
pub fn rules() -> JsValue {
    to_js(&policy_wasm::api::rules())
}

/// The package's version (the tool's).
#[wasm_bindgen]
pub fn version() -> String {
    policy_core::TOOL_VERSION.to_string()
}

#[cfg(test)]
mod tests {
    use super::TYPES;
    use serde_json::Value;
    use std::collections::BTreeSet;

    /// The field names a TypeScript block declares, and those it declares as required.
    fn declared(block: &str) -> (BTreeSet<&str>, BTreeSet<&str>) {
        let mut all = BTreeSet::new();
        let mut required = BTreeSet::new();
        for (i, _) in block.match_indices(':') {
            let before = block.get(..i).unwrap_or("");
            let optional = before.ends_with('?');
            let name_end = before.trim_end_matches('?');
            let start = name_end.rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).map_or(0, |j| j + 1);
            let name = name_end.get(start..).unwrap_or("");
            // `[key: string]` is an index signature, not a field.
            let index_signature = name_end.get(..start).is_some_and(|b| b.ends_with('['));
            if !index_signature && !name.is_empty() && name.starts_with(|c: char| c.is_ascii_lowercase()) {
                all.insert(name);
                if !optional {
                    required.insert(name);
                }
            }
        }
        (all, required)
    }

    /// Every key of a report's JSON at a struct position (maps such as `bySeverity` and the
    /// inventories typed `unknown[]` are not walked into).
    fn keys(value: &Value, out: &mut BTreeSet<String>) {
        match value {
            Value::Object(map) => {
                for (key, child) in map {
                    out.insert(key.clone());
                    if !["bySeverity", "byMechanism", "mechanisms", "credentials"].contains(&key.as_str()) {
                        keys(child, out);
                    }
                }
            }
            Value::Array(items) => items.iter().for_each(|item| keys(item, out)),
            _ => {}
        }
    }

    /// The `.d.ts` names every diagnostic code, and no other.
    #[test]
    fn the_typescript_diagnostic_codes_are_the_codes() {
        let start = TYPES.find("export type DiagnosticCode =").expect("a DiagnosticCode type");
        let rest = TYPES.get(start..).unwrap_or("");
        let union = rest.get(..rest.find(';').expect("its end")).unwrap_or("");
        let declared: Vec<&str> = union.split('"').skip(1).step_by(2).collect();
        let codes: Vec<&str> = policy_core::input::DiagnosticCode::ALL.iter().map(|c| c.as_str()).collect();
        assert_eq!(declared, codes);
    }

    /// schema/report.schema.json lists every diagnostic code under its level, as the enum does.
    #[test]
    fn the_report_schema_lists_every_diagnostic_code_under_its_level() {
        use policy_core::input::{DiagnosticCode, Level};
        let schema: Value = serde_json::from_str(include_str!("../../../schema/report.schema.json")).expect("JSON");
        let branches = schema.pointer("/$defs/diagnostic/oneOf").and_then(Value::as_array).expect("a oneOf");
        for level in [Level::Error, Level::Warning] {
            let name = serde_json::to_value(level).expect("a level");
            let branch = branches.iter().find(|b| b.pointer("/properties/level/const") == Some(&name));
            let listed: Vec<&str> = branch
                .and_then(|b| b.pointer("/properties/code/enum"))
                .and_then(Value::as_array)
                .map(|codes| codes.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            let codes: Vec<&str> =
                DiagnosticCode::ALL.iter().filter(|c| c.level() == level).map(|c| c.as_str()).collect();
            assert_eq!(listed, codes, "{name} codes");
        }
    }

    /// The `.d.ts` admission settings are the module's settings, key for key.
    #[test]
    fn the_typescript_admit_settings_are_the_policy_settings() {
        let settings = serde_json::to_value(policy_wasm::settings::PolicySettings::default()).expect("settings");
        let keys: BTreeSet<&str> = settings.as_object().expect("an object").keys().map(String::as_str).collect();
        let start = TYPES.find("export interface AdmitSettings {").expect("an AdmitSettings type");
        let rest = TYPES.get(start..).unwrap_or("");
        let (declared, required) = declared(rest.get(..rest.find("\n}").expect("its end")).unwrap_or(""));
        assert!(keys.contains("kubernetesVersion"));
        assert_eq!(declared, keys);
        assert!(required.is_empty(), "every admission setting is optional: {required:?}");
    }

    /// The hand-written `.d.ts` and the report the package really returns cannot drift: every
    /// field of a real report is declared, and every required field declared is in the report.
    #[test]
    fn the_typescript_report_type_matches_a_real_report() {
        // The sample gives findings of every shape; a lone Secret, rules that are not assessable.
        // With its audit log and token file, the usage fields too; a log of refused invalidated
        // legacy tokens, `audit.invalidatedTokens`.
        let sample = include_str!("../../../examples/sample-cluster.yaml");
        let log = include_str!("../../../examples/sample-cluster-audit.log");
        let tokens = include_str!("../../../examples/sample-static-tokens.csv");
        let refused = include_str!("../../../tests/fixtures/rules/UL009/bad_old_deployer_token_still_tried.log");
        let secret = "apiVersion: v1\nkind: Secret\nmetadata: {name: s, namespace: default}\n";
        let now = time::macros::datetime!(2025-11-28 12:00:00 UTC);
        let mut in_json = BTreeSet::new();
        let inputs = [
            vec![("sample-cluster.yaml", sample), ("sample-cluster-audit.log", log), ("tokens.csv", tokens)],
            vec![("secret.yaml", secret), ("refused.log", refused)],
        ];
        for set in inputs {
            let files: Vec<Value> =
                set.iter().map(|(name, content)| serde_json::json!({"name": name, "content": content})).collect();
            let answer = policy_wasm::api::audit(&Value::Array(files), &Value::Null, Some(now));
            let report = answer.get("report").expect("a report");
            keys(report, &mut in_json);
        }
        assert!(
            in_json.contains("remediation") && in_json.contains("reason"),
            "findings and not-assessable rules seen"
        );
        assert!(
            ["mostSensitive", "podBoundRequests", "invalidatedTokens", "impersonated"]
                .iter()
                .all(|k| in_json.contains(*k)),
            "the audit summary seen"
        );
        let (all, _) = declared(TYPES);
        let start = TYPES.find("export interface Report {").expect("a Report type");
        let undeclared: Vec<&String> = in_json.iter().filter(|k| !all.contains(k.as_str())).collect();
        assert!(undeclared.is_empty(), "report fields the .d.ts does not declare: {undeclared:?}");
        let rest = TYPES.get(start..).unwrap_or("");
        let report_block = rest.get(..rest.find("\n}").expect("end of Report")).unwrap_or("");
        let (_, required) = declared(report_block);
        let missing: Vec<&&str> = required.iter().filter(|k| !in_json.contains(**k)).collect();
        assert!(missing.is_empty(), ".d.ts fields a real report lacks: {missing:?}");
    }
}
