// @vitest-environment happy-dom
// planwire/testing as an app team uses it: the README's example test (a component on usePlanWebSocket,
// Vitest + Testing Library, the real client over the real wasm, no network), then each thing the fake
// server simulates — joins and leaves, presence counts, drops and reconnects, refused tokens, resync.
import { act, cleanup, render, screen, waitFor } from '@testing-library/react';
import { useState } from 'react';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadPlanwire } from '../src/index.js';
import type { Task } from '../src/index.js';
import { PlanSocketProvider, usePlanWebSocket } from '../src/react.js';
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
