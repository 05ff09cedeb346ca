#!/usr/bin/env bash
# A build of the package whose wasm keeps its function names, for CPU profiles (bench/profile/dispatch.mjs):
# the toolchain (the pinned nightly with -Zbuild-std when installed, else stable), release profile and
# wasm-opt flags of scripts/build-wasm.sh, reference types off as shipped, but
# symbols stripped of debug info only (`strip=debuginfo`: the name section stays) and wasm-opt run with
# -g. Its own target dir (target/profile), so nobody's build is disturbed. Lays out bench/.out/pkg-named
# like pkg-js (package.json, dist/ from pkg-js, wasm/ from this build) for `--pkg`.
#
#   flock /tmp/cargo.lock bash bench/profile/build-named.sh
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
source "$ROOT/scripts/lib.sh"   # the wasm toolchain pin and its flags
cd "$ROOT"
export PATH="$ROOT/node_modules/.bin:$HOME/.cargo/bin:$PATH"
OUT="$ROOT/target/profile"
PKG="$ROOT/bench/.out/pkg-named"
# The toolchain and flags the shipped module is built with (scripts/lib.sh: the pinned nightly with
# -Zbuild-std when installed, else stable; PLANWIRE_WASM_TOOLCHAIN as for scripts/build-wasm.sh).
select_wasm_toolchain
wasm_toolchain_env debuginfo
echo "building the named wasm with $WASM_TOOLCHAIN: $(rustc --version)" >&2
CARGO_TARGET_DIR="$OUT" CARGO_PROFILE_RELEASE_STRIP=debuginfo \
  cargo build -p planwire-client --release --target wasm32-unknown-unknown --quiet "${WASM_CARGO_ARGS[@]}"
rm -rf "$PKG" && mkdir -p "$PKG/wasm"
wasm_opt_flags
# Stable's prebuilt std says "reference types" in its target_features section, which makes wasm-bindgen
# expect the externref table (strip=symbols drops that section in the shipped build): drop only it.
wasm-opt -g --strip-target-features "${WASM_OPT_FEATURES[@]}" "$OUT/wasm32-unknown-unknown/release/planwire_client.wasm" -o "$OUT/no-features.wasm"
wasm-bindgen --target web --weak-refs --out-dir "$PKG/wasm" --out-name planwire "$OUT/no-features.wasm"
wasm-opt "${WASM_OPT_FLAGS[@]}" -g "$PKG/wasm/planwire_bg.wasm" -o "$PKG/wasm/planwire_bg.wasm"
node pkg-js/scripts/inline-snippets.mjs "$PKG/wasm"
node pkg-js/scripts/short-strings.mjs "$PKG/wasm/planwire.js"
cp -r pkg-js/package.json pkg-js/dist "$PKG/"
# `CloseCode` cut from the glue, as the package build does (pkg-js/scripts/build.mjs).
cp pkg-js/wasm/close-code.js pkg-js/wasm/close-code.d.ts "$PKG/wasm/"
node -e '
  const b = require("fs").readFileSync(process.argv[1]);
  const m = new WebAssembly.Module(b);
  console.log(`named wasm: ${b.length} bytes, ${WebAssembly.Module.exports(m).length} exports`);' "$PKG/wasm/planwire_bg.wasm"
