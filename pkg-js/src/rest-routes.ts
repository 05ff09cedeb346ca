/**
 * The calls behind `restApi` (`rest.ts`), loaded at the first one. The default `api` of synchronized plans: the Plan WebSocket Service's REST routes, called with the
 * client's token (`Authorization: Bearer`) and connection id (`X-Connection-Id`, so the server does not
 * echo the change back on this connection), at the origin of the socket URL (`ws://host/ws` →
 * `http://host`) unless `restUrl` says otherwise. Each function the app passes in `api` replaces
 * the one here of the same name.
 */
import type { PlanApi, PlanApiContext, PlanClientOptions } from '../wasm/planwire.js';

/** An `Error` with a `code` (a `PlanwireError`). */
function coded(code: string, message: string): Error {
  return Object.assign(new Error(`${code}: ${message}`), { code });
}

/** The default functions for a client with `options`. */
export function routes(options: PlanClientOptions): Required<PlanApi> {
  /** Where the REST routes are: `restUrl`, else the socket URL's origin with `http(s)`. */
  const root = (): string => {
    // Read at the first call: a bad `url` is the client's INVALID_URL, thrown first.
    if (options.restUrl) return options.restUrl.replace(/\/+$/, '');
    const url = new URL(options.url);
    return `${url.protocol === 'wss:' ? 'https:' : 'http:'}//${url.host}`;
  };
  const plan = (planId: string) => `/api/plans/${encodeURIComponent(planId)}`;
  const task = (taskId: number | string) => `/api/tasks/${encodeURIComponent(String(taskId))}`;

  /**
   * One call; a 401 is retried once with a fresh token from `getToken`. Resolves to the body (as `task`,
   * which a write resolves to) and `X-Seq`.
   */
  async function call(method: string, path: string, context: PlanApiContext, body?: unknown): Promise<{ task: never; seq?: number }> {
    const what = `${method} ${path}`;
    for (let attempt = 0; ; attempt++) {
      // The connection's token, else the fixed one, else one from `getToken`; on the retry a fresh one.
      const token = await (attempt && options.getToken ? options.getToken() : (context.token ?? options.token ?? options.getToken?.()));
      const headers: Record<string, string> = {};
      if (token) headers.Authorization = `Bearer ${token}`;
      if (context.connectionId) headers['X-Connection-Id'] = context.connectionId;
      if (body !== undefined) headers['Content-Type'] = 'application/json';
      let res: Response;
      try {
        // No body: JSON.stringify(undefined) is undefined.
        res = await fetch(`${root()}${path}`, { method, headers, body: JSON.stringify(body) });
      } catch (e) {
        throw coded('REQUEST_FAILED', `${what}: ${(e as Error).message ?? e}`);
      }
      if (res.status === 401 && !attempt && options.getToken) continue;
      const text = await res.text();
      let json: unknown;
      try {
        json = text ? JSON.parse(text) : undefined;
      } catch {
        throw coded('REQUEST_FAILED', `${what}: ${res.status}, not JSON`);
      }
      if (!res.ok) {
        const error = json as { code?: unknown; message?: unknown } | undefined;
        const code = typeof error?.code === 'string' ? error.code : 'REQUEST_FAILED';
        throw coded(code, typeof error?.message === 'string' ? error.message : `${what}: ${res.status}`);
      }
      const seq = Number(res.headers.get('X-Seq') ?? NaN);
      return { task: json as never, seq: Number.isSafeInteger(seq) ? seq : undefined };
    }
  }

  return {
    loadPlan: async (planId, context) => (await call('GET', plan(planId), context)).task,
    createTask: async (planId, fields, context) => call('POST', `${plan(planId)}/tasks`, context, fields),
    updateTask: async (_planId, taskId, patch, context) => call('PATCH', task(taskId), context, patch),
    deleteTask: async (_planId, taskId, context) => ({ seq: (await call('DELETE', task(taskId), context)).seq }),
    reorderTasks: async (planId, taskIds, context) => ({ seq: (await call('POST', `${plan(planId)}/tasks/reorder`, context, { taskIds })).seq }),
  };
}
