#!/usr/bin/env bash
# Builds the client with wasm-pack into pkg-js/wasm (planwire.js glue, planwire_bg.wasm, planwire.d.ts)
# and prints the wasm's raw and gzip sizes. wasm-pack runs wasm-bindgen (the pinned CLI) and then the
# first wasm-opt on PATH: npm's binaryen (node_modules/.bin), never Debian's 108, which corrupts
# modules that use reference types. Its flags are in client-wasm/Cargo.toml.
#   bash scripts/build-wasm.sh           release build
#   bash scripts/build-wasm.sh --dev     unoptimised, quicker
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"
PROFILE=--release
[ "${1:-}" = "--dev" ] && PROFILE=--dev
PATH="$ROOT/node_modules/.bin:$PATH" wasm-pack --log-level warn build client-wasm "$PROFILE" \
  --target web --weak-refs --out-dir ../pkg-js/wasm --out-name planwire --no-pack
# wasm-pack writes a `*` .gitignore there; the repository's .gitignore already covers the folder, and
# npm must not read it as an ignore list when packing.
rm -f pkg-js/wasm/.gitignore
# The wasm's JS imports without wasm-bindgen's per-import hash, in the glue and the wasm together (it
# checks every name and fails the build rather than ship imports that do not resolve).
node pkg-js/scripts/inline-snippets.mjs
node pkg-js/scripts/short-imports.mjs
# Short ASCII strings out of wasm without a TextDecoder call (the plan id in every event payload).
node pkg-js/scripts/short-strings.mjs
# The same module as base64, for runtimes and bundlers that cannot fetch the file beside the glue (the
# facade imports it lazily, only when that fetch fails).
node pkg-js/scripts/base64.mjs
OUT=pkg-js/wasm/planwire_bg.wasm
printf '%-30s %8d bytes raw %8d bytes gzip -9\n' "$OUT" "$(wc -c <"$OUT")" "$(gzip -9c "$OUT" | wc -c)"
