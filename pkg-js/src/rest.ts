/**
 * The default `api` of synchronized plans: the Plan WebSocket Service's REST routes (`rest-routes.ts`,
 * imported at the first call, so an app that never syncs a plan does not load them up front).
 */
import type { PlanApi, PlanClientOptions } from '../wasm/planwire.js';

let loading: Promise<typeof import('./rest-routes.js')> | undefined;

/**
 * The REST routes' functions for a client with `options`: each calls the route with the client's token
 * (`Authorization: Bearer`, retried once with a fresh `getToken` token on a 401) and connection id
 * (`X-Connection-Id`), at the socket URL's origin with `http(s)` unless `restUrl` says otherwise.
 */
export function restApi(options: PlanClientOptions): Required<PlanApi> {
  let api: Promise<Required<PlanApi>> | undefined;
  const call =
    <K extends keyof PlanApi>(name: K) =>
    (...args: Parameters<Required<PlanApi>[K]>) =>
      (api ??= (loading ??= import('./rest-routes.js')).then((m) => m.routes(options))).then((a) =>
        (a[name] as (...a: unknown[]) => unknown)(...args),
      ) as never;
  return {
    loadPlan: call('loadPlan'),
    createTask: call('createTask'),
    updateTask: call('updateTask'),
    deleteTask: call('deleteTask'),
    reorderTasks: call('reorderTasks'),
  };
}
