"""opa.wasm in opa-wasmtime (PyPI): every fixture under every settings profile, through both
entrypoints, must equal native policy-core (target/hosts/native-decisions.json); plus the
expected codes per fixture and fail-closed evaluation. Prints `N passed, N failed`."""

import json
import os
import sys
import traceback
from pathlib import Path

from opa_wasmtime import OPAPolicy

REPO = Path(__file__).resolve().parents[3]
DIST = Path(os.environ.get("AUTHN_AUDIT_DIST", REPO / "dist/policy"))
NATIVE = json.loads(Path(os.environ.get("AUTHN_AUDIT_NATIVE", REPO / "target/hosts/native-decisions.json")).read_text())
FIXTURE_DIR = REPO / "tests/fixtures/admission"
FIXTURES = sorted(
    (p.stem, json.loads(p.read_text())) for p in FIXTURE_DIR.glob("*.json") if p.name != "expected.json"
)
EXPECTED = {k: v for k, v in json.loads((FIXTURE_DIR / "expected.json").read_text()).items() if k != "_comment"}


def codes(value):
    return [c for c in (value or "").split(",") if c]


def error_verdict(e):
    return {"allowed": None, "message": None, "deny": [], "warn": [], "warnings": [], "error": str(e)}


def main_verdict(policy, review, settings):
    policy.set_data(settings)
    try:
        [answer] = policy.evaluate({"request": review["request"]}, "authn_audit/main")
    except Exception as e:  # opa_abort surfaces as a wasmtime trap or RuntimeError
        return error_verdict(e)
    r = answer["result"]["response"]
    a = r.get("auditAnnotations", {})
    return {"allowed": r["allowed"], "message": r.get("status", {}).get("message"),
            "deny": codes(a.get("authn-audit-reject")), "warn": codes(a.get("authn-audit-warn")),
            "warnings": r.get("warnings", []), "error": None}


def violation_verdict(policy, review, settings):
    try:
        [answer] = policy.evaluate({"review": review["request"], "parameters": settings}, 0)
    except Exception as e:
        return error_verdict(e)
    v = answer["result"]
    return {"allowed": not v, "message": "; ".join(x["msg"] for x in v) or None,
            "deny": sorted({x["details"]["code"] for x in v}), "warn": [], "warnings": [], "error": None}


def assert_same(got, want, where, warnings=True):
    if want["error"] is not None:
        assert got["allowed"] is None, f"{where}: must fail closed, got {got}"
        assert want["error"] in got["error"], f"{where}: error {got['error']!r} lacks {want['error']!r}"
        return
    if not warnings:
        want = {**want, "warn": [], "warnings": []}
    assert got == want, f"{where}:\n  got  {got}\n  want {want}"


def test_matches_native_every_profile_both_entrypoints(policy):
    for profile, settings in NATIVE["profiles"].items():
        for name, review in FIXTURES:
            want = NATIVE["verdicts"][profile][name]
            assert_same(main_verdict(policy, review, settings), want, f"main {profile}/{name}")
            assert_same(violation_verdict(policy, review, settings), want, f"violation {profile}/{name}", False)


def test_missing_input_aborts(policy):
    policy.set_data({})
    for input_value in ({}, {"review": {"operation": "CREATE"}}):
        try:
            result = policy.evaluate(input_value, 0)
        except Exception as e:
            assert "input has no" in str(e) or "no `object`" in str(e), str(e)
        else:
            raise AssertionError(f"evaluation of {input_value} did not abort: {result}")


def test_repeated_evaluations_are_stable(policy):
    once = [main_verdict(policy, r, {}) for _, r in FIXTURES]
    again = [main_verdict(policy, r, {}) for _, r in reversed(FIXTURES)][::-1]
    assert once == again


def test_after_a_2mb_object_every_fixture_still_matches_native(policy):
    [(_, pod)] = [(n, r) for n, r in FIXTURES if n == "ok_pod_no_token"]
    big = json.loads(json.dumps(pod))
    big["request"]["object"]["metadata"]["annotations"] = {"blob": "x" * (2 << 20)}
    assert main_verdict(policy, big, {}) == main_verdict(policy, pod, {})
    for name, review in FIXTURES:
        assert_same(main_verdict(policy, review, {}), NATIVE["verdicts"]["default"][name], f"after 2 MB: {name}")


def test_expected_codes(policy):
    for name, review in FIXTURES:
        want, got = EXPECTED[name], main_verdict(policy, review, {})
        if want.get("error"):
            assert got["allowed"] is None, f"{name}: must fail closed"
            continue
        assert got["allowed"] == want["allowed"], f"{name}: allowed: want {want}, got {got}"
        assert got["deny"] == want["deny"], f"{name}: deny: want {want['deny']}, got {got['deny']}"
        if "warn" in want:
            assert got["warn"] == want["warn"], f"{name}: warn: want {want['warn']}, got {got['warn']}"


def main():
    policy = OPAPolicy(str(DIST / "opa.wasm"))
    tests = [v for k, v in sorted(globals().items()) if k.startswith("test_")]
    failed = 0
    for test in tests:
        try:
            test(policy)
            print(f"ok {test.__name__}")
        except Exception:
            failed += 1
            print(f"FAIL {test.__name__}\n{traceback.format_exc()}")
    print(f"{len(tests) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
