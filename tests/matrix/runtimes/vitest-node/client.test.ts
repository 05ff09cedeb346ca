// Vitest's default `node` environment, no config: the package from node_modules, `ws` as the WebSocket
// option, the live mock server (PLANWIRE_MATRIX_SERVER=HOST:PORT).
import { expect, it } from 'vitest';
import WebSocket from 'ws';
import { createPlanClient } from 'planwire';
import type { PlanEvents } from 'planwire';

const server = process.env.PLANWIRE_MATRIX_SERVER;
const planId = '123'; // the mock server's demo plan (alice and bob)
const title = 'created over REST (vitest node)';

async function post<T>(path: string, body: unknown, token?: string): Promise<T> {
  const res = await fetch(`http://${server}${path}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${path}: HTTP ${res.status}`);
  return res.json() as Promise<T>;
}

it('connects with ws, joins and receives a change made over REST', async () => {
  expect(server).toBeTruthy();
  expect(typeof window).toBe('undefined');
  const { token } = await post<{ token: string }>('/api/v1/faults/token', { userId: 1, userName: 'alice' });
  const client = await createPlanClient({ url: `ws://${server}/ws`, token, WebSocket });
  try {
    const joined = new Promise<PlanEvents['joined']>((resolve) => client.on('joined', (e) => e.planId === planId && resolve(e)));
    const created = new Promise<PlanEvents['taskCreated']>((resolve) => client.on('taskCreated', (e) => e.task.title === title && resolve(e)));
    client.join(planId);
    client.connect();
    await joined;
    expect(client.state).toBe('open');
    await post(`/api/plans/${planId}/tasks`, { title }, token);
    expect((await created).task.title).toBe(title);
  } finally {
    client.close();
    client.free();
  }
}, 15_000);
