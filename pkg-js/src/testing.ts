/**
 * planwire/testing — a fake plan server for an app's own tests, with no network and no mock server.
 *
 * It speaks the Plan WebSocket Service protocol to the real planwire client through the client's
 * `WebSocket` option: pass `server.url` and `server.WebSocket` to `PlanSocketProvider` (or `usePlanWebSocket`, or
 * `createPlanClient`), then push `task-updated`, `user-joined`, presence and the rest, assert joins,
 * leaves and presence sent, and simulate drops, refused tokens, restarts and `resync`. Frames reach the client asynchronously (a microtask
 * later), as a real socket's would: wrap pushes in Testing Library's `act` and await it.
 *
 * It also keeps each plan's tasks and serves them as the REST routes would: pass `server.api` as the
 * client's `api` option (a `PlanSocketProvider` prop) and synchronized plans (`usePlan`, `syncPlan`) load
 * from it and write to it — the change stored, broadcast to the room with its `seq` (leaving out the
 * connection that made it, as the real server does), answered with the task and the room's `seq`. Start a
 * plan's tasks with the `plans` option or `setPlan`, read them back with `tasks(planId)`, make calls fail
 * (`failNext`) or wait (`hold`) to test optimistic writes, rollbacks and races, and make other users'
 * changes with `remote`.
 *
 * ```tsx
 * const server = createTestServer({ user: { userId: 1, userName: 'ann' }, plans: { '123': [{ id: 1, title: 'Draft', status: 'not_started' }] } });
 * render(<PlanSocketProvider url={server.url} WebSocket={server.WebSocket} api={server.api} token="t"><Board planId="123" /></PlanSocketProvider>);
 * await screen.findByText('Draft');
 * await act(async () => server.remote.updateTask('123', 1, { title: 'Ship it', status: 'completed' }));
 * expect(screen.getByText('Ship it')).toBeTruthy();
 * ```
 */
import { CloseCode } from './index.js';
import type {
  ErrorCode,
  Participant,
  PlanApiContext,
  PresenceEntry,
  PresenceState,
  Progress,
  Task,
  TaskFields,
  UserId,
} from './index.js';

/** Options of `createTestServer`. */
export interface TestServerOptions {
  /** The user every connection authenticates as (default `{ userId: 1, userName: 'me' }`). */
  user?: Participant;
  /** The URL to give the client (default `ws://planwire.test/ws`); any `ws://` URL works. */
  url?: string;
  /** Each plan's tasks at the start, in order, by plan id (as `setPlan`); any other plan starts empty. */
  plans?: Record<string, Task[]>;
}

/** A frame a client sent, parsed: `{ type: 'join-plan', planId, lastSeq? }`, `{ type: 'ping' }`, … */
export interface ClientFrame {
  type: string;
  planId?: string;
  lastSeq?: number;
  token?: string;
  [field: string]: unknown;
}

/** The name of a function of `server.api` (and of the client's `api` option). */
export type ApiMethod = 'loadPlan' | 'createTask' | 'updateTask' | 'deleteTask' | 'reorderTasks';

/** One call of a function of `server.api`, as the client made it. */
export interface ApiCall {
  /** Which function. */
  method: ApiMethod;
  /** The plan. */
  planId: string;
  /**
   * The arguments between the plan id and the context: `[]` (loadPlan), `[fields]` (createTask),
   * `[taskId, patch]` (updateTask), `[taskId]` (deleteTask), `[taskIds]` (reorderTasks).
   */
  args: unknown[];
  /** The context the client passed: its token and its connection id. */
  context: PlanApiContext;
}

/** A plan as `server.api.loadPlan` serves it: `GET /api/plans/:planId`'s body. */
export interface TestPlanData {
  /** The plan's tasks in order (copies: the server's own are never handed out). */
  tasks: Task[];
  /** Counted from the tasks: a task is completed when its `status` is `'completed'`. */
  progress: Progress;
  /** The room's `seq` the tasks reflect. */
  seq: number;
  /** The room's history (a new one after `restart()`). */
  epoch: string;
}

/** What a create or an update resolves to: the task as the server stored it, and the room's `seq` after the change. */
export interface TestTaskResult {
  /** The task as stored. */
  task: Task;
  /** The room's `seq` after the change (what the real server sends as `X-Seq`). */
  seq: number;
}

/** What a delete or a reorder resolves to. */
export interface TestSeqResult {
  /** The room's `seq` after the change (what the real server sends as `X-Seq`). */
  seq: number;
}

/**
 * `server.api`: a complete `PlanApi` (the client's `api` option) over the server's plans. Each write
 * changes the stored tasks and broadcasts what the real server's REST route broadcasts (the change,
 * then `progress-updated` when the number of tasks or of completed tasks changed), leaving out the
 * connection named by `context.connectionId`. A write the server refuses rejects with an `Error` whose
 * `code` says why: `NOT_FOUND` (no such task), `INVALID_MESSAGE` (a create without a title, an empty
 * patch, a reorder that does not name every task once), or what `failNext` / `HeldCall.fail` gave.
 */
export interface TestPlanApi {
  /** The plan's tasks, progress, `seq` and epoch (an unknown plan is an empty one). */
  loadPlan(planId: string, context?: PlanApiContext): Promise<TestPlanData>;
  /** Adds a task at the end with the next numeric id (`status` defaults to `'not_started'`). */
  createTask(planId: string, fields: TaskFields, context?: PlanApiContext): Promise<TestTaskResult>;
  /** Merges `patch` into the task (its `id` never changes). */
  updateTask(planId: string, taskId: number | string, patch: TaskFields, context?: PlanApiContext): Promise<TestTaskResult>;
  /** Removes the task. */
  deleteTask(planId: string, taskId: number | string, context?: PlanApiContext): Promise<TestSeqResult>;
  /** Puts the tasks in this order: every task id of the plan, once each (compared as strings). */
  reorderTasks(planId: string, taskIds: (number | string)[], context?: PlanApiContext): Promise<TestSeqResult>;
}

/**
 * `server.remote`: another user's writes, made at once, stored and broadcast to every connection in the
 * room exactly as `server.api`'s (`progress-updated` included); never failed nor held, not listed in
 * `calls`. Each throws the coded `Error` the api would reject with.
 */
export interface RemoteWrites {
  /** Another user adds a task. */
  createTask(planId: string, fields: TaskFields): TestTaskResult;
  /** Another user changes a task. */
  updateTask(planId: string, taskId: number | string, patch: TaskFields): TestTaskResult;
  /** Another user deletes a task. */
  deleteTask(planId: string, taskId: number | string): TestSeqResult;
  /** Another user reorders the tasks. */
  reorderTasks(planId: string, taskIds: (number | string)[]): TestSeqResult;
}

/** Options of `failNext`. */
export interface FailOptions {
  /** Only calls of this function fail (default: the next calls of any function, loads included). */
  method?: ApiMethod;
  /** The error's message (default: says it was `failNext`). */
  message?: string;
  /** How many calls fail (default 1). */
  times?: number;
}

/** Options of `hold`. */
export interface HoldOptions {
  /**
   * `false` (default): nothing happens on the server until `release()` — the request is slow, and
   * changes pushed meanwhile come before it. `true`: the change is made and broadcast (a load's
   * snapshot taken) when the call arrives, and only the answer waits — the response is slow, and
   * changes pushed meanwhile come after it.
   */
  applied?: boolean;
}

/** A call `hold` keeps waiting. */
export interface HeldCall {
  /** Resolves with the call once it has arrived. */
  readonly arrived: Promise<ApiCall>;
  /** Lets the call go on (now, or as soon as it arrives); resolves once it has been answered. */
  release(): Promise<void>;
  /**
   * Answers the call with this coded error instead; resolves once it has been answered. A call held
   * with `applied: true` keeps its change: the server made it, only its answer was lost.
   */
  fail(code: ErrorCode | (string & {}), message?: string): Promise<void>;
}

/** The fake server. */
export interface TestServer {
  /** The URL to pass as the client's `url`. */
  readonly url: string;
  /** The class to pass as the client's `WebSocket` option. */
  readonly WebSocket: new (url: string) => object;
  /** Every frame the clients sent, in order. */
  readonly received: readonly ClientFrame[];
  /** The URLs sockets were opened with (query-mode tokens included), in order. */
  readonly opened: readonly string[];
  /** How many sockets are open now. */
  readonly openSockets: number;
  /** Whether some open connection is in the room `planId`. */
  isJoined(planId: string): boolean;
  /** Resolves once some open connection is in `planId` (at once if one is). */
  waitForJoin(planId: string): Promise<void>;
  /** Resolves once no open connection is in `planId` (at once if none is). */
  waitForLeave(planId: string): Promise<void>;
  /** Stores the task (replacing the one with its id, else at the end) and broadcasts `task-updated` to the room. */
  taskUpdated(planId: string, task: Task): void;
  /** Stores the task (replacing the one with its id, else at the end) and broadcasts `task-created` to the room. */
  taskCreated(planId: string, task: Task): void;
  /** Removes the task from the plan and broadcasts `task-deleted` to the room. */
  taskDeleted(planId: string, taskId: number | string): void;
  /**
   * Reorders the stored tasks as a client applies `task-reordered` (the tasks named first, in that
   * order, unknown ids ignored; the others after, in their order) and broadcasts it to the room.
   */
  taskReordered(planId: string, taskIds: (number | string)[]): void;
  /** Broadcasts `progress-updated` to the room (nothing stored: `loadPlan` counts progress from the tasks). */
  progressUpdated(planId: string, progress: Progress): void;
  /** Another user joins the room (they are listed in later join confirmations until they leave). */
  userJoined(planId: string, user: Participant): void;
  /** Another user leaves the room. */
  userLeft(planId: string, userId: UserId): void;
  /** Sends an `error` message to every connection. */
  error(code: ErrorCode | (string & {}), message: string, planId?: string): void;
  /** Drops every open connection as the network would (default 1006); the client reconnects by itself. */
  drop(code?: number, reason?: string): void;
  /** Connections from now on are refused with this close code (4001: bad token) until `accept()`. */
  refuse(code?: number, reason?: string): void;
  /** Accepts connections again after `refuse()`. */
  accept(): void;
  /** Messages of the room were lost: the client gets a gap it cannot recover, and emits `resync`. */
  resync(planId: string): void;
  /**
   * The server restarts: every connection drops (1006), and each room's history starts again at `seq` 0
   * under a new epoch, so a re-joining client recovers nothing and reloads its synchronized plans. The
   * plans' tasks are kept, as a server with a database keeps them.
   */
  restart(): void;
  /**
   * Another user's presence in the room (extension): sent now, and listed in later join
   * confirmations; `state` and `typing` both `null` clears it. A user not yet in the room joins it
   * first (as `userJoined` does), since only participants have presence.
   */
  presence(planId: string, entry: PresenceEntry<PresenceState>): void;
  /** The presence states and typing marks the client sent for `planId` (`presence-update` data), in order. */
  presenceSent(planId: string): { state?: PresenceState | null; replace?: boolean; typing?: PresenceState | null }[];

  // ---- synchronized plans ----

  /** The plan functions to pass as the client's `api` option (a `PlanSocketProvider` / hook prop). */
  readonly api: TestPlanApi;
  /** Another user's writes: stored and broadcast to every connection at once. */
  readonly remote: RemoteWrites;
  /** Every call of `api`'s functions, in the order they arrived. */
  readonly calls: readonly ApiCall[];
  /**
   * Replaces the plan's tasks on the server (copies), broadcasting nothing: a client already showing
   * the plan sees them at its next load (after a `resync`, say).
   */
  setPlan(planId: string, tasks: Task[]): void;
  /** The server's tasks of the plan, in order (copies): what every client should converge to. */
  tasks(planId: string): Task[];
  /** The plan's progress counted from the server's tasks. */
  progress(planId: string): Progress;
  /** The room's last `seq` (0 before anything was broadcast). */
  seq(planId: string): number;
  /** The next call (of `options.method`, else of any function) rejects with an `Error` of this `code`. */
  failNext(code: ErrorCode | (string & {}), options?: FailOptions): void;
  /** The next call (of `method`, else of any function) waits until the returned handle lets it go. */
  hold(method?: ApiMethod, options?: HoldOptions): HeldCall;
  /**
   * Resolves with the `count`-th call (default the first) of `method`, for `planId` when given, once it
   * has arrived (at once if it has); counted from the server's start.
   */
  waitForCall(method: ApiMethod, options?: { planId?: string; count?: number }): Promise<ApiCall>;
}

const now = () => new Date().toISOString();
const clone = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;
const key = (id: unknown) => String(id);

/** An `Error` with a `code`, as the client's default REST calls reject. */
function coded(code: string, message: string): Error {
  return Object.assign(new Error(`${code}: ${message}`), { code });
}

/** A promise and its settling functions. */
function deferred<T>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/** Progress as the server counts it. */
function progressOf(tasks: readonly Task[]): Progress {
  const completedTasks = tasks.filter((t) => t.status === 'completed').length;
  const totalTasks = tasks.length;
  return { totalTasks, completedTasks, completionPercentage: totalTasks ? Math.floor((completedTasks * 100) / totalTasks) : 0 };
}

/** A fake plan server: see the module's documentation. */
export function createTestServer(options: TestServerOptions = {}): TestServer {
  const me: Participant = options.user ?? { userId: 1, userName: 'me' };
  const url = options.url ?? 'ws://planwire.test/ws';
  const received: ClientFrame[] = [];
  const opened: string[] = [];
  const sockets = new Set<FakeSocket>();
  /** Per room: its participants besides the connected user, its last seq, what can be replayed, its epoch. */
  const rooms = new Map<string, { others: Participant[]; seq: number; history: string[]; base: number; presence: PresenceEntry<PresenceState>[]; epoch: string }>();
  const waiters = new Set<() => void>();
  let refusing: [number, string] | null = null;
  let connections = 0;
  let epochs = 0;

  const room = (planId: string) => {
    let r = rooms.get(planId);
    if (!r) rooms.set(planId, (r = { others: [], seq: 0, history: [], base: 0, presence: [], epoch: `epoch-${++epochs}` }));
    return r;
  };
  const changed = () => waiters.forEach((w) => w());
  const until = (done: () => boolean) =>
    new Promise<void>((resolve) => {
      if (done()) return resolve();
      const check = () => {
        if (!done()) return;
        waiters.delete(check);
        resolve();
      };
      waiters.add(check);
    });
  const isJoined = (planId: string) => [...sockets].some((s) => s.rooms.has(planId));
  const userJoined = (planId: string, { userId, userName }: Participant) => {
    const user = { userId, userName };
    const r = room(planId);
    r.others = [...r.others.filter((p) => p.userId !== user.userId), user];
    broadcast(planId, 'join-plan', { userId: user.userId, userName: user.userName, participantCount: r.others.length + 1 });
  };
  const participants = (planId: string) => [me, ...room(planId).others];
  const confirmation = () => ({ userId: me.userId, connected: true, timestamp: now() });

  class FakeSocket {
    onopen: ((e: object) => void) | null = null;
    onmessage: ((e: { data: string }) => void) | null = null;
    onclose: ((e: { code: number; reason: string; wasClean: boolean }) => void) | null = null;
    onerror: ((e: object) => void) | null = null;
    readyState = 0;
    readonly rooms = new Set<string>();
    /** The connection id the confirmation names (the client sends it as the api's `context.connectionId`). */
    readonly id = `c${++connections}`;

    constructor(readonly url: string) {
      opened.push(url);
      queueMicrotask(() => {
        if (this.readyState !== 0) return;
        if (refusing) return this._closed(refusing[0], refusing[1]);
        this.readyState = 1;
        sockets.add(this);
        this.onopen?.({});
        this.push({ type: 'pong', data: { ...confirmation(), connectionId: this.id } });
      });
    }

    send(text: string): void {
      if (this.readyState !== 1) return;
      const frame = JSON.parse(text) as ClientFrame;
      received.push(frame);
      const planId = frame.planId;
      if (frame.type === 'ping') {
        this.push({ type: 'pong', data: confirmation() });
      } else if (frame.type === 'join-plan' && planId) {
        const r = room(planId);
        this.rooms.add(planId);
        const from = typeof frame.lastSeq === 'number' ? frame.lastSeq : undefined;
        // Replayable from `base` on, in the same history: what came before, or in another epoch, is lost.
        const sameHistory = frame.epoch === undefined || frame.epoch === r.epoch;
        const recovered = from !== undefined && sameHistory && from >= r.base && from <= r.seq;
        const list = participants(planId);
        this.push({
          type: 'join-plan',
          planId,
          data: {
            success: true,
            participantCount: list.length,
            participants: list,
            seq: r.seq,
            epoch: r.epoch,
            ...(from !== undefined && { recovered }),
            ...(r.presence.length > 0 && { presence: r.presence }),
          },
        });
        if (recovered) r.history.filter((f) => (JSON.parse(f) as { seq: number }).seq > from).forEach((f) => this.pushText(f));
        changed();
      } else if (frame.type === 'leave-plan' && planId) {
        this.rooms.delete(planId);
        changed();
      }
    }

    close(code: number = CloseCode.Normal, reason = ''): void {
      if (this.readyState > 1) return;
      this._closed(code, reason);
    }

    push(frame: object): void {
      this.pushText(JSON.stringify(frame));
    }

    pushText(text: string): void {
      queueMicrotask(() => {
        if (this.readyState === 1) this.onmessage?.({ data: text });
      });
    }

    _closed(code: number, reason: string): void {
      this.readyState = 3;
      sockets.delete(this);
      this.rooms.clear();
      changed();
      queueMicrotask(() => this.onclose?.({ code, reason, wasClean: code !== CloseCode.Abnormal }));
    }
  }

  /** Numbers a room broadcast, keeps it for replays, and sends it to the room's connections but `skip`. */
  const broadcast = (planId: string, type: string, data: object, skip?: string) => {
    const r = room(planId);
    r.seq += 1;
    const text = JSON.stringify({ type, planId, data, timestamp: now(), seq: r.seq });
    r.history.push(text);
    sockets.forEach((s) => s.rooms.has(planId) && s.id !== skip && s.pushText(text));
    return r.seq;
  };
  const toAll = (frame: object, planId?: string) =>
    sockets.forEach((s) => (planId === undefined || s.rooms.has(planId)) && s.push(frame));

  // ---- the plans' tasks ----------------------------------------------------------------------------

  const plans = new Map<string, Task[]>();
  let nextId = 1;
  /** Numeric ids the server assigns come after every numeric id it has seen. */
  const seen = (task: Task) => {
    const n = Number(task.id);
    if (Number.isSafeInteger(n) && n >= nextId) nextId = n + 1;
  };
  const planTasks = (planId: string) => {
    let tasks = plans.get(planId);
    if (!tasks) plans.set(planId, (tasks = []));
    return tasks;
  };
  const setPlan = (planId: string, tasks: Task[]) => {
    const copies = tasks.map(clone);
    copies.forEach(seen);
    plans.set(planId, copies);
  };
  Object.entries(options.plans ?? {}).forEach(([planId, tasks]) => setPlan(planId, tasks));

  /** Replaces the task with `task`'s id, or adds it at the end. */
  const store = (planId: string, task: Task) => {
    const tasks = planTasks(planId);
    const copy = clone(task);
    seen(copy);
    const i = tasks.findIndex((t) => key(t.id) === key(task.id));
    if (i >= 0) tasks[i] = copy;
    else tasks.push(copy);
  };
  const unstore = (planId: string, taskId: number | string) => {
    plans.set(planId, planTasks(planId).filter((t) => key(t.id) !== key(taskId)));
  };
  /** The tasks `taskIds` names first, in its order (unknown ids and repeats ignored), the others after. */
  const reorder = (planId: string, taskIds: (number | string)[]) => {
    const rest = [...planTasks(planId)];
    const first: Task[] = [];
    for (const id of taskIds) {
      const i = rest.findIndex((t) => key(t.id) === key(id));
      if (i >= 0) first.push(...rest.splice(i, 1));
    }
    plans.set(planId, [...first, ...rest]);
  };
  const find = (planId: string, taskId: number | string) => {
    const task = planTasks(planId).find((t) => key(t.id) === key(taskId));
    if (!task) throw coded('NOT_FOUND', `no task with id ${JSON.stringify(key(taskId))} in plan ${JSON.stringify(planId)}`);
    return task;
  };
  /** Runs a change of the plan's tasks and broadcasts it (`progress-updated` after it when the counts changed). */
  const mutate = (planId: string, change: () => [type: string, data: object], skip?: string): number => {
    const before = progressOf(planTasks(planId));
    const [type, data] = change();
    const after = progressOf(planTasks(planId));
    let seq = broadcast(planId, type, data, skip);
    if (after.totalTasks !== before.totalTasks || after.completedTasks !== before.completedTasks) {
      seq = broadcast(planId, 'progress-updated', { progress: after }, skip);
    }
    return seq;
  };

  /** The writes, as the REST routes make them; `skip` is the connection left out of the broadcast. */
  const writes = {
    createTask(planId: string, fields: TaskFields, skip?: string): TestTaskResult {
      if (typeof fields?.title !== 'string' || !fields.title.trim()) throw coded('INVALID_MESSAGE', 'a task needs a title');
      const { id: _ignored, ...rest } = fields;
      const task: Task = { ...clone(rest), id: nextId++, title: fields.title, status: fields.status ?? 'not_started' };
      const seq = mutate(planId, () => (planTasks(planId).push(clone(task)), ['task-created', { task }]), skip);
      return { task: clone(task), seq };
    },
    updateTask(planId: string, taskId: number | string, patch: TaskFields, skip?: string): TestTaskResult {
      const current = find(planId, taskId);
      const { id: _ignored, ...rest } = patch ?? {};
      if (Object.keys(rest).length === 0) throw coded('INVALID_MESSAGE', 'nothing to update');
      const task: Task = { ...current, ...clone(rest) };
      const seq = mutate(planId, () => (store(planId, task), ['task-updated', { task }]), skip);
      return { task: clone(task), seq };
    },
    deleteTask(planId: string, taskId: number | string, skip?: string): TestSeqResult {
      const task = find(planId, taskId);
      return { seq: mutate(planId, () => (unstore(planId, task.id), ['task-deleted', { taskId: key(task.id) }]), skip) };
    },
    reorderTasks(planId: string, taskIds: (number | string)[], skip?: string): TestSeqResult {
      const have = planTasks(planId).map((t) => key(t.id));
      const want = (taskIds ?? []).map(key);
      if (want.length !== have.length || new Set(want).size !== want.length || !want.every((id) => have.includes(id))) {
        throw coded('INVALID_MESSAGE', `taskIds must list all ${have.length} tasks of the plan exactly once`);
      }
      return { seq: mutate(planId, () => (reorder(planId, want), ['task-reordered', { taskIds: want }]), skip) };
    },
  };
  const snapshot = (planId: string): TestPlanData => {
    const tasks = planTasks(planId).map(clone);
    return { tasks, progress: progressOf(tasks), seq: room(planId).seq, epoch: room(planId).epoch };
  };

  // ---- calls: failures and holds -------------------------------------------------------------------

  const calls: ApiCall[] = [];
  const failures: { method?: ApiMethod; code: string; message: string; times: number }[] = [];
  type Outcome = { fail?: { code: string; message: string } };
  const holds: { method?: ApiMethod; applied: boolean; arrived: ReturnType<typeof deferred<ApiCall>>; go: ReturnType<typeof deferred<Outcome>>; answered: ReturnType<typeof deferred<void>> }[] = [];

  /** One call of `api`: recorded, then failed, held or served (a microtask later, as over a network). */
  const serve = async <R>(method: ApiMethod, planId: string, args: unknown[], context: PlanApiContext | undefined, run: () => R): Promise<R> => {
    const call: ApiCall = { method, planId, args: clone(args), context: { ...context } };
    calls.push(call);
    changed();
    await null;
    const f = failures.findIndex((x) => !x.method || x.method === method);
    if (f >= 0) {
      const failure = failures[f];
      if (--failure.times <= 0) failures.splice(f, 1);
      throw coded(failure.code, failure.message);
    }
    const h = holds.findIndex((x) => !x.method || x.method === method);
    if (h < 0) return run();
    const [hold] = holds.splice(h, 1);
    hold.arrived.resolve(call);
    try {
      // Applied at arrival: the outcome is the call's, answered when let go.
      let result: { value: R } | { error: unknown } | undefined;
      if (hold.applied) {
        try {
          result = { value: run() };
        } catch (error) {
          result = { error };
        }
      }
      const outcome = await hold.go.promise;
      if (outcome.fail) throw coded(outcome.fail.code, outcome.fail.message);
      if (!result) return run();
      if ('error' in result) throw result.error;
      return result.value;
    } finally {
      // Resolved a few microtasks after the answer, so that the client has taken it in by then.
      const later = (hops: number): void => (hops ? queueMicrotask(() => later(hops - 1)) : hold.answered.resolve());
      later(8);
    }
  };

  const api: TestPlanApi = {
    loadPlan: (planId, context) => serve('loadPlan', planId, [], context, () => snapshot(planId)),
    createTask: (planId, fields, context) => serve('createTask', planId, [fields], context, () => writes.createTask(planId, fields, context?.connectionId)),
    updateTask: (planId, taskId, patch, context) =>
      serve('updateTask', planId, [taskId, patch], context, () => writes.updateTask(planId, taskId, patch, context?.connectionId)),
    deleteTask: (planId, taskId, context) => serve('deleteTask', planId, [taskId], context, () => writes.deleteTask(planId, taskId, context?.connectionId)),
    reorderTasks: (planId, taskIds, context) =>
      serve('reorderTasks', planId, [taskIds], context, () => writes.reorderTasks(planId, taskIds, context?.connectionId)),
  };
  const remote: RemoteWrites = {
    createTask: (planId, fields) => writes.createTask(planId, fields),
    updateTask: (planId, taskId, patch) => writes.updateTask(planId, taskId, patch),
    deleteTask: (planId, taskId) => writes.deleteTask(planId, taskId),
    reorderTasks: (planId, taskIds) => writes.reorderTasks(planId, taskIds),
  };

  return {
    url,
    WebSocket: FakeSocket,
    get received() {
      return received;
    },
    get opened() {
      return opened;
    },
    get openSockets() {
      return sockets.size;
    },
    isJoined,
    waitForJoin: (planId) => until(() => isJoined(planId)),
    waitForLeave: (planId) => until(() => !isJoined(planId)),
    taskUpdated(planId, task) {
      store(planId, task);
      broadcast(planId, 'task-updated', { task });
    },
    taskCreated(planId, task) {
      store(planId, task);
      broadcast(planId, 'task-created', { task });
    },
    taskDeleted(planId, taskId) {
      unstore(planId, taskId);
      broadcast(planId, 'task-deleted', { taskId: key(taskId) });
    },
    taskReordered(planId, taskIds) {
      reorder(planId, taskIds);
      broadcast(planId, 'task-reordered', { taskIds: taskIds.map(key) });
    },
    progressUpdated: (planId, progress) => void broadcast(planId, 'progress-updated', { progress }),
    userJoined,
    userLeft(planId, userId) {
      const r = room(planId);
      const gone = r.others.find((p) => p.userId === userId);
      r.others = r.others.filter((p) => p.userId !== userId);
      broadcast(planId, 'leave-plan', { userId, userName: gone?.userName, participantCount: r.others.length + 1 });
    },
    error: (code, message, planId) => toAll({ type: 'error', data: { code, message, ...(planId && { planId }) } }),
    drop(code: number = CloseCode.Abnormal, reason = '') {
      [...sockets].forEach((s) => s._closed(code, reason));
    },
    refuse(code: number = CloseCode.Unauthorized, reason = 'invalid token') {
      refusing = [code, reason];
    },
    accept() {
      refusing = null;
    },
    presence(planId, entry) {
      const r = room(planId);
      const cleared = entry.state == null && entry.typing == null;
      if (![me, ...r.others].some((p) => String(p.userId) === String(entry.userId))) userJoined(planId, entry);
      r.presence = r.presence.filter((e) => String(e.userId) !== String(entry.userId));
      if (!cleared) r.presence.push(entry);
      toAll({ type: 'presence', planId, data: { ...entry, state: entry.state ?? null, typing: entry.typing ?? null } }, planId);
    },
    presenceSent: (planId) =>
      received.filter((f) => f.type === 'presence-update' && f.planId === planId).map((f) => f.data as ReturnType<TestServer['presenceSent']>[number]),
    resync(planId) {
      // The room's history is lost and one message with it: the client sees the gap in the next
      // frame (which it holds back, so the app never sees it), re-joins with lastSeq, is answered
      // `recovered: false` and emits `resync`.
      const r = room(planId);
      r.seq += 2;
      r.base = r.seq;
      const text = JSON.stringify({ type: 'progress-updated', planId, data: { progress: progressOf(planTasks(planId)) }, seq: r.seq });
      r.history.length = 0;
      sockets.forEach((s) => s.rooms.has(planId) && s.pushText(text));
    },
    restart() {
      for (const r of rooms.values()) {
        Object.assign(r, { seq: 0, base: 0, presence: [], epoch: `epoch-${++epochs}` });
        r.history.length = 0;
      }
      [...sockets].forEach((s) => s._closed(CloseCode.Abnormal, ''));
    },

    api,
    remote,
    get calls() {
      return calls;
    },
    setPlan,
    tasks: (planId) => planTasks(planId).map(clone),
    progress: (planId) => progressOf(planTasks(planId)),
    seq: (planId) => room(planId).seq,
    failNext(code, { method, message, times = 1 } = {}) {
      failures.push({ method, code, message: message ?? `the test server failed this call (failNext)`, times });
    },
    hold(method, { applied = false } = {}) {
      const hold = { method, applied, arrived: deferred<ApiCall>(), go: deferred<Outcome>(), answered: deferred<void>() };
      holds.push(hold);
      const settle = (outcome: Outcome) => {
        hold.go.resolve(outcome);
        return hold.answered.promise;
      };
      return {
        arrived: hold.arrived.promise,
        release: () => settle({}),
        fail: (code, message) => settle({ fail: { code, message: message ?? 'the test server failed this call (hold)' } }),
      };
    },
    async waitForCall(method, { planId, count = 1 } = {}) {
      const matching = () => calls.filter((c) => c.method === method && (planId === undefined || c.planId === planId));
      await until(() => matching().length >= count);
      return matching()[count - 1];
    },
  };
}
