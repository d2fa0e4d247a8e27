#!/usr/bin/env bash
# The viewer's tests: the view-model's unit tests, then a release build of the viewer (`cargo
# xtask viewer`: no trunk or wasm-bindgen-cli needed) and the browser tests (playwright-core
# driving Debian's Chromium). Screenshots and exported files land in tests/e2e/artifacts/.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/tools.sh

apt_install jq
ensure_chromium
ensure_rust_targets
ensure_npm_deps viewer
ensure_npm_deps tests/e2e

cargo test --quiet --package viewer --lib
cargo xtask viewer
cd tests/e2e
node --test --test-concurrency=1 viewer.test.mjs hostile.test.mjs
