/**
 * The connection behind planwire's React hooks: `PlanSocket` wraps one client (a provider's, or one
 * shared by provider-less hooks with the same url) and caches the snapshots the hooks read.
 *
 * The client is the one source of truth: it reference-counts joins, keeps each room's participants and
 * presence and the connection state. What `PlanSocket` adds is React plumbing (cached snapshots,
 * StrictMode-proof deferral of leave/release, calls queued while the client loads), the per-plan resync
 * counter and the last error.
 */
import { createContext, useContext, useEffect } from './react-hooks.js';
import type { ReactNode } from 'react';
import { failure } from './failure.js';
import { createPlanClient, loadPlanwire, sameId } from './index.js';
import type {
  AppPresence,
  ConnectionState,
  ErrorCode,
  Participant,
  PlanClient,
  PlanClientOptions,
  PlanSnapshot,
  PresenceEntry,
  PresenceState,
  ReconnectingPayload,
  UserId,
} from './index.js';

/** Props of `PlanSocketProvider`: the client options plus children. */
export interface PlanSocketProviderProps extends PlanClientOptions {
  children?: ReactNode;
}

/**
 * The last error reported by the connection: a code and a message that does not repeat it. A server
 * `error` (`RATE_LIMITED`, …) as sent; a client that cannot be created with its `PlanwireError`'s code
 * (`INVALID_URL`, `INVALID_OPTION`, `LOAD_FAILED`, …; also logged once with `console.error`); `FAILED`
 * when the client gave up, with the `failed` event's reason and the server's close reason as the message
 * (`max-attempts`, `unauthorized: token expired`, `token-error: …`).
 */
export interface PlanSocketError {
  /** One of `ErrorCode` (or a code of a newer server). */
  code: ErrorCode | (string & {});
  /** What went wrong, without the code (show both: `${error.code}: ${error.message}`). */
  message: string;
  /** The room concerned, if any. */
  planId?: string;
}

/** The connection's snapshot (the hooks' result fields of the same names). */
interface ConnView {
  status: ConnectionState;
  error: PlanSocketError | null;
  /** The last `reconnecting` event's attempt and delay, while the status is `reconnecting`. */
  attempt?: number;
  delayMs?: number;
  client: PlanClient | null;
  connectionId: string | undefined;
}
/** A room's snapshot. */
export interface RoomView { participants: Participant[]; participantCount: number; resyncCount: number }
/** A room's presence snapshot. */
export interface PresenceView { others: PresenceEntry<AppPresence>[]; myPresence: AppPresence | undefined }
/** A subscription to whichever client the connection has: `subscribe` runs for each client, `off` undoes it. */
interface ClientSub { subscribe: (client: PlanClient) => () => void; off?: () => void }

export const EMPTY_ROOM: RoomView = { participants: [], participantCount: 0, resyncCount: 0 };
/** A hook's or provider's prop that is not a client option: `children`, `planId`, `enabled`, the `on…` callbacks. */
const notOption = (name: string): boolean => /^(children|planId|enabled)$|^on[A-Z]/.test(name);

/**
 * The identity of the connection a provider's props describe: a change of it makes a new client. It
 * holds every client option the live client cannot take, by value — `url`, `authMode`,
 * `maxReconnectAttempts`, the timing numbers, `debug: true | false` — and, of the function-valued ones
 * (`getToken`, `WebSocket`, a `debug` function), only whether one is given: functions are never compared
 * by identity (an inline `getToken={() => …}` is a new function at every render), the client calls the
 * latest prop instead. `token` is not part of it: a new token is handed to the live client (`setToken`).
 */
export function connectionKey(props: Partial<PlanSocketProviderProps>): string {
  return Object.entries(props)
    .filter(([name, v]) => v !== undefined && name !== 'token' && !notOption(name))
    .map(([name, v]) => `${name}: ${typeof v} ${typeof v === 'function' ? '' : String(v)}`)
    .sort()
    .join('\n');
}

/**
 * A thrown error as a `PlanSocketError`: its `code` property (every error planwire throws has one), else
 * `FAILED`, and its message without the `CODE: ` it starts with.
 */
function toError(e: unknown): PlanSocketError {
  const { code, message } = (e ?? {}) as { code?: unknown; message?: unknown };
  const c = typeof code === 'string' && code ? code : ('FAILED' satisfies ErrorCode);
  return { code: c, message: String(message ?? e).replace(c + ': ', '') };
}

/**
 * One connection (a provider's, or one shared by provider-less hooks): creates the client when first
 * acquired and frees it when the last user releases it. Joins and leaves go straight to the client
 * (which reference-counts them); made before the client has loaded, they are queued and replayed in
 * order. Leaving and releasing are deferred by a macrotask so that React StrictMode's unmount/remount
 * keeps the same socket and sends no extra leave-plan/join-plan. Made by `planSocket`.
 */
export interface PlanSocket {
  /** How many mounted provider-less hooks hold this connection (see `hold`; 0 for a provider's). */
  holders: number;
  /**
   * The props: the client options are read when the client is created (see `connectionKey`), except
   * `token` (`syncToken`) and the function-valued ones, of which the latest is always called.
   */
  readonly props: { current: PlanSocketProviderProps };
  /** A user (provider or hook) mounted: create and connect the client unless it exists. */
  acquire(): void;
  /** A user unmounted: after a macrotask, the last one closes and frees the client. */
  release(): void;
  join(planId: string): void;
  /** Deferred by a macrotask: a join in between (StrictMode remount) keeps the room. */
  leave(planId: string): void;
  /** `client.syncPlan`, queued like a join while the client loads. */
  syncPlan(planId: string): void;
  /** Deferred by a macrotask like `leave`: a StrictMode remount keeps the plan and its state. */
  unsyncPlan(planId: string): void;
  /** The synchronized plan as the client has it (`undefined` before the client exists or syncs it). */
  getPlan(planId: string): PlanSnapshot | undefined;
  /** A write (`createTask`, …) through the client, now or once it exists (after the queued `syncPlan`). */
  write<R>(f: (client: PlanClient) => Promise<R>): Promise<R>;
  /** `client.updatePresence` (extension), queued like a join while the client loads. */
  updatePresence(planId: string, patch: PresenceState): void;
  /** `client.setTyping` (extension), queued like a join while the client loads. */
  setTyping(planId: string, mark: PresenceState | null): void;
  /** Hands the latest `token` prop to the client (`setToken`, used from its next connection attempt). */
  syncToken(): void;
  reconnect: () => void;
  /** Runs `subscribe` with the client now if there is one, and with every client created later. */
  withClient(subscribe: (client: PlanClient) => () => void): () => void;
  subscribe: (cb: () => void) => () => void;
  getConn: () => ConnView;
  getRoom(planId: string): RoomView;
  /**
   * The plan's presence as the client reports it: the others — every participant but this connection's
   * user, with the presence the client reports for them or `state: null, typing: null` (an entry keeps
   * its identity while that user's is unchanged, and the list while nobody's is, so only what reads a
   * change re-renders) — and this client's own state.
   */
  getPresence(planId: string): PresenceView;
}

/** A new `PlanSocket` for `props` (no side effect but starting the module's load in a browser). */
export function planSocket(props: { current: PlanSocketProviderProps }): PlanSocket {
  let client: PlanClient | null = null;
  let loading: Promise<void> | null = null;
  let loadFailed = false;
  let users = 0;
  /** Calls made before the client exists (joins, leaves, presence), replayed in order. */
  let queue: ((client: PlanClient) => void)[] = [];
  /** The token last handed to the client (its `token` option, then `setToken`). */
  let sentToken: string | undefined;
  let error: PlanSocketError | null = null;
  let retry: ReconnectingPayload | undefined;
  /** This connection's user (the `open` event's): left out of a room's others. */
  let me: UserId | undefined;
  const resyncs = new Map<string, number>();
  /** Snapshots: built from the client's event payloads, or read from the client after a call of ours. */
  let conn: ConnView | null = null;
  const rooms = new Map<string, RoomView>();
  /** Per plan, the last presence snapshot handed out, and whether it is still current. */
  const presenceViews = new Map<string, { view: PresenceView; current: boolean }>();
  /** Per plan, the others' presence as the last `presenceChanged` reported it. */
  const reportedOthers = new Map<string, PresenceEntry<PresenceState>[]>();
  const storeSubs = new Set<() => void>();
  const clientSubs = new Set<ClientSub>();

  // Made when a provider or hook first renders: in a browser, start fetching and compiling the wasm
  // now rather than after React has mounted (never on a server, where there is no window).
  if (typeof window !== 'undefined') loadPlanwire().catch(() => {});

  function load(): void {
    if (loading) return;
    const current = props.current;
    const options = {} as PlanClientOptions;
    // A function-valued option (`WebSocket`, a `debug` function) stands for the latest prop; `getToken`
    // is handed over apart.
    for (const [key, value] of Object.entries(current)) {
      if (value !== undefined && key !== 'getToken' && !notOption(key)) (options as any)[key] = typeof value === 'function' ? latest(key, value) : value;
    }
    // Exactly what the app gave: a `token` stays a token (a 4001 then fails with `unauthorized`), and
    // only a `getToken` is called for fresh tokens (the latest prop, at every connect).
    const { token, getToken } = current;
    if (getToken) options.getToken = latest('getToken', getToken) as () => Promise<string>;
    loadFailed = false;
    const started = (loading = createPlanClient(options).then(
      (c) => {
        if (loading !== started) return c.free();
        client = c;
        sentToken = token;
        c.on('stateChanged', ({ state }) => {
          if (state === 'open') error = null;
          view(state);
          notify();
        });
        c.on('reconnecting', (r) => {
          retry = r;
          changed();
        });
        c.on('open', ({ userId }) => (me = userId));
        c.on('error', ({ code, message, planId }) => {
          error = { code, message, planId };
          changed();
        });
        c.on('failed', ({ reason, closeReason }) => {
          error = { code: 'FAILED' satisfies ErrorCode, message: closeReason ? `${reason}: ${closeReason}` : reason };
          changed();
        });
        c.on('resync', ({ planId }) => {
          resyncs.set(planId, (resyncs.get(planId) ?? 0) + 1);
          const room = rooms.get(planId);
          if (room) rooms.set(planId, { ...room, resyncCount: resyncs.get(planId)! });
          notify();
        });
        // Every change of a room's participants (joined, user joined or left, connection lost) is
        // reported with the whole list: the snapshot is the payload.
        c.on('participantsChanged', ({ planId, participants, participantCount }) => {
          rooms.set(planId, { participants, participantCount, resyncCount: resyncs.get(planId) ?? 0 });
          stalePresence(planId);
          notify();
        });
        // A synchronized plan's snapshot is the client's own cached object: nothing to keep here.
        c.on('planChanged', notify);
        c.on('presenceChanged', ({ planId, presence }) => {
          reportedOthers.set(planId, presence);
          stalePresence(planId);
          notify();
        });
        for (const call of queue.splice(0)) call(c);
        clientSubs.forEach((sub) => (sub.off = sub.subscribe(c)));
        syncToken();
        changed(null);
        c.connect();
      },
      (e) => {
        loading = null;
        loadFailed = true;
        error = toError(e);
        // Invalid options are a bug to see at once, not only a `failed` status nobody renders: the
        // error itself (`INVALID_URL: …`, with its `code`), once per connection.
        console.error(e);
        changed();
      },
    ));
  }

  /**
   * Stands in for the function-valued option `name`: calls the latest prop's function — or constructs
   * it, for the `WebSocket` class — and `initial` (the one the client was made with) if the prop is gone.
   */
  function latest(name: string, initial: Function): Function {
    return function latest(this: unknown, ...args: unknown[]): unknown {
      const current = (props.current as unknown as Record<string, unknown>)[name];
      const f = (typeof current === 'function' ? current : initial) as (...a: unknown[]) => unknown;
      return new.target ? Reflect.construct(f, args) : f.apply(this, args);
    };
  }

  /** Calls `f` with the client now, or once it exists; then the plan's snapshots are read again. */
  function call(planId: string, f: (client: PlanClient) => void): void {
    if (client) f(client);
    else queue.push(f);
    changed(planId);
  }

  function syncToken(): void {
    const { token } = props.current;
    if (!client || token === sentToken) return;
    sentToken = token;
    client.setToken(token);
  }

  /** The connection snapshot for `status` (the state event's, or the client's), made the current one. */
  function view(status: ConnectionState): ConnView {
    return (conn = { status, error, ...(status === 'reconnecting' && retry), client, connectionId: client?.connectionId });
  }

  /** This plan's presence snapshot is out of date (a `presenceChanged`, or a call of ours). */
  function stalePresence(planId: string): void {
    const p = presenceViews.get(planId);
    if (p) p.current = false;
  }

  function notify(): void {
    storeSubs.forEach((cb) => cb());
  }

  function getRoom(planId: string): RoomView {
    let room = rooms.get(planId);
    if (!room) {
      room = {
        participants: client ? client.participants(planId) : [],
        participantCount: client ? client.participantCount(planId) : 0,
        resyncCount: resyncs.get(planId) ?? 0,
      };
      rooms.set(planId, room);
    }
    return room;
  }

  /**
   * Something the snapshots show may have changed by other means than an event payload (a call of
   * ours, a new or freed client): the connection (no argument), one room (its plan id), or everything
   * (`null`). Drops those snapshots, read from the client again when next asked for, and tells the hooks.
   */
  function changed(planId?: string | null): void {
    if (planId === undefined || planId === null) conn = null;
    if (planId === null) {
      rooms.clear();
      reportedOthers.clear();
      presenceViews.forEach((p) => (p.current = false));
    } else if (planId !== undefined) {
      rooms.delete(planId);
      reportedOthers.delete(planId);
      stalePresence(planId);
    }
    notify();
  }

  return {
    holders: 0,
    props,
    acquire() {
      users++;
      load();
    },
    release() {
      setTimeout(() => {
        if (--users) return;
        const c = client;
        loading = client = null;
        queue = [];
        clientSubs.forEach((sub) => {
          sub.off?.();
          sub.off = undefined;
        });
        c?.close();
        c?.free();
        error = null;
        loadFailed = false;
        resyncs.clear();
        changed(null);
      });
    },
    join: (planId) => call(planId, (c) => c.join(planId)),
    leave: (planId) => void setTimeout(() => call(planId, (c) => c.leave(planId))),
    syncPlan: (planId) => call(planId, (c) => c.syncPlan(planId)),
    unsyncPlan: (planId) => void setTimeout(() => call(planId, (c) => c.unsyncPlan(planId))),
    getPlan: (planId) => client?.plan(planId),
    write: <R>(f: (client: PlanClient) => Promise<R>) =>
      client ? f(client) : new Promise<R>((resolve, reject) => queue.push((c) => f(c).then(resolve, reject))),
    updatePresence: (planId, patch) => call(planId, (c) => c.updatePresence(planId, patch)),
    setTyping: (planId, mark) => call(planId, (c) => c.setTyping(planId, mark)),
    syncToken,
    reconnect() {
      if (client) client.reconnect();
      else if (users) load();
    },
    withClient(subscribe) {
      const sub: ClientSub = { subscribe };
      clientSubs.add(sub);
      if (client) sub.off = subscribe(client);
      return () => {
        clientSubs.delete(sub);
        sub.off?.();
      };
    },
    subscribe(cb) {
      storeSubs.add(cb);
      return () => void storeSubs.delete(cb);
    },
    getConn: () => conn ?? view(client ? client.state : loadFailed ? 'failed' : 'idle'),
    getRoom,
    getPresence(planId) {
      const last = presenceViews.get(planId);
      if (last?.current) return last.view;
      const reported = reportedOthers.get(planId) ?? (client ? client.presence(planId) : []);
      // `list`'s entry for the user `p` (ids compared by value).
      const of = <E extends Participant>(list: E[] | undefined, p: Participant) => list?.find((e) => sameId(e.userId, p.userId));
      const kept = last?.view.others;
      const others = getRoom(planId)
        .participants.filter((p) => !sameId(p.userId, me!))
        .map((p) => unchanged(of(kept, p), { state: null, typing: null, ...p, ...of(reported, p) } as PresenceEntry<AppPresence>));
      const view = {
        others: kept && kept.length === others.length && others.every((e, i) => e === kept[i]) ? kept : others,
        myPresence: unchanged(last?.view.myPresence, client?.myPresence(planId) as AppPresence | undefined),
      };
      presenceViews.set(planId, { view, current: true });
      return view;
    },
  };
}

/** `before` when it is the same JSON as `next` (so a snapshot keeps its identity), else `next`. */
function unchanged<T>(before: T | undefined, next: T): T {
  return before !== undefined && JSON.stringify(before) === JSON.stringify(next) ? before : next;
}

export const SocketContext = createContext<PlanSocket | null>(null);

/**
 * The connections of provider-less hooks, by url: one WebSocket per url per page. An entry lives while
 * a mounted hook holds it, and goes a macrotask after the last one leaves (with its client, which the
 * connection closes then), so a page that mounts hooks for many urls keeps none of them.
 */
const sharedSockets = new Map<string, PlanSocket>();

/** For tests: how many urls have a shared connection. */
export function sharedSocketCount(): number {
  return sharedSockets.size;
}

/** After a macrotask, forgets `socket` if no hook holds it then (StrictMode's remount holds it again before). */
function dropLater(url: string, socket: PlanSocket): void {
  setTimeout(() => {
    if (!socket.holders && sharedSockets.get(url) === socket) sharedSockets.delete(url);
  });
}

/**
 * A mounted provider-less hook holds `socket`, the shared connection to `url` (registering it again if
 * it was dropped between the hook's render and this effect); the returned cleanup lets go of it.
 */
function hold(url: string, socket: PlanSocket): () => void {
  if (!sharedSockets.has(url)) sharedSockets.set(url, socket);
  socket.holders++;
  return () => {
    socket.holders--;
    dropLater(url, socket);
  };
}

/**
 * The connection a hook uses: the nearest provider's, else the one shared by provider-less hooks with
 * `options.url` (whose options are the hook's: it then also takes the latest options), held while the
 * hook is mounted.
 */
export function useSocket(options: Partial<PlanSocketProviderProps>, hook: string): { socket: PlanSocket; provided: boolean } {
  const provided = useContext(SocketContext);
  const { url } = options;
  if (!provided && !url) throw failure('NO_PROVIDER', `${hook} needs a <PlanSocketProvider> above it or a url option`);
  let socket = provided ?? sharedSockets.get(url!);
  if (!socket) {
    // No side effect but the registration, which every hook rendered for this url before the effects
    // run shares, and which goes again if no effect comes to hold it (a render React threw away): the
    // hook's effects hold it and open the connection.
    sharedSockets.set(url!, (socket = planSocket({ current: options as PlanSocketProviderProps })));
    dropLater(url!, socket);
  }
  useEffect(() => (provided ? undefined : hold(url!, socket)), [provided, url, socket]);
  return { socket, provided: !!provided };
}

/**
 * Joins `planId` on `socket` while mounted (none for `''`; StrictMode-safe: leaving is deferred), or with
 * `sync` synchronizes it (`syncPlan`, then `unsyncPlan`, deferred too).
 */
export function useJoined(socket: PlanSocket, planId: string, sync?: boolean): void {
  useEffect(() => {
    if (!planId) return;
    socket.acquire();
    (sync ? socket.syncPlan : socket.join)(planId);
    return () => {
      (sync ? socket.unsyncPlan : socket.leave)(planId);
      socket.release();
    };
  }, [socket, planId]);
}
