// Bundle size of planwire beside the alternatives: what each costs a React app, minified and gzipped.
//
//   node bench/size.mjs           prints a table
//   node bench/size.mjs --json    prints the figures as JSON (used by scripts/bench.sh)
//   node bench/size.mjs --check   exits 1 when planwire's gzip total exceeds the 24 KB budget (npm test)
//
// Every subject is bundled by esbuild (ESM, minified, browser platform, React external because every
// React app already ships it); sizes are raw bytes and gzip -9 bytes (zlib level 9). For planwire the
// total also counts each `.wasm` file the bundled JS loads by URL.
import { build } from 'esbuild';
import { gzipSync, constants as zlibConstants } from 'node:zlib';
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Budget for planwire: gzip bytes, JS + wasm (decimal KB, as the alternatives' figures are quoted). */
export const BUDGET_GZIP_BYTES = 24_000;

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..');

/** What each subject's user imports. `planwire` takes everything both entries export. */
const SUBJECTS = [
  { name: 'planwire', entry: "export * from 'planwire';\nexport * from 'planwire/react';\n" },
  { name: 'centrifuge', entry: "export { Centrifuge } from 'centrifuge';\n" },
  { name: 'socket.io-client', entry: "export { io } from 'socket.io-client';\n" },
  { name: 'phoenix', entry: "export { Socket, Presence } from 'phoenix';\n" },
  { name: 'react-use-websocket', entry: "export { default } from 'react-use-websocket';\n" },
  { name: 'partysocket', entry: "export { default } from 'partysocket';\n" },
];

function gzipLength(bytes) {
  return gzipSync(bytes, { level: zlibConstants.Z_BEST_COMPRESSION }).length;
}

/** `.wasm` files named by string literals in the bundled inputs of `pkgDir`, resolved beside them. */
function wasmFilesLoadedBy(metafile, pkgDir) {
  const found = new Set();
  for (const input of Object.keys(metafile.inputs)) {
    const file = resolve(root, input);
    if (!file.startsWith(pkgDir) || !existsSync(file)) continue;
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/['"`]([\w./-]+\.wasm)['"`]/g)) {
      const wasm = resolve(dirname(file), m[1]);
      if (existsSync(wasm)) found.add(wasm);
    }
  }
  return [...found];
}

/** Bundles one subject; returns raw/gzip bytes of the JS and of any wasm it loads. */
async function measure(subject) {
  const result = await build({
    stdin: { contents: subject.entry, resolveDir: here, sourcefile: `${subject.name}-entry.mjs` },
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2020',
    external: ['react', 'react-dom', 'react/jsx-runtime'],
    define: { 'process.env.NODE_ENV': '"production"' },
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  const js = result.outputFiles[0].contents;
  const sizes = { name: subject.name, jsRaw: js.length, jsGzip: gzipLength(js), wasmRaw: 0, wasmGzip: 0, wasmFiles: [] };
  if (subject.name === 'planwire') {
    const pkgDir = realPackageDir('planwire');
    for (const file of wasmFilesLoadedBy(result.metafile, pkgDir)) {
      const bytes = readFileSync(file);
      sizes.wasmRaw += bytes.length;
      sizes.wasmGzip += gzipLength(bytes);
      sizes.wasmFiles.push(file.slice(root.length + 1));
    }
    if (sizes.wasmFiles.length === 0) {
      throw new Error('planwire: no .wasm file found beside the bundled JS (is pkg-js built?)');
    }
  }
  sizes.raw = sizes.jsRaw + sizes.wasmRaw;
  sizes.gzip = sizes.jsGzip + sizes.wasmGzip;
  return sizes;
}

/** The real directory of an installed workspace package (node_modules/<name> is a symlink). */
function realPackageDir(name) {
  const link = join(root, 'node_modules', name);
  if (!existsSync(link)) throw new Error(`${name} is not installed (run npm install at the repo root)`);
  return realpathSync(link);
}

/** Measures every subject. Planwire may be unbuilt (reported as `error`); the others must bundle. */
export async function measureAll() {
  const rows = [];
  for (const subject of SUBJECTS) {
    try {
      rows.push(await measure(subject));
    } catch (e) {
      if (subject.name !== 'planwire') throw e;
      rows.push({ name: subject.name, error: e.errors?.[0]?.text ?? String(e.message ?? e) });
    }
  }
  const pw = rows.find((r) => r.name === 'planwire');
  for (const r of rows) if (r !== pw && !pw.error) r.ratio = pw.gzip / r.gzip;
  return { budgetGzip: BUDGET_GZIP_BYTES, rows };
}

const kb = (n) => (n / 1000).toFixed(1);

function printTable({ rows, budgetGzip }) {
  console.log('bundle size (esbuild --minify, gzip -9; KB = 1000 bytes; React external)');
  console.log(`${'library'.padEnd(22)}${'raw KB'.padStart(10)}${'gzip KB'.padStart(10)}${'planwire/x'.padStart(12)}`);
  for (const r of rows) {
    if (r.error) {
      console.log(`${r.name.padEnd(22)}  not measured: ${r.error}`);
      continue;
    }
    const ratio = r.ratio === undefined ? '' : `${r.ratio.toFixed(2)}x`;
    console.log(`${r.name.padEnd(22)}${kb(r.raw).padStart(10)}${kb(r.gzip).padStart(10)}${ratio.padStart(12)}`);
  }
  const pw = rows.find((r) => r.name === 'planwire');
  if (!pw.error) {
    console.log(`planwire = JS ${kb(pw.jsGzip)} KB + wasm ${kb(pw.wasmGzip)} KB gzip; budget ${kb(budgetGzip)} KB`);
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = new Set(process.argv.slice(2));
  const figures = await measureAll().catch((e) => {
    console.error(`size: ${String(e?.message ?? e).split('\n')[0]}`);
    process.exit(1);
  });
  if (args.has('--json')) console.log(JSON.stringify(figures));
  else printTable(figures);
  if (args.has('--check')) {
    const pw = figures.rows.find((r) => r.name === 'planwire');
    if (pw.error) {
      console.error(`SIZE CHECK FAILED: planwire could not be measured: ${pw.error}`);
      process.exit(1);
    }
    if (pw.gzip > figures.budgetGzip) {
      console.error(`SIZE BUDGET EXCEEDED: planwire is ${pw.gzip} gzip bytes, budget ${figures.budgetGzip}`);
      process.exit(1);
    } else {
      console.error(`size budget ok: planwire ${pw.gzip} <= ${figures.budgetGzip} gzip bytes`);
    }
  }
}
