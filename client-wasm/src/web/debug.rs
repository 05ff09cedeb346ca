//! The `debug` option: what the client does, as entries for `console.debug` or the app's function.
//! Nothing is built unless debugging is on. Tokens never appear: the URL's `token` parameter and
//! the `auth` frame's token are replaced by `***`.

use super::frames::Js;
use crate::core::auth::redacted_url;
use crate::core::{Action, Outgoing};
use planwire_protocol::ClientMessage;
use serde::Serialize;
use tsify::Tsify;
use wasm_bindgen::prelude::*;

/// One debug entry (`type` says which).
#[derive(Serialize, Tsify)]
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
            // Only an `auth` frame is rewritten (its token redacted); the others are encoded as they
            // are, not copied first.
            let redacted;
            let message = match message {
                Outgoing::Seed(ClientMessage::Auth { .. }) => {
                    redacted = Outgoing::Seed(ClientMessage::Auth { token: "***".into() });
                    &redacted
                }
                _ => message,
            };
            DebugEntry::Send { frame: super::frames::encode(message).unwrap_or_default() }
        }
        Action::LoadPlan { plan_id, ticket } => DebugEntry::LoadPlan { plan_id: plan_id.clone(), ticket: *ticket },
        Action::Mutate { id, plan_id, .. } => DebugEntry::Write { plan_id: plan_id.clone(), id: *id },
        Action::WriteFailed { .. } => return None,
        Action::Emit(_) => return None,
    })
}

/// The entry as a JS object.
pub fn to_js(entry: &DebugEntry) -> JsValue {
    super::frames::to_js(entry).unwrap_or(JsValue::UNDEFINED)
}
