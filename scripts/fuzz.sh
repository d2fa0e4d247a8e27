#!/usr/bin/env bash
# cargo-fuzz targets of fuzz/ on the pinned stable toolchain (RUSTC_BOOTSTRAP=1 lets cargo-fuzz
# pass its `-Z` flags; the 1.95 toolchain ships the ASan runtime), seeded with the fixtures,
# the examples and the shared corpus.
#
#   scripts/fuzz.sh smoke [SECONDS]         every target for SECONDS (default 15) with small inputs;
#                                           fails on the first crash (CI)
#   scripts/fuzz.sh run TARGET [SECONDS]    one long run (default 600 s), niced, log in target/fuzz-logs/
#   scripts/fuzz.sh build                   build every target
#   scripts/fuzz.sh stats                   a Markdown table of the runs logged in target/fuzz-logs/
#
# Long runs grow the corpus in target/fuzz-corpus/TARGET (the smoke starts from the seeds each
# time); crashes land in target/fuzz-artifacts/TARGET.
# A minimised crash belongs in fuzz/seeds/TARGET/ (replayed by every run) and in a test of the
# crate that owns the code.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/tools.sh

TARGETS=(yaml yaml_fast json token_csv pem kubeconfig admit opa audit)
export RUSTC_BOOTSTRAP=1
export CARGO_TARGET_DIR="$PWD/target/fuzz"
TRIPLE="$(rustc -vV | awk '/^host:/ { print $2 }')"

fuzz_build() { cargo fuzz build --fuzz-dir fuzz --release "$@"; }

# PEM blocks, and the DER inside them, from every seed file (certificates there are base64 of PEM
# in Secret data and CSR `spec.request`): the pem target's own seeds.
pem_seeds() {
  local out=target/fuzz-seeds/pem b64 n=0
  rm -rf "$out" && mkdir -p "$out"
  while read -r b64; do
    n=$((n + 1))
    printf '%s' "$b64" | base64 -d >"$out/pem-$n" 2>/dev/null || true
  done < <(grep -rhoE 'LS0tLS1CRUdJTi[A-Za-z0-9+/=]{20,}' "$@" 2>/dev/null | sort -u)
  for pem in "$out"/pem-*; do
    [ -s "$pem" ] || continue
    awk '/^-----BEGIN /{body=""; on=1; next} /^-----END /{if (on) print body; on=0; next} on{body=body $0}' "$pem" |
      while read -r body; do n=$((n + 1)); printf '%s' "$body" | base64 -d >"$out/der-$(basename "$pem")-$n" 2>/dev/null || true; done
  done
  echo "$out"
}

# Seed folders (libFuzzer reads them recursively and writes new inputs only to the first one).
seed_dirs() {
  local target="$1" dirs=(tests/fixtures examples)
  # shared/ lies beside the clone (CI, /work/main) or beside the worktrees' folder.
  for shared in ../shared ../../shared; do
    [ -d "$shared/corpus" ] && { dirs+=("$shared/corpus"); break; }
  done
  [ -d "fuzz/seeds/$target" ] && dirs+=("fuzz/seeds/$target")
  [ "$target" = pem ] && dirs+=("$(pem_seeds "${dirs[@]}")")
  printf '%s\n' "${dirs[@]}"
}

# Run one target: fuzz_one TARGET SECONDS MAX_LEN [extra libFuzzer flags].
fuzz_one() {
  local target="$1" seconds="$2" max_len="$3" corpus artifacts
  shift 3
  corpus="${CORPUS_ROOT:-target/fuzz-corpus}/$target" artifacts="target/fuzz-artifacts/$target"
  mkdir -p "$corpus" "$artifacts"
  mapfile -t seeds < <(seed_dirs "$target")
  # One fuzzing process, in the foreground (libFuzzer's `-jobs=1` would fork one and send its
  # output to ./fuzz-0.log instead).
  ${NICE:-} "$CARGO_TARGET_DIR/$TRIPLE/release/$target" "$corpus" "${seeds[@]}" \
    -artifact_prefix="$artifacts/" -max_total_time="$seconds" -max_len="$max_len" \
    -rss_limit_mb=2048 -timeout=20 -print_final_stats=1 "$@"
}

# One row per long-run log: time, executions, coverage and corpus at start and end, crashes.
stats() {
  echo "| target | seconds | executions | exec/s | edges (start → end) | features | corpus units (start → end) | peak RSS | crashes |"
  echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|"
  for t in "${TARGETS[@]}"; do
    local f="target/fuzz-logs/$t.log"
    [ -f "$f" ] || continue
    awk -v t="$t" '
      /\tINITED / { for (i = 1; i <= NF; i++) { if ($i == "cov:") c0 = $(i+1); if ($i == "corp:") { split($(i+1), a, "/"); u0 = a[1] } } }
      /^#[0-9]+/ { for (i = 1; i <= NF; i++) { if ($i == "cov:") c1 = $(i+1); if ($i == "ft:") ft = $(i+1); if ($i == "corp:") { split($(i+1), a, "/"); u1 = a[1] } } }
      /^Done [0-9]+ runs in/ { secs = $(NF-1); sub(/second.*/, "", secs) }
      /^stat::number_of_executed_units:/ { runs = $2 }
      /^stat::average_exec_per_sec:/ { eps = $2 }
      /^stat::peak_rss_mb:/ { rss = $2 }
      /^==[0-9]+== ERROR|^SUMMARY: libFuzzer|panicked at/ { crash++ }
      END { printf "| `%s` | %s | %s | %s | %s → %s | %s | %s → %s | %s MB | %d |\n", t, secs, runs, eps, c0, c1, ft, u0, u1, rss, crash }
    ' "$f"
  done
}

ensure_cargo_fuzz
case "${1:-smoke}" in
  build) fuzz_build ;;
  smoke)
    seconds="${2:-15}"
    log "fuzz invariants' own tests (planted secrets reach the rules and no format shows them)"
    env -u RUSTC_BOOTSTRAP CARGO_TARGET_DIR="$PWD/target" cargo test --manifest-path fuzz/Cargo.toml --lib --locked
    fuzz_build
    for target in "${TARGETS[@]}"; do
      log "fuzz smoke: $target for ${seconds}s"
      # Inputs up to 4 KiB; a panic, a memory error, RSS past 2 GB or a 20 s input fails the step.
      # From the seeds alone, whatever long runs left in target/fuzz-corpus: the same work each time.
      rm -rf "target/fuzz-smoke/$target" && mkdir -p target/fuzz-logs
      if CORPUS_ROOT=target/fuzz-smoke fuzz_one "$target" "$seconds" 4096 >"target/fuzz-logs/smoke-$target.log" 2>&1; then
        grep -E '^#[0-9]+[[:space:]]+DONE|^stat::number_of_executed_units' "target/fuzz-logs/smoke-$target.log" >&2 || true
      else
        tail -n 40 "target/fuzz-logs/smoke-$target.log" >&2
        log "fuzz target $target failed: reproducer in target/fuzz-artifacts/$target/"
        exit 1
      fi
    done ;;
  stats) stats ;;
  run)
    target="${2:?scripts/fuzz.sh run TARGET [SECONDS]}" seconds="${3:-600}"
    mkdir -p target/fuzz-logs
    log "fuzzing $target for ${seconds}s, log in target/fuzz-logs/$target.log"
    NICE="nice -n 10" fuzz_one "$target" "$seconds" 65536 >"target/fuzz-logs/$target.log" 2>&1 ;;
  *) echo "usage: scripts/fuzz.sh smoke [SECONDS] | run TARGET [SECONDS] | build" >&2; exit 2 ;;
esac
