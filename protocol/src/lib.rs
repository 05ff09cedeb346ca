//! The planwire wire protocol, defined once for the server and the client.
//!
//! Every shape of seed 000 (the Plan WebSocket Service) is here exactly as written.
//! What planwire adds is an optional field or a new message type, marked **extension**
//! in the doc comment, so a peer that knows only seed 000 still interoperates.
//! `docs/protocol.md` documents every message with a JSON example.
#![no_std]
#![forbid(unsafe_code)]

extern crate alloc;

use alloc::borrow::Cow;
use alloc::string::String;
use alloc::vec::Vec;
use serde::{Deserialize, Serialize};

mod codes;
pub use codes::{CloseCode, ErrorCode, FailureCode, ResyncReason};

/// The `type` strings of every message.
pub mod kind {
    /// Client: join a plan room. Server: join confirmation or another user's join.
    pub const JOIN_PLAN: &str = "join-plan";
    /// Client: leave a plan room. Server: another user left.
    pub const LEAVE_PLAN: &str = "leave-plan";
    /// Client keep-alive.
    pub const PING: &str = "ping";
    /// Server: connection confirmation, and the answer to `ping`.
    pub const PONG: &str = "pong";
    /// **Extension.** Client: authenticate with the first frame instead of the URL.
    pub const AUTH: &str = "auth";
    /// Server broadcast: a task changed.
    pub const TASK_UPDATED: &str = "task-updated";
    /// Server broadcast: a task was added.
    pub const TASK_CREATED: &str = "task-created";
    /// Server broadcast: a task was removed.
    pub const TASK_DELETED: &str = "task-deleted";
    /// Server broadcast: the plan's tasks were reordered.
    pub const TASK_REORDERED: &str = "task-reordered";
    /// Server broadcast: the plan's progress changed.
    pub const PROGRESS_UPDATED: &str = "progress-updated";
    /// **Extension.** Server: a request failed (`code`, `message`).
    pub const ERROR: &str = "error";
    /// **Extension.** Client: set, patch or clear this connection's presence state, or its typing
    /// mark, in a room it joined ([`PresenceUpdate`]).
    pub const PRESENCE_UPDATE: &str = "presence-update";
    /// **Extension.** Server: a user's merged presence in a room changed ([`PresenceEntry`]); no `seq`.
    pub const PRESENCE: &str = "presence";
}

/// **Extension** (presence): the largest presence state, and the largest typing mark, as compact
/// JSON (`{"taskId":"3"}` is 14 bytes).
pub const PRESENCE_MAX_BYTES: usize = 1024;

// Serialised untagged (also what tsify declares: `number | string`); deserialised by the small
// visitor below, which accepts exactly what `#[serde(untagged)]` did (an integer that fits `i64`,
// or a string; anything else is refused with serde's invalid-type error) without buffering the
// value in serde's `Content` first (smaller wasm: docs/performance.md). A `//` comment: the `///`
// text is the public TypeScript declaration's.
/// A user id: the Plan WebSocket Service protocol shows numbers, and JWTs may carry strings; both
/// round-trip unchanged.
#[cfg_attr(feature = "tsify", derive(tsify::Tsify))]
#[derive(Serialize, Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[serde(untagged)]
pub enum UserId {
    /// A numeric id, as in seed 000.
    Num(i64),
    /// A string id.
    Str(String),
}

impl<'de> Deserialize<'de> for UserId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = UserId;
            fn expecting(&self, f: &mut core::fmt::Formatter) -> core::fmt::Result {
                f.write_str("a user id: an integer or a string")
            }
            fn visit_i64<E: serde::de::Error>(self, n: i64) -> Result<UserId, E> {
                Ok(UserId::Num(n))
            }
            fn visit_u64<E: serde::de::Error>(self, n: u64) -> Result<UserId, E> {
                i64::try_from(n).map(UserId::Num).map_err(|_| E::invalid_value(serde::de::Unexpected::Unsigned(n), &self))
            }
            fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<UserId, E> {
                Ok(UserId::Str(s.into()))
            }
            fn visit_string<E: serde::de::Error>(self, s: String) -> Result<UserId, E> {
                Ok(UserId::Str(s))
            }
        }
        d.deserialize_any(Visitor)
    }
}

/// A participant of a plan room, as listed in the join confirmation.
#[cfg_attr(feature = "tsify", derive(tsify::Tsify))]
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Participant {
    /// The user's id.
    pub user_id: UserId,
    /// The user's display name.
    pub user_name: String,
}

// ---------------------------------------------------------------------------------------------
// Client → server
// ---------------------------------------------------------------------------------------------

/// A message from the client to the server.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
#[serde(tag = "type")]
pub enum ClientMessage {
    /// `{"type":"join-plan","planId":"123"}`
    #[serde(rename = "join-plan", rename_all = "camelCase")]
    JoinPlan {
        /// The plan room to join.
        plan_id: String,
        /// **Extension.** The last `seq` the client applied in this room; asks for a replay.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        last_seq: Option<u64>,
        /// **Extension.** The room history's `epoch` that `last_seq` belongs to (from the last join
        /// confirmation); a server replays only within the same epoch.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        epoch: Option<String>,
    },
    /// `{"type":"leave-plan","planId":"123"}`
    #[serde(rename = "leave-plan", rename_all = "camelCase")]
    LeavePlan {
        /// The plan room to leave.
        plan_id: String,
    },
    /// `{"type":"ping"}`
    #[serde(rename = "ping")]
    Ping,
    /// **Extension.** `{"type":"auth","token":"…"}` as the first frame, instead of `?token=`.
    #[serde(rename = "auth")]
    Auth {
        /// The JWT.
        token: String,
    },
}

// ---------------------------------------------------------------------------------------------
// Server → client
// ---------------------------------------------------------------------------------------------

/// The envelope of every server message: `{"type", "planId"?, "data"?, "timestamp"?, "seq"?}`.
///
/// `D` is the payload: a concrete struct when the server writes, or
/// `&serde_json::value::RawValue` when the client decodes the envelope first and the payload later.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Envelope<'a, D> {
    /// The message type, one of [`kind`].
    #[serde(rename = "type", borrow)]
    pub kind: Cow<'a, str>,
    /// The plan room the message belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none", borrow)]
    pub plan_id: Option<Cow<'a, str>>,
    /// The payload.
    #[serde(default = "none", skip_serializing_if = "Option::is_none")]
    pub data: Option<D>,
    /// ISO 8601 time of a broadcast.
    #[serde(default, skip_serializing_if = "Option::is_none", borrow)]
    pub timestamp: Option<Cow<'a, str>>,
    /// **Extension.** Per-room, strictly increasing sequence number of a room broadcast.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seq: Option<u64>,
}

fn none<T>() -> Option<T> {
    None
}

/// `pong` data: the connection confirmation (and, with `connected`, the answer to `ping`).
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Connected {
    /// The authenticated user.
    pub user_id: UserId,
    /// Always `true`.
    pub connected: bool,
    /// Server time, ISO 8601.
    pub timestamp: String,
    /// **Extension.** Identifies this connection (send it as `X-Connection-Id` on REST calls).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connection_id: Option<String>,
}

/// `join-plan` data sent to the joiner: the join confirmation.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct JoinConfirm {
    /// Always `true` (a refused join gets an `error` message instead).
    pub success: bool,
    /// Distinct users in the room.
    pub participant_count: u32,
    /// Distinct users in the room, one entry per user however many tabs they have open.
    pub participants: Vec<Participant>,
    /// **Extension.** Whether the events after the client's `lastSeq` were replayed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recovered: Option<bool>,
    /// **Extension.** The room's latest `seq` at the time of the join.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seq: Option<u64>,
    /// **Extension.** Identifies the room's history: a server that lost it (a restart without
    /// persistence) starts a new epoch, and `seq`s of another epoch mean nothing (Centrifugo's
    /// offset + epoch). A client whose `lastSeq` belongs to another epoch reloads the room.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub epoch: Option<String>,
}

/// `join-plan` data sent to the others: a user joined.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct UserJoined {
    /// Who joined.
    pub user_id: UserId,
    /// Their display name.
    pub user_name: String,
    /// Distinct users in the room now.
    pub participant_count: u32,
}

/// The two shapes of a server `join-plan` message; the confirmation carries `success`.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
#[serde(untagged)]
pub enum JoinPlanData {
    /// To the joiner.
    Confirm(JoinConfirm),
    /// To the others.
    UserJoined(UserJoined),
}

/// `leave-plan` data: a user left (their last connection in the room left).
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct UserLeft {
    /// Who left.
    pub user_id: UserId,
    /// Distinct users in the room now.
    pub participant_count: u32,
    /// **Extension.** Their display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_name: Option<String>,
}

/// `task-updated` / `task-created` data. `T` is [`Task`] on the server and raw JSON on the client.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct TaskPayload<T> {
    /// The task as it is now.
    pub task: T,
}

/// `task-deleted` data.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct TaskDeleted {
    /// The deleted task's id, as a string (seed 000).
    pub task_id: String,
}

/// `task-reordered` data.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct TaskReordered {
    /// Every task id of the plan, as strings, in the new order (seed 000).
    pub task_ids: Vec<String>,
}

/// A plan's progress.
#[cfg_attr(feature = "tsify", derive(tsify::Tsify))]
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Progress {
    /// Number of tasks.
    pub total_tasks: u32,
    /// Number of tasks whose status is `completed`.
    pub completed_tasks: u32,
    /// `completed * 100 / total`, rounded down; 0 for an empty plan.
    pub completion_percentage: u32,
}

impl Progress {
    /// Computes progress from counts.
    pub fn from_counts(total_tasks: u32, completed_tasks: u32) -> Self {
        let completion_percentage = if total_tasks == 0 {
            0
        } else {
            (u64::from(completed_tasks) * 100 / u64::from(total_tasks)) as u32
        };
        Progress { total_tasks, completed_tasks, completion_percentage }
    }
}

/// `progress-updated` data.
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProgressPayload {
    /// The plan's progress now.
    pub progress: Progress,
}

/// **Extension.** `error` data.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct ErrorData<'a> {
    /// An [`ErrorCode`]'s wire text as the server writes it; a string, so that clients accept codes
    /// they do not know.
    #[serde(borrow)]
    pub code: Cow<'a, str>,
    /// Human-readable explanation.
    #[serde(borrow)]
    pub message: Cow<'a, str>,
    /// The plan the failed request named, if any.
    #[serde(default, skip_serializing_if = "Option::is_none", borrow)]
    pub plan_id: Option<Cow<'a, str>>,
    /// For `RATE_LIMITED`: milliseconds until messages are accepted again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after_ms: Option<u64>,
}

// ---------------------------------------------------------------------------------------------
// Presence (extension): who is viewing or editing which task, and who is typing
// ---------------------------------------------------------------------------------------------

/// **Extension.** The client message `{"type":"presence-update","planId":"123","data":{…}}`,
/// generic over the JSON object type `S` (e.g. `serde_json::Map`, or a `JsValue` in the browser).
///
/// It is not a [`ClientMessage`] variant, so code matching on seed 000's messages is unaffected.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
#[serde(tag = "type", bound(serialize = "S: Serialize", deserialize = "S: Deserialize<'de>"))]
pub enum PresenceMessage<S> {
    /// `{"type":"presence-update","planId":"123","data":{"state":{"taskId":"3"}}}`
    #[serde(rename = "presence-update", rename_all = "camelCase")]
    Update {
        /// A room this connection joined.
        plan_id: String,
        /// What changes.
        data: PresenceUpdate<S>,
    },
}

/// **Extension.** `presence-update` data: at least one of `state` and `typing`.
///
/// - `state: {…}` patches this connection's state: each key is set, a key whose value is `null` is
///   removed (top level only); with `replace: true` the object replaces the state instead.
///   `state: null` clears it. An empty state is no state.
/// - `typing: {…}` marks the user typing (e.g. `{"taskId":"3"}`) until `null` is sent or the mark
///   expires (the server's typing TTL, 5 s by default, counted from the last `typing` object sent).
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
#[serde(rename_all = "camelCase", bound(serialize = "S: Serialize", deserialize = "S: Deserialize<'de>"))]
pub struct PresenceUpdate<S> {
    /// Absent: unchanged. `Some(None)` (`null`): clear. `Some(Some(object))`: patch or replace.
    #[serde(default, skip_serializing_if = "Option::is_none", with = "nullable")]
    pub state: Option<Option<S>>,
    /// With `state`: replace the whole state instead of patching it.
    #[serde(default, skip_serializing_if = "is_false")]
    pub replace: bool,
    /// Absent: unchanged. `Some(None)` (`null`): stopped typing. `Some(Some(object))`: typing (refresh).
    #[serde(default, skip_serializing_if = "Option::is_none", with = "nullable")]
    pub typing: Option<Option<S>>,
}

impl<S> Default for PresenceUpdate<S> {
    fn default() -> Self {
        PresenceUpdate { state: None, replace: false, typing: None }
    }
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// A field that may be absent (`None`), `null` (`Some(None)`) or a value (`Some(Some(v))`).
mod nullable {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub fn serialize<T: Serialize, S: Serializer>(v: &Option<Option<T>>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(inner) => inner.serialize(s),
            // Skipped by `skip_serializing_if`; written as `null` if ever reached.
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, T: Deserialize<'de>, D: Deserializer<'de>>(d: D) -> Result<Option<Option<T>>, D::Error> {
        Option::<T>::deserialize(d).map(Some)
    }
}

/// **Extension.** One user's merged presence in a room: the `data` of a `presence` message, and an
/// entry of the join confirmation's `presence` list. `S` is the JSON object type.
///
/// `state` and `typing` are always written, `null` when the user has none; a `presence` message
/// with both `null` means the user's presence was cleared.
#[cfg_attr(feature = "tsify", derive(tsify::Tsify))]
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct PresenceEntry<S> {
    /// The user.
    pub user_id: UserId,
    /// Their display name.
    pub user_name: String,
    /// Their state (that of their most recently updated connection in the room), or `null`.
    #[serde(default = "none")]
    #[cfg_attr(feature = "tsify", tsify(type = "S | null"))]
    pub state: Option<S>,
    /// What they are typing in (their most recent unexpired typing mark), or `null`.
    #[serde(default = "none")]
    #[cfg_attr(feature = "tsify", tsify(type = "S | null"))]
    pub typing: Option<S>,
}

/// **Extension.** The `presence` field of the `join-plan` confirmation data, read from the same
/// object as [`JoinConfirm`]: every user of the room with a state or a typing mark, in order of
/// arrival. Absent when nobody has any, which means the same as an empty list.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
#[serde(rename_all = "camelCase", bound(serialize = "S: Serialize", deserialize = "S: Deserialize<'de>"))]
pub struct JoinPresence<S> {
    /// Users with presence.
    #[serde(default = "Vec::new", skip_serializing_if = "Vec::is_empty")]
    pub presence: Vec<PresenceEntry<S>>,
}

// ---------------------------------------------------------------------------------------------
// Plans and tasks (REST bodies and broadcast payloads)
// ---------------------------------------------------------------------------------------------

/// A task's status.
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum TaskStatus {
    /// Not started.
    NotStarted,
    /// Being worked on.
    InProgress,
    /// Done.
    Completed,
}

/// A task of a plan, as the mock server stores and broadcasts it.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Task {
    /// Numeric id, unique across plans.
    pub id: u64,
    /// The plan holding the task.
    pub plan_id: String,
    /// Title.
    pub title: String,
    /// Status.
    pub status: TaskStatus,
    /// Zero-based position in the plan.
    pub position: u32,
    /// ISO 8601 creation time.
    pub created_at: String,
    /// ISO 8601 time of the last change.
    pub updated_at: String,
}

/// `GET /api/plans/:planId` response.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Plan {
    /// Plan id.
    pub id: String,
    /// Title.
    pub title: String,
    /// Member user ids.
    pub members: Vec<UserId>,
    /// Tasks in order.
    pub tasks: Vec<Task>,
    /// Progress.
    pub progress: Progress,
    /// **Extension.** The room's latest `seq`: events after it are not reflected here.
    pub seq: u64,
    /// **Extension.** The epoch `seq` belongs to (empty from a server without epochs).
    #[serde(default)]
    pub epoch: String,
}

/// `POST /api/plans/:planId/tasks` body.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreateTask {
    /// Title (1 to 500 characters).
    pub title: String,
    /// Initial status; `not_started` when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<TaskStatus>,
}

/// `PATCH /api/tasks/:taskId` body: the fields to change.
#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq, Eq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UpdateTask {
    /// New title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// New status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<TaskStatus>,
}

/// `POST /api/plans/:planId/tasks/reorder` body.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ReorderTasks {
    /// Every task id of the plan exactly once, in the new order: numbers (as `Task.id`), strings
    /// (as in `task-reordered`), or a mix.
    pub task_ids: Vec<TaskRef>,
}

/// A task id in a request body: a non-negative integer, as a task's `id` is written, or a string,
/// as `task-deleted` / `task-reordered` write it. Anything else (a fraction, a negative number,
/// another type) is refused.
#[derive(Serialize, Debug, Clone, PartialEq, Eq)]
#[serde(untagged)]
pub enum TaskRef {
    /// `3`
    Num(u64),
    /// `"3"`
    Str(String),
}

impl TaskRef {
    /// The id as broadcasts write it (`"3"`).
    pub fn to_wire(&self) -> String {
        match self {
            TaskRef::Num(n) => alloc::format!("{n}"),
            TaskRef::Str(s) => s.clone(),
        }
    }
}

impl<'de> Deserialize<'de> for TaskRef {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = TaskRef;
            fn expecting(&self, f: &mut core::fmt::Formatter) -> core::fmt::Result {
                f.write_str("a task id: a non-negative integer or a string")
            }
            fn visit_u64<E: serde::de::Error>(self, n: u64) -> Result<TaskRef, E> {
                Ok(TaskRef::Num(n))
            }
            fn visit_i64<E: serde::de::Error>(self, n: i64) -> Result<TaskRef, E> {
                u64::try_from(n).map(TaskRef::Num).map_err(|_| E::invalid_value(serde::de::Unexpected::Signed(n), &self))
            }
            fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<TaskRef, E> {
                Ok(TaskRef::Str(s.into()))
            }
            fn visit_string<E: serde::de::Error>(self, s: String) -> Result<TaskRef, E> {
                Ok(TaskRef::Str(s))
            }
        }
        d.deserialize_any(Visitor)
    }
}

/// JSON body of every REST error response.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct RestError {
    /// An [`ErrorCode`]'s wire text; a string, so that clients accept codes they do not know.
    pub code: String,
    /// Human-readable explanation.
    pub message: String,
}

#[cfg(test)]
mod tests;
