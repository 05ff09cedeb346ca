// Serves the demo board with Vite's dev server (React development build, so StrictMode double-mounts).
import { createServer } from 'vite';
import { existsSync } from 'node:fs';
import { DEMO, PKG } from './paths.mjs';

/** Fails fast with the command to run when the package has not been built. */
export function assertPackageBuilt() {
  for (const f of ['dist/index.js', 'dist/react.js', 'wasm/planwire.js', 'wasm/planwire_bg.wasm']) {
    if (!existsSync(`${PKG}/${f}`)) {
      throw new Error(`pkg-js/${f} is missing: build the wasm (bash scripts/build-wasm.sh) and the package (npm run build -w planwire) first`);
    }
  }
}

/** Starts the demo on a free port of 127.0.0.1; returns `{ url, close() }`. */
export async function startDemo() {
  assertPackageBuilt();
  const server = await createServer({
    root: DEMO,
    configFile: `${DEMO}/vite.config.ts`,
    logLevel: 'warn',
    clearScreen: false,
    server: { host: '127.0.0.1', port: 0, strictPort: false, hmr: false },
  });
  await server.listen();
  const { port } = server.httpServer.address();
  return { url: `http://127.0.0.1:${port}/`, close: () => server.close() };
}

/** Retries `check` (which throws until satisfied) until it passes or `timeoutMs` elapses. */
export async function eventually(check, timeoutMs = 15_000, everyMs = 100) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (e) {
      if (Date.now() > deadline) throw e;
      await new Promise((r) => setTimeout(r, everyMs));
    }
  }
}
