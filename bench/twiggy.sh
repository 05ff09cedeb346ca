#!/usr/bin/env bash
# Where the wasm bytes go: builds the release wasm exactly as wasm-pack does, but keeps function names
# (in a separate target dir, so nobody's build is disturbed), then prints `twiggy top` and
# `twiggy dominators`. Needs `cargo install twiggy`.
#
#   bash bench/twiggy.sh [ROWS]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ROWS="${1:-25}"
OUT="${TWIGGY_TARGET_DIR:-$ROOT/target/twiggy}"
export PATH="$HOME/.cargo/bin:$PATH"
command -v twiggy >/dev/null || { echo "twiggy is not installed: cargo install twiggy" >&2; exit 1; }
cd "$ROOT"
CARGO_TARGET_DIR="$OUT" CARGO_PROFILE_RELEASE_STRIP=false \
  cargo build -p planwire-client --release --target wasm32-unknown-unknown --quiet
wasm-bindgen --target web --out-dir "$OUT/bindgen" "$OUT/wasm32-unknown-unknown/release/planwire_client.wasm"
# The release build ships wasm-bindgen's output as is (wasm-opt is off in client-wasm/Cargo.toml):
# this module is the shipped one plus the "name" custom section.
NAMED="$OUT/bindgen/planwire_client_bg.wasm"
SHIPPED="$ROOT/pkg-js/wasm/planwire_client_bg.wasm"
if [ -f "$SHIPPED" ]; then
  printf 'shipped %s: %d bytes raw, %d bytes gzip -9\n' "${SHIPPED#$ROOT/}" "$(wc -c <"$SHIPPED")" "$(gzip -9c "$SHIPPED" | wc -c)"
fi
echo "== twiggy top (names kept; the 'name' custom section is not shipped)"
twiggy top -n "$ROWS" "$NAMED"
echo "== twiggy dominators (retained size)"
twiggy dominators -d 3 -r "$ROWS" "$NAMED"
