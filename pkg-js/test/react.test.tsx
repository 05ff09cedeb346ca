import { StrictMode, useState } from 'react';
import type { ReactNode } from 'react';
import { act, cleanup, render, renderHook } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FakeClient } from './fake-client.js';
import { PlanSocketProvider, usePlanWebSocket } from '../src/react.js';
import type { UsePlanWebSocketOptions } from '../src/react.js';
import type { Task } from '../src/index.js';

const created = vi.hoisted(() => ({ fail: null as Error | null }));
vi.mock('../src/index.js', async () => {
  const { FakeClient } = await import('./fake-client.js');
  return {
    createPlanClient: vi.fn(async (options) => {
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
});
// Unmounting releases shared connections a macrotask later: let that happen before the next test.
afterEach(async () => {
  cleanup();
  await new Promise<void>((resolve) => setTimeout(resolve, 0));
});

describe('PlanSocketProvider', () => {
  it('creates one client with the options, joins queued plans and connects', async () => {
    renderHook(() => usePlanWebSocket({ planId: '123' }), { wrapper });
    await flush();
    const c = client();
    expect(c.options.url).toBe('ws://127.0.0.1:1/ws');
    await expect(c.options.getToken!()).resolves.toBe('jwt');
    expect(c.connects).toBe(1);
    expect(c.joinedPlans()).toEqual(['123']);
    act(() => c.open());
    expect(c.frames).toEqual(['join-plan 123']);
  });

  it('reads the latest token prop at each connect', async () => {
    const { rerender } = render(<PlanSocketProvider url="ws://h/ws" token="old" />);
    await flush();
    rerender(<PlanSocketProvider url="ws://h/ws" token="new" />);
    await expect(client().options.getToken!()).resolves.toBe('new');
    expect(FakeClient.instances).toHaveLength(1);
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

  it('reports a client that cannot be created as failed with the error code', async () => {
    created.fail = new Error('INVALID_URL: expected ws:// or wss://');
    const { result } = renderHook(() => usePlanWebSocket({ planId: '123' }), { wrapper });
    await flush();
    expect(result.current.status).toBe('failed');
    expect(result.current.error).toEqual({ code: 'INVALID_URL', message: 'INVALID_URL: expected ws:// or wss://' });
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
    await expect(p.options.getToken!()).resolves.toBe('jwt');
    await expect(shared.options.getToken!()).resolves.toBe('own');
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
    const { result } = renderHook(() => usePlanWebSocket({ planId: '123', url, token: 'jwt', maxReconnectAttempts: 2 }));
    await flush();
    const c = client();
    expect(c.options).toMatchObject({ url, maxReconnectAttempts: 2 });
    await expect(c.options.getToken!()).resolves.toBe('jwt');
    expect(c.connects).toBe(1);
    act(() => c.open());
    expect(c.frames).toEqual(['join-plan 123']);
    expect(result.current.isConnected).toBe(true);
    act(() => c.emit('joined', { planId: '123', participants: [], participantCount: 4 }));
    expect(result.current.participantCount).toBe(4);
  });

  it('reads the token of the hook rendered last at each connect', async () => {
    const { rerender } = renderHook((token: string) => usePlanWebSocket({ planId: '123', url, token }), {
      initialProps: 'old',
    });
    await flush();
    rerender('new');
    await expect(client().options.getToken!()).resolves.toBe('new');
  });

  it('shares one client and one join between hooks with the same url', async () => {
    const view = render(<><Room planId="123" /><Room planId="123" /></>);
    await flush();
    const c = client();
    expect(c.connects).toBe(1);
    act(() => c.open());
    view.rerender(<Room planId="123" />);
    await flush();
    expect(c.frames).toEqual(['join-plan 123']);
    expect(c.closes).toBe(0);
    view.rerender(<><Room planId="123" /><Room planId="456" /></>);
    await flush();
    expect(c.frames).toEqual(['join-plan 123', 'join-plan 456']);
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
    expect(c.frames).toEqual(['join-plan 123', 'leave-plan 123']);
    expect(c.closes).toBe(1);
    expect(c.freed).toBe(true);
    // A later hook opens a new connection.
    render(<Room planId="123" />);
    await flush();
    expect(FakeClient.instances).toHaveLength(2);
    expect(FakeClient.instances[1].connects).toBe(1);
  });

  it('opens no connection while enabled is false', async () => {
    renderHook(() => usePlanWebSocket({ planId: '123', url, enabled: false }));
    await flush();
    expect(FakeClient.instances).toHaveLength(0);
  });

  it('opens one client and sends one join-plan under StrictMode', async () => {
    const view = render(
      <StrictMode>
        <Room planId="123" />
        <Room planId="123" />
      </StrictMode>,
    );
    await flush();
    const c = client();
    expect(c.connects).toBe(1);
    act(() => c.open());
    await flush();
    expect(c.frames).toEqual(['join-plan 123']);
    expect(c.closes).toBe(0);
    view.unmount();
    await flush();
    expect(c.closes).toBe(1);
  });
});

describe('usePlanWebSocket', () => {
  it('reads the connection status and the room through the store', async () => {
    const { result } = renderHook(() => usePlanWebSocket({ planId: '123' }), { wrapper });
    expect(result.current).toMatchObject({ isConnected: false, participantCount: 0, status: 'idle', error: null });
    await flush();
    expect(result.current.status).toBe('connecting');
    const c = client();
    act(() => c.open());
    expect(result.current.isConnected).toBe(true);
    const alice = { userId: 1, userName: 'alice' };
    const bob = { userId: 2, userName: 'bob' };
    act(() => c.emit('joined', { planId: '123', participants: [alice], participantCount: 1 }));
    expect(result.current.participantCount).toBe(1);
    act(() => c.emit('participantsChanged', { planId: '123', participants: [alice, bob], participantCount: 2 }));
    expect(result.current.participants).toEqual([alice, bob]);
    expect(result.current.participantCount).toBe(2);
    // Another plan's room does not leak into this one.
    act(() => c.emit('participantsChanged', { planId: '456', participants: [bob], participantCount: 1 }));
    expect(result.current.participantCount).toBe(2);
    // Disconnected: nobody is known to be there; the error is kept until the socket opens again.
    act(() => c.emit('error', { code: 'RATE_LIMITED', message: 'slow down' }));
    act(() => c.drop());
    expect(result.current).toMatchObject({ isConnected: false, status: 'reconnecting', participantCount: 0 });
    expect(result.current.error).toEqual({ code: 'RATE_LIMITED', message: 'slow down', planId: undefined });
    act(() => c.open());
    expect(result.current.error).toBeNull();
    act(() => c.emit('failed', { reason: 'max-attempts' }));
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
    expect(c.frames).toEqual(['join-plan 123']);
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
      c.emit('resync', { planId: '123', reason: 'history-exceeded' });
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
      ['resync', { planId: '123', reason: 'history-exceeded' }],
    ]);
  });

  it('loses no event to batching: a burst in one task reaches state in order', async () => {
    function Board() {
      const [tasks, setTasks] = useState<number[]>([]);
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

  it('a throwing callback neither stops the next hook nor hides the error', async () => {
    const boom = new Error('boom');
    const other = vi.fn();
    function Two() {
      usePlanWebSocket({
        planId: '123',
        onTaskCreated: () => {
          throw boom;
        },
      });
      usePlanWebSocket({ planId: '123', onTaskCreated: other });
      return null;
    }
    render(<Two />, { wrapper });
    await flush();
    const c = client();
    const reject = vi.spyOn(Promise, 'reject').mockImplementation(() => Promise.resolve() as Promise<never>);
    try {
      act(() => c.emit('taskCreated', { planId: '123', task: task(1) }));
      expect(reject).toHaveBeenCalledWith(boom);
    } finally {
      reject.mockRestore();
    }
    expect(other).toHaveBeenCalledExactlyOnceWith(task(1), { planId: '123', task: task(1) });
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
    act(() => c.emit('joined', { planId: '123', participants: [], participantCount: 3 }));
    rerender({ planId: '456', onTaskDeleted });
    expect(result.current.participantCount).toBe(0);
    await flush();
    expect(c.frames).toEqual(['join-plan 123', 'join-plan 456', 'leave-plan 123']);
    expect(c.joinedPlans()).toEqual(['456']);
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
    act(() => c.emit('joined', { planId: '123', participants: [], participantCount: 2 }));
    rerender({ planId: '123', enabled: false, onTaskCreated });
    await flush();
    expect(c.frames).toEqual(['join-plan 123', 'leave-plan 123']);
    expect(result.current.participantCount).toBe(0);
    act(() => c.emit('taskCreated', { planId: '123', task: task(1) }));
    expect(onTaskCreated).not.toHaveBeenCalled();
    rerender({ planId: '123', enabled: true, onTaskCreated });
    expect(c.frames).toEqual(['join-plan 123', 'leave-plan 123', 'join-plan 123']);
    act(() => c.emit('taskCreated', { planId: '123', task: task(2) }));
    expect(onTaskCreated).toHaveBeenCalledOnce();
  });

  it('never joins while enabled is false from the start', async () => {
    renderHook(() => usePlanWebSocket({ planId: '123', enabled: false }), { wrapper });
    await flush();
    const c = client();
    act(() => c.open());
    expect(c.frames).toEqual([]);
  });

  it('shares one join between two hooks on the same plan', async () => {
    function One() {
      usePlanWebSocket({ planId: '123' });
      return null;
    }
    const view = render(<><One /><One /></>, { wrapper });
    await flush();
    const c = client();
    act(() => c.open());
    view.rerender(<One />);
    await flush();
    expect(c.frames).toEqual(['join-plan 123']);
    view.rerender(<></>);
    await flush();
    expect(c.frames).toEqual(['join-plan 123', 'leave-plan 123']);
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

  it('opens exactly one client and sends one join-plan per plan', async () => {
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
    expect(c.frames.sort()).toEqual(['join-plan 123', 'join-plan 456']);
    expect(c.closes).toBe(0);
    view.unmount();
    await flush();
    expect(c.closes).toBe(1);
  });

  it('sends one join-plan when a room mounts on an already open socket', async () => {
    const view = render(
      <StrictMode>
        <PlanSocketProvider url="ws://h/ws" token="t" />
      </StrictMode>,
    );
    await flush();
    const c = client();
    act(() => c.open());
    view.rerender(
      <StrictMode>
        <PlanSocketProvider url="ws://h/ws" token="t">
          <Room planId="123" />
        </PlanSocketProvider>
      </StrictMode>,
    );
    await flush();
    expect(c.frames).toEqual(['join-plan 123']);
  });
});
