// @vitest-environment happy-dom
// The hooks over the REAL client (src/index.js's PlanClient over the real wasm), with a fake WebSocket on
// globalThis that lets each test play the server, and fake timers. The client is the one source of truth
// for rooms, join reference counts, participants and the connection state: what a hook shows must be
// what the client says (`client.participantCount(planId)`, `client.participants(planId)`, `client.state`).
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { StrictMode } from 'react';
import type { ReactNode } from 'react';
import { act, cleanup, render, renderHook } from '@testing-library/react';
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createPlanClient, loadPlanwire } from '../src/index.js';
import type { Participant, PlanClient, PlanClientOptions } from '../src/index.js';
import { PlanSocketProvider, usePlanClient, usePlanWebSocket } from '../src/react.js';
import type { UsePlanWebSocketOptions, UsePlanWebSocketResult } from '../src/react.js';
import { sharedSocketCount } from '../src/socket.js';

/** Every client the hooks create through `createPlanClient` (the real one), with the options given. */
const made = vi.hoisted(() => ({ clients: [] as PlanClient[], options: [] as PlanClientOptions[] }));
vi.mock('../src/index.js', async (importOriginal) => {
  const actual = await importOriginal<typeof import('../src/index.js')>();
  return {
    ...actual,
    createPlanClient: async (options: PlanClientOptions) => {
      made.options.push(options);
      const client = await actual.createPlanClient(options);
      made.clients.push(client);
      return client;
    },
  };
});

const URL_WS = 'ws://h/ws';
/** The server's connection confirmation: the client is `open` from here on. */
const CONFIRMATION = '{"type":"pong","data":{"userId":1,"connected":true,"timestamp":"2025-01-01T00:00:00.000Z"}}';
const ann: Participant = { userId: 1, userName: 'Ann' };
const bob: Participant = { userId: 2, userName: 'Bob' };
const cy: Participant = { userId: 3, userName: 'Cy' };
/** The join confirmation (to the joiner) and the user-joined notification (to the others), seed 000 shapes. */
const joinConfirmation = (planId: string, participants: Participant[]) =>
  JSON.stringify({ type: 'join-plan', planId, data: { success: true, participants, participantCount: participants.length } });
const userJoined = (planId: string, p: Participant, participantCount: number) =>
  JSON.stringify({ type: 'join-plan', planId, data: { ...p, participantCount } });

/** A WebSocket stand-in: records what the client does with it and lets the test play the server. */
class FakeSocket {
  static all: FakeSocket[] = [];
  sent: string[] = [];
  closes: { code?: number; reason?: string }[] = [];
  onopen: ((e: unknown) => void) | null = null;
  onmessage: ((e: { data: unknown }) => void) | null = null;
  onclose: ((e: { code: number; reason: string }) => void) | null = null;
  constructor(readonly url: string) {
    FakeSocket.all.push(this);
  }
  send(data: string): void {
    this.sent.push(data);
  }
  close(code?: number, reason?: string): void {
    this.closes.push({ code, reason });
  }
  // ---- the server side ----
  /** The socket opens and the server confirms the connection. */
  accept(): void {
    act(() => {
      this.onopen?.({});
      this.onmessage?.({ data: CONFIRMATION });
    });
  }
  message(data: string): void {
    act(() => this.onmessage?.({ data }));
  }
  serverClose(code: number, reason = ''): void {
    act(() => this.onclose?.({ code, reason }));
  }
  /** The room frames sent on this socket, as `join-plan 42` / `leave-plan 42`. */
  rooms(): string[] {
    return this.sent
      .map((s) => JSON.parse(s))
      .filter((f) => f.type === 'join-plan' || f.type === 'leave-plan')
      .map((f) => `${f.type} ${f.planId}`);
  }
}

const lastSocket = (): FakeSocket => FakeSocket.all[FakeSocket.all.length - 1];
/** The one client the hooks created. */
const theClient = (): PlanClient => {
  expect(made.clients).toHaveLength(1);
  return made.clients[0];
};
/** Lets the client load and getToken settle, and runs the timers due within `ms` (deferred leaves: 0). */
const flush = (ms = 0) =>
  act(async () => {
    for (let i = 0; i < 5; i++) await vi.advanceTimersByTimeAsync(0);
    if (ms) await vi.advanceTimersByTimeAsync(ms);
  });
/** The hook shows the room as the client has it. */
function expectSameRoom(result: { current: UsePlanWebSocketResult }, client: PlanClient, planId: string, count: number) {
  expect(client.participantCount(planId)).toBe(count);
  expect(result.current.participantCount).toBe(count);
  expect(result.current.participants).toEqual(client.participants(planId));
  expect(result.current.status).toBe(client.state);
}

/** Timing that makes a reconnect happen exactly `baseDelayMs` after a drop. */
const TIMING = { baseDelayMs: 100, jitter: 0 };

beforeAll(async () => {
  // happy-dom's URL is not Node's: resolve the path by hand.
  const file = fileURLToPath(import.meta.url).replace(/test\/react-real\.test\.tsx$/, 'wasm/planwire_bg.wasm');
  if (!existsSync(file)) throw new Error('pkg-js/wasm has no module: run `bash scripts/build-wasm.sh`');
  await loadPlanwire(readFileSync(file));
});

beforeEach(() => {
  vi.useFakeTimers({ now: 1_700_000_000_000 });
  vi.stubGlobal('WebSocket', FakeSocket);
  FakeSocket.all = [];
  made.clients = [];
  made.options = [];
});

afterEach(async () => {
  cleanup();
  // Unmounting closes and frees clients a macrotask later: let that happen before the next test.
  await act(() => vi.advanceTimersByTimeAsync(0));
  vi.useRealTimers();
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
});

describe('participants: the hook shows what the client says', () => {
  it('after the join, a user-joined, a 1006 drop (0, both) and the re-join', async () => {
    const { result } = renderHook(() => usePlanWebSocket({ planId: '42', url: URL_WS, token: 'jwt', ...TIMING }));
    await flush();
    const client = theClient();
    const first = lastSocket();
    first.accept();
    expect(first.rooms()).toEqual(['join-plan 42']);
    expectSameRoom(result, client, '42', 0);

    first.message(joinConfirmation('42', [ann, bob]));
    expectSameRoom(result, client, '42', 2);
    expect(result.current.participants).toEqual([ann, bob]);

    first.message(userJoined('42', cy, 3));
    expectSameRoom(result, client, '42', 3);
    expect(result.current.participants).toEqual([ann, bob, cy]);

    first.serverClose(1006);
    expect(result.current.status).toBe('reconnecting');
    expectSameRoom(result, client, '42', 0);
    expect(result.current.participants).toEqual([]);

    await flush(TIMING.baseDelayMs);
    const second = lastSocket();
    expect(FakeSocket.all).toEqual([first, second]);
    second.accept();
    expect(second.rooms()).toEqual(['join-plan 42']);
    expectSameRoom(result, client, '42', 0);
    second.message(joinConfirmation('42', [ann, cy]));
    expectSameRoom(result, client, '42', 2);
    expect(result.current.participants).toEqual([ann, cy]);
  });

  it('keeps the same participants array until the client reports a change', async () => {
    const { result, rerender } = renderHook(() => usePlanWebSocket({ planId: '42', url: URL_WS, token: 'jwt' }));
    await flush();
    lastSocket().accept();
    lastSocket().message(joinConfirmation('42', [ann, bob]));
    const before = result.current.participants;
    rerender();
    lastSocket().message('{"type":"custom","data":1}');
    expect(result.current.participants).toBe(before);
    lastSocket().message(userJoined('42', cy, 3));
    expect(result.current.participants).not.toBe(before);
    expect(result.current.participants).toEqual(theClient().participants('42'));
  });
});

describe('joins: the client reference-counts them', () => {
  function Room({ planId = '42' }: { planId?: string }) {
    const { participantCount } = usePlanWebSocket({ planId });
    return <span>{participantCount}</span>;
  }
  const app = (children: ReactNode) => (
    <StrictMode>
      <PlanSocketProvider url={URL_WS} token="jwt" {...TIMING}>
        {children}
      </PlanSocketProvider>
    </StrictMode>
  );

  it('StrictMode sends exactly one join-plan, before and after the socket opens', async () => {
    const view = render(app(<Room />));
    await flush();
    const socket = lastSocket();
    socket.accept();
    await flush();
    expect(socket.rooms()).toEqual(['join-plan 42']);
    socket.message(joinConfirmation('42', [ann, bob]));
    expect(view.container.textContent).toBe(String(theClient().participantCount('42')));
    expect(view.container.textContent).toBe('2');

    // A room mounted on the open socket.
    view.rerender(app(<><Room /><Room planId="7" /></>));
    await flush();
    expect(socket.rooms()).toEqual(['join-plan 42', 'join-plan 7']);
    view.rerender(app(<Room />));
    await flush();
    expect(socket.rooms()).toEqual(['join-plan 42', 'join-plan 7', 'leave-plan 7']);
    expect(FakeSocket.all).toEqual([socket]);
    expect(made.clients).toHaveLength(1);
  });

  it('two hooks on one plan: one join-plan; leave-plan only after both unmount', async () => {
    const view = render(app(<><Room /><Room /></>));
    await flush();
    const client = theClient();
    const socket = lastSocket();
    socket.accept();
    await flush();
    socket.message(joinConfirmation('42', [ann, bob]));
    expect(socket.rooms()).toEqual(['join-plan 42']);
    expect(view.container.textContent).toBe('22');

    view.rerender(app(<Room />));
    await flush();
    expect(socket.rooms()).toEqual(['join-plan 42']);
    expect(client.participantCount('42')).toBe(2);
    expect(view.container.textContent).toBe('2');

    view.rerender(app(null));
    await flush();
    expect(socket.rooms()).toEqual(['join-plan 42', 'leave-plan 42']);
    expect(client.participantCount('42')).toBe(0);
  });

  it('provider-less hooks with one url share one socket; leave-plan after the last unmounts', async () => {
    function Solo() {
      usePlanWebSocket({ planId: '42', url: URL_WS, token: 'jwt' });
      return null;
    }
    const view = render(<StrictMode><Solo /><Solo /></StrictMode>);
    await flush();
    const socket = lastSocket();
    socket.accept();
    await flush();
    view.rerender(<StrictMode><Solo /></StrictMode>);
    await flush();
    expect(socket.rooms()).toEqual(['join-plan 42']);
    view.unmount();
    await flush();
    expect(socket.rooms()).toEqual(['join-plan 42', 'leave-plan 42']);
    expect(socket.closes[0]).toMatchObject({ code: 1000 });
    expect(FakeSocket.all).toEqual([socket]);
  });
});

describe('tokens: the client gets exactly what the app gave', () => {
  const hook = (props: Partial<UsePlanWebSocketOptions>) =>
    renderHook((p: Partial<UsePlanWebSocketOptions>) => usePlanWebSocket({ planId: '42', url: URL_WS, ...TIMING, ...p }), {
      initialProps: props,
    });

  it('only a token: a 4001 fails with unauthorized, no second socket, no getToken', async () => {
    const { result } = hook({ token: 'jwt' });
    await flush();
    expect(made.options[0].token).toBe('jwt');
    expect(made.options[0].getToken).toBeUndefined();
    expect(FakeSocket.all.map((s) => s.url)).toEqual(['ws://h/ws?token=jwt']);
    lastSocket().serverClose(4001, 'token expired');
    await flush(60_000);
    expect(FakeSocket.all).toHaveLength(1);
    expect(result.current.status).toBe('failed');
    expect(result.current.status).toBe(theClient().state);
    // The server's close reason tells an expired token from an invalid one.
    expect(result.current.error).toEqual({ code: 'FAILED', message: 'unauthorized: token expired' });
  });

  it('neither token nor getToken: no token in the URL, and a 4001 fails with unauthorized (not token-error)', async () => {
    const { result } = hook({});
    await flush();
    expect(FakeSocket.all.map((s) => s.url)).toEqual([URL_WS]);
    lastSocket().serverClose(4001);
    await flush(60_000);
    expect(FakeSocket.all).toHaveLength(1);
    expect(result.current.status).toBe('failed');
    // No close reason: the failure's reason alone.
    expect(result.current.error).toEqual({ code: 'FAILED', message: 'unauthorized' });
  });

  it('getToken: a 4001 calls the latest getToken again and retries once', async () => {
    let n = 0;
    const first = vi.fn(async () => `t${++n}`);
    const latest = vi.fn(async () => `t${++n}`);
    const { result, rerender } = hook({ getToken: first });
    await flush();
    expect(FakeSocket.all.map((s) => s.url)).toEqual(['ws://h/ws?token=t1']);
    rerender({ getToken: latest });
    lastSocket().serverClose(4001, 'Unauthorized');
    await flush();
    expect([first.mock.calls.length, latest.mock.calls.length]).toEqual([1, 1]);
    expect(FakeSocket.all.map((s) => s.url)).toEqual(['ws://h/ws?token=t1', 'ws://h/ws?token=t2']);
    expect(result.current.status).toBe('reconnecting');
    // The retry is the only one: a second 4001 fails.
    lastSocket().serverClose(4001, 'Unauthorized');
    await flush(60_000);
    expect(FakeSocket.all).toHaveLength(2);
    expect(latest).toHaveBeenCalledTimes(1);
    expect(result.current.status).toBe('failed');
    expect(result.current.error).toEqual({ code: 'FAILED', message: 'unauthorized: Unauthorized' });
  });

  it('a new token prop is used by the next socket, and stays a plain token', async () => {
    const view = render(<PlanSocketProvider url={URL_WS} token="old" {...TIMING} />);
    await flush();
    const first = lastSocket();
    first.accept();
    view.rerender(<PlanSocketProvider url={URL_WS} token="new" {...TIMING} />);
    await flush();
    expect(FakeSocket.all).toEqual([first]);
    expect(theClient().state).toBe('open');
    first.serverClose(1006);
    await flush(TIMING.baseDelayMs);
    expect(FakeSocket.all.map((s) => s.url)).toEqual(['ws://h/ws?token=old', 'ws://h/ws?token=new']);
    lastSocket().serverClose(4001, 'Unauthorized');
    await flush(60_000);
    expect(FakeSocket.all).toHaveLength(2);
    expect(theClient().state).toBe('failed');
  });

  it("a provider-less hook's new token prop is used by the next socket", async () => {
    const { rerender } = hook({ token: 'old' });
    await flush();
    const first = lastSocket();
    first.accept();
    rerender({ token: 'new' });
    await flush();
    first.serverClose(1006);
    await flush(TIMING.baseDelayMs);
    expect(FakeSocket.all.map((s) => s.url)).toEqual(['ws://h/ws?token=old', 'ws://h/ws?token=new']);
    lastSocket().serverClose(4001, 'Unauthorized');
    await flush(60_000);
    expect(FakeSocket.all).toHaveLength(2);
  });
});

describe("the provider's props: a new connection, or applied to the live client", () => {
  function Room() {
    usePlanWebSocket({ planId: '42' });
    return null;
  }
  const provider = (props: Partial<PlanClientOptions>) => (
    <PlanSocketProvider url={URL_WS} token="jwt" {...TIMING} {...props}>
      <Room />
    </PlanSocketProvider>
  );

  it('a changed maxReconnectAttempts makes a new socket that joins the room; equal props and a new token do not', async () => {
    const view = render(provider({ maxReconnectAttempts: 3 }));
    await flush();
    const first = lastSocket();
    first.accept();
    view.rerender(provider({ maxReconnectAttempts: 3, token: 'newer' }));
    await flush();
    expect(FakeSocket.all).toEqual([first]);
    expect(made.clients).toHaveLength(1);

    view.rerender(provider({ maxReconnectAttempts: 1, token: 'newer' }));
    await flush();
    expect(made.clients).toHaveLength(2);
    expect(made.options[1].maxReconnectAttempts).toBe(1);
    const second = lastSocket();
    expect(FakeSocket.all).toEqual([first, second]);
    expect(first.closes).toEqual([{ code: 1000, reason: '' }]);
    expect(second.url).toBe('ws://h/ws?token=newer');
    second.accept();
    expect(second.rooms()).toEqual(['join-plan 42']);
    // The new client has the new limit: one failed attempt after a drop, and it gives up.
    second.serverClose(1006);
    await flush(TIMING.baseDelayMs);
    lastSocket().serverClose(1006);
    await flush(30_000); // (the revival after a minute is another test's)
    expect(FakeSocket.all).toHaveLength(3);
    expect(made.clients[1].state).toBe('failed');
  });

  it('a new WebSocket class constructs the next socket of the same client', async () => {
    class Other extends FakeSocket {}
    const view = render(provider({ WebSocket: FakeSocket }));
    await flush();
    const first = lastSocket();
    first.accept();
    view.rerender(provider({ WebSocket: Other }));
    await flush();
    expect(made.clients).toHaveLength(1);
    expect(FakeSocket.all).toEqual([first]);
    first.serverClose(1006);
    await flush(TIMING.baseDelayMs);
    expect(FakeSocket.all).toHaveLength(2);
    expect(lastSocket()).toBeInstanceOf(Other);
    lastSocket().accept();
    expect(lastSocket().rooms()).toEqual(['join-plan 42']);
  });
});

describe('the shared connection of provider-less hooks', () => {
  it('is gone once the last hook unmounts; a later hook for the url connects and joins again', async () => {
    function Solo({ planId }: { planId: string }) {
      const { participantCount, status } = usePlanWebSocket({ planId, url: URL_WS, token: 'jwt' });
      return <span>{`${status} ${participantCount}`}</span>;
    }
    const view = render(<StrictMode><Solo planId="42" /></StrictMode>);
    await flush();
    const first = lastSocket();
    first.accept();
    expect(sharedSocketCount()).toBe(1);
    view.unmount();
    await flush();
    expect(sharedSocketCount()).toBe(0);
    expect(first.closes).toEqual([{ code: 1000, reason: '' }]);

    const again = render(<StrictMode><Solo planId="42" /></StrictMode>);
    await flush();
    expect(made.clients).toHaveLength(2);
    const second = lastSocket();
    expect(FakeSocket.all).toEqual([first, second]);
    second.accept();
    expect(second.rooms()).toEqual(['join-plan 42']);
    second.message(joinConfirmation('42', [ann, bob]));
    expect(again.container.textContent).toBe('open 2');
  });
});

describe('mistakes are loud', () => {
  it('an invalid url: console.error once per connection with the code, status failed, the code not repeated', async () => {
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
    function Room() {
      const { status, error } = usePlanWebSocket({ planId: '42' });
      return <span>{`${status} ${error?.code}: ${error?.message}`}</span>;
    }
    const view = render(
      <StrictMode>
        <PlanSocketProvider url="http://h/ws" token="jwt">
          <Room />
          <Room />
        </PlanSocketProvider>
      </StrictMode>,
    );
    await flush();
    expect(made.clients).toHaveLength(0);
    expect(view.container.textContent).toMatch(/^(failed INVALID_URL: expected a ws:\/\/ or wss:\/\/ URL[^:]*){2}$/);
    // Logged once for the connection (two hooks, StrictMode): the thrown error, with its code.
    expect(logged).toHaveBeenCalledTimes(1);
    expect(logged.mock.calls[0][0]).toMatchObject({ code: 'INVALID_URL', message: expect.stringMatching(/^INVALID_URL: expected a ws:\/\/ or wss:\/\/ URL/) });
  });

  it('an invalid option is reported with its code; createPlanClient rejects with the coded error', async () => {
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
    const { result } = renderHook(() => usePlanWebSocket({ planId: '42', url: URL_WS, maxReconnectAttempts: -1 }));
    await flush();
    expect(result.current.status).toBe('failed');
    expect(result.current.error?.code).toBe('INVALID_OPTION');
    expect(result.current.error?.message).toMatch(/^maxReconnectAttempts/);
    expect(logged).toHaveBeenCalledTimes(1);
    expect((logged.mock.calls[0][0] as Error).message).toBe(`INVALID_OPTION: ${result.current.error?.message}`);
    await expect(createPlanClient({ url: URL_WS, maxReconnectAttempts: -1 })).rejects.toMatchObject({
      code: 'INVALID_OPTION',
      message: expect.stringMatching(/^INVALID_OPTION: maxReconnectAttempts/),
    });
    await expect(createPlanClient({ url: 'http://h/ws' })).rejects.toMatchObject({ code: 'INVALID_URL' });
  });
});

describe('reconnecting: the attempt and the next delay', () => {
  it('come from the reconnecting events, and go when the socket opens', async () => {
    const { result } = renderHook(() => usePlanWebSocket({ planId: '42', url: URL_WS, token: 'jwt', ...TIMING }));
    await flush();
    expect([result.current.attempt, result.current.delayMs]).toEqual([undefined, undefined]);
    lastSocket().accept();
    lastSocket().serverClose(1006);
    expect(result.current.status).toBe('reconnecting');
    expect([result.current.attempt, result.current.delayMs]).toEqual([1, 100]);
    await flush(100);
    lastSocket().serverClose(1006);
    // jitter 0: the Plan WebSocket Service protocol's exact backoff, base · 2^(attempt − 1).
    expect([result.current.attempt, result.current.delayMs]).toEqual([2, 200]);
    await flush(200);
    lastSocket().accept();
    expect(result.current.status).toBe('open');
    expect([result.current.attempt, result.current.delayMs]).toEqual([undefined, undefined]);
  });
});

describe('the hooks expose the client', () => {
  it('usePlanClient is the client (null while it loads); connectionId while open; onJoined per confirmation', async () => {
    const onJoined = vi.fn();
    const seen: (PlanClient | null)[] = [];
    const { result } = renderHook(
      () => {
        seen.push(usePlanClient());
        return usePlanWebSocket({ planId: '42', onJoined });
      },
      { wrapper: ({ children }) => <PlanSocketProvider url={URL_WS} token="jwt" {...TIMING}>{children}</PlanSocketProvider> },
    );
    expect(seen[0]).toBeNull();
    await flush();
    expect(seen.at(-1)).toBe(theClient());
    expect(result.current.connectionId).toBeUndefined();
    act(() => {
      lastSocket().onopen?.({});
      lastSocket().onmessage?.({ data: CONFIRMATION.replace('"connected":true', '"connected":true,"connectionId":"c-1"') });
    });
    expect(result.current.connectionId).toBe('c-1');
    expect(result.current.connectionId).toBe(theClient().connectionId);
    lastSocket().message(joinConfirmation('7', [ann]));
    expect(onJoined).not.toHaveBeenCalled();
    lastSocket().message(joinConfirmation('42', [ann, bob]));
    expect(onJoined).toHaveBeenCalledTimes(1);
    expect(onJoined.mock.calls[0][0]).toMatchObject({ planId: '42', participants: [ann, bob], participantCount: 2 });
    lastSocket().serverClose(1006);
    expect(result.current.connectionId).toBeUndefined();
    await flush(100);
    lastSocket().accept();
    lastSocket().message(joinConfirmation('42', [ann]));
    expect(onJoined).toHaveBeenCalledTimes(2);
  });

  it('usePlanClient without a provider or url throws NO_PROVIDER', () => {
    vi.spyOn(console, 'error').mockImplementation(() => {});
    expect(() => renderHook(() => usePlanClient())).toThrow(/^NO_PROVIDER: usePlanClient needs/);
  });
});
