// Dispatch throughput in headless Chromium: the mock server floods N task-updated messages to one room;
// how many per second reach the application's callback through planwire, and through a plain-JavaScript
// baseline (WebSocket + JSON.parse + switch + callback), on the same page in the same run.
//
//   node bench/dispatch.mjs --addr HOST:PORT [--count 100000] [--rounds 2] [--json]
//
// The server must run with `--enable-faults --bench-plans 1 --send-queue <≥ count>`. Each measurement:
// open and join one client, block the page's main thread while the server floods (so the whole flood
// is queued and the client, not the server, sets the pace), then time the callbacks from the end of the
// block to the last one. Rounds alternate baseline and planwire; the best round of each is reported.
// JS heap (after a forced GC, via CDP) and wasm memory are read before and after each flood.
import { build } from 'esbuild';
import { createServer } from 'node:http';
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, extname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

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
const blockMs = Number(arg('block-ms', 3000));
const planId = arg('plan', 'bench-0');
const userId = Number(arg('user-id', 100_000));
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
  copyFileSync(join(root, 'pkg-js', 'wasm', 'planwire_client_bg.wasm'), join(out, 'planwire_client_bg.wasm'));
}

const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm' };

/** A static server for the page on 127.0.0.1 (a real origin, as an app would have). */
function servePage() {
  const server = createServer((req, res) => {
    const name = new URL(req.url, 'http://x').pathname.replace(/^\/+/, '') || 'index.html';
    try {
      const body = readFileSync(join(out, name.replace(/\.\./g, '')));
      res.writeHead(200, { 'content-type': TYPES[extname(name)] ?? 'application/octet-stream' });
      res.end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  return new Promise((ok) => server.listen(0, '127.0.0.1', () => ok(server)));
}

async function post(path, body) {
  const res = await fetch(`http://${addr}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`POST ${path}: ${res.status} ${await res.text()}`);
  return res.json();
}

/** JS heap in use after a full GC, in bytes. */
async function heapUsed(cdp) {
  await cdp.send('HeapProfiler.collectGarbage');
  const { usedSize } = await cdp.send('Runtime.getHeapUsage');
  return usedSize;
}

async function measure(page, cdp, kind, token) {
  await page.evaluate(([k, url, t, p, n]) => window.bench.open(k, url, t, p, n), [kind, `ws://${addr}/ws`, token, planId, count]);
  const heapBefore = await heapUsed(cdp);
  const wasmBefore = await page.evaluate(() => window.bench.wasmMemory());
  // Block the page, and flood while it is blocked.
  const blocked = page.evaluate((ms) => window.bench.block(ms), blockMs);
  const flood = await post('/api/v1/faults/flood', { planId, count });
  await blocked;
  const run = await page.evaluate((ms) => window.bench.finish(ms), 120_000);
  const heapAfter = await heapUsed(cdp);
  const wasmAfter = await page.evaluate(() => window.bench.wasmMemory());
  await page.evaluate(() => window.bench.close());
  if (run.received !== count) throw new Error(`${kind}: received ${run.received} of ${count}`);
  return {
    kind,
    perSec: (run.measured / run.ms) * 1000,
    measured: run.measured,
    ms: run.ms,
    floodMs: flood.elapsedMs,
    serverBound: flood.elapsedMs >= blockMs,
    heapBefore,
    heapAfter,
    wasmBefore,
    wasmAfter,
  };
}

async function main() {
  await buildPage();
  const http = await servePage();
  const { token } = await post('/api/v1/faults/token', { userId, userName: 'bench', ttlSecs: 3600 });
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  try {
    const page = await browser.newPage();
    page.on('pageerror', (e) => console.error('page error:', e.message));
    const cdp = await page.context().newCDPSession(page);
    await page.goto(`http://127.0.0.1:${http.address().port}/index.html`);
    await page.waitForFunction(() => window.bench !== undefined, null, { timeout: 30_000 });
    await page.evaluate(() => window.bench.wasmMemory()); // load the wasm before any heap reading
    const runs = [];
    for (let r = 0; r < rounds; r++) {
      for (const kind of ['baseline', 'planwire']) runs.push(await measure(page, cdp, kind, token));
    }
    const best = (kind) => runs.filter((x) => x.kind === kind).reduce((a, b) => (b.perSec > a.perSec ? b : a));
    const planwire = best('planwire');
    const baseline = best('baseline');
    return { browser: `Chromium ${browser.version()}`, count, rounds, blockMs, planwire, baseline, ratio: planwire.perSec / baseline.perSec, runs };
  } finally {
    await browser.close();
    http.close();
  }
}

const result = await main();
if (process.argv.includes('--json')) {
  console.log(JSON.stringify(result));
} else {
  const kb = (b) => `${(b / 1024).toFixed(0)} KiB`;
  for (const r of result.runs) {
    console.log(`${r.kind.padEnd(9)} ${Math.round(r.perSec).toString().padStart(8)} msg/s  (${r.measured} in ${r.ms.toFixed(0)} ms; flood ${r.floodMs} ms${r.serverBound ? ', SERVER-BOUND' : ''})  heap ${kb(r.heapBefore)} → ${kb(r.heapAfter)}  wasm ${kb(r.wasmBefore)} → ${kb(r.wasmAfter)}`);
  }
  console.log(`planwire / baseline = ${result.ratio.toFixed(2)}x`);
}
