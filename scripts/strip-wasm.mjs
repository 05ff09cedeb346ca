// Drops every custom section (`name`, `producers`, `target_features`, whatever the toolchain leaves)
// from a .wasm file in place: none is needed to run, and they cost bytes. Last step of
// scripts/build-wasm.sh, after wasm-opt.
//
//   node scripts/strip-wasm.mjs FILE.wasm
import { readFileSync, writeFileSync } from 'node:fs';

/** Reads an unsigned LEB128 at `at`; returns [value, next offset]. */
function leb(bytes, at) {
  let value = 0;
  let shift = 0;
  for (;;) {
    const b = bytes[at++];
    value += (b & 0x7f) * 2 ** shift;
    shift += 7;
    if (b < 0x80) return [value, at];
  }
}

const file = process.argv[2];
const bytes = readFileSync(file);
const kept = [bytes.subarray(0, 8)];
let at = 8;
while (at < bytes.length) {
  const start = at;
  const id = bytes[at++];
  const [size, body] = leb(bytes, at);
  at = body + size;
  if (at > bytes.length) throw new Error(`${file}: truncated section at byte ${start}`);
  if (id !== 0) kept.push(bytes.subarray(start, at));
}
writeFileSync(file, Buffer.concat(kept));
