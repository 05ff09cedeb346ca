'use client';
/**
 * planwire/react — `PlanSocketProvider` owns one client; `usePlanWebSocket` joins a plan room through it,
 * or, without a provider, through a client shared by every hook given the same `url`.
 *
 * The client is the one source of truth: it reference-counts joins, keeps each room's participants and
 * the connection state. The hooks subscribe to it and render what it says; all they add is React
 * plumbing (cached snapshots, StrictMode-proof deferral of leave/release, calls queued while the client
 * loads), the per-plan resync counter and the last error.
 */
import { createContext, createElement, useContext, useEffect, useInsertionEffect, useMemo, useRef, useSyncExternalStore } from 'react';
import type { ReactNode } from 'react';
import { createPlanClient } from './index.js';
import type { ConnectionState, Participant, PlanClient, PlanClientOptions, PlanEvents, Progress, Task } from './index.js';

export type { ConnectionState, Participant, PlanClientOptions, PlanEvents, Progress, Task, UserId } from './index.js';

/** Props of `PlanSocketProvider`: the client options plus children. */
export interface PlanSocketProviderProps extends PlanClientOptions {
  children?: ReactNode;
}

/** The last error reported by the connection: a code (e.g. `UNAUTHORIZED`, `FAILED`) and a message. */
export interface PlanSocketError { code: string; message: string; planId?: string }

/**
 * Options of `usePlanWebSocket`: seed 000's, plus `onTaskReordered`, `onProgressUpdated` and `onResync`,
 * plus the client options, used only without a `PlanSocketProvider` above (then `url` is required).
 * Task ids are numbers or strings (seed 000 servers send both): compare them as `String(a) === String(b)`.
 */
export interface UsePlanWebSocketOptions extends Partial<PlanClientOptions> {
  /** The plan room to join. */
  planId: string;
  /** `false` leaves (or never joins) the room; default true. */
  enabled?: boolean;
  onTaskUpdated?: (task: Task, event: PlanEvents['taskUpdated']) => void;
  onTaskCreated?: (task: Task, event: PlanEvents['taskCreated']) => void;
  onTaskDeleted?: (taskId: number | string, event: PlanEvents['taskDeleted']) => void;
  onTaskReordered?: (taskIds: (number | string)[], event: PlanEvents['taskReordered']) => void;
  onProgressUpdated?: (progress: Progress, event: PlanEvents['progressUpdated']) => void;
  onUserJoined?: (data: PlanEvents['userJoined']) => void;
  onUserLeft?: (data: PlanEvents['userLeft']) => void;
  /** Events were missed and cannot be replayed: reload the plan (e.g. over REST). */
  onResync?: (data: PlanEvents['resync']) => void;
}

/** What `usePlanWebSocket` returns. */
export interface UsePlanWebSocketResult {
  /** The socket is open. */
  isConnected: boolean;
  /** People in the room, as the client counts them (`client.participantCount(planId)`: 0 while not joined or disconnected). */
  participantCount: number;
  /** `client.participants(planId)`. */
  participants: Participant[];
  /** `client.state`. */
  status: ConnectionState;
  error: PlanSocketError | null;
  /** Grows by one with each `resync` of this plan; a dependency for reloading. */
  resyncCount: number;
  /** Drops the socket and connects again now. */
  reconnect: () => void;
}

interface ConnView { status: ConnectionState; error: PlanSocketError | null }
interface RoomView { participants: Participant[]; participantCount: number; resyncCount: number }
/** A subscription to whichever client the connection has: `subscribe` runs for each client, `off` undoes it. */
interface ClientSub { subscribe: (client: PlanClient) => () => void; off?: () => void }

const EMPTY_ROOM: RoomView = { participants: [], participantCount: 0, resyncCount: 0 };
/** Client event → [hook option called, payload field passed first]. */
const CALLBACKS: [keyof PlanEvents, keyof UsePlanWebSocketOptions, string?][] = [
  ['taskUpdated', 'onTaskUpdated', 'task'],
  ['taskCreated', 'onTaskCreated', 'task'],
  ['taskDeleted', 'onTaskDeleted', 'taskId'],
  ['taskReordered', 'onTaskReordered', 'taskIds'],
  ['progressUpdated', 'onProgressUpdated', 'progress'],
  ['userJoined', 'onUserJoined'],
  ['userLeft', 'onUserLeft'],
  ['resync', 'onResync'],
];
/** Events after which `client.participants(planId)` / `participantCount(planId)` may read differently. */
const ROOM_EVENTS: (keyof PlanEvents)[] = ['joined', 'participantsChanged', 'userJoined', 'userLeft'];
/** Options of the hook or provider that are not client options. */
const NOT_CLIENT_OPTIONS = new Set(['children', 'planId', 'enabled', 'token', 'getToken']);

/** An Error whose message starts with a code (`INVALID_URL: …`) as a `PlanSocketError`. */
function toError(e: unknown): PlanSocketError {
  const message = String((e as Error)?.message ?? e);
  const m = /^([A-Z_]+):/.exec(message);
  return { code: m ? m[1] : 'FAILED', message };
}

/**
 * One connection (a provider's, or one shared by provider-less hooks): creates the client when first
 * acquired and frees it when the last user releases it. Joins and leaves go straight to the client
 * (which reference-counts them); made before the client has loaded, they are queued and replayed in
 * order. Leaving and releasing are deferred by a macrotask so that React StrictMode's unmount/remount
 * keeps the same socket and sends no extra leave-plan/join-plan.
 */
class PlanSocket {
  private _client: PlanClient | null = null;
  private _loading: Promise<void> | null = null;
  private _loadFailed = false;
  private _users = 0;
  /** `join` (true) / `leave` (false) calls made before the client exists, in order. */
  private _queue: [boolean, string][] = [];
  /** The token last handed to the client (its `token` option, then `setToken`). */
  private _token: string | undefined;
  private _error: PlanSocketError | null = null;
  private _resyncs = new Map<string, number>();
  /** Snapshots, computed from the client when first read after a relevant client event. */
  private _conn: ConnView | null = null;
  private _rooms = new Map<string, RoomView>();
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
          this._changed();
        });
        client.on('error', ({ code, message, planId }) => {
          this._error = { code, message, planId };
          this._changed();
        });
        client.on('failed', ({ reason }) => {
          this._error = { code: 'FAILED', message: reason };
          this._changed();
        });
        client.on('resync', ({ planId }) => {
          this._resyncs.set(planId, (this._resyncs.get(planId) ?? 0) + 1);
          this._changed(planId);
        });
        for (const event of ROOM_EVENTS) client.on(event, (x) => this._changed((x as { planId: string }).planId));
        for (const [join, planId] of this._queue.splice(0)) {
          if (join) client.join(planId);
          else client.leave(planId);
        }
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
      this._changed(null);
    });
  }

  join(planId: string): void {
    if (this._client) this._client.join(planId);
    else this._queue.push([true, planId]);
    this._changed(planId);
  }

  /** Deferred by a macrotask: a join in between (StrictMode remount) keeps the room. */
  leave(planId: string): void {
    setTimeout(() => {
      if (this._client) this._client.leave(planId);
      else this._queue.push([false, planId]);
      this._changed(planId);
    });
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
   * Something the snapshots show may have changed: the connection (no argument), one room (its plan
   * id), or everything (`null`). Drops those snapshots and tells the hooks.
   */
  private _changed(planId?: string | null): void {
    if (planId === undefined || planId === null) this._conn = null;
    if (planId === null) this._rooms.clear();
    else if (planId !== undefined) this._rooms.delete(planId);
    this._storeSubs.forEach((cb) => cb());
  }
}

const SocketContext = createContext<PlanSocket | null>(null);
/** The connections of provider-less hooks, by url: one WebSocket per url per page. */
const sharedSockets = new Map<string, PlanSocket>();

/**
 * Owns one planwire client (one WebSocket) for every `usePlanWebSocket` below it. The client is created
 * on mount and whenever `url` changes, with the options given then: a `token` as the client's token (a
 * new `token` prop is handed to it with `setToken`, for its next connection attempt), a `getToken` as its
 * getToken (the latest prop is called at every connect).
 */
export function PlanSocketProvider(props: PlanSocketProviderProps): ReactNode {
  const latest = useRef(props);
  useInsertionEffect(() => {
    latest.current = props;
  });
  // Constructing a PlanSocket has no side effects (StrictMode may render twice); the effect connects it.
  const socket = useMemo(() => new PlanSocket(latest), [props.url]);
  useEffect(() => {
    socket.acquire();
    return () => socket.release();
  }, [socket]);
  useEffect(() => socket.syncToken(), [socket, props.token]);
  return createElement(SocketContext.Provider, { value: socket }, props.children);
}

/**
 * Joins `planId` while mounted and `enabled`, calls the `on…` callbacks for that plan's events (each
 * event, in order, never batched away), and returns the connection and room state as the client reports
 * them. Callbacks may change on every render: they are read from a ref, nothing re-subscribes.
 *
 * It uses the connection of the nearest `PlanSocketProvider` (its own client options are then ignored);
 * without one, the connection to `options.url` that every provider-less hook with that url shares,
 * opened while one of them is joined and closed a macrotask after the last leaves. A shared connection
 * takes its options from the hook rendered last: when it opens, and `token` / `getToken` as a provider does.
 */
export function usePlanWebSocket(options: UsePlanWebSocketOptions): UsePlanWebSocketResult {
  const { planId, url } = options;
  const provided = useContext(SocketContext);
  if (!provided && !url) throw new Error('NO_PROVIDER: usePlanWebSocket needs a <PlanSocketProvider> above it or a url option');
  let socket = provided ?? sharedSockets.get(url!);
  // No side effect but the (idempotent) registration: the join effect opens the connection.
  if (!socket) sharedSockets.set(url!, (socket = new PlanSocket({ current: options as PlanSocketProviderProps })));
  const latest = useRef(options);
  useInsertionEffect(() => {
    latest.current = options;
    if (!provided) socket.props.current = options as PlanSocketProviderProps;
  });
  const active = options.enabled !== false && !!planId;

  useEffect(
    () =>
      socket.withClient((client) => {
        const offs = CALLBACKS.map(([event, option, field]) =>
          client.on(event, (x: any) => {
            const o = latest.current;
            if (o.enabled === false || x.planId !== o.planId) return;
            (o[option] as ((...args: unknown[]) => void) | undefined)?.(field ? x[field] : x, x);
          }),
        );
        return () => offs.forEach((off) => off());
      }),
    [socket],
  );
  useEffect(() => {
    if (!provided) socket.syncToken();
  }, [socket, provided, options.token]);
  useEffect(() => {
    if (!active) return;
    socket.acquire();
    socket.join(planId);
    return () => {
      socket.leave(planId);
      socket.release();
    };
  }, [socket, planId, active]);

  const conn = useSyncExternalStore(socket.subscribe, socket.getConn, socket.getConn);
  const getRoom = () => (active ? socket.getRoom(planId) : EMPTY_ROOM);
  const room = useSyncExternalStore(socket.subscribe, getRoom, getRoom);
  return {
    isConnected: conn.status === 'open',
    participantCount: room.participantCount,
    participants: room.participants,
    status: conn.status,
    error: conn.error,
    resyncCount: room.resyncCount,
    reconnect: socket.reconnect,
  };
}
