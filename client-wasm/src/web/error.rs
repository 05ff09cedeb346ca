//! JS errors: the `PlanwireError`s the client throws and rejects with (an `Error` whose `code`
//! property names it), and the text of whatever the application's code threw.

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// An `Error` with `message` and the `code` property `code`.
pub fn coded(code: &str, message: &str) -> JsValue {
    let error = js_sys::Error::new(message);
    let _ = js_sys::Reflect::set(&error, &JsValue::from_str("code"), &JsValue::from_str(code));
    error.into()
}

/// The text of a thrown or rejected value: an `Error`'s message, a string, or `fallback`.
pub fn error_text(value: &JsValue, fallback: &str) -> String {
    if let Some(e) = value.dyn_ref::<js_sys::Error>() {
        return e.message().into();
    }
    value.as_string().unwrap_or_else(|| fallback.into())
}
