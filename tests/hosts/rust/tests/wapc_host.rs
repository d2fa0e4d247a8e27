//! kubewarden.wasm in a waPC host built on kwctl's engine crates (wapc 2.1 + wasmtime-provider 2.13,
//! wasmtime 38): the three Kubewarden operations, every fixture under every settings profile
//! compared with native policy-core, and the expected codes per fixture.
#![allow(clippy::unwrap_used, clippy::indexing_slicing, reason = "test code: a missing value should stop the test")]

use authn_audit_hosts::*;
use serde_json::{Value, json};

fn host() -> wapc::WapcHost {
    wapc_host(&artifact("kubewarden.wasm").unwrap()).unwrap()
}

#[test]
fn protocol_version_is_v1() {
    assert_eq!(host().call("protocol_version", b"").unwrap(), b"\"v1\"");
}

#[test]
fn validate_settings_accepts_good_and_explains_bad() {
    let host = host();
    let answer = |settings: &str| -> Value {
        serde_json::from_slice(&host.call("validate_settings", settings.as_bytes()).unwrap()).unwrap()
    };
    assert_eq!(answer("{}"), json!({"valid": true, "message": null}));
    assert_eq!(answer(r#"{"exemptNamespaces":["kube-system"],"rejectAt":"high"}"#)["valid"], true);
    assert_eq!(
        answer(r#"{"exemptNamespaces":[""]}"#),
        json!({"valid": false, "message": "`exemptNamespaces` holds an empty name"})
    );
    assert_eq!(answer(r#"{"rejectAt":"sometimes"}"#)["valid"], false);
}

#[test]
fn unknown_operations_are_errors() {
    let err = host().call("mutate", b"{}").unwrap_err().to_string();
    assert!(err.contains("No handler registered"), "{err}");
}

#[test]
fn every_fixture_matches_native_under_every_profile() {
    let host = host();
    let fixtures = fixtures().unwrap();
    assert!(fixtures.len() >= 15, "fixtures missing: {}", fixtures.len());
    for (profile, settings) in profiles() {
        for (name, review) in &fixtures {
            let native = native(review, &settings);
            let wasm = wapc_verdict(&host, review, &settings);
            if native.error.is_some() {
                assert!(
                    wasm.error.is_some() && wasm.allowed.is_none(),
                    "{profile}/{name}: must fail closed, got {wasm:?}"
                );
                let (n, w) = (native.error.as_deref().unwrap(), wasm.error.as_deref().unwrap());
                assert!(w.contains(n), "{profile}/{name}: error `{w}` does not carry `{n}`");
            } else {
                assert_eq!(wasm, native, "{profile}/{name}");
            }
        }
    }
}

#[test]
fn the_same_instance_gives_the_same_answers_twice() {
    // Catches state leaking between calls inside one module instance.
    let host = host();
    let fixtures = fixtures().unwrap();
    let first: Vec<Verdict> = fixtures.iter().map(|(_, r)| wapc_verdict(&host, r, &json!({}))).collect();
    let second: Vec<Verdict> = fixtures.iter().rev().map(|(_, r)| wapc_verdict(&host, r, &json!({}))).collect();
    assert_eq!(first, second.into_iter().rev().collect::<Vec<_>>());
}

#[test]
fn one_instance_answers_every_request_as_a_fresh_instance_does() {
    // What the module builds once per instance (the default roles and their aggregation, the
    // RBAC index of the defaults, parsed settings) must never change a decision: every request,
    // under settings that change between calls, gets from one long-lived instance what a fresh
    // instance answers.
    let module = wapc_module(&artifact("kubewarden.wasm").unwrap()).unwrap();
    let long_lived = wapc_instance(&module).unwrap();
    let mut requests = bench_reviews().unwrap();
    assert!(requests.len() >= 13, "bench reviews missing: {}", requests.len());
    requests.extend(fixtures().unwrap());
    let mut decided = 0;
    for (name, review) in &requests {
        for (profile, settings) in profiles() {
            let fresh = wapc_verdict(&wapc_instance(&module).unwrap(), review, &settings);
            assert_eq!(wapc_verdict(&long_lived, review, &settings), fresh, "{profile}/{name}");
            decided += usize::from(fresh.error.is_none());
        }
    }
    assert!(decided > 2 * requests.len(), "too few decisions: {decided}");
}

#[test]
fn every_fixture_gives_its_expected_codes() {
    let host = host();
    let expected = expected().unwrap();
    let fixtures = fixtures().unwrap();
    let names: Vec<&String> = fixtures.iter().map(|(n, _)| n).collect();
    assert_eq!(expected.keys().collect::<Vec<_>>(), names, "expected.json and the fixtures disagree");
    let failures: Vec<String> = fixtures
        .iter()
        .filter_map(|(name, review)| {
            check_expected(name, &wapc_verdict(&host, review, &json!({})), &expected[name]).err()
        })
        .collect();
    assert!(failures.is_empty(), "{} fixtures off:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn only_the_policy_owner_exempts_at_admission() {
    // The `*_self_exempt` objects name their own codes in `authn-audit.dev/ignore`: that is no
    // exemption at admission; the owner's settings (the `owner` profile) are.
    let host = host();
    let owner = profiles().into_iter().find(|(name, _)| *name == "owner").unwrap().1;
    let self_exempt: Vec<(String, Value)> =
        fixtures().unwrap().into_iter().filter(|(name, _)| name.ends_with("_self_exempt")).collect();
    assert_eq!(self_exempt.len(), 2, "the self-exempt fixtures are missing");
    for (name, review) in &self_exempt {
        let annotation = &review["request"]["object"]["metadata"]["annotations"]["authn-audit.dev/ignore"];
        assert!(annotation.as_str().is_some_and(|codes| !codes.is_empty()), "{name}: no annotation");
        for verdict in [native(review, &json!({})), wapc_verdict(&host, review, &json!({}))] {
            assert_eq!(verdict.allowed, Some(false), "{name}: the annotation exempted it: {verdict:?}");
        }
        for verdict in [native(review, &owner), wapc_verdict(&host, review, &owner)] {
            assert_eq!(verdict.allowed, Some(true), "{name}: the owner's settings did not exempt it: {verdict:?}");
        }
    }
}
