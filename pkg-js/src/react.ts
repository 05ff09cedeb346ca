'use client';
/**
 * planwire/react — `PlanSocketProvider` owns one client; `usePlan` renders a plan the client keeps
 * synchronized (tasks, progress, your writes shown at once); `usePlanWebSocket` joins a plan room through it,
 * or, without a provider, through a client shared by every hook given the same `url`; `usePresence`,
 * `usePresenceOf` and `useTyping` show and set live presence (extension).
 *
 * The client is the one source of truth: it reference-counts joins, keeps each room's participants and
 * the connection state. The hooks subscribe to it and render what it says; all they add is React
 * plumbing (cached snapshots, StrictMode-proof deferral of leave/release, calls queued while the client
 * loads), the per-plan resync counter and the last error.
 */
import { createElement, useEffect, useInsertionEffect, useMemo, useRef, useSyncExternalStore } from './react-hooks.js';
import type { ReactNode } from 'react';
import type { AppTask, ConnectionState, Id, Participant, PlanClient, PlanClientOptions, PlanEvents, Progress } from './index.js';
import { EMPTY_ROOM, SocketContext, connectionKey, planSocket, useJoined, useSocket } from './socket.js';
import type { PlanSocketError, PlanSocketProviderProps } from './socket.js';

export type {
  AppPresence,
  AppTask,
  AppTyping,
  ConnectionState,
  Id,
  Participant,
  PlanClient,
  PlanClientOptions,
  PlanEvents,
  PlanSnapshot,
  PlanStatus,
  PresenceEntry,
  PresenceState,
  Progress,
  Register,
  Task,
  UserId,
} from './index.js';
export { idKey, sameId } from './index.js';
export type { PlanSocketError, PlanSocketProviderProps } from './socket.js';
export { usePresence, usePresenceOf, useTyping } from './presence.js';
export { usePlan, usePlanSelector, usePlanTask } from './plan.js';
export type { PlanView, TaskPatch, UsePlanOptions, UsePlanResult } from './plan.js';
export type { PresencePatch, UsePresenceResult, TypingHandlers } from './presence.js';

/**
 * Options of `usePlanWebSocket`: those of the Plan WebSocket Service's hook, plus `onJoined`,
 * `onTaskReordered`, `onProgressUpdated` and `onResync`, plus the client options, used only without a
 * `PlanSocketProvider` above (then `url` is required). Tasks are `AppTask`: your `Register['task']` if
 * you declared one, else `Task`. Every callback gets the whole event (with `seq` and `timestamp`) as its
 * last argument, and is read from a ref: a new function at each render never re-subscribes.
 */
export interface UsePlanWebSocketOptions extends Partial<PlanClientOptions> {
  /** The plan room to join. */
  planId: string;
  /** `false` leaves (or never joins) the room; default true. */
  enabled?: boolean;
  /** A task of this plan changed: replace yours with the same id (`sameId(t.id, task.id)`). */
  onTaskUpdated?: (task: AppTask, event: PlanEvents['taskUpdated']) => void;
  /** A task was added to this plan. */
  onTaskCreated?: (task: AppTask, event: PlanEvents['taskCreated']) => void;
  /** A task was removed from this plan (the id is often a string: compare with `sameId`). */
  onTaskDeleted?: (taskId: Id, event: PlanEvents['taskDeleted']) => void;
  /** This plan's tasks, in their new order. */
  onTaskReordered?: (taskIds: Id[], event: PlanEvents['taskReordered']) => void;
  /** This plan's progress counts changed. */
  onProgressUpdated?: (progress: Progress, event: PlanEvents['progressUpdated']) => void;
  /**
   * The server confirmed this connection's join of the plan, with its participants: on the first join
   * and again after every reconnect (`recovered`: whether the missed events were replayed).
   */
  onJoined?: (data: PlanEvents['joined']) => void;
  /** Another user entered the plan: `{ userId, userName, participantCount }`. */
  onUserJoined?: (data: PlanEvents['userJoined']) => void;
  /** A user's last connection left the plan: `{ userId, userName?, participantCount }`. */
  onUserLeft?: (data: PlanEvents['userLeft']) => void;
  /** Events were missed and cannot be replayed: reload the plan (e.g. over REST). */
  onResync?: (data: PlanEvents['resync']) => void;
}

/** What `usePlanWebSocket` returns. */
export interface UsePlanWebSocketResult {
  /** `status === 'open'`: connected, and confirmed by the server. */
  isConnected: boolean;
  /** People in the room, as the client counts them (`client.participantCount(planId)`: 0 while not joined or disconnected). */
  participantCount: number;
  /** Who is in the room, you included (`client.participants(planId)`; `[]` while not joined or disconnected; the same array until it changes). */
  participants: Participant[];
  /** The connection state, `client.state`: `'idle' | 'connecting' | 'open' | 'reconnecting' | 'closed' | 'failed'`. */
  status: ConnectionState;
  /**
   * The last error, `null` once the socket opens: `{ code, message }`, e.g. `INVALID_URL` (bad options,
   * also logged with `console.error`), `FAILED` / `unauthorized: token expired`, a server's `RATE_LIMITED`.
   */
  error: PlanSocketError | null;
  /**
   * While `status` is `'reconnecting'`: the attempt under way or scheduled, 1-based (the `reconnecting`
   * event's); else `undefined`. E.g. `Reconnecting (attempt ${attempt}, in ${delayMs / 1000} s)…`.
   */
  attempt?: number;
  /**
   * While `status` is `'reconnecting'`: the delay before that attempt, in ms, counted from when it was
   * scheduled (0: at once; the `reconnecting` event's); else `undefined`.
   */
  delayMs?: number;
  /** The server's id for this connection while open (send it as `X-Connection-Id` with your REST changes), else `undefined`. */
  connectionId: string | undefined;
  /** The connection's `PlanClient` (`null` while it loads), for what the hooks do not wrap; as `usePlanClient()`. */
  client: PlanClient | null;
  /** Grows by one with each `resync` of this plan; a dependency for reloading. */
  resyncCount: number;
  /** Drops the socket and connects again now. */
  reconnect: () => void;
}

/** The events with an `on…` option (`on` + the name capitalised, e.g. `onTaskUpdated`). */
type CallbackEvent = { [K in keyof PlanEvents]: `on${Capitalize<K>}` extends keyof UsePlanWebSocketOptions ? K : never }[keyof PlanEvents];

/** Client event (whose option is `on` + its name capitalised, e.g. `onTaskUpdated`) → payload field passed first (0: the payload). */
const CALLBACKS: Record<CallbackEvent, string | 0> = {
  taskUpdated: 'task',
  taskCreated: 'task',
  taskDeleted: 'taskId',
  taskReordered: 'taskIds',
  progressUpdated: 'progress',
  joined: 0,
  userJoined: 0,
  userLeft: 0,
  resync: 0,
};

/**
 * Owns one planwire client (one WebSocket) for every `usePlanWebSocket` below it. The client is created
 * on mount with the props given then; what a later prop change does:
 *
 * - **A new connection** (the old client is closed, a new one connects and re-joins the rooms of the
 *   hooks below) when a prop the live client cannot take changes value: `url`, `authMode`,
 *   `maxReconnectAttempts`, `baseDelayMs`, `maxDelayMs`, `jitter`, `stableAfterMs`, `pingIntervalMs`,
 *   `pongTimeoutMs`, `connectTimeoutMs`, `debug` (`true` / `false`, or to or from a function), and
 *   giving or removing `getToken` or `WebSocket`. Values are compared, so re-rendering with equal props
 *   keeps the connection.
 * - **Applied to the live client**: `token` (handed over with `setToken`, used from its next connection
 *   attempt; the open socket keeps its own), and the functions, which are never compared by identity
 *   (inline functions are fine): the latest `getToken` is called at every connect, the latest
 *   `WebSocket` class constructs each new socket (from the next connection attempt), the latest `debug`
 *   function receives every entry.
 * - `children` re-render as usual.
 */
export function PlanSocketProvider(props: PlanSocketProviderProps): ReactNode {
  const latest = useRef(props);
  useInsertionEffect(() => {
    latest.current = props;
  });
  // Making a PlanSocket has no side effects (StrictMode may render twice); the effect connects it.
  const key = connectionKey(props);
  const socket = useMemo(() => planSocket(latest), [key]);
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
 * opened while one of them is joined and closed a macrotask after the last leaves (and forgotten once
 * no hook for that url is mounted). A shared connection takes its options from the hook rendered last:
 * the value options when its client is created (a later change does not reconnect: use a provider for
 * options that change), and `token`, `getToken`, `WebSocket` and a `debug` function live, as a provider does.
 */
export function usePlanWebSocket(options: UsePlanWebSocketOptions): UsePlanWebSocketResult {
  const { planId } = options;
  const { socket, provided } = useSocket(options, 'usePlanWebSocket');
  const latest = useRef(options);
  useInsertionEffect(() => {
    latest.current = options;
    if (!provided) socket.props.current = options as PlanSocketProviderProps;
  });
  const active = options.enabled !== false && !!planId;

  useEffect(
    () =>
      socket.withClient((client) => {
        const offs = Object.entries(CALLBACKS).map(([event, field]) =>
          client.on(event as CallbackEvent, (x: any) => {
            const o = latest.current as any;
            if (o.enabled === false || x.planId !== o.planId) return;
            o['on' + event[0].toUpperCase() + event.slice(1)]?.(field ? x[field] : x, x);
          }),
        );
        return () => offs.forEach((off) => off());
      }),
    [socket],
  );
  useEffect(() => {
    if (!provided) socket.syncToken();
  }, [socket, provided, options.token]);
  useJoined(socket, active ? planId : '');

  const conn = useSyncExternalStore(socket.subscribe, socket.getConn, socket.getConn);
  const getRoom = () => (active ? socket.getRoom(planId) : EMPTY_ROOM);
  const room = useSyncExternalStore(socket.subscribe, getRoom, getRoom);
  return { ...conn, ...room, isConnected: conn.status === 'open', reconnect: socket.reconnect };
}

/**
 * The `PlanClient` of the connection the hooks use — the nearest `PlanSocketProvider`'s, or without one
 * the connection to `options.url` shared by provider-less hooks — or `null` while it loads (and when no
 * hook holds that shared connection). For what the hooks do not wrap: `client.on(…)`, `client.connectionId`, ….
 * Do not `close()` or `free()` it: the provider (or the last hook) does.
 */
export function usePlanClient(options: Partial<PlanClientOptions> = {}): PlanClient | null {
  const { socket } = useSocket(options, 'usePlanClient');
  return useSyncExternalStore(socket.subscribe, socket.getConn, socket.getConn).client;
}
