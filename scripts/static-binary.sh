#!/usr/bin/env bash
# The static CLI binary the Containerfile ships, built and tested without a container tool.
#
#   scripts/static-binary.sh build OUT   cargo install --locked --path cli --root OUT, linked statically
#                                        against musl: OUT/bin/authn-audit (what the Containerfile runs)
#   scripts/static-binary.sh             from a clean clone of HEAD, the same build into
#                                        target/static, then the checks below
#
# The checks run the binary the way the scratch image does: it has no program interpreter and
# no shared library; it scans the examples from an empty directory with an empty environment; and
# it scans them again inside a directory holding nothing but the binary and the inputs (chroot, as
# uid 65532 like the image's USER). Each run scans the inputs of tests/golden/examples.json (the
# examples) and must give its findings.
# A cold run is one release build for the musl target (see docs/ci.md for the minutes).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT="$PWD"
TRIPLE=x86_64-unknown-linux-musl
# The instant the golden reports were rendered at (tests/tests/render.rs).
NOW=2025-11-28T12:00:00Z
# The image's user: any unprivileged uid works, the scan only reads its inputs.
UID_GID=65532:65532

step() { printf '\033[1m[static-binary]\033[0m %s\n' "$*" >&2; }
fail() { printf '\033[1;31m[static-binary] %s\033[0m\n' "$*" >&2; exit 1; }

ensure_musl_target() {
  # Inside the Containerfile's rust:alpine image musl is the host: nothing to add.
  rustup target list --installed | grep -qx "$TRIPLE" || { step "adding rust target $TRIPLE"; rustup target add "$TRIPLE"; }
}

ensure_musl_cc() {
  # The CLI's allocator (mimalloc) is C, compiled by the cc crate, which needs a C compiler for
  # musl: Alpine's own gcc (musl is the host there, as in the Containerfile), else musl-gcc.
  [ -f /etc/alpine-release ] || command -v musl-gcc >/dev/null || { source scripts/tools.sh; apt_install musl-tools; }
}

build() {
  local out="$1"
  ensure_musl_target
  ensure_musl_cc
  # `cargo install` is the documented install path; `--locked` keeps Cargo.lock's versions.
  cargo install --locked --path cli --root "$out" --target "$TRIPLE" --force
}

if [ "${1:-}" = build ]; then
  [ $# -eq 2 ] || fail "usage: scripts/static-binary.sh build OUT"
  build "$2"
  exit 0
fi
[ $# -eq 0 ] || fail "usage: scripts/static-binary.sh [build OUT]"

source scripts/tools.sh
apt_install jq binutils
OUT="$ROOT/target/static"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

# A clean clone proves the install needs nothing but what is committed. It builds into this
# checkout's target directory, so the dependencies are compiled once and reused by later runs.
step "cargo install --locked --path cli --target $TRIPLE, from a clean clone of HEAD"
git clone --quiet "$ROOT" "$WORK/clone"
start=$SECONDS
target_dir="${CARGO_TARGET_DIR:-target}"
[[ "$target_dir" = /* ]] || target_dir="$ROOT/$target_dir"   # the clone builds from its own directory
CARGO_TARGET_DIR="$target_dir" "$WORK/clone/scripts/static-binary.sh" build "$OUT"
step "built in $((SECONDS - start)) s"
rm -rf "$WORK/clone"
BIN="$OUT/bin/authn-audit"

step "the binary is static: no program interpreter, no shared library"
headers="$(readelf --program-headers --wide "$BIN")"
dynamic="$(readelf --dynamic --wide "$BIN")"
! grep -q INTERP <<<"$headers" || fail "$BIN asks for a program interpreter: $(grep -A1 INTERP <<<"$headers")"
! grep -q NEEDED <<<"$dynamic" || fail "$BIN needs shared libraries: $(grep NEEDED <<<"$dynamic")"
! command -v file >/dev/null || file "$BIN" >&2

# The inputs of the golden report (the examples, named from the repository root) and its findings.
mapfile -t INPUTS < <(jq -r '.inputs[].path' tests/golden/examples.json)
[ ${#INPUTS[@]} -gt 0 ] || fail "tests/golden/examples.json lists no input"
findings() { jq -c '[.findings[] | [.code, .severity, .object, .source]] | sort'; }
want="$(findings < tests/golden/examples.json)"
[ "$(jq length <<<"$want")" -gt 0 ] || fail "tests/golden/examples.json has no findings"
same_findings() {
  local got
  got="$(findings < "$1")"
  [ "$got" = "$want" ] || fail "$2: findings differ from tests/golden/examples.json: $(diff <(jq '.[]' <<<"$want") <(jq '.[]' <<<"$got") | head -20)"
  step "$2: $(jq length <<<"$got") findings, as in the golden report"
}

step "scan from an empty directory with an empty environment"
mkdir "$WORK/empty"
# Each input through a symlink of its repository path, so the report names it as the golden does.
for input in "${INPUTS[@]}"; do mkdir -p "$WORK/empty/$(dirname "$input")"; ln -s "$ROOT/$input" "$WORK/empty/$input"; done
before="$(cd "$WORK/empty" && find . | sort)"
(cd "$WORK/empty" && env -i "$BIN" scan "${INPUTS[@]}" --now "$NOW" --format json --fail-on never) > "$WORK/empty.json"
[ "$(cd "$WORK/empty" && find . | sort)" = "$before" ] || fail "the scan wrote into its working directory"
same_findings "$WORK/empty.json" "empty environment"

# As in the scratch image: nothing but the binary and the inputs (no libc, no /etc, no /tmp), an
# unprivileged uid. chroot starts in the jail's root, so the inputs' relative paths hold.
JAIL="$WORK/jail"
mkdir -p "$JAIL/usr/local/bin"
cp "$BIN" "$JAIL/usr/local/bin/authn-audit"
for input in "${INPUTS[@]}"; do mkdir -p "$JAIL/$(dirname "$input")"; cp "$input" "$JAIL/$input"; done
chmod -R a+rX "$JAIL"
if [ "$(id -u)" = 0 ]; then
  step "scan inside a directory holding only the binary and the inputs, as uid ${UID_GID%%:*}"
  env -i "$(command -v chroot)" --userspec="$UID_GID" "$JAIL" /usr/local/bin/authn-audit scan "${INPUTS[@]}" \
    --now "$NOW" --format json --fail-on never > "$WORK/jail.json"
  same_findings "$WORK/jail.json" "chroot, uid ${UID_GID%%:*}"
  # And the image's default command answers without any input.
  env -i "$(command -v chroot)" --userspec="$UID_GID" "$JAIL" /usr/local/bin/authn-audit --version >&2
else
  # chroot needs root; a non-root run is already the unprivileged case.
  step "not root: no chroot; scanning the jail's copy as uid $(id -u)"
  (cd "$JAIL" && env -i ./usr/local/bin/authn-audit scan "${INPUTS[@]}" --now "$NOW" --format json --fail-on never) \
    > "$WORK/jail.json"
  same_findings "$WORK/jail.json" "uid $(id -u)"
fi
step "ok: $BIN ($(du -h "$BIN" | cut -f1))"
