//! The protocol half of the policy-engine modules: settings, request unwrapping and the answer
//! shapes each host expects, as plain Rust over [`policy_core::admit`] and [`policy_core::analyze`].
//!
//! This crate has no wasm exports, no `unsafe` and no host imports, so every answer a host will
//! see is unit-tested natively. The artifacts are thin shells around it:
//! `policy-wasm/kubewarden` (waPC guest), `policy-wasm/opa` (OPA Wasm ABI 1.2) and
//! `policy-wasm/js` (wasm-bindgen). `cargo xtask wasm` builds them into `dist/policy/`.

pub mod api;
pub mod error;
pub mod kubewarden;
pub mod opa;
pub mod request;
pub mod settings;

pub use error::Error;
pub use settings::PolicySettings;

use serde_json::Value;

/// The AdmissionRequest inside what a caller passed: an AdmissionReview (any version) or the bare
/// request. Anything else is an error, so that a malformed call is rejected rather than allowed.
pub fn admission_request(value: &Value) -> Result<&Value, Error> {
    let shape = value.as_object().map(|map| Shape {
        kind: map.get("kind").and_then(Value::as_str),
        request_is_object: map.get("request").is_some_and(Value::is_object),
        bare: map.contains_key("object") || map.contains_key("operation"),
    });
    match (in_review(shape)?, value.get("request")) {
        (true, Some(request)) => Ok(request),
        _ => Ok(value),
    }
}

/// [`admission_request`] for a caller that owns what was passed, as policy-core's own tree (parsed
/// straight from a host's bytes): the request, moved out of its AdmissionReview.
pub fn into_admission_request(mut value: policy_core::value::Value) -> Result<policy_core::value::Value, Error> {
    use policy_core::value::Value as Core;
    let shape = value.as_object().map(|map| Shape {
        kind: map.get("kind").and_then(Core::as_str),
        request_is_object: map.get("request").is_some_and(Core::is_object),
        bare: map.contains_key("object") || map.contains_key("operation"),
    });
    match (in_review(shape)?, value.as_object_mut().and_then(|map| map.remove("request"))) {
        (true, Some(request)) => Ok(request),
        _ => Ok(value),
    }
}

/// What [`admission_request`] looks at in what was passed, when it is an object.
struct Shape<'a> {
    kind: Option<&'a str>,
    request_is_object: bool,
    /// It has an `object` or an `operation`, as a bare AdmissionRequest does.
    bare: bool,
}

/// Whether the request is the AdmissionReview's `request` (`true`) or what was passed itself.
fn in_review(shape: Option<Shape<'_>>) -> Result<bool, Error> {
    match shape {
        Some(Shape { kind: Some("AdmissionReview"), request_is_object, .. }) => {
            if request_is_object {
                Ok(true)
            } else {
                Err(Error::ReviewWithoutRequest)
            }
        }
        Some(Shape { bare: true, .. }) => Ok(false),
        Some(_) => Err(Error::NotAdmission),
        None => Err(Error::RequestNotAnObject),
    }
}

/// A JSON decoding error as a message that never repeats the input. serde_json quotes the value
/// it could not use (`invalid type: string "<token>"`, ``unknown variant `<value>` ``), and a
/// request, a setting or a file may hold a secret: only what was expected is kept, in plain words.
/// Field names (``unknown field `selcet` ``) and syntax errors carry no value and stay as they are.
pub(crate) fn json_error(what: &'static str, e: &serde_json::Error) -> Error {
    const EXPECTED: &str = ", expected ";
    let text = e.to_string();
    // serde_json appends the location itself; it is put back after the rewording.
    let text = text.rsplit_once(" at line ").map_or(text.as_str(), |(text, _)| text);
    let at = if e.line() > 0 { format!(" at line {} column {}", e.line(), e.column()) } else { String::new() };
    let names_a_field = ["unknown field", "missing field", "duplicate field"].iter().any(|f| text.starts_with(f));
    if !e.is_data() || names_a_field {
        return Error::Json { what, detail: format!("{text}{at}") };
    }
    // The expectation follows the quoted value, so the last `, expected` is serde's own.
    let expected = text.rfind(EXPECTED).and_then(|i| text.get(i + EXPECTED.len()..)).map(|expected| match expected {
        e if e.starts_with("struct ") || e == "a map" => "an object",
        "a sequence" => "a list",
        "u64" | "u32" | "u16" | "u8" | "usize" => "a whole number",
        e => e,
    });
    let detail = match expected {
        Some(expected) => format!("wrong type or value{at}, expected {expected}"),
        None => format!("wrong type or value{at}"),
    };
    Error::Json { what, detail }
}

/// Codes of findings, unique and sorted, joined by commas: the audit-annotation value.
pub(crate) fn code_list<'a>(codes: impl Iterator<Item = &'a str>) -> String {
    let mut codes: Vec<&str> = codes.collect();
    codes.sort_unstable();
    codes.dedup();
    codes.join(",")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn unwraps_reviews_and_refuses_other_shapes() {
        let request = json!({"uid": "1", "operation": "CREATE", "object": {"kind": "Pod"}});
        let review = json!({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": request});
        assert_eq!(admission_request(&review), Ok(&request));
        assert_eq!(admission_request(&request), Ok(&request));
        assert!(admission_request(&json!({"kind": "AdmissionReview"})).is_err());
        assert!(admission_request(&json!({"kind": "Pod", "metadata": {}})).is_err());
        assert!(admission_request(&json!([request])).is_err());
    }

    #[test]
    fn owned_requests_unwrap_as_borrowed_ones() {
        let request = json!({"uid": "1", "operation": "CREATE", "object": {"kind": "Pod"}});
        let passed = [
            json!({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": request}),
            request.clone(),
            json!({"kind": "AdmissionReview", "request": 3}),
            json!({"kind": "AdmissionReview", "object": {}}),
            json!({"kind": "Pod", "metadata": {}}),
            json!([request]),
            json!("request"),
        ];
        for value in passed {
            let borrowed = admission_request(&value).map(policy_core::value::Value::from);
            let owned = into_admission_request(policy_core::value::Value::from(&value));
            assert_eq!(owned.map_err(|e| e.to_string()), borrowed.map_err(|e| e.to_string()), "{value}");
        }
    }

    #[test]
    fn json_errors_say_what_was_expected_but_never_repeat_the_value() {
        let secret = "eyJhbGciOiJSUzI1NiJ9.c2VjcmV0LXRva2Vu";
        let error = |json: &str| {
            serde_json::from_str::<PolicySettings>(json).err().map(|e| json_error("invalid settings", &e).to_string())
        };
        let wrong_type = error(&format!(r#"{{"exemptNamespaces": "{secret}"}}"#)).unwrap_or_default();
        assert_eq!(wrong_type, "invalid settings: wrong type or value at line 1 column 60, expected a list");
        let variant = error(&format!(r#"{{"rejectAt": "{secret}"}}"#)).unwrap_or_default();
        assert!(
            variant.starts_with("invalid settings: wrong type or value at line 1 column 52, expected one of `info`")
        );
        let quoted = error(r#"{"rejectAt": "x, expected nothing"}"#).unwrap_or_default();
        assert!(!quoted.contains("nothing") && quoted.contains("`critical`"), "{quoted}");
        let files = api::audit(&json!(secret), &Value::Null, None);
        let files = files.pointer("/errors/0/message").and_then(Value::as_str).unwrap_or_default().to_string();
        assert_eq!(files, "expected files as `[{name, content}]`: wrong type or value, expected a list");
        let field = error(r#"{"selcet": []}"#).unwrap_or_default();
        assert!(field.starts_with("invalid settings: unknown field `selcet`, expected one of"), "{field}");
        assert_eq!(error("{").as_deref(), Some("invalid settings: EOF while parsing an object at line 1 column 1"));
        let review =
            kubewarden::validate(format!("\"{secret}\"").as_bytes()).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(review.starts_with("invalid validation request: wrong type or value at line 1"), "{review}");
        assert!(review.ends_with("expected an object"), "{review}");
        for message in [wrong_type, variant, files, review] {
            assert!(!message.contains(secret), "{message}");
        }
    }

    #[test]
    fn code_lists_are_sorted_and_unique() {
        assert_eq!(code_list(["CC004", "CC001", "CC004"].into_iter()), "CC001,CC004");
        assert_eq!(code_list(std::iter::empty()), "");
    }
}
