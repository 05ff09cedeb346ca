#!/usr/bin/env bash
# Where the wasm bytes go: builds the release wasm exactly as wasm-pack does, but keeps function names
# (in a separate target dir, so nobody's build is disturbed), then prints `twiggy top` and
# `twiggy dominators` of the optimised module. Needs `cargo install twiggy`.
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
# Same passes as [package.metadata.wasm-pack.profile.release], plus -g to keep the name section.
wasm-opt -Oz -g --enable-bulk-memory --enable-nontrapping-float-to-int \
  "$OUT/bindgen/planwire_client_bg.wasm" -o "$OUT/planwire_client_named.wasm"
wasm-opt -Oz --enable-bulk-memory --enable-nontrapping-float-to-int \
  "$OUT/bindgen/planwire_client_bg.wasm" -o "$OUT/planwire_client.wasm"
printf 'optimised wasm without names: %d bytes raw, %d bytes gzip -9\n' \
  "$(wc -c <"$OUT/planwire_client.wasm")" "$(gzip -9c "$OUT/planwire_client.wasm" | wc -c)"
echo "== twiggy top (names kept; the 'name' custom section is not shipped)"
twiggy top -n "$ROWS" "$OUT/planwire_client_named.wasm"
echo "== twiggy dominators (retained size)"
twiggy dominators -d 2 -r "$ROWS" "$OUT/planwire_client_named.wasm"
