// A/B of two builds of the package on one page (bench/profile/ab-page.js): both builds and the plain-JS
// baseline are fed the same frames through a stub WebSocket, in rotating order, round after round, so
// the machine's load shifts all three alike. Prints per build the median µs per message and the median
// of the per-round differences B − A (and B/A), which is what to read on a busy machine.
//
//   node bench/profile/ab.mjs A_DIR B_DIR [--count 50000] [--rounds 12] [--json]
// (each DIR laid out like pkg-js: dist/index.js, wasm/planwire.js, wasm/planwire_bg.wasm)
import { build } from 'esbuild';
import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../../tests/lib/chromium.mjs';
import { receiveJson, serveFiles } from '../../tests/lib/static.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, '..', '.out', 'profile-ab');
const [aDir, bDir] = process.argv.slice(2, 4).map((d) => resolve(d));
if (!aDir || !bDir) {
  console.error('usage: node bench/profile/ab.mjs A_DIR B_DIR [--count N] [--rounds R]');
  process.exit(2);
}
const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const count = Number(arg('count', 50_000));
const rounds = Number(arg('rounds', 12));

mkdirSync(out, { recursive: true });
await build({
  entryPoints: [join(here, 'ab-page.js')],
  bundle: true,
  minify: true,
  format: 'esm',
  target: 'es2020',
  outfile: join(out, 'page.js'),
  logLevel: 'error',
  plugins: [
    {
      name: 'two-builds',
      setup(b) {
        b.onResolve({ filter: /^planwire-[ab]$/ }, (args) => ({ path: join(args.path.endsWith('a') ? aDir : bDir, 'dist', 'index.js') }));
      },
    },
  ],
});
writeFileSync(join(out, 'index.html'), '<!doctype html><meta charset="utf-8"><title>planwire A/B</title><script type="module" src="./page.js"></script>\n');
let deliver;
const result = new Promise((ok) => (deliver = ok));
const http = await serveFiles({ '/a/': join(aDir, 'wasm'), '/b/': join(bDir, 'wasm'), '/': out }, (req, res) => {
  if (req.method !== 'POST' || req.url !== '/result') return false;
  receiveJson(req, res, deliver);
  return true;
});
const profile = mkdtempSync(join(tmpdir(), 'planwire-ab-chromium-'));
const browser = spawn(CHROMIUM_PATH, [...CHROMIUM_ARGS, `--user-data-dir=${profile}`, `${http.origin}/index.html?count=${count}&rounds=${rounds}`], { stdio: 'ignore' });
const timer = setTimeout(() => deliver({ error: 'timed out' }), 600_000);
const page = await result;
clearTimeout(timer);
browser.kill();
await http.stop();
try {
  rmSync(profile, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
} catch {
  // a helper process may still write for a moment
}
if (page.error) {
  console.error(`ab: ${page.error}`);
  process.exit(1);
}
const median = (xs) => {
  const s = [...xs].sort((x, y) => x - y);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const rs = page.results;
const figures = {
  count,
  rounds,
  a: median(rs.map((r) => r.a)),
  b: median(rs.map((r) => r.b)),
  baseline: median(rs.map((r) => r.baseline)),
  delta: median(rs.map((r) => r.b - r.a)),
  ratio: median(rs.map((r) => r.b / r.a)),
  bBetter: rs.filter((r) => r.b < r.a).length,
  results: rs,
};
if (process.argv.includes('--json')) console.log(JSON.stringify(figures));
else {
  console.log(`${count} frames × ${rounds} rounds, rotating order; µs per message, median of the rounds:`);
  console.log(`  A ${figures.a.toFixed(2)}   B ${figures.b.toFixed(2)}   plain JS ${figures.baseline.toFixed(2)}`);
  console.log(`  B − A per round: median ${figures.delta >= 0 ? '+' : ''}${figures.delta.toFixed(2)} µs (B/A ${figures.ratio.toFixed(3)}); B faster in ${figures.bBetter} of ${rounds} rounds`);
  console.log(`  A/plain JS ${(figures.a / figures.baseline).toFixed(2)}x, B/plain JS ${(figures.b / figures.baseline).toFixed(2)}x`);
}
process.exit(0);
