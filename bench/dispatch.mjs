// Dispatch throughput in headless Chromium: N task-updated messages → the application's callback,
// through planwire (the wasm-bindgen client, its public `createPlanClient` + `on('taskUpdated')`) and
// through a plain-JavaScript baseline (WebSocket + JSON.parse + switch + callback), on the same page in
// the same run.
//
// Client cost alone (always run): each client is created while a stub `WebSocket` class is installed on
// the page's globalThis, so the socket planwire opens through web-sys is the stub. The stub confirms the
// connection (`{"type":"pong","data":{"userId":1,"connected":true,…}}`) and the join like the server;
// then N frames (copies of a real server frame, each its own seq and title) are pushed through the
// `onmessage` the client set, as `{data: string}` objects, in a tight loop. Reported: µs per message
// for each path and planwire's cost relative to the baseline's.
//
// The real network path (only with --addr): the mock server floods N frames to one room; how many per
// second reach the callback through planwire, the baseline, and a floor client whose handler only counts
// frames (what the browser itself costs per message).
//
//   node bench/dispatch.mjs [--count 100000] [--rounds 4] [--json]                  stub only
//   node bench/dispatch.mjs --addr HOST:PORT [--count N] [--rounds R] [--block-ms 2000] [--json]
//   node bench/dispatch.mjs --pkg DIR …     measure another build laid out like pkg-js (dist/, wasm/)
//
// With --addr the server must run with `--enable-faults --bench-plans 1 --send-queue <≥ count>`. The page
// (bench/dispatch/page.js) measures itself: per network round it opens and joins a client, asks the
// server to flood while its main thread is blocked (so the whole flood is queued and the client sets the
// pace), and times the callbacks from the end of the block to the last one. Rounds alternate the
// clients; the best round of each is reported, with the JS heap after a forced GC and the wasm memory
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
import { receiveJson, serveFiles } from '../tests/lib/static.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..');
const out = join(here, '.out', 'dispatch');

function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
}
const addr = arg('addr');
const count = Number(arg('count', 100_000));
const rounds = Number(arg('rounds', 4));
const blockMs = Number(arg('block-ms', 2000));
const planId = arg('plan', 'bench-0');
const userId = Number(arg('user-id', 100_000));
const timeoutMs = Number(arg('timeout-ms', 300_000));
// Another build of the package to measure instead of pkg-js (A/B of a client change): a directory with
// dist/index.js and wasm/planwire.js + planwire_bg.wasm laid out as in pkg-js.
const pkgDir = resolve(arg('pkg', join(root, 'pkg-js')));

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
    plugins: [
      {
        // `planwire` and the page's direct import of the glue both come from pkgDir.
        name: 'planwire-package',
        setup(b) {
          b.onResolve({ filter: /^planwire$/ }, () => ({ path: join(pkgDir, 'dist', 'index.js') }));
          b.onResolve({ filter: /pkg-js\/wasm\/planwire\.js$/ }, () => ({ path: join(pkgDir, 'wasm', 'planwire.js') }));
        },
      },
    ],
  });
  copyFileSync(join(here, 'dispatch', 'index.html'), join(out, 'index.html'));
  // The facade fetches `new URL('../wasm/planwire_bg.wasm', import.meta.url)`; bundled into /page.js
  // that is /wasm/planwire_bg.wasm.
  mkdirSync(join(out, 'wasm'), { recursive: true });
  copyFileSync(join(pkgDir, 'wasm', 'planwire_bg.wasm'), join(out, 'wasm', 'planwire_bg.wasm'));
}

/** Serves the page and receives its figures on POST /result. */
function servePage(onResult) {
  return serveFiles({ '/': out }, (req, res) => {
    if (req.method !== 'POST' || req.url !== '/result') return false;
    receiveJson(req, res, onResult);
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
  const token = addr ? await mintToken() : undefined;
  let deliver;
  const result = new Promise((ok) => (deliver = ok));
  const http = await servePage(deliver);
  const query = new URLSearchParams({ count: String(count), rounds: String(rounds) });
  if (addr) {
    for (const [k, v] of Object.entries({ ws: `ws://${addr}/ws`, api: `http://${addr}`, token, plan: planId, block: String(blockMs) })) query.set(k, v);
  }
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
    const browserName = page.userAgent.match(/(?:Headless)?Chrome\/[\d.]+/)?.[0] ?? page.userAgent;
    // Client cost alone: the best (fastest) round of each path.
    const bestReplay = (kind) => page.replays.filter((x) => x.kind === kind).reduce((a, b) => (b.usPerMsg < a.usPerMsg ? b : a));
    const replay = { planwire: bestReplay('planwire'), baseline: bestReplay('baseline') };
    replay.ratio = replay.planwire.usPerMsg / replay.baseline.usPerMsg; // planwire's cost in baseline units
    const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    replay.medianUsPerMsg = {
      planwire: median(page.replays.filter((x) => x.kind === 'planwire').map((x) => x.usPerMsg)),
      baseline: median(page.replays.filter((x) => x.kind === 'baseline').map((x) => x.usPerMsg)),
    };
    const figures = { browser: browserName, count, rounds, replay, replays: page.replays, template: page.template };
    if (addr) {
      for (const r of page.runs) {
        if (r.measured <= 0 || r.ms <= 0) throw new Error(`${r.kind}: nothing measured`);
      }
      const best = (kind) => page.runs.filter((x) => x.kind === kind).reduce((a, b) => (b.perSec > a.perSec ? b : a));
      const network = { blockMs, planwire: best('planwire'), baseline: best('baseline'), raw: best('raw'), runs: page.runs };
      network.ratio = network.planwire.perSec / network.baseline.perSec;
      figures.network = network;
    }
    return figures;
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
  console.log(`${result.browser}, ${result.count} task-updated frames`);
  const n = result.network;
  if (n) {
    console.log('real network (mock server flood), msg/s:');
    for (const r of n.runs) {
      console.log(`  ${r.kind.padEnd(9)} ${Math.round(r.perSec).toString().padStart(8)} msg/s (${(1e6 / r.perSec).toFixed(2)} µs/msg; ${r.measured} in ${r.ms.toFixed(0)} ms; flood ${r.floodMs} ms${r.serverBound ? ', SERVER-BOUND' : ''})  heap ${kib(r.heapBefore)} → ${kib(r.heapAfter)}  wasm ${kib(r.wasmBefore)} → ${kib(r.wasmAfter)}`);
    }
    console.log(`  best: planwire ${(1e6 / n.planwire.perSec).toFixed(2)} µs/msg, plain JS ${(1e6 / n.baseline.perSec).toFixed(2)} µs/msg, floor ${(1e6 / n.raw.perSec).toFixed(2)} µs/msg; planwire / plain JS throughput = ${n.ratio.toFixed(2)}x`);
  }
  console.log('client cost alone (stub WebSocket → app callback), µs per message:');
  for (const r of result.replays) console.log(`  ${r.kind.padEnd(9)} ${r.usPerMsg.toFixed(2).padStart(6)} µs/msg (${r.messages} in ${r.ms.toFixed(0)} ms)  heap ${kib(r.heapBefore)} → ${kib(r.heapAfter)}  wasm ${kib(r.wasmBefore)} → ${kib(r.wasmAfter)}`);
  const r = result.replay;
  console.log(`  best: planwire ${r.planwire.usPerMsg.toFixed(2)} µs/msg, plain JS ${r.baseline.usPerMsg.toFixed(2)} µs/msg; planwire costs ${r.ratio.toFixed(2)}x the baseline per message (median ${r.medianUsPerMsg.planwire.toFixed(2)} / ${r.medianUsPerMsg.baseline.toFixed(2)})`);
}
process.exit(0);
