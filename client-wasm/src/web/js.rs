//! Small JS bindings not worth a web-sys feature: timers, the clock, a message's text, errors.

use alloc::string::String;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

#[wasm_bindgen]
extern "C" {
    /// The global `setTimeout` (window or worker).
    #[wasm_bindgen(js_name = setTimeout)]
    pub fn set_timeout(callback: &JsValue, ms: f64) -> JsValue;

    /// The global `clearTimeout`.
    #[wasm_bindgen(js_name = clearTimeout)]
    pub fn clear_timeout(handle: &JsValue);

    /// A promise, seen only through `then`.
    pub type Thenable;

    /// `promise.then(onFulfilled, onRejected)` with callbacks owned by the JS garbage collector.
    #[wasm_bindgen(method, js_name = then)]
    pub fn then_both(this: &Thenable, on_fulfilled: &JsValue, on_rejected: &JsValue) -> JsValue;

    /// A `MessageEvent`, seen only through its `data`.
    pub type TextMessage;

    /// `event.data`: a string for text frames.
    #[wasm_bindgen(method, getter)]
    pub fn data(this: &TextMessage) -> JsValue;
}

/// Milliseconds since the epoch: the machine's clock (wall time, so a sleeping laptop's pause shows).
pub fn now() -> u64 {
    js_sys::Date::now() as u64
}

/// The text of a thrown or rejected value: an `Error`'s message, a string, or `fallback`.
pub fn error_text(value: &JsValue, fallback: &str) -> String {
    if let Some(e) = value.dyn_ref::<js_sys::Error>() {
        return e.message().into();
    }
    value.as_string().unwrap_or_else(|| fallback.into())
}

/// A JS `Error` whose message is `text` (for throwing to the caller).
pub fn error(text: &str) -> JsValue {
    js_sys::Error::new(text).into()
}
