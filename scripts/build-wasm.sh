#!/usr/bin/env bash
# Builds the size-tuned release wasm into pkg-js/wasm/planwire.wasm and prints its raw and gzip sizes.
# The module imports nothing and exports plain functions (client-wasm/src/abi), so no bindings
# generator is involved: cargo, then wasm-opt -Oz, then custom sections stripped.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"
# Without reference types and multi-value: binaryen 108 (Debian's wasm-opt) mis-handles them.
RUSTFLAGS="-C target-feature=-reference-types,-multivalue" \
  cargo build -p planwire-client --release --target wasm32-unknown-unknown --quiet
mkdir -p pkg-js/wasm
OUT=pkg-js/wasm/planwire.wasm
wasm-opt $(cat client-wasm/wasm-opt.flags) target/wasm32-unknown-unknown/release/planwire_client.wasm -o "$OUT"
node scripts/strip-wasm.mjs "$OUT"
printf '%-30s %8d bytes raw %8d bytes gzip -9\n' "$OUT" "$(wc -c <"$OUT")" "$(gzip -9c "$OUT" | wc -c)"
