// Shortens the names of the wasm module's JS imports in wasm-pack's output (pkg-js/wasm). wasm-bindgen
// names each import `__wbg_<name>_<16 hex digits>` (the hash keeps imports of different crates and
// versions apart while linking) under the module name "./planwire_bg.js". Linked into one module, the
// names only need to be unique: each is stored twice, in the glue's import object (a key) and in the
// wasm's import section (with the module name, 110-odd times). This gives every import the shortest free
// name (`a` … `Z`, then two letters) and the module the name `w`: −0.9 KB gzip in all (−0.6 KB of wasm,
// −0.25 KB of glue) over names without the hash, which were themselves −2.3 KB (docs/performance.md).
// `import-names.json` beside the glue (not published) maps each short name to wasm-bindgen's.
//
// The two files are rewritten together, and only if every step matches what was expected: the glue's
// import object is where wasm-bindgen 0.2.130 puts it, its keys are exactly the wasm's imports (each
// once), nothing else in the glue names the object or the module; anything else (another wasm-bindgen
// output layout) fails the build instead of shipping a module whose imports do not resolve. Run by
// scripts/build-wasm.sh after wasm-pack, before the base64 copy is made.
//
//   node pkg-js/scripts/short-imports.mjs [DIR]   (default: pkg-js/wasm)
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const dir = process.argv[2] ?? join(dirname(fileURLToPath(import.meta.url)), '../wasm');
const wasmFile = join(dir, 'planwire_bg.wasm');
const glueFile = join(dir, 'planwire.js');
const MODULE = './planwire_bg.js';
const SHORT_MODULE = 'w';

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

// The glue's import object: `const import0 = { __proto__: null, <key>: function(…) {…}, … };`, returned
// under the module's name. Every key is found at its indentation; each must be an import of the wasm
// and every import of the module one of them, exactly once.
const OBJECT = /\n    const import0 = \{\n        __proto__: null,\n([\s\S]*?)\n    \};\n    return \{\n        __proto__: null,\n        "\.\/planwire_bg\.js": import0,\n    \};\n/;
const object = OBJECT.exec(glue);
if (!object) fail("the glue's import object is not where wasm-bindgen 0.2.130 puts it");
if (glue.split('import0').length !== 3 || glue.split(`"${MODULE}"`).length !== 2) fail(`the glue names import0 or "${MODULE}" elsewhere`);
const KEY = /^ {8}([\w$]+): function\(/gm;
const keys = [...object[1].matchAll(KEY)].map((m) => m[1]);
const fields = imports.filter((i) => i.module === MODULE).map((i) => i.field);
if (imports.some((i) => i.module !== MODULE)) fail(`the wasm imports from a module other than ${MODULE}`);
if (new Set(keys).size !== keys.length || new Set(fields).size !== fields.length || keys.length !== fields.length || !fields.every((f) => keys.includes(f))) {
  fail(`the glue's ${keys.length} import keys are not the wasm's ${fields.length} imports`);
}
// The shortest names, in the import section's order: a … z, A … Z, then two letters.
const LETTERS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';
const short = (n) => (n < 52 ? LETTERS[n] : LETTERS[Math.floor(n / 52) - 1] + LETTERS[n % 52]);
const byOld = new Map(imports.map((imp, n) => [imp.field, short(n)]));
// For import-names.json: each short name and wasm-bindgen's, without its hash.
const names = Object.fromEntries(imports.map((imp, n) => [short(n), imp.field.replace(/_[0-9a-f]{16}$/, '')]));
imports.forEach((imp, n) => {
  imp.field = short(n);
  imp.module = SHORT_MODULE;
});
const body0 = object[1].replace(KEY, (line, key) => line.replace(key, byOld.get(key)));
glue = glue.replace(object[0], object[0].replace(object[1], () => body0).replace(`"${MODULE}": import0`, `${SHORT_MODULE}: import0`));
const body = Buffer.concat([leb(imports.length), ...imports.map((i) => Buffer.concat([encodeName(i.module), encodeName(i.field), i.desc]))]);
const out = Buffer.concat([wasm.subarray(0, section.start), Buffer.from([2]), leb(body.length), body, wasm.subarray(section.end)]);
if (!WebAssembly.validate(out)) fail('the rewritten module does not validate');
writeFileSync(wasmFile, out);
writeFileSync(glueFile, glue);
// What each short name stands for, to read a stack trace or the import section (not published).
writeFileSync(join(dir, 'import-names.json'), `${JSON.stringify(names, null, 1)}\n`);
console.log(`short-imports: ${imports.length} import names shortened (wasm ${wasm.length} -> ${out.length} bytes; import-names.json has the old ones)`);
