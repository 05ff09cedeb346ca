# Shared helpers for planwire's scripts (sourced, not run; every script sources it): the one PATH setup
# (cargo-installed tools: wasm-pack, wasm-bindgen, geckodriver), ROOT and the mock server helpers.
export PATH="$HOME/.cargo/bin:$PATH"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TMP_DIR="$ROOT/tests/.tmp"
mkdir -p "$TMP_DIR"

step() { printf '\n\033[1m== %s\033[0m\n' "$*" >&2; }

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
