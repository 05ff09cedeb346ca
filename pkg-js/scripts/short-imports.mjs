// Shortens the names of the wasm module's JS imports in wasm-pack's output (pkg-js/wasm): wasm-bindgen
// names each import `__wbg_<name>_<16 hex digits>` (a hash that keeps imports of different crates and
// versions apart while linking). Linked into one module, the hash is noise: 90-odd random hex strings
// that gzip cannot compress, in the glue's import object (loaded before the first render) and in the
// wasm's import section. This drops the hash from both, numbering the names that then repeat
// (`__wbg_get`, `__wbg_get_2`): about -1.1 KB gzip of JS, -0.4 KB of wasm (docs/performance.md); and
// the `__wbg_` prefix (`__wbg___wbindgen_` for wasm-bindgen's intrinsics) with it (`get`, `get_2`,
// `is_string`): about -0.1 KB more; and the cast intrinsics' zero-padded numbers (`cast_9`).
//
// The two files are rewritten together, and only if every step matches what was expected: each hashed
// import of the wasm is a key of the glue's import object exactly once, no new name is taken; anything
// else (another wasm-bindgen output layout) fails the build instead of shipping a module whose imports
// do not resolve. Run by scripts/build-wasm.sh after wasm-pack, before the base64 copy is made.
//
//   node pkg-js/scripts/short-imports.mjs [DIR]   (default: pkg-js/wasm)
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const dir = process.argv[2] ?? join(dirname(fileURLToPath(import.meta.url)), '../wasm');
const wasmFile = join(dir, 'planwire_bg.wasm');
const glueFile = join(dir, 'planwire.js');
const MODULE = './planwire_bg.js';
const HASHED = /^(__wbg_\w+?)_[0-9a-f]{16}$/;
// wasm-bindgen's cast intrinsics (a closure, a number or a string made a JS value), numbered with 16
// zero-padded digits: `__wbindgen_generic_0000000000000009` becomes `cast_9`.
const CAST = /^__wbindgen_generic_0*(\d+)$/;

const fail = (why) => {
  console.error(`short-imports: ${why}`);
  process.exit(1);
};

const wasm = readFileSync(wasmFile);
let glue = readFileSync(glueFile, 'utf8');

let p = 0;
const u32 = () => {
  let r = 0;
  let shift = 0;
  let b;
  do {
    b = wasm[p++];
    r += (b & 0x7f) * 2 ** shift;
    shift += 7;
  } while (b & 0x80);
  return r;
};
const leb = (n) => {
  const out = [];
  do {
    let b = n & 0x7f;
    n = Math.floor(n / 128);
    if (n) b |= 0x80;
    out.push(b);
  } while (n);
  return Buffer.from(out);
};
const name = () => {
  const len = u32();
  const s = wasm.toString('utf8', p, p + len);
  p += len;
  return s;
};
const encodeName = (s) => {
  const bytes = Buffer.from(s, 'utf8');
  return Buffer.concat([leb(bytes.length), bytes]);
};

if (wasm.readUInt32LE(0) !== 0x6d736100 || wasm.readUInt32LE(4) !== 1) fail(`${wasmFile} is not a wasm module`);
p = 8;
let section;
while (p < wasm.length) {
  const start = p;
  const id = wasm[p++];
  const size = u32();
  if (id === 2) {
    section = { start, body: p, end: p + size };
    break;
  }
  p += size;
}
if (!section) fail('the module has no import section');

// Parse every import, keeping its description's bytes as they are.
p = section.body;
const count = u32();
const imports = [];
for (let i = 0; i < count; i++) {
  const module = name();
  const field = name();
  const descStart = p;
  const kind = wasm[p++];
  if (kind === 0) u32();
  else if (kind === 1 || kind === 2) {
    if (kind === 1) p++;
    const flags = wasm[p++];
    if (flags & ~0x03) fail(`import ${field}: unexpected limits flags ${flags}`);
    u32();
    if (flags & 1) u32();
  } else if (kind === 3) p += 2;
  else fail(`import ${field}: unexpected kind ${kind}`);
  imports.push({ module, field, desc: wasm.subarray(descStart, p) });
}
if (p !== section.end) fail('the import section did not parse to its end');

const taken = new Set(imports.map((i) => i.field));
let renamed = 0;
for (const imp of imports) {
  if (imp.module !== MODULE) continue;
  const m = HASHED.exec(imp.field);
  const cast = !m && CAST.exec(imp.field);
  if (!m && !cast) continue;
  // `__wbg_` (and the intrinsics' `__wbindgen_`) dropped too: the names only need to be unique.
  const base = m ? m[1].replace(/^__wbg_(__wbindgen_)?/, '') : `cast_${cast[1]}`;
  let short = base;
  for (let n = 2; taken.has(short); n++) short = `${base}_${n}`;
  const key = new RegExp(`(?<![\\w$])${imp.field}(?=: function\\()`, 'g');
  const hits = glue.match(key)?.length ?? 0;
  if (hits !== 1) fail(`${imp.field} is a key of the glue's import object ${hits} times, expected once`);
  if (glue.split(imp.field).length !== 2) fail(`${imp.field} appears in the glue outside its import key`);
  glue = glue.replace(key, short);
  taken.add(short);
  imp.field = short;
  renamed++;
}
if (renamed === 0) {
  console.log('short-imports: no hashed import names (already shortened?)');
  process.exit(0);
}
const left = glue.match(/(__wbg_\w+_[0-9a-f]{16}|__wbindgen_generic_\d+)(?=: function\()/);
if (left) fail(`the glue has a hashed import key the wasm does not import: ${left[0]}`);

const body = Buffer.concat([leb(imports.length), ...imports.map((i) => Buffer.concat([encodeName(i.module), encodeName(i.field), i.desc]))]);
const out = Buffer.concat([wasm.subarray(0, section.start), Buffer.from([2]), leb(body.length), body, wasm.subarray(section.end)]);
if (!WebAssembly.validate(out)) fail('the rewritten module does not validate');
writeFileSync(wasmFile, out);
writeFileSync(glueFile, glue);
console.log(`short-imports: ${renamed} import names shortened (wasm ${wasm.length} -> ${out.length} bytes)`);
