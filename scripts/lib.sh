# Shared helpers for planwire's scripts (sourced, not run; every script sources it): the one PATH setup
# (cargo-installed tools: wasm-pack, wasm-bindgen, geckodriver), ROOT, the one pin of the nightly the
# release wasm is built with and its flags, and the mock server helpers.
export PATH="$HOME/.cargo/bin:$PATH"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TMP_DIR="$ROOT/tests/.tmp"
mkdir -p "$TMP_DIR"

step() { printf '\n\033[1m== %s\033[0m\n' "$*" >&2; }

# The release wasm is built with this one dated nightly and `-Zbuild-std` (std rebuilt for size, panics
# that abort without formatting a message: -5.2 KB gzip of wasm, docs/performance.md); stable Rust is the
# tested fallback (scripts/test.sh tests both). The channel's date is the day after rustc's commit date.
# ensure-tools.sh installs it (or accepts an installed `nightly` that reports exactly this rustc).
WASM_NIGHTLY_CHANNEL="nightly-2026-05-20"
WASM_NIGHTLY_RUSTC="rustc 1.97.0-nightly (e50aa6fba 2026-05-19)"
# What the nightly build adds to cargo: std, core and alloc rebuilt from rust-src for size, with
# panic_abort; and to the wasm32 rustflags: panics abort at once (no hook, no message), no file/line
# strings, and `{:?}` formats nothing.
WASM_NIGHTLY_CARGO_ARGS=(-Zbuild-std=std,panic_abort -Zbuild-std-features=optimize_for_size)
WASM_NIGHTLY_RUSTFLAGS="-Zunstable-options -Cpanic=immediate-abort -Zlocation-detail=none -Zfmt-debug=none"

# nightly_ready TOOLCHAIN: whether that rustup toolchain is installed, reports exactly the pinned rustc,
# and has rust-src and the wasm32 target (never installs anything).
nightly_ready() {
  rustup toolchain list 2>/dev/null | grep -q "^$1[- ]" || return 1
  [ "$(RUSTUP_AUTO_INSTALL=0 rustc "+$1" --version 2>/dev/null)" = "$WASM_NIGHTLY_RUSTC" ] || return 1
  local sysroot
  sysroot="$(RUSTUP_AUTO_INSTALL=0 rustc "+$1" --print sysroot 2>/dev/null)" || return 1
  [ -d "$sysroot/lib/rustlib/src/rust/library" ] && [ -d "$sysroot/lib/rustlib/wasm32-unknown-unknown/lib" ]
}

# select_wasm_toolchain: sets WASM_TOOLCHAIN (`nightly` or `stable`), WASM_RUSTUP_TOOLCHAIN (the rustup
# toolchain to run; empty for the default stable) and WASM_TOOLCHAIN_WHY. PLANWIRE_WASM_TOOLCHAIN=stable
# forces stable, =nightly fails when the pinned nightly is not ready; unset (or `auto`), the pinned
# nightly when ready, stable otherwise.
select_wasm_toolchain() {
  local want="${PLANWIRE_WASM_TOOLCHAIN:-auto}" tc
  WASM_TOOLCHAIN=stable WASM_RUSTUP_TOOLCHAIN="" WASM_TOOLCHAIN_WHY="PLANWIRE_WASM_TOOLCHAIN=stable"
  case "$want" in
    stable) return 0 ;;
    auto|nightly) ;;
    *) echo "PLANWIRE_WASM_TOOLCHAIN=$want: expected stable, nightly or auto" >&2; return 1 ;;
  esac
  for tc in "$WASM_NIGHTLY_CHANNEL" nightly; do
    if nightly_ready "$tc"; then
      WASM_TOOLCHAIN=nightly WASM_RUSTUP_TOOLCHAIN="$tc" WASM_TOOLCHAIN_WHY="pinned nightly"
      return 0
    fi
  done
  WASM_TOOLCHAIN_WHY="the pinned nightly ($WASM_NIGHTLY_CHANNEL with rust-src and wasm32) is not installed: bash scripts/ensure-tools.sh"
  if [ "$want" = nightly ]; then echo "PLANWIRE_WASM_TOOLCHAIN=nightly, but $WASM_TOOLCHAIN_WHY" >&2; return 1; fi
}

# wasm_toolchain_env STRIP: after select_wasm_toolchain, exports the wasm32 rustflags (those of
# .cargo/config.toml, which an env value replaces, with `-C strip=STRIP`, plus the nightly's) and, for
# the nightly, RUSTUP_TOOLCHAIN; sets WASM_CARGO_ARGS (cargo's extra arguments: -Zbuild-std).
wasm_toolchain_env() {
  local config
  config="$(sed -n '/^\[target.wasm32-unknown-unknown\]/,/^rustflags/s/^rustflags = \[\(.*\)\]$/\1/p' "$ROOT/.cargo/config.toml" | grep -o '"[^"]*"' | tr -d '"' | paste -sd' ')"
  [[ "$config" == *"strip=symbols"* ]] || { echo "no wasm32 rustflags with strip=symbols in .cargo/config.toml" >&2; return 1; }
  CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS="${config/strip=symbols/strip=$1}"
  WASM_CARGO_ARGS=()
  if [ "$WASM_TOOLCHAIN" = nightly ]; then
    export RUSTUP_TOOLCHAIN="$WASM_RUSTUP_TOOLCHAIN"
    CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS+=" $WASM_NIGHTLY_RUSTFLAGS"
    WASM_CARGO_ARGS=("${WASM_NIGHTLY_CARGO_ARGS[@]}")
  fi
  export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS
}

# wasm_opt_flags: sets WASM_OPT_FLAGS, the release wasm-opt flags of client-wasm/Cargo.toml's
# [package.metadata.wasm-pack.profile.release] (what wasm-pack runs), and WASM_OPT_FEATURES, the
# `--enable-*` ones among them; for the scripts that run wasm-opt themselves (bench/twiggy.sh,
# bench/profile/build-named.sh).
wasm_opt_flags() {
  mapfile -t WASM_OPT_FLAGS < <(node -e '
    const t = require("fs").readFileSync(process.argv[1], "utf8");
    const m = t.match(/\[package\.metadata\.wasm-pack\.profile\.release\][^[]*?wasm-opt\s*=\s*\[([^\]]*)\]/);
    if (!m) { console.error("no wasm-opt flags in client-wasm/Cargo.toml"); process.exit(1); }
    for (const f of m[1].match(/"[^"]*"/g)) console.log(JSON.parse(f));' "$ROOT/client-wasm/Cargo.toml")
  [ "${#WASM_OPT_FLAGS[@]}" -gt 0 ] || return 1
  WASM_OPT_FEATURES=()
  local f
  for f in "${WASM_OPT_FLAGS[@]}"; do [[ "$f" == --enable-* ]] && WASM_OPT_FEATURES+=("$f"); done
  return 0
}

# The server binary and the folder for its output; scripts may set them before sourcing this file.
MOCK_SERVER="${MOCK_SERVER:-$ROOT/target/debug/mock-server}"
LOG_DIR="${LOG_DIR:-$TMP_DIR}"

# start_server NAME [ARGS...]: runs $MOCK_SERVER on a free port with ARGS, waits for its
# "listening on ws://HOST:PORT/ws" line and sets SERVER_ADDR (HOST:PORT) and SERVER_PID.
start_server() {
  local name="$1"; shift
  local out="$LOG_DIR/$name.out" log="$LOG_DIR/$name.log"
  : >"$out"   # truncate first: the loop below must never read a previous run's address
  "$MOCK_SERVER" --port 0 "$@" >"$out" 2>"$log" &
  SERVER_PID=$!
  for _ in $(seq 1 300); do
    SERVER_ADDR="$(sed -n 's#^listening on ws://\(.*\)/ws$#\1#p' "$out" 2>/dev/null | head -n1)"
    if [ -n "$SERVER_ADDR" ]; then
      export SERVER_ADDR SERVER_PID
      return 0
    fi
    kill -0 "$SERVER_PID" 2>/dev/null || { cat "$log" >&2; echo "mock-server exited early" >&2; return 1; }
    sleep 0.1
  done
  echo "mock-server did not report its address within 30 s" >&2
  return 1
}

stop_server() {
  [ -n "${SERVER_PID:-}" ] || return 0
  kill "$SERVER_PID" 2>/dev/null || true
  wait "$SERVER_PID" 2>/dev/null || true
  SERVER_PID=""
}
