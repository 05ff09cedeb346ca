/**
 * The board's plan functions (the client's `api` option). The client loads and writes the plan itself
 * with the Plan WebSocket Service's REST routes (`restApi`, the default); the demo only wraps the load
 * to keep the plan's title, which `GET /api/plans/:planId` returns beside the tasks.
 */
import { useSyncExternalStore } from 'react';
import { restApi } from 'planwire';
import type { PlanApi, PlanData } from 'planwire';
import { getToken, wsUrl } from './config';

const rest = restApi({ url: wsUrl, getToken });

const titles = new Map<string, string>();
const listeners = new Set<() => void>();

/** `api` for the provider: the default REST calls, the load noting the plan's title. */
export const planApi: PlanApi = {
  loadPlan: async (planId, context) => {
    const data = (await rest.loadPlan(planId, context)) as PlanData & { title?: unknown };
    if (typeof data.title === 'string' && titles.get(planId) !== data.title) {
      titles.set(planId, data.title);
      listeners.forEach((l) => l());
    }
    return data;
  },
};

const subscribe = (listener: () => void) => {
  listeners.add(listener);
  return () => void listeners.delete(listener);
};

/** The title of `planId` from its last load, `undefined` before. */
export function usePlanTitle(planId: string): string | undefined {
  return useSyncExternalStore(subscribe, () => titles.get(planId));
}
