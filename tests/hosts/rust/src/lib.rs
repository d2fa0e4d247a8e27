//! Shared by the host tests and the bench: the fixtures, the settings profiles, the expected
//! verdicts, and one normalised [`Verdict`] that every host's answer is turned into, so that
//! "same decision and codes as native policy-core" is one `assert_eq!`.

use policy_wasm::PolicySettings;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The repository root.
pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../..")
}

/// Where `cargo xtask wasm` put the modules (`AUTHN_AUDIT_DIST` overrides).
pub fn dist() -> PathBuf {
    std::env::var_os("AUTHN_AUDIT_DIST").map_or_else(|| repo().join("dist/policy"), PathBuf::from)
}

/// Read a built module; a missing one is a test failure that says how to build it.
pub fn artifact(name: &str) -> Result<Vec<u8>, String> {
    let path = dist().join(name);
    std::fs::read(&path).map_err(|e| format!("{}: {e} (build it with `cargo xtask wasm`)", path.display()))
}

/// Every AdmissionReview fixture: (name without `.json`, review JSON), sorted by name.
pub fn fixtures() -> Result<Vec<(String, Value)>, String> {
    let dir = repo().join("tests/fixtures/admission");
    let mut out = Vec::new();
    for entry in std::fs::read_dir(&dir).map_err(|e| format!("{}: {e}", dir.display()))? {
        let path = entry.map_err(|e| e.to_string())?.path();
        let name = path.file_stem().and_then(|s| s.to_str()).unwrap_or_default().to_string();
        if path.extension().is_some_and(|e| e == "json") && name != "expected" {
            let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
            out.push((name, serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?));
        }
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(out)
}

/// `tests/fixtures/admission/expected.json`: the verdicts under default settings.
pub fn expected() -> Result<BTreeMap<String, Value>, String> {
    let path = repo().join("tests/fixtures/admission/expected.json");
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut map: BTreeMap<String, Value> = serde_json::from_str(&text).map_err(|e| e.to_string())?;
    map.remove("_comment");
    Ok(map)
}

/// Settings profiles every fixture runs under: the defaults; one that moves the threshold and
/// exempts a namespace and a user (so hosts must honour settings, not just the defaults); and the
/// policy owner's exemptions, per code and per object, of what the `*_self_exempt` fixtures'
/// annotations try to exempt themselves from.
pub fn profiles() -> Vec<(&'static str, Value)> {
    vec![
        ("default", json!({})),
        ("lenient", json!({"rejectAt": "critical", "exemptNamespaces": ["kube-system"], "exemptUsers": ["bob"]})),
        ("owner", json!({"ignore": ["CC001", "CC003"], "allowedLegacyTokens": ["ci/ci-deployer-token"]})),
    ]
}

/// A host's answer, normalised.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Verdict {
    /// `None` when evaluation failed (it must fail closed: an error, never an allowance).
    pub allowed: Option<bool>,
    /// The rejection message, `CODE: message; …`.
    pub message: Option<String>,
    /// Codes that rejected, sorted and unique.
    pub deny: Vec<String>,
    /// Codes that warned, sorted and unique.
    pub warn: Vec<String>,
    /// The warnings as sent to the client.
    pub warnings: Vec<String>,
    /// The error, when evaluation failed.
    pub error: Option<String>,
}

impl Verdict {
    /// A failed evaluation.
    pub fn error(message: impl Into<String>) -> Self {
        Self { allowed: None, message: None, deny: vec![], warn: vec![], warnings: vec![], error: Some(message.into()) }
    }

    /// The same verdict with only what a Gatekeeper-style violation list carries.
    pub fn without_warnings(&self) -> Self {
        Self { warn: vec![], warnings: vec![], ..self.clone() }
    }
}

/// Split an annotation value `A,B` into codes.
pub fn codes(list: Option<&str>) -> Vec<String> {
    list.unwrap_or_default().split(',').filter(|c| !c.is_empty()).map(str::to_string).collect()
}

/// The native verdict: `policy_core::admit` through the same settings mapping the modules use.
pub fn native(review: &Value, settings: &Value) -> Verdict {
    let decided = PolicySettings::from_value(settings).and_then(|s| {
        let request = policy_wasm::admission_request(review)?;
        s.decide(request)
    });
    match decided {
        Ok(decision) => {
            let (deny, warn) = policy_wasm::kubewarden::decision_codes(&decision);
            Verdict {
                allowed: Some(decision.allowed),
                message: decision.message,
                deny: codes(Some(&deny)),
                warn: codes(Some(&warn)),
                warnings: decision.warnings,
                error: None,
            }
        }
        Err(e) => Verdict::error(e.to_string()),
    }
}

/// Kubewarden's `validate` payload for a fixture.
pub fn validation_request(review: &Value, settings: &Value) -> Vec<u8> {
    json!({"request": review.get("request").unwrap_or(&Value::Null), "settings": settings}).to_string().into_bytes()
}

/// A Kubewarden `ValidationResponse`, normalised.
pub fn from_validation_response(bytes: &[u8]) -> Verdict {
    let Ok(r) = serde_json::from_slice::<Value>(bytes) else { return Verdict::error("unparsable response") };
    let annotation = |key: &str| r.pointer(&format!("/audit_annotations/{key}")).and_then(Value::as_str);
    Verdict {
        allowed: r.get("accepted").and_then(Value::as_bool),
        message: r.get("message").and_then(Value::as_str).map(str::to_string),
        deny: codes(annotation(policy_wasm::kubewarden::REJECT_ANNOTATION)),
        warn: codes(annotation(policy_wasm::kubewarden::WARN_ANNOTATION)),
        warnings: r
            .get("warnings")
            .and_then(Value::as_array)
            .map(|w| w.iter().filter_map(Value::as_str).map(str::to_string).collect())
            .unwrap_or_default(),
        error: None,
    }
}

/// Check a verdict against the expected-verdict table entry (`allowed`, `deny`, optional `warn`,
/// or `error: true`).
pub fn check_expected(name: &str, verdict: &Verdict, expected: &Value) -> Result<(), String> {
    let fail = |what: &str| Err(format!("{name}: {what}: expected {expected}, got {verdict:?}"));
    if expected.get("error").and_then(Value::as_bool) == Some(true) {
        return if verdict.error.is_some() && verdict.allowed.is_none() { Ok(()) } else { fail("must fail closed") };
    }
    if verdict.allowed != expected.get("allowed").and_then(Value::as_bool) {
        return fail("allowed");
    }
    let list = |key: &str| -> Option<Vec<String>> {
        expected.get(key)?.as_array().map(|a| a.iter().filter_map(Value::as_str).map(str::to_string).collect())
    };
    if list("deny").is_some_and(|deny| deny != verdict.deny) {
        return fail("deny codes");
    }
    if list("warn").is_some_and(|warn| warn != verdict.warn) {
        return fail("warn codes");
    }
    Ok(())
}

/// A compiled, pre-linked kubewarden.wasm on the engine crates kwctl and policy-server use
/// (`wapc` + `wasmtime-provider`): [`wapc_instance`] makes fresh instances of it cheaply.
pub fn wapc_module(wasm: &[u8]) -> Result<wasmtime_provider::WasmtimeEngineProviderPre, String> {
    wasmtime_provider::WasmtimeEngineProviderBuilder::new()
        .module_bytes(wasm)
        .build_pre()
        .map_err(|e| format!("wasmtime engine: {e}"))
}

/// A new instance of a module, in its own waPC host.
pub fn wapc_instance(module: &wasmtime_provider::WasmtimeEngineProviderPre) -> Result<wapc::WapcHost, String> {
    let engine = module.rehydrate(None).map_err(|e| format!("wasmtime instance: {e}"))?;
    // The policy makes no host calls; answer any with an error so a stray one is visible.
    let callback = |_id: u64, binding: &str, ns: &str, op: &str, _payload: &[u8]| {
        Err(format!("unexpected host call {binding}/{ns}/{op}").into())
    };
    wapc::WapcHost::new(Box::new(engine), Some(Box::new(callback))).map_err(|e| format!("waPC host: {e}"))
}

/// A waPC host on the engine crates kwctl and policy-server use (`wapc` + `wasmtime-provider`).
pub fn wapc_host(wasm: &[u8]) -> Result<wapc::WapcHost, String> {
    wapc_instance(&wapc_module(wasm)?)
}

/// The reviews the admission benchmarks decide (`tests/fixtures/admission-bench/`): one
/// realistic CREATE review per kind of object, (name, review JSON), sorted by name.
pub fn bench_reviews() -> Result<Vec<(String, Value)>, String> {
    let dir = repo().join("tests/fixtures/admission-bench");
    let mut out = Vec::new();
    for entry in std::fs::read_dir(&dir).map_err(|e| format!("{}: {e}", dir.display()))? {
        let path = entry.map_err(|e| e.to_string())?.path();
        if path.extension().is_some_and(|e| e == "json") {
            let name = path.file_stem().and_then(|s| s.to_str()).unwrap_or_default().to_string();
            let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
            out.push((name, serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?));
        }
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(out)
}

/// Run one fixture through the waPC host's `validate`.
pub fn wapc_verdict(host: &wapc::WapcHost, review: &Value, settings: &Value) -> Verdict {
    match host.call("validate", &validation_request(review, settings)) {
        Ok(bytes) => from_validation_response(&bytes),
        Err(e) => Verdict::error(e.to_string()),
    }
}
