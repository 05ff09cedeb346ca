/**
 * The connection behind planwire's React hooks: `PlanSocket` wraps one client (a provider's, or one
 * shared by provider-less hooks with the same url) and caches the snapshots the hooks read.
 *
 * The client is the one source of truth: it reference-counts joins, keeps each room's participants and
 * presence and the connection state. What `PlanSocket` adds is React plumbing (cached snapshots,
 * StrictMode-proof deferral of leave/release, calls queued while the client loads), the per-plan resync
 * counter and the last error.
 */
import { createContext, useContext } from 'react';
import type { ReactNode } from 'react';
import { createPlanClient } from './index.js';
import type {
  ConnectionState,
  ErrorCode,
  Participant,
  PlanClient,
  PlanClientOptions,
  PresenceEntry,
  PresenceState,
} from './index.js';

/** Props of `PlanSocketProvider`: the client options plus children. */
export interface PlanSocketProviderProps extends PlanClientOptions {
  children?: ReactNode;
}

/**
 * The last error reported by the connection: a code (e.g. `UNAUTHORIZED`, `RATE_LIMITED`, or `FAILED`
 * when the client gave up, with the `failed` event's reason as the message) and a message.
 */
export interface PlanSocketError {
  /** One of `ErrorCode` (or a code of a newer server). */
  code: ErrorCode | (string & {});
  /** What went wrong. */
  message: string;
  /** The room concerned, if any. */
  planId?: string;
}

interface ConnView { status: ConnectionState; error: PlanSocketError | null }
/** A room's snapshot. */
export interface RoomView { participants: Participant[]; participantCount: number; resyncCount: number }
/** A room's presence snapshot. */
export interface PresenceView { others: PresenceEntry<PresenceState>[]; myPresence: PresenceState | undefined }
/** A subscription to whichever client the connection has: `subscribe` runs for each client, `off` undoes it. */
interface ClientSub { subscribe: (client: PlanClient) => () => void; off?: () => void }

export const EMPTY_ROOM: RoomView = { participants: [], participantCount: 0, resyncCount: 0 };
/** Options of the hook or provider that are not client options. */
const NOT_CLIENT_OPTIONS = new Set(['children', 'planId', 'enabled', 'token', 'getToken']);
const FAILED: ErrorCode = 'FAILED';

/** A thrown error (a `PlanwireError` carries its `code`) as a `PlanSocketError`. */
function toError(e: unknown): PlanSocketError {
  const { code, message } = (e ?? {}) as { code?: unknown; message?: unknown };
  return { code: typeof code === 'string' ? code : FAILED, message: String(message ?? e) };
}

/**
 * One connection (a provider's, or one shared by provider-less hooks): creates the client when first
 * acquired and frees it when the last user releases it. Joins and leaves go straight to the client
 * (which reference-counts them); made before the client has loaded, they are queued and replayed in
 * order. Leaving and releasing are deferred by a macrotask so that React StrictMode's unmount/remount
 * keeps the same socket and sends no extra leave-plan/join-plan.
 */
export class PlanSocket {
  private _client: PlanClient | null = null;
  private _loading: Promise<void> | null = null;
  private _loadFailed = false;
  private _users = 0;
  /** Calls made before the client exists (joins, leaves, presence), replayed in order. */
  private _queue: ((client: PlanClient) => void)[] = [];
  /** The token last handed to the client (its `token` option, then `setToken`). */
  private _token: string | undefined;
  private _error: PlanSocketError | null = null;
  private _resyncs = new Map<string, number>();
  /** Snapshots: built from the client's event payloads, or read from the client after a call of ours. */
  private _conn: ConnView | null = null;
  private _rooms = new Map<string, RoomView>();
  /** Per plan, the last presence snapshot handed out, and whether it is still current. */
  private _presence = new Map<string, { view: PresenceView; current: boolean }>();
  /** Per plan, the others' presence as the last `presenceChanged` reported it. */
  private _others = new Map<string, PresenceEntry<PresenceState>[]>();
  private _storeSubs = new Set<() => void>();
  private _clientSubs = new Set<ClientSub>();

  /** The options read when the client is created (url, token, timing), and `getToken` at every call. */
  readonly props: { current: PlanSocketProviderProps };

  constructor(props: { current: PlanSocketProviderProps }) {
    this.props = props;
  }

  /** A user (provider or hook) mounted: create and connect the client unless it exists. */
  acquire(): void {
    this._users++;
    this._load();
  }

  private _load(): void {
    if (this._loading) return;
    const props = this.props.current;
    const options = {} as PlanClientOptions;
    for (const [key, value] of Object.entries(props)) {
      if (value !== undefined && !NOT_CLIENT_OPTIONS.has(key) && !/^on[A-Z]/.test(key)) (options as any)[key] = value;
    }
    // Exactly what the app gave: a `token` stays a token (a 4001 then fails with `unauthorized`), and
    // only a `getToken` is called for fresh tokens (the latest prop, at every connect).
    const { token, getToken } = props;
    if (token !== undefined) options.token = token;
    if (getToken) options.getToken = () => (this.props.current.getToken ?? getToken)();
    this._loadFailed = false;
    const loading = (this._loading = createPlanClient(options).then(
      (client) => {
        if (this._loading !== loading) return client.free();
        this._client = client;
        this._token = token;
        client.on('stateChanged', ({ state }) => {
          if (state === 'open') this._error = null;
          this._conn = { status: state, error: this._error };
          this._notify();
        });
        client.on('error', ({ code, message, planId }) => {
          this._error = { code, message, planId };
          this._changed();
        });
        client.on('failed', ({ reason }) => {
          this._error = { code: FAILED, message: reason };
          this._changed();
        });
        client.on('resync', ({ planId }) => {
          this._resyncs.set(planId, (this._resyncs.get(planId) ?? 0) + 1);
          const room = this._rooms.get(planId);
          if (room) this._rooms.set(planId, { ...room, resyncCount: this._resyncs.get(planId)! });
          this._notify();
        });
        // Every change of a room's participants (joined, user joined or left, connection lost) is
        // reported with the whole list: the snapshot is the payload.
        client.on('participantsChanged', ({ planId, participants, participantCount }) => {
          this._rooms.set(planId, { participants, participantCount, resyncCount: this._resyncs.get(planId) ?? 0 });
          this._notify();
        });
        client.on('presenceChanged', ({ planId, presence }) => {
          this._others.set(planId, presence);
          this._stalePresence(planId);
          this._notify();
        });
        for (const call of this._queue.splice(0)) call(client);
        this._clientSubs.forEach((sub) => (sub.off = sub.subscribe(client)));
        this.syncToken();
        this._changed(null);
        client.connect();
      },
      (e) => {
        this._loading = null;
        this._loadFailed = true;
        this._error = toError(e);
        this._changed();
      },
    ));
  }

  /** A user unmounted: after a macrotask, the last one closes and frees the client. */
  release(): void {
    setTimeout(() => {
      if (--this._users) return;
      const client = this._client;
      this._loading = this._client = null;
      this._queue = [];
      this._clientSubs.forEach((sub) => {
        sub.off?.();
        sub.off = undefined;
      });
      client?.close();
      client?.free();
      this._error = null;
      this._loadFailed = false;
      this._resyncs.clear();
      this._others.clear();
      this._changed(null);
    });
  }

  /** Calls `f` with the client now, or once it exists; then the plan's snapshots are read again. */
  private _call(planId: string, f: (client: PlanClient) => void): void {
    if (this._client) f(this._client);
    else this._queue.push(f);
    this._changed(planId);
  }

  join(planId: string): void {
    this._call(planId, (client) => client.join(planId));
  }

  /** Deferred by a macrotask: a join in between (StrictMode remount) keeps the room. */
  leave(planId: string): void {
    setTimeout(() => this._call(planId, (client) => client.leave(planId)));
  }

  /** `client.updatePresence` (extension), queued like a join while the client loads. */
  updatePresence(planId: string, patch: PresenceState): void {
    this._call(planId, (client) => client.updatePresence(planId, patch));
  }

  /** `client.setTyping` (extension), queued like a join while the client loads. */
  setTyping(planId: string, mark: PresenceState | null): void {
    this._call(planId, (client) => client.setTyping(planId, mark));
  }

  /** Hands the latest `token` prop to the client (`setToken`, used from its next connection attempt). */
  syncToken(): void {
    const { token } = this.props.current;
    if (!this._client || token === this._token) return;
    this._token = token;
    this._client.setToken(token);
  }

  reconnect = (): void => {
    if (this._client) this._client.reconnect();
    else if (this._users) this._load();
  };

  /** Runs `subscribe` with the client now if there is one, and with every client created later. */
  withClient(subscribe: (client: PlanClient) => () => void): () => void {
    const sub: ClientSub = { subscribe };
    this._clientSubs.add(sub);
    if (this._client) sub.off = subscribe(this._client);
    return () => {
      this._clientSubs.delete(sub);
      sub.off?.();
    };
  }

  subscribe = (cb: () => void): (() => void) => {
    this._storeSubs.add(cb);
    return () => void this._storeSubs.delete(cb);
  };

  getConn = (): ConnView =>
    (this._conn ??= {
      status: this._client ? this._client.state : this._loadFailed ? 'failed' : 'idle',
      error: this._error,
    });

  /** This plan's presence snapshot is out of date (a `presenceChanged`, or a call of ours). */
  private _stalePresence(planId: string): void {
    const presence = this._presence.get(planId);
    if (presence) presence.current = false;
  }

  private _notify(): void {
    this._storeSubs.forEach((cb) => cb());
  }

  getRoom(planId: string): RoomView {
    let room = this._rooms.get(planId);
    if (!room) {
      const client = this._client;
      room = {
        participants: client ? client.participants(planId) : [],
        participantCount: client ? client.participantCount(planId) : 0,
        resyncCount: this._resyncs.get(planId) ?? 0,
      };
      this._rooms.set(planId, room);
    }
    return room;
  }

  /**
   * The plan's presence as the client reports it: the others (an entry keeps its identity while that
   * user's presence is unchanged, and the list while nobody's is, so only what reads a change
   * re-renders) and this client's own state.
   */
  getPresence(planId: string): PresenceView {
    const last = this._presence.get(planId);
    if (last?.current) return last.view;
    const client = this._client;
    const before = new Map(last?.view.others.map((e) => [String(e.userId), e]));
    const reported = this._others.get(planId) ?? (client ? client.presence(planId) : []);
    const others = reported.map((e) => unchanged(before.get(String(e.userId)), e));
    const kept = last?.view.others;
    const view = {
      others: kept && kept.length === others.length && others.every((e, i) => e === kept[i]) ? kept : others,
      myPresence: unchanged(last?.view.myPresence, client?.myPresence(planId)),
    };
    this._presence.set(planId, { view, current: true });
    return view;
  }

  /**
   * Something the snapshots show may have changed by other means than an event payload (a call of
   * ours, a new or freed client): the connection (no argument), one room (its plan id), or everything
   * (`null`). Drops those snapshots, read from the client again when next asked for, and tells the hooks.
   */
  private _changed(planId?: string | null): void {
    if (planId === undefined || planId === null) this._conn = null;
    if (planId === null) {
      this._rooms.clear();
      this._others.clear();
      this._presence.forEach((p) => (p.current = false));
    } else if (planId !== undefined) {
      this._rooms.delete(planId);
      this._others.delete(planId);
      this._stalePresence(planId);
    }
    this._notify();
  }
}

/** `before` when it is the same JSON as `next` (so a snapshot keeps its identity), else `next`. */
function unchanged<T>(before: T | undefined, next: T): T {
  return before !== undefined && JSON.stringify(before) === JSON.stringify(next) ? before : next;
}

export const SocketContext = createContext<PlanSocket | null>(null);
/** The connections of provider-less hooks, by url: one WebSocket per url per page. */
const sharedSockets = new Map<string, PlanSocket>();

/**
 * The connection a hook uses: the nearest provider's, else the one shared by provider-less hooks with
 * `options.url` (whose options are the hook's: it then also takes the latest options, see `syncProps`).
 */
export function useSocket(options: Partial<PlanSocketProviderProps>, hook: string): { socket: PlanSocket; provided: boolean } {
  const provided = useContext(SocketContext);
  const { url } = options;
  if (!provided && !url) {
    const code: ErrorCode = 'NO_PROVIDER';
    throw Object.assign(new Error(`${code}: ${hook} needs a <PlanSocketProvider> above it or a url option`), { code });
  }
  let socket = provided ?? sharedSockets.get(url!);
  // No side effect but the (idempotent) registration: the hook's effect opens the connection.
  if (!socket) sharedSockets.set(url!, (socket = new PlanSocket({ current: options as PlanSocketProviderProps })));
  return { socket, provided: !!provided };
}
