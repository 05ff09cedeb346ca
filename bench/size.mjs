// Bundle size of planwire beside the alternatives: what each costs a React app, minified and gzipped.
//
//   node bench/size.mjs           prints the tables
//   node bench/size.mjs --json    prints the figures as JSON (used by scripts/bench.sh)
//   node bench/size.mjs --check   prints the tables, then fails above the ceilings below (npm test),
//                                 those of the toolchain that built the wasm (wasm/build-toolchain.json,
//                                 written by scripts/build-wasm.sh; a build without it counts as stable)
//   node bench/size.mjs --pkg DIR measures another build of the package (a directory laid out like
//                                 pkg-js: package.json, dist/, wasm/) instead of the installed one
//
// Every subject is bundled by esbuild (ESM, minified, browser platform, code splitting on as in an app
// bundler, React external because every React app already ships it); sizes are raw bytes and gzip -9
// bytes (zlib level 9), KB = 1000 bytes. "JS" is what the page loads up front: the entry chunk and the
// chunks it imports statically. Chunks reached only by a dynamic `import()` are reported apart
// ("lazy"): planwire's base64 copy of the module, imported only where the `.wasm` cannot be fetched
// (Node, test runners, a bundler that does not copy the file), is one.
//
// planwire is measured three ways:
//   - the comparison row: everything both entries export (`planwire` + `planwire/react`), JS + wasm;
//   - per entry: `planwire` alone (wasm-bindgen glue + loading facade), `planwire/react` (+ hooks) and
//     `planwire/testing` (the fake server, for apps' tests);
//   - per piece of JS: the glue (pkg-js/wasm/planwire.js), the facade (dist/index.js), the hooks
//     (dist/react.js), as minified bytes in the bundle and as the gzip each adds.
// The wasm is the file the facade fetches by default, found the way a bundler finds it: the facade's
// `new URL('../wasm/planwire_bg.wasm', import.meta.url)`, resolved beside the facade. It is counted
// once per entry (both entries load the same file).
import { build } from 'esbuild';
import { gzipSync, constants as zlibConstants } from 'node:zlib';
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Ceilings `npm test` holds planwire to (gzip bytes), per toolchain that built the wasm: the shipped
 * build (the pinned nightly with -Zbuild-std, scripts/lib.sh) and the stable fallback, which
 * scripts/test.sh checks too. Set just above what each build reaches, so size can only go down. Lower
 * them when a change wins bytes. The total counts the lazy chunks every app on synchronized plans loads
 * (the glue, the REST routes), each gzipped alone. Targets (issue 21): 52,000 in total (goal 36,000),
 * 8,000 before the first render; docs/performance.md names the bytes between.
 */
export const CEILING = {
  nightly: { totalGzip: 58_800, firstRenderJsGzip: 4_800 },
  stable: { totalGzip: 63_200, firstRenderJsGzip: 4_800 },
};

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..');

/** The alternatives: what each one's user imports. */
const ALTERNATIVES = [
  { name: 'centrifuge', entry: "export { Centrifuge } from 'centrifuge';\n" },
  { name: 'socket.io-client', entry: "export { io } from 'socket.io-client';\n" },
  { name: 'phoenix', entry: "export { Socket, Presence } from 'phoenix';\n" },
  { name: 'react-use-websocket', entry: "export { default } from 'react-use-websocket';\n" },
  { name: 'partysocket', entry: "export { default } from 'partysocket';\n" },
];

/** planwire's entries; `planwire` in the comparison table takes everything both export. */
const PLANWIRE_ENTRIES = [
  { name: 'planwire', entry: "export * from 'planwire';\n" },
  { name: 'planwire/react', entry: "export * from 'planwire/react';\n" },
  // Test-only (an app's own tests import it, never its production bundle).
  { name: 'planwire/testing', entry: "export * from 'planwire/testing';\n" },
];
const PLANWIRE_ALL = { name: 'planwire', entry: "export * from 'planwire';\nexport * from 'planwire/react';\n" };

function gzipLength(bytes) {
  return gzipSync(bytes, { level: zlibConstants.Z_BEST_COMPRESSION }).length;
}

/** Resolves `planwire` and `planwire/<entry>` through the package's exports in realPackageDir. */
function planwirePlugin() {
  return {
    name: 'planwire-package',
    setup(b) {
      b.onResolve({ filter: /^planwire(\/.*)?$/ }, (args) => {
        const dir = realPackageDir('planwire');
        return { path: exportFile(dir, args.path === 'planwire' ? '.' : `.${args.path.slice('planwire'.length)}`) };
      });
    },
  };
}

/**
 * Bundles `entry` (module text resolved from bench/); returns the up-front JS (entry chunk + static
 * imports), the lazy chunks, and per input file its minified bytes.
 */
async function bundle(name, entry, { splitting = true } = {}) {
  const result = await build({
    stdin: { contents: entry, resolveDir: here, sourcefile: `${name.replace(/\W/g, '_')}-entry.mjs` },
    bundle: true,
    minify: true,
    splitting,
    outdir: join(here, '.out', 'size'),
    format: 'esm',
    platform: 'browser',
    target: 'es2020',
    external: ['react', 'react-dom', 'react/jsx-runtime'],
    define: { 'process.env.NODE_ENV': '"production"' },
    write: false,
    metafile: true,
    logLevel: 'silent',
    plugins: [planwirePlugin()],
  });
  const files = new Map(result.outputFiles.map((f) => [relative(root, f.path), f.contents]));
  const outputs = result.metafile.outputs;
  const entryOut = Object.keys(outputs).find((o) => outputs[o].entryPoint !== undefined && !o.endsWith('.map'));
  // Up front: the entry chunk and everything it imports statically, transitively.
  const upFront = new Set();
  const walk = (o) => {
    if (upFront.has(o)) return;
    upFront.add(o);
    for (const i of outputs[o].imports) if (i.kind === 'import-statement' && outputs[i.path]) walk(i.path);
  };
  walk(entryOut);
  const lazy = Object.keys(outputs).filter((o) => !upFront.has(o) && !o.endsWith('.map'));
  const bytesOf = (os) => os.map((o) => files.get(o) ?? new Uint8Array());
  const concat = (parts) => Buffer.concat(parts.map((p) => Buffer.from(p)));
  const js = concat(bytesOf([...upFront]));
  const lazyJs = concat(bytesOf(lazy));
  const inputs = {};
  for (const o of Object.keys(outputs)) {
    for (const [file, v] of Object.entries(outputs[o].inputs)) {
      const abs = resolve(root, file);
      inputs[abs] = { bytes: (inputs[abs]?.bytes ?? 0) + v.bytesInOutput, lazy: !upFront.has(o) };
    }
  }
  // Each lazy chunk is its own request: gzip them one by one.
  const chunks = lazy.map((o) => ({ inputs: Object.keys(outputs[o].inputs).map((f) => resolve(root, f)), raw: files.get(o)?.length ?? 0, gzip: gzipLength(files.get(o) ?? new Uint8Array()) }));
  return {
    jsRaw: js.length,
    jsGzip: gzipLength(js),
    files,
    lazyRaw: lazyJs.length,
    lazyGzip: chunks.reduce((n, c) => n + c.gzip, 0),
    chunks,
    inputs,
  };
}

/** The real directory of an installed workspace package (node_modules/<name> is a symlink), or --pkg. */
function realPackageDir(name) {
  const i = process.argv.indexOf('--pkg');
  if (name === 'planwire' && i > 0) return realpathSync(resolve(process.argv[i + 1]));
  const link = join(root, 'node_modules', name);
  if (!existsSync(link)) throw new Error(`${name} is not installed (run npm install at the repo root)`);
  return realpathSync(link);
}

/** The file an export of the package resolves to (`.` or `./react`). */
function exportFile(pkgDir, key) {
  const pkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'));
  const target = pkg.exports?.[key];
  const file = typeof target === 'string' ? target : target?.default ?? target?.import;
  if (!file) throw new Error(`planwire: package.json exports no "${key}"`);
  return resolve(pkgDir, file);
}

/**
 * The wasm the facade loads by default: its `new URL('<x>.wasm', import.meta.url)`, resolved beside it
 * (what Vite, webpack 5 and Parcel do with that expression).
 */
function wasmOfFacade(facade) {
  if (!existsSync(facade)) throw new Error(`planwire: ${relative(root, facade)} is missing (run npm run build -w planwire)`);
  const text = readFileSync(facade, 'utf8');
  const m = text.match(/new\s+URL\(\s*(['"`])([^'"`]+\.wasm)\1\s*,\s*import\.meta\.url\s*\)/);
  if (!m) throw new Error(`planwire: no new URL('….wasm', import.meta.url) in ${relative(root, facade)}`);
  const wasm = resolve(dirname(facade), m[2]);
  if (!existsSync(wasm)) throw new Error(`planwire: ${relative(root, facade)} loads ${m[2]}, but ${relative(root, wasm)} is missing (run bash scripts/build-wasm.sh)`);
  const bytes = readFileSync(wasm);
  return { file: relative(root, wasm), url: m[2], raw: bytes.length, gzip: gzipLength(bytes) };
}

/** Which toolchain built the package's wasm: scripts/build-wasm.sh's record beside it, else stable. */
function toolchainOf(pkgDir) {
  const record = join(pkgDir, 'wasm', 'build-toolchain.json');
  if (!existsSync(record)) return { toolchain: 'stable', rustc: 'unknown (no wasm/build-toolchain.json)' };
  const { toolchain, rustc } = JSON.parse(readFileSync(record, 'utf8'));
  if (!(toolchain in CEILING)) throw new Error(`planwire: ${relative(root, record)} names toolchain ${JSON.stringify(toolchain)}, not one of ${Object.keys(CEILING).join(', ')}`);
  return { toolchain, rustc };
}

/** planwire: the comparison row, each entry, each JS piece and the wasm. */
async function measurePlanwire() {
  const pkgDir = realPackageDir('planwire');
  const facade = exportFile(pkgDir, '.');
  const wasm = { ...wasmOfFacade(facade), ...toolchainOf(pkgDir) };
  const all = await bundle(PLANWIRE_ALL.name, PLANWIRE_ALL.entry);
  if (!(facade in all.inputs)) throw new Error(`planwire: the bundle does not contain ${relative(root, facade)}`);
  // The glue: the module the facade imports from beside the wasm (wasm-pack's <name>.js); the rest of
  // the package's modules in the bundle (dist/react.js and what it imports) belong to the hooks.
  const wasmDir = dirname(resolve(root, wasm.file));
  const glue = Object.keys(all.inputs).find((f) => dirname(f) === wasmDir && f.endsWith(`/${basename(wasm.file, '_bg.wasm')}.js`));
  if (!glue) throw new Error('planwire: the wasm-bindgen glue is not in the bundle');
  const mine = Object.keys(all.inputs).filter((f) => f.startsWith(pkgDir + '/') && (!all.inputs[f].lazy || f === glue));
  const entries = [];
  let facadeFiles;
  for (const e of PLANWIRE_ENTRIES) {
    const b = await bundle(e.name, e.entry);
    // The facade: what the `planwire` entry bundles besides the glue (dist/index.js and its own modules).
    if (e.name === 'planwire') facadeFiles = Object.keys(b.inputs).filter((f) => f.startsWith(pkgDir + '/') && !b.inputs[f].lazy && f !== glue);
    entries.push(loaded(e.name, b, wasm));
  }
  // Gzip each piece adds: the glue alone, then + facade (`planwire`), then + hooks (`planwire/react`).
  const glueAlone = await bundle('glue', `export * from ${JSON.stringify(glue)};\n`);
  const [plain, react] = entries;
  const hookFiles = mine.filter((f) => f !== glue && !facadeFiles.includes(f));
  const pieces = [
    { piece: 'wasm-bindgen glue', file: relative(root, glue), minRaw: all.inputs[glue].bytes, gzipAdded: glueAlone.jsGzip },
    { piece: 'facade (loader)', file: facadeFiles.map((f) => relative(root, f)).join(' + '), minRaw: facadeFiles.reduce((n, f) => n + (all.inputs[f]?.bytes ?? 0), 0), gzipAdded: plain.firstJsGzip },
    { piece: 'React hooks', file: hookFiles.map((f) => relative(root, f)).join(' + '), minRaw: hookFiles.reduce((n, f) => n + all.inputs[f].bytes, 0), gzipAdded: react.firstJsGzip - plain.firstJsGzip },
  ];
  const lazy = Object.entries(all.inputs).filter(([f, v]) => v.lazy && f !== glue).map(([f]) => relative(root, f));
  // Without code splitting (a plain `esbuild --bundle`) every dynamic import is inlined into the one
  // file: what the app ships, and whether the base64 copy of the module is in it.
  const one = await bundle(`${PLANWIRE_ALL.name}-one-file`, PLANWIRE_ALL.entry, { splitting: false });
  const oneFile = { raw: one.jsRaw, gzip: one.jsGzip, base64Inside: [...one.files.values()].some((b) => Buffer.from(b).includes(base64Head(wasm))) };
  const row = loaded('planwire', all, wasm);
  const optIn = all.chunks.filter((c) => !alwaysLoaded(c));
  const optInRaw = optIn.reduce((n, c) => n + c.raw, 0);
  const optInGzip = optIn.reduce((n, c) => n + c.gzip, 0);
  return { row, detail: { wasm, entries, pieces, lazy: { files: lazy, raw: optInRaw, gzip: optInGzip }, oneFile } };
}

/**
 * Lazy chunks a React app on synchronized plans loads anyway, counted in its totals: the glue (with the
 * module) and the REST routes (at the first plan load). Not counted: connection sharing (opt-in) and the
 * no-copy stub (where the .wasm cannot be fetched).
 */
const alwaysLoaded = (chunk) => !chunk.inputs.some((f) => /\/(share|share-mux|no-copy)\.js$/.test(f));

/**
 * What `name` loads: `firstJs*` before the first render (up front), `js*` with the lazy chunks it loads
 * anyway, and the totals with the wasm.
 */
function loaded(name, b, wasm) {
  const later = b.chunks.filter(alwaysLoaded);
  const jsRaw = b.jsRaw + later.reduce((n, c) => n + c.raw, 0);
  const jsGzip = b.jsGzip + later.reduce((n, c) => n + c.gzip, 0);
  return { name, entry: name, firstJsRaw: b.jsRaw, firstJsGzip: b.jsGzip, jsRaw, jsGzip, wasmRaw: wasm.raw, wasmGzip: wasm.gzip, raw: jsRaw + wasm.raw, gzip: jsGzip + wasm.gzip, lazyRaw: b.lazyRaw, lazyGzip: b.lazyGzip };
}

/** The first bytes of the module as base64 (its header and first section): how its inlined copy starts. */
function base64Head(wasm) {
  return readFileSync(resolve(root, wasm.file)).subarray(0, 48).toString('base64');
}

async function measureAlternative(subject) {
  const b = await bundle(subject.name, subject.entry);
  return { name: subject.name, jsRaw: b.jsRaw, jsGzip: b.jsGzip, wasmRaw: 0, wasmGzip: 0, raw: b.jsRaw, gzip: b.jsGzip, lazyRaw: b.lazyRaw, lazyGzip: b.lazyGzip };
}

/** Measures every subject. Planwire may be unbuilt (reported as `error`); the others must bundle. */
export async function measureAll() {
  const rows = [];
  let planwire;
  try {
    const pw = await measurePlanwire();
    rows.push(pw.row);
    planwire = pw.detail;
  } catch (e) {
    rows.push({ name: 'planwire', error: e.errors?.[0]?.text ?? String(e.message ?? e) });
  }
  for (const subject of ALTERNATIVES) rows.push(await measureAlternative(subject));
  const pw = rows[0];
  for (const r of rows.slice(1)) if (!pw.error) r.ratio = pw.gzip / r.gzip;
  return { rows, planwire };
}

const kb = (n) => (n / 1000).toFixed(1);

function printTable({ rows, planwire }) {
  console.log('bundle size (esbuild --minify, gzip -9; KB = 1000 bytes; React external)');
  const head = (...c) => console.log(`${c[0].padEnd(24)}${c.slice(1).map((x, i) => x.padStart(i === c.length - 2 ? 13 : 11)).join('')}`);
  head('library', 'JS gzip', 'wasm gzip', 'total gzip', 'total raw', 'planwire/x');
  for (const r of rows) {
    if (r.error) {
      console.log(`${r.name.padEnd(24)}  not measured: ${r.error}`);
      continue;
    }
    const ratio = r.ratio === undefined ? '' : `${r.ratio.toFixed(2)}x`;
    head(r.name, kb(r.jsGzip), r.wasmGzip ? kb(r.wasmGzip) : '-', kb(r.gzip), kb(r.raw), ratio);
  }
  if (!planwire) return;
  console.log(`\nplanwire per entry (wasm: ${planwire.wasm.file}, found by the facade's new URL('${planwire.wasm.url}', import.meta.url))`);
  head('entry', 'JS gzip', 'wasm gzip', 'total gzip', 'total raw', 'first render');
  for (const e of planwire.entries) head(e.entry, kb(e.jsGzip), kb(e.wasmGzip), kb(e.gzip), kb(e.raw), kb(e.firstJsGzip));
  console.log('\nplanwire JS by piece');
  head('piece', 'min KB', 'gzip KB');
  for (const p of planwire.pieces) console.log(`${p.piece.padEnd(24)}${kb(p.minRaw).padStart(11)}${`+${kb(p.gzipAdded)}`.padStart(11)}  ${p.file}`);
  console.log(`wasm ${planwire.wasm.file}: ${kb(planwire.wasm.raw)} KB raw, ${kb(planwire.wasm.gzip)} KB gzip, built with ${planwire.wasm.toolchain} (${planwire.wasm.rustc})`);
  if (planwire.lazy.files.length) {
    console.log(`lazy, not loaded before the first render: ${planwire.lazy.files.join(', ')} and the glue; counted in the totals: the glue (with the module) and the REST routes (at the first plan load); not counted, ${kb(planwire.lazy.raw)} KB raw, ${kb(planwire.lazy.gzip)} KB gzip: connection sharing (opt-in) and the no-copy stub`);
  }
  const o = planwire.oneFile;
  console.log(`without code splitting (one file, a plain esbuild --bundle of both entries): JS ${kb(o.raw)} KB raw, ${kb(o.gzip)} KB gzip; ${o.base64Inside ? 'the base64 copy of the module is IN it' : 'no base64 copy in it (the .wasm is fetched: + ' + kb(planwire.wasm.gzip) + ' KB gzip)'}`);
  for (const r of rows.slice(1)) if (r.lazyRaw) console.log(`${r.name}: lazy chunks ${kb(r.lazyRaw)} KB raw, ${kb(r.lazyGzip)} KB gzip (not in the table)`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const figures = await measureAll().catch((e) => {
    console.error(`size: ${String(e?.message ?? e).split('\n')[0]}`);
    process.exit(1);
  });
  if (process.argv.includes('--json')) console.log(JSON.stringify(figures));
  else printTable(figures);
  if (process.argv.includes('--check')) {
    // Everything a React user loads (both entries, JS + wasm), and the JS that loads before the first
    // render (the wasm loads lazily, when the first client is made).
    const pw = figures.rows.find((r) => r.name === 'planwire');
    if (pw.error) {
      console.error(`SIZE: planwire was not measured: ${pw.error}`);
      process.exit(1);
    }
    const { toolchain } = figures.planwire.wasm;
    const ceiling = CEILING[toolchain];
    const over = [
      [pw.gzip, ceiling.totalGzip, 'planwire in total (JS + wasm)'],
      [pw.firstJsGzip, ceiling.firstRenderJsGzip, 'planwire JS before the first render'],
    ].filter(([got, max]) => got > max);
    for (const [got, max, what] of over) console.error(`SIZE CEILING EXCEEDED (${toolchain} build): ${what} is ${got} gzip bytes, ceiling ${max}`);
    // A browser bundle without code splitting must not carry the base64 copy (only `planwire/inline` does).
    const inlined = figures.planwire?.oneFile?.base64Inside;
    if (inlined) console.error('SIZE: a browser bundle without code splitting contains the base64 copy of the module');
    if (over.length || inlined) process.exit(1);
    console.log(`size within the ceilings (${toolchain} build): total ${pw.gzip} ≤ ${ceiling.totalGzip}, first-render JS ${pw.firstJsGzip} ≤ ${ceiling.firstRenderJsGzip} gzip bytes`);
  }
}
