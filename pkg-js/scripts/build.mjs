// Builds the planwire package: checks the wasm-pack output is in pkg-js/wasm, then compiles the
// TypeScript facade and React entry into pkg-js/dist (ES modules + .d.ts).
//
//   node scripts/build.mjs      (npm run build -w planwire)
import { execFileSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const pkg = join(dirname(fileURLToPath(import.meta.url)), '..');
const glue = ['planwire_client.js', 'planwire_client.d.ts', 'planwire_client_bg.wasm'];
const missing = glue.filter((f) => !existsSync(join(pkg, 'wasm', f)));
if (missing.length) {
  console.error(`planwire build: pkg-js/wasm lacks ${missing.join(', ')}; run \`bash scripts/build-wasm.sh\` (or \`npm run build:wasm -w planwire\`) first`);
  process.exit(1);
}
rmSync(join(pkg, 'dist'), { recursive: true, force: true });
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
execFileSync(process.execPath, [tsc, '-p', join(pkg, 'tsconfig.json')], { stdio: 'inherit' });
console.log('planwire built into pkg-js/dist');
