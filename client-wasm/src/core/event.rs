//! Events the client emits, each carrying its payload: the struct the application receives,
//! defined once here (serde for its JS object, tsify for its TypeScript declaration; the browser
//! layer only names the events, `web/events.rs`). `P` is the glue's JSON value (a `JsValue` in the
//! browser): tasks, timestamps and unknown payloads reach the application as the server sent them.

use super::decode::TaskId;
use super::state::ConnectionState;
use planwire_protocol::{FailureCode, Participant, PresenceEntry, Progress, ResyncReason, UserId};
use serde::Serialize;

/// An event for the application; it serialises as its payload.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Event<P> {
    /// `stateChanged`.
    StateChanged(StateChangedPayload),
    /// `open`.
    Open(OpenPayload),
    /// `close`.
    Close(ClosePayload),
    /// `reconnecting`.
    Reconnecting(ReconnectingPayload),
    /// `reconnected`.
    Reconnected(ReconnectedPayload),
    /// `failed`.
    Failed(FailedPayload),
    /// `error`.
    Error(ErrorPayload),
    /// `joined`.
    Joined(JoinedPayload),
    /// `userJoined`.
    UserJoined(UserJoinedPayload),
    /// `userLeft`.
    UserLeft(UserLeftPayload),
    /// `participantsChanged`.
    ParticipantsChanged(ParticipantsChangedPayload),
    /// `taskUpdated`.
    TaskUpdated(TaskPayload<P>),
    /// `taskCreated`.
    TaskCreated(TaskPayload<P>),
    /// `taskDeleted`.
    TaskDeleted(TaskDeletedPayload<P>),
    /// `taskReordered`.
    TaskReordered(TaskReorderedPayload<P>),
    /// `progressUpdated`.
    ProgressUpdated(ProgressUpdatedPayload<P>),
    /// `resync`.
    Resync(ResyncPayload),
    /// `presenceChanged` (**extension**).
    PresenceChanged(PresenceChangedPayload<P>),
    /// `message`.
    Message(MessagePayload<P>),
    /// `planChanged` (**extension**: synchronized plans).
    PlanChanged(PlanChangedPayload),
}

/// `stateChanged`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
pub struct StateChangedPayload {
    /// The new state.
    pub state: ConnectionState,
}

/// `open`: the server confirmed the connection.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
#[serde(rename_all = "camelCase")]
pub struct OpenPayload {
    /// The authenticated user.
    pub user_id: UserId,
    /// **Extension.** The server's id for this connection.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(target_arch = "wasm32", tsify(optional))]
    pub connection_id: Option<String>,
    /// Whether an earlier connection of this session was lost.
    pub reconnected: bool,
}

/// `close`: a socket closed (4000, `CloseCode.Local`: closed by the client itself).
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
#[serde(rename_all = "camelCase")]
pub struct ClosePayload {
    /// Close code (see `CloseCode`).
    pub code: u16,
    /// Close reason.
    pub reason: String,
    /// Whether the client will try again by itself.
    pub will_reconnect: bool,
}

/// `reconnecting`: an attempt is scheduled.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
#[serde(rename_all = "camelCase")]
pub struct ReconnectingPayload {
    /// 1-based attempt number.
    pub attempt: u32,
    /// Delay before the attempt.
    #[cfg_attr(target_arch = "wasm32", tsify(type = "number"))]
    pub delay_ms: u64,
}

/// `reconnected`: a connection was re-established after a loss.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
pub struct ReconnectedPayload {}

/// `failed`: the client gave up until `connect()` / `reconnect()`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
#[serde(rename_all = "camelCase")]
pub struct FailedPayload {
    /// Why, as a code: `unauthorized`, `max-attempts` or `token-error`.
    pub code: FailureCode,
    /// Why, as text: the code, and for `token-error` what `getToken` said (`token-error: …`).
    pub reason: String,
    /// For `unauthorized`: the reason the server gave when it closed (e.g. `invalid token`,
    /// `token expired`).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(target_arch = "wasm32", tsify(optional))]
    pub close_reason: Option<String>,
    /// Whether the client comes back by itself (every reason but `unauthorized`): when the browser
    /// is online again, the tab is shown or focused, and every `reviveIntervalMs`.
    pub will_reconnect: bool,
}

/// `error`: a server `error`, or a frame the client cannot read (`INVALID_FRAME`).
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
#[serde(rename_all = "camelCase")]
pub struct ErrorPayload {
    /// Error code: one of `ErrorCode`, or a code of a newer server.
    #[cfg_attr(target_arch = "wasm32", tsify(type = "ErrorCode | (string & {})"))]
    pub code: String,
    /// Explanation.
    pub message: String,
    /// The room concerned, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(target_arch = "wasm32", tsify(optional))]
    pub plan_id: Option<String>,
}

/// `joined`: our join was confirmed (again after each reconnect).
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
#[serde(rename_all = "camelCase")]
pub struct JoinedPayload {
    /// The room.
    pub plan_id: String,
    /// Who is in it.
    pub participants: Vec<Participant>,
    /// How many distinct users.
    pub participant_count: u32,
    /// **Extension.** Whether missed messages were replayed.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(target_arch = "wasm32", tsify(optional))]
    pub recovered: Option<bool>,
}

/// `userJoined`: another user joined a room.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
#[serde(rename_all = "camelCase")]
pub struct UserJoinedPayload {
    /// The room.
    pub plan_id: String,
    /// Who.
    pub user_id: UserId,
    /// Their name.
    pub user_name: String,
    /// Distinct users now.
    pub participant_count: u32,
}

/// `userLeft`: a user left a room.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
#[serde(rename_all = "camelCase")]
pub struct UserLeftPayload {
    /// The room.
    pub plan_id: String,
    /// Who.
    pub user_id: UserId,
    /// Their name, if the server sent it.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(target_arch = "wasm32", tsify(optional))]
    pub user_name: Option<String>,
    /// Distinct users now.
    pub participant_count: u32,
}

/// `participantsChanged`: a room's participants changed (emptied while disconnected).
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
#[serde(rename_all = "camelCase")]
pub struct ParticipantsChangedPayload {
    /// The room.
    pub plan_id: String,
    /// Who is in it now.
    pub participants: Vec<Participant>,
    /// How many distinct users.
    pub participant_count: u32,
}

/// Declares a broadcast payload: the room, the broadcast's own field, and the frame's timestamp and
/// seq. (`type_params = ""` on a field typed by hand keeps the glue's `P` out of the TypeScript.) (Fields, not a flattened struct: serde's flatten goes through a map serializer, which cost
/// 1.2 µs per message on the dispatch bench.)
macro_rules! broadcast_payload {
    ($(#[$doc:meta])* $name:ident { $(#[$fdoc:meta])* $field:ident: $ty:ty }) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Serialize)]
        #[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
        #[serde(rename_all = "camelCase")]
        pub struct $name<P> {
            /// The room.
            pub plan_id: String,
            $(#[$fdoc])*
            pub $field: $ty,
            /// The server's ISO 8601 timestamp, if sent (the frame's own string, not a copy).
            #[serde(skip_serializing_if = "Option::is_none")]
            #[cfg_attr(target_arch = "wasm32", tsify(optional, type = "string", type_params = ""))]
            pub timestamp: Option<P>,
            /// **Extension.** The room's sequence number, if sent.
            #[serde(skip_serializing_if = "Option::is_none")]
            #[cfg_attr(target_arch = "wasm32", tsify(optional, type = "number"))]
            pub seq: Option<u64>,
        }
    };
}

// In the browser this payload's JS object is built by hand (`web/frames.rs`, `task_payload`, for
// speed): a member added here must be added there too.
broadcast_payload! {
    /// `taskUpdated` and `taskCreated`: the task exactly as the server sent it.
    TaskPayload {
        /// The task (the `JsValue` of the parsed frame, not a copy).
        #[cfg_attr(target_arch = "wasm32", tsify(type = "Task", type_params = ""))]
        task: P
    }
}

broadcast_payload! {
    /// `taskDeleted`.
    TaskDeletedPayload {
        /// The deleted task's id, as the server sent it.
        #[cfg_attr(target_arch = "wasm32", tsify(type = "number | string"))]
        task_id: TaskId
    }
}

broadcast_payload! {
    /// `taskReordered`.
    TaskReorderedPayload {
        /// Task ids in the new order, as the server sent them.
        #[cfg_attr(target_arch = "wasm32", tsify(type = "(number | string)[]"))]
        task_ids: Vec<TaskId>
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
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
#[serde(rename_all = "camelCase")]
pub struct ResyncPayload {
    /// The room.
    pub plan_id: String,
    /// Why.
    pub reason: ResyncReason,
}

/// `presenceChanged` (extension): the other users' presence in a room changed (emptied while
/// disconnected).
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
#[serde(rename_all = "camelCase")]
pub struct PresenceChangedPayload<P> {
    /// The room.
    pub plan_id: String,
    /// Everyone else's presence now: state and typing mark per user.
    #[cfg_attr(target_arch = "wasm32", tsify(type = "PresenceEntry<PresenceState>[]", type_params = ""))]
    pub presence: Vec<PresenceEntry<P>>,
}

/// `message`: a message type this client does not know, passed on.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
#[serde(rename_all = "camelCase")]
pub struct MessagePayload<P> {
    /// Its `type`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Its `planId`, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(target_arch = "wasm32", tsify(optional))]
    pub plan_id: Option<String>,
    /// Its `data`, untouched, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(target_arch = "wasm32", tsify(optional, type = "unknown", type_params = ""))]
    pub data: Option<P>,
}

/// `planChanged` (extension): a synchronized plan's tasks, progress, status or pending writes
/// changed; read them with `plan(planId)`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
#[serde(rename_all = "camelCase")]
pub struct PlanChangedPayload {
    /// The plan.
    pub plan_id: String,
}
