// Builds the planwire package: compiles the TypeScript facade and React entry into pkg-js/dist
// (ES modules + .d.ts) beside wasm-pack's output in pkg-js/wasm (built by `bash scripts/build-wasm.sh`),
// then checks that the built facade loads the module and creates a client — a broken build fails here
// rather than in a user's browser.
//
//   node scripts/build.mjs      (npm run build -w planwire)
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createRequire } from 'node:module';

const pkg = join(dirname(fileURLToPath(import.meta.url)), '..');
const wasmFile = join(pkg, 'wasm/planwire_bg.wasm');
if (!existsSync(wasmFile)) {
  console.error('planwire build: pkg-js/wasm/planwire_bg.wasm is missing; run `bash scripts/build-wasm.sh` first');
  process.exit(1);
}
rmSync(join(pkg, 'dist'), { recursive: true, force: true });
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
execFileSync(process.execPath, [tsc, '-p', join(pkg, 'tsconfig.json')], { stdio: 'inherit' });
try {
  const { loadPlanwire, PlanClient } = await import(pathToFileURL(join(pkg, 'dist/index.js')).href);
  await loadPlanwire(readFileSync(wasmFile));
  // Node has no global WebSocket: any class with the browser's interface will do for an idle client.
  const client = new PlanClient({ url: 'ws://127.0.0.1:1/ws', token: 'x', WebSocket: class {} });
  client.join('1');
  if (client.state !== 'idle' || client.participantCount('1') !== 0) throw new Error(`unexpected state ${client.state}`);
  client.free();
} catch (e) {
  console.error(`planwire build: the built package does not work: ${e.message}`);
  process.exit(1);
}
console.log('planwire built into pkg-js/dist');
