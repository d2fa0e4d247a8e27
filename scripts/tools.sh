#!/usr/bin/env bash
# Idempotent installers for everything the build and tests need beyond the Rust toolchain.
# Source it and call the `ensure_*` functions, or run `scripts/tools.sh all`.
# Each one skips work when the right version is already there, so later runs take seconds.
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TRUNK_VERSION="0.21.14"   # trunk 0.22 needs rustc 1.96.1; we pin rustc 1.95
CARGO_FUZZ_VERSION="0.13.2"

log() { printf '\033[1m[tools]\033[0m %s\n' "$*" >&2; }

ensure_rust_targets() {
  local installed
  installed="$(rustup target list --installed)"
  for target in wasm32-unknown-unknown wasm32-wasip1; do
    grep -qx "$target" <<<"$installed" || { log "adding rust target $target"; rustup target add "$target"; }
  done
}

# Neither trunk nor wasm-bindgen-cli is needed by the build or the tests any more: `cargo xtask
# viewer` and `cargo xtask wasm` run wasm-bindgen as a library. The two installers stay for
# people who build the viewer with `trunk build --release` (Trunk.toml).

# The wasm-bindgen version Cargo.lock resolved: the CLI must match it exactly.
wasm_bindgen_lock_version() {
  awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' "$REPO_ROOT/Cargo.lock"
}

ensure_wasm_bindgen_cli() {
  local want have=""
  want="$(wasm_bindgen_lock_version)"
  [ -n "$want" ] || { log "no wasm-bindgen in Cargo.lock"; return 1; }
  command -v wasm-bindgen >/dev/null && have="$(wasm-bindgen --version | awk '{print $2}')"
  if [ "$have" != "$want" ]; then
    log "installing wasm-bindgen-cli $want (have: ${have:-none})"
    # Installs only without --locked (its own lock file pins a too-new toolchain dependency).
    cargo install wasm-bindgen-cli --version "$want" --force
  fi
}

ensure_trunk() {
  local have=""
  command -v trunk >/dev/null && have="$(trunk --version | awk '{print $2}')"
  if [ "$have" != "$TRUNK_VERSION" ]; then
    log "installing trunk $TRUNK_VERSION (about 13 minutes on 2 cores, once)"
    cargo install trunk --version "$TRUNK_VERSION" --locked --force
  fi
}

# cargo-fuzz drives libFuzzer builds; scripts/fuzz.sh runs it on the pinned stable toolchain.
ensure_cargo_fuzz() {
  local have=""
  command -v cargo-fuzz >/dev/null && have="$(cargo fuzz --version | awk '{print $2}')"
  if [ "$have" != "$CARGO_FUZZ_VERSION" ]; then
    log "installing cargo-fuzz $CARGO_FUZZ_VERSION (have: ${have:-none})"
    cargo install cargo-fuzz --version "$CARGO_FUZZ_VERSION" --locked --force
  fi
}

apt_install() {
  local missing=()
  for pkg in "$@"; do dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg"); done
  if [ ${#missing[@]} -gt 0 ]; then
    log "apt-get install ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
}

ensure_chromium() { apt_install chromium chromium-driver; }

# callgrind counts the pathological benchmark's instructions (cargo xtask bench).
ensure_valgrind() { apt_install valgrind; }

# npm dependencies of a folder with a package-lock.json; skipped when node_modules matches it.
ensure_npm_deps() {
  local dir="$1"
  if [ ! -f "$dir/node_modules/.package-lock.json" ] || ! cmp -s <(jq -S .packages "$dir/package-lock.json" 2>/dev/null) <(jq -S .packages "$dir/node_modules/.package-lock.json" 2>/dev/null); then
    log "npm ci in $dir"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
  fi
}

# A Python virtualenv with pinned requirements; skipped when the requirements are unchanged.
ensure_python_venv() {
  local dir="$1" requirements="$2"
  if [ ! -x "$dir/bin/python" ] || ! cmp -s "$requirements" "$dir/.requirements"; then
    log "python venv in $dir"
    python3 -m venv "$dir"
    "$dir/bin/pip" install --quiet --disable-pip-version-check -r "$requirements"
    cp "$requirements" "$dir/.requirements"
  fi
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  case "${1:-all}" in
    all) apt_install jq; ensure_rust_targets; ensure_chromium ;;
    *) "ensure_$1" "${@:2}" ;;
  esac
fi
