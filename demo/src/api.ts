/** The mock server's REST routes (seed 000), called with the page user's bearer token. */
import type { Progress, Task } from 'planwire';
import { getToken, httpBase } from './config';

/** `GET /api/plans/:planId`. */
export interface Plan {
  id: string;
  title: string;
  tasks: Task[];
  progress: Progress;
}

let token: Promise<string> | undefined;

async function call<T>(method: string, path: string, body?: unknown, retried = false): Promise<T> {
  token ??= getToken();
  const res = await fetch(`${httpBase}${path}`, {
    method,
    headers: { Authorization: `Bearer ${await token}`, ...(body ? { 'Content-Type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  if (res.status === 401 && !retried) {
    token = undefined;
    return call(method, path, body, true);
  }
  const text = await res.text();
  const json = text ? JSON.parse(text) : undefined;
  if (!res.ok) throw new Error(`${json?.code ?? res.status}: ${json?.message ?? res.statusText}`);
  return json as T;
}

/** A task from a response that is either the task or `{ task }`. */
const taskOf = (x: Task | { task: Task }): Task => ('task' in x && x.task && typeof x.task === 'object' ? (x.task as Task) : (x as Task));

export const loadPlan = (planId: string) => call<Plan>('GET', `/api/plans/${encodeURIComponent(planId)}`);
export const createTask = async (planId: string, title: string) =>
  taskOf(await call('POST', `/api/plans/${encodeURIComponent(planId)}/tasks`, { title }));
export const updateTask = async (taskId: Task['id'], change: { title?: string; status?: string }) =>
  taskOf(await call('PATCH', `/api/tasks/${encodeURIComponent(taskId)}`, change));
export const deleteTask = (taskId: Task['id']) => call<unknown>('DELETE', `/api/tasks/${encodeURIComponent(taskId)}`);
export const reorderTasks = (planId: string, taskIds: string[]) =>
  call<unknown>('POST', `/api/plans/${encodeURIComponent(planId)}/tasks/reorder`, { taskIds });
