// Short strings out of wasm without TextDecoder: rewrites the wasm-bindgen glue's getStringFromWasm0 so
// that a string of at most 32 bytes that is all ASCII is built with String.fromCharCode (TextDecoder's
// fixed cost per call is most of what a plan id or an event field costs on every frame:
// docs/performance.md, dispatch). Anything longer or with a byte above 0x7f goes through TextDecoder as
// before, so every string is the same as wasm-bindgen's. Run by scripts/build-wasm.sh after wasm-pack;
// fails the build if the glue does not have the function it expects (a wasm-bindgen upgrade).
//
//   node pkg-js/scripts/short-strings.mjs [glue.js]
import { readFileSync, writeFileSync } from 'node:fs';

const file = process.argv[2] ?? new URL('../wasm/planwire.js', import.meta.url).pathname;
const glue = readFileSync(file, 'utf8');
const original = `function getStringFromWasm0(ptr, len) {
    ptr = ptr >>> 0;
    return decodeText(getUint8ArrayMemory0().subarray(ptr, ptr + len));
}`;
const replacement = `function getStringFromWasm0(ptr, len) {
    ptr = ptr >>> 0;
    const memory = getUint8ArrayMemory0();
    const end = ptr + len;
    let text = '';
    let i = ptr;
    // Short and ASCII (ids, names, codes): no TextDecoder call (pkg-js/scripts/short-strings.mjs).
    if (len < 33) while (i < end && memory[i] < 128) text += String.fromCharCode(memory[i++]);
    return i === end ? text : decodeText(memory.subarray(ptr, end));
}`;
if (glue.includes(replacement)) {
  console.log(`short-strings: ${file} already rewritten`);
} else {
  const at = glue.split(original).length - 1;
  if (at !== 1) {
    console.error(`short-strings: expected wasm-bindgen's getStringFromWasm0 exactly once in ${file}, found it ${at} times`);
    process.exit(1);
  }
  writeFileSync(file, glue.replace(original, replacement));
  console.log('short-strings: getStringFromWasm0 builds short ASCII strings without TextDecoder');
}
