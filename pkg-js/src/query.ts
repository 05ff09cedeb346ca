'use client';
/**
 * planwire/query — synchronized plans in TanStack Query's cache. `usePlanQuery` keeps the plan
 * synchronized by the client and writes its tasks and progress into your query cache under your
 * `queryKey`, so components that read that query (`useQuery`, `useQueryClient().getQueryData`) render
 * the live plan. Your `queryFn` is the plan's loader (called through `fetchQuery`, so it is cached and
 * deduplicated as usual); reloading after a reconnect or a `resync` is the client's job, so the query
 * never refetches on its own (`staleTime: Infinity`, no refetch on focus, reconnect or mount).
 *
 * ```tsx
 * const plan = usePlanQuery({ planId, queryKey: ['plan', planId], queryFn: () => api.getPlan(planId) });
 * if (plan.isPending) return <Spinner />;
 * return <Board tasks={plan.data.tasks} onRename={(id, title) => plan.updateTask(id, { title })} />;
 * ```
 *
 * What `queryFn` resolves to is kept, with `tasks` and `progress` replaced by the synchronized ones; it
 * needs `tasks` (and, for exact results, the `seq` they reflect, as `GET /api/plans/:planId` answers).
 */
import { useEffect } from './react-hooks.js';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import type { QueryKey, UseQueryResult } from '@tanstack/react-query';
import type { AppTask, PlanData, Progress } from './index.js';
import { usePlan } from './plan.js';
import type { UsePlanOptions, UsePlanResult } from './plan.js';
import { usePlanClient } from './react.js';

/** Options of `usePlanQuery`: the plan, your query, and (without a `PlanSocketProvider`) the client options. */
export interface UsePlanQueryOptions<TData extends { tasks: unknown[] }> extends UsePlanOptions {
  /** The plan to synchronize. */
  planId: string;
  /** Where the plan lives in your query cache. */
  queryKey: QueryKey;
  /** Loads the plan: your API client's call (resolving `{ tasks, …, seq? }`). */
  queryFn: () => Promise<TData>;
}

/** `useQuery`'s result for the plan's query, with the plan's writes and synchronization status. */
export type UsePlanQueryResult<TData, T = AppTask> = UseQueryResult<TData> &
  Pick<UsePlanResult<T>, 'createTask' | 'updateTask' | 'deleteTask' | 'reorderTasks' | 'pending'> & {
    /** The synchronization's status (`'loading' | 'live' | 'resyncing' | 'error'`); `status` is the query's. */
    planStatus: UsePlanResult<T>['status'];
  };

/**
 * Synchronizes `planId` while mounted and keeps `queryKey`'s data equal to it: see the module's
 * documentation. Writes (`createTask`, …) are shown at once in the cache, like `usePlan`'s.
 */
export function usePlanQuery<TData extends { tasks: unknown[] } = PlanData, T = AppTask>(
  options: UsePlanQueryOptions<TData>,
): UsePlanQueryResult<TData, T> {
  const { planId, queryKey, queryFn, ...clientOptions } = options;
  const queryClient = useQueryClient();
  const client = usePlanClient(clientOptions);
  const hash = JSON.stringify(queryKey);
  // The plan's loader goes through the cache with the app's queryFn (registered before the load).
  useEffect(() => {
    if (!client) return;
    const load = () => queryClient.fetchQuery({ queryKey, queryFn, staleTime: 0 }) as unknown as Promise<PlanData>;
    client.planLoaders.set(planId, load);
    return () => {
      if (client.planLoaders.get(planId) === load) client.planLoaders.delete(planId);
    };
  }, [client, planId, hash, queryClient]);
  const plan = usePlan<T>(planId, clientOptions);
  useEffect(() => {
    if (plan.status === 'loading') return;
    queryClient.setQueryData<TData>(queryKey, (old) => ({ ...(old as TData), tasks: plan.tasks, progress: plan.progress as Progress }));
  }, [plan.tasks, plan.progress, plan.status, hash, queryClient]);
  const query = useQuery<TData>({
    queryKey,
    queryFn,
    enabled: false,
    staleTime: Infinity,
    refetchOnMount: false,
    refetchOnReconnect: false,
    refetchOnWindowFocus: false,
  });
  const { createTask, updateTask, deleteTask, reorderTasks, pending, status } = plan;
  return { ...query, createTask, updateTask, deleteTask, reorderTasks, pending, planStatus: status } as UsePlanQueryResult<TData, T>;
}
