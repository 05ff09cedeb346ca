'use client';
/**
 * planwire/react — `PlanSocketProvider` owns one client; `usePlanWebSocket` joins a plan room through it,
 * or, without a provider, through a client shared by every hook given the same `url`; `usePresence`,
 * `usePresenceOf` and `useTyping` show and set live presence (extension).
 *
 * The client is the one source of truth: it reference-counts joins, keeps each room's participants and
 * the connection state. The hooks subscribe to it and render what it says; all they add is React
 * plumbing (cached snapshots, StrictMode-proof deferral of leave/release, calls queued while the client
 * loads), the per-plan resync counter and the last error.
 */
import { createElement, useEffect, useInsertionEffect, useMemo, useRef, useSyncExternalStore } from 'react';
import type { ReactNode } from 'react';
import type { ConnectionState, Participant, PlanClientOptions, PlanEvents, Progress, Task } from './index.js';
import { EMPTY_ROOM, PlanSocket, SocketContext, connectionKey, useSocket } from './socket.js';
import type { PlanSocketError, PlanSocketProviderProps } from './socket.js';

export type { ConnectionState, Participant, PlanClientOptions, PlanEvents, PresenceEntry, PresenceState, Progress, Task, UserId } from './index.js';
export type { PlanSocketError, PlanSocketProviderProps } from './socket.js';
export { usePresence, usePresenceOf, useTyping } from './presence.js';
export type { UsePresenceResult, TypingHandlers } from './presence.js';

/**
 * Options of `usePlanWebSocket`: those of the Plan WebSocket Service's hook, plus `onTaskReordered`,
 * `onProgressUpdated` and `onResync`, plus the client options, used only without a `PlanSocketProvider`
 * above (then `url` is required). Task ids are numbers or strings (Plan WebSocket Service servers send
 * both): compare them as `String(a) === String(b)`.
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
  // Constructing a PlanSocket has no side effects (StrictMode may render twice); the effect connects it.
  const key = connectionKey(props);
  const socket = useMemo(() => new PlanSocket(latest), [key]);
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
