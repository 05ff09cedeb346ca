#!/usr/bin/env bash
# Builds everything, starts the mock server (demo data) and the demo board, and prints the URLs and
# tokens to use. Ctrl-C stops both.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"

PORT="${PLANWIRE_PORT:-5000}"
DEMO_PORT=5173

step "tools"
bash scripts/ensure-tools.sh

step "build: mock server, wasm client, npm package"
cargo build -p mock-server --quiet
bash scripts/build-wasm.sh
npm run build -w planwire --silent

step "start"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT INT TERM

target/debug/mock-server --port "$PORT" --enable-faults &
pids+=($!)
npm run dev -w planwire-demo --silent -- --clearScreen false >"$TMP_DIR/demo-vite.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 300); do
  curl -sf "http://127.0.0.1:$PORT/api/v1/ws/health" >/dev/null 2>&1 \
    && curl -sf "http://127.0.0.1:$DEMO_PORT/" >/dev/null 2>&1 && break
  sleep 0.2
done

alice="$(target/debug/mock-server token --user-id 1 --user-name alice --email alice@example.com)"
bob="$(target/debug/mock-server token --user-id 2 --user-name bob --email bob@example.com)"
mallory="$(target/debug/mock-server token --user-id 3 --user-name mallory --email mallory@example.com)"
cat <<MSG

planwire demo is running.

  Board as alice:   http://127.0.0.1:$DEMO_PORT/?user=alice&server=127.0.0.1:$PORT
  Board as bob:     http://127.0.0.1:$DEMO_PORT/?user=bob&server=127.0.0.1:$PORT
  (open both side by side: drag a card to another column, add, rename or delete a task and the
   other window follows; click a task and type in its title: the other window shows your marker
   and "… is typing…")

  WebSocket URL:    ws://127.0.0.1:$PORT/ws?token=<token>
  Server metrics:   http://127.0.0.1:$PORT/api/v1/ws/metrics

  Tokens (valid 1 h):
    alice   (user 1, plan 123):        $alice
    bob     (user 2, plans 123, 456):  $bob
    mallory (user 3, no plans):        $mallory

Press Ctrl-C to stop.
MSG
wait -n "${pids[@]}"
