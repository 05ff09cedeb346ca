// @vitest-environment happy-dom
// The JS driver (src/client.ts) over the REAL wasm module, with a fake WebSocket on globalThis and fake
// timers (Date.now included): what reaches the socket, the timer, the window listeners and the app's
// listeners. Contract: docs/client-api.md ("Behaviour details"). happy-dom gives a window to listen on.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { loadPlanwire, PlanClient } from '../src/index.js';
import type { PlanClientOptions, PlanEvents } from '../src/index.js';
import { EVENT_NAMES } from '../src/types.js';

/** The server's connection confirmation (client-wasm/src/abi/tests.rs). */
const CONFIRMATION =
  '{"type":"pong","data":{"userId":1,"connected":true,"timestamp":"2025-01-01T00:00:00.000Z","connectionId":"c1"}}';
const JOIN_CONFIRMATION =
  '{"type":"join-plan","planId":"42","data":{"success":true,"participants":[{"userId":1,"userName":"Ann"},{"userId":2,"userName":"Bob"}],"participantCount":2}}';
/** A message of a type the client does not know: one `message` event each, easy to repeat. */
const CUSTOM = '{"type":"custom","data":1}';
const URL_WS = 'ws://h/ws';

/** A WebSocket stand-in: records what the driver does with it and lets the test play the server. */
class FakeSocket {
  static all: FakeSocket[] = [];
  /** Makes the constructor throw, as a browser does for a blocked URL. */
  static refuse = false;
  sent: string[] = [];
  closes: { code?: number; reason?: string }[] = [];
  onopen: ((e: unknown) => void) | null = null;
  onmessage: ((e: { data: unknown }) => void) | null = null;
  onclose: ((e: { code: number; reason: string }) => void) | null = null;
  constructor(readonly url: string) {
    if (FakeSocket.refuse) throw new DOMException('blocked', 'SecurityError');
    FakeSocket.all.push(this);
  }
  send(data: string): void {
    this.sent.push(data);
  }
  close(code?: number, reason?: string): void {
    this.closes.push({ code, reason });
  }
  /** The server side: the socket opened / a frame arrived / the socket closed. */
  open(): void {
    this.onopen?.({});
  }
  message(data: string | ArrayBuffer): void {
    this.onmessage?.({ data });
  }
  serverClose(code: number, reason = ''): void {
    this.onclose?.({ code, reason });
  }
  frames(): unknown[] {
    return this.sent.map((s) => JSON.parse(s));
  }
}

const last = (): FakeSocket => FakeSocket.all[FakeSocket.all.length - 1];
/** Lets settled promises (getToken) run their continuations. */
const flush = async () => {
  for (let i = 0; i < 10; i++) await Promise.resolve();
};

let clients: PlanClient[] = [];

/** A client plus every event it emits, in order, as `[name, payload]`. */
function make(options: Partial<PlanClientOptions> = {}) {
  const client = new PlanClient({ url: URL_WS, token: 'jwt', jitter: 0, ...options });
  clients.push(client);
  const events: [keyof PlanEvents, any][] = [];
  for (const name of EVENT_NAMES) client.on(name, (p) => events.push([name, p]));
  const named = <K extends keyof PlanEvents>(name: K): PlanEvents[K][] =>
    events.filter((e) => e[0] === name).map((e) => e[1]);
  return { client, events, named };
}

/** A client connected and confirmed by the server. */
function opened(options: Partial<PlanClientOptions> = {}) {
  const made = make(options);
  made.client.connect();
  const socket = last();
  socket.open();
  socket.message(CONFIRMATION);
  return { ...made, socket };
}

beforeAll(async () => {
  // happy-dom's URL is not Node's: resolve the path by hand.
  await loadPlanwire(readFileSync(fileURLToPath(import.meta.url).replace(/test\/driver\.test\.ts$/, 'wasm/planwire.wasm')));
});

beforeEach(() => {
  vi.useFakeTimers({ now: 1_700_000_000_000 });
  vi.stubGlobal('WebSocket', FakeSocket);
  FakeSocket.all = [];
  FakeSocket.refuse = false;
  clients = [];
});

afterEach(() => {
  for (const c of clients) c.free();
  vi.useRealTimers();
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
});

describe('connecting', () => {
  it('query mode: one socket to url?token=…; open only on the server confirmation', () => {
    const { client, named } = make();
    expect(client.state).toBe('idle');
    client.connect();
    expect(FakeSocket.all.map((s) => s.url)).toEqual(['ws://h/ws?token=jwt']);
    expect(client.state).toBe('connecting');
    client.connect();
    expect(FakeSocket.all).toHaveLength(1);

    last().open();
    expect(named('open')).toEqual([]);
    expect(client.isConnected).toBe(false);
    last().message(CONFIRMATION);
    expect(named('open')).toEqual([{ userId: 1, connectionId: 'c1', reconnected: false }]);
    expect(named('stateChanged')).toEqual([{ state: 'connecting' }, { state: 'open' }]);
    expect(client.state).toBe('open');
    expect(client.isConnected).toBe(true);
    expect(client.connectionId).toBe('c1');
  });

  it("authMode 'message': no token in the URL, the first frame is the auth message", () => {
    const { client } = make({ authMode: 'message' });
    client.connect();
    expect(last().url).toBe(URL_WS);
    last().open();
    expect(last().frames()[0]).toEqual({ type: 'auth', token: 'jwt' });
    last().message(CONFIRMATION);
    expect(client.state).toBe('open');
  });

  it('rejects bad options with coded errors; null means the default', () => {
    expect(() => new PlanClient({ url: 'http://h/ws' })).toThrow(/^INVALID_URL: /);
    expect(() => new PlanClient({} as PlanClientOptions)).toThrow(/^INVALID_URL: /);
    expect(() => new PlanClient(null as unknown as PlanClientOptions)).toThrow(/^INVALID_OPTION: /);
    expect(() => new PlanClient({ url: URL_WS, jitter: 'x' as unknown as number })).toThrow(/^INVALID_OPTION: /);
    expect(() => new PlanClient({ url: URL_WS, getToken: 1 as unknown as () => Promise<string> })).toThrow(
      /^INVALID_OPTION: /,
    );
    expect(() => new PlanClient({ url: URL_WS, authMode: 'x' as 'query' })).toThrow(/^INVALID_OPTION: /);
    const client = new PlanClient({ url: URL_WS, jitter: null as unknown as number });
    clients.push(client);
    expect(client.state).toBe('idle');
  });
});

describe('rooms and messages', () => {
  it('a join before connect goes out once connected; join/leave are reference-counted on the wire', () => {
    const { client, named } = make();
    client.join('42');
    client.join('42');
    client.connect();
    const socket = last();
    socket.open();
    socket.message(CONFIRMATION);
    const roomFrames = () => socket.frames().filter((f: any) => f.type === 'join-plan' || f.type === 'leave-plan');
    expect(roomFrames()).toEqual([{ type: 'join-plan', planId: '42' }]);

    socket.message(JOIN_CONFIRMATION);
    const participants = [{ userId: 1, userName: 'Ann' }, { userId: 2, userName: 'Bob' }];
    expect(named('joined')).toEqual([expect.objectContaining({ planId: '42', participants, participantCount: 2 })]);
    expect(client.participantCount('42')).toBe(2);
    expect(client.participants('42')).toEqual(participants);
    expect(client.participantCount('7')).toBe(0);

    client.join('42');
    client.leave('42');
    client.leave('42');
    expect(roomFrames()).toEqual([{ type: 'join-plan', planId: '42' }]);
    client.leave('42');
    expect(roomFrames()).toEqual([{ type: 'join-plan', planId: '42' }, { type: 'leave-plan', planId: '42' }]);
  });

  it('bad plan ids, event names and callbacks throw their codes', () => {
    const { client } = make();
    expect(() => client.join('')).toThrow(/^INVALID_PLAN_ID: /);
    expect(() => client.join(5 as unknown as string)).toThrow(/^INVALID_PLAN_ID: /);
    expect(() => client.leave('')).toThrow(/^INVALID_PLAN_ID: /);
    expect(() => client.participants('')).toThrow(/^INVALID_PLAN_ID: /);
    expect(() => client.on('nope' as 'open', () => {})).toThrow(/^INVALID_EVENT: /);
    expect(() => client.on('open', 1 as unknown as () => void)).toThrow(/^INVALID_CALLBACK: /);
  });

  it('task-updated → taskUpdated with the task; a malformed frame → INVALID_FRAME and the link stays', () => {
    const { client, socket, named } = opened();
    client.join('42');
    socket.message(JOIN_CONFIRMATION);
    const task = { id: 7, title: 'Ship', status: 'done', assignee: 'Ann' };
    socket.message(JSON.stringify({ type: 'task-updated', planId: '42', data: { task }, timestamp: 't1' }));
    expect(named('taskUpdated')).toEqual([{ planId: '42', task, timestamp: 't1' }]);

    socket.message('{"type":');
    socket.message(new ArrayBuffer(2));
    expect(named('error')).toEqual([
      expect.objectContaining({ code: 'INVALID_FRAME' }),
      expect.objectContaining({ code: 'INVALID_FRAME', message: expect.stringMatching(/binary/) }),
    ]);
    expect(socket.closes).toEqual([]);
    expect(client.state).toBe('open');
    socket.message(JSON.stringify({ type: 'task-updated', planId: '42', data: { task: { ...task, status: 'todo' } } }));
    expect(named('taskUpdated')).toHaveLength(2);
  });
});

describe('listeners', () => {
  it('are called in subscription order with one shared payload object', () => {
    const { client, socket } = opened();
    const calls: [string, unknown][] = [];
    for (const name of ['a', 'b', 'c']) client.on('message', (p) => calls.push([name, p]));
    socket.message(CUSTOM);
    expect(calls.map((c) => c[0])).toEqual(['a', 'b', 'c']);
    expect(calls[0][1]).toEqual({ type: 'custom', data: 1 });
    expect(calls[1][1]).toBe(calls[0][1]);
    expect(calls[2][1]).toBe(calls[0][1]);
  });

  it('unsubscribing during a dispatch skips a later listener of that dispatch', () => {
    const { client, socket } = opened();
    const calls: string[] = [];
    client.on('message', () => {
      calls.push('a');
      offC();
    });
    client.on('message', () => calls.push('b'));
    const offC = client.on('message', () => calls.push('c'));
    socket.message(CUSTOM);
    expect(calls).toEqual(['a', 'b']);
  });

  it('a listener added during a dispatch is called from the next event on', () => {
    const { client, socket } = opened();
    const calls: string[] = [];
    let added = false;
    client.on('message', () => {
      calls.push('a');
      if (!added) client.on('message', () => calls.push('d'));
      added = true;
    });
    client.on('message', () => calls.push('b'));
    socket.message(CUSTOM);
    expect(calls).toEqual(['a', 'b']);
    socket.message(CUSTOM);
    expect(calls).toEqual(['a', 'b', 'a', 'b', 'd']);
  });

  it('a throwing listener does not stop the others; its error surfaces as an unhandled rejection', async () => {
    const { client, socket } = opened();
    const boom = new Error('boom');
    const calls: string[] = [];
    client.on('message', () => {
      calls.push('a');
      throw boom;
    });
    client.on('message', () => calls.push('b'));

    const saved = process.listeners('unhandledRejection');
    process.removeAllListeners('unhandledRejection');
    try {
      const rejected = new Promise((resolve) => process.once('unhandledRejection', resolve));
      socket.message(CUSTOM);
      expect(calls).toEqual(['a', 'b']);
      expect(client.state).toBe('open');
      expect(await rejected).toBe(boom);
    } finally {
      process.removeAllListeners('unhandledRejection');
      for (const l of saved) process.on('unhandledRejection', l);
    }
  }, 2000);

  it('close() inside a handler closes with 1000 and reports it', () => {
    const { client, named } = make();
    client.on('open', () => client.close());
    client.connect();
    const s = last();
    s.open();
    s.message(CONFIRMATION);
    expect(named('open')).toHaveLength(1);
    expect(s.closes).toEqual([{ code: 1000, reason: '' }]);
    expect(named('close')).toEqual([{ code: 1000, reason: '', willReconnect: false }]);
    expect(client.state).toBe('closed');
    expect(vi.getTimerCount()).toBe(0);
  });

  it('a method called inside a handler does not reorder events for later listeners', () => {
    const client = new PlanClient({ url: URL_WS, token: 'jwt', jitter: 0 });
    clients.push(client);
    client.on('stateChanged', ({ state }) => {
      if (state === 'open') client.close();
    });
    const seen: string[] = [];
    client.on('stateChanged', ({ state }) => seen.push(state));
    client.connect();
    const s = last();
    s.open();
    s.message(CONFIRMATION);
    expect(seen).toEqual(['connecting', 'open', 'closed']);
    expect(client.state).toBe('closed');
    expect(s.closes).toEqual([{ code: 1000, reason: '' }]);
  });

  it('free() inside a handler stops the dispatch; nothing is delivered after it; unsubscribe is then a no-op', () => {
    const { client, socket, events } = opened();
    const calls: string[] = [];
    const offA = client.on('message', () => {
      calls.push('a');
      client.free();
    });
    client.on('message', () => calls.push('b'));
    const before = events.length;
    socket.message(CUSTOM);
    expect(calls).toEqual(['a']);
    expect(events.length).toBe(before + 1); // only the recorder subscribed before `a`
    expect(socket.closes).toEqual([{ code: 1000, reason: '' }]);
    expect(client.state).toBe('closed');
    socket.message(CUSTOM);
    socket.serverClose(1006);
    vi.advanceTimersByTime(120_000);
    expect(events.length).toBe(before + 1);
    expect(FakeSocket.all).toHaveLength(1);
    expect(() => offA()).not.toThrow();
  });
});

describe('loss, backoff and close()', () => {
  it('a dropped socket → close, reconnecting, and a new socket after the delay; reconnected on confirmation', () => {
    const { client, socket, named } = opened();
    socket.serverClose(1006);
    expect(named('close')).toEqual([{ code: 1006, reason: '', willReconnect: true }]);
    expect(named('reconnecting')).toEqual([{ attempt: 1, delayMs: 1000 }]);
    expect(client.state).toBe('reconnecting');
    vi.advanceTimersByTime(999);
    expect(FakeSocket.all).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(FakeSocket.all).toHaveLength(2);
    expect(last().url).toBe('ws://h/ws?token=jwt');
    last().open();
    last().message(CONFIRMATION);
    expect(named('open').at(-1)).toEqual({ userId: 1, connectionId: 'c1', reconnected: true });
    expect(named('reconnected')).toEqual([{}]);
  });

  it("with jitter 0 the delays are the seed's min(1000·2^n, 30000), then failed max-attempts", () => {
    const { client, named } = make({ maxReconnectAttempts: 7 });
    const armed = vi.spyOn(globalThis, 'setTimeout');
    client.connect();
    const delays = [1000, 2000, 4000, 8000, 16000, 30000, 30000];
    for (const [i, delay] of delays.entries()) {
      last().serverClose(1006);
      expect(named('reconnecting')[i]).toEqual({ attempt: i + 1, delayMs: delay });
      expect(vi.getTimerCount()).toBe(1);
      vi.advanceTimersByTime(delay - 1);
      expect(FakeSocket.all).toHaveLength(i + 1);
      vi.advanceTimersByTime(1);
      expect(FakeSocket.all).toHaveLength(i + 2);
    }
    // One timer per deadline (plus a re-arm after an early wake-up), not a spinning one.
    expect(armed.mock.calls.length).toBeLessThanOrEqual(3 * delays.length);
    last().serverClose(1006);
    expect(named('failed')).toEqual([{ reason: 'max-attempts' }]);
    expect(named('close').every((c) => c.code === 1006)).toBe(true);
    expect(named('close')).toHaveLength(8);
    expect(client.state).toBe('failed');
    expect(vi.getTimerCount()).toBe(0);
  });

  it('close() while waiting to reconnect: closed, no timer, window listeners removed, no later attempt', () => {
    const removed = vi.spyOn(globalThis, 'removeEventListener');
    const { client, socket, named } = opened();
    socket.serverClose(1006);
    vi.advanceTimersByTime(1000);
    last().serverClose(1006);
    expect(vi.getTimerCount()).toBe(1);
    client.close();
    expect(named('stateChanged').at(-1)).toEqual({ state: 'closed' });
    expect(client.state).toBe('closed');
    expect(vi.getTimerCount()).toBe(0);
    expect(removed.mock.calls.map((c) => c[0])).toEqual(expect.arrayContaining(['online', 'offline']));
    vi.advanceTimersByTime(120_000);
    expect(FakeSocket.all).toHaveLength(2);
  });

  it('reconnect() drops the link with 1000 reconnect and opens a new socket at once', () => {
    const { client, socket, named } = opened();
    client.reconnect();
    expect(socket.closes).toEqual([{ code: 1000, reason: 'reconnect' }]);
    expect(named('close')).toEqual([{ code: 1000, reason: 'reconnect', willReconnect: true }]);
    expect(FakeSocket.all).toHaveLength(2);
    socket.serverClose(1000, 'reconnect');
    expect(named('close')).toHaveLength(1);
    last().open();
    last().message(CONFIRMATION);
    expect(client.state).toBe('open');
  });

  it('a socket the browser refuses to create counts as a failed attempt (1006) and is retried', () => {
    const { client, named } = make();
    FakeSocket.refuse = true;
    client.connect();
    expect(named('close')).toEqual([{ code: 1006, reason: expect.any(String), willReconnect: true }]);
    expect(named('reconnecting')).toEqual([{ attempt: 1, delayMs: 1000 }]);
    FakeSocket.refuse = false;
    vi.advanceTimersByTime(1000);
    expect(FakeSocket.all).toHaveLength(1);
    last().open();
    last().message(CONFIRMATION);
    expect(client.state).toBe('open');
  });

  it('close() on an open link closes the socket with 1000', () => {
    const { client, socket, named } = opened();
    client.close();
    expect(socket.closes).toEqual([{ code: 1000, reason: '' }]);
    expect(named('close')).toEqual([{ code: 1000, reason: '', willReconnect: false }]);
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe('heartbeat', () => {
  it('pings after pingIntervalMs; any frame keeps the link; silence for pongTimeoutMs → 4000 pong timeout', () => {
    const { socket, named } = opened({ pingIntervalMs: 1000, pongTimeoutMs: 500 });
    const pings = () => socket.sent.filter((s) => s === '{"type":"ping"}').length;
    vi.advanceTimersByTime(999);
    expect(pings()).toBe(0);
    vi.advanceTimersByTime(1);
    expect(pings()).toBe(1);
    vi.advanceTimersByTime(400);
    socket.message('{"type":"pong"}');
    vi.advanceTimersByTime(200); // past the first ping's pong deadline
    expect(socket.closes).toEqual([]);

    vi.advanceTimersByTime(799); // the next ping is one interval after the last frame
    expect(pings()).toBe(1);
    vi.advanceTimersByTime(1);
    expect(pings()).toBe(2);
    vi.advanceTimersByTime(499);
    expect(socket.closes).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(socket.closes).toEqual([{ code: 4000, reason: 'pong timeout' }]);
    expect(named('close')).toEqual([{ code: 4000, reason: 'pong timeout', willReconnect: true }]);
    expect(named('reconnecting')).toEqual([{ attempt: 1, delayMs: 1000 }]);
    vi.advanceTimersByTime(1000);
    expect(FakeSocket.all).toHaveLength(2);
    // The dropped socket's own (late) close event must not touch the new attempt.
    socket.serverClose(4000, 'pong timeout');
    expect(named('close')).toHaveLength(1);
    last().open();
    last().message(CONFIRMATION);
    expect(named('open').at(-1)).toEqual({ userId: 1, connectionId: 'c1', reconnected: true });
  });
});

describe('getToken', () => {
  it('is called before every attempt and its token goes in the URL', async () => {
    let n = 0;
    const getToken = vi.fn(async () => `t${++n}`);
    const { client } = make({ token: undefined, getToken });
    client.connect();
    expect(getToken).toHaveBeenCalledTimes(1);
    expect(FakeSocket.all).toHaveLength(0);
    await flush();
    expect(FakeSocket.all.map((s) => s.url)).toEqual(['ws://h/ws?token=t1']);
    last().serverClose(1006);
    vi.advanceTimersByTime(1000);
    expect(getToken).toHaveBeenCalledTimes(2);
    await flush();
    expect(FakeSocket.all.map((s) => s.url)).toEqual(['ws://h/ws?token=t1', 'ws://h/ws?token=t2']);
  });

  it('a rejection → failed with token-error: <message>, no socket, no timer', async () => {
    const { client, named } = make({ token: undefined, getToken: () => Promise.reject(new Error('no session')) });
    client.connect();
    await flush();
    expect(named('failed')).toEqual([{ reason: 'token-error: no session' }]);
    expect(client.state).toBe('failed');
    expect(FakeSocket.all).toHaveLength(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('a 4001 close → one fresh token and an immediate retry; a second 4001 → failed unauthorized', async () => {
    let n = 0;
    const getToken = vi.fn(async () => `t${++n}`);
    const { client, named } = make({ token: undefined, getToken });
    client.connect();
    await flush();
    last().open();
    last().message(CONFIRMATION);
    last().serverClose(4001, 'unauthorized');
    expect(getToken).toHaveBeenCalledTimes(2);
    expect(named('reconnecting')).toEqual([{ attempt: 1, delayMs: 0 }]);
    await flush();
    expect(FakeSocket.all.map((s) => s.url)).toEqual(['ws://h/ws?token=t1', 'ws://h/ws?token=t2']);
    last().open();
    last().serverClose(4001, 'unauthorized');
    await flush();
    expect(getToken).toHaveBeenCalledTimes(2);
    expect(named('failed')).toEqual([{ reason: 'unauthorized' }]);
    expect(client.state).toBe('failed');
  });

  it('a token arriving after free() opens nothing', async () => {
    let resolve: (t: string) => void = () => {};
    const { client, events } = make({ token: undefined, getToken: () => new Promise((r) => (resolve = r)) });
    client.connect();
    const before = events.length;
    client.free();
    resolve('late');
    await flush();
    expect(FakeSocket.all).toHaveLength(0);
    expect(events.length).toBe(before);
  });
});

describe('free()', () => {
  it('closes with 1000 silently, leaves no timer or window listener, and makes every method a no-op', () => {
    const added = vi.spyOn(globalThis, 'addEventListener');
    const removed = vi.spyOn(globalThis, 'removeEventListener');
    const { client, socket, events } = opened();
    client.join('42');
    const listenerOf = (spy: typeof added, type: string) => spy.mock.calls.find((c) => c[0] === type)?.[1];
    expect(listenerOf(added, 'online')).toBeTypeOf('function');
    expect(vi.getTimerCount()).toBe(1);
    const before = events.length;
    const sent = socket.sent.length;

    client.free();
    expect(socket.closes).toEqual([{ code: 1000, reason: '' }]);
    expect(events.length).toBe(before);
    expect(vi.getTimerCount()).toBe(0);
    for (const type of ['online', 'offline']) expect(listenerOf(removed, type)).toBe(listenerOf(added, type));
    expect(client.state).toBe('closed');
    expect(client.isConnected).toBe(false);
    expect(client.connectionId).toBeUndefined();

    socket.message(CUSTOM);
    socket.serverClose(1006);
    client.connect();
    client.reconnect();
    client.join('7');
    client.leave('42');
    client.close();
    client.free();
    globalThis.dispatchEvent(new Event('online'));
    vi.advanceTimersByTime(120_000);
    expect(FakeSocket.all).toHaveLength(1);
    expect(socket.sent.length).toBe(sent);
    expect(events.length).toBe(before);
    expect(client.participants('42')).toEqual([]);
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe('browser events', () => {
  it('offline drops the link with 4000 offline and attempts wait; online reconnects at once', () => {
    const { client, socket, named } = opened();
    globalThis.dispatchEvent(new Event('offline'));
    expect(socket.closes).toEqual([{ code: 4000, reason: 'offline' }]);
    expect(named('close')).toEqual([{ code: 4000, reason: 'offline', willReconnect: true }]);
    expect(client.state).toBe('reconnecting');
    vi.advanceTimersByTime(120_000);
    expect(FakeSocket.all).toHaveLength(1);
    globalThis.dispatchEvent(new Event('online'));
    expect(FakeSocket.all).toHaveLength(2);
    socket.serverClose(4000, 'offline'); // the old socket's late close event changes nothing
    expect(named('close')).toHaveLength(1);
    last().open();
    last().message(CONFIRMATION);
    expect(client.state).toBe('open');
  });

  it('visibilitychange to visible pings an open link at once', () => {
    const { socket } = opened();
    expect(document.visibilityState).toBe('visible');
    document.dispatchEvent(new Event('visibilitychange'));
    expect(socket.sent).toContain('{"type":"ping"}');
  });

  it('listens to the window only while active', () => {
    const { client } = make();
    const listening = vi.spyOn(globalThis, 'addEventListener');
    client.connect();
    expect(listening.mock.calls.map((c) => c[0])).toEqual(expect.arrayContaining(['online', 'offline']));
    client.close();
    globalThis.dispatchEvent(new Event('online'));
    expect(FakeSocket.all).toHaveLength(1);
  });
});
