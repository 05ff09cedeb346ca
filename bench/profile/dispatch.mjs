// Where the dispatch microseconds go: the stub-socket replay of bench/dispatch (the same page, built
// unminified) in headless Chromium under a V8 CPU profile (DevTools protocol, through playwright-core;
// the stub path has no real WebSocket, so DevTools' network instrumentation does not touch it). Samples
// are kept only inside the replay loop (`measureReplay`) and only on planwire's path; each is put in
// two buckets: by the function it was in (self time) and by the phase of the client it belongs to (the
// nearest caller that names one). Use a build whose wasm keeps its names (bench/profile/build-named.sh);
// with the shipped, stripped module the wasm time shows as one `wasm` bucket.
//
//   flock /tmp/cargo.lock bash bench/profile/build-named.sh
//   node bench/profile/dispatch.mjs [--pkg bench/.out/pkg-named] [--count 50000] [--rounds 3]
//        [--interval-us 50] [--top 40] [--json] [--save FILE] [--load FILE]
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../../tests/lib/chromium.mjs';
import { receiveJson, serveFiles } from '../../tests/lib/static.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const bench = resolve(here, '..');
const root = resolve(bench, '..');
const out = join(bench, '.out', 'profile-dispatch');
const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const pkgDir = resolve(arg('pkg', join(bench, '.out', 'pkg-named')));
const count = Number(arg('count', 50_000));
const rounds = Number(arg('rounds', 3));
const intervalUs = Number(arg('interval-us', 50));
const top = Number(arg('top', 40));

async function buildPage() {
  mkdirSync(join(out, 'wasm'), { recursive: true });
  await build({
    entryPoints: [join(bench, 'dispatch', 'page.js')],
    bundle: true,
    minify: false,
    keepNames: true,
    format: 'esm',
    target: 'es2020',
    outfile: join(out, 'page.js'),
    logLevel: 'error',
    plugins: [
      {
        name: 'planwire-package',
        setup(b) {
          b.onResolve({ filter: /^planwire$/ }, () => ({ path: join(pkgDir, 'dist', 'index.js') }));
          b.onResolve({ filter: /pkg-js\/wasm\/planwire\.js$/ }, () => ({ path: join(pkgDir, 'wasm', 'planwire.js') }));
        },
      },
    ],
  });
  copyFileSync(join(bench, 'dispatch', 'index.html'), join(out, 'index.html'));
  copyFileSync(join(pkgDir, 'wasm', 'planwire_bg.wasm'), join(out, 'wasm', 'planwire_bg.wasm'));
}

/**
 * The phase a frame names (checked from the leaf up; the nearest wins), or undefined. Names are the
 * wasm's own (Rust paths, as wasm-opt left them after inlining) and the glue's and page's JS functions.
 */
const PHASES = [
  ['app callback', (n) => n === 'onTaskUpdated'],
  ['listener call (glue + Function.call)', (n) => /^__wbg_call/.test(n)],
  ['Date.now (the machine\'s clock)', (n) => /^__wbg_now/.test(n)],
  ['payload build (serde-wasm-bindgen ser, events::to_js)', (n) => /serde_wasm_bindgen::ser|events::to_js|frames::to_js|ser::Serialize|SerializeStruct|SerializeMap/.test(n)],
  ['payload check (task shape)', (n) => /check_task|member_kind|decode::task\b|decode::task</.test(n)],
  ['JSON.parse', (n) => /^__wbg_parse/.test(n)],
  ['header read (serde-wasm-bindgen de)', (n) => /serde_wasm_bindgen::de|frames::header|de::Deserialize|Header.*Visitor|preserve::deserialize/.test(n)],
  ['client core (Machine)', (n) => /planwire_client::core::/.test(n)],
  ['driver (drive, dispatch)', (n) => /web::driver/.test(n)],
  ['onmessage closure (socket.rs, MessageEvent.data)', (n) => /web::socket|^__wbg_data/.test(n)],
];

/**
 * The glue's imports are `name: __name(function (…) {…}, "name")` in the unminified bundle, which V8
 * profiles as anonymous functions: name them by the import they sit in (the nearest such line above).
 */
let glueNames;
function nameOf(frame) {
  if (frame.functionName) return frame.functionName;
  if (!frame.url.endsWith('/page.js')) return '(anonymous)';
  if (!glueNames) {
    glueNames = [];
    let current;
    for (const line of readFileSync(join(out, 'page.js'), 'utf8').split('\n')) {
      const m = /^\s{2,6}(__wbg\w*|__wbindgen\w*): (?:\/\* @__PURE__ \*\/ )?__name\(function/.exec(line);
      if (m) current = m[1];
      else if (/^\s{0,4}\}, "(__wbg|__wbindgen)\w*"\)/.test(line)) {
        glueNames.push(current);
        current = undefined;
        continue;
      }
      glueNames.push(current);
    }
  }
  const g = glueNames[frame.lineNumber];
  return g ? `${g} (inner)` : `(anonymous page.js:${frame.lineNumber + 1})`;
}

/** What kind of work a sample's own function does (self time, grouped). */
const KINDS = [
  ['JSON.parse (the browser parser)', (n) => /^__wbg_parse/.test(n)],
  ['wasm→JS call trampolines (V8 wasm-to-js)', (n) => n === 'wasm-to-js' || n === 'js-to-wasm'],
  ['glue heap of JS values (addHeapObject, getObject, dropObject, handleError)', (n) => /^(addHeapObject|getObject|dropObject|takeObject|handleError)$|__wbindgen_object_(drop|clone)_ref/.test(n)],
  ['strings across the boundary (decode/encode, string_get)', (n) => /decodeText|getStringFromWasm|passStringToWasm|encodeString|TextDecoder|TextEncoder|string_get|getDataViewMemory|getUint8ArrayMemory|__wbindgen_string_get|__wbindgen_string_new/.test(n)],
  ['JS property reads and type checks (Reflect.get, get_with_ref_key, is_*, number_get)', (n) => /^__wbg_(get|__wbindgen_is|__wbindgen_number_get|__wbindgen_boolean_get|instanceof|isArray|isSafeInteger|__wbindgen_in|__wbindgen_jsval)/.test(n)],
  ['JS object building (Object.new, Reflect.set, set)', (n) => /^__wbg_(set|new|of)\b|^__wbg_(set|new|of)_/.test(n)],
  ['listener call (Function.call1) and the app callback', (n) => /^__wbg_call|^onTaskUpdated$/.test(n)],
  ['MessageEvent.data', (n) => /^__wbg_data/.test(n)],
  ['Date.now', (n) => /^__wbg_now/.test(n)],
  ['allocator (rlsf), memcpy/memcmp', (n) => /rlsf::|^memcpy$|^memcmp$|^memset$|^memmove$|__rust_alloc|__rust_dealloc|raw_vec|RawVec|into_boxed_slice/.test(n)],
  ['GC', (n) => /garbage collector/.test(n)],
  ['wasm code (serde, core, driver, …)', (n) => /::|^<|wasm-function/.test(n)],
];

/** The JS or wasm primitive a sample's own function is (self time). */
function primitive(frame) {
  const n = nameOf(frame);
  if (frame.url === '' && /^\(/.test(n)) return n; // (garbage collector), (program), (idle)
  if (n === 'parse') return 'JSON.parse (builtin)';
  if (/^wasm-function|^\$?func\d+/.test(n)) return 'wasm (unnamed)';
  if (/::|^<|^_ZN|\$/.test(n) || frame.url.endsWith('.wasm') || /wasm:\/\//.test(frame.url)) return `wasm ${n}`;
  return `js ${n}${frame.url.endsWith('page.js') ? '' : ''}`;
}

async function main() {
  await buildPage();
  let deliver;
  const result = new Promise((ok) => (deliver = ok));
  const http = await serveFiles({ '/': out }, (req, res) => {
    if (req.method !== 'POST' || req.url !== '/result') return false;
    receiveJson(req, res, deliver);
    return true;
  });
  // The page reads the heap after gc() (as bench/dispatch.mjs starts it).
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: [...CHROMIUM_ARGS, '--enable-precise-memory-info', '--js-flags=--expose-gc'], headless: true });
  try {
    const page = await browser.newPage();
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Profiler.enable');
    await cdp.send('Profiler.setSamplingInterval', { interval: intervalUs });
    await cdp.send('Profiler.start');
    await page.goto(`${http.origin}/index.html?count=${count}&rounds=${rounds}`);
    const figures = await Promise.race([result, new Promise((_, no) => setTimeout(() => no(new Error('timed out')), 300_000))]);
    const { profile } = await cdp.send('Profiler.stop');
    if (figures.error) throw new Error(figures.error);
    return { figures, profile };
  } finally {
    await browser.close();
    await http.stop();
  }
}

function analyse(profile) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const stackOf = (id) => {
    const s = [];
    for (let at = id; at !== undefined; at = parent.get(at)) s.push(byId.get(at).callFrame);
    return s; // leaf first
  };
  const cache = new Map();
  const self = new Map();
  const phase = new Map();
  const work = new Map();
  const time = { planwire: 0, baseline: 0 };
  const deltas = profile.timeDeltas;
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i];
    // The time of a sample is the gap to the next one.
    const dt = (deltas[i + 1] ?? 0) / 1000;
    let c = cache.get(id);
    if (!c) {
      const stack = stackOf(id);
      const inReplay = stack.some((f) => f.functionName === 'measureReplay');
      // Samples outside the loop (GC included) have no page frames: GC during the loop is counted only
      // when its parent chain is inside it, which V8 does not give; it is reported apart below.
      const names = stack.map(nameOf);
      const planwire = inReplay && names.some((n) => /__wbg|__wbindgen|::/.test(n));
      const kind = !inReplay ? undefined : planwire ? 'planwire' : 'baseline';
      let ph = 'other (glue, JS around the wasm)';
      for (const n of names) {
        const hit = PHASES.find(([, test]) => test(n));
        if (hit) {
          ph = hit[0];
          break;
        }
      }
      const kindOfWork = KINDS.find(([, test]) => test(names[0]))?.[0] ?? 'other JS';
      c = { kind, self: primitive(stack[0]), phase: ph, work: kindOfWork, names };
      cache.set(id, c);
    }
    if (!c.kind) continue;
    time[c.kind] += dt;
    if (c.kind !== 'planwire') continue;
    self.set(c.self, (self.get(c.self) ?? 0) + dt);
    phase.set(c.phase, (phase.get(c.phase) ?? 0) + dt);
    work.set(c.work, (work.get(c.work) ?? 0) + dt);
  }
  const sorted = (m) => [...m.entries()].sort((a, b) => b[1] - a[1]);
  return { time, self: sorted(self), phase: sorted(phase), work: sorted(work) };
}

// --load FILE: analyse a profile saved with --save (the page built then must still be in .out).
const loaded = arg('load');
const { figures, profile } = loaded ? JSON.parse(readFileSync(loaded, 'utf8')) : await main();
const save = arg('save');
if (save) writeFileSync(save, JSON.stringify({ figures, profile }));
const a = analyse(profile);
const pw = figures.replays.filter((r) => r.kind === 'planwire');
const base = figures.replays.filter((r) => r.kind === 'baseline');
const messages = pw.reduce((n, r) => n + r.messages, 0);
if (process.argv.includes('--json')) {
  console.log(JSON.stringify({ messages, ...a, replays: figures.replays }));
} else {
  const us = (ms) => ((ms * 1000) / messages).toFixed(2);
  const pct = (ms) => `${((100 * ms) / a.time.planwire).toFixed(1)} %`;
  console.log(`profiled: ${rounds} rounds × ${count} frames each way, sampling every ${intervalUs} µs (the profiler slows both paths)`);
  console.log(`  under the profiler: planwire ${pw.map((r) => r.usPerMsg.toFixed(2)).join(' / ')} µs/msg, plain JS ${base.map((r) => r.usPerMsg.toFixed(2)).join(' / ')}`);
  console.log(`  samples in the replay loop: planwire ${a.time.planwire.toFixed(0)} ms (${us(a.time.planwire)} µs/msg), plain JS ${a.time.baseline.toFixed(0)} ms`);
  console.log('\nplanwire by phase (nearest caller that names one), µs per message:');
  for (const [k, v] of a.phase) console.log(`  ${us(v).padStart(6)}  ${pct(v).padStart(7)}  ${k}`);
  console.log('\nplanwire by kind of work (self time, grouped), µs per message:');
  for (const [k, v] of a.work) console.log(`  ${us(v).padStart(6)}  ${pct(v).padStart(7)}  ${k}`);
  console.log(`\nplanwire by function (self time), top ${top}:`);
  for (const [k, v] of a.self.slice(0, top)) console.log(`  ${us(v).padStart(6)}  ${pct(v).padStart(7)}  ${k.length > 140 ? `${k.slice(0, 137)}…` : k}`);
}
