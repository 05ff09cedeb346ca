//! Frames in and out: the browser's `JSON.parse` on the message's own string, the header's kinds
//! seen in one call and its members then read one by one, `data` kept as the parsed `JsValue`
//! (never copied into wasm); client messages serialised with serde-wasm-bindgen and `JSON.stringify`.

use crate::core::decode::{DecodeError, Header, Kind, Value, NOT_AN_ENVELOPE};
use crate::core::event::TaskPayload;
use crate::core::Outgoing;
use js_sys::{Array, Object, Reflect};
use serde::de::{DeserializeOwned, Deserializer};
use serde::{Deserialize, Serialize, Serializer};
use std::cell::Cell;
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

#[wasm_bindgen]
extern "C" {
    /// An object whose task members are read by name: a property load each, which the engine
    /// caches per member (`Reflect.get` with the name as a value is one generic lookup for all).
    /// `catch`: a snapshot's task is the app's object, whose getters may throw.
    type Members;
    #[wasm_bindgen(method, getter, catch)]
    fn task(this: &Members) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(method, getter, catch)]
    fn id(this: &Members) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(method, getter, catch)]
    fn title(this: &Members) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(method, getter, catch)]
    fn status(this: &Members) -> Result<JsValue, JsValue>;
}

/// The member `name` of `object` (`None` when reading it threw): the task members by name, any
/// other through `Reflect.get`. Not an object: `None`, or `undefined` for a task member of a
/// primitive (`"text".id`), which callers take as absent, as they take a missing member.
fn get(object: &JsValue, name: &str) -> Option<JsValue> {
    let members: &Members = object.unchecked_ref();
    match name {
        "task" => members.task(),
        "id" => members.id(),
        "title" => members.title(),
        "status" => members.status(),
        _ if !object.is_object() => return None,
        _ => Reflect::get(object, &JsValue::from_str(name)),
    }
    .ok()
}

/// Whether `name` is read by [`get`] by name: a parsed JSON array has none of these members, so no array test
/// is needed before reading one.
fn is_task_member(name: &str) -> bool {
    matches!(name, "task" | "id" | "title" | "status")
}

#[wasm_bindgen(module = "/js/frames.js")]
extern "C" {
    /// A task's shape in one call: 0 when it is not an object, else 1 | the kind codes of `id`,
    /// `title`, `status` at bits 1, 4, 7 ([`kind_of`]).
    #[wasm_bindgen(js_name = taskKinds)]
    fn task_kinds(task: &JsValue) -> u32;
}

/// The [`Kind`] of a 3-bit code of `js/frames.js` (0: absent).
fn kind_of(code: u32) -> Option<Kind> {
    Some(match code & 7 {
        1 => Kind::Null,
        2 => Kind::Bool,
        3 => Kind::Number,
        4 => Kind::String,
        5 => Kind::Array,
        6 => Kind::Object,
        _ => return None,
    })
}

impl Value for Js {
    fn task_kinds(&self) -> Option<[Option<Kind>; 3]> {
        let code = task_kinds(&self.0);
        (code & 1 == 1).then(|| [kind_of(code >> 1), kind_of(code >> 4), kind_of(code >> 7)])
    }

    fn read<T: DeserializeOwned>(&self) -> Option<T> {
        serde_wasm_bindgen::from_value(self.0.clone()).ok()
    }

    fn member(&self, key: &str) -> Option<Self> {
        if !is_task_member(key) && !Value::is_object(self) {
            return None;
        }
        get(&self.0, key).filter(|v| !v.is_undefined()).map(Js)
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
        // A loop of `push`, not `filter_map(..).collect()` (its `SpecFromIterNested`, ~500 B).
        let mut entries = Vec::new();
        for pair in Object::entries(object).iter() {
            let pair: Array = pair.unchecked_into();
            if let Some(key) = pair.get(0).as_string() {
                entries.push((key, Js(pair.get(1))));
            }
        }
        Some(entries)
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

#[wasm_bindgen]
extern "C" {
    /// A parsed frame (an object), read through one property access per member: no serde
    /// `deserialize_struct` (its field-name cache, the `preserve` round trip of `data`).
    type Envelope;
    #[wasm_bindgen(method, getter = type)]
    fn kind(this: &Envelope) -> JsValue;
    #[wasm_bindgen(method, getter = planId)]
    fn plan_id(this: &Envelope) -> JsValue;
    #[wasm_bindgen(method, getter)]
    fn data(this: &Envelope) -> JsValue;
    #[wasm_bindgen(method, getter)]
    fn timestamp(this: &Envelope) -> JsValue;
    /// `seq` as a number: read only once [`envelope_code`] said it is one.
    #[wasm_bindgen(method, getter = seq)]
    fn seq_number(this: &Envelope) -> f64;
}

#[wasm_bindgen(module = "/js/frames.js")]
extern "C" {
    /// What a parsed frame holds, in one call: 0 unless it is an object; else 1 | `type` (bits 1-2:
    /// 0 not a string, 1 the same string as `last_kind`, 2 another) | `planId` (bits 3-4: 0 `null` or
    /// absent, 1 the same string as `last_plan`, 2 another, 3 not a string) | `seq` (bits 5-6: 0 `null`
    /// or absent, 1 a number, 2 anything else) | `data` present (bit 7) | `timestamp` present (bit 8).
    #[wasm_bindgen(js_name = envelopeCode)]
    fn envelope_code(frame: &JsValue, last_kind: &JsValue, last_plan: &JsValue) -> u32;
}

/// The last JS string read through it, with its Rust copy: the same string again (the same room,
/// the same `type`, frame after frame) is recognised in JS (`===`, in [`envelope_code`]) instead of
/// being copied into wasm memory. A `Cell`, taken and put back: no borrow that could fail.
struct Recent(Cell<Option<(JsValue, String)>>);

impl Recent {
    const fn new() -> Recent {
        Recent(Cell::new(None))
    }

    /// Calls `f` with the last JS string (`undefined` before the first).
    fn with_last<R>(&self, f: impl FnOnce(&JsValue) -> R) -> R {
        let last = self.0.take();
        let result = f(last.as_ref().map_or(&JsValue::UNDEFINED, |(js, _)| js));
        self.0.set(last);
        result
    }

    /// The last string's Rust copy.
    fn last(&self) -> Option<String> {
        let last = self.0.take();
        let text = last.as_ref().map(|(_, text)| text.clone());
        self.0.set(last);
        text
    }

    /// `value` as a Rust string, kept as the last one (`None` if it is not a string).
    fn string(&self, value: JsValue) -> Option<String> {
        let text = value.as_string()?;
        self.0.set(Some((value, text.clone())));
        Some(text)
    }

    /// Calls `f` with `text` as a JS string: the last one read when it is the same text, else a new
    /// one.
    fn with_js<R>(&self, text: &str, f: impl FnOnce(&JsValue) -> R) -> R {
        let last = self.0.take();
        let result = match &last {
            Some((js, t)) if t == text => f(js),
            _ => f(&JsValue::from_str(text)),
        };
        self.0.set(last);
        result
    }
}

/// The frames' last `type` and last `planId` (also given back in task payloads, [`task_payload`]).
struct Last {
    kind: Recent,
    plan: Recent,
}

thread_local! {
    /// One thread-local for both, read once per header: each `LocalKey::with` is its own copy of the
    /// closure it runs.
    static LAST: Last = const { Last { kind: Recent::new(), plan: Recent::new() } };
}

/// Parses a text frame (`MessageEvent.data`) into its header, as serde reads [`Header`] natively:
/// an object whose `type` is a string, `planId` a string, `seq` a non-negative safe integer, and
/// `data`, `timestamp` anything (`null` or absent: `None`). Anything else is `NOT_AN_ENVELOPE`.
/// The members' kinds come in one call ([`envelope_code`]); only what is there is read.
pub fn header(text: &JsValue) -> Result<Header<Js>, DecodeError> {
    let invalid = DecodeError { message: NOT_AN_ENVELOPE };
    let value = parse(text).map_err(|_| invalid)?;
    LAST.with(|last| read_header(value, last))
}

/// [`header`] of the parsed frame, with the last strings at hand.
fn read_header(value: JsValue, last: &Last) -> Result<Header<Js>, DecodeError> {
    let invalid = DecodeError { message: NOT_AN_ENVELOPE };
    let code = last.kind.with_last(|kind| last.plan.with_last(|plan| envelope_code(&value, kind, plan)));
    if code & 1 == 0 {
        return Err(invalid);
    }
    let envelope: Envelope = value.unchecked_into();
    let kind = match code >> 1 & 3 {
        1 => last.kind.last(),
        2 => last.kind.string(envelope.kind()),
        _ => None,
    };
    let plan_id = match code >> 3 & 3 {
        0 => None,
        1 => Some(last.plan.last().ok_or(invalid)?),
        2 => Some(last.plan.string(envelope.plan_id()).ok_or(invalid)?),
        _ => return Err(invalid),
    };
    let seq = match code >> 5 & 3 {
        0 => None,
        1 => Some(safe_integer(envelope.seq_number()).ok_or(invalid)?),
        _ => return Err(invalid),
    };
    let data = (code & 1 << 7 != 0).then(|| Js(envelope.data()));
    let timestamp = (code & 1 << 8 != 0).then(|| Js(envelope.timestamp()));
    Ok(Header { kind: kind.ok_or(invalid)?, plan_id, data, timestamp, seq })
}

/// `seq`'s number when it is a non-negative safe integer (what serde-wasm-bindgen reads as a `u64`
/// from a number).
fn safe_integer(n: f64) -> Option<u64> {
    const MAX_SAFE_INTEGER: f64 = 9_007_199_254_740_991.0;
    // Comparisons, not `(0.0..=MAX).contains`, whose f64 monomorph is linked for two calls (46 B).
    (0.0 <= n && n <= MAX_SAFE_INTEGER && n.fract() == 0.0).then_some(n as u64)
}

#[wasm_bindgen]
extern "C" {
    /// A task event's payload object, its members set by name: a property store each, which the
    /// engine caches per member, on objects that all get the same shape (serde-wasm-bindgen's
    /// serializer and `Reflect.set` store each member with its name as a value: one generic,
    /// uncached store for all, most of the payload's cost).
    #[wasm_bindgen(extends = Object)]
    type TaskPayloadObject;
    #[wasm_bindgen(method, setter = planId)]
    fn set_plan_id(this: &TaskPayloadObject, value: &JsValue);
    #[wasm_bindgen(method, setter)]
    fn set_task(this: &TaskPayloadObject, value: &JsValue);
    #[wasm_bindgen(method, setter)]
    fn set_timestamp(this: &TaskPayloadObject, value: &JsValue);
    #[wasm_bindgen(method, setter)]
    fn set_seq(this: &TaskPayloadObject, value: f64);
}

/// The JS payload of `taskUpdated` / `taskCreated`, built member by member: the object
/// serde-wasm-bindgen makes of [`TaskPayload`] (the same members in the same order, `timestamp` and
/// `seq` left out when absent), faster; `planId` is the frame's own JS string when it is the last one
/// read. A member added to `TaskPayload` must be set here too.
pub fn task_payload(payload: &TaskPayload<Js>) -> JsValue {
    let object: TaskPayloadObject = Object::new().unchecked_into();
    LAST.with(|last| last.plan.with_js(&payload.plan_id, |id| object.set_plan_id(id)));
    object.set_task(&payload.task.0);
    if let Some(timestamp) = &payload.timestamp {
        object.set_timestamp(&timestamp.0);
    }
    if let Some(seq) = payload.seq {
        // At most 2^53 - 1: the frame's `seq` was read as a safe integer.
        object.set_seq(seq as f64);
    }
    object.into()
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
