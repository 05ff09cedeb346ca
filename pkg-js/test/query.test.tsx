// @vitest-environment happy-dom
// planwire/query: a synchronized plan in TanStack Query's cache, with the real client over the real wasm
// and the fake server (planwire/testing) for the stream; the app's queryFn is the loader.
//
// Checklist:
// - [x] the queryFn loads the plan (once, through the cache); the query's data is the synchronized plan
//   and the app's other fields are kept
// - [x] a live change lands in the cache, read by another component with plain `useQuery`
// - [x] a write is in the cache at once
// - [x] a resync reloads through the queryFn; window focus does not refetch
import { act, cleanup, render, screen, waitFor } from '@testing-library/react';
import { QueryClient, QueryClientProvider, useQuery } from '@tanstack/react-query';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeAll, expect, it } from 'vitest';
import { loadPlanwire } from '../src/index.js';
import type { Task } from '../src/index.js';
import { usePlanQuery } from '../src/query.js';
import { PlanSocketProvider } from '../src/react.js';
import { createTestServer } from '../src/testing.js';

afterEach(cleanup);
beforeAll(() => loadPlanwire(readFileSync(fileURLToPath(import.meta.url).replace(/test\/query\.test\.tsx$/, 'wasm/planwire_bg.wasm'))));

interface AppPlan {
  title: string;
  tasks: Task[];
  seq: number;
}

const task = (id: number, title: string): Task => ({ id, title, status: 'not_started' });

function setup() {
  const server = createTestServer();
  const queryClient = new QueryClient();
  const loads: number[] = [];
  let tasks = [task(1, 'a')];
  // The app's API: the plan with the seq it reflects (the fake server's room starts at 0).
  const queryFn = async (): Promise<AppPlan> => {
    loads.push(Date.now());
    return { title: 'Launch', tasks, seq: seq() };
  };
  let seq = () => 0;
  const writes: string[] = [];
  const api = {
    updateTask: async (_planId: string, taskId: number | string, patch: Record<string, unknown>) => {
      writes.push(`update ${taskId} ${JSON.stringify(patch)}`);
      return new Promise<never>(() => {});
    },
  };
  function Board() {
    const plan = usePlanQuery<AppPlan>({ planId: '123', queryKey: ['plan', '123'], queryFn });
    (globalThis as { plan?: typeof plan }).plan = plan;
    return <p data-testid="board">{plan.data ? `${plan.data.title}: ${plan.data.tasks.map((t) => t.title).join(',')}` : 'pending'}</p>;
  }
  function Elsewhere() {
    const { data } = useQuery<AppPlan>({ queryKey: ['plan', '123'], enabled: false });
    return <p data-testid="elsewhere">{data ? data.tasks.length : '-'}</p>;
  }
  render(
    <QueryClientProvider client={queryClient}>
      <PlanSocketProvider url={server.url} WebSocket={server.WebSocket} token="t" api={api}>
        <Board />
        <Elsewhere />
      </PlanSocketProvider>
    </QueryClientProvider>,
  );
  return { server, queryClient, loads, setTasks: (t: Task[]) => (tasks = t), setSeq: (f: () => number) => (seq = f), writes };
}

it('keeps the query cache equal to the synchronized plan', async () => {
  const { server, queryClient, loads, writes } = setup();
  await server.waitForJoin('123');
  await waitFor(() => expect(screen.getByTestId('board').textContent).toBe('Launch: a'));
  expect(loads).toHaveLength(1);
  await act(async () => server.taskCreated('123', task(2, 'b')));
  await waitFor(() => expect(screen.getByTestId('board').textContent).toBe('Launch: a,b'));
  expect(screen.getByTestId('elsewhere').textContent).toBe('2');
  expect(queryClient.getQueryData<AppPlan>(['plan', '123'])?.title).toBe('Launch');

  const plan = (globalThis as { plan?: { updateTask: (id: number, patch: object) => Promise<unknown> } }).plan!;
  await act(async () => void plan.updateTask(1, { title: 'A' }));
  await waitFor(() => expect(screen.getByTestId('board').textContent).toBe('Launch: A,b'));
  expect(writes).toEqual(['update 1 {"title":"A"}']);

  await act(async () => void window.dispatchEvent(new Event('focus')));
  expect(loads).toHaveLength(1);
});

it('reloads through the queryFn after a resync', async () => {
  const { server, loads, setTasks, setSeq } = setup();
  await server.waitForJoin('123');
  await waitFor(() => expect(loads).toHaveLength(1));
  setTasks([task(1, 'a'), task(3, 'reloaded')]);
  setSeq(() => 10);
  await act(async () => server.resync('123'));
  await waitFor(() => expect(screen.getByTestId('board').textContent).toBe('Launch: a,reloaded'));
  expect(loads).toHaveLength(2);
});
