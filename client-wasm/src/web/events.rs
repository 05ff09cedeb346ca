//! Event names: the name passed to `on()` for each [`Event`] variant, and the TypeScript
//! `PlanEvents` map from those names to the payload types (declared with the payloads themselves,
//! in `core/event.rs`). The payload reaches listeners serialised with serde-wasm-bindgen, but for
//! the task events' (built by hand: `frames::task_payload`).

use super::frames::Js;
use crate::core::Event;
use wasm_bindgen::prelude::*;

#[wasm_bindgen(typescript_custom_section)]
const TASK: &'static str = r#"
/** A task as the server sends it: the Plan WebSocket Service protocol's id, title and status; other fields pass through. */
export interface Task { id: number | string; title: string; status: string; [field: string]: unknown }
/** A presence state or typing mark (extension): a small JSON object, e.g. `{ taskId: '3', activity: 'editing' }`. */
export type PresenceState = { [key: string]: unknown };
"#;

/// Declares the event kinds, their names, the kind of each [`Event`] and the `PlanEvents` TS map.
macro_rules! events {
    ($($variant:ident = $name:literal => $payload:literal,)*) => {
        /// The name of an event, as passed to `on()`.
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub enum EventKind { $(#[doc = $name] $variant,)* }

        impl EventKind {
            /// How many kinds there are.
            pub const COUNT: usize = [$($name,)*].len();

            /// Every kind, in declaration order (`ALL[k as usize] == k`).
            const ALL: [EventKind; Self::COUNT] = [$(EventKind::$variant,)*];

            /// Their names, in the same order.
            const NAMES: [&'static str; Self::COUNT] = [$($name,)*];

            /// The kind named `name`. (A search of the table: smaller code than a `match` on
            /// strings, and `on()` is not a hot path.)
            pub fn from_name(name: &str) -> Option<EventKind> {
                Self::NAMES.iter().position(|n| *n == name).map(|i| Self::ALL[i])
            }

            /// Its name, as passed to `on()`.
            pub fn name(self) -> &'static str {
                Self::NAMES[self as usize]
            }
        }

        /// The kind of `event`, without building its payload (for events nobody listens to).
        pub fn kind(event: &Event<Js>) -> EventKind {
            match event { $(Event::$variant(_) => EventKind::$variant,)* }
        }

        #[wasm_bindgen(typescript_custom_section)]
        const PLAN_EVENTS: &'static str = concat!(
            "\n/** Every event `PlanClient.on()` accepts, and its payload. */\nexport interface PlanEvents {\n",
            $("  ", $name, ": ", $payload, ";\n",)*
            "}\n"
        );
    };
}

events! {
    StateChanged = "stateChanged" => "StateChangedPayload",
    Open = "open" => "OpenPayload",
    Close = "close" => "ClosePayload",
    Reconnecting = "reconnecting" => "ReconnectingPayload",
    Reconnected = "reconnected" => "ReconnectedPayload",
    Failed = "failed" => "FailedPayload",
    Error = "error" => "ErrorPayload",
    Joined = "joined" => "JoinedPayload",
    UserJoined = "userJoined" => "UserJoinedPayload",
    UserLeft = "userLeft" => "UserLeftPayload",
    ParticipantsChanged = "participantsChanged" => "ParticipantsChangedPayload",
    TaskUpdated = "taskUpdated" => "TaskPayload",
    TaskCreated = "taskCreated" => "TaskPayload",
    TaskDeleted = "taskDeleted" => "TaskDeletedPayload",
    TaskReordered = "taskReordered" => "TaskReorderedPayload",
    ProgressUpdated = "progressUpdated" => "ProgressUpdatedPayload",
    Resync = "resync" => "ResyncPayload",
    PresenceChanged = "presenceChanged" => "PresenceChangedPayload",
    Message = "message" => "MessagePayload",
    PlanChanged = "planChanged" => "PlanChangedPayload",
}

/// The event's JS payload: serialised with serde-wasm-bindgen, but for the task events, whose
/// payload is built by hand (`frames::task_payload`: the same object, faster).
pub fn to_js(event: &Event<Js>) -> JsValue {
    match event {
        Event::TaskUpdated(payload) | Event::TaskCreated(payload) => super::frames::task_payload(payload),
        _ => super::frames::to_js(event).unwrap_or(JsValue::UNDEFINED),
    }
}
