//! The `debug` option: what the client does, as entries for `console.debug` or the app's function.
//! Nothing is built unless debugging is on. Tokens never appear: the URL's `token` parameter and
//! the `auth` frame's token are replaced by `***`.

use super::frames::Js;
use crate::core::auth::redacted_url;
use crate::core::{Action, Outgoing};
use js_sys::{Object, Reflect};
use tsify::Tsify;
use wasm_bindgen::prelude::*;

/// One debug entry (`type` says which).
// The `serde` attributes shape its TypeScript type (tsify); `to_js` builds the same object.
#[derive(Tsify)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum DebugEntry {
    /// A connection attempt asks `getToken` for a token.
    #[serde(rename_all = "camelCase")]
    FetchToken {
        /// The attempt's ticket.
        ticket: u32,
    },
    /// A socket is opened (an attempt).
    OpenSocket {
        /// The URL, token redacted.
        url: String,
    },
    /// The client closes its socket.
    CloseSocket {
        /// Close code.
        code: u16,
        /// Close reason.
        reason: String,
    },
    /// A frame goes out.
    Send {
        /// Its JSON text, token redacted.
        frame: String,
    },
    /// A frame came in.
    Receive {
        /// Its text as received.
        frame: String,
    },
    /// A synchronized plan is loaded (extension).
    #[serde(rename_all = "camelCase")]
    LoadPlan {
        /// The plan.
        plan_id: String,
        /// The load's ticket.
        ticket: u32,
    },
    /// A write's REST call is made (extension).
    #[serde(rename_all = "camelCase")]
    Write {
        /// The plan.
        plan_id: String,
        /// The write's id.
        id: u32,
    },
    /// An event for the application (state changes, attempts and their delays, joins,
    /// recoveries, …).
    Event {
        /// Its name, as passed to `on()`.
        name: String,
        /// Its payload.
        #[serde(with = "serde_wasm_bindgen::preserve")]
        #[tsify(type = "unknown")]
        payload: JsValue,
    },
}

/// The entry for an action the driver performs (events are logged with their payload instead).
pub fn action_entry(action: &Action<Js>) -> Option<DebugEntry> {
    Some(match action {
        Action::FetchToken { ticket } => DebugEntry::FetchToken { ticket: *ticket },
        Action::OpenSocket { url } => DebugEntry::OpenSocket { url: redacted_url(url) },
        Action::CloseSocket { code, reason } => DebugEntry::CloseSocket { code: *code, reason: (*reason).into() },
        Action::Send(message) => {
            let mut message = message.clone();
            if let Outgoing::Seed(planwire_protocol::ClientMessage::Auth { token }) = &mut message {
                *token = "***".into();
            }
            DebugEntry::Send { frame: super::frames::encode(&message).unwrap_or_default() }
        }
        Action::LoadPlan { plan_id, ticket } => DebugEntry::LoadPlan { plan_id: plan_id.clone(), ticket: *ticket },
        Action::Mutate { id, plan_id, .. } => DebugEntry::Write { plan_id: plan_id.clone(), id: *id },
        Action::WriteFailed { .. } => return None,
        Action::Emit(_) => return None,
    })
}

/// The entry as a JS object: `type` (the variant's kebab-case name), then its members in order,
/// as serde's internally tagged form of [`DebugEntry`] would give it. Built with `Reflect.set` by
/// one function for all variants: serde's serialisation is code per variant and member type, and
/// debugging is not a hot path. A member added to `DebugEntry` must be set here too.
pub fn to_js(entry: &DebugEntry) -> JsValue {
    match entry {
        DebugEntry::FetchToken { ticket } => object("fetch-token", &[("ticket", (*ticket).into())]),
        DebugEntry::OpenSocket { url } => object("open-socket", &[("url", url.into())]),
        DebugEntry::CloseSocket { code, reason } => {
            object("close-socket", &[("code", (*code).into()), ("reason", reason.into())])
        }
        DebugEntry::Send { frame } => object("send", &[("frame", frame.into())]),
        DebugEntry::Receive { frame } => object("receive", &[("frame", frame.into())]),
        DebugEntry::LoadPlan { plan_id, ticket } => {
            object("load-plan", &[("planId", plan_id.into()), ("ticket", (*ticket).into())])
        }
        DebugEntry::Write { plan_id, id } => object("write", &[("planId", plan_id.into()), ("id", (*id).into())]),
        DebugEntry::Event { name, payload } => object("event", &[("name", name.into()), ("payload", payload.clone())]),
    }
}

/// A plain object with `type` set to `kind`, then `members` in order.
fn object(kind: &str, members: &[(&str, JsValue)]) -> JsValue {
    let object = Object::new();
    let _ = Reflect::set(&object, &JsValue::from_str("type"), &JsValue::from_str(kind));
    for (name, value) in members {
        let _ = Reflect::set(&object, &JsValue::from_str(name), value);
    }
    object.into()
}
