//! What a host passed, read straight into policy-core's tree, minus what no decision reads.
//!
//! [`policy_core::admit`] reads the request's `operation`, `namespace`, `userInfo` and `object`,
//! nothing else: the rest of what the API server sends (`oldObject`, a whole second copy of the
//! object on every UPDATE, `options`, `uid`, the kinds and resources, `dryRun`) is skipped while
//! parsing, never built. Inside the object, two things no rule reads are skipped as well:
//! server-side apply's `metadata.managedFields[].fieldsV1` (the loader drops it from dumps too;
//! the entries' `manager` and `subresource`, which say how a CSR was approved, are kept), and
//! kubectl's `kubectl.kubernetes.io/last-applied-configuration` annotation (a copy of the object
//! as last applied, often a third of the request). Skipping never relaxes a decision: a skipped
//! field is one no admit rule reads, and `tests::skipped_fields_never_decide` fills each with an
//! object the policy rejects and checks that the decision on the whole tree is the same.
//!
//! Everything else is built exactly as `policy_core::value::Value`'s own parse builds it
//! (duplicate keys: the last wins), so the decision sees the same object.

use policy_core::value::{KeySeed, Map, Number, Str, Value};
use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use std::fmt;

/// kubectl's copy of the object as last applied.
pub const LAST_APPLIED: &str = "kubectl.kubernetes.io/last-applied-configuration";

/// Read what a host passed as the request (an AdmissionReview or a bare AdmissionRequest).
pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Value, D::Error> {
    Lean { place: Place::Passed, open: &mut Open::default() }.deserialize(deserializer)
}

/// [`deserialize`] from a tree serde_json already holds (the OPA module's input, the npm package's
/// argument): the same lean tree as from the bytes, so those modules skip what Kubewarden's skips.
pub fn from_json(passed: &serde_json::Value) -> Value {
    // Reading a serde_json tree cannot fail (every value is one `Lean` takes); if it ever did,
    // the whole tree decides.
    deserialize(passed).unwrap_or_else(|_| Value::from(passed))
}

/// Where in the request a value is, for the places where something is skipped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Place {
    /// What the host passed: an AdmissionReview or the request itself.
    Passed,
    /// An AdmissionReview's `request`.
    Request,
    /// The request's `object`.
    Object,
    /// The object's `metadata`.
    Metadata,
    /// `metadata.managedFields`.
    ManagedFields,
    /// One entry of `metadata.managedFields`.
    ManagedField,
    /// `metadata.annotations`.
    Annotations,
    /// Anywhere else: built whole, as policy-core's own parse builds it.
    Whole,
}

impl Place {
    /// Where the value of `key` is, or `None` when no decision reads it (it is parsed past,
    /// not built).
    fn child(self, key: &str) -> Option<Place> {
        match (self, key) {
            (Self::Passed | Self::Request, "object") => Some(Self::Object),
            (Self::Passed | Self::Request, "operation" | "namespace" | "userInfo") => Some(Self::Whole),
            // An AdmissionReview's own fields: `kind` says it is one, `request` holds the request.
            (Self::Passed, "request") => Some(Self::Request),
            (Self::Passed, "kind" | "apiVersion") => Some(Self::Whole),
            (Self::Passed | Self::Request, _) => None,
            (Self::Object, "metadata") => Some(Self::Metadata),
            (Self::Metadata, "managedFields") => Some(Self::ManagedFields),
            (Self::Metadata, "annotations") => Some(Self::Annotations),
            (Self::ManagedField, "fieldsV1") | (Self::Annotations, LAST_APPLIED) => None,
            _ => Some(Self::Whole),
        }
    }

    /// Where each item of a sequence here is.
    fn item(self) -> Place {
        if self == Self::ManagedFields { Self::ManagedField } else { Self::Whole }
    }
}

/// The entries and items of every open mapping and sequence, innermost last: each container is
/// allocated once, exactly sized, when it closes (serde_json gives no length up front, and a
/// vector grown by doubling then shrunk costs a reallocation or two per container: in wasm a
/// request's reading is mostly allocation).
#[derive(Default)]
struct Open {
    entries: Vec<(Str, Value)>,
    items: Vec<Value>,
}

/// Reads one value at a [`Place`].
struct Lean<'o> {
    place: Place,
    open: &'o mut Open,
}

impl<'de> DeserializeSeed<'de> for Lean<'_> {
    type Value = Value;
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Lean<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, b: bool) -> Result<Value, E> {
        Ok(Value::Bool(b))
    }

    fn visit_i64<E>(self, n: i64) -> Result<Value, E> {
        Ok(Value::Number(n.into()))
    }

    fn visit_u64<E>(self, n: u64) -> Result<Value, E> {
        Ok(Value::Number(n.into()))
    }

    fn visit_f64<E>(self, n: f64) -> Result<Value, E> {
        Ok(Number::from_f64(n).map_or(Value::Null, Value::Number))
    }

    fn visit_str<E>(self, s: &str) -> Result<Value, E> {
        Ok(Value::from(s))
    }

    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let start = self.open.items.len();
        let place = self.place.item();
        while let Some(item) = seq.next_element_seed(Lean { place, open: self.open })? {
            self.open.items.push(item);
        }
        Ok(Value::Array(self.open.items.drain(start..).collect()))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Value, A::Error> {
        let start = self.open.entries.len();
        while let Some(key) = access.next_key_seed(KeySeed)? {
            let Some(place) = self.place.child(&key) else {
                access.next_value::<IgnoredAny>()?;
                continue;
            };
            let value = access.next_value_seed(Lean { place, open: self.open })?;
            self.open.entries.push((key, value));
        }
        Ok(Value::Object(Map::from_entries(self.open.entries.drain(start..).collect())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::PolicySettings;
    use serde_json::json;

    fn lean(passed: &serde_json::Value) -> Value {
        let text = passed.to_string();
        let mut deserializer = serde_json::Deserializer::from_str(&text);
        deserialize(&mut deserializer).unwrap_or_default()
    }

    /// The decision on what was passed, read whole or lean.
    fn decide(passed: Value) -> Result<policy_core::AdmitDecision, String> {
        let request = crate::into_admission_request(passed).map_err(|e| e.to_string())?;
        PolicySettings::default().prepare().decide_owned(request).map_err(|e| e.to_string())
    }

    /// Every review the hosts are tested and measured with: the admission fixtures and the bench's.
    fn reviews() -> Vec<(String, serde_json::Value)> {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures");
        let mut out = Vec::new();
        for dir in ["admission", "admission-bench"] {
            let entries = std::fs::read_dir(root.join(dir)).into_iter().flatten().filter_map(Result::ok);
            for path in entries.map(|e| e.path()).filter(|p| p.extension().is_some_and(|e| e == "json")) {
                let review = std::fs::read(&path).ok().and_then(|b| serde_json::from_slice(&b).ok());
                out.push((path.display().to_string(), review.unwrap_or_default()));
            }
        }
        out
    }

    /// Objects the default policy rejects: a legacy token Secret (SA001) and a CSR for
    /// `system:masters` (CC001).
    fn rejected() -> [serde_json::Value; 2] {
        use base64::Engine as _;
        let csr = include_str!("../../policy-core/src/inventory/testdata/mallory.csr");
        [
            json!({"apiVersion": "v1", "kind": "Secret", "type": "kubernetes.io/service-account-token",
                "metadata": {"name": "t", "namespace": "ci", "annotations": {"kubernetes.io/service-account.name": "d"}}}),
            json!({"apiVersion": "certificates.k8s.io/v1", "kind": "CertificateSigningRequest",
                "metadata": {"name": "m"},
                "spec": {"request": base64::engine::general_purpose::STANDARD.encode(csr),
                    "signerName": "kubernetes.io/kube-apiserver-client", "usages": ["client auth"]}}),
        ]
    }

    #[test]
    fn the_lean_tree_is_decided_as_the_whole_one() {
        let reviews = reviews();
        assert!(reviews.len() > 20, "{} reviews", reviews.len());
        let mut rejected = 0;
        for (name, review) in &reviews {
            let whole = decide(Value::from(review));
            rejected += usize::from(whole.as_ref().is_ok_and(|d| !d.allowed));
            assert_eq!(decide(lean(review)), whole, "{name}");
            // A bare request too.
            let request = review.get("request").cloned().unwrap_or_default();
            assert_eq!(decide(lean(&request)), decide(Value::from(&request)), "{name}");
        }
        assert!(rejected > 5, "the fixtures include rejections ({rejected})");
    }

    /// Each skipped field, filled with an object the policy rejects, in every review: the decision
    /// on the whole tree, which has it, is the lean one. A rule that starts reading one of them
    /// fails here, and the field must then be kept.
    #[test]
    fn skipped_fields_never_decide() {
        type Fill = fn(&mut serde_json::Value, &serde_json::Value);
        let fills: [(&str, Fill); 6] = [
            ("oldObject", |r, o| r["request"]["oldObject"] = o.clone()),
            ("options", |r, o| r["request"]["options"] = o.clone()),
            ("an unknown request field", |r, o| r["request"]["object2"] = o.clone()),
            ("a review field", |r, o| r["oldObject"] = o.clone()),
            ("fieldsV1", |r, o| {
                r["request"]["object"]["metadata"]["managedFields"] =
                    json!([{"manager": "kubectl", "subresource": "approval", "fieldsV1": o}]);
            }),
            ("the last-applied annotation", |r, o| {
                r["request"]["object"]["metadata"]["annotations"][LAST_APPLIED] = json!(o.to_string());
            }),
        ];
        for (name, review) in reviews().iter().filter(|(_, r)| r.pointer("/request/object/metadata").is_some()) {
            for object in rejected() {
                for (field, fill) in &fills {
                    let mut filled = review.clone();
                    fill(&mut filled, &object);
                    let whole = Value::from(&filled);
                    let skipped = lean(&filled);
                    assert_ne!(skipped, whole, "{field} is skipped ({name})");
                    // The OPA module and the npm package skip it in serde_json's tree.
                    assert_eq!(from_json(&filled), skipped, "{field} of {name}, from a serde_json tree");
                    assert_eq!(decide(skipped), decide(whole), "{field} of {name}");
                }
            }
        }
    }

    #[test]
    fn only_the_skipped_fields_are_missing() {
        let review = json!({"kind": "AdmissionReview", "apiVersion": "admission.k8s.io/v1", "extra": 1,
            "request": {"uid": "u", "operation": "UPDATE", "namespace": "ns", "userInfo": {"username": "a", "extra": {"k": ["v"]}},
                "oldObject": {"kind": "Pod"}, "dryRun": false,
                "object": {"kind": "Pod", "metadata": {"name": "p", "labels": {"a": "b"},
                    "annotations": {LAST_APPLIED: "{}", "other": "x"},
                    "managedFields": [{"manager": "kubectl", "subresource": "approval", "fieldsV1": {"f:spec": {}}}]},
                    "spec": {"containers": [{"name": "c", "fieldsV1": 1}]}, "status": {"phase": "Pending"}}}});
        let expected = json!({"kind": "AdmissionReview", "apiVersion": "admission.k8s.io/v1",
            "request": {"operation": "UPDATE", "namespace": "ns", "userInfo": {"username": "a", "extra": {"k": ["v"]}},
                "object": {"kind": "Pod", "metadata": {"name": "p", "labels": {"a": "b"},
                    "annotations": {"other": "x"},
                    "managedFields": [{"manager": "kubectl", "subresource": "approval"}]},
                    "spec": {"containers": [{"name": "c", "fieldsV1": 1}]}, "status": {"phase": "Pending"}}}});
        assert_eq!(lean(&review), Value::from(&expected));
        // Other shapes are read whole, as policy-core reads them.
        for other in [json!([1, {"oldObject": 2}]), json!("x"), json!(null), json!(1.5)] {
            assert_eq!(lean(&other), Value::from(&other), "{other}");
        }
        // A mapping that is neither is refused as it was.
        let neither = json!({"a": {"object": 1}});
        assert_eq!(decide(lean(&neither)), decide(Value::from(&neither)));
        assert_eq!(decide(lean(&neither)).err().as_deref(), Some(crate::Error::NotAdmission.to_string().as_str()));
    }

    /// The OPA module and the npm package read a serde_json tree: they get the tree Kubewarden's
    /// module reads from the bytes, so what `skipped_fields_never_decide` holds holds for them.
    #[test]
    fn a_parsed_request_is_read_as_lean_as_its_bytes() {
        let reviews = reviews();
        for (name, review) in &reviews {
            assert_eq!(from_json(review), lean(review), "{name}");
            let request = review.get("request").cloned().unwrap_or_default();
            assert_eq!(from_json(&request), lean(&request), "{name}");
            assert_ne!(from_json(review), Value::from(review), "something is skipped in {name}");
        }
        for other in [json!([1, {"oldObject": 2}]), json!("x"), json!(null), json!(1.5), json!({"a": {"object": 1}})] {
            assert_eq!(from_json(&other), lean(&other), "{other}");
        }
    }

    /// What a requester can write to hide a field from a reader that skips by key: a key given
    /// twice (the last wins, in either reading), a key spelled with escapes (`\u006a` is `j`), a
    /// skipped key's look-alike, lists where an object is expected. The lean reading of each text
    /// is decided as policy-core's own parse of the whole text is, and the legacy token Secret
    /// hidden in it is rejected both ways.
    #[test]
    fn a_requester_cannot_hide_a_field_from_the_lean_reading() {
        let token = rejected()[0].to_string();
        let harmless = r#"{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}}"#;
        let request = |body: &str| {
            format!(r#"{{"kind": "AdmissionReview", "request": {{"operation": "CREATE", "namespace": "ci", {body}}}}}"#)
        };
        let texts = [
            request(&format!(r#""object": {harmless}, "object": {token}"#)),
            request(&format!(r#""ob\u006aect": {token}"#)),
            request(&format!(r#""object": {harmless}, "ob\u006aect": {token}"#)),
            request(&format!(r#""oldObject": {harmless}, "object": {token}, "oldObject": {harmless}"#)),
            request(&format!(r#""operation": "DELETE", "object": {token}, "op\u0065ration": "CREATE""#)),
            format!(
                r#"{{"kind": "AdmissionReview", "request": {{"operation": "CREATE", "object": {harmless}}}, "request": {{"operation": "CREATE", "object": {token}}}}}"#
            ),
            request(&format!(
                r#""object": {{"apiVersion": "v1", "kind": "Secret", "type": "kubernetes.io/service-account-token",
                    "metadata": {{"name": "x"}},
                    "m\u0065tadata": {{"name": "t", "namespace": "ci",
                        "managedFields": [[{{"fieldsV1": {token}}}], {{"fieldsV1": 1, "fieldsV1": 2}}],
                        "annotations": {{"kubectl.kubernetes.io/last-applied-configuration": "{{}}",
                            "kubernetes.io/service-account.n\u0061me": "d"}}}}}}"#
            )),
        ];
        for text in &texts {
            let mut deserializer = serde_json::Deserializer::from_str(text);
            let lean = deserialize(&mut deserializer).unwrap_or_default();
            let whole: Value = serde_json::from_str(text).unwrap_or_default();
            assert_ne!(whole, Value::Null, "{text}");
            let decision = decide(lean);
            assert_eq!(decision, decide(whole), "{text}");
            assert!(decision.is_ok_and(|d| !d.allowed), "the token is rejected: {text}");
        }
    }

    #[test]
    fn malformed_json_is_still_an_error() {
        for text in [r#"{"request": {"oldObject": [}}"#, r#"{"object": {"metadata": {"annotations": {"#, "[1,"] {
            let mut deserializer = serde_json::Deserializer::from_str(text);
            assert!(deserialize(&mut deserializer).is_err(), "{text}");
        }
    }
}
