// Shortens the names the wasm module and its glue use for each other, in wasm-pack's output (pkg-js/wasm).
// Linked into one module, the names only need to be unique, and each is stored twice: once in the wasm,
// once in the glue, which minifiers cannot rename (object keys, `wasm.<export>` property reads).
// - Imports: wasm-bindgen names each `__wbg_<name>_<16 hex digits>` (the hash keeps imports of
//   different crates and versions apart while linking) under the module name "./planwire_bg.js", in
//   the glue's import object and in the wasm's import section (with the module name, 110-odd times).
//   Each gets the shortest free name (`a` … `Z`, then two letters), the module the name `w`.
// - Function exports: `planclient_updateTask`, `__wbindgen_add_to_stack_pointer` (read
//   30 times by the glue), … get `xa`, `xb`, … in the wasm's export section, in the glue's
//   `wasm.<name>` reads and in the two declarations of the exports (`InitOutput` in planwire.d.ts,
//   planwire_bg.wasm.d.ts), which are internal to the package.
// Together −1.2 KB gzip (docs/performance.md), on top of dropping the hashes (−2.3 KB).
// `short-names.json` beside the glue (not published) maps each short name to wasm-bindgen's.
//
// The files are rewritten together, and only if every step matches what was expected: the glue's
// import object is where wasm-bindgen 0.2.130 puts it, its keys are exactly the wasm's imports (each
// once), nothing else in the glue names the object or the module; every export the glue reads is read
// as `wasm.<name>`, no old export name is left in the glue as a property, key or string, and each is declared exactly once in each
// declaration file; anything else (another wasm-bindgen output layout) fails the build instead of
// shipping a module whose names do not resolve. Run by scripts/build-wasm.sh after wasm-pack, before
// the base64 copy is made.
//
//   node pkg-js/scripts/short-names.mjs [DIR]   (default: pkg-js/wasm)
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const dir = process.argv[2] ?? join(dirname(fileURLToPath(import.meta.url)), '../wasm');
const wasmFile = join(dir, 'planwire_bg.wasm');
const glueFile = join(dir, 'planwire.js');
const declFiles = [join(dir, 'planwire.d.ts'), join(dir, 'planwire_bg.wasm.d.ts')];
const MODULE = './planwire_bg.js';
const SHORT_MODULE = 'w';

const fail = (why) => {
  console.error(`short-names: ${why}`);
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
const sections = {};
while (p < wasm.length) {
  const start = p;
  const id = wasm[p++];
  const size = u32();
  if (id === 2 || id === 7) sections[id] = { start, body: p, end: p + size };
  p += size;
}
const section = sections[2];
if (!section) fail('the module has no import section');
if (!sections[7]) fail('the module has no export section');

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
const quoted = JSON.stringify(MODULE).replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
const OBJECT = new RegExp(`\\n    const import0 = \\{\\n        __proto__: null,\\n([\\s\\S]*?)\\n    \\};\\n    return \\{\\n        __proto__: null,\\n        ${quoted}: import0,\\n    \\};\\n`);
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
// For short-names.json: each short name and wasm-bindgen's, without its hash.
const names = Object.fromEntries(imports.map((imp, n) => [short(n), imp.field.replace(/_[0-9a-f]{16}$/, '')]));
imports.forEach((imp, n) => {
  imp.field = short(n);
  imp.module = SHORT_MODULE;
});
const body0 = object[1].replace(KEY, (line, key) => line.replace(key, byOld.get(key)));
glue = glue.replace(object[0], object[0].replace(object[1], () => body0).replace(`"${MODULE}": import0`, `${SHORT_MODULE}: import0`));

// Parse every export.
p = sections[7].body;
const exports = [];
for (let i = u32(); i > 0; i--) {
  const field = name();
  const kind = wasm[p++];
  exports.push({ field, kind, index: u32() });
}
if (p !== sections[7].end) fail('the export section did not parse to its end');
const decls = declFiles.map((f) => readFileSync(f, 'utf8'));
let k = 0;
for (const exp of exports) {
  if (exp.kind !== 0) continue; // `memory` and wasm-bindgen's two abort globals keep their names
  const to = `x${LETTERS[k] ?? fail('more than 52 exports')}`;
  k++;
  names[to] = exp.field;
  const read = new RegExp(`(?<![\\w$])wasm\\.${exp.field}(?![\\w$])`, 'g');
  glue = glue.replace(read, `wasm.${to}`);
  // Left: only plain identifiers (the glue's own JS wrappers of the closure shims share the names; a
  // minifier renames those), no property read, key or string.
  if (new RegExp(`(?<=[.'"\`])${exp.field}(?![\\w$])|(?<![\\w$])${exp.field}(?=['"\`]|\\s*:)`).test(glue)) {
    fail(`the glue names the export ${exp.field} other than as wasm.${exp.field}`);
  }
  decls.forEach((d, i) => {
    const decl = new RegExp(`^(    readonly |export const )${exp.field}:`, 'm');
    const hits = d.split('\n').filter((line) => decl.test(line)).length;
    if (hits !== 1) fail(`${declFiles[i]} declares ${exp.field} ${hits} times, expected once`);
    decls[i] = d.replace(decl, `$1${to}:`);
  });
  exp.field = to;
}
const encodeSection = (id, body) => Buffer.concat([Buffer.from([id]), leb(body.length), body]);
const importBody = Buffer.concat([leb(imports.length), ...imports.map((i) => Buffer.concat([encodeName(i.module), encodeName(i.field), i.desc]))]);
const exportBody = Buffer.concat([leb(exports.length), ...exports.map((e) => Buffer.concat([encodeName(e.field), Buffer.from([e.kind]), leb(e.index)]))]);
if (!(sections[2].end <= sections[7].start)) fail('the export section comes before the import section');
const out = Buffer.concat([
  wasm.subarray(0, sections[2].start),
  encodeSection(2, importBody),
  wasm.subarray(sections[2].end, sections[7].start),
  encodeSection(7, exportBody),
  wasm.subarray(sections[7].end),
]);
if (!WebAssembly.validate(out)) fail('the rewritten module does not validate');
writeFileSync(wasmFile, out);
writeFileSync(glueFile, glue);
declFiles.forEach((f, i) => writeFileSync(f, decls[i]));
// What each short name stands for, to read a stack trace or the module's sections (not published).
writeFileSync(join(dir, 'short-names.json'), `${JSON.stringify(names, null, 1)}\n`);
console.log(`short-names: ${imports.length} imports and ${k} exports renamed (wasm ${wasm.length} -> ${out.length} bytes; short-names.json has the old names)`);
