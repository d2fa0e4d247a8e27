//! The npm package: `audit`, `admit`, `rules` and `version` for browsers and node, through
//! wasm-bindgen. Values cross as JSON (`JSON.stringify` / `JSON.parse`), so JS gets exactly the
//! CLI's report JSON. Answers are tagged unions (see [`policy_wasm::api`]); nothing throws for a
//! policy outcome or bad input. The TypeScript types below ship in the package's `.d.ts` (written by hand for `admit` and
//! `audit`, whose settings are optional, which wasm-bindgen cannot type).

use serde_json::Value;
use wasm_bindgen::prelude::*;

#[wasm_bindgen(typescript_custom_section)]
const TYPES: &str = r#"
export type Severity = "info" | "low" | "medium" | "high" | "critical";
export interface Failure { type: "failure"; errors: { message: string }[] }
export interface ObjectRef { apiVersion: string; kind: string; namespace?: string; name: string }
export interface Evidence { path: string; value: string; redacted?: boolean }
export interface Finding {
  code: string; slug: string; severity: Severity; mechanism: string; object: ObjectRef;
  source: { path: string; line: number }; message: string; evidence: Evidence[];
  remediation: string; docs: string; related?: ObjectRef[];
}
export interface AdmitDecision { allowed: boolean; message?: string; findings: Finding[]; warnings: string[] }
export type AdmitResult = { type: "success"; decision: AdmitDecision } | Failure;
/** Admission settings: the Kubewarden policy settings. */
export interface AdmitSettings {
  exemptNamespaces?: string[]; exemptUsers?: string[]; exemptGroups?: string[]; rejectAt?: Severity;
  select?: string[]; ignore?: string[]; severityOverrides?: Record<string, Severity>;
  maxTokenExpirationSeconds?: number; maxCertLifetimeSeconds?: number; allowedLegacyTokens?: string[];
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
}
/** Audit settings: the CLI's settings file (camelCase). `now` defaults to the current time. */
export interface AuditSettings {
  select?: string[]; preview?: boolean; ignore?: string[]; severityOverrides?: Record<string, Severity>; now?: string;
  maxCertLifetimeSeconds?: number; maxTokenExpirationSeconds?: number; maxIdTokenLifetimeSeconds?: number;
  maxWebhookCacheTtlSeconds?: number; maxUserMechanisms?: number; allowedLegacyTokens?: string[];
  limits?: { maxTotalBytes?: number; maxDepth?: number; maxAliasNodes?: number; maxDocuments?: number };
}
export interface Report {
  tool: { name: string; version: string }; evaluatedAt: string;
  inputs: { path: string; bytes: number; documents: number; objects: number; diagnostics: unknown[] }[];
  findings: Finding[]; notAssessable: { code: string; slug: string; reason: string; add: string[] }[];
  mechanisms: unknown[]; credentials: { usage?: CredentialUsage; [key: string]: unknown }[]; audit?: AuditSummary;
  summary: { findings: number; by_severity: Record<Severity, number>; by_mechanism: Record<string, number>; objects: number; diagnostics: number };
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
