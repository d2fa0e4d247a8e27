//! Kubewarden's waPC operations (`protocol_version`, `validate_settings`, `validate`) as
//! `bytes -> bytes` functions, with the JSON shapes of `kubewarden-policy-sdk` 0.17.

use crate::settings::{PolicySettings, Prepared};
use policy_core::{AdmitDecision, Finding};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

/// The Kubewarden policy protocol this module speaks.
pub const PROTOCOL_VERSION: &str = "v1";
/// Audit annotation listing the codes that rejected the request.
pub const REJECT_ANNOTATION: &str = "authn-audit-reject";
/// Audit annotation listing the codes that only warned.
pub const WARN_ANNOTATION: &str = "authn-audit-warn";

/// `ValidationRequest<T>` of the SDK: the AdmissionRequest and the policy settings. The request
/// is read straight into policy-core's tree, without what no decision reads ([`crate::request`]):
/// it is decided, never answered back.
#[derive(Debug, Deserialize)]
struct ValidationRequest {
    #[serde(default, deserialize_with = "crate::request::deserialize")]
    request: policy_core::value::Value,
    #[serde(default)]
    settings: Value,
}

/// `ValidationResponse` of the SDK (snake_case on the wire, every optional field present).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ValidationResponse {
    /// Whether the request is accepted.
    pub accepted: bool,
    /// For a rejection: `CODE: message` of each rejecting finding, `; `-separated.
    pub message: Option<String>,
    /// HTTP-style code; left to the host.
    pub code: Option<u16>,
    /// Never set: this policy does not mutate.
    pub mutated_object: Option<Value>,
    /// Codes that rejected and codes that warned.
    pub audit_annotations: Option<BTreeMap<String, String>>,
    /// `CODE: message` of each finding below the rejection threshold.
    pub warnings: Option<Vec<String>>,
}

impl ValidationResponse {
    /// The SDK response for a decision.
    pub fn new(decision: &AdmitDecision) -> Self {
        let (reject, warn) = decision_codes(decision);
        let annotations: BTreeMap<String, String> = [(REJECT_ANNOTATION, reject), (WARN_ANNOTATION, warn)]
            .into_iter()
            .filter(|(_, codes)| !codes.is_empty())
            .map(|(k, v)| (k.to_string(), v))
            .collect();
        Self {
            accepted: decision.allowed,
            message: decision.message.clone(),
            code: None,
            mutated_object: None,
            audit_annotations: (!annotations.is_empty()).then_some(annotations),
            warnings: (!decision.warnings.is_empty()).then(|| decision.warnings.clone()),
        }
    }
}

/// The codes that rejected and the codes that warned, each as a sorted comma-separated list.
pub fn decision_codes(decision: &AdmitDecision) -> (String, String) {
    let codes = |findings: &mut dyn Iterator<Item = &Finding>| crate::code_list(findings.map(|f| f.code.as_str()));
    (codes(&mut decision.rejecting()), codes(&mut decision.warning()))
}

/// `protocol_version`: the JSON string `"v1"`.
pub fn protocol_version() -> Vec<u8> {
    format!("\"{PROTOCOL_VERSION}\"").into_bytes()
}

/// `validate_settings`: `{"valid": bool, "message": string|null}`. Never an error: bad settings
/// are the answer `valid: false`.
pub fn validate_settings(payload: &[u8]) -> Vec<u8> {
    let message = PolicySettings::from_slice(payload).err().map(|e| e.to_string());
    serde_json::json!({"valid": message.is_none(), "message": message}).to_string().into_bytes()
}

/// `validate`: decide `{"request": AdmissionRequest, "settings": {...}}`.
///
/// A payload that is not such a request is an error, never an acceptance: the host turns a
/// guest error into a rejection.
pub fn validate(payload: &[u8]) -> Result<Vec<u8>, crate::Error> {
    let vr: ValidationRequest =
        serde_json::from_slice(payload).map_err(|e| crate::json_error("invalid validation request", &e))?;
    let decision = prepared(&vr.settings)?.decide_owned(crate::into_admission_request(vr.request)?)?;
    serde_json::to_vec(&ValidationResponse::new(&decision)).map_err(|e| crate::Error::encode(&e))
}

thread_local! {
    /// The settings of the last `validate` call, as written and prepared. Kubewarden sends a
    /// policy's settings with every request and they change only with a new instance, so they are
    /// parsed and checked once, not per request; other settings simply replace them. (The OPA
    /// module cannot keep this: its host rewinds the heap after each evaluation.)
    static PREPARED: RefCell<Option<(Value, Rc<Prepared>)>> = const { RefCell::new(None) };
}

/// `settings` parsed, checked and prepared, from [`PREPARED`] when they are the last call's.
fn prepared(settings: &Value) -> Result<Rc<Prepared>, crate::Error> {
    let last = PREPARED.with_borrow(|last| last.as_ref().filter(|(v, _)| v == settings).map(|(_, p)| Rc::clone(p)));
    if let Some(prepared) = last {
        return Ok(prepared);
    }
    let prepared = Rc::new(PolicySettings::from_value(settings)?.prepare());
    PREPARED.set(Some((settings.clone(), Rc::clone(&prepared))));
    Ok(prepared)
}

#[cfg(test)]
mod tests {
    use super::*;
    use policy_core::Severity;
    use serde_json::json;

    fn response(payload: &Value) -> ValidationResponse {
        let out = validate(payload.to_string().as_bytes()).unwrap_or_default();
        serde_json::from_slice(&out).unwrap_or(ValidationResponse {
            accepted: true,
            message: Some("unparsable".to_string()),
            code: None,
            mutated_object: None,
            audit_annotations: None,
            warnings: None,
        })
    }

    fn configmap_request() -> Value {
        json!({"uid": "u1", "operation": "CREATE", "namespace": "default",
               "userInfo": {"username": "alice", "groups": ["system:authenticated"]},
               "object": {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": {"a": "b"}}})
    }

    #[test]
    fn protocol_version_is_the_json_string_v1() {
        assert_eq!(protocol_version(), b"\"v1\"");
    }

    #[test]
    fn validate_settings_answers_valid_or_the_reason() {
        let answer = |p: &[u8]| serde_json::from_slice::<Value>(&validate_settings(p)).unwrap_or_default();
        assert_eq!(answer(b"{}"), json!({"valid": true, "message": null}));
        assert_eq!(answer(b""), json!({"valid": true, "message": null}));
        assert_eq!(
            answer(br#"{"exemptNamespaces":[""]}"#),
            json!({"valid": false, "message": "`exemptNamespaces` holds an empty name"})
        );
        assert_eq!(answer(b"[").get("valid"), Some(&json!(false)));
    }

    #[test]
    fn an_object_no_rule_reads_is_accepted_with_the_sdk_shape() {
        let out = validate(json!({"request": configmap_request(), "settings": {}}).to_string().as_bytes());
        let wire: Value = serde_json::from_slice(&out.unwrap_or_default()).unwrap_or_default();
        assert_eq!(
            wire,
            json!({"accepted": true, "message": null, "code": null, "mutated_object": null,
                   "audit_annotations": null, "warnings": null})
        );
    }

    #[test]
    fn reviews_are_unwrapped_and_missing_settings_mean_defaults() {
        let review =
            json!({"kind": "AdmissionReview", "apiVersion": "admission.k8s.io/v1", "request": configmap_request()});
        assert!(response(&json!({"request": review})).accepted);
    }

    #[test]
    fn settings_kept_from_the_last_call_never_decide_another_call() {
        let token = json!({"uid": "u2", "operation": "CREATE", "namespace": "ci",
            "object": {"apiVersion": "v1", "kind": "Secret", "type": "kubernetes.io/service-account-token",
                       "metadata": {"name": "t", "namespace": "ci", "annotations": {"kubernetes.io/service-account.name": "d"}}}});
        let call = |settings: Value| validate(json!({"request": token, "settings": settings}).to_string().as_bytes());
        let accepted = |settings: Value| response(&json!({"request": token, "settings": settings})).accepted;
        for _ in 0..2 {
            assert!(!accepted(json!({})), "SA001 rejects under the defaults");
            assert!(accepted(json!({"rejectAt": "critical"})));
            assert!(accepted(json!({"allowedLegacyTokens": ["ci/t"]})));
            assert!(call(json!({"rejectAt": "nope"})).is_err(), "bad settings fail even after good ones");
            assert!(!accepted(json!(null)));
        }
    }

    #[test]
    fn malformed_calls_fail_closed() {
        assert!(validate(b"not json").is_err());
        assert!(validate(b"{}").is_err());
        let no_object = json!({"request": {"uid": "u", "operation": "CREATE"}, "settings": {}});
        assert_eq!(
            validate(no_object.to_string().as_bytes()).err().map(|e| e.to_string()).as_deref(),
            Some("admission request has no `object`")
        );
        let bad_settings = json!({"request": configmap_request(), "settings": {"rejectAt": "nope"}});
        assert!(validate(bad_settings.to_string().as_bytes()).is_err());
    }

    pub(crate) fn finding(code: &str, severity: Severity) -> Finding {
        Finding {
            code: code.to_string().into(),
            slug: "test".into(),
            severity,
            mechanism: policy_core::report::Mechanism::General,
            object: policy_core::report::ObjectRef::default().into(),
            source: policy_core::report::Location::default(),
            message: "m".to_string(),
            evidence: Vec::new(),
            remediation: String::new().into(),
            fix: None,
            docs: String::new().into(),
            related: Vec::new(),
            references: Vec::new().into(),
            id: String::new(),
            suppression: None,
            also_in: Vec::new(),
            baseline: None,
        }
    }

    #[test]
    fn codes_split_by_threshold_into_annotations() {
        let decision = AdmitDecision {
            allowed: false,
            message: Some("CC001: m; CC004: m".to_string()),
            findings: vec![
                finding("CC004", Severity::High),
                finding("CC001", Severity::Critical),
                finding("AN002", Severity::High),
                finding("AN002", Severity::Info),
                finding("TR004", Severity::Low),
            ],
            warnings: vec!["AN002: m".to_string(), "TR004: m".to_string()],
            reject_at: Severity::High,
        };
        assert_eq!(decision_codes(&decision), ("AN002,CC001,CC004".to_string(), "AN002,TR004".to_string()));
        let r = ValidationResponse::new(&decision);
        assert!(!r.accepted);
        assert_eq!(r.message.as_deref(), Some("CC001: m; CC004: m"));
        assert_eq!(r.warnings, Some(vec!["AN002: m".to_string(), "TR004: m".to_string()]));
        let annotations = r.audit_annotations.unwrap_or_default();
        assert_eq!(annotations.get(REJECT_ANNOTATION).map(String::as_str), Some("AN002,CC001,CC004"));
        assert_eq!(annotations.get(WARN_ANNOTATION).map(String::as_str), Some("AN002,TR004"));
        let stricter = AdmitDecision { reject_at: Severity::Critical, ..decision };
        assert_eq!(decision_codes(&stricter), ("CC001".to_string(), "AN002,CC004,TR004".to_string()));
    }
}
