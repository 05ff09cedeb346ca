// The A/B page of bench/profile/ab.mjs: two builds of planwire (`planwire-a`, `planwire-b`, each its own
// facade, glue and wasm instance) and the plain-JS baseline on one page, fed the same replayed frames
// through a stub WebSocket (as bench/dispatch/page.js does), in rotating order, round after round.
// POSTs every round's µs per message to /result.
import * as A from 'planwire-a';
import * as B from 'planwire-b';

const params = new URLSearchParams(location.search);
const count = Number(params.get('count') ?? 50000);
const rounds = Number(params.get('rounds') ?? 10);
const PLAN = 'bench-stub';
const TEMPLATE =
  '{"type":"task-updated","planId":"bench-0","data":{"task":{"id":8,"planId":"bench-0","title":"flood 1 of 1","status":"not_started","position":0,"createdAt":"2026-12-01T03:15:12.674Z","updatedAt":"2026-12-01T03:16:15.718Z"}},"timestamp":"2026-12-01T03:16:15.718Z","seq":1300001}';

const frames = Array.from({ length: count }, (_, i) =>
  TEMPLATE.replace(/"planId":"[^"]*"/, `"planId":"${PLAN}"`).replace(/"seq":\d+/, `"seq":${i + 1}`).replace(/"title":"[^"]*"/, `"title":"replayed ${i + 1} of ${count}"`),
);

class StubSocket {
  static current = null;
  constructor(url) {
    this.url = url;
    this.readyState = 0;
    StubSocket.current = this;
    setTimeout(() => {
      this.readyState = 1;
      this.onopen?.({ type: 'open' });
      this.onmessage?.({ data: JSON.stringify({ type: 'pong', data: { userId: 1, connected: true, timestamp: new Date().toISOString() } }) });
    });
  }
  send(text) {
    const msg = JSON.parse(text);
    if (msg.type === 'join-plan') {
      setTimeout(() => this.onmessage?.({ data: JSON.stringify({ type: 'join-plan', planId: msg.planId, data: { success: true, participantCount: 1, participants: [{ userId: 1, userName: 'bench' }], seq: 0 } }) }));
    }
  }
  close(code = 1000, reason = '') {
    this.readyState = 3;
    this.onclose?.({ code, reason, wasClean: true });
  }
}

function sink() {
  const s = { count: 0, checksum: 0, on(e) { s.checksum += e.task.id + e.task.title.length; s.count += 1; } };
  return s;
}

async function openPlanwire(lib, s) {
  const client = await lib.createPlanClient({ url: 'ws://stub.invalid/ws', token: 't' });
  client.on('taskUpdated', s.on);
  const joined = new Promise((ok) => client.on('joined', (e) => e.planId === PLAN && ok()));
  client.connect();
  client.join(PLAN);
  await joined;
  return () => client.free();
}

function openBaseline(s) {
  return new Promise((ok) => {
    const ws = new WebSocket('ws://stub.invalid/ws');
    ws.onmessage = (ev) => {
      const msg = JSON.parse(ev.data);
      switch (msg.type) {
        case 'pong':
          if (msg.data?.connected) ws.send(JSON.stringify({ type: 'join-plan', planId: PLAN }));
          break;
        case 'join-plan':
          if (msg.data?.success) ok(() => ws.close(1000));
          break;
        case 'task-updated':
          s.on({ planId: msg.planId, task: msg.data.task, timestamp: msg.timestamp, seq: msg.seq });
          break;
        default:
      }
    };
  });
}

async function measure(kind) {
  const real = globalThis.WebSocket;
  globalThis.WebSocket = StubSocket;
  try {
    const s = sink();
    const close = kind === 'baseline' ? await openBaseline(s) : await openPlanwire(kind === 'a' ? A : B, s);
    const onmessage = StubSocket.current.onmessage;
    const t0 = performance.now();
    for (let i = 0; i < frames.length; i++) onmessage({ data: frames[i] });
    const ms = performance.now() - t0;
    close();
    if (s.count !== frames.length) throw new Error(`${kind}: ${s.count} of ${frames.length}`);
    return (ms * 1000) / frames.length;
  } finally {
    globalThis.WebSocket = real;
  }
}

async function run() {
  await A.loadPlanwire('/a/planwire_bg.wasm');
  await B.loadPlanwire('/b/planwire_bg.wasm');
  const orders = [['a', 'b', 'baseline'], ['b', 'baseline', 'a'], ['baseline', 'a', 'b'], ['b', 'a', 'baseline'], ['a', 'baseline', 'b'], ['baseline', 'b', 'a']];
  const results = [];
  await measure('a'); // warm-up of both builds (compilation tiers), not reported
  await measure('b');
  for (let r = 0; r < rounds; r++) {
    const round = {};
    for (const kind of orders[r % orders.length]) round[kind] = await measure(kind);
    results.push(round);
  }
  return { userAgent: navigator.userAgent, results };
}

run().then(
  (r) => fetch('/result', { method: 'POST', body: JSON.stringify(r) }),
  (e) => fetch('/result', { method: 'POST', body: JSON.stringify({ error: String(e?.stack ?? e) }) }),
);
