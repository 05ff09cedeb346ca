#!/usr/bin/env bash
# Where the wasm bytes go. Rebuilds the release wasm the way scripts/build-wasm.sh does (the same
# toolchain: the pinned nightly with -Zbuild-std when installed, else stable; cargo release profile,
# wasm-bindgen --target web --weak-refs, then wasm-opt with the flags of client-wasm/Cargo.toml's
# [package.metadata.wasm-pack.profile.release]), but keeps function names (-g), in its own target dir so
# nobody's build is disturbed. Prints `twiggy top`, `twiggy dominators`, and a breakdown by crate of the
# shipped (optimised) module and of the module before wasm-opt (where the core is not yet inlined).
# Needs twiggy (`cargo install twiggy`), wasm-bindgen (scripts/ensure-tools.sh) and npm's binaryen.
#
#   bash bench/twiggy.sh [ROWS]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$ROOT/scripts/lib.sh"   # the wasm toolchain pin and its flags
ROWS="${1:-25}"
OUT="${TWIGGY_TARGET_DIR:-$ROOT/target/twiggy}"
export PATH="$ROOT/node_modules/.bin:$HOME/.cargo/bin:$PATH"
command -v twiggy >/dev/null || { echo "twiggy is not installed: cargo install twiggy" >&2; exit 1; }
cd "$ROOT"
# The release profile strips symbols (Cargo.toml, .cargo/config.toml): keep the names here, strip only
# the debug info, as bench/profile/build-named.sh does.
# The toolchain and flags the shipped module is built with (scripts/lib.sh: the pinned nightly with
# -Zbuild-std when installed, else stable; PLANWIRE_WASM_TOOLCHAIN as for scripts/build-wasm.sh).
select_wasm_toolchain
wasm_toolchain_env debuginfo
echo "building the named wasm with $WASM_TOOLCHAIN: $(rustc --version)" >&2
CARGO_TARGET_DIR="$OUT" CARGO_PROFILE_RELEASE_STRIP=debuginfo \
  cargo build -p planwire-client --release --target wasm32-unknown-unknown --quiet "${WASM_CARGO_ARGS[@]}"
RAW="$OUT/wasm32-unknown-unknown/release/planwire_client.wasm"
mkdir -p "$OUT/named"
# Stable's prebuilt std says "reference types" in its target_features section, which makes wasm-bindgen
# expect the externref table (strip=symbols drops that section in the shipped build): drop only it.
wasm_opt_flags
wasm-opt -g --strip-target-features "${WASM_OPT_FEATURES[@]}" "$RAW" -o "$OUT/no-features.wasm"
wasm-bindgen --target web --weak-refs --out-dir "$OUT/named" --out-name planwire "$OUT/no-features.wasm"
PRE_OPT="$OUT/named/planwire_bg.wasm"
NAMED="$OUT/named/planwire_opt_named.wasm"
# The release wasm-opt flags from Cargo.toml, with -g so the name section survives.
wasm-opt "${WASM_OPT_FLAGS[@]}" -g "$PRE_OPT" -o "$NAMED"
SHIPPED="$ROOT/pkg-js/wasm/planwire_bg.wasm"
size() { printf '%d bytes raw, %d bytes gzip -9' "$(wc -c <"$1")" "$(gzip -9c "$1" | wc -c)"; }
echo "this build, names stripped as shipped: $(wasm-opt "${WASM_OPT_FLAGS[@]}" "$PRE_OPT" -o "$OUT/named/stripped.wasm" && size "$OUT/named/stripped.wasm")"
[ -f "$SHIPPED" ] && echo "shipped ${SHIPPED#"$ROOT"/}: $(size "$SHIPPED")"
echo "== twiggy top (names kept; the name section is not shipped)"
twiggy top -n "$ROWS" "$NAMED"
echo "== twiggy dominators (retained size)"
twiggy dominators -d 3 -r "$ROWS" "$NAMED"
echo "== by crate, shipped module (after wasm-opt -Oz: the core and serde code are inlined into callers)"
twiggy top -n 100000 --format csv "$NAMED" | node "$ROOT/bench/wasm-breakdown.mjs"
echo "== by crate, before wasm-opt"
twiggy top -n 100000 --format csv "$PRE_OPT" | node "$ROOT/bench/wasm-breakdown.mjs"
