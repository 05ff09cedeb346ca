// @vitest-environment node
// The real wasm-pack build in Node, the way a test harness or a server-side consumer uses it: loaded
// from bytes, coded errors, no global WebSocket (Node 20) → NO_WEBSOCKET unless the WebSocket option
// gives a class with the browser's interface, and the debug option's entries (tokens redacted).
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { CloseCode, createPlanClient, isPlanwireError, loadPlanwire, PlanClient } from '../src/index.js';
import type { PlanwireError } from '../src/index.js';

/** A WebSocket with the browser's interface whose peer is the test. */
class FakeSocket {
  static all: FakeSocket[] = [];
  onopen: (() => void) | null = null;
  onmessage: ((e: { data: unknown }) => void) | null = null;
  onclose: ((e: { code: number; reason: string }) => void) | null = null;
  sent: string[] = [];
  closed: [number, string] | null = null;
  constructor(readonly url: string) {
    FakeSocket.all.push(this);
  }
  send(text: string): void {
    this.sent.push(text);
  }
  close(code: number, reason: string): void {
    this.closed ??= [code, reason];
  }
  /** The server's side. */
  open(): void {
    this.onopen?.();
  }
  push(frame: unknown): void {
    this.onmessage?.({ data: JSON.stringify(frame) });
  }
}

const CONFIRMATION = { type: 'pong', data: { userId: 1, connected: true, timestamp: '2025-01-01T00:00:00.000Z' } };

beforeAll(async () => {
  // No argument, as an app calls it: Node cannot fetch the file beside the glue, so the facade falls
  // back to the base64 copy the package ships.
  await loadPlanwire();
});

describe('the real module in Node', () => {
  it('creates an idle client with typed events', async () => {
    const client = await createPlanClient({ url: 'ws://127.0.0.1:9/ws', token: 'jwt', WebSocket: FakeSocket });
    expect(client).toBeInstanceOf(PlanClient);
    expect(client.state).toBe('idle');
    expect(client.isConnected).toBe(false);
    const off = client.on('stateChanged', () => {});
    expect(typeof off).toBe('function');
    off();
    expect(client.participantCount('123')).toBe(0);
    expect(client.participants('123')).toEqual([]);
    client.free();
  });

  it('throws errors whose message starts with the contract code', () => {
    const WebSocket = FakeSocket;
    expect(() => new PlanClient({ url: 'http://127.0.0.1/ws', WebSocket })).toThrow(/^INVALID_URL: /);
    expect(() => new PlanClient({ url: 'ws://h/ws', jitter: 2, WebSocket })).toThrow(/^INVALID_OPTION: jitter/);
    expect(() => new PlanClient({ url: 'ws://h/ws', jitter: 'x' as unknown as number, WebSocket })).toThrow(/^INVALID_OPTION: jitter/);
    expect(() => new PlanClient({ url: 'ws://h/ws', getToken: 5 as unknown as () => Promise<string>, WebSocket })).toThrow(
      /^INVALID_OPTION: getToken must be a function/,
    );
    expect(() => new PlanClient({ url: 'ws://h/ws', WebSocket: 'ws' as unknown as typeof FakeSocket })).toThrow(/^INVALID_OPTION: WebSocket/);
    const client = new PlanClient({ url: 'ws://h/ws', token: 't', WebSocket });
    expect(() => client.join('')).toThrow(/^INVALID_PLAN_ID: /);
    expect(() => client.on('nope' as 'open', () => {})).toThrow(/^INVALID_EVENT: /);
    expect(() => client.setToken('')).toThrow(/^INVALID_OPTION: token/);
    client.free();
  });

  it('gives every thrown error its code as a property, and the close codes as runtime values', () => {
    const WebSocket = FakeSocket;
    const codeOf = (f: () => unknown): unknown => {
      try {
        f();
      } catch (e) {
        expect(isPlanwireError(e)).toBe(true);
        return (e as PlanwireError).code;
      }
      throw new Error('did not throw');
    };
    expect(codeOf(() => new PlanClient({ url: 'http://127.0.0.1/ws', WebSocket }))).toBe('INVALID_URL');
    expect(codeOf(() => new PlanClient({ url: 'ws://h/ws', jitter: 2, WebSocket }))).toBe('INVALID_OPTION');
    const client = new PlanClient({ url: 'ws://h/ws', token: 't', WebSocket });
    expect(codeOf(() => client.join(''))).toBe('INVALID_PLAN_ID');
    expect(codeOf(() => client.on('nope' as 'open', () => {}))).toBe('INVALID_EVENT');
    expect(codeOf(() => client.updatePresence('9', { a: 1 }))).toBe('NOT_JOINED');
    expect(isPlanwireError(new Error('INVALID_URL: looks coded, is not'))).toBe(false);
    client.free();
    expect([CloseCode.Normal, CloseCode.Local, CloseCode.Unauthorized, CloseCode.Inactive]).toEqual([1000, 4000, 4001, 4002]);
  });

  it('keeps a connected client alive without a reference in the app, until close()', async () => {
    const gc = (globalThis as { gc?: () => void }).gc;
    expect(gc, 'vitest runs Node with --expose-gc (vitest.config.ts)').toBeTypeOf('function');
    FakeSocket.all = [];
    const updates: string[] = [];
    let collected = false;
    const registry = new FinalizationRegistry(() => (collected = true));
    // The app's usual shape: create, subscribe, connect, and keep no reference.
    await (async () => {
      const client = await createPlanClient({ url: 'ws://h/ws', token: 't', WebSocket: FakeSocket });
      client.on('taskUpdated', ({ task }) => updates.push(task.title));
      client.join('123');
      client.connect();
      registry.register(client, 'client');
    })();
    const socket = FakeSocket.all[0];
    socket.open();
    socket.push(CONFIRMATION);
    socket.push({ type: 'join-plan', planId: '123', data: { success: true, participantCount: 1, participants: [] } });
    for (let i = 0; i < 5; i++) {
      gc!();
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(collected, 'the connected client was garbage-collected').toBe(false);
    expect(socket.closed).toBeNull();
    socket.push({ type: 'task-updated', planId: '123', data: { task: { id: 1, title: 'still here', status: 's' } } });
    expect(updates).toEqual(['still here']);
  });

  it('without a global WebSocket and without the option, refuses with NO_WEBSOCKET instead of crashing', () => {
    expect(globalThis.WebSocket).toBeUndefined();
    expect(() => new PlanClient({ url: 'ws://h/ws' })).toThrow(/^NO_WEBSOCKET: /);
  });

  it('connects through the WebSocket option and joins', () => {
    FakeSocket.all = [];
    const client = new PlanClient({ url: 'ws://h/ws', token: 'jwt', WebSocket: FakeSocket });
    const joined = vi.fn();
    client.on('joined', joined);
    client.join('123');
    client.connect();
    const socket = FakeSocket.all[0];
    expect(socket.url).toBe('ws://h/ws?token=jwt');
    socket.open();
    socket.push(CONFIRMATION);
    expect(client.state).toBe('open');
    expect(socket.sent.map((s) => JSON.parse(s))).toEqual([{ type: 'join-plan', planId: '123' }]);
    socket.push({ type: 'join-plan', planId: '123', data: { success: true, participantCount: 1, participants: [{ userId: 1, userName: 'a' }] } });
    expect(joined).toHaveBeenCalledWith({ planId: '123', participants: [{ userId: 1, userName: 'a' }], participantCount: 1 });
    client.free();
    expect(socket.closed).toEqual([1000, '']);
  });

  it('reports what it does to the debug function, tokens redacted, and nothing when off', () => {
    FakeSocket.all = [];
    const entries: { type: string; [k: string]: unknown }[] = [];
    const client = new PlanClient({ url: 'ws://h/ws', token: 'secret-jwt', authMode: 'message', WebSocket: FakeSocket, debug: (e) => entries.push(e) });
    client.connect();
    FakeSocket.all[0].open();
    FakeSocket.all[0].push(CONFIRMATION);
    client.join('123');
    client.close();
    const text = JSON.stringify(entries);
    expect(text).not.toContain('secret-jwt');
    expect(entries).toContainEqual({ type: 'event', name: 'stateChanged', payload: { state: 'connecting' } });
    expect(entries).toContainEqual({ type: 'open-socket', url: 'ws://h/ws' });
    expect(entries).toContainEqual({ type: 'send', frame: '{"type":"auth","token":"***"}' });
    expect(entries).toContainEqual({ type: 'receive', frame: JSON.stringify(CONFIRMATION) });
    expect(entries).toContainEqual({ type: 'send', frame: '{"type":"join-plan","planId":"123"}' });
    expect(entries).toContainEqual({ type: 'close-socket', code: 1000, reason: '' });
    client.free();

    const query = new PlanClient({ url: 'ws://h/ws', token: 'secret-jwt', WebSocket: FakeSocket, debug: (e) => entries.push(e) });
    query.connect();
    expect(entries).toContainEqual({ type: 'open-socket', url: 'ws://h/ws?token=***' });
    expect(FakeSocket.all.at(-1)!.url).toBe('ws://h/ws?token=secret-jwt');
    query.free();

    const debug = vi.spyOn(console, 'debug').mockImplementation(() => {});
    const loud = new PlanClient({ url: 'ws://h/ws', WebSocket: FakeSocket, debug: true });
    loud.connect();
    expect(debug).toHaveBeenCalledWith({ type: 'event', name: 'stateChanged', payload: { state: 'connecting' } });
    loud.free();
    debug.mockClear();
    const quiet = new PlanClient({ url: 'ws://h/ws', WebSocket: FakeSocket });
    quiet.connect();
    quiet.free();
    expect(debug).not.toHaveBeenCalled();
    debug.mockRestore();
  });
});
