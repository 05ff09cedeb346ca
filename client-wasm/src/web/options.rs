//! `new PlanClient(options)`: the options object read member by member (each value with
//! serde-wasm-bindgen) into the core's [`RawOptions`], validated by the core (its `INVALID_OPTION` /
//! `INVALID_URL` codes and texts).
//! A value of the wrong type is reported like an out-of-range one, by the core, with the option's
//! own message: numbers read anything else as NaN, strings anything else as an invalid string.

use crate::core::{ConfigError, Options, RawOptions};
use planwire_protocol::ErrorCode;
use js_sys::Function;
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use tsify::Tsify;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

// One definition of every option: its name (the TypeScript member, tsify's declaration from the
// `serde` renames) and how its value is read, by one macro that writes the struct and its reader.
macro_rules! options {
    ($(#[$doc:meta])* struct $name:ident { $($(#[$attr:meta])* $field:ident: $ty:ty = $js:literal by $read:ident;)* }) => {
        $(#[$doc])*
        #[derive(Tsify)]
        pub struct $name {
            $($(#[$attr])* #[serde(rename = $js)] $field: $ty,)*
        }

        impl $name {
            /// Reads an options object member by member, in the order of the fields, as a derived
            /// `Deserialize` would (one `deserialize_struct` of 18 fields less in the wasm): each number
            /// or string with serde-wasm-bindgen, the functions and objects as they are.
            fn read(options: &JsValue) -> Result<$name, ConfigError> {
                let o: &OptionsObject = options.unchecked_ref();
                Ok($name { $($field: $read(o, $js)?,)* })
            }
        }
    };
}

options! {
    /// Options of `new PlanClient(options)`; every number has the Plan WebSocket Service's default, and `null` or
    /// `undefined` means "use the default".
    struct PlanClientOptions {
        /// ws:// or wss:// URL of the /ws endpoint; anything else throws INVALID_URL.
        #[tsify(type = "string")]
        url: Option<Text> = "url" by member;
        /// A JWT, used as is at every connect (see `setToken`).
        #[tsify(optional, type = "string")]
        token: Option<Text> = "token" by member;
        /// Called before every connect and reconnect (wins over `token`). A rejection is retried with
        /// backoff like a failed attempt (an auth endpoint's outage is survived); reject with an error
        /// whose `code` is `'UNAUTHORIZED'` (`UnauthorizedError`) when the user is signed out: the
        /// client then fails at once with `unauthorized`.
        #[tsify(optional, type = "() => Promise<string>")]
        get_token: JsValue = "getToken" by value;
        /// 'query' (default, as the Plan WebSocket Service): ?token=…; 'message': first frame {"type":"auth"} (extension).
        #[tsify(optional, type = "'query' | 'message'")]
        auth_mode: Option<Text> = "authMode" by member;
        /// Default 5 (as the Plan WebSocket Service); Infinity allowed; 0 = never reconnect.
        #[tsify(optional, type = "number")]
        max_reconnect_attempts: Option<Number> = "maxReconnectAttempts" by member;
        /// Default 1000: the delay before retry n (0-based) is min(baseDelayMs * 2^n, maxDelayMs), scaled by the jitter.
        #[tsify(optional, type = "number")]
        base_delay_ms: Option<Number> = "baseDelayMs" by member;
        /// Default 30000.
        #[tsify(optional, type = "number")]
        max_delay_ms: Option<Number> = "maxDelayMs" by member;
        /// 0..1, default 0.5: each delay is scaled by a random factor in [1 - jitter, 1 + 2 jitter]; 0 reproduces the Plan WebSocket Service's schedule.
        #[tsify(optional, type = "number")]
        jitter: Option<Number> = "jitter" by member;
        /// Default 5000: open this long before the attempt counter resets.
        #[tsify(optional, type = "number")]
        stable_after_ms: Option<Number> = "stableAfterMs" by member;
        /// Default 30000: a ping this often, whatever arrives.
        #[tsify(optional, type = "number")]
        ping_interval_ms: Option<Number> = "pingIntervalMs" by member;
        /// Default 10000: no frame this long after a ping → the link is dead.
        #[tsify(optional, type = "number")]
        pong_timeout_ms: Option<Number> = "pongTimeoutMs" by member;
        /// Default 10000: token, socket open and server confirmation must all happen within this.
        #[tsify(optional, type = "number")]
        connect_timeout_ms: Option<Number> = "connectTimeoutMs" by member;
        /// Default 60000: after `failed` for a transient reason (not `unauthorized`), a new round of
        /// attempts this often; 0 turns the timer off. Going online, showing or focusing the tab revive
        /// it at once.
        #[tsify(optional, type = "number")]
        revive_interval_ms: Option<Number> = "reviveIntervalMs" by member;
        /// The WebSocket class to use, with the browser's interface (e.g. the `ws` package in Node);
        /// default: the global `WebSocket`.
        #[tsify(optional, type = "new (url: string) => object")]
        web_socket: JsValue = "WebSocket" by value;
        /// `true`: the clients of every tab of this origin with this `url` share one WebSocket (the tabs
        /// elect a leader with Web Locks and relay over a BroadcastChannel); each client keeps its own
        /// rooms, presence and state, and takes over when the leader tab goes. A string (e.g. the user's
        /// id) shares only between clients with the same string and `url`: give one where a browser may
        /// hold tabs of different users. Default `false`. Read by the package's `PlanClient`, which
        /// passes its own `WebSocket` class for it; the `api` functions then get no `connectionId` (the
        /// server must not skip the connection: the other tabs are on it).
        #[tsify(optional, type = "boolean | string")]
        share_connection: JsValue = "shareConnection" by value;
        /// Where the REST routes of the package's default plan functions are (e.g.
        /// `https://api.example.com`); default: the `url`'s origin with `http(s)`.
        #[tsify(optional, type = "string")]
        rest_url: Option<Text> = "restUrl" by member;
        /// How synchronized plans (`syncPlan`, `usePlan`) are loaded and written: your own functions;
        /// each one left out calls the Plan WebSocket Service's REST route with the client's token.
        #[tsify(optional, type = "PlanApi")]
        api: JsValue = "api" by value;
        /// `true` logs what the client does to `console.debug`; a function receives each entry
        /// instead. Off (and free) by default. Tokens are redacted.
        #[tsify(optional, type = "boolean | ((entry: DebugEntry) => void)")]
        debug: JsValue = "debug" by value;
    }
}

#[wasm_bindgen]
extern "C" {
    /// The options object, a member read by name (`options[name]`, the property read
    /// serde-wasm-bindgen made for each field; a getter's exception propagates, as it did).
    type OptionsObject;
    #[wasm_bindgen(method, indexing_getter)]
    fn get(this: &OptionsObject, name: &str) -> JsValue;
}

/// The member `name`, a number or a string option (absent, `null` or `undefined`: `None`), read with
/// serde-wasm-bindgen.
fn member<T: From<Scalar>>(options: &OptionsObject, name: &str) -> Result<Option<T>, ConfigError> {
    let value: Option<Scalar> =
        serde_wasm_bindgen::from_value(options.get(name)).map_err(|_| ConfigError::option("options must be an object"))?;
    Ok(value.map(T::from))
}

/// The member `name` as it is (a function or object option, checked by [`read`]).
fn value(options: &OptionsObject, name: &str) -> Result<JsValue, ConfigError> {
    Ok(options.get(name))
}

/// What [`read`] hands the browser layer besides the core's options.
pub struct Glue {
    /// The caller's `getToken`.
    pub get_token: Option<Function>,
    /// The `WebSocket` option (`None`: the global one).
    pub web_socket: Option<Function>,
    /// Where debug entries go (`None`: off).
    pub debug: Option<Function>,
    /// The `api` option.
    pub api: Option<js_sys::Object>,
    /// `shareConnection: true`.
    pub shared_connection: bool,
}

#[wasm_bindgen]
extern "C" {
    /// `globalThis.WebSocket`, read when a client is created.
    #[wasm_bindgen(thread_local_v2, js_namespace = globalThis, js_name = WebSocket)]
    static GLOBAL_WEB_SOCKET: JsValue;
    /// `console.debug`, the sink of `debug: true`.
    #[wasm_bindgen(thread_local_v2, js_namespace = console, js_name = debug)]
    static CONSOLE_DEBUG: JsValue;
}

/// A function option: absent, or a function (anything else is refused with `message`).
fn function(value: JsValue, message: &'static str) -> Result<Option<Function>, ConfigError> {
    if value.is_null_or_undefined() {
        return Ok(None);
    }
    value.dyn_into::<Function>().map(Some).map_err(|_| ConfigError::option(message))
}

/// A number option; any other type reads as NaN.
pub struct Number(f64);

/// A string option; any other type reads as `None` (invalid).
pub struct Text(Option<String>);

/// What a number or string option holds, read by one visitor for both (one `deserialize_any` in the
/// wasm, not one per option type): a number, a string, or another JSON value (`Other`). A value
/// serde-wasm-bindgen refuses (bytes, a `Set`, a function, …) is an error, as it was for both.
enum Scalar {
    Number(f64),
    Text(String),
    Other,
}

struct ScalarVisitor;

impl<'de> Visitor<'de> for ScalarVisitor {
    type Value = Scalar;
    fn expecting(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("a number or a string")
    }
    fn visit_f64<E>(self, v: f64) -> Result<Scalar, E> {
        Ok(Scalar::Number(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Scalar, E> {
        Ok(Scalar::Number(v as f64))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Scalar, E> {
        Ok(Scalar::Number(v as f64))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Scalar, E> {
        Ok(Scalar::Text(v.into()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Scalar, E> {
        Ok(Scalar::Text(v))
    }
    fn visit_bool<E>(self, _: bool) -> Result<Scalar, E> {
        Ok(Scalar::Other)
    }
    fn visit_unit<E>(self) -> Result<Scalar, E> {
        Ok(Scalar::Other)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Scalar, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Scalar::Other)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Scalar, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Scalar::Other)
    }
}

impl<'de> Deserialize<'de> for Scalar {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Scalar, D::Error> {
        d.deserialize_any(ScalarVisitor)
    }
}

impl From<Scalar> for Number {
    fn from(value: Scalar) -> Number {
        Number(match value {
            Scalar::Number(v) => v,
            Scalar::Text(_) | Scalar::Other => f64::NAN,
        })
    }
}

impl From<Scalar> for Text {
    fn from(value: Scalar) -> Text {
        Text(match value {
            Scalar::Text(s) => Some(s),
            Scalar::Number(_) | Scalar::Other => None,
        })
    }
}

fn number(n: Option<Number>) -> Option<f64> {
    n.map(|Number(v)| v)
}

/// A string option, or `invalid` (which the core refuses) when it was not a string.
fn text(t: Option<Text>, invalid: &str) -> Option<String> {
    t.map(|Text(s)| s.unwrap_or_else(|| invalid.into()))
}

/// Reads and validates the options; returns them with the browser layer's own.
pub fn read(options: JsValue) -> Result<(Options, Glue), ConfigError> {
    if !options.is_object() {
        return Err(ConfigError::option("options must be an object"));
    }
    let o = PlanClientOptions::read(&options)?;
    let get_token = function(o.get_token, "getToken must be a function")?;
    let web_socket = function(o.web_socket, "WebSocket must be a class (a constructor)")?;
    if web_socket.is_none() && GLOBAL_WEB_SOCKET.with(JsValue::is_undefined) {
        return Err(ConfigError {
            code: ErrorCode::NoWebsocket,
            message: "this runtime has no global WebSocket: pass one as the WebSocket option (e.g. the ws package)",
        });
    }
    let debug = match o.debug.as_bool() {
        Some(true) => CONSOLE_DEBUG.with(|f| f.clone().dyn_into::<Function>().ok()),
        Some(false) => None,
        None => function(o.debug, "debug must be a boolean or a function")?,
    };
    let share = &o.share_connection;
    let shared_connection = match share.as_bool() {
        Some(b) => b,
        None if share.is_null_or_undefined() => false,
        None if share.as_string().is_some_and(|key| !key.is_empty()) => true,
        None => return Err(ConfigError::option("shareConnection must be a boolean or a non-empty string")),
    };
    let rest_url = text(o.rest_url, "");
    if rest_url.as_ref().is_some_and(|u| !(u.starts_with("http://") || u.starts_with("https://"))) {
        return Err(ConfigError::option("restUrl must be an http:// or https:// URL"));
    }
    let api = match o.api {
        v if v.is_null_or_undefined() => None,
        v if v.is_object() => Some(v.unchecked_into::<js_sys::Object>()),
        _ => return Err(ConfigError::option("api must be an object of functions")),
    };
    let raw = RawOptions {
        url: text(o.url, "").unwrap_or_default(),
        token: text(o.token, ""),
        has_get_token: get_token.is_some(),
        auth_mode: text(o.auth_mode, "?"),
        max_reconnect_attempts: number(o.max_reconnect_attempts),
        base_delay_ms: number(o.base_delay_ms),
        max_delay_ms: number(o.max_delay_ms),
        jitter: number(o.jitter),
        stable_after_ms: number(o.stable_after_ms),
        ping_interval_ms: number(o.ping_interval_ms),
        pong_timeout_ms: number(o.pong_timeout_ms),
        connect_timeout_ms: number(o.connect_timeout_ms),
        revive_interval_ms: number(o.revive_interval_ms),
    };
    Ok((Options::validate(raw)?, Glue { get_token, web_socket, debug, api, shared_connection }))
}
