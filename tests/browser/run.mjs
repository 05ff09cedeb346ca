// Runs the planwire browser suite (suite.mjs) in headless Chrome and/or Firefox through WebDriver.
//
//   node browser/run.mjs [chrome] [firefox]        (default: both, one after the other)
//
// Per browser: a fresh `mock-server --enable-faults` (tests/lib/server.mjs), the driver on a free port
// (/usr/bin/chromedriver; geckodriver from PATH or ~/.cargo/bin), a headless session on
// index.html?server=…, polling `window.__planwireResults` until done. One static HTTP server serves
// tests/browser/ at / and the planwire package at /pkg/. Prints one line per test per browser, exits 1
// on any failure. The session, the drivers and the servers are always stopped.
//
// Environment: PLANWIRE_PKG_DIR (package directory, default pkg-js/), PLANWIRE_MOCK_SERVER (server
// binary), PLANWIRE_CHROMIUM / PLANWIRE_FIREFOX (browser binaries), PLANWIRE_BROWSER_GREP (only the
// tests whose name contains it), PLANWIRE_BROWSER_TIMEOUT_MS (per browser, default 240000).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer as createNetServer } from 'node:net';
import { homedir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PKG } from '../lib/paths.mjs';
import { startServer } from '../lib/server.mjs';
import { serveFiles } from '../lib/static.mjs';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../lib/chromium.mjs';

/** Debian's Firefox: `firefox-esr` (which also provides `firefox`), unless PLANWIRE_FIREFOX says otherwise. */
const FIREFOX_PATH = process.env.PLANWIRE_FIREFOX || ['/usr/bin/firefox-esr', '/usr/bin/firefox'].find((p) => existsSync(p)) || 'firefox';

/** tests/browser/: the page, the suite and the instrumentation. */
const HERE = fileURLToPath(new URL('.', import.meta.url)).replace(/\/$/, '');
const PKG_DIR = resolve(process.env.PLANWIRE_PKG_DIR || PKG);
const OVERALL_TIMEOUT_MS = Number(process.env.PLANWIRE_BROWSER_TIMEOUT_MS || 240_000);
const GREP = process.env.PLANWIRE_BROWSER_GREP || '';

/** What is running now, stopped on Ctrl-C / SIGTERM too (the drivers run in their own process groups). */
const running = new Set();

/** Registers something running that has a `stop()`: a signal stops it, until `finish()` does. */
function track(thing) {
  running.add(thing);
  return {
    thing,
    async finish() {
      running.delete(thing);
      await thing.stop();
    },
  };
}

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, async () => {
    console.log(`${signal}: stopping`);
    await Promise.allSettled([...running].map((t) => t.stop()));
    process.exit(130);
  });
}

// ------------------------------------------------------------------------------------ static server

/** Serves `/pkg/…` from the package directory and everything else from tests/browser/. */
function startStaticServer() {
  return serveFiles({ '/pkg/': PKG_DIR, '/': HERE });
}

// ------------------------------------------------------------------------------------ drivers

/** A port nobody listens on right now. */
function freePort() {
  return new Promise((resolvePort, reject) => {
    const probe = createNetServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolvePort(port));
    });
  });
}

/** The first executable named `name` on PATH, else `fallback`. */
function which(name, fallback) {
  for (const dir of (process.env.PATH || '').split(delimiter)) {
    if (dir && existsSync(join(dir, name))) return join(dir, name);
  }
  return fallback;
}

const BROWSERS = {
  chrome: {
    driver: () => '/usr/bin/chromedriver',
    driverArgs: (port) => [`--port=${port}`],
    capabilities: () => ({
      browserName: 'chrome',
      'goog:chromeOptions': { binary: CHROMIUM_PATH, args: CHROMIUM_ARGS },
      'goog:loggingPrefs': { browser: 'ALL' },
    }),
  },
  firefox: {
    driver: () => which('geckodriver', join(homedir(), '.cargo/bin/geckodriver')),
    // Its own BiDi port: the default (9222) may be taken by another geckodriver.
    driverArgs: (port, bidiPort) => ['--port', String(port), '--websocket-port', String(bidiPort)],
    capabilities: () => ({
      browserName: 'firefox',
      'moz:firefoxOptions': { binary: FIREFOX_PATH, args: ['-headless'] },
    }),
  },
};

/** Starts a driver in its own process group and resolves once `/status` says it is ready. */
async function startDriver(browser) {
  const binary = BROWSERS[browser].driver();
  if (!existsSync(binary)) throw new Error(`${browser}: no driver at ${binary}`);
  const port = await freePort();
  const child = spawn(binary, BROWSERS[browser].driverArgs(port, await freePort()), {
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  const keep = (d) => {
    output = (output + d).slice(-4000);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exited = new Promise((done) => child.once('exit', done));
  const driver = {
    url: `http://127.0.0.1:${port}`,
    output: () => output,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      killGroup(child.pid, 'SIGTERM');
      let timer;
      const killed = await Promise.race([exited.then(() => true), new Promise((done) => (timer = setTimeout(done, 3000, false)))]);
      clearTimeout(timer);
      if (!killed) {
        killGroup(child.pid, 'SIGKILL');
        await exited;
      }
    },
  };
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${browser} driver exited (code ${child.exitCode})\n${output}`);
    try {
      const status = await wd(driver, 'GET', '/status');
      if (status.ready) return driver;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) {
      await driver.stop();
      throw new Error(`${browser} driver not ready within 20 s\n${output}`);
    }
    await sleep(100);
  }
}

/** Signals the process group the driver leads (the driver and the browser it started). */
function killGroup(pid, signal) {
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}

function sleep(ms) {
  return new Promise((done) => setTimeout(done, ms));
}

/** One WebDriver command; returns its `value` or throws the WebDriver error. */
async function wd(driver, method, path, body) {
  const res = await fetch(driver.url + path, {
    method,
    headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(60_000),
  });
  const text = await res.text();
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error(`WebDriver ${method} ${path}: HTTP ${res.status} ${text.slice(0, 500)}`);
  }
  if (!res.ok || (json.value && json.value.error)) {
    throw new Error(`WebDriver ${method} ${path}: ${json.value?.error ?? res.status}: ${json.value?.message ?? text.slice(0, 500)}`);
  }
  return json.value;
}

// ------------------------------------------------------------------------------------ one browser

/** Runs the suite in one browser; returns the number of failures (a run that did not finish counts as one). */
async function runBrowser(browser, web) {
  const started = Date.now();
  let server;
  let driver;
  let session;
  const tracked = [];
  let failures = 0;
  const label = browser.padEnd(7);
  try {
    server = await startServer();
    tracked.push(track(server));
    driver = await startDriver(browser);
    tracked.push(track(driver));
    session = (await wd(driver, 'POST', '/session', { capabilities: { alwaysMatch: BROWSERS[browser].capabilities() } })).sessionId;
    const query = new URLSearchParams({ server: server.addr });
    if (GREP) query.set('grep', GREP);
    await wd(driver, 'POST', `/session/${session}/url`, { url: `${web.origin}/index.html?${query}` });

    let results = null;
    const deadline = Date.now() + OVERALL_TIMEOUT_MS;
    while (Date.now() < deadline) {
      results = await wd(driver, 'POST', `/session/${session}/execute/sync`, {
        script: 'return window.__planwireResults || null;',
        args: [],
      });
      if (results?.done) break;
      await sleep(250);
    }

    for (const name of results?.passed ?? []) console.log(`${label} ok    ${name} (${results.timings[name]} ms)`);
    for (const { name, error } of results?.failed ?? []) console.log(`${label} FAIL  ${name}${results.timings?.[name] === undefined ? '' : ` (${results.timings[name]} ms)`}: ${error}`);
    failures = results?.failed?.length ?? 0;
    if (!results?.done) {
      failures += 1;
      console.log(`${label} FAIL  the suite did not finish within ${OVERALL_TIMEOUT_MS} ms${results ? '' : ' (it never started: see the page errors)'}`);
    } else if (results.passed.length + results.failed.length === 0) {
      failures += 1;
      console.log(`${label} FAIL  no test ran${GREP ? ` (PLANWIRE_BROWSER_GREP=${GREP})` : ''}`);
    }
    for (const e of distinct(results?.pageErrors ?? [])) console.log(`${label} page  ${e}`);
    for (const e of distinct(results?.consoleErrors ?? [])) console.log(`${label} console.error  ${e}`);
    if (failures && browser === 'chrome') await printChromeLog(driver, session, label);
  } catch (e) {
    failures += 1;
    console.log(`${label} FAIL  ${e.message}`);
  } finally {
    if (session) await wd(driver, 'DELETE', `/session/${session}`).catch((e) => console.log(`${label} (deleting the session: ${e.message})`));
    for (const t of tracked.reverse()) await t.finish();
  }
  console.log(`${label} ${failures ? 'FAILED' : 'passed'} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return failures;
}

/** Each distinct line once, with its count when repeated. */
function distinct(lines) {
  const counts = new Map();
  for (const line of lines) counts.set(line, (counts.get(line) ?? 0) + 1);
  return [...counts].map(([line, n]) => (n > 1 ? `${line} (x${n})` : line));
}

/**
 * Chrome's console log, to explain a failure: its last SEVERE entries (failed sockets, uncaught errors),
 * tokens elided. Some failed sockets are expected (the restart test refuses connections for a while).
 */
async function printChromeLog(driver, session, label) {
  try {
    const entries = await wd(driver, 'POST', `/session/${session}/se/log`, { type: 'browser' });
    const severe = entries.filter((e) => e.level === 'SEVERE').map((e) => e.message.replace(/token=[^&'\s]+/g, 'token=…'));
    for (const line of distinct(severe).slice(-15)) console.log(`${label} log   ${line.slice(0, 400)}`);
  } catch (e) {
    console.log(`${label} (browser log unavailable: ${e.message})`);
  }
}

// ------------------------------------------------------------------------------------ main

async function main() {
  const browsers = process.argv.slice(2);
  for (const b of browsers) {
    if (!(b in BROWSERS)) {
      console.error(`unknown browser ${JSON.stringify(b)}: use chrome and/or firefox`);
      return 2;
    }
  }
  if (!existsSync(join(PKG_DIR, 'dist/index.js'))) {
    console.error(`${PKG_DIR}/dist/index.js is missing: build the package (npm run build -w planwire) or set PLANWIRE_PKG_DIR`);
    return 2;
  }
  const web = track(await startStaticServer());
  let failures = 0;
  try {
    for (const browser of browsers.length ? browsers : ['chrome', 'firefox']) failures += await runBrowser(browser, web.thing);
  } finally {
    await web.finish();
  }
  return failures ? 1 : 0;
}

process.exitCode = await main();
