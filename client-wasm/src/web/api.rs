//! The exported JS API: class `PlanClient` (see `docs/client-api.md`), with exact TypeScript types.

use alloc::string::String;
use super::driver::{self, Shared};
use super::js;
use crate::core::json::push_participants;
use crate::core::{ConfigError, EventKind, Machine, Options, RawOptions};
use js_sys::{Function, Reflect};
use alloc::rc::{Rc, Weak};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

#[wasm_bindgen(typescript_custom_section)]
const TYPES: &'static str = r#"
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
  /** Default 1000: delay = min(baseDelayMs * 2^attempt, maxDelayMs), minus jitter. */
  baseDelayMs?: number;
  /** Default 30000. */
  maxDelayMs?: number;
  /** 0..1, default 0.5: up to this fraction of each delay is cut at random; 0 reproduces seed 000. */
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

export interface PlanClient {
  /** Subscribes to an event; returns the unsubscribe function. */
  on<K extends keyof PlanEvents>(event: K, callback: (payload: PlanEvents[K]) => void): () => void;
}
"#;

/// A real-time plan-room client (one WebSocket, any number of rooms).
#[wasm_bindgen]
pub struct PlanClient {
    shared: Rc<Shared>,
}

fn thrown(e: ConfigError) -> JsValue {
    js::error(&e.text())
}

/// `obj[key]`, with `undefined` and `null` read as absent.
fn field(obj: &JsValue, key: &str) -> Option<JsValue> {
    Reflect::get(obj, &JsValue::from_str(key)).ok().filter(|v| !v.is_null_or_undefined())
}

/// A string option; another type is passed on as an invalid value for the core to reject.
fn string_field(obj: &JsValue, key: &str, invalid: &str) -> Option<String> {
    field(obj, key).map(|v| v.as_string().unwrap_or_else(|| invalid.into()))
}

/// A number option; another type is passed on as NaN for the core to reject.
fn number_field(obj: &JsValue, key: &str) -> Option<f64> {
    field(obj, key).map(|v| v.as_f64().unwrap_or(f64::NAN))
}

fn plan_id(value: &JsValue) -> Result<String, JsValue> {
    value
        .as_string()
        .filter(|s| !s.is_empty())
        .ok_or_else(|| js::error("INVALID_PLAN_ID: planId must be a non-empty string"))
}

fn read_options(obj: &JsValue) -> Result<(Options, Option<Function>), JsValue> {
    if !obj.is_object() {
        return Err(thrown(ConfigError::option("options must be an object")));
    }
    let get_token = match field(obj, "getToken") {
        None => None,
        Some(f) => Some(f.dyn_into::<Function>().map_err(|_| thrown(ConfigError::option("getToken must be a function")))?),
    };
    let raw = RawOptions {
        url: string_field(obj, "url", "").unwrap_or_default(),
        token: string_field(obj, "token", ""),
        has_get_token: get_token.is_some(),
        auth_mode: string_field(obj, "authMode", "?"),
        max_reconnect_attempts: number_field(obj, "maxReconnectAttempts"),
        base_delay_ms: number_field(obj, "baseDelayMs"),
        max_delay_ms: number_field(obj, "maxDelayMs"),
        jitter: number_field(obj, "jitter"),
        stable_after_ms: number_field(obj, "stableAfterMs"),
        ping_interval_ms: number_field(obj, "pingIntervalMs"),
        pong_timeout_ms: number_field(obj, "pongTimeoutMs"),
        connect_timeout_ms: number_field(obj, "connectTimeoutMs"),
    };
    Ok((Options::validate(raw).map_err(thrown)?, get_token))
}

#[wasm_bindgen]
impl PlanClient {
    /// Validates the options (throws `Error("CODE: message")`); the client starts `idle`.
    #[wasm_bindgen(constructor)]
    pub fn new(#[wasm_bindgen(unchecked_param_type = "PlanClientOptions")] options: JsValue) -> Result<PlanClient, JsValue> {
        let (options, get_token) = read_options(&options)?;
        let seed = (js_sys::Math::random() * 9_007_199_254_740_992.0) as u64;
        Ok(PlanClient { shared: driver::create(Machine::new(options, seed), get_token) })
    }

    /// `idle`/`closed`/`failed` → `connecting`; a no-op when already connecting or open.
    pub fn connect(&self) {
        driver::input_rc(&self.shared, |m, now| m.connect(now));
    }

    /// Closes with 1000; never reconnects; releases the timer and window listeners.
    pub fn close(&self) {
        driver::input_rc(&self.shared, |m, _| m.close());
    }

    /// From any state: drops the socket, resets the attempt counter and connects now.
    pub fn reconnect(&self) {
        driver::input_rc(&self.shared, |m, now| m.reconnect(now));
    }

    /// Joins a plan room (reference-counted; sent now or once connected, re-sent after reconnects).
    pub fn join(&self, #[wasm_bindgen(js_name = planId, unchecked_param_type = "string")] plan_id: JsValue) -> Result<(), JsValue> {
        let plan_id = self::plan_id(&plan_id)?;
        let mut result = Ok(());
        driver::input_rc(&self.shared, |m, _| result = m.join(&plan_id).map_err(thrown));
        result
    }

    /// Leaves a plan room; `leave-plan` goes out when the last reference leaves.
    pub fn leave(&self, #[wasm_bindgen(js_name = planId, unchecked_param_type = "string")] plan_id: JsValue) -> Result<(), JsValue> {
        let plan_id = self::plan_id(&plan_id)?;
        let mut result = Ok(());
        driver::input_rc(&self.shared, |m, _| result = m.leave(&plan_id).map_err(thrown));
        result
    }

    /// Subscribes `callback` to `event`; returns the unsubscribe function (typed in `PlanClient`'s
    /// interface above). The returned function belongs to the JS garbage collector: it holds only a
    /// weak reference to the client, so calling it after `free()` does nothing.
    #[wasm_bindgen(skip_typescript)]
    pub fn on(&self, event: JsValue, callback: JsValue) -> Result<JsValue, JsValue> {
        let kind = event
            .as_string()
            .and_then(|name| EventKind::from_name(&name))
            .ok_or_else(|| js::error("INVALID_EVENT: unknown event name"))?;
        let callback = callback
            .dyn_into::<Function>()
            .map_err(|_| js::error("INVALID_CALLBACK: callback must be a function"))?;
        let id = match self.shared.try_borrow_mut() {
            Ok(mut inner) => inner.listeners.add(kind, callback),
            Err(_) => return Err(js::error("BUSY: the client is busy")),
        };
        let weak: Weak<Shared> = Rc::downgrade(&self.shared);
        let unsubscribe = Closure::<dyn FnMut()>::new(move || {
            if let Some(shared) = weak.upgrade() {
                if let Ok(mut inner) = shared.try_borrow_mut() {
                    inner.listeners.remove(kind, id);
                }
            }
        });
        Ok(unsubscribe.into_js_value())
    }

    /// The connection state.
    #[wasm_bindgen(getter, unchecked_return_type = "ConnectionState")]
    pub fn state(&self) -> String {
        self.read(|m| m.state().as_str(), "closed").into()
    }

    /// Whether the connection is open and confirmed by the server.
    #[wasm_bindgen(getter, js_name = isConnected)]
    pub fn is_connected(&self) -> bool {
        self.read(Machine::is_connected, false)
    }

    /// The server's id for the current connection (extension), `undefined` when not connected.
    #[wasm_bindgen(getter, js_name = connectionId)]
    pub fn connection_id(&self) -> Option<String> {
        self.read(|m| m.connection_id().map(Into::into), None)
    }

    /// Distinct users in a joined room (0 when not joined).
    #[wasm_bindgen(js_name = participantCount)]
    pub fn participant_count(&self, #[wasm_bindgen(js_name = planId, unchecked_param_type = "string")] plan_id: JsValue) -> Result<u32, JsValue> {
        let plan_id = self::plan_id(&plan_id)?;
        Ok(self.read(|m| m.participant_count(&plan_id), 0))
    }

    /// The participants of a joined room (empty when not joined).
    #[wasm_bindgen(unchecked_return_type = "Participant[]")]
    pub fn participants(&self, #[wasm_bindgen(js_name = planId, unchecked_param_type = "string")] plan_id: JsValue) -> Result<JsValue, JsValue> {
        let plan_id = self::plan_id(&plan_id)?;
        let mut json = String::with_capacity(64);
        self.read(|m| push_participants(&mut json, m.participants(&plan_id)), ());
        js_sys::JSON::parse(&json)
    }
}

impl PlanClient {
    /// Reads the machine (`fallback` in the impossible case that it is being mutated).
    fn read<T>(&self, f: impl FnOnce(&Machine) -> T, fallback: T) -> T {
        self.shared.try_borrow().map_or(fallback, |inner| f(&inner.machine))
    }
}

impl Drop for PlanClient {
    /// `free()`: closes and releases everything; the client does nothing afterwards.
    fn drop(&mut self) {
        driver::dispose(&self.shared);
    }
}
