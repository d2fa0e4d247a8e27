//! The OPA ABI module's native half: the host's input bytes (`opa::parse_json`, which tolerates
//! a trailing NUL) into a result set (`opa::result_set`) for both entrypoints. An answer is
//! always a one-element result set of the right shape or an error (the module aborts, never
//! "no violations"), and the two entrypoints agree: no violation exactly when `main` allows.
#![no_main]

use libfuzzer_sys::fuzz_target;
use policy_wasm::opa::{parse_json, result_set};
use serde_json::{Value, json};

/// The single result of a result set, checking its shape.
fn result(set: Value) -> Value {
    match set {
        Value::Array(mut items) if items.len() == 1 => match items.pop() {
            Some(Value::Object(mut item)) => item.remove("result").unwrap_or(Value::Null),
            other => panic!("result set item is not an object: {other:?}"),
        },
        other => panic!("result set is not one item: {other}"),
    }
}

/// `violation` → whether it found none; `main` → whether it allowed. Entrypoint 0 given an
/// AdmissionReview (Kubewarden's `opa` mode) answers a response, as `main` does.
fn evaluate(input: &Value, data: Option<&Value>) -> (Option<bool>, Option<bool>) {
    let clean = result_set(0, Some(input), None).ok().map(|set| match result(set) {
        Value::Array(violations) => violations.is_empty(),
        other => other
            .pointer("/response/allowed")
            .and_then(Value::as_bool)
            .unwrap_or_else(|| panic!("violations are neither an array nor a response: {other}")),
    });
    let allowed = result_set(1, Some(input), data).ok().map(|set| {
        let allowed = result(set).pointer("/response/allowed").and_then(Value::as_bool);
        allowed.unwrap_or_else(|| panic!("main answered without `response.allowed`"))
    });
    (clean, allowed)
}

fuzz_target!(|data: &[u8]| {
    let input = parse_json(data);
    let mut with_nul = data.to_vec();
    with_nul.push(0);
    assert_eq!(parse_json(&with_nul), input, "a trailing NUL changed the input");
    assert!(result_set(0, None, None).is_err() && result_set(1, None, None).is_err(), "undefined input evaluated");
    assert_eq!(result_set(7, input.as_ref(), None), Ok(json!([])), "unknown entrypoint");
    let Some(input) = input else { return };
    let parameters = input.get("parameters").filter(|p| p.is_object());
    let _ = evaluate(&input, parameters);
    // Hosts pass the AdmissionReview as `review` (violation) or `request` (main): when the
    // fuzzed value is the review itself, ask both and compare.
    let review = input.get("review").unwrap_or(&input);
    let Ok(request) = policy_wasm::admission_request(review) else { return };
    let as_violation = json!({"review": review, "parameters": parameters});
    let (clean, _) = evaluate(&as_violation, None);
    let (_, allowed) = evaluate(&json!({"request": request}), parameters);
    if let (Some(clean), Some(allowed)) = (clean, allowed) {
        assert_eq!(clean, allowed, "violation and main disagree");
    }
});
