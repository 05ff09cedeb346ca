/**
 * Synchronized plans in React: `usePlan(planId)` renders the plan the client keeps synchronized
 * (`client.syncPlan(planId)`, read with `client.plan(planId)`), and writes through the client, which shows
 * them at once and rolls them back on failure. `usePlanSelector` / `usePlanTask` re-render only when what
 * they select changes: the client hands out the same object for a task until that task changes.
 */
import { useCallback, useInsertionEffect, useMemo, useRef, useSyncExternalStore } from './react-hooks.js';
import type { AppTask, Id, PlanClientOptions, PlanSnapshot, Progress, RequestError, TaskFields } from './index.js';
import { idKey } from './index.js';
import { useJoined, useSocket } from './socket.js';

/** A synchronized plan as the hooks render it: `PlanSnapshot` with your task type. */
export type PlanView<T = AppTask> = Omit<PlanSnapshot, 'tasks'> & { tasks: T[] };

/** The fields of a new task, or the fields to change: your task type's, but `id`. */
export type TaskPatch<T = AppTask> = Partial<Omit<T, 'id'>> & TaskFields;

/** What `usePlan` returns: the plan, and its writes (each shown at once; the promise rejects, rolled back, on failure). */
export interface UsePlanResult<T = AppTask> {
  /** The tasks in order, your pending writes included; `[]` while `status` is `'loading'`. */
  tasks: T[];
  /** The progress: the server's, or counted from `tasks` while writes are pending. */
  progress: Progress;
  /** `'loading' | 'live' | 'resyncing' | 'error'`. */
  status: PlanSnapshot['status'];
  /** Why the last load failed (`{ code, message }`), retried meanwhile; else `null`. */
  error: RequestError | null;
  /** The ids (as `idKey` gives them) of tasks with a write not yet confirmed: dim or mark them. */
  pending: string[];
  /** Adds a task; resolves to the task as the server stored it. */
  createTask: (fields: TaskPatch<T>) => Promise<T>;
  /** Changes fields of a task; resolves to the task as the server stored it. */
  updateTask: (taskId: Id, patch: TaskPatch<T>) => Promise<T>;
  /** Deletes a task. */
  deleteTask: (taskId: Id) => Promise<void>;
  /** Puts the tasks in this order (every task id of the plan). */
  reorderTasks: (taskIds: Id[]) => Promise<void>;
}

/** Options of the plan hooks: the client options, used only without a `PlanSocketProvider` above. */
export interface UsePlanOptions extends Partial<PlanClientOptions> {
  /** `false` stops synchronizing (the plan reads as loading); default true. */
  enabled?: boolean;
}

const PROGRESS: Progress = { totalTasks: 0, completedTasks: 0, completionPercentage: 0 };
/** The plan before the client has it, one object per plan id (a snapshot must keep its identity). */
const loading = new Map<string, PlanView<never>>();
function loadingView(planId: string): PlanView<never> {
  let view = loading.get(planId);
  if (!view) loading.set(planId, (view = { planId, status: 'loading', tasks: [], progress: PROGRESS, seq: null, error: null, pending: [] }));
  return view;
}

/**
 * A value selected from the synchronized plan `planId`, re-rendering only when it changes (`Object.is`,
 * or `isEqual`). Under a `PlanSocketProvider`, or given the client options like `usePlanWebSocket`.
 */
export function usePlanSelector<R, T = AppTask>(
  planId: string,
  select: (plan: PlanView<T>) => R,
  options: UsePlanOptions = {},
  isEqual: (a: R, b: R) => boolean = Object.is,
): R {
  const { socket } = useSocket(options, 'usePlan');
  const active = options.enabled !== false && !!planId;
  useJoined(socket, active ? planId : '', true);
  const latest = useRef({ select, isEqual });
  useInsertionEffect(() => {
    latest.current = { select, isEqual };
  });
  const last = useRef<{ plan: PlanView<T>; value: R } | null>(null);
  const get = useCallback((): R => {
    const plan = ((active && socket.getPlan(planId)) || loadingView(planId)) as PlanView<T>;
    const prev = last.current;
    if (prev?.plan === plan) return prev.value;
    let value = latest.current.select(plan);
    if (prev && latest.current.isEqual(prev.value, value)) value = prev.value;
    last.current = { plan, value };
    return value;
  }, [socket, planId, active]);
  return useSyncExternalStore(socket.subscribe, get, get);
}

/** One task of the synchronized plan `planId` (`undefined` while absent): re-renders only when that task changes. */
export function usePlanTask<T = AppTask>(planId: string, taskId: Id, options: UsePlanOptions = {}): T | undefined {
  const key = idKey(taskId);
  const select = useCallback((plan: PlanView<T>) => plan.tasks.find((t) => idKey((t as { id: Id }).id) === key), [key]);
  return usePlanSelector(planId, select, options);
}

/**
 * The plan `planId`, synchronized by the client while mounted: loaded once the room is joined, every
 * change applied once and in order, reloaded by itself after a `resync`; your writes shown at once.
 * Under a `PlanSocketProvider`, or given the client options (`url`, …) like `usePlanWebSocket`. Tasks are
 * `AppTask`: your `Register['task']` if you declared one.
 */
export function usePlan<T = AppTask>(planId: string, options: UsePlanOptions = {}): UsePlanResult<T> {
  const { socket } = useSocket(options, 'usePlan');
  const plan = usePlanSelector<PlanView<T>, T>(planId, (p) => p, options);
  const writes = useMemo(
    () => ({
      createTask: (fields: TaskPatch<T>) => socket.write((c) => c.createTask(planId, fields as TaskFields) as Promise<T>),
      updateTask: (taskId: Id, patch: TaskPatch<T>) => socket.write((c) => c.updateTask(planId, taskId, patch as TaskFields) as Promise<T>),
      deleteTask: (taskId: Id) => socket.write((c) => c.deleteTask(planId, taskId)),
      reorderTasks: (taskIds: Id[]) => socket.write((c) => c.reorderTasks(planId, taskIds)),
    }),
    [socket, planId],
  );
  return useMemo(
    () => ({ tasks: plan.tasks, progress: plan.progress, status: plan.status, error: plan.error, pending: plan.pending, ...writes }),
    [plan, writes],
  );
}
