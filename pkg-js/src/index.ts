/// <reference lib="dom" preserve="true" />
// The types mention DOM ones (`Request`, `Response`, `WebAssembly`) and `PlanClient` declares
// `[Symbol.dispose]`: bring both libs in, also for Node-only TypeScript projects.
/// <reference lib="esnext.disposable" preserve="true" />
/**
 * planwire — the plain JavaScript entry (no React needed).
 *
 * `PlanClient` (behind a check that the module is loaded) and every type come from wasm-pack's output
 * (`../wasm/planwire.js`, generated from client-wasm's Rust with wasm-bindgen and tsify; `CloseCode` cut
 * from it into `../wasm/close-code.js` by the build); this facade imports that glue and loads the module
 * once, lazily, together:
 * `createPlanClient()` (or `loadPlanwire()` then `new PlanClient()`; before the load, `new PlanClient()`
 * throws an error with code `NOT_LOADED`).
 */
import type { PlanClient as GluePlanClient } from '../wasm/planwire.js';
import { CloseCode } from '../wasm/close-code.js';
import { failure } from './failure.js';
import { restApi } from './rest.js';
import type { ErrorCode, PlanApiContext, PlanClientOptions, PlanData, PlanwireError, PresenceState, Task } from '../wasm/planwire.js';
// The copy of the module `planwire/inline` handed over, if the app imported it (else undefined).
import { copy as inlinedCopy } from './inlined.js';

/** A plan loader: what `api.loadPlan` is, for one plan. */
export type PlanLoader = (planId: string, context: PlanApiContext) => Promise<PlanData>;

export { CloseCode };

/** The glue (wasm-pack's JS), once it is instantiated: constructing a client before that throws `NOT_LOADED`. */
let glue: typeof import('../wasm/planwire.js') | undefined;

/**
 * What `PlanClient` extends: a stand-in for the glue's class, which is imported only when the module
 * loads (so it is not part of the JS an app runs before its first render). Constructing it constructs the
 * glue's class for the subclass; once loaded, its prototype leads to the glue's, so every method, getter
 * and `instanceof` is the glue's.
 */
function GlueClient(this: unknown, options: PlanClientOptions): object {
  return Reflect.construct(glue!.PlanClient, [options], new.target);
}
const GlueBase = GlueClient as unknown as typeof GluePlanClient;

/**
 * A real-time plan-room client (one WebSocket, any number of rooms): wasm-pack's `PlanClient`, whose
 * constructor first checks that the module is loaded. Before `await loadPlanwire()` (or a first
 * `createPlanClient()`) it throws a `PlanwireError` with code `NOT_LOADED`, instead of a `TypeError`
 * from inside the glue. Everything else (`connect()`, `on()`, `free()`, `[Symbol.dispose]`, …) is the
 * glue's.
 */
export class PlanClient extends GlueBase {
  /**
   * A new, not yet connected client with `options`: call `connect()` on it. Throws `NOT_LOADED` before the
   * module is loaded. Synchronized plans use `options.api`'s functions, and the REST routes for the ones
   * it leaves out.
   */
  constructor(options: PlanClientOptions) {
    if (!glue) throw failure('NOT_LOADED', 'await loadPlanwire() before new PlanClient()');
    const loaders = new Map<string, PlanLoader>();
    let sharer: Sharer | undefined;
    if (options && typeof options === 'object') {
      // Every `api` function the app left out: the REST routes'.
      const api = { ...restApi(options), ...options.api };
      const loadPlan: PlanLoader = (planId, context) => (loaders.get(planId) ?? api.loadPlan)(planId, context);
      options = { ...options, api: { ...api, loadPlan } };
      const share = options.shareConnection;
      if (share === true || (typeof share === 'string' && share)) options = (sharer = new Sharer()).options(options, share === true ? '' : share);
    }
    super(options);
    this.planLoaders = loaders;
    if (sharer) (this.sharer = sharer).client = this;
  }

  /** Set when the client shares its connection (`shareConnection: true`). */
  private readonly sharer?: Sharer;

  /**
   * With `shareConnection: true`, `'leader'` while this tab holds the shared WebSocket, `'follower'`
   * while another tab does; `undefined` without sharing (or where the browser cannot share: no Web
   * Locks or BroadcastChannel, then the client has its own socket) and before the first connect.
   */
  get connectionRole(): 'leader' | 'follower' | undefined {
    const link = this.sharer?.link;
    return link && (link.leader ? 'leader' : 'follower');
  }

  /**
   * Loaders of single plans, used instead of `api.loadPlan` for their plan id while set (`planwire/query`
   * sets one that fetches through your query cache).
   */
  readonly planLoaders: Map<string, PlanLoader>;

  /**
   * Connects (see the glue's `connect`). From now on until `close()` or `free()` the client stays alive
   * even when the app keeps no reference to it, as an open WebSocket does: the garbage collector never
   * ends a connection whose listeners are still waiting for events.
   */
  connect(): void {
    connected.add(this);
    if (this.sharer?.ready(() => super.connect()) === false) return;
    super.connect();
  }

  /** Drops the socket and connects again now; keeps the client alive like `connect()`. */
  reconnect(): void {
    connected.add(this);
    if (this.sharer?.ready(() => super.reconnect()) === false) return;
    super.reconnect();
  }

  /** Closes with 1000 and never reconnects; the client may then be garbage-collected. */
  close(): void {
    connected.delete(this);
    super.close();
    this.sharer?.release();
  }

  /** Closes silently and releases everything (also `[Symbol.dispose]`). */
  free(): void {
    connected.delete(this);
    super.free();
    this.sharer?.release();
  }
}
/** The connection-sharing module, once loaded (`null`: it failed to load; the clients then use their own sockets). */
let shareModule: typeof import('./share.js') | null | undefined;
let shareLoading: Promise<unknown> | undefined;

/**
 * A client's part in `shareConnection`: the `WebSocket` class it hands the client (a virtual socket on the
 * tab's shared link, or the real class where sharing is impossible). The sharing module is loaded before
 * the first connect, so the first-render bundle does not carry it.
 */
class Sharer {
  client?: PlanClient;
  link?: import('./share.js').Link;
  private waiting?: () => void;

  /** `options` with the shared `WebSocket` class; the clients with the same url and `key` share. */
  options(options: PlanClientOptions, key: string): PlanClientOptions {
    const Real = options.WebSocket ?? globalThis.WebSocket;
    const sharer = this;
    function SharedWebSocket(url: string): object {
      return shareModule?.canShare() ? shareModule.open(sharer, `${options.url} ${key}`, Real as never, url) : new (Real as typeof WebSocket)(url);
    }
    return { ...options, WebSocket: SharedWebSocket as never };
  }

  /** Whether the module is there; if not, `go` runs once it is (the last one asked for), unless released. */
  ready(go: () => void): boolean {
    if (shareModule !== undefined) return true;
    this.waiting = go;
    shareLoading ??= import('./share.js').then(
      (m) => (shareModule = m),
      () => (shareModule = null),
    );
    shareLoading.then(() => {
      const next = this.waiting;
      this.waiting = undefined;
      next?.();
    });
    return false;
  }

  /** On handover: the client reconnects now, through the new leader. */
  reconnect(): void {
    this.client?.reconnect();
  }

  /** The client closed: it stops holding the tab's link. */
  release(): void {
    this.waiting = undefined;
    this.link?.release(this);
    this.link = undefined;
  }
}

/** Clients between `connect()` and `close()` / `free()`: held so that the garbage collector cannot free them. */
const connected = new Set<PlanClient>();
if (Symbol.dispose) (PlanClient.prototype as unknown as Record<symbol, unknown>)[Symbol.dispose] = PlanClient.prototype.free;

export type {
  ClosePayload,
  ConnectionState,
  DebugEntry,
  ErrorCode,
  ErrorPayload,
  FailedPayload,
  FailureCode,
  JoinedPayload,
  MessagePayload,
  OpenPayload,
  Participant,
  ParticipantsChangedPayload,
  PlanApi,
  PlanApiContext,
  PlanChangedPayload,
  PlanClientOptions,
  PlanData,
  PlanEvents,
  PlanSnapshot,
  PlanStatus,
  PlanwireError,
  PresenceChangedPayload,
  PresenceEntry,
  PresenceState,
  Progress,
  ProgressUpdatedPayload,
  ReconnectedPayload,
  ReconnectingPayload,
  RequestError,
  ResyncPayload,
  ResyncReason,
  StateChangedPayload,
  Task,
  TaskDeletedPayload,
  TaskFields,
  TaskPayload,
  TaskReorderedPayload,
  UserId,
  UserJoinedPayload,
  UserLeftPayload,
  WriteResult,
} from '../wasm/planwire.js';
export { restApi } from './rest.js';

/**
 * Your app's own shapes, declared once for every hook: augment this interface and the hooks' callbacks
 * and results use your types instead of the wire's general ones.
 *
 * ```ts
 * // planwire.d.ts (any .ts file of your app)
 * declare module 'planwire' {
 *   interface Register {
 *     task: { id: number; title: string; status: 'todo' | 'doing' | 'done'; assignee?: string };
 *     presence: { taskId?: string; activity?: 'viewing' | 'editing' };
 *     typing: { taskId: string };
 *   }
 * }
 * ```
 *
 * Every key is optional. The client checks only what the protocol promises (a task's `id` is a number or
 * a string, its `title` and `status` strings); the rest is your declaration of what your server sends.
 */
export interface Register {}

/** The task type the hooks hand out: `Register['task']` when declared, else `Task`. */
export type AppTask = Register extends { task: infer T } ? T : Task;
/** The presence state the presence hooks use: `Register['presence']` when declared, else `PresenceState`. */
export type AppPresence = Register extends { presence: infer P } ? P : PresenceState;
/** The typing mark the presence hooks use: `Register['typing']` when declared, else `PresenceState`. */
export type AppTyping = Register extends { typing: infer T } ? T : PresenceState;

/** A task or user id as the wire carries it: a number or a string (servers send both). */
export type Id = number | string;

/**
 * Whether two ids name the same task or user, whatever their types: `sameId(1, '1')` is true. Use it
 * instead of `===`: a Plan WebSocket Service server sends numbers inside tasks and strings in
 * `task-deleted` / `task-reordered`.
 */
export const sameId = (a: Id, b: Id): boolean => idKey(a) === idKey(b);

/** An id as a string, the same for `1` and `'1'`: for `Map` keys, `Set`s and React `key`s. */
export const idKey: (id: Id) => string = String;

/**
 * Reject `getToken` with this when the user is not (or no longer) authorized: the client fails at once
 * with `unauthorized` instead of retrying, as it does for any other rejection (an auth endpoint's brief
 * outage must not end every open board). Any error whose `code` is `'UNAUTHORIZED'` does the same.
 */
export class UnauthorizedError extends Error {
  readonly code = 'UNAUTHORIZED' satisfies ErrorCode;
  constructor(message = 'the user is not authorized') {
    super(message);
    this.name = 'UnauthorizedError';
  }
}

/** Whether `e` is an error planwire threw (it has a `code`: `INVALID_URL`, `LOAD_FAILED`, …). */
export function isPlanwireError(e: unknown): e is PlanwireError {
  return e instanceof Error && typeof (e as { code?: unknown }).code === 'string';
}

/** Where the wasm module can come from: a URL (fetched), a fetch `Response`, its bytes, or a compiled module. */
export type WasmSource = string | URL | Request | Response | BufferSource | WebAssembly.Module;

let loading: Promise<void> | undefined;

/**
 * Loads and instantiates the wasm module, once; later calls share the same load (a failed load can be
 * retried). `createPlanClient` and the React hooks call it for you; call it yourself only to construct
 * `new PlanClient()` directly or to load the `.wasm` from elsewhere. By default the file is fetched from
 * beside the package (`new URL('../wasm/planwire_bg.wasm', import.meta.url)`), or, where that fails, taken
 * from the base64 copy the package also ships.
 */
export function loadPlanwire(source?: WasmSource): Promise<void> {
  loading ??= load(source);
  return loading.catch((e) => {
    loading = undefined;
    throw e;
  });
}

/** Loads the wasm module if needed and returns a new, not yet connected client: call `connect()` on it. */
export async function createPlanClient(options: PlanClientOptions): Promise<PlanClient> {
  await loadPlanwire();
  return new PlanClient(options);
}

/**
 * The module from `source`, refusing an answer that is not wasm with LOAD_FAILED. A response served as
 * `application/wasm` is handed over as it is, so the browser compiles it while it streams in.
 */
async function fetchModule(source: WasmSource): Promise<WebAssembly.Module | BufferSource | Response> {
  if (source instanceof WebAssembly.Module || source instanceof ArrayBuffer || ArrayBuffer.isView(source)) return source;
  const response = source instanceof Response ? source : await fetch(source);
  if (!response.ok) throw failure('LOAD_FAILED', `${response.status} fetching ${response.url}`);
  const type = response.headers.get('content-type');
  if (type?.split(';')[0].trim() === 'application/wasm') return response;
  const bytes = await response.arrayBuffer();
  // A server that answers every path with the app's HTML (a common SPA fallback) gives a 200.
  if (new Uint32Array(bytes.slice(0, 4))[0] !== 0x6d736100) {
    throw failure('LOAD_FAILED', `${response.url} is not a WebAssembly module (${type})`);
  }
  return bytes;
}

/** The module's bytes from its base64 copy. */
function decode(base64: string): Uint8Array {
  return Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
}

/**
 * The copy of the module inlined as base64, imported only when needed: `#inlined` (package.json
 * `imports`) is the package's copy in Node and test runners, and under the `browser` condition only the
 * one `planwire/inline` provides, so that no browser bundle carries the copy unasked.
 */
async function inlinedModule(beside: URL): Promise<Uint8Array> {
  // A page loading dist/ without a bundler cannot resolve `#inlined`: no copy there either.
  const base64: string | undefined = (await import('#inlined').catch(() => undefined))?.default;
  if (base64 === undefined) {
    throw failure('LOAD_FAILED', `${beside} failed: serve it, call loadPlanwire(url) or import 'planwire/inline'`);
  }
  return decode(base64);
}

/**
 * Instantiates the glue (asynchronously: never a synchronous compile on the main thread). Without a
 * `source`, the file beside the package is fetched; where that cannot work (Node and test runners have
 * no fetch for files, a bundler that does not copy the file, a dev server that moved the JS away from it,
 * an SPA server answering with HTML) the same module comes from a lazily imported base64 copy instead:
 * in Node and test runners always, in a browser bundle only if the app imported `planwire/inline` (which
 * is then used first, without a fetch).
 */
async function load(source?: WasmSource): Promise<void> {
  // The glue is fetched while the module is.
  const [g, module] = await Promise.all([import('../wasm/planwire.js'), moduleSource(source)]);
  await g.default({ module_or_path: module });
  Object.setPrototypeOf(GlueClient.prototype, g.PlanClient.prototype);
  glue = g;
}

/** Where the module comes from (see `load`). */
async function moduleSource(source?: WasmSource): Promise<WebAssembly.Module | BufferSource | Response> {
  if (source !== undefined) return fetchModule(source);
  if (inlinedCopy !== undefined) return decode(inlinedCopy);
  const beside = new URL('../wasm/planwire_bg.wasm', import.meta.url);
  // Node and test runners load packages from file: URLs, which fetch cannot read.
  return beside.protocol === 'file:' ? inlinedModule(beside) : fetchModule(beside).catch(() => inlinedModule(beside));
}
