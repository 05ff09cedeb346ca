// The packaging matrix, runtimes half: the packed package (`npm pack` of pkg-js) installed into scratch
// projects under tests/.tmp/matrix-runtimes (one shared install root, no planwire-specific
// configuration anywhere), each case against one mock server:
//
//   next          Next.js App Router, `next build` + `next start`: a server component imports `planwire`
//                 and renders a client component using `planwire/react`; server rendering neither
//                 crashes nor reads `window`, `document` or `WebSocket` from planwire's code; after
//                 hydration, in Chromium, the page joins and shows a change made over REST
//   vitest-node   Vitest's default node environment: `ws` as the WebSocket option, the live server
//   happy-dom     Vitest with `--environment happy-dom`: pkg-js/README.md's example test, verbatim
//   jest          Jest, default config, plain CommonJS: `require('planwire')`, `planwire/testing`
//   node          `node script.mjs` and `node script.cjs` with `ws`, the live server; without the
//                 option, NO_WEBSOCKET (Node 20 has no global WebSocket); `planwire/wasm` resolves to
//                 the .wasm and `planwire/wasm/base64` decodes to it and loads (wasm-subpaths.mjs)
//   types         `tsc --noEmit`: moduleResolution bundler, and node16 (an ES module and a .cts file)
//
// Sources of the scratch projects: tests/matrix/runtimes/. Prints one line per case with its time and
// exits 1 if any failed. PLANWIRE_MATRIX_CASES=next,jest runs only those; PLANWIRE_MATRIX_REUSE=1 skips
// packing and installing (the projects' sources are still copied); PLANWIRE_MATRIX_KEEP=1 leaves the
// next server's output in tests/.tmp/matrix-runtimes/next/server.log for a look.
//
//   node tests/matrix/runtimes.mjs        (npm run matrix:runtimes -w planwire-tests)
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { launchBrowser, recordErrors, waitUntil } from '../lib/browser.mjs';
import { PKG, ROOT } from '../lib/paths.mjs';
import { rest, startServer, token as mintToken } from '../lib/server.mjs';

const WORK = join(ROOT, 'tests/.tmp/matrix-runtimes');
const SOURCES = join(ROOT, 'tests/matrix/runtimes');
const ONLY = process.env.PLANWIRE_MATRIX_CASES?.split(',').map((s) => s.trim()).filter(Boolean);

/** Versions of the scratch projects: the workspace's where it has them (served from npm's cache). */
function installed(name) {
  return `^${JSON.parse(readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8')).version}`;
}
const VERSIONS = {
  next: '16.4.6',
  jest: '30.5.2',
  '@types/node': '^20.19.0',
};

/**
 * Runs a command; resolves to its output (stdout + stderr), rejects with the output's tail when it
 * exits non-zero or outlives `timeoutMs`.
 */
function exec(cmd, args, { cwd = WORK, env = {}, timeoutMs = 300_000 } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else reject(new Error(`${[cmd, ...args].join(' ')} (in ${cwd}) ${signal ? `killed (${signal}) after ${timeoutMs} ms` : `exited ${code}`}\n${out.slice(-6000)}`));
    });
  });
}

const bin = (pkg, path) => join(WORK, 'node_modules', pkg, path);
const node = (args, options) => exec(process.execPath, args, options);

/** A free TCP port of 127.0.0.1. */
function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

/** Builds the package if it is not built (the wasm with wasm-pack, then dist/ with the CommonJS entries). */
async function ensurePackageBuilt() {
  if (!existsSync(join(PKG, 'wasm/planwire_bg.wasm'))) await exec('bash', ['scripts/build-wasm.sh'], { cwd: ROOT, timeoutMs: 900_000 });
  if (!existsSync(join(PKG, 'dist/index.js')) || !existsSync(join(PKG, 'dist/cjs/index.cjs'))) {
    await exec('npm', ['run', 'build', '-w', 'planwire'], { cwd: ROOT });
  }
}

/** pkg-js/README.md's example test (the tsx block that starts with `// Board.test.tsx`), verbatim. */
function readmeTest() {
  const readme = readFileSync(join(PKG, 'README.md'), 'utf8');
  const m = /```tsx\n(\/\/ Board\.test\.tsx[\s\S]*?)```/.exec(readme);
  if (!m) throw new Error('pkg-js/README.md has no ```tsx block starting with `// Board.test.tsx`');
  return m[1];
}

/**
 * `npm pack`s pkg-js into the scratch root under a name carrying its hash (a new build is a new
 * dependency to npm), writes the projects and installs them all at once.
 */
/** Copies the cases' sources into the work folder, with the files made from others. */
function writeSources() {
  cpSync(SOURCES, WORK, { recursive: true });
  // One type check for both resolutions.
  cpSync(join(WORK, 'types-bundler/check.ts'), join(WORK, 'types-node16/check.ts'));
  // Only the README's test lives in this case: git keeps no empty folder, so make it here.
  mkdirSync(join(WORK, 'vitest-happy-dom'), { recursive: true });
  writeFileSync(join(WORK, 'vitest-happy-dom/Board.test.tsx'), readmeTest());
}

async function setUp() {
  mkdirSync(WORK, { recursive: true });
  const [packed] = JSON.parse(await exec('npm', ['pack', PKG, '--pack-destination', WORK, '--json', '--loglevel=error']));
  const hash = createHash('sha256').update(readFileSync(join(WORK, packed.filename))).digest('hex').slice(0, 12);
  const tarball = packed.filename.replace(/\.tgz$/, `-${hash}.tgz`);
  renameSync(join(WORK, packed.filename), join(WORK, tarball));
  for (const f of readdirSync(WORK)) if (/^planwire-.*\.tgz$/.test(f) && f !== tarball) rmSync(join(WORK, f));

  writeSources();
  writeFileSync(
    join(WORK, 'package.json'),
    `${JSON.stringify(
      {
        name: 'planwire-matrix-runtimes',
        private: true,
        description: 'Scratch projects of tests/matrix/runtimes.mjs (generated)',
        dependencies: {
          planwire: `file:./${tarball}`,
          react: installed('react'),
          'react-dom': installed('react-dom'),
          ws: installed('ws'),
        },
        devDependencies: {
          next: VERSIONS.next,
          jest: VERSIONS.jest,
          vitest: installed('vitest'),
          'happy-dom': installed('happy-dom'),
          '@testing-library/react': installed('@testing-library/react'),
          '@testing-library/dom': installed('@testing-library/dom'),
          typescript: installed('typescript'),
          '@types/react': installed('@types/react'),
          '@types/react-dom': installed('@types/react-dom'),
          '@types/ws': installed('@types/ws'),
          '@types/node': VERSIONS['@types/node'],
        },
      },
      null,
      2,
    )}\n`,
  );
  await exec('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'], { timeoutMs: 600_000 });
  const version = JSON.parse(readFileSync(join(WORK, 'node_modules/planwire/package.json'), 'utf8')).version;
  return `planwire ${version} (${tarball}) installed with next, vitest, jest, typescript; Node ${process.version}`;
}

let mock;
let serverEnv;
let browser;

const CASES = {
  async types() {
    const tsc = bin('typescript', 'bin/tsc');
    // bundler; node16 with the DOM lib (skipLibCheck off: the package's own declarations are checked);
    // node16 as a Node-only project (no DOM lib, @types/node, skipLibCheck off: the package brings the DOM
    // lib its types need).
    for (const project of ['types-bundler', 'types-node16', 'types-node16/tsconfig.node-only.json']) await node([tsc, '-p', join(WORK, project)]);
    return 'tsc --noEmit: bundler; node16 ES module + .cts (lib dom); node16 Node-only (no DOM lib)';
  },

  async node() {
    const out = [];
    for (const [script, entry] of [['script.mjs', 'dist/index.js'], ['script.cjs', 'dist/cjs/index.cjs']]) {
      const printed = await node([script], { cwd: join(WORK, 'node'), env: serverEnv, timeoutMs: 30_000 });
      if (!/^ok: /m.test(printed)) throw new Error(`node ${script} printed:\n${printed}`);
      if (!printed.includes(`planwire/${entry})`)) throw new Error(`node ${script} did not load planwire/${entry}:\n${printed}`);
      out.push(`${script} (${entry})`);
    }
    const printed = (await node(['no-websocket.mjs'], { cwd: join(WORK, 'node'), timeoutMs: 30_000 })).trim();
    if (!printed.startsWith('NO_WEBSOCKET:')) throw new Error(`without a WebSocket option in Node ${process.version}, expected NO_WEBSOCKET: …, got: ${printed}`);
    const subpaths = (await node(['wasm-subpaths.mjs'], { cwd: join(WORK, 'node'), timeoutMs: 30_000 })).trim();
    if (!subpaths.startsWith('ok: ')) throw new Error(`node wasm-subpaths.mjs printed:\n${subpaths}`);
    return `${out.join(' + ')} joined and received; without the option: ${printed.slice(0, 60)}…; planwire/wasm and planwire/wasm/base64 resolve and load`;
  },

  async 'vitest-node'() {
    const out = await node([bin('vitest', 'vitest.mjs'), 'run'], { cwd: join(WORK, 'vitest-node'), env: { ...serverEnv, CI: '1' } });
    return summary(out, /Tests\s+(\d+ passed[^\n]*)/);
  },

  async 'happy-dom'() {
    const out = await node([bin('vitest', 'vitest.mjs'), 'run', '--environment', 'happy-dom'], { cwd: join(WORK, 'vitest-happy-dom'), env: { CI: '1' } });
    return summary(out, /Tests\s+(\d+ passed[^\n]*)/, "README's example test");
  },

  async jest() {
    const out = await node([bin('jest', 'bin/jest.js'), '--ci'], { cwd: join(WORK, 'jest') });
    return summary(out, /Tests:\s+([^\n]*)/, 'require()');
  },

  async next() {
    const app = join(WORK, 'next');
    const env = { NEXT_TELEMETRY_DISABLED: '1' };
    rmSync(join(app, '.next'), { recursive: true, force: true });
    const started = Date.now();
    await exec(process.execPath, [bin('next', 'dist/bin/next'), 'build'], { cwd: app, env, timeoutMs: 600_000 });
    const buildMs = Date.now() - started;
    return nextStartAndSync(app, env, buildMs);
  },
};

/** The summary line of a test runner's output, or the whole output if absent. */
function summary(out, re, what) {
  const m = re.exec(out.replace(/\x1b\[[0-9;]*m/g, ''));
  if (!m) throw new Error(`no summary in the output:\n${out.slice(-3000)}`);
  return what ? `${m[1].trim()} (${what})` : m[1].trim();
}

/**
 * `next start` with a trap (tests/matrix/runtimes/next/ssr-trap.cjs, preloaded with --require) that
 * records each server-side read of `window`, `document` and `WebSocket`; fetches the page's server
 * rendering, then opens it in Chromium and sees it join and receive a change made over REST.
 */
async function nextStartAndSync(app, env, buildMs) {
  const port = await freePort();
  const trapLog = join(app, 'ssr-trap.log');
  rmSync(trapLog, { force: true });
  const planId = '123'; // the mock server's demo plan (alice and bob)
  const alice = await mintToken(mock, 1, 'alice');
  const child = spawn(process.execPath, ['--require', join(app, 'ssr-trap.cjs'), '--enable-source-maps', bin('next', 'dist/bin/next'), 'start', '-H', '127.0.0.1', '-p', String(port)], {
    cwd: app,
    env: { ...process.env, ...env, ...serverEnv, PLANWIRE_MATRIX_TOKEN: alice, PLANWIRE_SSR_TRAP_LOG: trapLog },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  child.stdout.on('data', (d) => (log += d));
  child.stderr.on('data', (d) => (log += d));
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const origin = `http://127.0.0.1:${port}`;
  try {
    // Ready once it answers.
    let html;
    for (const deadline = Date.now() + 30_000; ; ) {
      if (child.exitCode !== null) throw new Error(`next start exited ${child.exitCode}\n${log}`);
      try {
        const res = await fetch(`${origin}/`);
        html = await res.text();
        if (!res.ok) throw new Error(`GET / answered ${res.status}\n${html.slice(0, 2000)}\n${log}`);
        break;
      } catch (e) {
        if (e.message.startsWith('GET /') || Date.now() > deadline) throw e;
        await new Promise((r) => setTimeout(r, 200));
      }
    }
    // Server rendering: the server component imported planwire, the client component rendered its
    // first state (no client on the server: idle, nobody in the room).
    const text = html.replace(/<!-- -->/g, '');
    if (!text.includes('createPlanClient is a function')) throw new Error(`the server component's output is missing:\n${html.slice(0, 3000)}`);
    if (!/<p id="live">server idle 0 none<\/p>/.test(text)) throw new Error(`the client component's server rendering is not "server idle 0 none":\n${html.slice(0, 3000)}`);

    const page = await (browser ??= await launchBrowser()).newPage();
    const errors = recordErrors(page);
    const wasm = [];
    const failed = [];
    page.on('response', (r) => {
      const { pathname } = new URL(r.url());
      if (/\.wasm$/.test(pathname)) wasm.push(`${r.status()} ${pathname}`);
      // The app has no icon: the browser's /favicon.ico request is the one 404 expected.
      if (r.status() >= 400 && pathname !== '/favicon.ico') failed.push(`${r.status()} ${r.url()}`);
    });
    try {
      await page.goto(`${origin}/`);
      try {
        await waitUntil(page, () => document.getElementById('live')?.textContent === 'hydrated open 1 none', undefined, 30_000);
      } catch (e) {
        const now = await page.locator('#live').textContent().catch(() => '(absent)');
        throw new Error(`the page did not join: #live is ${JSON.stringify(now)}; page errors: ${[...errors, ...failed].join('\n') || 'none'}\n${e.message}`);
      }
      const bob = await mintToken(mock, 2, 'bob');
      const task = await rest(mock, bob, 'POST', `/api/plans/${planId}/tasks`, { title: 'created over REST (next)' });
      await waitUntil(page, () => document.getElementById('live')?.textContent === 'hydrated open 1 created over REST (next)');
      await rest(mock, bob, 'PATCH', `/api/tasks/${task.id}`, { title: 'renamed over REST (next)' });
      await waitUntil(page, () => document.getElementById('live')?.textContent === 'hydrated open 1 renamed over REST (next)');
      const pageErrors = errors.filter((e) => !/Failed to load resource: .*404/.test(e) || failed.length);
      if (pageErrors.length || failed.length) throw new Error(`page errors:\n${[...pageErrors, ...failed].join('\n')}`);
    } finally {
      await page.close();
    }
    const touched = readTrap(trapLog);
    if (touched.length) {
      const shown = touched.map((entry) => entry.split('\n').slice(0, 10).join('\n'));
      throw new Error(`server rendering read browser globals from planwire's code (${touched.length} reads):\n${shown.join('\n\n')}`);
    }
    if (/Error|⨯/.test(log.replace(/^.*Ready in.*$/m, ''))) throw new Error(`next start logged an error:\n${log}`);
    return `build ${(buildMs / 1000).toFixed(1)}s; SSR ok, no window/document/WebSocket read by planwire; hydrated, joined, REST create + update shown; wasm ${wasm.join(', ') || 'inlined (no .wasm fetch)'}`;
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
    if (process.env.PLANWIRE_MATRIX_KEEP) writeFileSync(join(app, 'server.log'), log);
  }
}

/**
 * The trap's records whose stack passes through planwire's code. Next bundles the package into its server
 * chunks: each frame in a chunk is mapped back through the chunk's source map (Next writes them) to the
 * file it came from, e.g. node_modules/planwire/dist/index.js.
 */
function readTrap(file) {
  if (!existsSync(file)) return [];
  const maps = new Map();
  const origin = (path, line, column) => {
    if (!maps.has(path)) {
      let map = null;
      try {
        map = new SourceMap(JSON.parse(readFileSync(`${path}.map`, 'utf8')));
      } catch {}
      maps.set(path, map);
    }
    const found = maps.get(path)?.findOrigin(line, column);
    return found?.fileName ? `${found.fileName}:${found.lineNumber}:${found.columnNumber}` : undefined;
  };
  return readFileSync(file, 'utf8')
    .split('\n\u0000\n')
    .filter(Boolean)
    .map((entry) =>
      entry
        .split('\n')
        .map((frame) => {
          const m = /\(?(\/[^()]+?):(\d+):(\d+)\)?$/.exec(frame);
          const from = m && origin(m[1], Number(m[2]), Number(m[3]));
          return from ? `${frame}  [${from}]` : frame;
        })
        .join('\n'),
    )
    .filter((entry) => /node_modules\/planwire\//.test(entry));
}

async function main() {
  const results = [];
  const line = (name, ms, ok, detail) => {
    console.log(`${ok ? 'ok  ' : 'FAIL'} ${name.padEnd(12)} ${(ms / 1000).toFixed(1).padStart(6)}s  ${detail}`);
    if (name !== 'setup') results.push(ok);
  };
  const step = async (name, fn) => {
    const t = Date.now();
    try {
      const detail = await fn();
      line(name, Date.now() - t, true, detail);
      return true;
    } catch (e) {
      line(name, Date.now() - t, false, String(e.message).split('\n')[0]);
      console.log(String(e.message).split('\n').slice(1).map((l) => `     | ${l}`).join('\n'));
      return false;
    }
  };
  const total = Date.now();
  try {
    if (process.env.PLANWIRE_MATRIX_REUSE) writeSources();
    else if (!(await step('setup', async () => (await ensurePackageBuilt(), await setUp())))) process.exit(1);
    mock = await startServer();
    serverEnv = { PLANWIRE_MATRIX_SERVER: mock.addr };
    for (const [name, fn] of Object.entries(CASES)) {
      if (ONLY && !ONLY.includes(name)) continue;
      await step(name, fn);
    }
  } finally {
    await browser?.close();
    await mock?.stop();
  }
  const failed = results.filter((ok) => !ok).length;
  console.log(`${results.length - failed} passed, ${failed} failed (${((Date.now() - total) / 1000).toFixed(1)}s)`);
  process.exit(failed ? 1 : 0);
}

await main();
