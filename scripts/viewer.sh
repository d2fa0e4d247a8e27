#!/usr/bin/env bash
# Build the viewer and serve it on 127.0.0.1 (port $PORT, default 8080), installing any missing
# tool at its pinned version first. Open the printed address and press "Try a sample cluster",
# or drop your own dump. Needs no trunk or wasm-bindgen-cli: `cargo xtask viewer` builds the page
# itself (wasm-bindgen runs as a library). The first run compiles the viewer once; later runs
# take seconds plus what changed.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/tools.sh

apt_install jq
ensure_rust_targets
ensure_npm_deps viewer

# xtask without its rule-registry tasks: the first run then compiles no native policy-core.
cargo run --quiet --package xtask --no-default-features -- viewer
echo "Open http://127.0.0.1:${PORT:-8080}/viewer/#sample=load for the built-in sample cluster's report,"
echo "or http://127.0.0.1:${PORT:-8080}/viewer/ to drop your own dump."
exec node tests/e2e/serve.mjs "${PORT:-8080}"
