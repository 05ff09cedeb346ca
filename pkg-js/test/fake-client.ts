/**
 * A fake `PlanClient` with the contract's behaviour (docs/client-api.md): reference-counted joins that
 * "send" join-plan/leave-plan frames when the socket is open, re-joins on open, and events emitted by the
 * test. It records every frame and lifecycle call so tests can count them.
 */
import type { ConnectionState, Participant, PlanClient, PlanClientOptions, PlanEvents } from '../src/index.js';

export class FakeClient implements Pick<PlanClient, keyof PlanClient> {
  static instances: FakeClient[] = [];
  /** Frames "sent" to the server, e.g. `join-plan 123`. */
  frames: string[] = [];
  connects = 0;
  closes = 0;
  reconnects = 0;
  freed = false;
  state: ConnectionState = 'idle';
  connectionId: string | undefined;
  private refs = new Map<string, number>();
  private handlers = new Map<string, Set<(payload: any) => void>>();

  constructor(readonly options: PlanClientOptions) {
    FakeClient.instances.push(this);
  }

  get isConnected(): boolean {
    return this.state === 'open';
  }

  connect(): void {
    if (this.state === 'connecting' || this.state === 'open') return;
    this.connects++;
    this.setState('connecting');
  }

  close(): void {
    this.closes++;
    this.setState('closed');
    this.handlers.clear();
  }

  reconnect(): void {
    this.reconnects++;
    this.setState('connecting');
  }

  join(planId: string): void {
    const n = (this.refs.get(planId) ?? 0) + 1;
    this.refs.set(planId, n);
    if (n === 1 && this.state === 'open') this.frames.push(`join-plan ${planId}`);
  }

  leave(planId: string): void {
    const n = (this.refs.get(planId) ?? 0) - 1;
    if (n > 0) return void this.refs.set(planId, n);
    this.refs.delete(planId);
    if (this.state === 'open') this.frames.push(`leave-plan ${planId}`);
  }

  on<K extends keyof PlanEvents>(event: K, cb: (payload: PlanEvents[K]) => void): () => void {
    let set = this.handlers.get(event);
    if (!set) this.handlers.set(event, (set = new Set()));
    set.add(cb);
    return () => void set.delete(cb);
  }

  participantCount(): number {
    return 0;
  }

  participants(): Participant[] {
    return [];
  }

  free(): void {
    this.freed = true;
    if (this.state !== 'closed') this.close();
  }

  [Symbol.dispose](): void {
    this.free();
  }

  // ---- test controls ----

  /** The socket opens: joins every referenced plan, as the real client does. */
  open(): void {
    this.setState('open');
    for (const planId of this.refs.keys()) this.frames.push(`join-plan ${planId}`);
    this.emit('open', { userId: 1, reconnected: false });
  }

  /** The socket drops; the client will reconnect. */
  drop(): void {
    this.setState('reconnecting');
  }

  emit<K extends keyof PlanEvents>(event: K, payload: PlanEvents[K]): void {
    this.handlers.get(event)?.forEach((cb) => cb(payload));
  }

  /** Plans this client currently holds a join reference for. */
  joinedPlans(): string[] {
    return [...this.refs.keys()];
  }

  private setState(state: ConnectionState): void {
    this.state = state;
    this.emit('stateChanged', { state });
  }
}
