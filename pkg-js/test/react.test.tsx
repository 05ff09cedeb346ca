import { StrictMode, useState } from 'react';
import type { ReactNode } from 'react';
import { act, cleanup, render, renderHook } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FakeClient } from './fake-client.js';
import { PlanSocketProvider, usePlanWebSocket } from '../src/react.js';
import type { PlanSocketProviderProps, UsePlanWebSocketOptions } from '../src/react.js';
import { sharedSocketCount } from '../src/socket.js';
import type { Task } from '../src/index.js';

const created = vi.hoisted(() => ({ fail: null as Error | null, gate: null as Promise<void> | null }));
vi.mock('../src/index.js', async () => {
  const { FakeClient } = await import('./fake-client.js');
  return {
    loadPlanwire: vi.fn(async () => {}),
    createPlanClient: vi.fn(async (options) => {
      await created.gate;
      if (created.fail) throw created.fail;
      return new FakeClient(options);
    }),
  };
});

/** Runs every timer and microtask queued so far (deferred leaves and closes use setTimeout 0). */
const flush = () => act(() => new Promise<void>((resolve) => setTimeout(resolve, 0)));
const client = () => {
  expect(FakeClient.instances).toHaveLength(1);
  return FakeClient.instances[0];
};
const task = (id: number, status = 'not_started'): Task => ({ id, title: `Task ${id}`, status });

function wrapper({ children }: { children: ReactNode }) {
  return (
    <PlanSocketProvider url="ws://127.0.0.1:1/ws" token="jwt">
      {children}
    </PlanSocketProvider>
  );
}

beforeEach(() => {
  FakeClient.instances = [];
  created.fail = null;
  created.gate = null;
});
// Unmounting releases shared connections a macrotask later: let that happen before the next test.
afterEach(async () => {
  cleanup();
  await new Promise<void>((resolve) => setTimeout(resolve, 0));
});

describe('PlanSocketProvider', () => {
  it('creates one client with the options, replays the joins made while it loaded, then connects', async () => {
    renderHook(() => usePlanWebSocket({ planId: '123' }), { wrapper });
    await flush();
    const c = client();
    expect(c.options).toEqual({ url: 'ws://127.0.0.1:1/ws', token: 'jwt' });
    expect(c.calls).toEqual(['join 123', 'connect']);
  });

  it('replays the joins and leaves made while the client loads, in order', async () => {
    let loaded!: () => void;
    created.gate = new Promise<void>((resolve) => (loaded = resolve));
    const { rerender } = renderHook((planId: string) => usePlanWebSocket({ planId }), { wrapper, initialProps: '1' });
    rerender('2');
    rerender('1');
    await flush();
    expect(FakeClient.instances).toHaveLength(0);
    await act(async () => loaded());
    expect(client().calls).toEqual(['join 1', 'join 2', 'join 1', 'leave 1', 'leave 2', 'connect']);
    expect(client().joinedPlans()).toEqual(['1']);
  });

  it('hands a token as a token, and a new token prop to the client with setToken', async () => {
    const { rerender } = render(<PlanSocketProvider url="ws://h/ws" token="old" />);
    await flush();
    const c = client();
    expect(c.options.token).toBe('old');
    expect(c.options.getToken).toBeUndefined();
    // A re-render with equal props, then a new token: the same client.
    rerender(<PlanSocketProvider url="ws://h/ws" token="old" />);
    rerender(<PlanSocketProvider url="ws://h/ws" token="new" />);
    await flush();
    expect(c.calls.filter((call) => call.startsWith('setToken'))).toEqual(['setToken new']);
    expect(FakeClient.instances).toHaveLength(1);
  });

  it('a token changed while the client loads is handed to it once it exists', async () => {
    const { rerender } = render(<PlanSocketProvider url="ws://h/ws" token="old" />);
    rerender(<PlanSocketProvider url="ws://h/ws" token="new" />);
    await flush();
    const c = client();
    expect(c.options.token).toBe('old');
    expect(c.calls).toEqual(['setToken new', 'connect']);
  });

  it('hands a getToken as a getToken that calls the latest getToken prop', async () => {
    const first = vi.fn(async () => 'a');
    const second = vi.fn(async () => 'b');
    const { rerender } = render(<PlanSocketProvider url="ws://h/ws" getToken={first} />);
    await flush();
    const c = client();
    expect(c.options.token).toBeUndefined();
    rerender(<PlanSocketProvider url="ws://h/ws" getToken={second} />);
    await expect(c.options.getToken!()).resolves.toBe('b');
    expect(first).not.toHaveBeenCalled();
    expect(FakeClient.instances).toHaveLength(1);
  });

  it('gives the client no token option when the app gives none', async () => {
    render(<PlanSocketProvider url="ws://h/ws" />);
    await flush();
    expect(client().options).toEqual({ url: 'ws://h/ws' });
  });

  it('closes and frees the client a macrotask after unmount', async () => {
    const { unmount } = renderHook(() => usePlanWebSocket({ planId: '123' }), { wrapper });
    await flush();
    const c = client();
    act(() => c.open());
    unmount();
    expect(c.closes).toBe(0);
    await flush();
    expect(c.closes).toBe(1);
    expect(c.freed).toBe(true);
  });

  it('replaces the client when the url changes', async () => {
    const { rerender } = render(<PlanSocketProvider url="ws://a/ws" token="t" />);
    await flush();
    rerender(<PlanSocketProvider url="ws://b/ws" token="t" />);
    await flush();
    const [a, b] = FakeClient.instances;
    expect(FakeClient.instances).toHaveLength(2);
    expect(a.closes).toBe(1);
    expect(b.options.url).toBe('ws://b/ws');
    expect(b.connects).toBe(1);
  });

  it('makes a new connection when an option the live client cannot take changes value, not for equal props', async () => {
    function Room() {
      usePlanWebSocket({ planId: '123' });
      return null;
    }
    const view = render(<PlanSocketProvider url="ws://h/ws" token="t" maxReconnectAttempts={3}><Room /></PlanSocketProvider>);
    await flush();
    const first = client();
    act(() => first.open());
    // Equal values (new objects, another order): the same client.
    view.rerender(<PlanSocketProvider maxReconnectAttempts={3} token="t" url="ws://h/ws"><Room /></PlanSocketProvider>);
    await flush();
    expect(FakeClient.instances).toEqual([first]);
    const changes: Partial<PlanSocketProviderProps>[] = [
      { maxReconnectAttempts: 5 },
      { maxReconnectAttempts: 5, authMode: 'message' },
      { maxReconnectAttempts: 5, authMode: 'message', baseDelayMs: 10, pingIntervalMs: 1000 },
      { maxReconnectAttempts: 5, authMode: 'message', baseDelayMs: 10, pingIntervalMs: 1000, debug: true },
    ];
    for (const [i, change] of changes.entries()) {
      view.rerender(<PlanSocketProvider url="ws://h/ws" token="t" {...change}><Room /></PlanSocketProvider>);
      await flush();
      expect(FakeClient.instances).toHaveLength(i + 2);
      const [before, now] = FakeClient.instances.slice(-2);
      expect([before.closes, before.freed]).toEqual([1, true]);
      expect(now.options).toEqual({ url: 'ws://h/ws', token: 't', ...change });
      // The hook below moved to the new client: joined there, and the old one was left.
      expect(now.calls).toEqual(['join 123', 'connect']);
      expect(before.joinedPlans()).toEqual([]);
    }
  });

  it('keeps the connection when only functions change identity, and calls the latest one', async () => {
    class SocketA {
      constructor(readonly url: string) {}
    }
    class SocketB {
      constructor(readonly url: string) {}
    }
    const logged: string[] = [];
    const view = render(
      <PlanSocketProvider url="ws://h/ws" getToken={async () => 'a'} debug={() => logged.push('a')} WebSocket={SocketA as never} />,
    );
    await flush();
    const c = client();
    view.rerender(<PlanSocketProvider url="ws://h/ws" getToken={async () => 'b'} debug={() => logged.push('b')} WebSocket={SocketB as never} />);
    await flush();
    expect(FakeClient.instances).toEqual([c]);
    await expect(c.options.getToken!()).resolves.toBe('b');
    (c.options.debug as (entry: unknown) => void)({ type: 'event' });
    expect(logged).toEqual(['b']);
    const socket = new (c.options.WebSocket as unknown as new (url: string) => object)('ws://h/ws');
    expect(socket).toBeInstanceOf(SocketB);
    expect(socket).toEqual({ url: 'ws://h/ws' });
  });

  it('makes a new connection when getToken or WebSocket is given or removed, or debug turns into a function', async () => {
    const view = render(<PlanSocketProvider url="ws://h/ws" token="t" />);
    await flush();
    const getToken = async () => 'fresh';
    const steps: Partial<PlanSocketProviderProps>[] = [
      { getToken },
      { getToken, WebSocket: class {} as never },
      { getToken, WebSocket: class {} as never, debug: true },
      { getToken, WebSocket: class {} as never, debug: () => {} },
      { getToken },
    ];
    for (const [i, step] of steps.entries()) {
      view.rerender(<PlanSocketProvider url="ws://h/ws" token="t" {...step} />);
      await flush();
      expect(FakeClient.instances).toHaveLength(i + 2);
      expect(Object.keys(FakeClient.instances[i + 1].options).sort()).toEqual(['token', 'url', ...Object.keys(step)].sort());
    }
  });

  it('reports a client that cannot be created as failed with the error code', async () => {
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
    created.fail = Object.assign(new Error('INVALID_URL: expected ws:// or wss://'), { code: 'INVALID_URL' });
    const { result } = renderHook(() => usePlanWebSocket({ planId: '123' }), { wrapper });
    await flush();
    expect(result.current.status).toBe('failed');
    // The message does not repeat the code (apps show `${code}: ${message}`).
    expect(result.current.error).toEqual({ code: 'INVALID_URL', message: 'expected ws:// or wss://' });
    expect(logged.mock.calls).toEqual([[created.fail]]);
  });

  it("reports an error's code property as the error code", async () => {
    vi.spyOn(console, 'error').mockImplementation(() => {});
    created.fail = Object.assign(new Error('the module is not there'), { code: 'NOT_LOADED' });
    const { result } = renderHook(() => usePlanWebSocket({ planId: '123' }), { wrapper });
    await flush();
    expect(result.current.status).toBe('failed');
    expect(result.current.error).toEqual({ code: 'NOT_LOADED', message: 'the module is not there' });
  });

  it('throws a clear error when the hook has neither a provider nor a url', () => {
    vi.spyOn(console, 'error').mockImplementation(() => {});
    expect(() => renderHook(() => usePlanWebSocket({ planId: '1' }))).toThrow(
      'NO_PROVIDER: usePlanWebSocket needs a <PlanSocketProvider> above it or a url option',
    );
  });

  it("uses the provider's connection and ignores the hook's connection options", async () => {
    const inside = vi.fn();
    const outside = vi.fn();
    function Inside() {
      usePlanWebSocket({ planId: '123', url: 'ws://ignored/ws', token: 'ignored', onTaskCreated: inside });
      return null;
    }
    function Outside() {
      usePlanWebSocket({ planId: '123', url: 'ws://ignored/ws', token: 'own', onTaskCreated: outside });
      return null;
    }
    render(<><PlanSocketProvider url="ws://p/ws" token="jwt"><Inside /></PlanSocketProvider><Outside /></>);
    await flush();
    // Two clients: the provider's, and the one shared by provider-less hooks with that url.
    expect(FakeClient.instances.map((c) => c.options.url).sort()).toEqual(['ws://ignored/ws', 'ws://p/ws']);
    const p = FakeClient.instances.find((c) => c.options.url === 'ws://p/ws')!;
    const shared = FakeClient.instances.find((c) => c !== p)!;
    expect(p.joinedPlans()).toEqual(['123']);
    expect(p.options.token).toBe('jwt');
    expect(shared.options.token).toBe('own');
    act(() => p.emit('taskCreated', { planId: '123', task: task(1) }));
    expect(inside).toHaveBeenCalledOnce();
    expect(outside).not.toHaveBeenCalled();
  });
});

describe('usePlanWebSocket without a provider', () => {
  const url = 'ws://solo/ws';
  function Room({ planId, at = url }: { planId: string; at?: string }) {
    const { participantCount } = usePlanWebSocket({ planId, url: at, token: 't' });
    return <span>{participantCount}</span>;
  }

  it('connects to its url with its options and joins', async () => {
    const onTaskCreated = () => {};
    const { result } = renderHook(() =>
      usePlanWebSocket({ planId: '123', url, token: 'jwt', maxReconnectAttempts: 2, enabled: true, onTaskCreated }),
    );
    await flush();
    const c = client();
    // Only client options: not the hook's planId, enabled or callbacks.
    expect(c.options).toEqual({ url, token: 'jwt', maxReconnectAttempts: 2 });
    expect(c.calls).toEqual(['join 123', 'connect']);
    act(() => c.open());
    expect(result.current.isConnected).toBe(true);
    act(() => c.setParticipants('123', [{ userId: 1, userName: 'a' }]));
    expect(result.current.participantCount).toBe(1);
  });

  it('hands the token of the hook rendered last to the client with setToken', async () => {
    const { rerender } = renderHook((token: string) => usePlanWebSocket({ planId: '123', url, token }), {
      initialProps: 'old',
    });
    await flush();
    rerender('new');
    await flush();
    expect(client().calls).toEqual(['join 123', 'connect', 'setToken new']);
  });

  it('shares one client between hooks with the same url; each join goes to it', async () => {
    const view = render(<><Room planId="123" /><Room planId="123" /></>);
    await flush();
    const c = client();
    expect(c.connects).toBe(1);
    act(() => c.open());
    view.rerender(<Room planId="123" />);
    await flush();
    expect(c.roomCalls()).toEqual(['join 123', 'join 123', 'leave 123']);
    expect(c.closes).toBe(0);
    view.rerender(<><Room planId="123" /><Room planId="456" /></>);
    await flush();
    expect(c.joinedPlans()).toEqual(['123', '456']);
    expect(FakeClient.instances).toHaveLength(1);
  });

  it('gives different urls different clients', async () => {
    render(<><Room planId="123" at="ws://a/ws" /><Room planId="456" at="ws://b/ws" /></>);
    await flush();
    const [a, b] = FakeClient.instances;
    expect(FakeClient.instances).toHaveLength(2);
    expect([a.options.url, a.joinedPlans()]).toEqual(['ws://a/ws', ['123']]);
    expect([b.options.url, b.joinedPlans()]).toEqual(['ws://b/ws', ['456']]);
  });

  it('leaves, closes and frees the client a macrotask after the last hook unmounts', async () => {
    const view = render(<><Room planId="123" /><Room planId="123" /></>);
    await flush();
    const c = client();
    act(() => c.open());
    view.rerender(<Room planId="123" />);
    await flush();
    expect(c.closes).toBe(0);
    view.unmount();
    expect(c.closes).toBe(0);
    await flush();
    expect(c.calls.slice(-4)).toEqual(['leave 123', 'leave 123', 'close', 'free']);
    expect(c.joinedPlans()).toEqual([]);
    expect(c.closes).toBe(1);
    expect(c.freed).toBe(true);
    // A later hook opens a new connection.
    render(<Room planId="123" />);
    await flush();
    expect(FakeClient.instances).toHaveLength(2);
    expect(FakeClient.instances[1].connects).toBe(1);
  });

  it('forgets the connection of a url once its last hook has left; a later hook gets a working one', async () => {
    const urls = Array.from({ length: 20 }, (_, i) => `ws://host-${i}/ws`);
    const view = render(<>{urls.map((at) => <Room key={at} planId="123" at={at} />)}</>);
    await flush();
    expect(sharedSocketCount()).toBe(20);
    expect(FakeClient.instances).toHaveLength(20);
    view.unmount();
    await flush();
    expect(sharedSocketCount()).toBe(0);
    expect(FakeClient.instances.every((c) => c.closes === 1 && c.freed)).toBe(true);

    const again = render(<><Room planId="123" at={urls[0]} /><Room planId="456" at={urls[0]} /></>);
    await flush();
    expect(sharedSocketCount()).toBe(1);
    const c = FakeClient.instances[20];
    expect(FakeClient.instances).toHaveLength(21);
    expect([c.options.url, c.connects, c.joinedPlans()]).toEqual([urls[0], 1, ['123', '456']]);
    act(() => c.open());
    act(() => c.setParticipants('123', [{ userId: 1, userName: 'a' }]));
    expect(again.container.textContent).toBe('10');
  });

  it('keeps the connection of a url while a disabled hook holds it: enabling it later shares one client', async () => {
    function Toggle({ enabled }: { enabled: boolean }) {
      usePlanWebSocket({ planId: '7', url, token: 't', enabled });
      return null;
    }
    const view = render(<><Toggle enabled={false} /><Room planId="123" /></>);
    await flush();
    const first = client();
    view.rerender(<Toggle enabled={false} />);
    await flush();
    expect([first.closes, first.freed]).toEqual([1, true]);
    expect(sharedSocketCount()).toBe(1);
    view.rerender(<><Toggle enabled /><Room planId="123" /></>);
    await flush();
    expect(FakeClient.instances).toHaveLength(2);
    expect(FakeClient.instances[1].joinedPlans()).toEqual(['7', '123']);
    view.unmount();
    await flush();
    expect(sharedSocketCount()).toBe(0);
  });

  it('opens no connection while enabled is false', async () => {
    renderHook(() => usePlanWebSocket({ planId: '123', url, enabled: false }));
    await flush();
    expect(FakeClient.instances).toHaveLength(0);
  });

  it('opens one client under StrictMode', async () => {
    const view = render(
      <StrictMode>
        <Room planId="123" />
        <Room planId="123" />
      </StrictMode>,
    );
    await flush();
    const c = client();
    expect(c.connects).toBe(1);
    expect(sharedSocketCount()).toBe(1);
    act(() => c.open());
    await flush();
    expect(c.joinedPlans()).toEqual(['123']);
    expect(c.closes).toBe(0);
    expect(sharedSocketCount()).toBe(1);
    view.unmount();
    await flush();
    expect(c.closes).toBe(1);
    expect(sharedSocketCount()).toBe(0);
  });
});

describe('usePlanWebSocket', () => {
  it("shows the client's state and rooms, read when the client reports a change", async () => {
    const { result } = renderHook(() => usePlanWebSocket({ planId: '123' }), { wrapper });
    expect(result.current).toMatchObject({ isConnected: false, participantCount: 0, status: 'idle', error: null });
    await flush();
    expect(result.current.status).toBe('connecting');
    const c = client();
    act(() => c.open());
    expect(result.current.isConnected).toBe(true);
    const alice = { userId: 1, userName: 'alice' };
    const bob = { userId: 2, userName: 'bob' };
    act(() => c.setParticipants('123', [alice]));
    expect(result.current.participantCount).toBe(1);
    const before = result.current.participants;
    // A snapshot stays the same object until the client reports a change of this room.
    act(() => c.setParticipants('456', [bob]));
    expect(result.current.participants).toBe(before);
    act(() => c.setParticipants('123', [alice, bob]));
    expect(result.current.participants).toEqual([alice, bob]);
    expect(result.current.participantCount).toBe(2);
    // The error is kept until the socket opens again.
    act(() => c.emit('error', { code: 'RATE_LIMITED', message: 'slow down' }));
    act(() => c.setState('reconnecting'));
    expect(result.current).toMatchObject({ isConnected: false, status: 'reconnecting' });
    expect(result.current.error).toEqual({ code: 'RATE_LIMITED', message: 'slow down', planId: undefined });
    act(() => c.open());
    expect(result.current.error).toBeNull();
    act(() => c.emit('failed', { code: 'max-attempts', reason: 'max-attempts', willReconnect: true }));
    expect(result.current.error).toEqual({ code: 'FAILED', message: 'max-attempts' });
  });

  it('calls the latest callbacks without re-subscribing or re-joining on re-render', async () => {
    const first = vi.fn();
    const second = vi.fn();
    const { rerender } = renderHook((props: UsePlanWebSocketOptions) => usePlanWebSocket(props), {
      wrapper,
      initialProps: { planId: '123', onTaskUpdated: first } as UsePlanWebSocketOptions,
    });
    await flush();
    const c = client();
    act(() => c.open());
    rerender({ planId: '123', onTaskUpdated: second });
    rerender({ planId: '123', onTaskUpdated: second, onTaskCreated: () => {} });
    await flush();
    const event = { planId: '123', task: task(1, 'completed'), seq: 7 };
    act(() => c.emit('taskUpdated', event));
    expect(first).not.toHaveBeenCalled();
    expect(second).toHaveBeenCalledExactlyOnceWith(event.task, event);
    expect(c.roomCalls()).toEqual(['join 123']);
  });

  it('passes each event kind to its callback with the seed 000 argument', async () => {
    const calls: unknown[][] = [];
    const record = (name: string) => (...args: unknown[]) => calls.push([name, args[0]]);
    renderHook(
      () =>
        usePlanWebSocket({
          planId: '123',
          onTaskUpdated: record('updated'),
          onTaskCreated: record('created'),
          onTaskDeleted: record('deleted'),
          onTaskReordered: record('reordered'),
          onProgressUpdated: record('progress'),
          onUserJoined: record('joined'),
          onUserLeft: record('left'),
          onResync: record('resync'),
        }),
      { wrapper },
    );
    await flush();
    const c = client();
    const progress = { totalTasks: 2, completedTasks: 1, completionPercentage: 50 };
    act(() => {
      c.emit('taskUpdated', { planId: '123', task: task(1) });
      c.emit('taskCreated', { planId: '123', task: task(2) });
      c.emit('taskDeleted', { planId: '123', taskId: '1' });
      c.emit('taskReordered', { planId: '123', taskIds: ['2', '1'] });
      c.emit('progressUpdated', { planId: '123', progress });
      c.emit('userJoined', { planId: '123', userId: 2, userName: 'bob', participantCount: 2 });
      c.emit('userLeft', { planId: '123', userId: 2, participantCount: 1 });
      c.emit('resync', { planId: '123', reason: 'not-recovered' });
      c.emit('taskUpdated', { planId: '999', task: task(9) });
    });
    expect(calls).toEqual([
      ['updated', task(1)],
      ['created', task(2)],
      ['deleted', '1'],
      ['reordered', ['2', '1']],
      ['progress', progress],
      ['joined', { planId: '123', userId: 2, userName: 'bob', participantCount: 2 }],
      ['left', { planId: '123', userId: 2, participantCount: 1 }],
      ['resync', { planId: '123', reason: 'not-recovered' }],
    ]);
  });

  it('loses no event to batching: a burst in one task reaches state in order', async () => {
    function Board() {
      const [tasks, setTasks] = useState<(number | string)[]>([]);
      usePlanWebSocket({ planId: '123', onTaskCreated: (t) => setTasks((prev) => [...prev, t.id]) });
      return <output data-testid="tasks">{tasks.join(',')}</output>;
    }
    const view = render(<Board />, { wrapper });
    await flush();
    const c = client();
    act(() => {
      for (let id = 1; id <= 50; id++) c.emit('taskCreated', { planId: '123', task: task(id) });
    });
    expect(view.getByTestId('tasks').textContent).toBe(Array.from({ length: 50 }, (_, i) => i + 1).join(','));
  });

  it('leaves the old room and joins the new one when planId changes', async () => {
    const onTaskDeleted = vi.fn();
    const { rerender, result } = renderHook((props: UsePlanWebSocketOptions) => usePlanWebSocket(props), {
      wrapper,
      initialProps: { planId: '123', onTaskDeleted },
    });
    await flush();
    const c = client();
    act(() => c.open());
    act(() => c.setParticipants('123', [{ userId: 1, userName: 'a' }]));
    expect(result.current.participantCount).toBe(1);
    rerender({ planId: '456', onTaskDeleted });
    expect(result.current.participantCount).toBe(0);
    await flush();
    expect(c.roomCalls()).toEqual(['join 123', 'join 456', 'leave 123']);
    act(() => {
      c.emit('taskDeleted', { planId: '123', taskId: '1' });
      c.emit('taskDeleted', { planId: '456', taskId: '2' });
    });
    expect(onTaskDeleted.mock.calls.map((call) => call[0])).toEqual(['2']);
  });

  it('enabled: false leaves the room and stops callbacks; true joins again', async () => {
    const onTaskCreated = vi.fn();
    const { rerender, result } = renderHook((props: UsePlanWebSocketOptions) => usePlanWebSocket(props), {
      wrapper,
      initialProps: { planId: '123', enabled: true, onTaskCreated },
    });
    await flush();
    const c = client();
    act(() => c.open());
    act(() => c.setParticipants('123', [{ userId: 1, userName: 'a' }]));
    rerender({ planId: '123', enabled: false, onTaskCreated });
    await flush();
    expect(c.roomCalls()).toEqual(['join 123', 'leave 123']);
    expect(result.current.participantCount).toBe(0);
    act(() => c.emit('taskCreated', { planId: '123', task: task(1) }));
    expect(onTaskCreated).not.toHaveBeenCalled();
    rerender({ planId: '123', enabled: true, onTaskCreated });
    expect(c.roomCalls()).toEqual(['join 123', 'leave 123', 'join 123']);
    act(() => c.emit('taskCreated', { planId: '123', task: task(2) }));
    expect(onTaskCreated).toHaveBeenCalledOnce();
  });

  it('never joins while enabled is false from the start', async () => {
    renderHook(() => usePlanWebSocket({ planId: '123', enabled: false }), { wrapper });
    await flush();
    expect(client().roomCalls()).toEqual([]);
  });

  it('counts resyncs of its plan and reconnects on demand', async () => {
    const { result } = renderHook(() => usePlanWebSocket({ planId: '123' }), { wrapper });
    await flush();
    const c = client();
    act(() => c.emit('resync', { planId: '123', reason: 'gap' }));
    act(() => c.emit('resync', { planId: '456', reason: 'gap' }));
    expect(result.current.resyncCount).toBe(1);
    act(() => result.current.reconnect());
    expect(c.reconnects).toBe(1);
  });
});

describe('StrictMode', () => {
  function Room({ planId }: { planId: string }) {
    const { participantCount } = usePlanWebSocket({ planId });
    return <span>{participantCount}</span>;
  }

  it('opens exactly one client and leaves each plan joined once', async () => {
    const view = render(
      <StrictMode>
        <PlanSocketProvider url="ws://h/ws" token="t">
          <Room planId="123" />
          <Room planId="456" />
        </PlanSocketProvider>
      </StrictMode>,
    );
    await flush();
    const c = client();
    expect(c.connects).toBe(1);
    act(() => c.open());
    await flush();
    expect(c.joinedPlans()).toEqual(['123', '456']);
    expect(c.closes).toBe(0);
    view.unmount();
    await flush();
    expect(c.closes).toBe(1);
  });
});

describe('loading the module early', () => {
  it('starts when a provider or a standalone hook first renders, before any effect runs', async () => {
    const { loadPlanwire } = await import('../src/index.js');
    const { renderToString } = await import('react-dom/server');
    const load = vi.mocked(loadPlanwire);
    load.mockClear();
    // renderToString runs no effect: only the render itself can start the load.
    renderToString(<PlanSocketProvider url="ws://early/ws" token="t" />);
    expect(load).toHaveBeenCalledTimes(1);
    function Standalone() {
      usePlanWebSocket({ planId: '1', url: 'ws://early-standalone/ws', token: 't' });
      return null;
    }
    renderToString(<Standalone />);
    expect(load).toHaveBeenCalledTimes(2);
    expect(FakeClient.instances, 'no client yet: that is the effects’ job').toHaveLength(0);
  });
});
