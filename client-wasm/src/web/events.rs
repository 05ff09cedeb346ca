//! Events as the application receives them: the name passed to `on()`, and the payload object,
//! serialised with serde-wasm-bindgen from the structs below — whose TypeScript declarations
//! (tsify) and the `PlanEvents` map built by [`events!`] are the package's event types.

use super::frames::Js;
use crate::core::event::Meta;
use crate::core::{ConnectionState, Event};
use planwire_protocol::{Participant, PresenceEntry, Progress, UserId};
use serde::Serialize;
use tsify::Tsify;
use wasm_bindgen::prelude::*;

#[wasm_bindgen(typescript_custom_section)]
const TASK: &'static str = r#"
/** A task as the server sends it: seed 000 shows id, title and status; other fields pass through. */
export interface Task { id: number | string; title: string; status: string; [field: string]: unknown }
/** A presence state or typing mark (extension): a small JSON object, e.g. `{ taskId: '3', activity: 'editing' }`. */
export type PresenceState = { [key: string]: unknown };
"#;

/// Declares the event kinds, their names and payload types, and the `PlanEvents` TS map.
macro_rules! events {
    ($($variant:ident = $name:literal => $payload:ident,)*) => {
        /// The name of an event, as passed to `on()`.
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub enum EventKind { $(#[doc = $name] $variant,)* }

        impl EventKind {
            /// How many kinds there are.
            pub const COUNT: usize = [$($name,)*].len();

            /// The kind named `name`.
            pub fn from_name(name: &str) -> Option<EventKind> {
                match name { $($name => Some(EventKind::$variant),)* _ => None }
            }

            /// Its name, as passed to `on()`.
            pub fn name(self) -> &'static str {
                match self { $(EventKind::$variant => $name,)* }
            }
        }

        #[wasm_bindgen(typescript_custom_section)]
        const PLAN_EVENTS: &'static str = concat!(
            "\n/** Every event `PlanClient.on()` accepts, and its payload. */\nexport interface PlanEvents {\n",
            $("  ", $name, ": ", stringify!($payload), ";\n",)*
            "}\n"
        );
    };
}

events! {
    StateChanged = "stateChanged" => StateChangedPayload,
    Open = "open" => OpenPayload,
    Close = "close" => ClosePayload,
    Reconnecting = "reconnecting" => ReconnectingPayload,
    Reconnected = "reconnected" => ReconnectedPayload,
    Failed = "failed" => FailedPayload,
    Error = "error" => ErrorPayload,
    Joined = "joined" => JoinedPayload,
    UserJoined = "userJoined" => UserJoinedPayload,
    UserLeft = "userLeft" => UserLeftPayload,
    ParticipantsChanged = "participantsChanged" => ParticipantsChangedPayload,
    TaskUpdated = "taskUpdated" => TaskPayload,
    TaskCreated = "taskCreated" => TaskPayload,
    TaskDeleted = "taskDeleted" => TaskDeletedPayload,
    TaskReordered = "taskReordered" => TaskReorderedPayload,
    ProgressUpdated = "progressUpdated" => ProgressUpdatedPayload,
    Resync = "resync" => ResyncPayload,
    PresenceChanged = "presenceChanged" => PresenceChangedPayload,
    Message = "message" => MessagePayload,
}

/// `stateChanged`.
#[derive(Serialize, Tsify)]
pub struct StateChangedPayload {
    /// The new state.
    state: ConnectionState,
}

/// `open`: the server confirmed the connection.
#[derive(Serialize, Tsify)]
#[serde(rename_all = "camelCase")]
pub struct OpenPayload {
    /// The authenticated user.
    user_id: UserId,
    /// **Extension.** The server's id for this connection.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[tsify(optional)]
    connection_id: Option<String>,
    /// Whether an earlier connection of this session was lost.
    reconnected: bool,
}

/// `close`: a socket closed (4000: closed by the client itself).
#[derive(Serialize, Tsify)]
#[serde(rename_all = "camelCase")]
pub struct ClosePayload {
    /// Close code.
    code: u16,
    /// Close reason.
    reason: String,
    /// Whether the client will try again by itself.
    will_reconnect: bool,
}

/// `reconnecting`: an attempt is scheduled.
#[derive(Serialize, Tsify)]
#[serde(rename_all = "camelCase")]
pub struct ReconnectingPayload {
    /// 1-based attempt number.
    attempt: u32,
    /// Delay before the attempt.
    #[tsify(type = "number")]
    delay_ms: u64,
}

/// `reconnected`: a connection was re-established after a loss.
#[derive(Serialize, Tsify)]
pub struct ReconnectedPayload {}

/// `failed`: the client gave up until `connect()` / `reconnect()`.
#[derive(Serialize, Tsify)]
pub struct FailedPayload {
    /// `unauthorized`, `max-attempts` or `token-error: …`.
    reason: String,
}

/// `error`: a server `error`, or a frame the client cannot read (`INVALID_FRAME`).
#[derive(Serialize, Tsify)]
#[serde(rename_all = "camelCase")]
pub struct ErrorPayload {
    /// Error code.
    code: String,
    /// Explanation.
    message: String,
    /// The room concerned, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[tsify(optional)]
    plan_id: Option<String>,
}

/// `joined`: our join was confirmed (again after each reconnect).
#[derive(Serialize, Tsify)]
#[serde(rename_all = "camelCase")]
pub struct JoinedPayload {
    /// The room.
    plan_id: String,
    /// Who is in it.
    participants: Vec<Participant>,
    /// How many distinct users.
    participant_count: u32,
    /// **Extension.** Whether missed messages were replayed.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[tsify(optional)]
    recovered: Option<bool>,
}

/// `userJoined`: another user joined a room.
#[derive(Serialize, Tsify)]
#[serde(rename_all = "camelCase")]
pub struct UserJoinedPayload {
    /// The room.
    plan_id: String,
    /// Who.
    user_id: UserId,
    /// Their name.
    user_name: String,
    /// Distinct users now.
    participant_count: u32,
}

/// `userLeft`: a user left a room.
#[derive(Serialize, Tsify)]
#[serde(rename_all = "camelCase")]
pub struct UserLeftPayload {
    /// The room.
    plan_id: String,
    /// Who.
    user_id: UserId,
    /// Their name, if the server sent it.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[tsify(optional)]
    user_name: Option<String>,
    /// Distinct users now.
    participant_count: u32,
}

/// `participantsChanged`: a room's participants changed (emptied while disconnected).
#[derive(Serialize, Tsify)]
#[serde(rename_all = "camelCase")]
pub struct ParticipantsChangedPayload {
    /// The room.
    plan_id: String,
    /// Who is in it now.
    participants: Vec<Participant>,
    /// How many distinct users.
    participant_count: u32,
}

/// Declares a broadcast payload: the room, the broadcast's own field, and the frame's timestamp and
/// seq. (Fields, not a flattened struct: serde's flatten goes through a map serializer, which cost
/// 1.2 µs per message on the dispatch bench.)
macro_rules! broadcast_payload {
    ($(#[$doc:meta])* $name:ident { $(#[$fdoc:meta])* $field:ident: $ty:ty }) => {
        $(#[$doc])*
        #[derive(Serialize, Tsify)]
        #[serde(rename_all = "camelCase")]
        pub struct $name {
            /// The room.
            plan_id: String,
            $(#[$fdoc])*
            $field: $ty,
            /// The server's ISO 8601 timestamp, if sent (the frame's own string, not a copy).
            #[serde(skip_serializing_if = "Option::is_none")]
            #[tsify(optional, type = "string")]
            timestamp: Option<Js>,
            /// **Extension.** The room's sequence number, if sent.
            #[serde(skip_serializing_if = "Option::is_none")]
            #[tsify(optional, type = "number")]
            seq: Option<u64>,
        }

        impl $name {
            fn payload(Meta { plan_id, timestamp, seq }: Meta<Js>, $field: $ty) -> JsValue {
                js($name { plan_id, $field, timestamp, seq })
            }
        }
    };
}

broadcast_payload! {
    /// `taskUpdated` and `taskCreated`: the task exactly as the server sent it.
    TaskPayload {
        /// The task (the `JsValue` of the parsed frame, not a copy).
        #[tsify(type = "Task")]
        task: Js
    }
}

broadcast_payload! {
    /// `taskDeleted`.
    TaskDeletedPayload {
        /// The deleted task's id, as the server sent it.
        #[tsify(type = "number | string")]
        task_id: UserId
    }
}

broadcast_payload! {
    /// `taskReordered`.
    TaskReorderedPayload {
        /// Task ids in the new order, as the server sent them.
        #[tsify(type = "(number | string)[]")]
        task_ids: Vec<UserId>
    }
}

broadcast_payload! {
    /// `progressUpdated`.
    ProgressUpdatedPayload {
        /// The plan's progress.
        progress: Progress
    }
}

/// `resync`: messages were missed and cannot be replayed: reload the room over REST.
#[derive(Serialize, Tsify)]
#[serde(rename_all = "camelCase")]
pub struct ResyncPayload {
    /// The room.
    plan_id: String,
    /// Why.
    #[tsify(type = "'gap' | 'not-recovered'")]
    reason: &'static str,
}

/// `message`: a message type this client does not know, passed on.
#[derive(Serialize, Tsify)]
#[serde(rename_all = "camelCase")]
pub struct MessagePayload {
    /// Its `type`.
    #[serde(rename = "type")]
    kind: String,
    /// Its `planId`, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[tsify(optional)]
    plan_id: Option<String>,
    /// Its `data`, untouched, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[tsify(optional, type = "unknown")]
    data: Option<Js>,
}

/// `presenceChanged` (extension): the other users' presence in a room changed (emptied while
/// disconnected).
#[derive(Serialize, Tsify)]
#[serde(rename_all = "camelCase")]
pub struct PresenceChangedPayload {
    /// The room.
    plan_id: String,
    /// Everyone else's presence now: state and typing mark per user.
    #[tsify(type = "PresenceEntry<PresenceState>[]")]
    presence: Vec<PresenceEntry<Js>>,
}

/// The kind of `event`, without building its payload (for events nobody listens to).
pub fn kind(event: &Event<Js>) -> EventKind {
    use EventKind as K;
    match event {
        Event::StateChanged(_) => K::StateChanged,
        Event::Open { .. } => K::Open,
        Event::Close { .. } => K::Close,
        Event::Reconnecting { .. } => K::Reconnecting,
        Event::Reconnected => K::Reconnected,
        Event::Failed { .. } => K::Failed,
        Event::Error { .. } => K::Error,
        Event::Joined { .. } => K::Joined,
        Event::UserJoined { .. } => K::UserJoined,
        Event::UserLeft { .. } => K::UserLeft,
        Event::ParticipantsChanged { .. } => K::ParticipantsChanged,
        Event::TaskUpdated { .. } => K::TaskUpdated,
        Event::TaskCreated { .. } => K::TaskCreated,
        Event::TaskDeleted { .. } => K::TaskDeleted,
        Event::TaskReordered { .. } => K::TaskReordered,
        Event::ProgressUpdated { .. } => K::ProgressUpdated,
        Event::Resync { .. } => K::Resync,
        Event::PresenceChanged { .. } => K::PresenceChanged,
        Event::Message { .. } => K::Message,
    }
}

fn js<T: Serialize>(payload: T) -> JsValue {
    super::frames::to_js(&payload).unwrap_or(JsValue::UNDEFINED)
}

/// The event's JS payload.
pub fn to_js(event: Event<Js>) -> JsValue {
    match event {
        Event::StateChanged(state) => js(StateChangedPayload { state }),
        Event::Open { user_id, connection_id, reconnected } => {
            js(OpenPayload { user_id, connection_id, reconnected })
        }
        Event::Close { code, reason, will_reconnect } => js(ClosePayload { code, reason, will_reconnect }),
        Event::Reconnecting { attempt, delay_ms } => js(ReconnectingPayload { attempt, delay_ms }),
        Event::Reconnected => js(ReconnectedPayload {}),
        Event::Failed { reason } => js(FailedPayload { reason }),
        Event::Error { code, message, plan_id } => js(ErrorPayload { code, message, plan_id }),
        Event::Joined { plan_id, participants, participant_count, recovered } => {
            js(JoinedPayload { plan_id, participants, participant_count, recovered })
        }
        Event::UserJoined { plan_id, user_id, user_name, participant_count } => {
            js(UserJoinedPayload { plan_id, user_id, user_name, participant_count })
        }
        Event::UserLeft { plan_id, user_id, user_name, participant_count } => {
            js(UserLeftPayload { plan_id, user_id, user_name, participant_count })
        }
        Event::ParticipantsChanged { plan_id, participants, participant_count } => {
            js(ParticipantsChangedPayload { plan_id, participants, participant_count })
        }
        Event::TaskUpdated { meta, task } | Event::TaskCreated { meta, task } => TaskPayload::payload(meta, task),
        Event::TaskDeleted { meta, task_id } => TaskDeletedPayload::payload(meta, task_id),
        Event::TaskReordered { meta, task_ids } => TaskReorderedPayload::payload(meta, task_ids),
        Event::ProgressUpdated { meta, progress } => ProgressUpdatedPayload::payload(meta, progress),
        Event::Resync { plan_id, reason } => js(ResyncPayload { plan_id, reason }),
        Event::PresenceChanged { plan_id, presence } => js(PresenceChangedPayload { plan_id, presence }),
        Event::Message { kind, plan_id, data } => {
            js(MessagePayload { kind, plan_id, data })
        }
    }
}
