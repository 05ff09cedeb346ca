// The shipped module through the package's own subpaths, as pkg-js/README.md shows them: `planwire/wasm`
// resolves (import and require) to the tarball's .wasm file, and `planwire/wasm/base64` is the same module
// as base64, which `loadPlanwire` loads once decoded; then `new PlanClient()` works. Prints `ok: …`.
//   node wasm-subpaths.mjs
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import base64 from 'planwire/wasm/base64';
import { loadPlanwire, PlanClient } from 'planwire';

const file = fileURLToPath(import.meta.resolve('planwire/wasm'));
if (!file.endsWith('/node_modules/planwire/wasm/planwire_bg.wasm')) throw new Error(`planwire/wasm resolves to ${file}`);
const required = createRequire(import.meta.url).resolve('planwire/wasm');
if (required !== file) throw new Error(`require.resolve('planwire/wasm') is ${required}, import.meta.resolve ${file}`);
const bytes = readFileSync(file);
if (bytes.readUInt32LE(0) !== 0x6d736100) throw new Error(`${file} is not a WebAssembly module`);

if (typeof base64 !== 'string') throw new Error(`planwire/wasm/base64's default export is a ${typeof base64}`);
const decoded = Buffer.from(base64, 'base64');
if (!decoded.equals(bytes)) throw new Error('planwire/wasm/base64 does not decode to planwire/wasm');
await loadPlanwire(decoded);
const client = new PlanClient({ url: 'ws://127.0.0.1:1/ws', token: 'x', WebSocket: class {} });
if (client.state !== 'idle') throw new Error(`a client loaded from planwire/wasm/base64 is ${client.state}`);
client.free();
console.log(`ok: planwire/wasm is ${file.replace(/^.*\/node_modules\//, '')} (${bytes.length} bytes); planwire/wasm/base64 decodes to it and loads`);
