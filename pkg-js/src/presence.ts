/**
 * Live presence hooks (extension): who is viewing or editing which task, and who is typing. They join
 * the plan while mounted, like `usePlanWebSocket`, and render what the client reports
 * (`client.presence(planId)`, `client.myPresence(planId)`); updates go to the client, which merges,
 * throttles and re-sends them after a reconnect.
 */
import { useCallback, useEffect, useInsertionEffect, useRef, useSyncExternalStore } from 'react';
import type { PlanClientOptions, PresenceEntry, PresenceState, UserId } from './index.js';
import type { PlanSocket, PresenceView } from './socket.js';
import { useSocket } from './socket.js';

/** What `usePresence` returns. */
export interface UsePresenceResult {
  /** Everyone else's presence in the room: `{ userId, userName, state, typing }` per user. */
  others: PresenceEntry<PresenceState>[];
  /** This client's own state, as merged so far. */
  myPresence: PresenceState | undefined;
  /** Merges a patch into this client's state (a `null` value removes a key). */
  updateMyPresence: (patch: PresenceState) => void;
}

/** Props for the field being typed in: spread them on an `<input>` or `<textarea>`. */
export interface TypingHandlers {
  /** Marks typing; pressing keys keeps the mark alive (refreshed at most every 2 s). */
  onKeyDown: () => void;
  /** Stops typing. */
  onBlur: () => void;
}

const NO_PRESENCE: PresenceView = { others: [], myPresence: undefined };

/** Joins `planId` on `socket` while mounted (StrictMode-safe: leaving is deferred). */
function useJoined(socket: PlanSocket, planId: string): void {
  useEffect(() => {
    if (!planId) return;
    socket.acquire();
    socket.join(planId);
    return () => {
      socket.leave(planId);
      socket.release();
    };
  }, [socket, planId]);
}

/**
 * The room's live presence: the others' states and typing marks, your own state, and a function to
 * update it. Under a `PlanSocketProvider`, or given the client options (`url`, …) like
 * `usePlanWebSocket`. An entry keeps its identity while that user's presence is unchanged.
 */
export function usePresence(planId: string, options: Partial<PlanClientOptions> = {}): UsePresenceResult {
  const { socket } = useSocket(options, 'usePresence');
  useJoined(socket, planId);
  const read = () => (planId ? socket.getPresence(planId) : NO_PRESENCE);
  const view = useSyncExternalStore(socket.subscribe, read, read);
  const updateMyPresence = useCallback((patch: PresenceState) => socket.updatePresence(planId, patch), [socket, planId]);
  return { others: view.others, myPresence: view.myPresence, updateMyPresence };
}

/**
 * One other user's presence in the room (`undefined` when they have none): a component reading it
 * re-renders only when that user's presence changes.
 */
export function usePresenceOf(planId: string, userId: UserId, options: Partial<PlanClientOptions> = {}): PresenceEntry<PresenceState> | undefined {
  const { socket } = useSocket(options, 'usePresenceOf');
  useJoined(socket, planId);
  const read = () => (planId ? socket.getPresence(planId) : NO_PRESENCE).others.find((e) => String(e.userId) === String(userId));
  return useSyncExternalStore(socket.subscribe, read, read);
}

/**
 * Marks this client typing in the room with `mark` (e.g. `{ taskId: '3' }`) while keys are pressed in
 * the field the returned handlers are spread on; stops on blur and on unmount. The server drops a mark
 * it stops hearing about, so a crashed tab never leaves "… is typing" behind.
 */
export function useTyping(planId: string, mark: PresenceState, options: Partial<PlanClientOptions> = {}): TypingHandlers {
  const { socket } = useSocket(options, 'useTyping');
  useJoined(socket, planId);
  const latest = useRef(mark);
  useInsertionEffect(() => {
    latest.current = mark;
  });
  const typing = useRef(false);
  const onKeyDown = useCallback(() => {
    typing.current = true;
    socket.setTyping(planId, latest.current);
  }, [socket, planId]);
  const onBlur = useCallback(() => {
    if (!typing.current) return;
    typing.current = false;
    socket.setTyping(planId, null);
  }, [socket, planId]);
  useEffect(() => onBlur, [onBlur]);
  return { onKeyDown, onBlur };
}
