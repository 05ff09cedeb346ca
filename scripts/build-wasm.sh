#!/usr/bin/env bash
# Builds the size-tuned release wasm into pkg-js/wasm and prints its raw and gzip sizes.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"
# Without reference types the wasm is ~4 KB smaller (wasm-bindgen keeps JS values in a JS-side slab
# instead of an externref table). Only for this release build: the wasm tests link std, built with them.
RUSTFLAGS="-C target-feature=-reference-types" \
  wasm-pack build client-wasm --release --target web --out-dir ../pkg-js/wasm --no-pack
node scripts/strip-wasm.mjs pkg-js/wasm/planwire_client_bg.wasm
for f in pkg-js/wasm/*.wasm pkg-js/wasm/*.js; do
  printf '%-45s %8d bytes raw %8d bytes gzip -9\n' "$f" "$(wc -c <"$f")" "$(gzip -9c "$f" | wc -c)"
done
