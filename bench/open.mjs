// Time to `open` for a React page with planwire beside the same React page with a plain `new WebSocket`,
// in headless Chromium against the mock server: from navigation start to the server's connection
// confirmation (planwire's `open`; the plain page waits for the same frame).
//
//   node bench/open.mjs [--runs 6] [--rounds 3] [--json]
//
// Each page is bundled by esbuild as an app's production build (React and planwire in one minified
// bundle, the .wasm beside it, as the facade finds it). Per round and page: a fresh Chromium profile
// (cold: nothing cached, no compiled code), then the page loads itself again `runs - 1` times (warm:
// HTTP cache, V8's code cache and the compiled wasm from the cache). Files are served from 127.0.0.1
// with `Cache-Control: max-age=3600`. Reported: per page the median cold load and the median warm load
// (over rounds, and over the warm loads of each round), in ms.
//
// Chromium (Debian's /usr/bin/chromium) is started directly, without the DevTools protocol, as in
// bench/dispatch.mjs; the mock server is built with `cargo build -p mock-server` if missing.
import { build } from 'esbuild';
import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, extname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../tests/lib/chromium.mjs';
import { receiveJson, serveFiles } from '../tests/lib/static.mjs';
import { startServer, token } from '../tests/lib/server.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..');
const out = join(here, '.out', 'open');
const pkgDir = join(root, 'pkg-js');
const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const runs = Number(arg('runs', 6));
const rounds = Number(arg('rounds', 3));
const PAGES = ['planwire', 'plain'];
const MIME = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.wasm': 'application/wasm' };

/** Bundles each page like an app's production build into out/<page>/. */
async function buildPages() {
  for (const page of PAGES) {
    const dir = join(out, page);
    mkdirSync(join(dir, 'wasm'), { recursive: true });
    await build({
      entryPoints: [join(here, 'open', `${page}.jsx`)],
      bundle: true,
      minify: true,
      format: 'esm',
      target: 'es2020',
      jsx: 'automatic',
      define: { 'process.env.NODE_ENV': '"production"' },
      outfile: join(dir, 'page.js'),
      logLevel: 'error',
      nodePaths: [join(root, 'node_modules')],
      plugins: [
        {
          name: 'planwire-package',
          setup(b) {
            b.onResolve({ filter: /^planwire(\/react)?$/ }, (a) => ({ path: join(pkgDir, 'dist', a.path === 'planwire' ? 'index.js' : 'react.js') }));
          },
        },
      ],
    });
    copyFileSync(join(here, 'open', 'index.html'), join(dir, 'index.html'));
    // Bundled into /<page>/page.js, the facade's new URL('../wasm/planwire_bg.wasm', …) is /wasm/….
    mkdirSync(join(out, 'wasm'), { recursive: true });
    copyFileSync(join(pkgDir, 'wasm', 'planwire_bg.wasm'), join(out, 'wasm', 'planwire_bg.wasm'));
  }
}

/** Cacheable static files (warm loads come from the HTTP cache) and POST /result. */
function serve(onResult) {
  return serveFiles({ '/': out }, (req, res) => {
    if (req.method === 'POST' && req.url === '/result') {
      receiveJson(req, res, onResult);
      return true;
    }
    const path = new URL(req.url, 'http://x').pathname;
    const file = join(out, path.endsWith('/') ? `${path}index.html` : path);
    if (!file.startsWith(out + '/')) return false;
    try {
      const body = readFileSync(file);
      res.writeHead(200, { 'Content-Type': MIME[extname(file)] ?? 'application/octet-stream', 'Cache-Control': 'max-age=3600' });
      res.end(body);
      return true;
    } catch {
      return false;
    }
  });
}

/** One round of a page: a fresh profile, `runs` loads; resolves to their times in load order. */
async function round(http, page, query, waiters) {
  const times = [];
  const done = new Promise((ok, fail) => {
    waiters[page] = (r) => {
      times[r.run] = r.ms;
      if (times.filter((t) => t !== undefined).length === runs) ok(times);
    };
    setTimeout(() => fail(new Error(`${page}: timed out`)), 60_000 + runs * 10_000);
  });
  const profile = mkdtempSync(join(tmpdir(), 'planwire-open-chromium-'));
  const browser = spawn(CHROMIUM_PATH, [...CHROMIUM_ARGS, `--user-data-dir=${profile}`, `${http.origin}/${page}/index.html?${query}&runs=${runs}`], {
    stdio: ['ignore', 'ignore', 'ignore'],
  });
  try {
    return await done;
  } finally {
    const gone = new Promise((ok) => browser.once('exit', ok));
    browser.kill();
    await Promise.race([gone, new Promise((ok) => setTimeout(ok, 5000))]);
    try {
      rmSync(profile, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
    } catch {
      // Chromium's helpers may still be writing for a moment; a leftover temp profile is harmless.
    }
  }
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

async function main() {
  await buildPages();
  const server = await startServer();
  const waiters = {};
  const http = await serve((r) => waiters[r.kind]?.(r));
  try {
    const jwt = await token(server, 1, 'bench');
    const query = new URLSearchParams({ ws: `ws://${server.addr}/ws`, token: jwt, plan: '1' }).toString();
    const results = Object.fromEntries(PAGES.map((p) => [p, { cold: [], warm: [] }]));
    for (let r = 0; r < rounds; r++) {
      // Alternate which page goes first, so neither always meets a colder machine.
      for (const page of r % 2 ? [...PAGES].reverse() : PAGES) {
        const [cold, ...warm] = await round(http, page, query, waiters);
        results[page].cold.push(cold);
        results[page].warm.push(...warm);
      }
    }
    return Object.fromEntries(PAGES.map((p) => [p, { coldMs: median(results[p].cold), warmMs: median(results[p].warm), ...results[p] }]));
  } finally {
    await http.stop();
    await server.stop();
  }
}

const result = await main().catch((e) => {
  console.error(`open: ${e.message}`);
  process.exit(1);
});
if (process.argv.includes('--json')) console.log(JSON.stringify({ runs, rounds, ...result }));
else {
  console.log(`time to open, headless Chromium, median of ${rounds} cold loads and ${rounds * (runs - 1)} warm loads (ms from navigation start):`);
  console.log('page                 cold ms   warm ms');
  const label = { planwire: 'React + planwire', plain: 'React + WebSocket' };
  for (const p of PAGES) console.log(`${label[p].padEnd(20)} ${result[p].coldMs.toFixed(0).padStart(7)}   ${result[p].warmMs.toFixed(0).padStart(7)}`);
  console.log(`planwire − plain: cold ${(result.planwire.coldMs - result.plain.coldMs).toFixed(0)} ms, warm ${(result.planwire.warmMs - result.plain.warmMs).toFixed(0)} ms`);
}
