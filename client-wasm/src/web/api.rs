//! The exported JS API: class `PlanClient` (see `docs/client-api.md`), with generated TypeScript
//! types.

use super::driver::{self, Shared};
use super::events::EventKind;
use super::frames::{self, Js};
use super::options;
use crate::core::{ConfigError, Input, Machine};
use js_sys::Function;
use planwire_protocol::ErrorCode;
use std::rc::{Rc, Weak};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

#[wasm_bindgen(typescript_custom_section)]
const ON: &'static str = r#"
export interface PlanClient {
  /** Subscribes to an event; returns the unsubscribe function. */
  on<K extends keyof PlanEvents>(event: K, callback: (payload: PlanEvents[K]) => void): () => void;
}
/** Every error planwire throws: `code` names it, `message` is `CODE: explanation`. */
export interface PlanwireError extends Error { code: ErrorCode }
"#;

/// A real-time plan-room client (one WebSocket, any number of rooms).
#[wasm_bindgen]
pub struct PlanClient {
    pub(super) shared: Rc<Shared>,
}

/// A JS `Error` (a `PlanwireError`) whose `code` property is the code and whose message is
/// `CODE: message`.
pub(super) fn thrown(e: ConfigError) -> JsValue {
    super::error::coded(e.code.as_str(), &e.text())
}

pub(super) fn plan_id(value: &JsValue) -> Result<String, JsValue> {
    value.as_string().filter(|s| !s.is_empty()).ok_or_else(|| {
        thrown(ConfigError { code: ErrorCode::InvalidPlanId, message: "planId must be a non-empty string" })
    })
}

#[wasm_bindgen]
impl PlanClient {
    /// Validates the options (throws a `PlanwireError`: `INVALID_URL`, `INVALID_OPTION`,
    /// `NO_WEBSOCKET`); the client starts `idle`.
    #[wasm_bindgen(constructor)]
    pub fn new(#[wasm_bindgen(unchecked_param_type = "PlanClientOptions")] options: JsValue) -> Result<PlanClient, JsValue> {
        let (options, glue) = options::read(options).map_err(thrown)?;
        let seed = (js_sys::Math::random() * 9_007_199_254_740_992.0) as u64;
        Ok(PlanClient { shared: driver::create(Machine::new(options, seed), glue) })
    }

    /// `idle`/`closed`/`failed` → `connecting`; a no-op when already connecting or open.
    pub fn connect(&self) {
        let _ = driver::input_rc(&self.shared, Input::Connect);
    }

    /// Closes with 1000; never reconnects; releases the timer and window listeners.
    pub fn close(&self) {
        let _ = driver::input_rc(&self.shared, Input::Close);
    }

    /// From any state: drops the socket, resets the attempt counter and connects now.
    pub fn reconnect(&self) {
        let _ = driver::input_rc(&self.shared, Input::Reconnect);
    }

    /// Joins a plan room (reference-counted; sent now or once connected, re-sent after reconnects).
    pub fn join(&self, #[wasm_bindgen(js_name = planId, unchecked_param_type = "string")] plan_id: JsValue) -> Result<(), JsValue> {
        driver::input_rc(&self.shared, Input::Join(self::plan_id(&plan_id)?)).map_err(thrown)
    }

    /// Leaves a plan room; `leave-plan` goes out when the last reference leaves.
    pub fn leave(&self, #[wasm_bindgen(js_name = planId, unchecked_param_type = "string")] plan_id: JsValue) -> Result<(), JsValue> {
        driver::input_rc(&self.shared, Input::Leave(self::plan_id(&plan_id)?)).map_err(thrown)
    }

    /// Replaces the fixed token (`undefined` removes it), used from the next connection attempt
    /// on; the open connection keeps its own. `getToken`, when given, still wins.
    #[wasm_bindgen(js_name = setToken)]
    pub fn set_token(&self, #[wasm_bindgen(unchecked_param_type = "string | undefined")] token: JsValue) -> Result<(), JsValue> {
        let token = match token.as_string() {
            Some(t) => Some(t),
            None if token.is_null_or_undefined() => None,
            None => return Err(thrown(ConfigError::option("token must be a non-empty string"))),
        };
        driver::input_rc(&self.shared, Input::SetToken(token)).map_err(thrown)
    }

    /// Subscribes `callback` to `event`; returns the unsubscribe function (typed in `PlanClient`'s
    /// interface above). The returned function belongs to the JS garbage collector: it holds only a
    /// weak reference to the client, so calling it after `free()` does nothing.
    #[wasm_bindgen(skip_typescript)]
    pub fn on(&self, event: JsValue, callback: JsValue) -> Result<JsValue, JsValue> {
        let kind = event.as_string().and_then(|name| EventKind::from_name(&name)).ok_or_else(|| {
            thrown(ConfigError { code: ErrorCode::InvalidEvent, message: "unknown event name" })
        })?;
        let callback = callback.dyn_into::<Function>().map_err(|_| {
            thrown(ConfigError { code: ErrorCode::InvalidCallback, message: "callback must be a function" })
        })?;
        let id = match self.shared.try_borrow_mut() {
            Ok(mut inner) => inner.listeners.add(kind, callback),
            Err(_) => return Err(thrown(ConfigError { code: ErrorCode::Busy, message: "the client is busy" })),
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
    // The getters return JS strings made here: a `String` return costs the glue a read from
    // memory and a free, per getter.
    #[wasm_bindgen(getter, unchecked_return_type = "ConnectionState")]
    pub fn state(&self) -> JsValue {
        self.read(|m| m.state().as_str(), "closed").into()
    }

    /// Whether the connection is open and confirmed by the server.
    #[wasm_bindgen(getter, js_name = isConnected)]
    pub fn is_connected(&self) -> bool {
        self.read(Machine::is_connected, false)
    }

    /// The server's id for the current connection (extension), `undefined` when not connected.
    #[wasm_bindgen(getter, js_name = connectionId, unchecked_return_type = "string | undefined")]
    pub fn connection_id(&self) -> JsValue {
        self.read(|m| m.connection_id().map(JsValue::from_str), None).unwrap_or(JsValue::UNDEFINED)
    }

    /// Distinct users in a joined room (0 when not joined, or while disconnected).
    #[wasm_bindgen(js_name = participantCount)]
    pub fn participant_count(&self, #[wasm_bindgen(js_name = planId, unchecked_param_type = "string")] plan_id: JsValue) -> Result<u32, JsValue> {
        let plan_id = self::plan_id(&plan_id)?;
        Ok(self.read(|m| m.participant_count(&plan_id), 0))
    }

    /// The participants of a joined room (empty when not joined, or while disconnected).
    #[wasm_bindgen(unchecked_return_type = "Participant[]")]
    pub fn participants(&self, #[wasm_bindgen(js_name = planId, unchecked_param_type = "string")] plan_id: JsValue) -> Result<JsValue, JsValue> {
        let plan_id = self::plan_id(&plan_id)?;
        // The room's `Vec` (serialized as in event payloads: one serde `collect_seq` copy for both).
        let participants = |m: &Machine<Js>| m.room(&plan_id).and_then(|r| frames::to_js(&r.participants));
        Ok(self.read(participants, None).unwrap_or_else(|| js_sys::Array::new().into()))
    }
}

#[wasm_bindgen]
impl PlanClient {
    /// Merges `patch` into this client's presence in a joined room (extension; a `null` value
    /// removes a key), e.g. `{ taskId: '3', activity: 'editing' }`; sent at most every 100 ms, and
    /// again after every reconnect. Throws `NOT_JOINED` / `INVALID_PRESENCE`.
    #[wasm_bindgen(js_name = updatePresence)]
    pub fn update_presence(
        &self,
        #[wasm_bindgen(js_name = planId, unchecked_param_type = "string")] plan_id: JsValue,
        #[wasm_bindgen(unchecked_param_type = "PresenceState")] patch: JsValue,
    ) -> Result<(), JsValue> {
        let plan_id = self::plan_id(&plan_id)?;
        driver::input_rc(&self.shared, Input::UpdatePresence { plan_id, patch: Js(patch) }).map_err(thrown)
    }

    /// Marks this client typing (e.g. `{ taskId: '3' }`; call again while keys are pressed, it is
    /// refreshed at most every 2 s and expires on the server without), or stops with `null`.
    #[wasm_bindgen(js_name = setTyping)]
    pub fn set_typing(
        &self,
        #[wasm_bindgen(js_name = planId, unchecked_param_type = "string")] plan_id: JsValue,
        #[wasm_bindgen(unchecked_param_type = "PresenceState | null")] mark: JsValue,
    ) -> Result<(), JsValue> {
        let plan_id = self::plan_id(&plan_id)?;
        let mark = (!mark.is_null_or_undefined()).then_some(Js(mark));
        driver::input_rc(&self.shared, Input::SetTyping { plan_id, mark }).map_err(thrown)
    }

    /// The other users' presence in a joined room (empty when not joined, or while disconnected).
    #[wasm_bindgen(unchecked_return_type = "PresenceEntry<PresenceState>[]")]
    pub fn presence(&self, #[wasm_bindgen(js_name = planId, unchecked_param_type = "string")] plan_id: JsValue) -> Result<JsValue, JsValue> {
        let plan_id = self::plan_id(&plan_id)?;
        // The room's `Vec`, as for `participants`.
        let presence = |m: &Machine<Js>| m.room(&plan_id).and_then(|r| frames::to_js(r.presence.others()));
        Ok(self.read(presence, None).unwrap_or_else(|| js_sys::Array::new().into()))
    }

    /// This client's own presence state in a joined room, as merged locally (`undefined` when none).
    #[wasm_bindgen(js_name = myPresence, unchecked_return_type = "PresenceState | undefined")]
    pub fn my_presence(&self, #[wasm_bindgen(js_name = planId, unchecked_param_type = "string")] plan_id: JsValue) -> Result<JsValue, JsValue> {
        let plan_id = self::plan_id(&plan_id)?;
        Ok(self.read(|m| m.my_presence(&plan_id).map(|p| p.0.clone()), None).unwrap_or(JsValue::UNDEFINED))
    }
}

impl PlanClient {
    /// Reads the machine (`fallback` in the impossible case that it is being mutated).
    fn read<T>(&self, f: impl FnOnce(&Machine<Js>) -> T, fallback: T) -> T {
        self.shared.try_borrow().map_or(fallback, |inner| f(&inner.machine))
    }
}

impl Drop for PlanClient {
    /// `free()`: closes and releases everything; the client does nothing afterwards.
    fn drop(&mut self) {
        driver::dispose(&self.shared);
    }
}
