#!/usr/bin/env bash
# Where the wasm bytes go: builds the release wasm exactly as scripts/build-wasm.sh does, but keeps
# function names (in a separate target dir, so nobody's build is disturbed), then prints `twiggy top`,
# `twiggy dominators`, and a breakdown by origin. Needs `cargo install twiggy`.
#
#   bash bench/twiggy.sh [ROWS]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ROWS="${1:-25}"
OUT="${TWIGGY_TARGET_DIR:-$ROOT/target/twiggy}"
export PATH="$HOME/.cargo/bin:$PATH"
command -v twiggy >/dev/null || { echo "twiggy is not installed: cargo install twiggy" >&2; exit 1; }
cd "$ROOT"
# Same flags as scripts/build-wasm.sh, symbols kept.
CARGO_TARGET_DIR="$OUT" CARGO_PROFILE_RELEASE_STRIP=debuginfo RUSTFLAGS="-C target-feature=-reference-types,-multivalue" \
  cargo build -p planwire-client --release --target wasm32-unknown-unknown --quiet
PRE_OPT="$OUT/wasm32-unknown-unknown/release/planwire_client.wasm"
NAMED="$OUT/planwire_named_opt.wasm"
# shellcheck disable=SC2046 # the flags are words
wasm-opt $(sed 's/--strip-debug//' client-wasm/wasm-opt.flags) -g "$PRE_OPT" -o "$NAMED"
SHIPPED="$ROOT/pkg-js/wasm/planwire.wasm"
if [ -f "$SHIPPED" ]; then
  printf 'shipped %s: %d bytes raw, %d bytes gzip -9\n' "${SHIPPED#$ROOT/}" "$(wc -c <"$SHIPPED")" "$(gzip -9c "$SHIPPED" | wc -c)"
fi
echo "== twiggy top (names kept; the 'name' custom section is not shipped)"
twiggy top -n "$ROWS" "$NAMED"
echo "== twiggy dominators (retained size)"
twiggy dominators -d 3 -r "$ROWS" "$NAMED"
# wasm-opt inlines the core into the few exports, so attribute bytes before it runs.
echo "== by origin, before wasm-opt"
twiggy top -n 100000 --format csv "$PRE_OPT" | node "$ROOT/bench/wasm-breakdown.mjs"
