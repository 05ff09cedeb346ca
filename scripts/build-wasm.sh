#!/usr/bin/env bash
# Builds the client with wasm-pack into pkg-js/wasm (planwire.js glue, planwire_bg.wasm, planwire.d.ts)
# and prints the wasm's raw and gzip sizes. wasm-pack runs wasm-bindgen (the pinned CLI) and then the
# first wasm-opt on PATH: npm's binaryen (node_modules/.bin), never Debian's 108, which corrupts
# modules that use reference types. Its flags are in client-wasm/Cargo.toml.
# The release build uses the pinned nightly with `-Zbuild-std` when it is installed (WASM_NIGHTLY_* in
# scripts/lib.sh; scripts/ensure-tools.sh installs it), in its own target dir (target/wasm-nightly),
# and stable Rust otherwise; it prints which one built the module and records it in
# pkg-js/wasm/build-toolchain.json (read by bench/size.mjs --check; not in the npm package's files).
#   bash scripts/build-wasm.sh           release build (pinned nightly, else stable)
#   PLANWIRE_WASM_TOOLCHAIN=stable bash scripts/build-wasm.sh    release build with stable (the fallback)
#   PLANWIRE_WASM_TOOLCHAIN=nightly bash scripts/build-wasm.sh   fails if the pinned nightly is missing
#   bash scripts/build-wasm.sh --dev     unoptimised, quicker (always stable)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"
PROFILE=--release
[ "${1:-}" = "--dev" ] && PROFILE=--dev
RECORD=pkg-js/wasm/build-toolchain.json
rm -f "$RECORD"
if [ "$PROFILE" = --dev ]; then
  WASM_TOOLCHAIN=stable WASM_RUSTUP_TOOLCHAIN="" WASM_TOOLCHAIN_WHY="--dev builds use stable"
else
  select_wasm_toolchain
fi
# wasm-pack runs cargo (and its rustc checks) under RUSTUP_TOOLCHAIN and passes what follows `--`.
wasm_toolchain_env symbols
CARGO_ARGS=()
if [ "$WASM_TOOLCHAIN" = nightly ]; then
  export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target/wasm-nightly}"
  CARGO_ARGS=(-- "${WASM_CARGO_ARGS[@]}")
fi
RUSTC_VERSION="$(rustc --version)"
echo "building the wasm with $WASM_TOOLCHAIN: $RUSTC_VERSION${WASM_RUSTUP_TOOLCHAIN:+ (rustup $WASM_RUSTUP_TOOLCHAIN, -Zbuild-std)} [$WASM_TOOLCHAIN_WHY]"
PATH="$ROOT/node_modules/.bin:$PATH" wasm-pack --log-level warn build client-wasm "$PROFILE" \
  --target web --weak-refs --out-dir ../pkg-js/wasm --out-name planwire --no-pack "${CARGO_ARGS[@]}"
# wasm-pack writes a `*` .gitignore there; the repository's .gitignore already covers the folder, and
# npm must not read it as an ignore list when packing.
rm -f pkg-js/wasm/.gitignore
# The JS snippets of client-wasm/js (wasm-bindgen `module` imports) folded into the glue, so the package
# ships one glue file (it fails the build on anything it does not expect).
node pkg-js/scripts/inline-snippets.mjs
# The names the wasm and the glue use for each other (imports, exports) shortened, in both together (it
# checks every name and fails the build rather than ship imports that do not resolve).
node pkg-js/scripts/short-names.mjs
# Short ASCII strings out of wasm without a TextDecoder call (the plan id in every event payload).
node pkg-js/scripts/short-strings.mjs
# The same module as base64, for runtimes and bundlers that cannot fetch the file beside the glue (the
# facade imports it lazily, only when that fetch fails).
node pkg-js/scripts/base64.mjs
printf '{"toolchain":"%s","rustc":"%s","profile":"%s"}\n' "$WASM_TOOLCHAIN" "$RUSTC_VERSION" "${PROFILE#--}" >"$RECORD"
OUT=pkg-js/wasm/planwire_bg.wasm
echo "built with $WASM_TOOLCHAIN ($RUSTC_VERSION), recorded in $RECORD"
printf '%-30s %8d bytes raw %8d bytes gzip -9\n' "$OUT" "$(wc -c <"$OUT")" "$(gzip -9c "$OUT" | wc -c)"
