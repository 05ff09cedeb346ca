// Preloaded into `next start` (node --require): every server-side read of `window`, `document` or
// `WebSocket` is appended with its stack to PLANWIRE_SSR_TRAP_LOG (entries separated by a NUL line).
// `window` and `document` still read as undefined, as in plain Node 20. `WebSocket` reads as what Next's
// server would give (it defines a global WebSocket, its compiled `ws`, unless one exists): the trap
// stands in for that definition. An assignment replaces the trap with the value.
const { appendFileSync } = require('node:fs');

const log = process.env.PLANWIRE_SSR_TRAP_LOG;
Error.stackTraceLimit = 50;
const value = {
  window: () => undefined,
  document: () => undefined,
  WebSocket: () => require(require.resolve('next/dist/compiled/ws', { paths: [process.cwd()] })).WebSocket,
};
for (const [name, read] of Object.entries(value)) {
  if (!log || name in globalThis) continue;
  Object.defineProperty(globalThis, name, {
    configurable: true,
    get() {
      appendFileSync(log, `${name}\n${new Error().stack}\n\u0000\n`);
      return read();
    },
    set(v) {
      Object.defineProperty(globalThis, name, { value: v, writable: true, configurable: true, enumerable: true });
    },
  });
}
