/**
 * planwire — the plain JavaScript entry (no React needed).
 *
 * Re-exports the WebAssembly `PlanClient` with typed events (see docs/client-api.md) and
 * `createPlanClient()`, which loads the wasm module once and returns a ready client.
 */
import initWasm, { PlanClient as WasmPlanClient } from '../wasm/planwire_client.js';

/** Connection lifecycle of a client. */
export type ConnectionState = 'idle' | 'connecting' | 'open' | 'reconnecting' | 'closed' | 'failed';
/** A user id as the server sends it. */
export type UserId = number | string;
/** One user present in a plan room. */
export interface Participant { userId: UserId; userName: string }
/** A plan's completion figures. */
export interface Progress { totalTasks: number; completedTasks: number; completionPercentage: number }
/** A task as the server sends it: id, title, status; other fields pass through. */
export interface Task { id: number; title: string; status: string; [field: string]: unknown }

/** Options of `new PlanClient()` / `createPlanClient()`. */
export interface PlanClientOptions {
  /** ws:// or wss:// URL of the server's /ws endpoint. */
  url: string;
  /** A JWT. */
  token?: string;
  /** Called before every connect and reconnect; wins over `token`. */
  getToken?: () => Promise<string>;
  /** 'query' (default): `?token=…`; 'message': first frame `{"type":"auth"}`. */
  authMode?: 'query' | 'message';
  /** Default 5; Infinity allowed; 0 = never reconnect. */
  maxReconnectAttempts?: number;
  /** Default 1000: delay = min(baseDelayMs * 2^attempt, maxDelayMs). */
  baseDelayMs?: number;
  /** Default 30000. */
  maxDelayMs?: number;
  /** 0..1, default 0.5; 0 reproduces seed 000's exact delays. */
  jitter?: number;
  /** Default 5000: open this long before the attempt counter resets. */
  stableAfterMs?: number;
  /** Default 30000. */
  pingIntervalMs?: number;
  /** Default 10000. */
  pongTimeoutMs?: number;
}

/** Event name → payload of everything a client emits. */
export interface PlanEvents {
  stateChanged: { state: ConnectionState };
  open: { userId: UserId; connectionId?: string; reconnected: boolean };
  close: { code: number; reason: string; willReconnect: boolean };
  reconnecting: { attempt: number; delayMs: number };
  reconnected: {};
  failed: { reason: string };
  error: { code: string; message: string; planId?: string };
  joined: { planId: string; participants: Participant[]; participantCount: number; recovered?: boolean };
  userJoined: { planId: string; userId: UserId; userName: string; participantCount: number };
  userLeft: { planId: string; userId: UserId; userName?: string; participantCount: number };
  participantsChanged: { planId: string; participants: Participant[]; participantCount: number };
  taskUpdated: { planId: string; task: Task; timestamp?: string; seq?: number };
  taskCreated: { planId: string; task: Task; timestamp?: string; seq?: number };
  taskDeleted: { planId: string; taskId: string; timestamp?: string; seq?: number };
  taskReordered: { planId: string; taskIds: string[]; timestamp?: string; seq?: number };
  progressUpdated: { planId: string; progress: Progress; timestamp?: string; seq?: number };
  resync: { planId: string; reason: string };
  message: { type: string; planId?: string; data?: unknown };
}

/** A connection to a planwire server, shared by any number of plan rooms. */
export interface PlanClient {
  /** idle/closed/failed → connecting; no-op when already connecting or open. */
  connect(): void;
  /** Closes with 1000, never reconnects, releases timers and listeners. */
  close(): void;
  /** From any state: drops the socket, resets attempts, connects now. */
  reconnect(): void;
  /** Reference-counted join; sent now or once connected, re-sent after a reconnect. */
  join(planId: string): void;
  /** leave-plan goes out when the last reference leaves. */
  leave(planId: string): void;
  /** Subscribes to one event; returns the unsubscribe function. */
  on<K extends keyof PlanEvents>(event: K, cb: (payload: PlanEvents[K]) => void): () => void;
  readonly state: ConnectionState;
  readonly isConnected: boolean;
  readonly connectionId: string | undefined;
  participantCount(planId: string): number;
  participants(planId: string): Participant[];
  /** Releases the wasm object; also closes. */
  free(): void;
}

/** The wasm class, typed. Construct it only after `loadPlanwire()` resolved, or use `createPlanClient()`. */
export const PlanClient = WasmPlanClient as unknown as new (options: PlanClientOptions) => PlanClient;

let loading: Promise<unknown> | undefined;

/**
 * Loads and instantiates the wasm module, once; later calls return the same promise.
 * By default the `.wasm` file is fetched from beside the glue (`new URL(…, import.meta.url)`, which Vite,
 * webpack 5, Rollup and esbuild handle); pass a URL, Response or `WebAssembly.Module` to load it elsewhere.
 */
export function loadPlanwire(wasm?: string | URL | Request | Response | BufferSource | WebAssembly.Module): Promise<void> {
  loading ??= initWasm(wasm === undefined ? undefined : { module_or_path: wasm });
  return loading.then(() => undefined, (e) => { loading = undefined; throw e; });
}

/** Loads the wasm module if needed and returns a new, not yet connected client. Call `connect()` on it. */
export async function createPlanClient(options: PlanClientOptions): Promise<PlanClient> {
  await loadPlanwire();
  return new PlanClient(options);
}
