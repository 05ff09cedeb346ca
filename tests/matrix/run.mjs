// The packaging matrix: planwire works wherever React apps are built, with no configuration.
//
//   npm run matrix -w planwire-tests          (or: node tests/matrix/run.mjs)
//
// From the packed tarball (`npm pack pkg-js`, once), in scratch apps under tests/.tmp/matrix/ that carry
// no planwire-specific configuration, one case per way of shipping a page:
//
//   vite-dev     Vite 8's dev server (dependency pre-bundling), React + StrictMode, @vitejs/plugin-react
//   vite-build   `vite build` served by `vite preview`, same app
//   webpack      webpack 5 production build: babel-loader for JSX and html-webpack-plugin, nothing else
//   esbuild      a plain `esbuild --bundle --format=esm` (no splitting, no loader for .wasm), a plain
//                createPlanClient page: no base64 copy in the bundle; the .wasm served where the facade
//                fetches it (copied there, as an esbuild app ships static files)
//   esbuild-inline  the same with `import 'planwire/inline'` and no file served: the copy in the bundle
//   static       no bundler: <script type="module"> importing /node_modules/planwire/dist/index.js
//
// Each runs in Chromium (playwright-core, /usr/bin/chromium, tests/lib/chromium.mjs flags); `static` and
// `vite-build` also in WebKit (WebKitGTK's MiniBrowser through WebKitWebDriver under Xvfb) and Firefox
// (geckodriver, headless). Every page connects to ONE mock server with a token from its dev route
// (getToken), joins plan 123; the runner then renames one of its tasks over REST (PATCH as bob) and awaits
// the `taskUpdated` on the page, which lists it. A page error, a hook/client error or a timeout fails the
// case; so does, where the package's file is meant to be found (all but esbuild-inline), anything but
// exactly one `.wasm` fetch answered 200, and for esbuild-inline any `.wasm` fetch. One line per case with its time; exit 1 on any failure.
//
// The scratch root (tests/.tmp/matrix/) has one `npm install` shared by every case (react, react-dom,
// vite, @vitejs/plugin-react, webpack, webpack-cli, html-webpack-plugin, babel-loader, @babel/core,
// @babel/preset-react, esbuild, and the tarball); it is reused while its package.json and package-lock.json
// are unchanged, but the tarball is always reinstalled (and checked to be this build). Nothing relies on
// install scripts (npm may skip them): esbuild runs through its JS launcher.
//
// Environment: PLANWIRE_MATRIX_ONLY=name,… (cases and/or browsers: `static,webkit` is the static page in
// WebKit; `webkit` every case in WebKit), PLANWIRE_MATRIX_SKIP=name,… (cases or browsers left out), PLANWIRE_MATRIX_TIMEOUT_MS (per page, default 30000),
// PLANWIRE_MATRIX_REINSTALL=1 (a clean scratch install), PLANWIRE_CHROMIUM, PLANWIRE_FIREFOX,
// PLANWIRE_MOCK_SERVER.
import { spawn, execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { launchBrowser } from '../lib/browser.mjs';
import { PKG, ROOT } from '../lib/paths.mjs';
import { rest, startServer, token } from '../lib/server.mjs';
import { serveFiles } from '../lib/static.mjs';
import { startWebDriverBrowser } from './webdriver.mjs';

const HERE = fileURLToPath(new URL('.', import.meta.url)).replace(/\/$/, '');
const APP = `${HERE}/app`;
const SCRATCH = `${ROOT}/tests/.tmp/matrix`;
const PAGE_TIMEOUT_MS = Number(process.env.PLANWIRE_MATRIX_TIMEOUT_MS || 30_000);
const BUILD_TIMEOUT_MS = 240_000;
const list = (v) => (v || '').split(',').map((s) => s.trim()).filter(Boolean);
const ONLY = list(process.env.PLANWIRE_MATRIX_ONLY);
const SKIP = list(process.env.PLANWIRE_MATRIX_SKIP);

/** The scratch root's manifest: what a React app built each of these ways would depend on. */
const MANIFEST = {
  name: 'planwire-matrix',
  private: true,
  type: 'module',
  dependencies: {
    planwire: 'file:planwire.tgz',
    react: '^19.2.0',
    'react-dom': '^19.2.0',
  },
  devDependencies: {
    vite: '^8.3.8',
    '@vitejs/plugin-react': '^6.0.0',
    webpack: '^5.101.0',
    'webpack-cli': '^7.0.0',
    'html-webpack-plugin': '^5.6.0',
    'babel-loader': '^10.0.0',
    '@babel/core': '^8.0.0',
    '@babel/preset-react': '^8.0.0',
    esbuild: '^0.28.2',
  },
};

// ------------------------------------------------------------------------------------ small helpers

const sleep = (ms) => new Promise((done) => setTimeout(done, ms));
const secs = (ms) => `${(ms / 1000).toFixed(1)} s`;
const sha = (text) => createHash('sha256').update(text).digest('hex');

/** Stopped at the end, on failure and on Ctrl-C / SIGTERM: servers, browsers, drivers. */
const cleanups = [];
async function cleanup() {
  while (cleanups.length) await cleanups.pop()().catch((e) => console.log(`(cleanup: ${e.message})`));
}
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, async () => {
    console.log(`${signal}: stopping`);
    await cleanup();
    process.exit(130);
  });
}

/**
 * A scratch tool as a user runs it: node_modules/.bin/<name> (npm links bins whether or not it ran install
 * scripts; esbuild's is its JS launcher without them, the native binary with them).
 */
const bin = (name) => `${SCRATCH}/node_modules/.bin/${name}`;

/** Runs `command args…` in `cwd` with a timeout; output to `log`, its tail in the error. */
function run(command, args, cwd, log) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NODE_ENV: 'production' } });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), BUILD_TIMEOUT_MS);
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      writeFileSync(log, output);
      if (code === 0) resolve(output);
      else reject(new Error(`${command.replace(`${SCRATCH}/`, '')} ${args.join(' ')} failed (${signal ?? `code ${code}`}${signal === 'SIGKILL' ? `, over ${secs(BUILD_TIMEOUT_MS)}` : ''}); ${log}:\n${output.slice(-3000)}`));
    });
  });
}

// ------------------------------------------------------------------------------------ package, install

/**
 * Fails with the commands to run when the package is not built; returns warnings for outputs older than
 * their sources (mtimes only: a comment-only commit would trip a hard check).
 */
function checkPackageBuilt() {
  const need = ['dist/index.js', 'dist/react.js', 'wasm/planwire.js', 'wasm/planwire_bg.wasm', 'wasm/planwire_bg.wasm.base64.js'];
  const build = 'bash scripts/build-wasm.sh && npm run build -w planwire';
  for (const f of need) {
    if (!existsSync(`${PKG}/${f}`)) throw new Error(`pkg-js/${f} is missing: build the package first: ${build}`);
  }
  const mtime = (f) => statSync(`${PKG}/${f}`).mtimeMs;
  const warnings = [];
  for (const src of readdirSync(`${PKG}/src`).filter((f) => f.endsWith('.ts'))) {
    const out = `dist/${src.replace(/\.ts$/, '.js')}`;
    if (existsSync(`${PKG}/${out}`) && mtime(`src/${src}`) > mtime(out)) warnings.push(`pkg-js/${out} is older than pkg-js/src/${src}`);
  }
  if (mtime('wasm/planwire_bg.wasm') > mtime('wasm/planwire_bg.wasm.base64.js')) warnings.push('pkg-js/wasm/planwire_bg.wasm.base64.js is older than planwire_bg.wasm');
  return warnings.map((w) => `${w}: testing the package as built (rebuild: ${build})`);
}

/** `npm pack pkg-js` into the scratch root as planwire.tgz; returns the tarball's file list. */
function pack() {
  mkdirSync(SCRATCH, { recursive: true });
  for (const f of readdirSync(SCRATCH)) if (f.endsWith('.tgz')) rmSync(join(SCRATCH, f));
  const [packed] = JSON.parse(execFileSync('npm', ['pack', PKG, '--pack-destination', SCRATCH, '--json', '--loglevel=error'], { cwd: ROOT, encoding: 'utf8' }));
  renameSync(join(SCRATCH, packed.filename), join(SCRATCH, 'planwire.tgz'));
  return packed;
}

/** A file of the packed tarball. */
const fromTarball = (f) => execFileSync('tar', ['-xzOf', `${SCRATCH}/planwire.tgz`, `package/${f}`], { maxBuffer: 64 << 20 });

/**
 * The package's inlined copy must be its .wasm: where it is used (esbuild-inline, Node), the glue is
 * instantiated with the copy, and a stale one fails with a LinkError (an import the glue does not have).
 * Returns a problem, or ''.
 */
function inlinedCopyProblem() {
  const wasm = fromTarball('wasm/planwire_bg.wasm');
  const m = /export default "([A-Za-z0-9+/=]*)"/.exec(fromTarball('wasm/planwire_bg.wasm.base64.js').toString('utf8'));
  if (!m) return 'wasm/planwire_bg.wasm.base64.js has no `export default "<base64>"`';
  if (!Buffer.from(m[1], 'base64').equals(wasm)) return 'wasm/planwire_bg.wasm.base64.js is not wasm/planwire_bg.wasm (a stale copy: rebuild with npm run build -w planwire)';
  return '';
}

/** How the base64 copy of the tarball's module starts (its first 48 bytes): to find it in a bundle. */
const inlinedCopyHead = () => fromTarball('wasm/planwire_bg.wasm').subarray(0, 48).toString('base64');

/** package-lock.json without the tarball's entry (which changes with every build). */
function lockWithoutPlanwire(lock) {
  if (!lock) return undefined;
  const copy = structuredClone(lock);
  delete copy.packages?.['node_modules/planwire'];
  return copy;
}

/**
 * One `npm install` in the scratch root. node_modules is kept when package.json and the lock (less the
 * tarball's entry) are what the last install left; the tarball is always installed anew (its lock entry
 * and directory are removed first, or npm would keep the old copy or refuse the new integrity).
 * Returns 'reused' or 'fresh'.
 */
function install() {
  const manifest = `${JSON.stringify(MANIFEST, null, 2)}\n`;
  const lockPath = `${SCRATCH}/package-lock.json`;
  const stampPath = `${SCRATCH}/node_modules/.matrix-stamp`;
  const readLock = () => (existsSync(lockPath) ? JSON.parse(readFileSync(lockPath, 'utf8')) : undefined);
  const stampOf = (lock) => sha(manifest + JSON.stringify(lockWithoutPlanwire(lock) ?? null));
  let lock = readLock();
  const reuse =
    !process.env.PLANWIRE_MATRIX_REINSTALL &&
    lock &&
    existsSync(stampPath) &&
    readFileSync(stampPath, 'utf8') === stampOf(lock) &&
    existsSync(`${SCRATCH}/package.json`) &&
    readFileSync(`${SCRATCH}/package.json`, 'utf8') === manifest;
  if (!reuse) {
    rmSync(`${SCRATCH}/node_modules`, { recursive: true, force: true });
    if (process.env.PLANWIRE_MATRIX_REINSTALL) rmSync(lockPath, { force: true });
    lock = readLock();
  }
  writeFileSync(`${SCRATCH}/package.json`, manifest);
  if (lock?.packages?.['node_modules/planwire']) {
    delete lock.packages['node_modules/planwire'];
    writeFileSync(lockPath, `${JSON.stringify(lock, null, 2)}\n`);
  }
  rmSync(`${SCRATCH}/node_modules/planwire`, { recursive: true, force: true });
  try {
    execFileSync('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--include=dev', '--loglevel=error'], { cwd: SCRATCH, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    throw new Error(`npm install in ${SCRATCH} failed:\n${e.stdout}${e.stderr}`);
  }
  writeFileSync(stampPath, stampOf(readLock()));
  // The copy every case resolves is the tarball just packed, not a stale one or the workspace's.
  for (const f of ['dist/index.js', 'dist/react.js', 'wasm/planwire.js', 'wasm/planwire_bg.wasm']) {
    if (!readFileSync(`${SCRATCH}/node_modules/planwire/${f}`).equals(fromTarball(f))) throw new Error(`the installed planwire/${f} is not the packed one`);
  }
  return reuse ? 'reused' : 'fresh';
}

/** Checks that `planwire` (and React) resolve, from `dir`, to the scratch root's install. */
function assertResolvesToScratch(dir) {
  const req = createRequire(`${dir}/x.js`);
  for (const name of ['planwire/package.json', 'react/package.json']) {
    const got = req.resolve(name);
    if (!got.startsWith(`${SCRATCH}/node_modules/`)) throw new Error(`${name} resolves to ${got} from ${dir}, not the scratch install`);
  }
}

// ------------------------------------------------------------------------------------ the apps

const INSTRUMENT = `<script>\n${readFileSync(`${APP}/instrument.js`, 'utf8')}</script>`;

/** An app's index.html with the instrumentation inlined and `entry` as its script tag. */
function html(template, entry) {
  return readFileSync(`${APP}/${template}`, 'utf8').replace('<!--instrument-->', INSTRUMENT).replace('<!--entry-->', entry);
}

/** Empties tests/.tmp/matrix/<name>/ and returns it. */
function caseDir(name) {
  const dir = `${SCRATCH}/${name}`;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** The React app (App.jsx with PlanSocketProvider + usePlanWebSocket, StrictMode) with Vite's config. */
function viteApp(name) {
  const dir = caseDir(name);
  cpSync(`${APP}/react/src`, `${dir}/src`, { recursive: true });
  cpSync(`${APP}/vite.config.js`, `${dir}/vite.config.js`);
  writeFileSync(`${dir}/index.html`, html('react/index.html', '<script type="module" src="/src/main.jsx"></script>'));
  assertResolvesToScratch(dir);
  return dir;
}

/** Vite's Node API from the scratch install. */
const vite = () => import(pathToFileURL(`${SCRATCH}/node_modules/vite/dist/node/index.js`).href);

/**
 * The sites: `make()` prepares (and builds) one and serves it, resolving to `{ url, stop(), note }`.
 * `wasm: 'file'` — the page must fetch the package's .wasm beside its JavaScript, once, with a 200;
 * `'none'` — the page must fetch no .wasm at all (the app imports `planwire/inline`: its copy is used).
 */
const SITES = {
  'vite-dev': {
    wasm: 'file',
    async make() {
      const dir = viteApp('vite-dev');
      // Pre-bundling starts afresh: the optimizer's cache would otherwise hold an older planwire.
      rmSync(`${SCRATCH}/node_modules/.vite`, { recursive: true, force: true });
      const { createServer } = await vite();
      const server = await createServer({ root: dir, logLevel: 'warn', clearScreen: false, server: { host: '127.0.0.1', port: 0 } });
      await server.listen();
      return { url: `http://127.0.0.1:${server.httpServer.address().port}/`, stop: () => server.close() };
    },
  },
  'vite-build': {
    wasm: 'file',
    async make() {
      const dir = viteApp('vite-build');
      await run(bin('vite'), ['build'], dir, `${dir}/build.log`);
      const { preview } = await vite();
      const server = await preview({ root: dir, logLevel: 'warn', preview: { host: '127.0.0.1', port: 0 } });
      const assets = readdirSync(`${dir}/dist/assets`);
      return {
        url: `http://127.0.0.1:${server.httpServer.address().port}/`,
        stop: () => server.close(),
        note: `emitted ${assets.filter((f) => f.endsWith('.wasm')).join(', ') || 'no .wasm'}`,
      };
    },
  },
  webpack: {
    wasm: 'file',
    async make() {
      const dir = caseDir('webpack');
      cpSync(`${APP}/react/src`, `${dir}/src`, { recursive: true });
      cpSync(`${APP}/webpack.config.js`, `${dir}/webpack.config.js`);
      // html-webpack-plugin adds the bundle's script tag itself.
      writeFileSync(`${dir}/index.html`, html('react/index.html', ''));
      assertResolvesToScratch(dir);
      await run(bin('webpack'), [], dir, `${dir}/build.log`);
      const web = await serveFiles({ '/': `${dir}/dist` });
      return { url: `${web.origin}/`, stop: web.stop, note: `emitted ${readdirSync(`${dir}/dist`).filter((f) => f.endsWith('.wasm')).join(', ') || 'no .wasm'}` };
    },
  },
  esbuild: {
    wasm: 'file',
    async make() {
      const dir = caseDir('esbuild');
      cpSync(`${APP}/plain/start.js`, `${dir}/src/start.js`);
      cpSync(`${APP}/plain/entry.js`, `${dir}/src/entry.js`);
      assertResolvesToScratch(dir);
      // A plain `esbuild --bundle`: no code splitting, no loader for .wasm.
      await run(bin('esbuild'), ['src/entry.js', '--bundle', '--format=esm', '--minify', '--outfile=dist/app.js'], dir, `${dir}/build.log`);
      const app = readFileSync(`${dir}/dist/app.js`);
      if (app.includes(inlinedCopyHead())) throw new Error('dist/app.js contains the base64 copy of the module (a browser bundle must not, unless it imports planwire/inline)');
      // esbuild does not copy the file: the app ships it as a static file where the facade looks for it,
      // new URL('../wasm/planwire_bg.wasm', import.meta.url) from /app.js.
      mkdirSync(`${dir}/dist/wasm`);
      cpSync(`${SCRATCH}/node_modules/planwire/wasm/planwire_bg.wasm`, `${dir}/dist/wasm/planwire_bg.wasm`);
      writeFileSync(`${dir}/dist/index.html`, html('plain/index.html', '<script type="module" src="./app.js"></script>'));
      const web = await serveFiles({ '/': `${dir}/dist` });
      return { url: `${web.origin}/`, stop: web.stop, note: `app.js ${(app.length / 1024).toFixed(0)} KB, no base64 copy in it` };
    },
  },
  'esbuild-inline': {
    wasm: 'none',
    async make() {
      const dir = caseDir('esbuild-inline');
      cpSync(`${APP}/plain/start.js`, `${dir}/src/start.js`);
      cpSync(`${APP}/plain/entry-inline.js`, `${dir}/src/entry.js`);
      assertResolvesToScratch(dir);
      // The same plain `esbuild --bundle`, with `import 'planwire/inline'` in the app and no file served.
      await run(bin('esbuild'), ['src/entry.js', '--bundle', '--format=esm', '--minify', '--outfile=dist/app.js'], dir, `${dir}/build.log`);
      const app = readFileSync(`${dir}/dist/app.js`);
      if (!app.includes(inlinedCopyHead())) throw new Error('dist/app.js lacks the base64 copy of the module although the app imports planwire/inline');
      writeFileSync(`${dir}/dist/index.html`, html('plain/index.html', '<script type="module" src="./app.js"></script>'));
      const web = await serveFiles({ '/': `${dir}/dist` });
      const emitted = readdirSync(`${dir}/dist`).filter((f) => f.endsWith('.wasm')).length;
      return { url: `${web.origin}/`, stop: web.stop, note: `app.js ${(app.length / 1024).toFixed(0)} KB with the base64 copy, ${emitted} .wasm emitted` };
    },
  },
  static: {
    wasm: 'file',
    async make() {
      const dir = caseDir('static');
      cpSync(`${APP}/plain/start.js`, `${dir}/start.js`);
      const entry = `<script type="module">
      import { createPlanClient } from '/node_modules/planwire/dist/index.js';
      import { start } from './start.js';
      start(createPlanClient);
    </script>`;
      writeFileSync(`${dir}/index.html`, html('plain/index.html', entry));
      // The scratch root is the site: /node_modules/planwire/… is the installed package as it is.
      const web = await serveFiles({ '/': SCRATCH });
      return { url: `${web.origin}/static/`, stop: web.stop };
    },
  },
};

/**
 * Every site in Chromium, then in WebKit, then in Firefox (each site is built once, when first needed,
 * and served until the end; a browser once a page there is over costs well under a second a site).
 */
const RUNS = ['chromium', 'webkit', 'firefox'].flatMap((browser) => Object.keys(SITES).map((site) => [site, browser]));

// ------------------------------------------------------------------------------------ browsers

/** Chromium through playwright-core: a fresh context per page. */
async function startChromium() {
  const browser = await launchBrowser();
  return {
    version: `chromium ${browser.version()}`,
    async open(url) {
      const context = await browser.newContext();
      const page = await context.newPage();
      const log = [];
      page.on('console', (m) => m.type() === 'error' && log.push(`console: ${m.text()}`));
      page.on('pageerror', (e) => log.push(`pageerror: ${e.message}`));
      page.on('requestfailed', (r) => log.push(`requestfailed: ${r.url()} ${r.failure()?.errorText}`));
      await page.goto(url, { timeout: PAGE_TIMEOUT_MS });
      return { evaluate: (fn) => page.evaluate(`(${fn})()`), log: () => log, close: () => context.close() };
    },
    stop: () => browser.close(),
  };
}

/** WebKit or Firefox through WebDriver: one session, one page navigated from case to case. */
async function startThroughWebDriver(name) {
  const b = await startWebDriverBrowser(name);
  return {
    version: b.version,
    async open(url) {
      await b.goto(url);
      return { evaluate: (fn) => b.evaluate(fn), log: () => [], close: () => b.goto('about:blank') };
    },
    stop: b.stop,
  };
}

const BROWSER_STARTERS = { chromium: startChromium, webkit: () => startThroughWebDriver('webkit'), firefox: () => startThroughWebDriver('firefox') };

/** What the page says, in any browser (tests/matrix/app/instrument.js keeps window.__matrix). */
const PROBE = String(function probe() {
  const m = window.__matrix;
  const updated = [...document.querySelectorAll('#updated li')].map((li) => li.textContent);
  return m ? { status: m.status, errors: m.errors.slice(), wasm: m.wasm.slice(), updated } : { status: 'no instrumentation', errors: [], wasm: [], updated };
});

// ------------------------------------------------------------------------------------ one case

/**
 * Opens the site's page in the browser, awaits the join, renames task `taskId` over REST and awaits the
 * `taskUpdated` on the page; checks the .wasm fetches. Returns a short description of how the module loaded.
 */
async function sync(site, spec, browser, env, label) {
  const page = await browser.open(`${site.url}?server=${env.mock.addr}`);
  let p;
  try {
    const until = async (what, done) => {
      const deadline = Date.now() + PAGE_TIMEOUT_MS;
      for (;;) {
        p = await page.evaluate(PROBE);
        if (p.errors.length) throw new Error(`page error while awaiting ${what}:\n  ${p.errors.join('\n  ')}`);
        if (done(p)) return;
        if (Date.now() > deadline) throw new Error(`no ${what} within ${secs(PAGE_TIMEOUT_MS)} (page status ${JSON.stringify(p.status)})`);
        await sleep(50);
      }
    };
    await until('join of plan 123', (q) => q.status === 'joined');
    const title = `${label} renamed over REST (${Date.now()})`;
    await rest(env.mock, env.bob, 'PATCH', `/api/tasks/${env.taskId}`, { title });
    await until(`taskUpdated "${title}" on the page`, (q) => q.updated.includes(title));
    const found = p.wasm.filter((w) => w.startsWith('200 '));
    if (spec.wasm === 'file' && (found.length !== 1 || p.wasm.length !== 1)) {
      throw new Error(`expected one .wasm fetch answered 200 (the file beside the package), got: ${p.wasm.join(', ') || 'none (the inlined copy was used)'}`);
    }
    if (spec.wasm === 'none' && p.wasm.length) throw new Error(`expected no .wasm fetch (planwire/inline's copy), got: ${p.wasm.join(', ')}`);
    const path = (w) => new URL(w.split(' ')[1]).pathname;
    return found.length ? `wasm fetched: ${found.map(path).join(', ')}` : `wasm inlined copy (fetched: ${p.wasm.map((w) => `${w.split(' ')[0]} ${path(w)}`).join(', ') || 'nothing'})`;
  } catch (e) {
    const more = [`wasm fetches: ${p?.wasm?.join(', ') || 'none'}`, ...page.log()];
    throw new Error(`${e.message}\n  ${more.join('\n  ')}`);
  } finally {
    await page.close().catch(() => {});
  }
}

// ------------------------------------------------------------------------------------ main

async function main() {
  const started = Date.now();
  // PLANWIRE_MATRIX_ONLY: the named cases (all if none is named) in the named browsers (all if none is).
  const onlyCases = ONLY.filter((n) => n in SITES);
  const onlyBrowsers = ONLY.filter((n) => n in BROWSER_STARTERS);
  const unknown = [...ONLY, ...SKIP].filter((n) => !(n in SITES) && !(n in BROWSER_STARTERS));
  if (unknown.length) {
    console.log(`unknown case or browser ${unknown.join(', ')}: cases ${Object.keys(SITES).join(', ')}; browsers ${Object.keys(BROWSER_STARTERS).join(', ')}`);
    return 2;
  }
  const wanted = RUNS.filter(
    ([c, b]) => (!onlyCases.length || onlyCases.includes(c)) && (!onlyBrowsers.length || onlyBrowsers.includes(b)) && !SKIP.includes(c) && !SKIP.includes(b),
  );
  if (!wanted.length) {
    console.log(`no case selected (PLANWIRE_MATRIX_ONLY=${ONLY.join(',')} PLANWIRE_MATRIX_SKIP=${SKIP.join(',')})`);
    return 2;
  }
  try {
    for (const w of checkPackageBuilt()) console.log(`warning ${w}`);
  } catch (e) {
    console.log(`matrix: ${e.message}`);
    return 2;
  }

  let t = Date.now();
  const packed = pack();
  console.log(`setup   npm pack ${packed.filename} (${packed.files.length} files, ${(packed.size / 1024).toFixed(0)} KB)  ${secs(Date.now() - t)}`);
  let failed = 0;
  let passed = 0;
  const problem = inlinedCopyProblem();
  if (problem) {
    failed += 1;
    console.log(`FAIL    tarball: ${problem}`);
  } else {
    passed += 1;
    console.log('ok      tarball: its inlined copy (wasm/planwire_bg.wasm.base64.js) is its .wasm');
  }
  t = Date.now();
  const how = install();
  console.log(`setup   npm install in tests/.tmp/matrix (${how} node_modules, planwire reinstalled)  ${secs(Date.now() - t)}`);
  t = Date.now();
  const mock = await startServer();
  cleanups.push(() => mock.stop());
  const bob = await token(mock, 2, 'bob');
  const plan = await rest(mock, bob, 'GET', '/api/plans/123');
  const env = { mock, bob, taskId: plan.tasks[0].id };
  console.log(`setup   mock server on ${mock.addr}  ${secs(Date.now() - t)}`);

  const sites = new Map();
  const browsers = new Map();
  for (const [name, browserName] of wanted) {
    const label = `${name} · ${browserName}`;
    const t0 = Date.now();
    const parts = [];
    try {
      let site = sites.get(name);
      if (!site) {
        const tb = Date.now();
        site = SITES[name].make();
        sites.set(name, site);
        site = await site;
        cleanups.push(site.stop);
        parts.push(`build+serve ${secs(Date.now() - tb)}`);
      } else {
        site = await site;
      }
      let browser = browsers.get(browserName);
      if (!browser) {
        const tb = Date.now();
        browser = BROWSER_STARTERS[browserName]();
        browsers.set(browserName, browser);
        browser = await browser;
        cleanups.push(browser.stop);
        parts.push(`${browser.version} start ${secs(Date.now() - tb)}`);
      } else {
        browser = await browser;
      }
      const tp = Date.now();
      const loaded = await sync(site, SITES[name], browser, env, label);
      parts.push(`page ${secs(Date.now() - tp)}`, loaded);
      if (site.note) parts.push(site.note);
      passed += 1;
      console.log(`ok      ${label.padEnd(22)} ${secs(Date.now() - t0).padStart(7)}  (${parts.join('; ')})`);
    } catch (e) {
      failed += 1;
      console.log(`FAIL    ${label.padEnd(22)} ${secs(Date.now() - t0).padStart(7)}  ${parts.length ? `(${parts.join('; ')}) ` : ''}${e.message}`);
    }
  }
  await cleanup();
  console.log(`total   ${secs(Date.now() - started)}`);
  console.log(`matrix: ${passed} passed, ${failed} failed`);
  return failed ? 1 : 0;
}

try {
  process.exitCode = await main();
} catch (e) {
  console.error(`matrix: ${e.stack ?? e}`);
  await cleanup();
  process.exitCode = 1;
}
