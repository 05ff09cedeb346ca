/** The connection state. */
export type ConnectionState = 'idle' | 'connecting' | 'open' | 'reconnecting' | 'closed' | 'failed';
/** A user id: seed 000 uses numbers; string ids pass through unchanged. */
export type UserId = number | string;
/** A participant of a plan room. */
export interface Participant { userId: UserId; userName: string }
/** A plan's progress. */
export interface Progress { totalTasks: number; completedTasks: number; completionPercentage: number }
/** A task as the server sends it: seed 000 shows id, title, status; other fields pass through. */
export interface Task { id: number; title: string; status: string; [field: string]: unknown }

/** Options of `new PlanClient(options)`; every number has seed 000's default. */
export interface PlanClientOptions {
  /** ws:// or wss:// URL of the /ws endpoint; anything else throws INVALID_URL. */
  url: string;
  /** A JWT. */
  token?: string;
  /** Called before every connect and reconnect (wins over `token`). */
  getToken?: () => Promise<string>;
  /** 'query' (default, seed 000): ?token=…; 'message': first frame {"type":"auth"} (extension). */
  authMode?: 'query' | 'message';
  /** Default 5 (seed 000); Infinity allowed; 0 = never reconnect. */
  maxReconnectAttempts?: number;
  /** Default 1000: delay = min(baseDelayMs * 2^attempt, maxDelayMs), spread by `jitter`. */
  baseDelayMs?: number;
  /** Default 30000. */
  maxDelayMs?: number;
  /** 0..1, default 0.5: each delay is scaled by a random factor in [1 - jitter, 1 + 2 jitter]; 0 reproduces seed 000. */
  jitter?: number;
  /** Default 5000: open this long before the attempt counter resets. */
  stableAfterMs?: number;
  /** Default 30000. */
  pingIntervalMs?: number;
  /** Default 10000: no frame this long after a ping → the link is dead. */
  pongTimeoutMs?: number;
  /** Default 10000: token, socket open and server confirmation must all happen within this. */
  connectTimeoutMs?: number;
}

/** Every event and its payload. */
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

/**
 * Event names in the wasm module's kind order (`EventKind` in client-wasm/src/core/event.rs): the
 * module reports an event by its index here.
 */
export const EVENT_NAMES: readonly (keyof PlanEvents)[] = [
  'stateChanged', 'open', 'close', 'reconnecting', 'reconnected', 'failed', 'error', 'joined', 'userJoined',
  'userLeft', 'participantsChanged', 'taskUpdated', 'taskCreated', 'taskDeleted', 'taskReordered',
  'progressUpdated', 'resync', 'message',
];

/** States in the wasm module's order (`State` in client-wasm/src/core/machine.rs). */
export const STATE_NAMES: readonly ConnectionState[] = ['idle', 'connecting', 'open', 'reconnecting', 'closed', 'failed'];
