#!/usr/bin/env bash
# Runs every planwire test suite: native Rust, wasm in headless Chrome and Firefox, the npm package's
# unit tests and size budget, end-to-end browser tests and the packed-package test.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"
trap stop_server EXIT

step "tools"
bash scripts/ensure-tools.sh

step "native Rust tests (protocol, client core, mock server)"
cargo test --workspace --quiet

step "wasm client in headless Chrome and Firefox (against a live mock server)"
cargo build -p mock-server --quiet
start_server wasm-tests --enable-faults
export PLANWIRE_TEST_SERVER="$SERVER_ADDR"
wasm-pack test --headless --chrome --chromedriver "$(command -v chromedriver)" client-wasm
wasm-pack test --headless --firefox --geckodriver "$(command -v geckodriver)" client-wasm
stop_server

step "release wasm build"
bash scripts/build-wasm.sh

step "npm package: build, unit tests"
npm run build -w planwire
npm test -w planwire

step "end-to-end: demo board in Chromium, packed package in a scratch app"
npm run all -w planwire-tests

step "size: wasm + glue + facade + hooks"
# The 24 KB gzip budget of issue 6 is not met yet (docs/performance.md): until it is, this guards
# against regressions above today's size; switch to plain `--check` once under budget.
node bench/size.mjs --check --ceiling 35000

step "all test suites passed"
