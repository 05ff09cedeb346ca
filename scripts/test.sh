#!/usr/bin/env bash
# Runs every planwire test suite: native Rust, the package's Vitest tests (hooks over the real client,
# facade, generated types), the client's wasm-bindgen-test suite in headless Chrome and Firefox,
# end-to-end browser tests, the packed-package test and the packaging matrix, then prints the size report.
# The release wasm ships built with the pinned nightly (-Zbuild-std, scripts/lib.sh); stable Rust is its
# tested fallback: first the stable release wasm gets the package build, Vitest and its size ceilings,
# then the shipped (nightly) one gets those and everything after. Which toolchain each suite exercises:
#   native Rust tests, the browser suite (wasm-pack test: debug builds)     default stable toolchain
#   Vitest, size ceilings                                                  stable release wasm, then nightly
#   end-to-end, packed package, packaging matrix, size report              shipped release wasm (nightly)
# Without the pinned nightly (ensure-tools.sh says so), the shipped build is the stable one: one pass.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"
trap stop_server EXIT

step "tools"
bash scripts/ensure-tools.sh

step "native Rust tests (protocol, client core, mock server)"
cargo test --workspace --quiet

select_wasm_toolchain
if [ "$WASM_TOOLCHAIN" = nightly ]; then
  step "stable fallback: release wasm (wasm-pack, stable), package build, unit tests, size ceilings"
  PLANWIRE_WASM_TOOLCHAIN=stable bash scripts/build-wasm.sh
  npm run build -w planwire
  npm test -w planwire
  node bench/size.mjs --check | tail -n 1
fi

step "release wasm build as shipped (wasm-pack, $WASM_TOOLCHAIN)"
bash scripts/build-wasm.sh

step "npm package: build, unit tests (hooks over the real client, facade, generated types)"
npm run build -w planwire
npm test -w planwire

step "the client (wasm-bindgen-test) in headless Chrome and Firefox against live mock servers"
bash scripts/test-browser.sh

step "end-to-end: demo board in Chromium, packed package in a scratch app"
npm run all -w planwire-tests

step "packaging matrix: bundlers in Chromium, WebKit and Firefox; Next.js, Vitest, Jest, Node"
npm run matrix -w planwire-tests
npm run matrix:runtimes -w planwire-tests

step "size: the report, and the ceilings (size can only go down)"
node bench/size.mjs --check

step "all test suites passed"
