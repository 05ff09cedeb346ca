//! Frames in and out: the browser's `JSON.parse` on the message's own string, the header read
//! with serde-wasm-bindgen, `data` kept as the parsed `JsValue` (never copied into wasm); client
//! messages serialised with serde-wasm-bindgen and `JSON.stringify`.

use crate::core::decode::{DecodeError, Header, Value, NOT_AN_ENVELOPE};
use js_sys::{Array, Reflect};
use planwire_protocol::ClientMessage;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    /// `JSON.parse` on a JS string as it is (js-sys's binding takes a `&str`, which would copy the
    /// frame into wasm memory and back).
    #[wasm_bindgen(js_namespace = JSON, js_name = parse, catch)]
    fn parse(text: &JsValue) -> Result<JsValue, JsValue>;
}

impl Value for JsValue {
    fn read<T: DeserializeOwned>(&self) -> Option<T> {
        serde_wasm_bindgen::from_value(self.clone()).ok()
    }

    fn member(&self, key: &str) -> Option<Self> {
        if !Value::is_object(self) {
            return None;
        }
        Reflect::get(self, &JsValue::from_str(key)).ok().filter(|v| !v.is_undefined())
    }

    fn is_object(&self) -> bool {
        JsValue::is_object(self) && !Array::is_array(self)
    }
}

/// The envelope as serde-wasm-bindgen reads it.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Envelope {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    plan_id: Option<String>,
    #[serde(default, with = "serde_wasm_bindgen::preserve")]
    data: JsValue,
    #[serde(default)]
    timestamp: Option<String>,
    #[serde(default)]
    seq: Option<u64>,
}

/// Parses a text frame (`MessageEvent.data`) into its header.
pub fn header(text: &JsValue) -> Result<Header<JsValue>, DecodeError> {
    let invalid = DecodeError { message: NOT_AN_ENVELOPE };
    let value = parse(text).map_err(|_| invalid)?;
    let env: Envelope = serde_wasm_bindgen::from_value(value).map_err(|_| invalid)?;
    let data = Some(env.data).filter(|d| !d.is_null_or_undefined());
    Ok(Header { kind: env.kind, plan_id: env.plan_id, data, timestamp: env.timestamp, seq: env.seq })
}

/// A client message as JSON text.
pub fn encode(message: &ClientMessage) -> Option<String> {
    let value = serde_wasm_bindgen::to_value(message).ok()?;
    js_sys::JSON::stringify(&value).ok().map(String::from)
}
