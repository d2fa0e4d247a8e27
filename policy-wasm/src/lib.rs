//! The protocol half of the policy-engine modules: settings, request unwrapping and the answer
//! shapes each host expects, as plain Rust over [`policy_core::admit`] and [`policy_core::analyze`].
//!
//! This crate has no wasm exports, no `unsafe` and no host imports, so every answer a host will
//! see is unit-tested natively. The artifacts are thin shells around it:
//! `policy-wasm/kubewarden` (waPC guest), `policy-wasm/opa` (OPA Wasm ABI 1.2) and
//! `policy-wasm/js` (wasm-bindgen). `cargo xtask wasm` builds them into `dist/policy/`.

pub mod api;
pub mod kubewarden;
pub mod opa;
pub mod settings;

pub use settings::PolicySettings;

use serde_json::Value;

/// The AdmissionRequest inside what a caller passed: an AdmissionReview (any version) or the bare
/// request. Anything else is an error, so that a malformed call is rejected rather than allowed.
pub fn admission_request(value: &Value) -> Result<&Value, String> {
    match value {
        Value::Object(map) if map.get("kind").and_then(Value::as_str) == Some("AdmissionReview") => {
            match map.get("request") {
                Some(request @ Value::Object(_)) => Ok(request),
                _ => Err("AdmissionReview has no `request`".to_string()),
            }
        }
        Value::Object(map) if map.contains_key("object") || map.contains_key("operation") => Ok(value),
        Value::Object(_) => Err("expected an AdmissionReview or an AdmissionRequest".to_string()),
        _ => Err("admission request is not a JSON object".to_string()),
    }
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
    fn code_lists_are_sorted_and_unique() {
        assert_eq!(code_list(["CC004", "CC001", "CC004"].into_iter()), "CC001,CC004");
        assert_eq!(code_list(std::iter::empty()), "");
    }
}
