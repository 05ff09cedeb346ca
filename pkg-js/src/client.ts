/**
 * `PlanClient`: the browser side of the client. The connection logic (states, backoff, heartbeat,
 * auth, rooms, presence, sequence recovery, frame decoding) runs in the wasm module; this class owns
 * what only the browser can do — the WebSocket, one timer, the window's online/offline/visibility
 * listeners, `getToken` and the application's listeners — feeds what happens to the module and
 * performs the actions it polls back. Contract: docs/client-api.md.
 */
import { EVENT_NAMES, STATE_NAMES } from './types.js';
import type { ConnectionState, Participant, PlanClientOptions, PlanEvents } from './types.js';
import { put, take, wasm } from './wasm.js';

// Action codes of `pw_poll` (client-wasm/src/abi/mod.rs).
const FETCH_TOKEN = 1;
const OPEN_SOCKET = 2;
const SEND = 3;
const CLOSE_SOCKET = 4;
const EMIT = 5;
const EMIT_FRAME = 6;
// `pw_new` flags.
const HAS_TOKEN = 1;
const HAS_GET_TOKEN = 2;
const HAS_AUTH_MODE = 4;
const HAS_NUMBER = 8;
/** Number options in `pw_new`'s argument order. */
const NUMBER_OPTIONS = [
  'maxReconnectAttempts', 'baseDelayMs', 'maxDelayMs', 'jitter',
  'stableAfterMs', 'pingIntervalMs', 'pongTimeoutMs', 'connectTimeoutMs',
] as const;
/** Browsers fire a `setTimeout` above 2^31 - 1 ms at once. */
const MAX_TIMEOUT_MS = 2_147_483_647;

/** One subscription; `off` is set when unsubscribed, so a dispatch in progress skips it. */
interface Listener { f: (payload: any) => void; off?: boolean }

/** Frees a client's wasm state when the application drops it without calling `free()`. */
const finalizer = typeof FinalizationRegistry === 'function'
  ? new FinalizationRegistry<number>((handle) => wasm?.pw_free(handle))
  : undefined;

function fail(text: string): never {
  throw new Error(text);
}

function checkPlanId(planId: unknown): string {
  return typeof planId === 'string' && planId !== '' ? planId : fail('INVALID_PLAN_ID: planId must be a non-empty string');
}

/** The text of a thrown or rejected value: an `Error`'s message, a string, or `fallback`. */
function errorText(e: unknown, fallback: string): string {
  return e instanceof Error ? e.message : typeof e === 'string' ? e : fallback;
}

/** A real-time plan-room client: one WebSocket, any number of rooms. */
export class PlanClient {
  /** The module's handle; 0 once freed. */
  private _h: number;
  private _ws: WebSocket | null = null;
  private _timer: ReturnType<typeof setTimeout> | undefined;
  private _armedFor = Infinity;
  private _listening = false;
  /** A `_drive` loop is running: nested calls only feed their input, and that loop performs the rest. */
  private _driving = false;
  /** Per event kind; each list is replaced, never changed in place (see `on`). */
  private readonly _listeners: Listener[][] = EVENT_NAMES.map(() => []);
  private _getToken: (() => Promise<string>) | undefined;
  /**
   * The text frame last fed to the module. Frames arrive from the event loop, never while a
   * `_drive` loop runs, so the `EMIT_FRAME` actions a loop polls always come from this frame.
   */
  private _frame = '';

  /** Validates the options (throws `Error('CODE: message')`); the client starts `idle`. */
  constructor(options: PlanClientOptions) {
    const w = wasm ?? fail('NOT_LOADED: call loadPlanwire() (or use createPlanClient) before new PlanClient()');
    if (typeof options !== 'object' || options === null) fail('INVALID_OPTION: options must be an object');
    const given = (key: string): unknown => (options as unknown as Record<string, unknown>)[key] ?? undefined;
    const getToken = given('getToken');
    if (getToken !== undefined && typeof getToken !== 'function') fail('INVALID_OPTION: getToken must be a function');
    this._getToken = getToken as (() => Promise<string>) | undefined;
    // A value of the wrong type is passed on as an invalid one, for the module to reject with its code.
    const text = (key: string, invalid: string) => {
      const v = given(key);
      return v === undefined ? undefined : typeof v === 'string' ? v : invalid;
    };
    const token = text('token', '');
    const authMode = text('authMode', '?');
    let flags = (token !== undefined ? HAS_TOKEN : 0) | (getToken ? HAS_GET_TOKEN : 0) | (authMode !== undefined ? HAS_AUTH_MODE : 0);
    const numbers = NUMBER_OPTIONS.map((key, i) => {
      const v = given(key);
      if (v !== undefined) flags |= HAS_NUMBER << i;
      return typeof v === 'number' ? v : NaN;
    });
    const urlLen = put(text('url', '') ?? '');
    const tokenLen = put(token ?? '', urlLen);
    const authLen = put(authMode ?? '', urlLen + tokenLen);
    this._h = w.pw_new(urlLen, tokenLen, authLen, flags, ...numbers, Math.random() * 2 ** 53);
    if (!this._h) fail(take(w.pw_output_len()));
    finalizer?.register(this, this._h, this);
  }

  /** `idle`/`closed`/`failed` → `connecting`; a no-op when already connecting or open. */
  connect(): void {
    this._input(() => wasm!.pw_connect(this._h, Date.now()));
  }

  /** Closes with 1000; never reconnects; releases the timer and window listeners. */
  close(): void {
    this._input(() => wasm!.pw_close(this._h));
  }

  /** From any state: drops the socket, resets the attempt counter and connects now. */
  reconnect(): void {
    this._input(() => wasm!.pw_reconnect(this._h, Date.now()));
  }

  /** Joins a plan room (reference-counted; sent now or once connected, re-sent after reconnects). */
  join(planId: string): void {
    this._room(planId, true);
  }

  /** Leaves a plan room; `leave-plan` goes out when the last reference leaves. */
  leave(planId: string): void {
    this._room(planId, false);
  }

  /** Subscribes `callback` to `event`; returns the unsubscribe function (a no-op after `free()`). */
  on<K extends keyof PlanEvents>(event: K, callback: (payload: PlanEvents[K]) => void): () => void {
    const kind = EVENT_NAMES.indexOf(event);
    if (kind < 0) fail('INVALID_EVENT: unknown event name');
    if (typeof callback !== 'function') fail('INVALID_CALLBACK: callback must be a function');
    const listener: Listener = { f: callback };
    // Copy on write: a dispatch in progress keeps iterating the list it started with. The
    // unsubscribe function holds the lists, not the client, so it never keeps a client alive.
    const lists = this._listeners;
    lists[kind] = [...lists[kind], listener];
    return () => {
      listener.off = true;
      lists[kind] = lists[kind].filter((l) => l !== listener);
    };
  }

  /** The connection state. */
  get state(): ConnectionState {
    return STATE_NAMES[wasm!.pw_state(this._h)];
  }

  /** Whether the connection is open and confirmed by the server. */
  get isConnected(): boolean {
    return this.state === 'open';
  }

  /** The server's id for the current connection (extension), `undefined` when not connected. */
  get connectionId(): string | undefined {
    const len = wasm!.pw_connection_id(this._h);
    return len < 0 ? undefined : take(len);
  }

  /** Distinct users in a joined room (0 when not joined). */
  participantCount(planId: string): number {
    return wasm!.pw_participant_count(this._h, put(checkPlanId(planId)));
  }

  /** The participants of a joined room (empty when not joined). */
  participants(planId: string): Participant[] {
    const len = wasm!.pw_participants(this._h, put(checkPlanId(planId)));
    return len ? JSON.parse(take(len)) : [];
  }

  /** Closes without emitting events and releases the socket, timer, window and app listeners. */
  free(): void {
    const h = this._h;
    if (!h) return;
    this._h = 0;
    wasm!.pw_free(h);
    finalizer?.unregister(this);
    this._dropSocket(1000, '');
    clearTimeout(this._timer);
    this._listen(false);
    this._listeners.fill([]);
    this._getToken = undefined;
  }

  private _room(planId: string, join: boolean): void {
    const len = put(checkPlanId(planId));
    const error = this._h ? (join ? wasm!.pw_join : wasm!.pw_leave)(this._h, len) : 0;
    if (error) fail(take(error));
    this._drive();
  }

  /** Feeds one input (unless freed), then performs every resulting action. */
  private _input(feed: () => void): void {
    if (!this._h) return;
    feed();
    this._drive();
  }

  /**
   * Performs the module's actions in order. Listeners and `getToken` may call back into the client:
   * such a nested call only feeds its input, and the running loop performs what it queued after the
   * current event has reached every listener, so every listener sees events in the module's order.
   * A `free()` inside a listener stops the loop.
   */
  private _drive(): void {
    if (this._driving) return;
    this._driving = true;
    try {
      for (;;) {
        const h = this._h;
        if (!h) return;
        const polled = wasm!.pw_poll(h);
        const action = polled & 7;
        if (!action) break;
        if (action === EMIT || action === EMIT_FRAME) {
          this._emit(h, wasm!.pw_arg(), action === EMIT_FRAME);
        } else if (action === SEND) {
          try {
            this._ws?.send(take(polled >>> 3));
          } catch {
            // Not open any more: its close event follows.
          }
        } else if (action === OPEN_SOCKET) {
          this._open(h, take(polled >>> 3));
        } else if (action === CLOSE_SOCKET) {
          this._dropSocket(wasm!.pw_arg(), take(polled >>> 3));
        } else if (action === FETCH_TOKEN) {
          this._fetchToken(h, wasm!.pw_arg());
        }
      }
    } finally {
      this._driving = false;
    }
    this._sync(this._h);
  }

  /**
   * Calls each listener subscribed now and still subscribed when its turn comes, with one payload:
   * for a room broadcast, the frame's `data` with its `planId`, `timestamp` and `seq` (what the module
   * would write, parsed once from the frame as received); otherwise the JSON the module writes.
   */
  private _emit(h: number, kind: number, fromFrame: boolean): void {
    const listeners = this._listeners[kind];
    if (!listeners.length) return;
    let payload;
    if (fromFrame) {
      const frame = JSON.parse(this._frame);
      // `data` is a fresh object from this parse: extend it in place.
      payload = frame.data;
      payload.planId = frame.planId;
      if (frame.timestamp != null) payload.timestamp = frame.timestamp;
      if (frame.seq != null) payload.seq = frame.seq;
    } else {
      payload = JSON.parse(take(wasm!.pw_payload(h)));
    }
    for (const l of listeners) {
      if (l.off || !this._h) continue;
      try {
        l.f(payload);
      } catch (e) {
        // A throwing listener does not stop the others; the browser reports its error.
        void Promise.reject(e);
      }
    }
  }

  /** Arms the timer for the module's deadline (only when it moves earlier); listens to the window while active. */
  private _sync(h: number): void {
    if (!h) return;
    const deadline = wasm!.pw_deadline(h);
    if (deadline < 0) {
      clearTimeout(this._timer);
      this._armedFor = Infinity;
    } else if (deadline < this._armedFor) {
      clearTimeout(this._timer);
      this._armedFor = deadline;
      this._timer = setTimeout(this._onTimer, Math.min(Math.max(deadline - Date.now(), 0), MAX_TIMEOUT_MS));
    }
    const state = wasm!.pw_state(h);
    this._listen(state === 1 || state === 2 || state === 3);
  }

  private _onTimer = (): void => {
    this._armedFor = Infinity;
    this._input(() => wasm!.pw_timeout(this._h, Date.now()));
  };

  private _onOnline = (): void => this._input(() => wasm!.pw_online(this._h, Date.now()));
  private _onOffline = (): void => this._input(() => wasm!.pw_offline(this._h));
  private _onVisibility = (): void => {
    if (globalThis.document?.visibilityState === 'visible') this._input(() => wasm!.pw_visible(this._h, Date.now()));
  };

  /** Adds or removes the `online` / `offline` / `visibilitychange` listeners. */
  private _listen(on: boolean): void {
    if (on === this._listening || typeof globalThis.addEventListener !== 'function') return;
    this._listening = on;
    const method = on ? 'addEventListener' : 'removeEventListener';
    globalThis[method]('online', this._onOnline);
    globalThis[method]('offline', this._onOffline);
    globalThis.document?.[method]('visibilitychange', this._onVisibility);
  }

  private _open(h: number, url: string): void {
    let ws: WebSocket;
    try {
      ws = new WebSocket(url);
    } catch {
      // The browser refused the URL: the attempt failed like an unreachable server.
      wasm!.pw_closed(h, 1006, put('could not open the socket'), Date.now());
      return;
    }
    ws.onopen = () => this._input(() => wasm!.pw_opened(h));
    ws.onmessage = (e: MessageEvent) => this._input(() => {
      if (typeof e.data === 'string') wasm!.pw_frame(h, put((this._frame = e.data)), Date.now());
      else wasm!.pw_binary(h, Date.now());
    });
    ws.onclose = (e: CloseEvent) => this._input(() => wasm!.pw_closed(h, e.code, put(e.reason), Date.now()));
    this._ws = ws;
  }

  /** Detaches the socket's handlers (it reports nothing more) and closes it. */
  private _dropSocket(code: number, reason: string): void {
    const ws = this._ws;
    if (!ws) return;
    this._ws = null;
    ws.onopen = ws.onmessage = ws.onclose = null;
    try {
      ws.close(code, reason);
    } catch {
      ws.close();
    }
  }

  /** Calls `getToken` and feeds its answer (ignored by the module if a newer ticket was issued). */
  private _fetchToken(h: number, ticket: number): void {
    let token: Promise<string>;
    try {
      token = Promise.resolve(this._getToken!());
    } catch (e) {
      wasm!.pw_token_failed(h, ticket, put(errorText(e, 'getToken threw')));
      return;
    }
    token.then(
      (t) => this._input(() => {
        if (typeof t === 'string') wasm!.pw_token_ready(h, ticket, put(t));
        else wasm!.pw_token_failed(h, ticket, put('getToken must resolve to a string'));
      }),
      (e) => this._input(() => wasm!.pw_token_failed(h, ticket, put(errorText(e, 'getToken rejected')))),
    );
  }
}

/** `using client = …` (where supported) frees the client at the end of the scope. */
export interface PlanClient {
  [Symbol.dispose](): void;
}
if (typeof Symbol.dispose === 'symbol') {
  (PlanClient.prototype as unknown as Record<symbol, unknown>)[Symbol.dispose] = PlanClient.prototype.free;
}
