// The dispatch benchmark's page: one planwire client and one plain-JavaScript baseline client, measured
// one after the other in alternating rounds, in this one page. Both hand the same payload shape to the
// same app callback. The page drives itself (no DevTools protocol attached: DevTools instruments every
// WebSocket frame, which would dominate the figures) and POSTs its figures to /result.
//
// Two sections:
//   - client cost alone (always): a stub `WebSocket` class is installed on globalThis before each client
//     is created; the client's own `new WebSocket(url)` (web-sys, through the wasm-bindgen glue) gets a
//     stub, which answers the connection and the join like the server and then has N frames pushed
//     through its `onmessage` as `{data: string}` objects in a tight loop;
//   - the real network path (only with `ws`/`api`): a release mock server floods N frames.
//
// Query parameters: count, rounds; with a server also ws (ws://HOST:PORT/ws), api (http://HOST:PORT),
// token, plan, block.
import { createPlanClient, loadPlanwire } from 'planwire';
// The glue the facade loaded (esbuild resolves both imports to pkg-js/wasm/planwire.js, one module):
// once instantiated, its `init()` returns the wasm exports, whose `memory` is the wasm heap.
import init from '../../pkg-js/wasm/planwire.js';

const params = new URLSearchParams(location.search);
const wsUrl = params.get('ws');
const api = params.get('api');
const token = params.get('token') ?? 'bench-token';
const planId = params.get('plan') ?? 'bench-0';
const count = Number(params.get('count') ?? 100000);
const rounds = Number(params.get('rounds') ?? 2);
const blockMs = Number(params.get('block') ?? 2000);

/** Counts callbacks; resolves `done` once `target` arrived. Timestamps come from performance.now(). */
function makeSink(target) {
  let resolve;
  const sink = {
    count: 0,
    checksum: 0,
    countAtMark: 0,
    markAt: 0,
    lastAt: 0,
    done: new Promise((r) => (resolve = r)),
    /** The app callback: touches the payload the way an app would, nothing more. */
    onTaskUpdated(event) {
      sink.checksum += event.task.id + event.task.title.length;
      sink.count += 1;
      if (sink.count === target) {
        sink.lastAt = performance.now();
        resolve();
      }
    },
  };
  return sink;
}

/** The baseline: WebSocket + JSON.parse + a switch on `type` + the callback, as an app would write it. */
function baselineClient(url, sink, room = planId) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.onerror = () => reject(new Error('baseline socket error'));
    ws.onmessage = (ev) => {
      const msg = JSON.parse(ev.data);
      switch (msg.type) {
        case 'pong':
          if (msg.data?.connected) ws.send(JSON.stringify({ type: 'join-plan', planId: room }));
          break;
        case 'join-plan':
          if (msg.data?.success) resolve(() => ws.close(1000));
          break;
        case 'task-updated':
          sink.onTaskUpdated({ planId: msg.planId, task: msg.data.task, timestamp: msg.timestamp, seq: msg.seq });
          break;
        default:
          break; // other types are not part of this benchmark
      }
    };
  });
}

/** The floor: a WebSocket whose handler only counts frames (what the browser itself costs per message). */
function rawClient(url, sink) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    const joinedFrame = '"success":true';
    let joined = false;
    ws.onerror = () => reject(new Error('raw socket error'));
    ws.onmessage = (ev) => {
      if (joined) {
        sink.onTaskUpdated(RAW_EVENT);
      } else if (ev.data.includes('"connected":true')) {
        ws.send(JSON.stringify({ type: 'join-plan', planId }));
      } else if (ev.data.includes(joinedFrame)) {
        joined = true;
        resolve(() => ws.close(1000));
      }
    };
  });
}
const RAW_EVENT = { task: { id: 0, title: '' } };

/** planwire through its public entry: createPlanClient + on('taskUpdated') + join. */
async function planwireClient(url, sink) {
  const client = await createPlanClient({ url, token });
  client.on('taskUpdated', sink.onTaskUpdated);
  const joined = new Promise((resolve, reject) => {
    client.on('joined', (e) => e.planId === planId && resolve());
    client.on('failed', (e) => reject(new Error(`planwire failed: ${e.reason}`)));
  });
  client.connect();
  client.join(planId);
  await joined;
  return () => client.free();
}

/** JS heap in use after a full GC (needs --js-flags=--expose-gc and --enable-precise-memory-info). */
function heapUsed() {
  globalThis.gc();
  return performance.memory.usedJSHeapSize;
}

async function wasmMemory() {
  await loadPlanwire();
  return (await init()).memory.buffer.byteLength;
}

function withTimeout(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} timed out`)), ms)));
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** One measurement: open and join, flood while the main thread is blocked, time the callbacks after it. */
async function measure(kind) {
  const sink = makeSink(count);
  const url = `${wsUrl}?token=${encodeURIComponent(token)}`;
  const open = { planwire: planwireClient, baseline: baselineClient, raw: rawClient }[kind];
  const close = await open(kind === 'planwire' ? wsUrl : url, sink);
  const heapBefore = heapUsed();
  const wasmBefore = await wasmMemory();
  const flood = fetch(`${api}/api/v1/faults/flood`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ planId, count }),
  });
  // Keep the main thread busy so the flood queues up; the client, not the server, then sets the pace.
  const end = performance.now() + blockMs;
  while (performance.now() < end);
  sink.countAtMark = sink.count;
  sink.markAt = performance.now();
  await withTimeout(sink.done, 120_000, `${kind}: waiting for ${count} updates (got ${sink.count})`);
  const floodMs = (await (await flood).json()).elapsedMs;
  const heapAfter = heapUsed();
  const wasmAfter = await wasmMemory();
  close();
  const measured = sink.count - sink.countAtMark;
  const ms = sink.lastAt - sink.markAt;
  return { kind, perSec: (measured / ms) * 1000, measured, ms, floodMs, serverBound: floodMs >= blockMs, heapBefore, heapAfter, wasmBefore, wasmAfter, checksum: sink.checksum };
}

// ---------------------------------------------------------------------------------------------
// Client cost alone: the same clients on a stub WebSocket, fed frames in a tight loop. No network,
// no browser WebSocket machinery: what each client spends per message, which the real-network figure
// above hides behind the browser's own per-message cost.
// ---------------------------------------------------------------------------------------------

/**
 * The template of the replayed frames when no server is given: a frame exactly as the mock server's
 * flood sends it (captured from `POST /api/v1/faults/flood` on bench-0). With a server, a fresh one is
 * captured instead.
 */
const TEMPLATE_FRAME =
  '{"type":"task-updated","planId":"bench-0","data":{"task":{"id":8,"planId":"bench-0","title":"flood 1 of 1","status":"not_started","position":0,"createdAt":"2026-12-01T03:15:12.674Z","updatedAt":"2026-12-01T03:16:15.718Z"}},"timestamp":"2026-12-01T03:16:15.718Z","seq":1300001}';

/** One real task-updated frame from the server, as the template of the replayed ones. */
async function captureFrame() {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${wsUrl}?token=${encodeURIComponent(token)}`);
    ws.onerror = () => reject(new Error('capture socket error'));
    ws.onmessage = (ev) => {
      const msg = JSON.parse(ev.data);
      if (msg.type === 'pong') ws.send(JSON.stringify({ type: 'join-plan', planId }));
      else if (msg.type === 'join-plan' && msg.data?.success) {
        fetch(`${api}/api/v1/faults/flood`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ planId, count: 1 }) });
      } else if (msg.type === 'task-updated') {
        ws.close(1000);
        resolve(ev.data);
      }
    };
  });
}

/** Frames 1..n from the template: each its own seq and title, built before the clock starts. */
function replayFrames(template, n) {
  const frames = new Array(n);
  for (let i = 0; i < n; i++) {
    frames[i] = template
      .replace(/"planId":"[^"]*"/, `"planId":${JSON.stringify(STUB_PLAN)}`)
      .replace(/"seq":\d+/, `"seq":${i + 1}`)
      .replace(/"title":"[^"]*"/, `"title":"replayed ${i + 1} of ${n}"`);
  }
  return frames;
}

/** The room the stub clients join (the replayed frames are re-addressed to it). */
const STUB_PLAN = 'bench-stub';

/**
 * A WebSocket stand-in, installed as `globalThis.WebSocket` while a replay's client is created. Like the
 * server, it confirms the connection (`pong` with `connected: true`) once open and confirms a
 * `join-plan`; the bench then pushes frames to the `onmessage` the client set, as `{data: string}`.
 */
class StubSocket {
  static current = null;
  static OPEN = 1;
  constructor(url) {
    this.url = url;
    this.readyState = 0;
    this.sent = [];
    StubSocket.current = this;
    setTimeout(() => {
      if (this.readyState !== 0) return;
      this.readyState = 1;
      this.onopen?.({ type: 'open' });
      this.onmessage?.({ data: JSON.stringify({ type: 'pong', data: { userId: 1, connected: true, timestamp: new Date().toISOString() } }) });
    });
  }
  send(text) {
    this.sent.push(text);
    const msg = JSON.parse(text);
    if (msg.type === 'join-plan') {
      setTimeout(() =>
        this.onmessage?.({
          data: JSON.stringify({ type: 'join-plan', planId: msg.planId, data: { success: true, participantCount: 1, participants: [{ userId: 1, userName: 'bench' }], seq: 0 } }),
        }),
      );
    }
  }
  close(code = 1000, reason = '') {
    if (this.readyState === 3) return;
    this.readyState = 3;
    this.onclose?.({ code, reason, wasClean: true });
  }
}

/** planwire on the stub: the same public API as on the network, the socket is whatever WebSocket is. */
async function planwireStubClient(sink) {
  const client = await createPlanClient({ url: 'ws://stub.invalid/ws', token: 'bench-token' });
  client.on('taskUpdated', sink.onTaskUpdated);
  const joined = new Promise((resolve, reject) => {
    client.on('joined', (e) => e.planId === STUB_PLAN && resolve());
    client.on('failed', (e) => reject(new Error(`planwire failed: ${e.reason}`)));
  });
  client.connect();
  client.join(STUB_PLAN);
  await withTimeout(joined, 10_000, 'planwire on the stub: join');
  return () => client.free();
}

/** The baseline on the stub: the same code as on the network. */
function baselineStubClient(sink) {
  return withTimeout(baselineClient('ws://stub.invalid/ws?token=bench-token', sink, STUB_PLAN), 10_000, 'baseline on the stub: join');
}

async function measureReplay(kind, frames) {
  const realWebSocket = globalThis.WebSocket;
  globalThis.WebSocket = StubSocket;
  StubSocket.current = null;
  try {
    const sink = makeSink(frames.length);
    const open = { planwire: planwireStubClient, baseline: baselineStubClient }[kind];
    const close = await open(sink);
    const socket = StubSocket.current;
    if (!socket || typeof socket.onmessage !== 'function') throw new Error(`${kind}: the client did not open a stub socket`);
    const heapBefore = heapUsed();
    const wasmBefore = await wasmMemory();
    const onmessage = socket.onmessage;
    const started = performance.now();
    for (let i = 0; i < frames.length; i++) onmessage({ data: frames[i] });
    const ms = performance.now() - started;
    const heapAfter = heapUsed();
    const wasmAfter = await wasmMemory();
    close();
    if (sink.count !== frames.length) throw new Error(`${kind} replay: ${sink.count} of ${frames.length} delivered`);
    return { kind, usPerMsg: (ms * 1000) / frames.length, perSec: (frames.length / ms) * 1000, ms, messages: frames.length, heapBefore, heapAfter, wasmBefore, wasmAfter, checksum: sink.checksum };
  } finally {
    globalThis.WebSocket = realWebSocket;
  }
}

async function run() {
  await wasmMemory(); // load the wasm before any heap reading
  const runs = [];
  let template = TEMPLATE_FRAME;
  if (wsUrl) {
    for (let r = 0; r < rounds; r++) {
      for (const kind of ['baseline', 'planwire', 'raw']) runs.push(await measure(kind));
    }
    template = await captureFrame();
  }
  const frames = replayFrames(template, count);
  const replays = [];
  for (let r = 0; r < rounds; r++) {
    for (const kind of ['baseline', 'planwire']) replays.push(await measureReplay(kind, frames));
  }
  return { userAgent: navigator.userAgent, template, runs, replays };
}

run().then(
  (result) => fetch('/result', { method: 'POST', body: JSON.stringify(result) }),
  (e) => fetch('/result', { method: 'POST', body: JSON.stringify({ error: String(e?.stack ?? e) }) }),
);
