//! AdmissionReview → admit: arbitrary bytes as a waPC `validate` payload and as an
//! AdmissionReview (or bare request) decided under default settings. A decision always comes
//! (or an error, which hosts turn into a rejection); it is consistent (rejected exactly when a
//! finding reaches `rejectAt`, with a message); the Kubewarden answer agrees with it; the
//! requester's own `authn-audit.dev/ignore` annotation never turns a rejection into an
//! acceptance; a secret value planted in a Secret's data is never in the answer.
#![no_main]

use authn_audit_fuzz::{MARKER, mentions_marker};
use base64::Engine as _;
use libfuzzer_sys::fuzz_target;
use policy_wasm::PolicySettings;
use policy_wasm::kubewarden::{ValidationResponse, validate};
use serde_json::{Value, json};

const IGNORE_ANNOTATION: &str = "authn-audit.dev/ignore";

fn decide(settings: &PolicySettings, request: &Value) -> Option<policy_core::AdmitDecision> {
    let decision = settings.decide(request).ok()?;
    let rejecting = decision.findings.iter().any(|f| f.severity >= settings.reject_at);
    assert_eq!(decision.allowed, !rejecting, "allowed does not follow the findings");
    assert_eq!(decision.allowed, decision.message.is_none(), "a rejection without a message, or the reverse");
    Some(decision)
}

fn object_mut<'a>(request: &'a mut Value, key: &str) -> Option<&'a mut serde_json::Map<String, Value>> {
    request.get_mut("object")?.get_mut(key)?.as_object_mut()
}

fuzz_target!(|data: &[u8]| {
    if let Ok(answer) = validate(data) {
        let response: Result<ValidationResponse, _> = serde_json::from_slice(&answer);
        assert!(response.is_ok(), "validate answered something that is not a ValidationResponse");
    }
    let Ok(value) = serde_json::from_slice::<Value>(data) else { return };
    let Ok(request) = policy_wasm::admission_request(&value) else { return };
    let settings = PolicySettings::default();
    let Some(decision) = decide(&settings, request) else { return };

    // The waPC guest decides the same request the same way.
    let payload = json!({"request": request, "settings": {}}).to_string();
    let answer = validate(payload.as_bytes()).map(|a| serde_json::from_slice::<ValidationResponse>(&a));
    match answer {
        Ok(Ok(response)) => assert_eq!(response.accepted, decision.allowed, "kubewarden and admit disagree"),
        // A bare request that calls itself `kind: AdmissionReview` is read as a review by the guest,
        // which then finds no `request`: an error, so a rejection by the host (fail closed).
        other => assert!(
            request.get("kind").and_then(Value::as_str) == Some("AdmissionReview"),
            "validate failed on a request admit decided: {:?}",
            other.err()
        ),
    }

    // Only the policy's settings exempt: the object's own ignore annotation changes nothing.
    let mut stripped = request.clone();
    if let Some(annotations) = object_mut(&mut stripped, "metadata").and_then(|m| m.get_mut("annotations"))
        && let Some(map) = annotations.as_object_mut()
        && map.remove(IGNORE_ANNOTATION).is_some()
        && let Some(without) = decide(&settings, &stripped)
    {
        assert!(
            without.allowed || !decision.allowed,
            "the requester's ignore annotation turned a rejection into an acceptance"
        );
    }

    // A secret value in a Secret's data never comes back in the answer.
    if !mentions_marker(data) && request.pointer("/object/kind").and_then(Value::as_str) == Some("Secret") {
        let mut planted = request.clone();
        if let Some(object) = planted.get_mut("object").and_then(Value::as_object_mut) {
            let b64 = base64::engine::general_purpose::STANDARD.encode(MARKER);
            let data = object.entry("data").or_insert_with(|| json!({}));
            if let Some(data) = data.as_object_mut() {
                for key in ["token", "token-secret", "password", "kubeconfig"] {
                    data.insert(key.to_string(), Value::String(b64.clone()));
                }
            }
            if let Some(decision) = decide(&settings, &planted) {
                let shown = format!("{:?} {:?} {:?}", decision.message, decision.warnings, decision.findings);
                assert!(!mentions_marker(shown.as_bytes()), "the admission answer shows a Secret's value");
            }
        }
    }
});
