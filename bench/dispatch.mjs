// Dispatch throughput in headless Chromium: the mock server floods N task-updated messages to one room;
// how many per second reach the application's callback through planwire, and through a plain-JavaScript
// baseline (WebSocket + JSON.parse + switch + callback), on the same page in the same run. A third
// client whose handler only counts frames shows what the browser itself costs per message (the floor).
// Then both clients run again on a stub WebSocket fed the same frames in a tight loop: the client's own
// cost per message, without the browser's WebSocket machinery.
//
//   node bench/dispatch.mjs --addr HOST:PORT [--count 100000] [--rounds 2] [--block-ms 2000] [--json]
//
// The server must run with `--enable-faults --bench-plans 1 --send-queue <≥ count>`. The page
// (bench/dispatch/page.js) measures itself: per round it opens and joins a client, asks the server to
// flood while its main thread is blocked (so the whole flood is queued and the client sets the pace),
// and times the callbacks from the end of the block to the last one. Rounds alternate baseline and
// planwire; the best round of each is reported, with the JS heap after a forced GC and the wasm memory
// before and after each flood.
//
// Chromium (Debian's /usr/bin/chromium, never a downloaded one) is started directly, without the DevTools
// protocol: a DevTools client (Playwright included) enables network instrumentation, which reports every
// WebSocket frame to the client and caps delivery at a few thousand frames per second for any client.
import { build } from 'esbuild';
import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../tests/lib/chromium.mjs';
import { serveFiles } from '../tests/lib/static.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..');
const out = join(here, '.out', 'dispatch');

function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
}
const addr = arg('addr');
const count = Number(arg('count', 100_000));
const rounds = Number(arg('rounds', 2));
const blockMs = Number(arg('block-ms', 2000));
const planId = arg('plan', 'bench-0');
const userId = Number(arg('user-id', 100_000));
const timeoutMs = Number(arg('timeout-ms', 300_000));
if (!addr) throw new Error('usage: node bench/dispatch.mjs --addr HOST:PORT [--count N] [--rounds R] [--json]');

/** Bundles the page with planwire's public entry and puts the .wasm beside it. */
async function buildPage() {
  mkdirSync(out, { recursive: true });
  await build({
    entryPoints: [join(here, 'dispatch', 'page.js')],
    bundle: true,
    minify: true,
    format: 'esm',
    target: 'es2020',
    outfile: join(out, 'page.js'),
    logLevel: 'error',
  });
  copyFileSync(join(here, 'dispatch', 'index.html'), join(out, 'index.html'));
  // The driver fetches `new URL('../wasm/planwire.wasm', import.meta.url)`: beside the page, in wasm/.
  mkdirSync(join(out, 'wasm'), { recursive: true });
  copyFileSync(join(root, 'pkg-js', 'wasm', 'planwire.wasm'), join(out, 'wasm', 'planwire.wasm'));
}

/** Serves the page and receives its figures on POST /result. */
function servePage(onResult) {
  return serveFiles({ '/': out }, (req, res) => {
    if (req.method !== 'POST' || req.url !== '/result') return false;
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      res.writeHead(204).end();
      onResult(JSON.parse(body));
    });
    return true;
  });
}

async function mintToken() {
  const res = await fetch(`http://${addr}/api/v1/faults/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ userId, userName: 'bench', ttlSecs: 3600 }),
  });
  if (!res.ok) throw new Error(`POST /api/v1/faults/token: ${res.status} (is --enable-faults on?)`);
  return (await res.json()).token;
}

async function main() {
  await buildPage();
  const token = await mintToken();
  let deliver;
  const result = new Promise((ok) => (deliver = ok));
  const http = await servePage(deliver);
  const query = new URLSearchParams({
    ws: `ws://${addr}/ws`,
    api: `http://${addr}`,
    token,
    plan: planId,
    count: String(count),
    rounds: String(rounds),
    block: String(blockMs),
  });
  const profile = mkdtempSync(join(tmpdir(), 'planwire-bench-chromium-'));
  const browser = spawn(
    CHROMIUM_PATH,
    [
      ...CHROMIUM_ARGS, '--enable-precise-memory-info', '--js-flags=--expose-gc',
      `--user-data-dir=${profile}`,
      `${http.origin}/index.html?${query}`,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  browser.stderr.on('data', (c) => (stderr = (stderr + c).slice(-4000)));
  const exited = new Promise((_, reject) => browser.on('exit', (code) => reject(new Error(`chromium exited (${code}): ${stderr}`))));
  exited.catch(() => {}); // once the figures are in, the browser is killed: that exit is expected
  let timer;
  const timeout = new Promise((_, reject) => (timer = setTimeout(() => reject(new Error('dispatch benchmark timed out')), timeoutMs)));
  try {
    const page = await Promise.race([result, exited, timeout]);
    if (page.error) throw new Error(`page: ${page.error}`);
    for (const r of page.runs) {
      if (r.measured <= 0 || r.ms <= 0) throw new Error(`${r.kind}: nothing measured`);
    }
    const best = (kind) => page.runs.filter((x) => x.kind === kind).reduce((a, b) => (b.perSec > a.perSec ? b : a));
    const planwire = best('planwire');
    const baseline = best('baseline');
    const raw = best('raw');
    const bestReplay = (kind) => page.replays.filter((x) => x.kind === kind).reduce((a, b) => (b.perSec > a.perSec ? b : a));
    const replay = { planwire: bestReplay('planwire'), baseline: bestReplay('baseline') };
    replay.ratio = replay.planwire.perSec / replay.baseline.perSec;
    const browserName = page.userAgent.match(/(?:Headless)?Chrome\/[\d.]+/)?.[0] ?? page.userAgent;
    return { browser: browserName, count, rounds, blockMs, planwire, baseline, raw, ratio: planwire.perSec / baseline.perSec, replay, runs: page.runs, replays: page.replays };
  } finally {
    clearTimeout(timer);
    if (browser.exitCode === null) {
      const gone = new Promise((ok) => browser.once('exit', ok));
      browser.kill();
      await Promise.race([gone, new Promise((ok) => setTimeout(ok, 5000))]);
    }
    await http.stop();
    try {
      rmSync(profile, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
    } catch {
      // Chromium's helper processes may still be writing for a moment; a leftover temp profile is harmless.
    }
  }
}

let result;
try {
  result = await main();
} catch (e) {
  console.error(`dispatch: ${String(e?.message ?? e).split('\n')[0]}`);
  process.exit(1);
}
if (process.argv.includes('--json')) {
  console.log(JSON.stringify(result));
} else {
  const kib = (b) => `${(b / 1024).toFixed(0)} KiB`;
  console.log(result.browser);
  for (const r of result.runs) {
    console.log(`${r.kind.padEnd(9)} ${Math.round(r.perSec).toString().padStart(8)} msg/s  (${r.measured} in ${r.ms.toFixed(0)} ms; flood ${r.floodMs} ms${r.serverBound ? ', SERVER-BOUND' : ''})  heap ${kib(r.heapBefore)} → ${kib(r.heapAfter)}  wasm ${kib(r.wasmBefore)} → ${kib(r.wasmAfter)}`);
  }
  console.log(`planwire / baseline = ${result.ratio.toFixed(2)}x`);
  for (const r of result.replays) console.log(`replay ${r.kind.padEnd(9)} ${Math.round(r.perSec).toString().padStart(9)} msg/s (${r.messages} in ${r.ms.toFixed(0)} ms)`);
  console.log(`client cost alone: planwire / baseline = ${result.replay.ratio.toFixed(2)}x`);
}
process.exit(0);
