//! Page instrumentation: an inline JS module, evaluated before the wasm module is instantiated, wraps
//! `WebSocket`, `setTimeout`/`setInterval` (+ `clear…`) and `window`/`document`
//! `addEventListener`/`removeEventListener`, and collects uncaught errors and unhandled rejections.
//! Everything is stamped with a sequence number: a query counts only what was created after a mark,
//! so a test sees what its own clients left behind, from the page's point of view.

use js_sys::{Object, Promise};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

use super::client::describe;
use super::time::Awaiting;

#[wasm_bindgen(inline_js = r#"
const spies = (() => {
  if (globalThis.__planwireSpies) return globalThis.__planwireSpies;
  const original = {
    setTimeout: window.setTimeout,
    clearTimeout: window.clearTimeout,
    setInterval: window.setInterval,
    clearInterval: window.clearInterval,
    WebSocket: window.WebSocket,
    addEventListener: EventTarget.prototype.addEventListener,
    removeEventListener: EventTarget.prototype.removeEventListener,
  };
  let seq = 0;
  const timers = new Map();          // handle -> seq
  let listeners = [];                // { seq, target, type, fn, capture }
  const sockets = new Map();         // socket -> seq
  const socketsEver = [];            // seq of every socket created
  let socketWaiters = [];            // { mark, resolve }
  const pageErrors = [];
  const describe = (v) => {
    if (v instanceof Error) return `${v.name}: ${v.message}`;
    try { return typeof v === 'string' ? v : JSON.stringify(v); } catch { return String(v); }
  };
  original.addEventListener.call(window, 'error', (e) => pageErrors.push(`uncaught: ${describe(e.error ?? e.message)}`));
  original.addEventListener.call(window, 'unhandledrejection', (e) => pageErrors.push(`unhandled rejection: ${describe(e.reason)}`));

  window.setTimeout = function (callback, ms, ...rest) {
    if (typeof callback !== 'function') return original.setTimeout.call(window, callback, ms, ...rest);
    const handle = original.setTimeout.call(window, function (...args) {
      timers.delete(handle);
      return callback.apply(this, args);
    }, ms, ...rest);
    timers.set(handle, ++seq);
    return handle;
  };
  window.setInterval = function (callback, ms, ...rest) {
    const handle = original.setInterval.call(window, callback, ms, ...rest);
    if (typeof callback === 'function') timers.set(handle, ++seq);
    return handle;
  };
  window.clearTimeout = function (handle) { timers.delete(handle); return original.clearTimeout.call(window, handle); };
  window.clearInterval = function (handle) { timers.delete(handle); return original.clearInterval.call(window, handle); };

  const captureOf = (o) => (typeof o === 'boolean' ? o : Boolean(o && o.capture));
  const forget = (target, type, fn, capture) => {
    listeners = listeners.filter((l) => !(l.target === target && l.type === type && l.fn === fn && l.capture === capture));
  };
  for (const target of [window, document]) {
    target.addEventListener = function (type, fn, options) {
      const result = original.addEventListener.call(this, type, fn, options);
      const capture = captureOf(options);
      const signal = options && typeof options === 'object' ? options.signal : undefined;
      const known = listeners.some((l) => l.target === this && l.type === type && l.fn === fn && l.capture === capture);
      if (fn && !known && !(signal && signal.aborted)) {
        listeners.push({ seq: ++seq, target: this, type, fn, capture });
        if (signal) original.addEventListener.call(signal, 'abort', () => forget(this, type, fn, capture), { once: true });
        if (options && typeof options === 'object' && options.once) {
          original.addEventListener.call(this, type, () => forget(this, type, fn, capture), { once: true, capture });
        }
      }
      return result;
    };
    target.removeEventListener = function (type, fn, options) {
      forget(this, type, fn, captureOf(options));
      return original.removeEventListener.call(this, type, fn, options);
    };
  }

  const settleSocketWaiters = () => {
    socketWaiters = socketWaiters.filter((w) => {
      if ([...sockets.values()].some((s) => s > w.mark)) return true;
      w.resolve();
      return false;
    });
  };
  class WebSocket extends original.WebSocket {
    constructor(...args) {
      super(...args);
      sockets.set(this, ++seq);
      socketsEver.push(seq);
      original.addEventListener.call(this, 'close', () => { sockets.delete(this); settleSocketWaiters(); });
    }
  }
  window.WebSocket = WebSocket;

  // Handler properties have no creation mark: nothing else in the page sets them.
  const handlerProps = () => [
    ...['online', 'offline'].filter((t) => window['on' + t]),
    ...(window.onvisibilitychange || document.onvisibilitychange ? ['visibilitychange'] : []),
  ];
  return (globalThis.__planwireSpies = {
    original,
    mark: () => seq,
    pendingTimers: (mark) => [...timers.values()].filter((s) => s > mark).length,
    listenerTypes: (mark) => [...listeners.filter((l) => l.seq > mark).map((l) => l.type), ...handlerProps()].sort(),
    liveSockets: (mark) => [...sockets.values()].filter((s) => s > mark).length,
    socketsCreated: (mark) => socketsEver.filter((s) => s > mark).length,
    socketsClosed: (mark) => new Promise((resolve) => { socketWaiters.push({ mark, resolve }); settleSocketWaiters(); }),
    pageErrors,
  });
})();

export function spies_mark() { return spies.mark(); }
export function pending_timers(mark) { return spies.pendingTimers(mark); }
export function listener_types(mark) { return spies.listenerTypes(mark).join(','); }
export function live_sockets(mark) { return spies.liveSockets(mark); }
export function sockets_created(mark) { return spies.socketsCreated(mark); }
export function sockets_closed(mark) { return spies.socketsClosed(mark); }
export function page_error_count() { return spies.pageErrors.length; }
export function page_errors_since(n) { return spies.pageErrors.slice(n).join('; '); }
export function fire_window_event(name) { window.dispatchEvent(new Event(name)); }
export function harness_delay(ms) {
  const d = {};
  d.promise = new Promise((resolve) => { d.handle = spies.original.setTimeout.call(window, resolve, ms); });
  return d;
}
export function harness_cancel(d) { spies.original.clearTimeout.call(window, d.handle); }
export async function harness_fetch(url, method, headers, body) {
  const response = await fetch(url, { method, headers, body });
  return { status: response.status, text: await response.text(), seq: response.headers.get('X-Seq') };
}
"#)]
extern "C" {
    /// The instrumentation's current sequence number: the queries below count only what was
    /// created after such a mark.
    pub fn spies_mark() -> f64;
    /// Timers created after `mark` and still pending.
    pub fn pending_timers(mark: f64) -> u32;
    /// Types of the window/document listeners added after `mark` and still registered, plus the
    /// `ononline`/`onoffline`/`onvisibilitychange` handler properties set, sorted, comma-separated.
    pub fn listener_types(mark: f64) -> String;
    /// Sockets created after `mark` that have not fired `close` yet.
    pub fn live_sockets(mark: f64) -> u32;
    /// Sockets created after `mark`, open or closed.
    pub fn sockets_created(mark: f64) -> u32;
    /// Resolves once every socket created after `mark` has fired `close`.
    pub fn sockets_closed(mark: f64) -> Promise;
    pub(super) fn page_error_count() -> u32;
    pub(super) fn page_errors_since(n: u32) -> String;
    /// `window.dispatchEvent(new Event(name))`.
    pub fn fire_window_event(name: &str);
    pub(super) type HarnessDelay;
    pub(super) fn harness_delay(ms: u32) -> HarnessDelay;
    #[wasm_bindgen(method, getter)]
    pub(super) fn promise(this: &HarnessDelay) -> Promise;
    pub(super) fn harness_cancel(delay: &HarnessDelay);
    pub(super) fn harness_fetch(url: &str, method: &str, headers: &Object, body: Option<String>) -> Promise;
}

/// Waits until every socket created after `mark` has fired `close`.
pub async fn until_sockets_closed(mark: f64) {
    let _awaiting = Awaiting::new(format!("the page's sockets to close ({} still open)", live_sockets(mark)), None);
    if let Err(e) = JsFuture::from(sockets_closed(mark)).await {
        panic!("waiting for the sockets to close: {}", describe(&e));
    }
}

/// The types of the window/document listeners among `online`, `offline` and `visibilitychange`
/// added after `mark` and still registered (and handler properties set), comma-separated.
pub fn network_listener_types(mark: f64) -> String {
    let types = listener_types(mark);
    let watched: Vec<&str> = types.split(',').filter(|t| ["online", "offline", "visibilitychange"].contains(t)).collect();
    watched.join(",")
}

