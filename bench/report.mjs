// Prints the one table of `npm run bench` from the JSON results in a directory (bench/.out/results).
//
//   node bench/report.mjs DIR [--markdown]
//
// A section whose result file is missing is shown as "not run". Exits 0: targets that are missed are
// marked MISSED in the table. Size has no budget: it is reported beside the alternatives.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { cpus, loadavg, totalmem, release } from 'node:os';
import { join } from 'node:path';

const dir = process.argv[2];
const markdown = process.argv.includes('--markdown');
if (!dir) throw new Error('usage: node bench/report.mjs RESULTS_DIR [--markdown]');

function load(name) {
  const file = join(dir, name);
  return existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : undefined;
}

const kb = (bytes) => `${(bytes / 1000).toFixed(1)} KB`;
const kib = (bytes) => `${Math.round(bytes / 1024).toLocaleString('en-US')} KiB`;
const int = (n) => Math.round(n).toLocaleString('en-US');
const x = (r) => `${r.toFixed(2)}x`;
const ms = (v) => (v === null || v === undefined ? 'never' : `${(v / 1000).toFixed(1)} s`);
const verdict = (ok) => (ok ? 'met' : 'MISSED');

/** Rows: [section, measure, planwire, compared with, ratio / target]. */
const rows = [];

/** A section that ran and failed: one row with the error. */
function failed(section, result) {
  if (!result?.error) return false;
  rows.push([section, 'FAILED', result.error.slice(0, 160), '', '']);
  return true;
}

const size = load('size.json');
if (failed('size', size)) {
  // reported
} else if (size) {
  const pw = size.rows.find((r) => r.name === 'planwire');
  if (pw.error) {
    rows.push(['size', 'planwire JS + wasm, gzip -9', `not measured: ${pw.error}`, '', '']);
  } else {
    rows.push(['size', 'planwire, both entries: JS + wasm, gzip -9', `${kb(pw.gzip)} (${kb(pw.raw)} raw)`, `JS ${kb(pw.jsGzip)} + wasm ${kb(pw.wasmGzip)}`, '']);
    rows.push(['size', '  JS before the first render, gzip', kb(pw.firstJsGzip), 'the glue and the REST routes load later, with the module', '']);
    for (const e of size.planwire?.entries ?? []) {
      rows.push(['size', `  entry ${e.entry}: JS + wasm, gzip`, kb(e.gzip), `JS ${kb(e.jsGzip)} + wasm ${kb(e.wasmGzip)}`, '']);
    }
    for (const p of size.planwire?.pieces ?? []) {
      rows.push(['size', `  JS piece: ${p.piece}`, `+${kb(p.gzipAdded)} gzip`, `${kb(p.minRaw)} minified`, '']);
    }
    for (const r of size.rows.filter((r) => r.name !== 'planwire')) {
      rows.push(['size', `  vs ${r.name}, gzip`, kb(pw.gzip), `${kb(r.gzip)} (${kb(r.raw)} raw)`, x(r.ratio)]);
    }
  }
} else rows.push(['size', 'bundle size', 'not run', '', '']);

const dispatch = load('dispatch.json');
const ceiling = load('dispatch-ceiling.json');
const us = (v) => `${v.toFixed(2)} µs/msg`;
if (failed('dispatch', dispatch)) {
  // reported
} else if (dispatch) {
  const r = dispatch.replay;
  rows.push([
    'dispatch',
    `${int(dispatch.count)} task-updated, stub socket → app callback`,
    us(r.planwire.usPerMsg),
    `plain JS ${us(r.baseline.usPerMsg)}`,
    `${x(r.ratio)} the baseline's cost`,
  ]);
  rows.push(['dispatch', '  median of the rounds', us(r.medianUsPerMsg.planwire), `plain JS ${us(r.medianUsPerMsg.baseline)}`, '']);
  rows.push(['dispatch', '  wasm memory, before → after the frames', `${kib(r.planwire.wasmBefore)} → ${kib(r.planwire.wasmAfter)}`, '', '']);
  const n = dispatch.network;
  if (n) {
    const { planwire: p, baseline: b, raw } = n;
    rows.push([
      'dispatch',
      '  real network (mock server flood): msg/s',
      int(p.perSec),
      `plain JS ${int(b.perSec)}`,
      `${x(n.ratio)} (target ≥ 0.90x: ${verdict(n.ratio >= 0.9)})`,
    ]);
    rows.push(['dispatch', '  floor: handler that only counts frames', int(raw.perSec), 'browser cost alone', '']);
    if (ceiling && !ceiling.error) rows.push(['dispatch', '  server ceiling: native client, msg/s', int(ceiling.perSec), 'browser rates below it are client-bound', '']);
    rows.push(['dispatch', '  JS heap after GC, before → after flood', `${kib(p.heapBefore)} → ${kib(p.heapAfter)}`, `${kib(b.heapBefore)} → ${kib(b.heapAfter)}`, '']);
    if (p.serverBound || b.serverBound) rows.push(['dispatch', '  WARNING', 'the server was slower than the block: rates are server-bound', '', '']);
  }
} else rows.push(['dispatch', 'dispatch throughput', 'not run', '', '']);

const fanouts = existsSync(dir)
  ? readdirSync(dir)
      .filter((f) => /^fanout-\d+\.json$/.test(f))
      .map((f) => load(f))
      .sort((a, b) => (a.connections ?? 0) - (b.connections ?? 0))
  : [];
for (const f of fanouts) {
  if (failed('fan-out', f)) continue;
  const tag = `fan-out ${int(f.connections)}`;
  const l = f.latencyMs;
  rows.push([
    tag,
    `${f.rooms} rooms, ${f.rate} REST changes/s: latency p50 / p99 / max`,
    l ? `${l.p50.toFixed(1)} / ${l.p99.toFixed(1)} / ${l.max.toFixed(1)} ms` : 'no change reached every member',
    `${int(f.completeChanges)} of ${int(f.changes)} changes reached every member`,
    f.completeChanges === f.changes && f.restErrors === 0 ? 'all delivered' : `INCOMPLETE (${f.restErrors} REST errors)`,
  ]);
  rows.push([tag, '  frames delivered per second', int(f.messagesPerSec), `${int(f.framesDelivered)} frames`, '']);
  rows.push([
    tag,
    '  server memory per connection (VmRSS)',
    f.serverBytesPerConnection === null ? 'n/a' : kib(f.serverBytesPerConnection),
    f.serverRssBeforeKib === null ? '' : `${int(f.serverRssBeforeKib / 1024)} → ${int(f.serverRssConnectedKib / 1024)} MiB`,
    '',
  ]);
}
if (fanouts.length === 0) rows.push(['fan-out', 'fan-out latency', 'not run', '', '']);

const storm = load('storm.json');
if (failed('storm', storm)) {
  // reported
} else if (storm) {
  const tag = 'storm';
  rows.push([
    tag,
    `${int(storm.clients)} clients, ${ms(storm.outageMs)} outage: peak attempts / ${storm.windowMs} ms, 99 % back`,
    '',
    `target: peak cut ≥ 10x, 99 % back ≤ ${ms(storm.back99LimitMs)}`,
    '',
  ]);
  for (const r of storm.results) {
    const model = r.source === 'model' ? ' (simulated, not in client)' : '';
    rows.push([
      tag,
      `  ${r.policy}${model}`,
      `${int(r.peakAttempts)} / ${ms(r.back99Ms)}`,
      r.failed ? `${int(r.failed)} clients gave up` : `${int(r.attempts)} attempts`,
      r === storm.results[0] ? 'reference' : `cut ${r.peakCut.toFixed(1)}x: ${verdict(r.meetsTarget)}`,
    ]);
  }
} else rows.push(['storm', 'reconnect storm', 'not run', '', '']);

const cpuModel = cpus()[0]?.model?.trim() ?? 'unknown CPU';
const machine = load('machine.json');
const load1 = (machine?.loadavg ?? loadavg()).map((l) => l.toFixed(1)).join(' ');
const header = `planwire benchmarks — ${cpus().length} cores (${cpuModel}), ${(totalmem() / 2 ** 30).toFixed(0)} GiB RAM, Linux ${release()}, Node ${process.version}${dispatch?.browser ? `, ${dispatch.browser}` : ''}; load average ${load1}${machine ? ` at the start (${machine.startedAt.slice(0, 16).replace('T', ' ')} UTC)` : ''}`;
const cols = ['section', 'measure', 'planwire', 'compared with', 'ratio / target'];

if (markdown) {
  console.log(header + '\n');
  console.log(`| ${cols.join(' | ')} |`);
  console.log(`|${cols.map(() => '---').join('|')}|`);
  for (const r of rows) console.log(`| ${r.map((c) => c.replace(/\|/g, '\\|')).join(' | ')} |`);
} else {
  const widths = cols.map((c, i) => Math.max(c.length, ...rows.map((r) => r[i].length)));
  const line = (cells) => cells.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd();
  console.log(`\n${header}\n`);
  console.log(line(cols));
  console.log(line(widths.map((w) => '-'.repeat(w))));
  for (const r of rows) console.log(line(r));
}
