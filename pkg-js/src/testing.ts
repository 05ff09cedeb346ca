/**
 * planwire/testing — a fake plan server for an app's own tests, with no network and no mock server.
 *
 * It speaks the Plan WebSocket Service protocol to the real planwire client through the client's
 * `WebSocket` option: pass `server.url` and `server.WebSocket` to `PlanSocketProvider` (or `usePlanWebSocket`, or
 * `createPlanClient`), then push `task-updated`, `user-joined`, presence and the rest, assert joins,
 * leaves and presence sent, and simulate drops, refused tokens and `resync`. Frames reach the client asynchronously (a microtask
 * later), as a real socket's would: wrap pushes in Testing Library's `act` and await it.
 *
 * ```tsx
 * const server = createTestServer({ user: { userId: 1, userName: 'ann' } });
 * render(<PlanSocketProvider url={server.url} WebSocket={server.WebSocket} token="t"><Board planId="123" /></PlanSocketProvider>);
 * await server.waitForJoin('123');
 * await act(async () => server.taskUpdated('123', { id: 1, title: 'Ship it', status: 'completed' }));
 * ```
 */
import { CloseCode } from './index.js';
import type { ErrorCode, Participant, PresenceEntry, PresenceState, Progress, Task, UserId } from './index.js';

/** Options of `createTestServer`. */
export interface TestServerOptions {
  /** The user every connection authenticates as (default `{ userId: 1, userName: 'me' }`). */
  user?: Participant;
  /** The URL to give the client (default `ws://planwire.test/ws`); any `ws://` URL works. */
  url?: string;
}

/** A frame a client sent, parsed: `{ type: 'join-plan', planId, lastSeq? }`, `{ type: 'ping' }`, … */
export interface ClientFrame {
  type: string;
  planId?: string;
  lastSeq?: number;
  token?: string;
  [field: string]: unknown;
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
  /** Broadcasts `task-updated` to the room. */
  taskUpdated(planId: string, task: Task): void;
  /** Broadcasts `task-created` to the room. */
  taskCreated(planId: string, task: Task): void;
  /** Broadcasts `task-deleted` to the room. */
  taskDeleted(planId: string, taskId: number | string): void;
  /** Broadcasts `task-reordered` to the room. */
  taskReordered(planId: string, taskIds: (number | string)[]): void;
  /** Broadcasts `progress-updated` to the room. */
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
   * Another user's presence in the room (extension): sent now, and listed in later join
   * confirmations; `state` and `typing` both `null` clears it. A user not yet in the room joins it
   * first (as `userJoined` does), since only participants have presence.
   */
  presence(planId: string, entry: PresenceEntry<PresenceState>): void;
  /** The presence states and typing marks the client sent for `planId` (`presence-update` data), in order. */
  presenceSent(planId: string): { state?: PresenceState | null; replace?: boolean; typing?: PresenceState | null }[];
}

const SEED_TIME = () => new Date().toISOString();

/** A fake plan server: see the module's documentation. */
export function createTestServer(options: TestServerOptions = {}): TestServer {
  const me: Participant = options.user ?? { userId: 1, userName: 'me' };
  const url = options.url ?? 'ws://planwire.test/ws';
  const received: ClientFrame[] = [];
  const opened: string[] = [];
  const sockets = new Set<FakeSocket>();
  /** Per room: its participants besides the connected user, its last seq, and what can be replayed. */
  const rooms = new Map<string, { others: Participant[]; seq: number; history: string[]; base: number; presence: PresenceEntry<PresenceState>[] }>();
  const waiters = new Set<() => void>();
  let refusing: [number, string] | null = null;

  const room = (planId: string) => {
    let r = rooms.get(planId);
    if (!r) rooms.set(planId, (r = { others: [], seq: 0, history: [], base: 0, presence: [] }));
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

  class FakeSocket {
    onopen: ((e: object) => void) | null = null;
    onmessage: ((e: { data: string }) => void) | null = null;
    onclose: ((e: { code: number; reason: string; wasClean: boolean }) => void) | null = null;
    onerror: ((e: object) => void) | null = null;
    readyState = 0;
    readonly rooms = new Set<string>();

    constructor(readonly url: string) {
      opened.push(url);
      queueMicrotask(() => {
        if (this.readyState !== 0) return;
        if (refusing) return this._closed(refusing[0], refusing[1]);
        this.readyState = 1;
        sockets.add(this);
        this.onopen?.({});
        this.push({ type: 'pong', data: { userId: me.userId, connected: true, timestamp: SEED_TIME() } });
      });
    }

    send(text: string): void {
      if (this.readyState !== 1) return;
      const frame = JSON.parse(text) as ClientFrame;
      received.push(frame);
      const planId = frame.planId;
      if (frame.type === 'ping') {
        this.push({ type: 'pong', data: { userId: me.userId, connected: true, timestamp: SEED_TIME() } });
      } else if (frame.type === 'join-plan' && planId) {
        const r = room(planId);
        this.rooms.add(planId);
        const from = typeof frame.lastSeq === 'number' ? frame.lastSeq : undefined;
        // Replayable from `base` on: history before it is lost.
        const recovered = from !== undefined && from >= r.base && from <= r.seq;
        const list = participants(planId);
        this.push({
          type: 'join-plan',
          planId,
          data: {
            success: true,
            participantCount: list.length,
            participants: list,
            seq: r.seq,
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

  /** Numbers a room broadcast, keeps it for replays, and sends it to the room's connections. */
  const broadcast = (planId: string, type: string, data: object) => {
    const r = room(planId);
    r.seq += 1;
    const text = JSON.stringify({ type, planId, data, timestamp: SEED_TIME(), seq: r.seq });
    r.history.push(text);
    sockets.forEach((s) => s.rooms.has(planId) && s.pushText(text));
  };
  const toAll = (frame: object, planId?: string) =>
    sockets.forEach((s) => (planId === undefined || s.rooms.has(planId)) && s.push(frame));

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
    taskUpdated: (planId, task) => broadcast(planId, 'task-updated', { task }),
    taskCreated: (planId, task) => broadcast(planId, 'task-created', { task }),
    taskDeleted: (planId, taskId) => broadcast(planId, 'task-deleted', { taskId: String(taskId) }),
    taskReordered: (planId, taskIds) => broadcast(planId, 'task-reordered', { taskIds: taskIds.map(String) }),
    progressUpdated: (planId, progress) => broadcast(planId, 'progress-updated', { progress }),
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
      const text = JSON.stringify({ type: 'progress-updated', planId, data: { progress: { totalTasks: 0, completedTasks: 0, completionPercentage: 0 } }, seq: r.seq });
      r.history.length = 0;
      sockets.forEach((s) => s.rooms.has(planId) && s.pushText(text));
    },
  };
}
