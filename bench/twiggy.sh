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
# Same flags as scripts/build-wasm.sh (no reference types), symbols kept.
CARGO_TARGET_DIR="$OUT" CARGO_PROFILE_RELEASE_STRIP=false RUSTFLAGS="-C target-feature=-reference-types" \
  cargo build -p planwire-client --release --target wasm32-unknown-unknown --quiet
# Symbols kept means custom sections kept, among them `target_features`, where the precompiled std
# claims reference types; wasm-bindgen would then expect externref helpers this build lacks. The
# shipped (stripped) build has no such section: drop just that one.
node -e '
const fs = require("fs");
const [src, dst] = process.argv.slice(1);
const b = fs.readFileSync(src);
const leb = (at) => { let v = 0, s = 0; for (;;) { const x = b[at++]; v += (x & 0x7f) * 2 ** s; s += 7; if (x < 0x80) return [v, at]; } };
const kept = [b.subarray(0, 8)];
for (let at = 8; at < b.length; ) {
  const start = at, id = b[at++];
  const [size, body] = leb(at);
  at = body + size;
  const name = id === 0 ? b.subarray(leb(body)[1], leb(body)[1] + leb(body)[0]).toString() : "";
  if (name !== "target_features") kept.push(b.subarray(start, at));
}
fs.writeFileSync(dst, Buffer.concat(kept));
' "$OUT/wasm32-unknown-unknown/release/planwire_client.wasm" "$OUT/planwire_client_named.wasm"
wasm-bindgen --target web --out-dir "$OUT/bindgen" "$OUT/planwire_client_named.wasm"
# Then the same wasm-opt passes as [package.metadata.wasm-pack.profile.release] (none when it says
# `wasm-opt = false`), plus -g to keep the names. Stripping custom sections, as build-wasm.sh does, is
# left out: only the "name" section differs from the shipped module (compare the sizes printed).
NAMED="$OUT/bindgen/planwire_client_named_bg.wasm"
PRE_OPT="$NAMED"
OPT_FLAGS="$(sed -n 's/^wasm-opt = \[\(.*\)\]$/\1/p' client-wasm/Cargo.toml | tr -d '",')"
if [ -n "$OPT_FLAGS" ]; then
  # shellcheck disable=SC2086 # the flags are words
  wasm-opt $OPT_FLAGS -g "$NAMED" -o "$OUT/planwire_client_named_opt.wasm"
  NAMED="$OUT/planwire_client_named_opt.wasm"
fi
SHIPPED="$ROOT/pkg-js/wasm/planwire_client_bg.wasm"
if [ -f "$SHIPPED" ]; then
  printf 'shipped %s: %d bytes raw, %d bytes gzip -9\n' "${SHIPPED#$ROOT/}" "$(wc -c <"$SHIPPED")" "$(gzip -9c "$SHIPPED" | wc -c)"
fi
echo "== twiggy top (names kept; the 'name' custom section is not shipped)"
twiggy top -n "$ROWS" "$NAMED"
echo "== twiggy dominators (retained size)"
twiggy dominators -d 3 -r "$ROWS" "$NAMED"
# wasm-opt inlines the core into the glue's few entry points, so attribute bytes before it runs.
echo "== by origin, before wasm-opt ($(wc -c <"$PRE_OPT") bytes with names)"
twiggy top -n 100000 --format csv "$PRE_OPT" | node "$ROOT/bench/wasm-breakdown.mjs"
