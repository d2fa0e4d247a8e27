#!/usr/bin/env bash
# Builds the policy modules (cargo xtask wasm) and runs them in every real host, comparing each
# decision with native policy-core:
#   - Rust: wapc + wasmtime-provider (kwctl's engine crates) and the wasmparser shape checks;
#   - node: @wapc/host, @open-policy-agent/opa-wasm, the npm package (node and web builds), tsc;
#   - Python: opa-wasmtime;
#   - kwctl 1.35.0, Kubewarden's own evaluator: kubewarden.wasm (waPC), opa.wasm (opa mode) and gatekeeper.wasm,
#     offline, from the prebuilt copy in ../shared/tools/kubewarden (AUTHN_AUDIT_KUBEWARDEN_TOOLS
#     overrides). Without it the suite fails under CI=true and is skipped, loudly, elsewhere.
# Every suite runs even when an earlier one fails; the exit status is non-zero if any failed.
# Usage: scripts/test-hosts.sh [--bench]   (--bench also prints the figures of docs/benchmarks.md)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# shellcheck source=tools.sh
source scripts/tools.sh

HOSTS_TARGET="$ROOT/target/hosts"
HOSTS_MANIFEST="$ROOT/tests/hosts/rust/Cargo.toml"
# Where cargo builds the host. .ci/run points it at a cache kept between CI runs: the host has its
# own lock file, so wasmtime's ~10 cold minutes are paid once per machine, not once per clone.
HOSTS_CARGO_TARGET="${AUTHN_AUDIT_HOSTS_CARGO_TARGET:-$HOSTS_TARGET}"
hosts_cargo() { CARGO_TARGET_DIR="$HOSTS_CARGO_TARGET" cargo "$1" --manifest-path "$HOSTS_MANIFEST" "${@:2}"; }
step() { printf '\n\033[1m[test-hosts]\033[0m %s\n' "$*" >&2; }
# ../shared next to the main checkout (a git worktree elsewhere shares the main one's).
MAIN_CHECKOUT="$(dirname "$(git -C "$ROOT" rev-parse --path-format=absolute --git-common-dir 2>/dev/null || echo "$ROOT/.git")")"
KUBEWARDEN_TOOLS="${AUTHN_AUDIT_KUBEWARDEN_TOOLS:-$MAIN_CHECKOUT/../shared/tools/kubewarden}"

ensure_rust_targets
ensure_npm_deps tests/hosts
ensure_python_venv "$HOSTS_TARGET/venv" tests/hosts/requirements.txt

step "building the modules into dist/policy/"
cargo xtask wasm

step "building the Rust host (wasmtime; ~10 minutes cold on 2 cores)"
hosts_cargo build --bins --tests
hosts_cargo run --quiet --bin native-decisions -- "$HOSTS_TARGET/native-decisions.json"

failed=()
skipped=""
step "Rust: waPC on wasmtime (wapc + wasmtime-provider) and module shapes"
hosts_cargo test || failed+=("rust")
step "node: @wapc/host, @open-policy-agent/opa-wasm, npm package, tsc"
(cd tests/hosts && node --test js/*.test.mjs) || failed+=("node")
step "python: opa-wasmtime"
"$HOSTS_TARGET/venv/bin/python" tests/hosts/python/test_opa_wasmtime.py || failed+=("python")
step "kwctl: kubewarden.wasm (waPC), opa.wasm (opa mode), gatekeeper.wasm (gatekeeper mode) in Kubewarden's evaluator"
if [ -x "$KUBEWARDEN_TOOLS/kwctl" ]; then
  (cd tests/hosts && KWCTL="$KUBEWARDEN_TOOLS/kwctl" \
    KWCTL_TRUST_CONFIG="$KUBEWARDEN_TOOLS/sigstore-client-trust-config.json" node --test js/kwctl.mjs) \
    || failed+=("kwctl")
elif [ "${CI:-}" = "true" ]; then
  step "ERROR: no kwctl at $KUBEWARDEN_TOOLS/kwctl: the kwctl suite cannot run (set AUTHN_AUDIT_KUBEWARDEN_TOOLS)"
  failed+=("kwctl (kwctl missing)")
else
  step "SKIPPED the kwctl suite: no kwctl at $KUBEWARDEN_TOOLS/kwctl (set AUTHN_AUDIT_KUBEWARDEN_TOOLS; under CI=true this fails)"
  skipped="kwctl"
fi

if [ "${1:-}" = "--bench" ]; then
  step "figures"
  hosts_cargo run --quiet --bin bench
  (cd tests/hosts && node bench.mjs)
fi

if [ ${#failed[@]} -gt 0 ]; then
  step "FAILED host suites: ${failed[*]}"
  exit 1
fi
step "every host agrees with native policy-core${skipped:+ (SKIPPED: $skipped)}"
