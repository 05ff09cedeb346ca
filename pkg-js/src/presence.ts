/**
 * Live presence hooks (extension): who is viewing or editing which task, and who is typing. They join
 * the plan while mounted, like `usePlanWebSocket`, and render what the client reports
 * (`client.presence(planId)`, `client.myPresence(planId)`); updates go to the client, which merges,
 * throttles and re-sends them after a reconnect.
 */
import { useCallback, useEffect, useInsertionEffect, useRef, useSyncExternalStore } from './react-hooks.js';
import type { AppPresence, AppTyping, PlanClientOptions, PresenceEntry, PresenceState, UserId } from './index.js';
import type { PresenceView } from './socket.js';
import { useJoined, useSocket } from './socket.js';
import { sameId } from './index.js';

/** A change to your presence: the keys to set, a `null` value removes a key. */
export type PresencePatch<S = AppPresence> = { [K in keyof S]?: S[K] | null };

/** What `usePresence` returns (states are `AppPresence`: your `Register['presence']` if declared). */
export interface UsePresenceResult {
  /**
   * Everyone else in the room, one entry per other participant (in `participants` order, your own user
   * left out): `{ userId, userName, state, typing }`, `state` / `typing` `null` while they have none.
   * `[]` while not joined or disconnected.
   */
  others: PresenceEntry<AppPresence>[];
  /** This client's own state, as merged so far (`undefined` until you set one). */
  myPresence: AppPresence | undefined;
  /** Merges a patch into this client's state (a `null` value removes a key); sent at most every 100 ms. */
  updateMyPresence: (patch: PresencePatch) => void;
}

/** Props for the field being typed in: spread them on an `<input>` or `<textarea>`. */
export interface TypingHandlers {
  /** Marks typing; pressing keys keeps the mark alive (refreshed at most every 2 s). */
  onKeyDown: () => void;
  /** Stops typing. */
  onBlur: () => void;
}

const NO_PRESENCE: PresenceView = { others: [], myPresence: undefined };

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
  const updateMyPresence = useCallback((patch: PresencePatch) => socket.updatePresence(planId, patch as PresenceState), [socket, planId]);
  return { ...view, updateMyPresence };
}

/**
 * One other user's entry of `others` (`state` / `typing` `null` while they have none; `undefined` when
 * they are not in the room, or are you): a component reading it re-renders only when that user's
 * presence changes. `userId` is compared by value (`1` and `'1'` are the same user).
 */
export function usePresenceOf(planId: string, userId: UserId, options: Partial<PlanClientOptions> = {}): PresenceEntry<AppPresence> | undefined {
  const { socket } = useSocket(options, 'usePresenceOf');
  useJoined(socket, planId);
  const read = () => (planId ? socket.getPresence(planId) : NO_PRESENCE).others.find((e) => sameId(e.userId, userId));
  return useSyncExternalStore(socket.subscribe, read, read);
}

/**
 * Marks this client typing in the room with `mark` (e.g. `{ taskId: '3' }`) while keys are pressed in
 * the field the returned handlers are spread on; stops on blur and on unmount. The server drops a mark
 * it stops hearing about, so a crashed tab never leaves "… is typing" behind.
 */
export function useTyping(planId: string, mark: AppTyping, options: Partial<PlanClientOptions> = {}): TypingHandlers {
  const { socket } = useSocket(options, 'useTyping');
  useJoined(socket, planId);
  const latest = useRef(mark);
  useInsertionEffect(() => {
    latest.current = mark;
  });
  const typing = useRef(false);
  const onKeyDown = useCallback(() => {
    typing.current = true;
    socket.setTyping(planId, latest.current as PresenceState);
  }, [socket, planId]);
  const onBlur = useCallback(() => {
    if (!typing.current) return;
    typing.current = false;
    socket.setTyping(planId, null);
  }, [socket, planId]);
  useEffect(() => onBlur, [onBlur]);
  return { onKeyDown, onBlur };
}
