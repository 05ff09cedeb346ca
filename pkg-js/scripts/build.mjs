// Builds the planwire package: compiles the TypeScript facade and React entry into pkg-js/dist
// (ES modules + .d.ts) beside wasm-pack's output in pkg-js/wasm (built by `bash scripts/build-wasm.sh`),
// plus CommonJS copies of every module in pkg-js/dist/cjs (the `require` condition of the three entries:
// Jest, CommonJS Node scripts), then checks that the built facade loads the module and creates a client, from both `import`
// and `require` — a broken build fails here rather than in a user's app.
//
//   node scripts/build.mjs      (npm run build -w planwire)
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createRequire } from 'node:module';

const pkg = join(dirname(fileURLToPath(import.meta.url)), '..');
const wasmFile = join(pkg, 'wasm/planwire_bg.wasm');
const base64File = join(pkg, 'wasm/planwire_bg.wasm.base64.js');
if (!existsSync(wasmFile) || !existsSync(base64File)) {
  console.error('planwire build: pkg-js/wasm is incomplete; run `bash scripts/build-wasm.sh` first');
  process.exit(1);
}
// `CloseCode` on its own (wasm/close-code.js + .d.ts), cut from the glue's output, so that the facade can
// export it up front while it imports the glue itself only when it loads the module (the glue is not part
// of the JS before an app's first render). One definition: the Rust enum, through wasm-bindgen.
const glueJs = readFileSync(join(pkg, 'wasm/planwire.js'), 'utf8');
const glueDts = readFileSync(join(pkg, 'wasm/planwire.d.ts'), 'utf8');
const cut = (text, head, what) => {
  const m = new RegExp(`(/\\*\\*(?:(?!\\*/)[\\s\\S])*\\*/\\s*)?${head}[\\s\\S]*?\\n\\}\\)?;?`).exec(text);
  if (!m) throw new Error(`planwire build: no ${what} in wasm-bindgen's output (has its layout changed?)`);
  return `// Cut from wasm-bindgen's output by scripts/build.mjs: do not edit.\n${m[0]}\n`;
};
writeFileSync(join(pkg, 'wasm/close-code.js'), cut(glueJs, 'export const CloseCode = Object\\.freeze\\(\\{', 'CloseCode object'));
writeFileSync(join(pkg, 'wasm/close-code.d.ts'), cut(glueDts, 'export enum CloseCode \\{', 'CloseCode declaration'));
rmSync(join(pkg, 'dist'), { recursive: true, force: true });
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
execFileSync(process.execPath, [tsc, '-p', join(pkg, 'tsconfig.json')], { stdio: 'inherit' });

// CommonJS entries (`require` in the exports map): one .cjs per source file, as in dist/, requiring each
// other (./x.js becomes ./x.cjs), so every CommonJS entry shares one glue, one wasm instance and one React
// context. index.cjs (and inline.cjs) bundle the glue and the base64 copy: CommonJS has no `import.meta.url` and Jest's
// require() cannot import ES modules, so there the module always comes from the inlined copy (the
// facade's file: branch).
const esbuild = await import('esbuild');
const cjsDir = join(pkg, 'dist/cjs');
const siblingsAsCjs = {
  name: 'siblings-as-cjs',
  setup(build) {
    build.onResolve({ filter: /^\.\/[^/]+\.js$/ }, (args) => ({ path: args.path.replace(/\.js$/, '.cjs'), external: true }));
    // The facade's lazily imported copy (`#inlined`, package.json `imports`): CommonJS is never a browser
    // bundle, so it is always the package's copy, bundled.
    build.onResolve({ filter: /^#inlined$/ }, () => ({ path: base64File }));
  },
};
const sources = readdirSync(join(pkg, 'src')).filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'));
for (const source of sources) {
  await esbuild.build({
    entryPoints: [join(pkg, 'src', source)],
    outfile: join(cjsDir, source.replace(/\.ts$/, '.cjs')),
    bundle: true,
    format: 'cjs',
    platform: 'neutral',
    target: 'es2022',
    packages: 'external',
    plugins: [siblingsAsCjs],
    // Any file: URL makes the facade take the inlined module, as Node's ES entry does.
    define: { 'import.meta.url': JSON.stringify('file:///planwire/dist/cjs/index.cjs') },
    logLevel: 'warning',
  });
}
// Their types: the ES declarations as .d.cts (CommonJS declarations), importing each other and a .d.cts
// copy of the glue's generated types, so a CommonJS TypeScript file never reaches an ES module's types.
const toCts = (text) =>
  text
    .replace(/(['"])\.\/([^'"/]+)\.js\1/g, '$1./$2.cjs$1')
    .replaceAll("'../wasm/planwire.js'", "'./planwire.cjs'")
    .replaceAll("'../wasm/close-code.js'", "'./close-code.cjs'");
for (const file of readdirSync(join(pkg, 'dist')).filter((f) => f.endsWith('.d.ts'))) {
  const text = toCts(readFileSync(join(pkg, 'dist', file), 'utf8'));
  if (/from '\.\.\//.test(text)) throw new Error(`dist/${file} imports from outside dist/: give the CommonJS types a copy`);
  writeFileSync(join(cjsDir, file.replace(/\.d\.ts$/, '.d.cts')), text);
}
writeFileSync(join(cjsDir, 'planwire.d.cts'), readFileSync(join(pkg, 'wasm/planwire.d.ts'), 'utf8'));
writeFileSync(join(cjsDir, 'close-code.d.cts'), readFileSync(join(pkg, 'wasm/close-code.d.ts'), 'utf8'));

try {
  const { loadPlanwire, PlanClient } = await import(pathToFileURL(join(pkg, 'dist/index.js')).href);
  await loadPlanwire(readFileSync(wasmFile));
  // Node has no global WebSocket: any class with the browser's interface will do for an idle client.
  const client = new PlanClient({ url: 'ws://127.0.0.1:1/ws', token: 'x', WebSocket: class {} });
  client.join('1');
  if (client.state !== 'idle' || client.participantCount('1') !== 0) throw new Error(`unexpected state ${client.state}`);
  client.free();
  // The CommonJS entry loads its inlined module by itself.
  const cjs = createRequire(import.meta.url)(join(pkg, 'dist/cjs/index.cjs'));
  const other = await cjs.createPlanClient({ url: 'ws://127.0.0.1:1/ws', token: 'x', WebSocket: class {} });
  if (other.state !== 'idle') throw new Error(`unexpected CommonJS client state ${other.state}`);
  other.free();
} catch (e) {
  console.error(`planwire build: the built package does not work: ${e.message}`);
  process.exit(1);
}
console.log('planwire built into pkg-js/dist');
