// The dispatch benchmark's page: one planwire client and one plain-JavaScript baseline client, run one
// after the other by bench/dispatch.mjs. Both hand the same payload shape to the same app callback.
import { createPlanClient } from 'planwire';
// The same module instance the facade loaded (esbuild resolves both to pkg-js/wasm): calling its
// init again returns the instantiated exports, whose `memory` is the wasm heap.
import initWasm from '../../pkg-js/wasm/planwire_client.js';

/** Counts callbacks; `settle(n)` resolves once `n` arrived. Timestamps come from performance.now(). */
function makeSink() {
  const sink = {
    count: 0,
    checksum: 0,
    countAtMark: 0,
    markAt: 0,
    lastAt: 0,
    target: Infinity,
    resolve: null,
    /** The app callback: touches the payload the way an app would, nothing more. */
    onTaskUpdated(event) {
      sink.checksum += event.task.id + event.task.title.length;
      sink.count += 1;
      if (sink.count === sink.target) {
        sink.lastAt = performance.now();
        sink.resolve?.();
      }
    },
  };
  return sink;
}

/** The baseline: WebSocket + JSON.parse + a switch on `type` + the callback, as an app would write it. */
function baselineClient(url, planId, sink) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    const handlers = { onTaskUpdated: sink.onTaskUpdated };
    ws.onerror = () => reject(new Error('baseline socket error'));
    ws.onmessage = (ev) => {
      const msg = JSON.parse(ev.data);
      switch (msg.type) {
        case 'pong':
          if (msg.data?.connected) ws.send(JSON.stringify({ type: 'join-plan', planId }));
          break;
        case 'join-plan':
          if (msg.data?.success) resolve({ close: () => ws.close(1000) });
          break;
        case 'task-updated':
          handlers.onTaskUpdated({ planId: msg.planId, task: msg.data.task, timestamp: msg.timestamp, seq: msg.seq });
          break;
        default:
          break; // other types are not part of this benchmark
      }
    };
  });
}

/** planwire through its public entry: createPlanClient + on('taskUpdated') + join. */
async function planwireClient(url, token, planId, sink) {
  const client = await createPlanClient({ url, token });
  client.on('taskUpdated', sink.onTaskUpdated);
  const joined = new Promise((resolve, reject) => {
    client.on('joined', (e) => e.planId === planId && resolve());
    client.on('failed', (e) => reject(new Error(`planwire failed: ${e.reason}`)));
  });
  client.connect();
  client.join(planId);
  await joined;
  return { close: () => client.free() };
}

let current = null;

window.bench = {
  /** Opens one client of `kind` ('planwire' | 'baseline'), joined to `planId`, expecting `n` updates. */
  async open(kind, wsUrl, token, planId, n) {
    const sink = makeSink();
    sink.target = n;
    const done = new Promise((resolve) => (sink.resolve = resolve));
    const url = `${wsUrl}?token=${encodeURIComponent(token)}`;
    const client = kind === 'planwire' ? await planwireClient(url, token, planId, sink) : await baselineClient(url, planId, sink);
    current = { sink, client, done };
  },
  /** Keeps the main thread busy for `ms` so the flood queues up, then marks the start of the measurement. */
  block(ms) {
    const end = performance.now() + ms;
    while (performance.now() < end);
    current.sink.countAtMark = current.sink.count;
    current.sink.markAt = performance.now();
  },
  /** Waits for every update and returns the figures of the measured stretch. */
  async finish(timeoutMs) {
    const timeout = new Promise((_, reject) => setTimeout(() => reject(new Error(`timed out with ${current.sink.count} updates`)), timeoutMs));
    await Promise.race([current.done, timeout]);
    const { sink } = current;
    const measured = sink.count - sink.countAtMark;
    return { received: sink.count, measured, ms: sink.lastAt - sink.markAt, checksum: sink.checksum };
  },
  close() {
    current?.client.close();
    current = null;
  },
  /** Bytes of wasm linear memory (it only ever grows). */
  async wasmMemory() {
    const exports = await initWasm();
    return exports.memory.buffer.byteLength;
  },
};
