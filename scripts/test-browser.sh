#!/usr/bin/env bash
# The client's browser suite in Rust (client-wasm/tests/, wasm-bindgen-test) in headless Chrome, then
# headless Firefox, against two live mock servers started here:
#
#   main   mock-server --enable-faults                       -> PLANWIRE_TEST_SERVER
#   sweep  mock-server --enable-faults --inactive-after-ms 5000 --sweep-every-ms 100
#                                                            -> PLANWIRE_TEST_SERVER_SWEEP
#
# Both addresses (and the sweep server's inactivity limit) are compiled into the tests. The servers
# are stopped in every case. Usage: bash scripts/test-browser.sh [chrome|firefox]... (both by default);
# PLANWIRE_BROWSER_TEST=plans runs only that test file (client-wasm/tests/plans.rs).
# Needs wasm-pack, wasm-bindgen-cli (the version in Cargo.lock), chromedriver, geckodriver,
# Chromium and Firefox (scripts/ensure-tools.sh).
set -euo pipefail
# The binary `cargo build -p mock-server` below produces (also under a CARGO_TARGET_DIR).
MOCK_SERVER="${MOCK_SERVER:-${CARGO_TARGET_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/target}/debug/mock-server}"
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"

browsers=("$@")
[ ${#browsers[@]} -gt 0 ] || browsers=(chrome firefox)
for b in "${browsers[@]}"; do
  case "$b" in
    chrome | firefox) ;;
    *) echo "unknown browser '$b' (chrome or firefox)" >&2; exit 2 ;;
  esac
done

# The sweep server's inactivity limit: tests/sweep.rs pings at 2/5 of it and waits it out.
SWEEP_INACTIVE_MS=5000
MAIN_FLAGS=(--enable-faults)
SWEEP_FLAGS=(--enable-faults --inactive-after-ms "$SWEEP_INACTIVE_MS" --sweep-every-ms 100)

MAIN_PID=""
SWEEP_PID=""
cleanup() {
  SERVER_PID="$MAIN_PID" stop_server
  SERVER_PID="$SWEEP_PID" stop_server
}
trap cleanup EXIT

step "build mock-server"
cargo build -p mock-server --quiet

step "start the mock servers"
start_server browser-main "${MAIN_FLAGS[@]}"
MAIN_PID="$SERVER_PID" MAIN_ADDR="$SERVER_ADDR"
start_server browser-sweep "${SWEEP_FLAGS[@]}"
SWEEP_PID="$SERVER_PID" SWEEP_ADDR="$SERVER_ADDR"
echo "main  $MAIN_ADDR  ${MAIN_FLAGS[*]}  (log: $LOG_DIR/browser-main.log)" >&2
echo "sweep $SWEEP_ADDR  ${SWEEP_FLAGS[*]}  (log: $LOG_DIR/browser-sweep.log)" >&2

export PLANWIRE_TEST_SERVER="$MAIN_ADDR"
export PLANWIRE_TEST_SERVER_SWEEP="$SWEEP_ADDR"
export PLANWIRE_TEST_SWEEP_INACTIVE_MS="$SWEEP_INACTIVE_MS"
# The runner takes the first driver variable it finds (GECKODRIVER before CHROMEDRIVER): set only the
# one of the browser under test.
CHROMEDRIVER=/usr/bin/chromedriver
GECKODRIVER="$(command -v geckodriver || true)"
# The runner's limit for one test binary (its tests run one after another); each test has its own
# timeout well inside it.
export WASM_BINDGEN_TEST_TIMEOUT="${WASM_BINDGEN_TEST_TIMEOUT:-240}"
ONLY=()
[ -n "${PLANWIRE_BROWSER_TEST:-}" ] && ONLY=(--test "$PLANWIRE_BROWSER_TEST")

for b in "${browsers[@]}"; do
  step "client-wasm in headless $b"
  case "$b" in
    chrome)
      env -u GECKODRIVER CHROMEDRIVER="$CHROMEDRIVER" \
        wasm-pack test --mode no-install --headless --chrome --chromedriver "$CHROMEDRIVER" client-wasm "${ONLY[@]}"
      ;;
    firefox)
      [ -n "$GECKODRIVER" ] || { echo "geckodriver not found (cargo install geckodriver)" >&2; exit 1; }
      env -u CHROMEDRIVER GECKODRIVER="$GECKODRIVER" \
        wasm-pack test --mode no-install --headless --firefox --geckodriver "$GECKODRIVER" client-wasm "${ONLY[@]}"
      ;;
  esac
done
step "browser suite passed: ${browsers[*]}"
