//! What the OPA Wasm ABI module evaluates: two entrypoints over JSON values, Rego-style results.
//!
//! - `authn_audit/violation` (id 0): input `{review: AdmissionRequest, parameters: settings}` (the
//!   Gatekeeper contract) → the set of violations `[{msg, details}]`, one per rejecting finding;
//!   empty means allowed.
//! - `authn_audit/main` (id 1): input `{request: AdmissionRequest}` (an AdmissionReview, the OPA
//!   contract), data = settings → `{response: {allowed, status, warnings, auditAnnotations}}`.
//!
//! Kubewarden's Rego engine (burrego) evaluates entrypoint 0 in both its `gatekeeper` and its `opa`
//! execution modes and tells them apart only by the input it builds, so entrypoint 0 answers each
//! contract by the input's shape: `review` → violations, `request` without `review` → response.
//! The input's shape is the host's, never the requester's (the object sits inside it).
//!
//! Undefined or malformed input is an error, which the module turns into `opa_abort`: a host never
//! sees "no violations" for a request that was not evaluated. Hosts whose `opa_abort` returns
//! (burrego only logs it) get [`fail_closed`] instead of a trap.

use crate::Error;
use crate::kubewarden::{REJECT_ANNOTATION, WARN_ANNOTATION, decision_codes};
use crate::settings::PolicySettings;
use serde_json::{Map, Value, json};

/// Gatekeeper-style violations: entrypoint 0.
pub const VIOLATION: &str = "authn_audit/violation";
/// OPA-style AdmissionReview response: entrypoint 1.
pub const MAIN: &str = "authn_audit/main";
/// Every entrypoint with its id.
pub const ENTRYPOINTS: [(&str, i32); 2] = [(VIOLATION, 0), (MAIN, 1)];
/// The data key under which Kubewarden's `opa` mode passes context-aware resources.
const KUBEWARDEN_CONTEXT_KEY: &str = "kubernetes";

/// The `entrypoints()` export: `{"authn_audit/violation": 0, "authn_audit/main": 1}`.
pub fn entrypoints() -> Value {
    Value::Object(ENTRYPOINTS.iter().map(|(name, id)| ((*name).to_string(), json!(id))).collect())
}

/// The result set of an evaluation: `[{"result": value}]`, or `[]` for an unknown entrypoint.
pub fn result_set(entrypoint: i32, input: Option<&Value>, data: Option<&Value>) -> Result<Value, Error> {
    let result = match entrypoint {
        0 if is_admission_review(input) => response(input, data)?,
        0 => violations(input)?,
        1 => response(input, data)?,
        _ => return Ok(json!([])),
    };
    Ok(json!([{ "result": result }]))
}

/// The OPA contract's input: an AdmissionReview (`request`), not Gatekeeper's `{review, parameters}`.
fn is_admission_review(input: Option<&Value>) -> bool {
    input.and_then(Value::as_object).is_some_and(|map| map.contains_key("request") && !map.contains_key("review"))
}

/// What an evaluation that failed with `message` answers when the host's `opa_abort` returns:
/// a rejection in the contract the input asked for (a denied response, or one violation), so that
/// no host can read a failed evaluation as an admission.
pub fn fail_closed(entrypoint: i32, input: Option<&Value>, message: &str) -> Value {
    let message = format!("the request could not be evaluated: {message}");
    let result = if entrypoint == 1 || (entrypoint == 0 && is_admission_review(input)) {
        let uid = input.and_then(|i| i.pointer("/request/uid")).cloned().unwrap_or_else(|| json!(""));
        json!({"response": {"uid": uid, "allowed": false, "status": {"message": message, "code": 400}}})
    } else {
        json!([{ "msg": message }])
    };
    json!([{ "result": result }])
}

fn field<'a>(input: Option<&'a Value>, key: &'static str) -> Result<&'a Value, Error> {
    match input {
        None => Err(Error::InputUndefined),
        Some(Value::Object(map)) => map.get(key).ok_or(Error::InputWithout(key)),
        Some(_) => Err(Error::InputNotAnObject),
    }
}

fn violations(input: Option<&Value>) -> Result<Value, Error> {
    let request = crate::admission_request(field(input, "review")?)?;
    let parameters = input.and_then(|i| i.get("parameters")).unwrap_or(&Value::Null);
    let settings = PolicySettings::from_value(parameters)?;
    let decision = settings.decide(request)?;
    Ok(Value::Array(
        decision.rejecting().map(|f| json!({"msg": format!("{}: {}", f.code, f.message), "details": f})).collect(),
    ))
}

fn response(input: Option<&Value>, data: Option<&Value>) -> Result<Value, Error> {
    let request = crate::admission_request(field(input, "request")?)?;
    let settings = match data {
        Some(Value::Object(map)) => {
            let mut map = map.clone();
            map.remove(KUBEWARDEN_CONTEXT_KEY);
            PolicySettings::from_value(&Value::Object(map))?
        }
        Some(Value::Null) | None => PolicySettings::default(),
        Some(_) => return Err(Error::DataNotAnObject),
    };
    let decision = settings.decide(request)?;
    let mut response = Map::new();
    // An AdmissionReview response names the request it answers (Kubewarden's `opa` mode requires it).
    let uid = field(input, "request")?.get("uid").cloned().unwrap_or_else(|| json!(""));
    response.insert("uid".to_string(), uid);
    response.insert("allowed".to_string(), json!(decision.allowed));
    if let Some(message) = &decision.message {
        response.insert("status".to_string(), json!({"message": message, "code": 403}));
    }
    if !decision.warnings.is_empty() {
        response.insert("warnings".to_string(), json!(decision.warnings));
    }
    let (reject, warn) = decision_codes(&decision);
    let annotations: Map<String, Value> = [(REJECT_ANNOTATION, reject), (WARN_ANNOTATION, warn)]
        .into_iter()
        .filter(|(_, codes)| !codes.is_empty())
        .map(|(k, v)| (k.to_string(), Value::String(v)))
        .collect();
    if !annotations.is_empty() {
        response.insert("auditAnnotations".to_string(), Value::Object(annotations));
    }
    Ok(json!({ "response": response }))
}

/// Parse JSON the way hosts hand it over: some (the Rust `opa-wasm` crate) count a trailing NUL in
/// the length, which must not turn valid input into a parse error, and then into undefined input.
pub fn parse_json(bytes: &[u8]) -> Option<Value> {
    let end = bytes.iter().rposition(|b| *b != 0).map_or(0, |i| i + 1);
    serde_json::from_slice(bytes.get(..end)?).ok()
}

/// `opa_value_add_path`: set `value` at `path` (an array of keys) inside `base`, creating
/// objects on the way. Returns the ABI's error code: 0 ok, 2 invalid type, 3 invalid path.
pub fn add_path(base: &mut Value, path: &Value, value: Value) -> i32 {
    let Some(keys) = path_keys(path) else { return 3 };
    let Some((last, parents)) = keys.split_last() else { return 3 };
    let mut at = base;
    for key in parents {
        let Value::Object(map) = at else { return 2 };
        at = map.entry((*key).to_string()).or_insert_with(|| Value::Object(Map::new()));
    }
    let Value::Object(map) = at else { return 2 };
    map.insert((*last).to_string(), value);
    0
}

/// `opa_value_remove_path`: remove the value at `path`. Same error codes as [`add_path`].
pub fn remove_path(base: &mut Value, path: &Value) -> i32 {
    let Some(keys) = path_keys(path) else { return 3 };
    let Some((last, parents)) = keys.split_last() else { return 3 };
    let mut at = base;
    for key in parents {
        match at.get_mut(*key) {
            Some(next) => at = next,
            None => return 3,
        }
    }
    match at {
        Value::Object(map) => map.remove(*last).map_or(3, |_| 0),
        _ => 2,
    }
}

fn path_keys(path: &Value) -> Option<Vec<&str>> {
    path.as_array()?.iter().map(Value::as_str).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn configmap_request() -> Value {
        json!({"uid": "u1", "operation": "CREATE", "namespace": "default",
               "object": {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}}})
    }

    #[test]
    fn entrypoints_are_numbered_violation_first() {
        assert_eq!(entrypoints(), json!({"authn_audit/violation": 0, "authn_audit/main": 1}));
    }

    #[test]
    fn clean_requests_give_no_violations_and_an_allowed_response() {
        let input = json!({"review": configmap_request(), "parameters": {}});
        assert_eq!(result_set(0, Some(&input), None), Ok(json!([{"result": []}])));
        let input = json!({"request": configmap_request()});
        let data = json!({"exemptNamespaces": ["x"], "kubernetes": {"namespaces": []}});
        let allowed = json!([{"result": {"response": {"uid": "u1", "allowed": true}}}]);
        assert_eq!(result_set(1, Some(&input), Some(&data)), Ok(allowed.clone()));
        assert_eq!(result_set(1, Some(&input), None), Ok(allowed));
    }

    #[test]
    fn entrypoint_zero_answers_kubewarden_opa_mode_with_a_response() {
        // burrego's `opa` mode: entrypoint 0, a synthetic AdmissionReview, settings as data.
        let review = json!({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
                            "request": configmap_request()});
        let allowed = json!([{"result": {"response": {"uid": "u1", "allowed": true}}}]);
        assert_eq!(result_set(0, Some(&review), Some(&json!({}))), Ok(allowed.clone()));
        assert_eq!(result_set(1, Some(&review), Some(&json!({}))), Ok(allowed));
        let token = json!({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request":
            {"uid": "u2", "operation": "CREATE", "namespace": "default", "object": {"apiVersion": "v1",
             "kind": "Secret", "type": "kubernetes.io/service-account-token", "metadata": {"name": "t",
             "namespace": "default", "annotations": {"kubernetes.io/service-account.name": "default"}}}}});
        let denied = result_set(0, Some(&token), None).unwrap_or_default();
        assert_eq!(denied.pointer("/0/result/response/allowed"), Some(&json!(false)), "{denied}");
        // Gatekeeper's shape still gets the violation list, even when it also carries `request`.
        let gatekeeper = json!({"review": configmap_request(), "parameters": {}, "request": {}});
        assert_eq!(result_set(0, Some(&gatekeeper), None), Ok(json!([{"result": []}])));
    }

    #[test]
    fn a_failed_evaluation_fails_closed_in_the_contract_asked_for() {
        let review = json!({"request": {"operation": "CREATE"}});
        let failed = fail_closed(0, Some(&review), "admission request has no `object`");
        assert_eq!(failed.pointer("/0/result/response/allowed"), Some(&json!(false)));
        assert_eq!(
            failed.pointer("/0/result/response/status/message"),
            Some(&json!("the request could not be evaluated: admission request has no `object`"))
        );
        for input in [None, Some(json!({"review": 1})), Some(json!("x"))] {
            let failed = fail_closed(0, input.as_ref(), "input is undefined");
            assert_eq!(
                failed.pointer("/0/result/0/msg"),
                Some(&json!("the request could not be evaluated: input is undefined"))
            );
        }
        assert!(fail_closed(1, None, "x").pointer("/0/result/response/allowed") == Some(&json!(false)));
    }

    #[test]
    fn unknown_entrypoints_are_undefined() {
        assert_eq!(result_set(7, None, None), Ok(json!([])));
    }

    #[test]
    fn undefined_or_malformed_input_is_an_error_never_an_empty_violation_set() {
        let message = |input: Option<&Value>| result_set(0, input, None).err().map(|e| e.to_string());
        assert_eq!(result_set(0, None, None), Err(Error::InputUndefined));
        assert_eq!(message(None).as_deref(), Some("input is undefined"));
        assert_eq!(message(Some(&json!({}))).as_deref(), Some("input has no `review`"));
        assert_eq!(result_set(1, Some(&json!("x")), None), Err(Error::InputNotAnObject));
        let no_object = json!({"review": {"uid": "u", "operation": "CREATE"}});
        assert_eq!(message(Some(&no_object)).as_deref(), Some("admission request has no `object`"));
        let bad_parameters = json!({"review": configmap_request(), "parameters": {"rejectAt": 3}});
        assert!(result_set(0, Some(&bad_parameters), None).is_err());
        let input = json!({"request": configmap_request()});
        assert!(result_set(1, Some(&input), Some(&json!([1]))).is_err());
    }

    #[test]
    fn trailing_nuls_are_ignored_but_garbage_is_not() {
        assert_eq!(parse_json(b"{\"a\":1}\0"), Some(json!({"a": 1})));
        assert_eq!(parse_json(b"[]"), Some(json!([])));
        assert_eq!(parse_json(b"{\"a\":"), None);
        assert_eq!(parse_json(b"\0"), None);
        assert_eq!(parse_json(b""), None);
    }

    #[test]
    fn paths_add_and_remove() {
        let mut data = json!({});
        assert_eq!(add_path(&mut data, &json!(["a", "b"]), json!(1)), 0);
        assert_eq!(data, json!({"a": {"b": 1}}));
        assert_eq!(add_path(&mut data, &json!(["a", "b", "c"]), json!(1)), 2);
        assert_eq!(add_path(&mut data, &json!([]), json!(1)), 3);
        assert_eq!(add_path(&mut data, &json!([1]), json!(1)), 3);
        assert_eq!(remove_path(&mut data, &json!(["a", "x"])), 3);
        assert_eq!(remove_path(&mut data, &json!(["a", "b"])), 0);
        assert_eq!(data, json!({"a": {}}));
    }
}
