#!/usr/bin/env bash
# `npm run bench`: planwire's four benchmarks in one run, printed as one table.
#   1. bundle size beside the alternatives       (bench/size.mjs: JS and wasm apart, per entry)
#   2. dispatch in headless Chromium              (bench/dispatch.mjs: µs per message on a stub WebSocket,
#                                                  then msg/s against a release mock server)
#   3. fan-out latency with 1,000 then 5,000 WebSocket connections in 50 rooms (loadgen fanout)
#   4. reconnect storm of 100,000 clients driven by the client core's backoff (loadgen storm)
# Figures go to bench/.out/results/*.json; bench/report.mjs prints the table. docs/performance.md explains them.
#
# Environment knobs (defaults keep the run to a few minutes on 2 cores):
#   BENCH_SKIP_BUILD=1      use the binaries, wasm and dist already built
#   BENCH_FANOUT="1000 5000" connection counts; BENCH_FANOUT_RATE=200 changes/s; BENCH_FANOUT_SECS=10
#   BENCH_DISPATCH_COUNT=100000 messages per flood; BENCH_DISPATCH_ROUNDS=4
#   BENCH_PKG=DIR           measure another build of the package (laid out like pkg-js) for size and dispatch
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

OUT="$ROOT/bench/.out"
RESULTS="$OUT/results"
mkdir -p "$RESULTS"
rm -f "$RESULTS"/*.json
SERVER="$ROOT/target/release/mock-server"
LOADGEN="$ROOT/target/release/loadgen"
FANOUT_COUNTS="${BENCH_FANOUT:-1000 5000}"
FANOUT_RATE="${BENCH_FANOUT_RATE:-200}"
FANOUT_SECS="${BENCH_FANOUT_SECS:-10}"
DISPATCH_COUNT="${BENCH_DISPATCH_COUNT:-100000}"
DISPATCH_ROUNDS="${BENCH_DISPATCH_ROUNDS:-4}"
PKG_ARGS=()
[ -n "${BENCH_PKG:-}" ] && PKG_ARGS=(--pkg "$BENCH_PKG")

MOCK_SERVER="$SERVER"
LOG_DIR="$OUT"
source "$ROOT/scripts/lib.sh"

# 5,000 client sockets in loadgen and 5,000 in the server, plus files: lift the soft fd limit.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt 12000 ]; then
  echo "bench: the open-file limit is $(ulimit -n); 5,000 connections need about 11,000" >&2
  exit 1
fi

if [ "${BENCH_SKIP_BUILD:-0}" != 1 ]; then
  step "tools and builds (release mock server and loadgen, release wasm, pkg-js)"
  bash scripts/ensure-tools.sh
  cargo build --release -p mock-server -p loadgen
  bash scripts/build-wasm.sh >&2
  npm run build -w planwire >&2
fi

trap stop_server EXIT

# run_section FILE CMD...: CMD's stdout (JSON) goes to $RESULTS/FILE; a failing section is recorded as
# {"error": …} with the end of its stderr, and the run goes on, so the table always shows every section.
run_section() {
  local file="$RESULTS/$1"; shift
  local err="$OUT/${file##*/}.stderr"
  local rc=0
  "$@" >"$file.tmp" 2>"$err" || rc=$?
  cat "$err" >&2
  if [ "$rc" -eq 0 ]; then
    mv "$file.tmp" "$file"
  else
    rm -f "$file.tmp"
    node -e 'const fs=require("fs");const t=fs.readFileSync(process.argv[1],"utf8").trim().split("\n").slice(-3).join(" | ");fs.writeFileSync(process.argv[2],JSON.stringify({error:t||"failed"}))' "$err" "$file"
    FAILED=1
  fi
}
FAILED=0
node -e 'const os=require("os");console.log(JSON.stringify({loadavg:os.loadavg(),startedAt:new Date().toISOString()}))' >"$RESULTS/machine.json"

step "1/4 bundle size"
run_section size.json node bench/size.mjs --json "${PKG_ARGS[@]}"

step "2/4 dispatch in headless Chromium ($DISPATCH_COUNT messages: stub socket, then the mock server)"
start_server dispatch --log-level warn --enable-faults --bench-plans 1 --send-queue $((DISPATCH_COUNT * 2))
run_section dispatch-ceiling.json "$LOADGEN" drain --addr "$SERVER_ADDR" --count "$DISPATCH_COUNT"
run_section dispatch.json node bench/dispatch.mjs --addr "$SERVER_ADDR" --count "$DISPATCH_COUNT" --rounds "$DISPATCH_ROUNDS" --json "${PKG_ARGS[@]}"
stop_server

for n in $FANOUT_COUNTS; do
  step "3/4 fan-out: $n connections in 50 rooms, $FANOUT_RATE changes/s for $FANOUT_SECS s"
  start_server "fanout-$n" --log-level warn --enable-faults --bench-plans 50 --bench-users "$n"
  run_section "fanout-$n.json" "$LOADGEN" fanout --addr "$SERVER_ADDR" --connections "$n" --rooms 50 \
    --rate "$FANOUT_RATE" --duration-secs "$FANOUT_SECS" --server-pid "$SERVER_PID"
  stop_server
done

step "4/4 reconnect storm: 100,000 clients, 10 s outage"
run_section storm.json "$LOADGEN" storm --clients 100000 --outage-ms 10000

node bench/report.mjs "$RESULTS"
exit "$FAILED"
