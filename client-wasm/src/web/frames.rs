//! Frames in and out: the browser's `JSON.parse` on the message's own string, the header read
//! with serde-wasm-bindgen, `data` kept as the parsed `JsValue` (never copied into wasm); client
//! messages serialised with serde-wasm-bindgen and `JSON.stringify`.

use crate::core::decode::{DecodeError, Header, Kind, Value, NOT_AN_ENVELOPE};
use crate::core::Outgoing;
use js_sys::{Array, Object, Reflect};
use serde::de::{DeserializeOwned, Deserializer};
use serde::{Deserialize, Serialize, Serializer};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

#[wasm_bindgen]
extern "C" {
    /// `JSON.parse` on a JS string as it is (js-sys's binding takes a `&str`, which would copy the
    /// frame into wasm memory and back).
    #[wasm_bindgen(js_namespace = JSON, js_name = parse, catch)]
    fn parse(text: &JsValue) -> Result<JsValue, JsValue>;
}

/// A JS value as the core's payload type: tasks, unknown payloads and presence states stay the
/// objects the browser parsed, and (de)serialise as themselves through serde-wasm-bindgen.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Js(pub JsValue);

impl Serialize for Js {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        serde_wasm_bindgen::preserve::serialize(&self.0, s)
    }
}

impl<'de> Deserialize<'de> for Js {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Js, D::Error> {
        serde_wasm_bindgen::preserve::deserialize(d).map(Js)
    }
}

#[wasm_bindgen]
extern "C" {
    /// `JSON.stringify` of a value (`undefined` for what JSON cannot hold).
    #[wasm_bindgen(js_namespace = JSON, js_name = stringify)]
    fn stringify(value: &JsValue) -> JsValue;
}

thread_local! {
    /// The member names read on every task frame, as JS strings made once (a `JsValue::from_str`
    /// per read is a string copy across the boundary).
    static HOT_KEYS: [(&'static str, JsValue); 4] = ["task", "id", "title", "status"].map(|k| (k, JsValue::from_str(k)));
}

/// The member `name` of `object` (`Reflect.get`), the key one of [`HOT_KEYS`] borrowed (a clone
/// and its drop would be two more calls into JS per read) or made now.
fn get(object: &JsValue, name: &str) -> Result<JsValue, JsValue> {
    HOT_KEYS.with(|keys| {
        let made;
        let key = match keys.iter().find(|(k, _)| *k == name) {
            Some((_, key)) => key,
            None => {
                made = JsValue::from_str(name);
                &made
            }
        };
        Reflect::get(object, key)
    })
}

impl Value for Js {
    fn member_kind(&self, key: &str) -> Option<Kind> {
        if !self.0.is_object() {
            return None;
        }
        let v = get(&self.0, key).ok()?;
        // The kinds exclude each other: the ones a task's members have come first (each test is a
        // call into JS).
        Some(if v.is_string() {
            Kind::String
        } else if v.as_f64().is_some() {
            Kind::Number
        } else if v.is_undefined() {
            return None;
        } else if v.is_null() {
            Kind::Null
        } else if v.as_bool().is_some() {
            Kind::Bool
        } else if Array::is_array(&v) {
            Kind::Array
        } else {
            Kind::Object
        })
    }

    fn read<T: DeserializeOwned>(&self) -> Option<T> {
        serde_wasm_bindgen::from_value(self.0.clone()).ok()
    }

    fn member(&self, key: &str) -> Option<Self> {
        if !Value::is_object(self) {
            return None;
        }
        get(&self.0, key).ok().filter(|v| !v.is_undefined()).map(Js)
    }

    fn is_object(&self) -> bool {
        self.0.is_object() && !Array::is_array(&self.0)
    }

    fn is_null(&self) -> bool {
        self.0.is_null()
    }

    fn is_string(&self) -> bool {
        self.0.is_string()
    }

    fn entries(&self) -> Option<Vec<(String, Self)>> {
        let object = self.0.dyn_ref::<Object>().filter(|_| Value::is_object(self))?;
        let entries = Object::entries(object);
        let entries = entries.iter().filter_map(|pair| {
            let pair: Array = pair.unchecked_into();
            Some((pair.get(0).as_string()?, Js(pair.get(1))))
        });
        Some(entries.collect())
    }

    fn object(entries: Vec<(String, Self)>) -> Self {
        let object = Object::new();
        for (key, value) in entries {
            let _ = Reflect::set(&object, &JsValue::from_str(&key), &value.0);
        }
        Js(object.into())
    }

    fn string(text: &str) -> Self {
        Js(JsValue::from_str(text))
    }

    fn same(&self, other: &Self) -> bool {
        self.0 == other.0 || stringify(&self.0).as_string() == stringify(&other.0).as_string()
    }
}

/// Parses a text frame (`MessageEvent.data`) into its header.
pub fn header(text: &JsValue) -> Result<Header<Js>, DecodeError> {
    let invalid = DecodeError { message: NOT_AN_ENVELOPE };
    let value = parse(text).map_err(|_| invalid)?;
    serde_wasm_bindgen::from_value(value).map_err(|_| invalid)
}

/// `value` as the JS value `JSON.parse` would give for it (plain objects, numbers), through
/// serde-wasm-bindgen; `None` only for what JSON cannot hold.
pub fn to_js<T: Serialize + ?Sized>(value: &T) -> Option<JsValue> {
    value.serialize(&serde_wasm_bindgen::Serializer::json_compatible()).ok()
}

/// A message to the server as JSON text.
pub fn encode(message: &Outgoing<Js>) -> Option<String> {
    stringify(&to_js(message)?).as_string()
}
