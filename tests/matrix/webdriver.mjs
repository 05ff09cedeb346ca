// WebKit (Safari's engine, as WebKitGTK's MiniBrowser) and Firefox for the matrix, through plain W3C
// WebDriver HTTP calls: no client library, no downloaded browser.
//
// WebKit: Debian's `webkit2gtk-driver` gives WebKitWebDriver, which starts MiniBrowser with
// `--automation`; MiniBrowser has no headless mode, so an Xvfb of our own (from `xvfb`, on a display it
// picks itself with -displayfd) is its screen. Firefox: geckodriver (PATH or ~/.cargo/bin) with Debian's
// firefox-esr, headless.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer as createNetServer } from 'node:net';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';

export const MINIBROWSER = process.env.PLANWIRE_MINIBROWSER || '/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser';
const FIREFOX = process.env.PLANWIRE_FIREFOX || ['/usr/bin/firefox-esr', '/usr/bin/firefox'].find((p) => existsSync(p)) || '/usr/bin/firefox';

/** The first executable named `name` on PATH, else `fallback`. */
function which(name, fallback) {
  for (const dir of (process.env.PATH || '').split(delimiter)) {
    if (dir && existsSync(join(dir, name))) return join(dir, name);
  }
  return fallback;
}

/** What each browser needs, and why it cannot run when something is missing. */
export const WEBDRIVER_BROWSERS = {
  webkit: {
    missing() {
      const driver = which('WebKitWebDriver', '/usr/bin/WebKitWebDriver');
      const xvfb = which('Xvfb', '/usr/bin/Xvfb');
      const gone = [[driver, 'webkit2gtk-driver'], [MINIBROWSER, 'webkit2gtk-driver'], [xvfb, 'xvfb']].filter(([p]) => !existsSync(p));
      return gone.length ? `${gone.map(([p]) => p).join(', ')} missing: apt-get install -y webkit2gtk-driver xvfb` : '';
    },
    display: true,
    driver: (port) => [which('WebKitWebDriver', '/usr/bin/WebKitWebDriver'), [`--port=${port}`]],
    capabilities: {
      browserName: 'MiniBrowser',
      'webkitgtk:browserOptions': { binary: MINIBROWSER, args: ['--automation'] },
    },
  },
  firefox: {
    missing() {
      const driver = which('geckodriver', join(homedir(), '.cargo/bin/geckodriver'));
      const gone = [driver, FIREFOX].filter((p) => !existsSync(p));
      return gone.length ? `${gone.join(', ')} missing (scripts/ensure-tools.sh installs them)` : '';
    },
    display: false,
    // Its own BiDi port: the default (9222) may be taken by another geckodriver.
    driver: (port, bidiPort) => [which('geckodriver', join(homedir(), '.cargo/bin/geckodriver')), ['--port', String(port), '--websocket-port', String(bidiPort)]],
    capabilities: { browserName: 'firefox', 'moz:firefoxOptions': { binary: FIREFOX, args: ['-headless'] } },
  },
};

/** A port nobody listens on right now. */
export function freePort() {
  return new Promise((resolvePort, reject) => {
    const probe = createNetServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolvePort(port));
    });
  });
}

const sleep = (ms) => new Promise((done) => setTimeout(done, ms));

/**
 * Spawns `command` in a process group of its own, keeping the tail of its output. `stop()` signals the
 * group (the process and what it started: a driver's browser) with SIGTERM, then SIGKILL after 3 s.
 */
function spawnGroup(command, args, options = {}) {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe', ...(options.extraStdio ?? [])], detached: true, env: options.env ?? process.env });
  let output = '';
  const keep = (d) => (output = (output + d).slice(-4000));
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  child.once('error', (e) => keep(`\nspawn ${command}: ${e.message}`));
  const exited = new Promise((done) => child.once('close', done));
  const signal = (s) => {
    try {
      process.kill(-child.pid, s);
    } catch {
      // Already gone.
    }
  };
  return {
    child,
    output: () => output,
    alive: () => child.exitCode === null && child.signalCode === null,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      signal('SIGTERM');
      let timer;
      const done = await Promise.race([exited.then(() => true), new Promise((r) => (timer = setTimeout(r, 3000, false)))]);
      clearTimeout(timer);
      if (!done) {
        signal('SIGKILL');
        await exited;
      }
    },
  };
}

/** Starts Xvfb on a free display (it writes the number it took to fd 3 once ready). */
async function startXvfb() {
  const xvfb = spawnGroup(which('Xvfb', '/usr/bin/Xvfb'), ['-displayfd', '3', '-screen', '0', '1280x1024x24', '-nolisten', 'tcp'], { extraStdio: ['pipe'] });
  const display = await new Promise((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => reject(new Error(`Xvfb gave no display within 10 s\n${xvfb.output()}`)), 10_000);
    xvfb.child.stdio[3].on('data', (d) => {
      text += d;
      if (text.includes('\n')) {
        clearTimeout(timer);
        resolve(`:${text.trim()}`);
      }
    });
    xvfb.child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`Xvfb exited (code ${code})\n${xvfb.output()}`));
    });
  });
  return { display, stop: () => xvfb.stop() };
}

/** One WebDriver command; returns its `value` or throws the WebDriver error. */
async function command(base, method, path, body, timeoutMs = 60_000) {
  const res = await fetch(base + path, {
    method,
    headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await res.text();
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error(`WebDriver ${method} ${path}: HTTP ${res.status} ${text.slice(0, 500)}`);
  }
  if (!res.ok || json.value?.error) {
    throw new Error(`WebDriver ${method} ${path}: ${json.value?.error ?? res.status}: ${json.value?.message ?? text.slice(0, 500)}`);
  }
  return json.value;
}

/**
 * Starts `name`'s driver (and Xvfb for WebKit) and one session. Resolves to
 * `{ name, version, goto(url), evaluate(fnSource), stop() }`; `stop()` ends the session, the driver
 * (and the browser it started) and Xvfb, whatever state they are in.
 */
export async function startWebDriverBrowser(name) {
  const spec = WEBDRIVER_BROWSERS[name];
  const missing = spec.missing();
  if (missing) throw new Error(`${name} cannot run: ${missing}`);
  const stops = [];
  let sessionUrl;
  const stop = async () => {
    if (sessionUrl) await command(sessionUrl, 'DELETE', '', undefined, 10_000).catch(() => {});
    sessionUrl = undefined;
    for (const s of stops.reverse()) await s();
    stops.length = 0;
  };
  try {
    const env = { ...process.env };
    if (spec.display) {
      const xvfb = await startXvfb();
      stops.push(xvfb.stop);
      env.DISPLAY = xvfb.display;
    }
    const port = await freePort();
    const [binary, args] = spec.driver(port, await freePort());
    const driver = spawnGroup(binary, args, { env });
    stops.push(driver.stop);
    const base = `http://127.0.0.1:${port}`;
    for (const deadline = Date.now() + 20_000; ; ) {
      if (!driver.alive()) throw new Error(`${name}: ${binary} exited\n${driver.output()}`);
      const ready = await command(base, 'GET', '/status', undefined, 2000).then((s) => s.ready, () => false);
      if (ready) break;
      if (Date.now() > deadline) throw new Error(`${name}: ${binary} not ready within 20 s\n${driver.output()}`);
      await sleep(100);
    }
    let session;
    try {
      session = await command(base, 'POST', '/session', { capabilities: { alwaysMatch: spec.capabilities } });
    } catch (e) {
      throw new Error(`${e.message}\n${driver.output()}`);
    }
    sessionUrl = `${base}/session/${session.sessionId}`;
    return {
      name,
      version: `${session.capabilities.browserName} ${session.capabilities.browserVersion}`,
      goto: (url) => command(sessionUrl, 'POST', '/url', { url }),
      /** Runs `(fnSource)()` in the page and returns its (JSON) result. */
      evaluate: (fnSource) => command(sessionUrl, 'POST', '/execute/sync', { script: `return (${fnSource})();`, args: [] }, 20_000),
      driverOutput: () => driver.output(),
      stop,
    };
  } catch (e) {
    await stop();
    throw e;
  }
}
