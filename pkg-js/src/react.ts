/**
 * planwire/react — `PlanSocketProvider` owns one client; `usePlanWebSocket` joins a plan room through it,
 * or, without a provider, through a client shared by every hook given the same `url`.
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
 */
export interface UsePlanWebSocketOptions extends Partial<PlanClientOptions> {
  /** The plan room to join. */
  planId: string;
  /** `false` leaves (or never joins) the room; default true. */
  enabled?: boolean;
  onTaskUpdated?: (task: Task, event: PlanEvents['taskUpdated']) => void;
  onTaskCreated?: (task: Task, event: PlanEvents['taskCreated']) => void;
  onTaskDeleted?: (taskId: string, event: PlanEvents['taskDeleted']) => void;
  onTaskReordered?: (taskIds: string[], event: PlanEvents['taskReordered']) => void;
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
  /** People in the room, as the server last counted them (0 while not joined or disconnected). */
  participantCount: number;
  participants: Participant[];
  status: ConnectionState;
  error: PlanSocketError | null;
  /** Grows by one with each `resync` of this plan; a dependency for reloading. */
  resyncCount: number;
  /** Drops the socket and connects again now. */
  reconnect: () => void;
}

interface ConnView { status: ConnectionState; error: PlanSocketError | null }
interface RoomView { participants: Participant[]; participantCount: number; resyncCount: number }
type Listener = (event: keyof PlanEvents, payload: any) => void;

const EMPTY_ROOM: RoomView = { participants: [], participantCount: 0, resyncCount: 0 };
/** Client event → [hook option called, payload field passed first]. */
const CALLBACKS: { [K in keyof PlanEvents]?: [keyof UsePlanWebSocketOptions, string?] } = {
  taskUpdated: ['onTaskUpdated', 'task'],
  taskCreated: ['onTaskCreated', 'task'],
  taskDeleted: ['onTaskDeleted', 'taskId'],
  taskReordered: ['onTaskReordered', 'taskIds'],
  progressUpdated: ['onProgressUpdated', 'progress'],
  userJoined: ['onUserJoined'],
  userLeft: ['onUserLeft'],
  resync: ['onResync'],
};
const EVENTS = ['stateChanged', 'error', 'failed', 'joined', 'participantsChanged', ...Object.keys(CALLBACKS)] as (keyof PlanEvents)[];

/** An Error whose message starts with a code (`INVALID_URL: …`) as a `PlanSocketError`. */
function toError(e: unknown): PlanSocketError {
  const message = String((e as Error)?.message ?? e);
  const m = /^([A-Z_]+):/.exec(message);
  return { code: m ? m[1] : 'FAILED', message };
}

/**
 * One connection (a provider's, or one shared by provider-less hooks): creates the client when first
 * acquired, reference-counts its users and plan joins, and keeps the snapshots hooks read. Releasing and
 * leaving are deferred by a macrotask so that React StrictMode's unmount/remount keeps the same socket
 * and sends no extra leave-plan/join-plan.
 */
class PlanSocket {
  private _client: PlanClient | null = null;
  private _loading: Promise<void> | null = null;
  private _users = 0;
  private _joins = new Map<string, number>();
  private _rooms = new Map<string, RoomView>();
  private _conn: ConnView = { status: 'idle', error: null };
  private _storeSubs = new Set<() => void>();
  private _listeners = new Set<Listener>();

  /** The options read when the client is created (url, timing) and at every connect (token, getToken). */
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
    const { url, token, getToken, children, ...timing } = this.props.current;
    const loading = (this._loading = createPlanClient({
      ...timing,
      url,
      // Read at every (re)connect, so a new `token`/`getToken` prop is used from the next connect on.
      getToken: () => {
        const p = this.props.current;
        return p.getToken ? p.getToken() : Promise.resolve(p.token as string);
      },
    }).then(
      (client) => {
        if (this._loading !== loading) return client.free();
        this._client = client;
        for (const event of EVENTS) client.on(event, (payload) => this._dispatch(event, payload));
        for (const planId of this._joins.keys()) client.join(planId);
        client.connect();
      },
      (e) => {
        this._loading = null;
        this._setConn('failed', toError(e));
      },
    ));
  }

  /** A user unmounted: after a macrotask, the last one closes and frees the client. */
  release(): void {
    setTimeout(() => {
      if (--this._users) return;
      const client = this._client;
      this._loading = this._client = null;
      client?.close();
      client?.free();
      this._rooms.clear();
      this._setConn('idle', null);
    });
  }

  join(planId: string): void {
    const n = (this._joins.get(planId) ?? 0) + 1;
    this._joins.set(planId, n);
    if (n === 1) this._client?.join(planId);
  }

  /** Deferred by a macrotask: a join in between (StrictMode remount) keeps the room. */
  leave(planId: string): void {
    setTimeout(() => {
      const n = (this._joins.get(planId) ?? 1) - 1;
      if (n > 0) return void this._joins.set(planId, n);
      this._joins.delete(planId);
      this._client?.leave(planId);
      if (this._rooms.delete(planId)) this._notify();
    });
  }

  reconnect = (): void => {
    if (this._client) this._client.reconnect();
    else if (this._users) this._load();
  };

  /** Subscribes to every client event; returns the unsubscribe function. */
  listen(listener: Listener): () => void {
    this._listeners.add(listener);
    return () => void this._listeners.delete(listener);
  }

  subscribe = (cb: () => void): (() => void) => {
    this._storeSubs.add(cb);
    return () => void this._storeSubs.delete(cb);
  };

  getConn = (): ConnView => this._conn;

  getRoom(planId: string): RoomView {
    return this._rooms.get(planId) ?? EMPTY_ROOM;
  }

  private _dispatch(event: keyof PlanEvents, x: any): void {
    if (event === 'stateChanged') {
      if (x.state !== 'open') this._rooms.forEach((r, id) => this._rooms.set(id, { ...r, participants: [], participantCount: 0 }));
      this._setConn(x.state, x.state === 'open' ? null : this._conn.error);
    } else if (event === 'error') {
      this._setConn(this._conn.status, { code: x.code, message: x.message, planId: x.planId });
    } else if (event === 'failed') {
      this._setConn('failed', { code: 'FAILED', message: x.reason });
    } else if (this._joins.has(x.planId)) {
      if (event === 'joined' || event === 'participantsChanged') {
        this._setRoom(x.planId, { participants: x.participants, participantCount: x.participantCount });
      } else if (event === 'resync') {
        this._setRoom(x.planId, { resyncCount: this.getRoom(x.planId).resyncCount + 1 });
      }
    }
    // A throwing callback does not stop the others: its error becomes an unhandled rejection, as in
    // the wasm client's own dispatch, which the browser reports.
    this._listeners.forEach((l) => {
      try {
        l(event, x);
      } catch (e) {
        void Promise.reject(e);
      }
    });
  }

  private _setRoom(planId: string, change: Partial<RoomView>): void {
    this._rooms.set(planId, { ...this.getRoom(planId), ...change });
    this._notify();
  }

  private _setConn(status: ConnectionState, error: PlanSocketError | null): void {
    this._conn = { status, error };
    this._notify();
  }

  private _notify(): void {
    this._storeSubs.forEach((cb) => cb());
  }
}

const SocketContext = createContext<PlanSocket | null>(null);
/** The connections of provider-less hooks, by url: one WebSocket per url per page. */
const sharedSockets = new Map<string, PlanSocket>();

/**
 * Owns one planwire client (one WebSocket) for every `usePlanWebSocket` below it. The client is created
 * on mount and whenever `url` changes; the other timing options are read then. `token`/`getToken` are read
 * at every connect and reconnect.
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
  return createElement(SocketContext.Provider, { value: socket }, props.children);
}

/**
 * Joins `planId` while mounted and `enabled`, calls the `on…` callbacks for that plan's events (each
 * event, in order, never batched away), and returns the connection and room state. Callbacks may change
 * on every render: they are read from a ref, nothing re-subscribes.
 *
 * It uses the connection of the nearest `PlanSocketProvider` (its own client options are then ignored);
 * without one, the connection to `options.url` that every provider-less hook with that url shares,
 * opened while one of them is joined and closed a macrotask after the last leaves. A shared connection
 * reads `token`/`getToken` at every connect, and the timing options when it is opened, from the hook
 * rendered last.
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
      socket.listen((event, x) => {
        const o = latest.current;
        const callback = CALLBACKS[event];
        if (callback && o.enabled !== false && x.planId === o.planId) {
          (o[callback[0]] as ((...args: unknown[]) => void) | undefined)?.(callback[1] ? x[callback[1]] : x, x);
        }
      }),
    [socket],
  );
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
