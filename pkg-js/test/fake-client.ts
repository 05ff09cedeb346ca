/**
 * A fake `PlanClient` for the hooks' own plumbing (one client per provider or url, deferred release,
 * queued calls, callbacks, snapshots, options handed over). It records what the hooks ask of it and keeps
 * no rules: reference counting, participants across drops, 4001 handling and the like are the real
 * client's, tested over the real wasm in react-real.test.tsx. Its getters answer what the test sets.
 */
import type {
  ConnectionState,
  Participant,
  PlanClient,
  PlanClientOptions,
  PlanEvents,
  PlanSnapshot,
  PresenceEntry,
  PresenceState,
  Task,
  TaskFields,
} from '../src/index.js';

export class FakeClient implements Pick<PlanClient, keyof PlanClient> {
  static instances: FakeClient[] = [];
  /** What the hooks asked, in order: `join 123`, `leave 123`, `connect`, `close`, `reconnect`, `setToken t`. */
  calls: string[] = [];
  connects = 0;
  closes = 0;
  reconnects = 0;
  freed = false;
  readonly planLoaders = new Map();
  state: ConnectionState = 'idle';
  connectionId: string | undefined;
  readonly connectionRole: 'leader' | 'follower' | undefined = undefined;
  private rooms = new Map<string, Participant[]>();
  private handlers = new Map<string, Set<(payload: any) => void>>();

  constructor(readonly options: PlanClientOptions) {
    FakeClient.instances.push(this);
  }

  get isConnected(): boolean {
    return this.state === 'open';
  }

  connect(): void {
    this.calls.push('connect');
    this.connects++;
    this.setState('connecting');
  }

  close(): void {
    this.calls.push('close');
    this.closes++;
    this.setState('closed');
  }

  reconnect(): void {
    this.calls.push('reconnect');
    this.reconnects++;
    this.setState('connecting');
  }

  setToken(token: string | undefined): void {
    this.calls.push(`setToken ${token}`);
  }

  join(planId: string): void {
    this.calls.push(`join ${planId}`);
  }

  leave(planId: string): void {
    this.calls.push(`leave ${planId}`);
  }

  on<K extends keyof PlanEvents>(event: K, cb: (payload: PlanEvents[K]) => void): () => void {
    let set = this.handlers.get(event);
    if (!set) this.handlers.set(event, (set = new Set()));
    set.add(cb);
    return () => void set.delete(cb);
  }

  updatePresence(planId: string, patch: PresenceState): void {
    this.calls.push(`updatePresence ${planId} ${JSON.stringify(patch)}`);
  }

  setTyping(planId: string, mark: PresenceState | null): void {
    this.calls.push(`setTyping ${planId} ${JSON.stringify(mark)}`);
  }

  syncPlan(planId: string): void {
    this.calls.push(`syncPlan ${planId}`);
  }

  unsyncPlan(planId: string): void {
    this.calls.push(`unsyncPlan ${planId}`);
  }

  plan(_planId: string): PlanSnapshot | undefined {
    return undefined;
  }

  createTask(planId: string, fields: TaskFields): Promise<Task> {
    this.calls.push(`createTask ${planId} ${JSON.stringify(fields)}`);
    return new Promise(() => {});
  }

  updateTask(planId: string, taskId: number | string, patch: TaskFields): Promise<Task> {
    this.calls.push(`updateTask ${planId} ${taskId} ${JSON.stringify(patch)}`);
    return new Promise(() => {});
  }

  deleteTask(planId: string, taskId: number | string): Promise<void> {
    this.calls.push(`deleteTask ${planId} ${taskId}`);
    return new Promise(() => {});
  }

  reorderTasks(planId: string, taskIds: (number | string)[]): Promise<void> {
    this.calls.push(`reorderTasks ${planId} ${JSON.stringify(taskIds)}`);
    return new Promise(() => {});
  }

  presence(_planId: string): PresenceEntry<PresenceState>[] {
    return [];
  }

  myPresence(_planId: string): PresenceState | undefined {
    return undefined;
  }

  participantCount(planId: string): number {
    return this.participants(planId).length;
  }

  participants(planId: string): Participant[] {
    return this.rooms.get(planId) ?? [];
  }

  free(): void {
    this.calls.push('free');
    this.freed = true;
    this.handlers.clear();
  }

  [Symbol.dispose](): void {
    this.free();
  }

  // ---- test controls ----

  /** The connection opens. */
  open(): void {
    this.setState('open');
    this.emit('open', { userId: 1, reconnected: false });
  }

  /** The client's room now holds `participants` (what its getters answer), as it reports with `participantsChanged`. */
  setParticipants(planId: string, participants: Participant[]): void {
    this.rooms.set(planId, participants);
    this.emit('participantsChanged', { planId, participants, participantCount: participants.length });
  }

  emit<K extends keyof PlanEvents>(event: K, payload: PlanEvents[K]): void {
    this.handlers.get(event)?.forEach((cb) => cb(payload));
  }

  /** Plans joined more often than left, i.e. the net effect of the hooks' join/leave calls. */
  joinedPlans(): string[] {
    const refs = new Map<string, number>();
    for (const call of this.calls) {
      const [op, planId] = call.split(' ');
      if (op === 'join' || op === 'leave') refs.set(planId, (refs.get(planId) ?? 0) + (op === 'join' ? 1 : -1));
    }
    return [...refs].filter(([, n]) => n > 0).map(([planId]) => planId);
  }

  /** Only the join/leave calls. */
  roomCalls(): string[] {
    return this.calls.filter((c) => c.startsWith('join ') || c.startsWith('leave '));
  }

  setState(state: ConnectionState): void {
    this.state = state;
    this.emit('stateChanged', { state });
  }
}
