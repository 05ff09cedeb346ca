#!/usr/bin/env bash
# Runs every planwire test suite: native Rust, the npm package's unit tests, the client in headless
# Chrome and Firefox, end-to-end browser tests, the packed-package test and the size budget.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"
trap stop_server EXIT

step "tools"
bash scripts/ensure-tools.sh

step "native Rust tests (protocol, client core, mock server)"
cargo test --workspace --quiet

step "release wasm build"
bash scripts/build-wasm.sh

step "npm package: build, unit tests (driver over the real wasm, facade, React hooks)"
npm run build -w planwire
npm test -w planwire

step "the client in headless Chrome and Firefox against a live mock server"
npm run browser -w planwire-tests

step "end-to-end: demo board in Chromium, packed package in a scratch app"
npm run all -w planwire-tests

step "size: wasm + driver + facade + hooks within the 24 KB gzip budget"
node bench/size.mjs --check

step "all test suites passed"
