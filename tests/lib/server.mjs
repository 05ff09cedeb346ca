// Starts and stops the mock server for a test: the debug binary (built once with cargo when missing),
// on port 0 or a given port, with --enable-faults so tests can mint tokens. PLANWIRE_MOCK_SERVER runs
// another, already built binary instead (never built here).
import { spawn, execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { ROOT } from './paths.mjs';

const BINARY = process.env.PLANWIRE_MOCK_SERVER || `${ROOT}/target/debug/mock-server`;

/**
 * Builds the mock server unless the binary exists (PLANWIRE_REBUILD_SERVER=1 forces a build); a binary
 * given with PLANWIRE_MOCK_SERVER must exist.
 */
export function ensureServerBuilt() {
  if (process.env.PLANWIRE_MOCK_SERVER) {
    if (!existsSync(BINARY)) throw new Error(`PLANWIRE_MOCK_SERVER=${BINARY}: no such file`);
    return;
  }
  if (existsSync(BINARY) && !process.env.PLANWIRE_REBUILD_SERVER) return;
  execFileSync('cargo', ['build', '-p', 'mock-server', '--quiet'], { cwd: ROOT, stdio: 'inherit' });
}

/**
 * Runs the mock server and resolves once it prints `listening on ws://HOST:PORT/ws`.
 * Returns `{ addr, port, stop() }`; `stop()` kills the process and waits for it to exit.
 */
export function startServer({ port = 0, args = [], timeoutMs = 20_000 } = {}) {
  ensureServerBuilt();
  const child = spawn(BINARY, ['--port', String(port), '--enable-faults', ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d) => {
    stderr = (stderr + d).slice(-4000);
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`mock-server did not report its address within ${timeoutMs} ms\n${stderr}`));
    }, timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`mock-server exited early (code ${code})\n${stderr}`));
    });
    createInterface({ input: child.stdout }).on('line', (line) => {
      const m = /^listening on ws:\/\/(.+):(\d+)\/ws$/.exec(line.trim());
      if (!m) return;
      clearTimeout(timer);
      const addr = `${m[1]}:${m[2]}`;
      resolve({
        addr,
        port: Number(m[2]),
        http: `http://${addr}`,
        async stop() {
          if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
          await exited;
        },
      });
    });
  });
}

/** `GET /api/v1/ws/metrics`. */
export async function metrics(server) {
  const res = await fetch(`${server.http}/api/v1/ws/metrics`);
  if (!res.ok) throw new Error(`metrics: HTTP ${res.status}`);
  return res.json();
}

/** A token for a demo user from the fault route. */
export async function token(server, userId, userName) {
  const res = await fetch(`${server.http}/api/v1/faults/token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ userId, userName }),
  });
  if (!res.ok) throw new Error(`faults/token: HTTP ${res.status} ${await res.text()}`);
  return (await res.json()).token;
}

/** Calls a REST route as a user; returns the parsed JSON body. */
export async function rest(server, tokenValue, method, path, body) {
  const res = await fetch(`${server.http}${path}`, {
    method,
    headers: { Authorization: `Bearer ${tokenValue}`, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: HTTP ${res.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
}
