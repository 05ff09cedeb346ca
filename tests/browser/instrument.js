// Page instrumentation for the planwire browser suite. A classic script, loaded before any module so it
// wraps the browser APIs before the client is even imported; the suite reads it from
// `window.__planwireSpies`. It observes only what the page can see (sockets, timers, listeners), never
// the client's internals.
//
// - `WebSocket`: every socket constructed is live until its `close` event fires.
// - `setTimeout`/`setInterval` (+ `clearTimeout`/`clearInterval`): a timer is pending until it fired
//   (timeouts) or was cleared.
// - `addEventListener`/`removeEventListener` on `window` and `document`: a listener is registered until
//   removed (by `removeEventListener` with the same capture flag, its `signal` aborting, or a `once`
//   listener firing).
// - uncaught errors and unhandled rejections, and `console.error` calls, are collected.
//
// Everything is stamped with a sequence number: `mark()` returns the current one, and the queries count
// only what was created after a mark, so a test sees what its own clients left behind.
'use strict';
(() => {
  const original = {
    setTimeout: window.setTimeout,
    clearTimeout: window.clearTimeout,
    setInterval: window.setInterval,
    clearInterval: window.clearInterval,
    WebSocket: window.WebSocket,
    addEventListener: EventTarget.prototype.addEventListener,
    removeEventListener: EventTarget.prototype.removeEventListener,
    consoleError: console.error,
  };
  let seq = 0;
  /** Pending timers: handle → sequence number. */
  const timers = new Map();
  /** Registered listeners on window/document: { seq, target, type, fn, capture }. */
  let listeners = [];
  /** Live sockets: socket → sequence number. */
  const sockets = new Map();
  /** The sequence number of every socket ever created. */
  const socketsEver = [];
  /** Resolvers waiting for sockets to close: { mark, resolve }. */
  let socketWaiters = [];
  /** Uncaught errors and unhandled rejections, as strings. */
  const pageErrors = [];
  /** `console.error` calls, as strings. */
  const consoleErrors = [];

  const describe = (value) => {
    if (value instanceof Error) return `${value.name}: ${value.message}`;
    try {
      return typeof value === 'string' ? value : JSON.stringify(value);
    } catch {
      return String(value);
    }
  };

  // Registered with the original method, before the wrapping below, so they are never counted.
  original.addEventListener.call(window, 'error', (e) => {
    pageErrors.push(`uncaught: ${describe(e.error ?? e.message)}`);
  });
  original.addEventListener.call(window, 'unhandledrejection', (e) => {
    pageErrors.push(`unhandled rejection: ${describe(e.reason)}`);
  });
  console.error = function (...args) {
    consoleErrors.push(args.map(describe).join(' '));
    return original.consoleError.apply(this, args);
  };

  // ---------------------------------------------------------------------------------------- timers
  window.setTimeout = function (callback, ms, ...rest) {
    if (typeof callback !== 'function') return original.setTimeout.call(window, callback, ms, ...rest);
    const handle = original.setTimeout.call(
      window,
      function (...args) {
        timers.delete(handle);
        return callback.apply(this, args);
      },
      ms,
      ...rest,
    );
    timers.set(handle, ++seq);
    return handle;
  };
  window.setInterval = function (callback, ms, ...rest) {
    const handle = original.setInterval.call(window, callback, ms, ...rest);
    if (typeof callback === 'function') timers.set(handle, ++seq);
    return handle;
  };
  // Timeouts and intervals share one id space: either function clears either kind.
  window.clearTimeout = function (handle) {
    timers.delete(handle);
    return original.clearTimeout.call(window, handle);
  };
  window.clearInterval = function (handle) {
    timers.delete(handle);
    return original.clearInterval.call(window, handle);
  };

  // ------------------------------------------------------------------------------------- listeners
  const captureOf = (options) => (typeof options === 'boolean' ? options : Boolean(options && options.capture));
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
          // Registered after the listener, so it runs in the same dispatch, once the browser dropped it.
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

  // --------------------------------------------------------------------------------------- sockets
  const settleSocketWaiters = () => {
    socketWaiters = socketWaiters.filter((w) => {
      if ([...sockets.values()].some((s) => s > w.mark)) return true;
      w.resolve();
      return false;
    });
  };
  /** `WebSocket`, recording every instance until its `close` event. */
  class WebSocket extends original.WebSocket {
    constructor(...args) {
      super(...args);
      sockets.set(this, ++seq);
      socketsEver.push(seq);
      original.addEventListener.call(this, 'close', () => {
        sockets.delete(this);
        settleSocketWaiters();
      });
    }
  }
  window.WebSocket = WebSocket;

  window.__planwireSpies = {
    /** The browser functions as they were before the wrapping (the harness's own timers use these). */
    original,
    /** The current sequence number: what is created from now on counts for queries with this mark. */
    mark: () => seq,
    /** Timers created after `mark` and still pending. */
    pendingTimers: (mark = 0) => [...timers.values()].filter((s) => s > mark).length,
    /** Types of the window/document listeners added after `mark` and still registered. */
    listenerTypes: (mark = 0) => listeners.filter((l) => l.seq > mark).map((l) => l.type).sort(),
    /** Sockets created after `mark` that have not fired `close` yet. */
    liveSockets: (mark = 0) => [...sockets.values()].filter((s) => s > mark).length,
    /** Sockets created after `mark`, open or closed. */
    socketsCreated: (mark = 0) => socketsEver.filter((s) => s > mark).length,
    /** Resolves once every socket created after `mark` has fired `close`. */
    socketsClosed: (mark = 0) =>
      new Promise((resolve) => {
        socketWaiters.push({ mark, resolve });
        settleSocketWaiters();
      }),
    pageErrors,
    consoleErrors,
  };
})();
