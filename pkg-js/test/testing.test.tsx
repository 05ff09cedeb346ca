// @vitest-environment happy-dom
// planwire/testing as an app team uses it: the README's example tests (a component on usePlanWebSocket,
// and a board on usePlan served by server.api; Vitest + Testing Library, the real client over the real
// wasm, no network), then each thing the fake server simulates — joins and leaves, presence counts, drops
// and reconnects, refused tokens, resync — and the plans it serves (api, remote, failNext, hold, helpers).
import { act, cleanup, render, screen, waitFor } from '@testing-library/react';
import { useState } from 'react';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createPlanClient, loadPlanwire } from '../src/index.js';
import type { Task } from '../src/index.js';
import { PlanSocketProvider, usePlan, usePlanWebSocket } from '../src/react.js';
import { createTestServer } from '../src/testing.js';
import type { TestServer } from '../src/testing.js';

afterEach(cleanup);

// Only in this repository: Vite rewrites the facade's `new URL(…, import.meta.url)` in our sources to a
// dev-server URL, so hand it the module (an installed package needs nothing: see the packaging matrix).
beforeAll(() => loadPlanwire(readFileSync(fileURLToPath(import.meta.url).replace(/test\/testing\.test\.tsx$/, 'wasm/planwire_bg.wasm'))));

// ---- the README's example -------------------------------------------------------------------------

function TaskTitle({ planId }: { planId: string }) {
  const [title, setTitle] = useState('…');
  const { participantCount, status } = usePlanWebSocket({ planId, onTaskUpdated: (task) => setTitle(task.title) });
  return (
    <p>
      {title} · {participantCount} here · {status}
    </p>
  );
}

it('shows a task change pushed by the test server', async () => {
  const server = createTestServer({ user: { userId: 1, userName: 'ann' } });
  render(
    <PlanSocketProvider url={server.url} WebSocket={server.WebSocket} token="test-token">
      <TaskTitle planId="123" />
    </PlanSocketProvider>,
  );
  await server.waitForJoin('123');
  await act(async () => server.taskUpdated('123', { id: 1, title: 'Ship it', status: 'completed' }));
  expect(screen.getByText('Ship it · 1 here · open')).toBeTruthy();
});

// ---- the README's board example (usePlan on server.api): keep it as the README has it -----------

function Board({ planId }: { planId: string }) {
  const { tasks, pending, updateTask } = usePlan(planId);
  return (
    <ul>
      {tasks.map((t) => (
        <li key={t.id} onClick={() => updateTask(t.id, { status: 'completed' }).catch(() => {})}>
          {t.title}: {t.status}
          {pending.includes(String(t.id)) && ' (saving)'}
        </li>
      ))}
    </ul>
  );
}

it('the README’s board example: completes a task: shown at once, saved, and rolled back when the server refuses', async () => {
  const server = createTestServer({ plans: { '123': [{ id: 1, title: 'Ship it', status: 'in_progress' }] } });
  render(
    <PlanSocketProvider url={server.url} WebSocket={server.WebSocket} api={server.api} token="test-token">
      <Board planId="123" />
    </PlanSocketProvider>,
  );
  const held = server.hold('updateTask'); // the next update waits for release()
  const task = await screen.findByText('Ship it: in_progress');
  await act(async () => task.click());
  expect(screen.getByText('Ship it: completed (saving)')).toBeTruthy(); // shown at once
  await act(() => held.release());
  await waitFor(() => expect(screen.getByText('Ship it: completed')).toBeTruthy()); // saved
  expect(server.tasks('123')).toEqual([{ id: 1, title: 'Ship it', status: 'completed' }]);

  await act(async () => server.remote.updateTask('123', 1, { status: 'in_progress' })); // another user
  const refused = server.hold('updateTask');
  await act(async () => screen.getByText('Ship it: in_progress').click());
  expect(screen.getByText('Ship it: completed (saving)')).toBeTruthy();
  await act(() => refused.fail('FORBIDDEN'));
  expect(screen.getByText('Ship it: in_progress')).toBeTruthy(); // rolled back
});

// ---- what the fake server simulates ---------------------------------------------------------------

/** Renders one hook under a provider on `server`; returns what it last rendered. */
function mount(server: TestServer, planId = '123', options: Record<string, unknown> = {}) {
  const seen = { tasks: [] as Task[], resyncs: 0, result: null as ReturnType<typeof usePlanWebSocket> | null };
  function Probe() {
    seen.result = usePlanWebSocket({ planId, onTaskCreated: (t) => seen.tasks.push(t), onResync: () => seen.resyncs++ });
    return null;
  }
  const view = render(
    <PlanSocketProvider url={server.url} WebSocket={server.WebSocket} token="t" baseDelayMs={1} maxDelayMs={5} {...options}>
      <Probe />
    </PlanSocketProvider>,
  );
  return { seen, view };
}

describe('createTestServer', () => {
  it('lets a test assert joins and leaves, and sends the token the app gave', async () => {
    const server = createTestServer();
    const { view } = mount(server);
    await server.waitForJoin('123');
    expect(server.opened).toEqual(['ws://planwire.test/ws?token=t']);
    expect(server.received).toContainEqual({ type: 'join-plan', planId: '123' });
    view.unmount();
    await server.waitForLeave('123');
    expect(server.received.at(-1)).toEqual({ type: 'leave-plan', planId: '123' });
    await waitFor(() => expect(server.openSockets).toBe(0));
  });

  it('counts participants as others join and leave', async () => {
    const server = createTestServer();
    const { seen } = mount(server);
    await server.waitForJoin('123');
    await waitFor(() => expect(seen.result?.participantCount).toBe(1));
    await act(async () => server.userJoined('123', { userId: 2, userName: 'bob' }));
    expect(seen.result?.participants).toEqual([{ userId: 1, userName: 'me' }, { userId: 2, userName: 'bob' }]);
    await act(async () => server.userLeft('123', 2));
    expect(seen.result?.participantCount).toBe(1);
  });

  it('drops the connection: the client reconnects, re-joins and recovers what was sent meanwhile', async () => {
    const server = createTestServer();
    const { seen } = mount(server);
    await server.waitForJoin('123');
    await act(async () => server.taskCreated('123', { id: 1, title: 'a', status: 'todo' }));
    await act(async () => server.drop());
    await waitFor(() => expect(server.opened).toHaveLength(2));
    await server.waitForJoin('123');
    expect(server.received.filter((f) => f.type === 'join-plan').at(-1)).toEqual({ type: 'join-plan', planId: '123', lastSeq: 1, epoch: 'epoch-1' });
    await act(async () => server.taskCreated('123', { id: 2, title: 'b', status: 'todo' }));
    await waitFor(() => expect(seen.result?.status).toBe('open'));
    expect(seen.tasks.map((t) => t.id)).toEqual([1, 2]);
    expect(seen.resyncs).toBe(0);
  });

  it('refuses tokens: a fixed token ends in failed/unauthorized', async () => {
    const server = createTestServer();
    server.refuse(4001, 'token expired');
    const { seen } = mount(server);
    await waitFor(() => expect(seen.result?.status).toBe('failed'));
    expect(seen.result?.error).toEqual({ code: 'FAILED', message: 'unauthorized: token expired' });
    expect(server.opened).toHaveLength(1);
  });

  it('simulates lost messages: the hook reports a resync and the lost frame never reaches the app', async () => {
    const server = createTestServer();
    const { seen } = mount(server);
    await server.waitForJoin('123');
    await act(async () => server.resync('123'));
    await waitFor(() => expect(seen.result?.resyncCount).toBe(1));
    expect(seen.resyncs).toBe(1);
  });
});

// ---- the plans it serves (server.api, remote, the helpers' stored tasks) -------------------------

describe('createTestServer: plans', () => {
  const a: Task = { id: 1, title: 'a', status: 'not_started' };
  const b: Task = { id: 7, title: 'b', status: 'completed' };

  it('serves a plan as GET /api/plans/:planId does: tasks (copies), progress, seq and epoch', async () => {
    const seeded = [a, b];
    const server = createTestServer({ plans: { '123': seeded } });
    seeded.push({ id: 8, title: 'not stored', status: 'x' });
    const plan = await server.api.loadPlan('123');
    expect(plan).toEqual({ tasks: [a, b], progress: { totalTasks: 2, completedTasks: 1, completionPercentage: 50 }, seq: 0, epoch: 'epoch-1' });
    plan.tasks[0].title = 'changed by the caller';
    expect(server.tasks('123')).toEqual([a, b]);
    expect(await server.api.loadPlan('other')).toMatchObject({ tasks: [], seq: 0 });
    expect(server.calls.map((c) => [c.method, c.planId])).toEqual([['loadPlan', '123'], ['loadPlan', 'other']]);
  });

  it('writes as the REST routes do: next numeric id, stored, answered with the task and the seq', async () => {
    const server = createTestServer({ plans: { '123': [a, b] } });
    expect(await server.api.createTask('123', { title: 'c', id: 99 })).toEqual({ task: { id: 8, title: 'c', status: 'not_started' }, seq: 2 });
    expect(await server.api.updateTask('123', '8', { status: 'completed' })).toEqual({ task: { id: 8, title: 'c', status: 'completed' }, seq: 4 });
    expect(await server.api.updateTask('123', 7, { title: 'b2' })).toEqual({ task: { ...b, title: 'b2' }, seq: 5 });
    expect(await server.api.reorderTasks('123', [8, '7', 1])).toEqual({ seq: 6 });
    expect(await server.api.deleteTask('123', 1)).toEqual({ seq: 8 });
    expect(server.tasks('123').map((t) => t.id)).toEqual([8, 7]);
    expect(server.progress('123')).toEqual({ totalTasks: 2, completedTasks: 2, completionPercentage: 100 });
    expect(server.seq('123')).toBe(8);
    await expect(server.api.updateTask('123', 1, { title: 'x' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(server.api.updateTask('123', 8, {})).rejects.toMatchObject({ code: 'INVALID_MESSAGE' });
    await expect(server.api.createTask('123', { title: ' ' })).rejects.toMatchObject({ code: 'INVALID_MESSAGE' });
    await expect(server.api.reorderTasks('123', [8, 8])).rejects.toMatchObject({ code: 'INVALID_MESSAGE' });
    expect(server.seq('123')).toBe(8);
  });

  it('the broadcast helpers keep the stored tasks as a client applies them', () => {
    const server = createTestServer();
    server.setPlan('123', [a, b]);
    server.taskCreated('123', { id: 'x', title: 'x', status: 'todo' });
    server.taskUpdated('123', { ...a, title: 'a2' });
    server.taskReordered('123', ['x', 'unknown', 1]);
    expect(server.tasks('123').map((t) => [t.id, t.title])).toEqual([['x', 'x'], [1, 'a2'], [7, 'b']]);
    server.taskDeleted('123', '1');
    expect(server.tasks('123').map((t) => t.id)).toEqual(['x', 7]);
    expect(server.seq('123')).toBe(4);
    // A new task's id comes after every numeric id the server has seen.
    server.taskCreated('123', { id: 41, title: 'y', status: 'todo' });
    expect(server.remote.createTask('123', { title: 'z' }).task.id).toBe(42);
  });

  it('failNext fails the next matching calls with a coded Error; hold keeps one until released or failed', async () => {
    const server = createTestServer({ plans: { '123': [a] } });
    server.failNext('FORBIDDEN', { method: 'deleteTask', times: 2 });
    const error = await server.api.deleteTask('123', 1).catch((e: Error & { code: string }) => e);
    expect(error).toBeInstanceOf(Error);
    expect(error).toMatchObject({ code: 'FORBIDDEN' });
    await expect(server.api.deleteTask('123', 1)).rejects.toMatchObject({ code: 'FORBIDDEN' });
    expect(server.tasks('123')).toEqual([a]);
    server.failNext('UNAVAILABLE', { message: 'down' });
    await expect(server.api.loadPlan('123')).rejects.toThrow('UNAVAILABLE: down');

    const held = server.hold('updateTask');
    const update = server.api.updateTask('123', 1, { title: 'held' });
    const call = await held.arrived;
    expect(call).toMatchObject({ method: 'updateTask', args: [1, { title: 'held' }] });
    server.remote.updateTask('123', 1, { status: 'completed' });
    expect(server.tasks('123')[0]).toEqual({ ...a, status: 'completed' });
    await held.release();
    expect(await update).toEqual({ task: { id: 1, title: 'held', status: 'completed' }, seq: 3 });

    const lost = server.hold('updateTask', { applied: true });
    const answer = server.api.updateTask('123', 1, { title: 'applied' });
    await lost.arrived;
    expect(server.tasks('123')[0].title).toBe('applied');
    await lost.fail('REQUEST_FAILED', 'the answer was lost');
    await expect(answer).rejects.toMatchObject({ code: 'REQUEST_FAILED' });
    expect(server.tasks('123')[0].title).toBe('applied');
    expect((await server.waitForCall('updateTask', { count: 2 })).args).toEqual([1, { title: 'applied' }]);
  });

  it('leaves the writing connection out of the broadcast, and a client recovers it from the replay', async () => {
    const server = createTestServer({ plans: { '123': [a] } });
    const clients = await Promise.all([0, 1].map(() => createPlanClient({ url: server.url, WebSocket: server.WebSocket, token: 't', api: server.api })));
    try {
      const updates = clients.map(() => [] as (number | undefined)[]);
      clients.forEach((client, i) => {
        client.on('taskUpdated', (e) => updates[i].push(e.seq ?? undefined));
        client.syncPlan('123');
        client.connect();
      });
      await waitFor(() => clients.forEach((c) => expect(c.plan('123')?.status).toBe('live')));
      const [mine, theirs] = clients;
      await mine.updateTask('123', 1, { title: 'mine' });
      expect(server.calls.at(-1)?.context.connectionId).toBe(mine.connectionId);
      await waitFor(() => clients.forEach((c) => expect(c.plan('123')).toMatchObject({ tasks: server.tasks('123'), seq: 1, pending: [] })));
      expect(updates[1]).toEqual([1]);
      expect(theirs.connectionId).not.toBe(mine.connectionId);
      // The writer re-joined with lastSeq 0 and was replayed its own change.
      expect(server.received.filter((f) => f.type === 'join-plan' && f.lastSeq === 0)).toHaveLength(1);
    } finally {
      clients.forEach((c) => (c.close(), c.free()));
    }
  });
});

it('shareConnection where the runtime cannot share (no Web Locks here) connects on the client’s own socket; the api gets no connection id', async () => {
  const server = createTestServer({ plans: { '123': [{ id: 1, title: 'Ship it', status: 'in_progress' }] } });
  const contexts: unknown[] = [];
  const client = await createPlanClient({
    url: server.url,
    WebSocket: server.WebSocket,
    token: 'test-token',
    shareConnection: true,
    api: { ...server.api, loadPlan: (planId, context) => (contexts.push(context), server.api.loadPlan!(planId, context)) },
  });
  client.syncPlan('123');
  client.connect();
  await waitFor(() => expect(client.plan('123')?.status).toBe('live'));
  expect(client.connectionId).toBeTruthy();
  expect(client.connectionRole).toBeUndefined();
  expect(contexts).toEqual([{ token: 'test-token' }]);
  client.close();
});
