// Builds the planwire package: checks the wasm-pack output is in pkg-js/wasm and instantiates (a
// miscompiled module, e.g. one whose externref table export was broken by an optimizer, fails here
// rather than in a user's browser), then compiles the TypeScript facade and React entry into
// pkg-js/dist (ES modules + .d.ts).
//
//   node scripts/build.mjs      (npm run build -w planwire)
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createRequire } from 'node:module';

const pkg = join(dirname(fileURLToPath(import.meta.url)), '..');
const glue = ['planwire_client.js', 'planwire_client.d.ts', 'planwire_client_bg.wasm'];
const missing = glue.filter((f) => !existsSync(join(pkg, 'wasm', f)));
if (missing.length) {
  console.error(`planwire build: pkg-js/wasm lacks ${missing.join(', ')}; run \`bash scripts/build-wasm.sh\` (or \`npm run build:wasm -w planwire\`) first`);
  process.exit(1);
}
try {
  const wasm = await import(pathToFileURL(join(pkg, 'wasm/planwire_client.js')).href);
  wasm.initSync({ module: readFileSync(join(pkg, 'wasm/planwire_client_bg.wasm')) });
  new wasm.PlanClient({ url: 'ws://127.0.0.1:1/ws', token: 'x' }).free();
} catch (e) {
  console.error(`planwire build: pkg-js/wasm does not instantiate: ${e.message}`);
  process.exit(1);
}
rmSync(join(pkg, 'dist'), { recursive: true, force: true });
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
execFileSync(process.execPath, [tsc, '-p', join(pkg, 'tsconfig.json')], { stdio: 'inherit' });
console.log('planwire built into pkg-js/dist');
