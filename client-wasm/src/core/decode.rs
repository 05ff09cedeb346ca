//! Decoding server frames. The glue parses the frame (the browser's `JSON.parse`, or serde_json
//! natively) and hands over its [`Header`] with `data` as a [`Value`] of its own kind; the payload
//! is then read by `type`, typed where the client needs its content (confirmations, joins, errors)
//! and passed through untouched where it only reaches the application (tasks, unknown types).
//! Bad frames become a [`DecodeError`], never a panic.

use planwire_protocol::{kind, JoinConfirm, PresenceEntry, Progress, UserId, UserJoined, UserLeft};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

/// The JSON type of a value, as far as the shape checks need it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// `null`.
    Null,
    /// `true` / `false`.
    Bool,
    /// A number.
    Number,
    /// A string.
    String,
    /// An array.
    Array,
    /// An object.
    Object,
}

/// A JSON value as the glue holds it (a `JsValue` in the browser, `serde_json::Value` natively);
/// it (de)serialises as itself inside protocol types.
pub trait Value: Clone + core::fmt::Debug + Serialize + DeserializeOwned {
    /// Reads this value as `T`; `None` when it does not fit.
    fn read<T: DeserializeOwned>(&self) -> Option<T>;
    /// The member `key` of an object (`None` for anything else, or when absent).
    fn member(&self, key: &str) -> Option<Self>;
    /// The JSON types of a task's members `id`, `title` and `status`, without reading them (`None`
    /// each: absent); `None` when this is not an object. One look (the browser's glue reads the three
    /// in one call into JS).
    fn task_kinds(&self) -> Option<[Option<Kind>; 3]>;
    /// Whether this is an object (not an array, not null).
    fn is_object(&self) -> bool;
    /// Whether this is `null`.
    fn is_null(&self) -> bool;
    /// Whether this is a string.
    fn is_string(&self) -> bool;
    /// The members of an object, in order (`None` for anything else).
    fn entries(&self) -> Option<Vec<(String, Self)>>;
    /// A new object with these members.
    fn object(entries: Vec<(String, Self)>) -> Self;
    /// A string.
    fn string(text: &str) -> Self;
    /// Whether both are the same JSON.
    fn same(&self, other: &Self) -> bool;
}

/// A frame's envelope: `{"type", "planId"?, "data"?, "timestamp"?, "seq"?}`, `data` left as is.
/// Natively it is read with serde (`null` members read as absent); the browser layer reads the parsed
/// frame member by member by the same rules (`web/frames.rs`).
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase", bound(deserialize = "P: DeserializeOwned"))]
pub struct Header<P> {
    /// The `type` string.
    #[serde(rename = "type")]
    pub kind: String,
    /// The room, when the message belongs to one.
    #[serde(default)]
    pub plan_id: Option<String>,
    /// The payload.
    #[serde(default = "none")]
    pub data: Option<P>,
    /// Broadcast time (an ISO 8601 string), passed on untouched.
    #[serde(default = "none")]
    pub timestamp: Option<P>,
    /// **Extension.** Per-room sequence number.
    #[serde(default)]
    pub seq: Option<u64>,
}

fn none<P>() -> Option<P> {
    None
}

/// A frame the client cannot read; reported with code `INVALID_FRAME`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DecodeError {
    /// What was wrong.
    pub message: &'static str,
}

/// A task id: seed 000 shows numbers in tasks and strings in `taskId`/`taskIds`; other servers
/// send either. Passed on as received.
pub type TaskId = UserId;

/// A decoded server frame.
#[derive(Clone, Debug)]
pub struct Frame<P> {
    /// The `type` string.
    pub kind: String,
    /// The room, when the message belongs to one.
    pub plan_id: Option<String>,
    /// Broadcast time, passed on untouched.
    pub timestamp: Option<P>,
    /// **Extension.** Per-room sequence number.
    pub seq: Option<u64>,
    /// The payload, decoded by `type`.
    pub body: Body<P>,
}

/// The payload of a frame, by `type`.
#[derive(Clone, Debug)]
pub enum Body<P> {
    /// `pong`: the connection confirmation (read from `data` while connecting) or a keep-alive
    /// answer.
    Pong(Option<P>),
    /// `join-plan` with `success`: our join was accepted, with the room's presence (extension).
    JoinConfirm(JoinConfirm, Vec<PresenceEntry<P>>),
    /// `join-plan` without `success`: another user joined.
    UserJoined(UserJoined),
    /// `leave-plan`: a user left.
    UserLeft(UserLeft),
    /// `task-updated`: the task, untouched.
    TaskUpdated(P),
    /// `task-created`: the task, untouched.
    TaskCreated(P),
    /// `task-deleted`.
    TaskDeleted(TaskId),
    /// `task-reordered`.
    TaskReordered(Vec<TaskId>),
    /// `progress-updated`.
    ProgressUpdated(Progress),
    /// **Extension.** `error`.
    Error(ServerError),
    /// **Extension.** `presence`: a user's merged presence in the room changed.
    Presence(PresenceEntry<P>),
    /// A type this client does not know, passed on untouched.
    Unknown(Option<P>),
}

/// The `data` of an `error` frame (**extension**).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ServerError {
    /// Error code (clients accept unknown codes).
    pub code: String,
    /// Human-readable explanation.
    pub message: String,
    /// The plan the failed request named, if any.
    #[serde(default)]
    pub plan_id: Option<String>,
}

fn bad(message: &'static str) -> DecodeError {
    DecodeError { message }
}

fn payload<P: Value, T: DeserializeOwned>(data: Option<&P>, message: &'static str) -> Result<T, DecodeError> {
    data.and_then(Value::read).ok_or(bad(message))
}

/// The member `key` of an object payload, read as `T` (a payload of one member: read without a
/// wrapper struct, whose serde code would be one more copy of the struct reading in the wasm).
fn member<P: Value, T: DeserializeOwned>(data: Option<&P>, key: &str, message: &'static str) -> Result<T, DecodeError> {
    payload(data.and_then(|d| d.member(key)).as_ref(), message)
}

/// Decodes one frame from its header.
pub fn decode<P: Value>(header: Header<P>) -> Result<Frame<P>, DecodeError> {
    let Header { kind, plan_id, data, timestamp, seq } = header;
    if timestamp.as_ref().is_some_and(|t| !t.is_string()) {
        return Err(bad(NOT_AN_ENVELOPE));
    }
    let room_message = matches!(
        kind.as_str(),
        kind::JOIN_PLAN
            | kind::LEAVE_PLAN
            | kind::TASK_UPDATED
            | kind::TASK_CREATED
            | kind::TASK_DELETED
            | kind::TASK_REORDERED
            | kind::PROGRESS_UPDATED
            | kind::PRESENCE
    );
    if room_message && plan_id.is_none() {
        return Err(bad("room message without planId"));
    }
    let data = data.as_ref();
    let body = match kind.as_str() {
        kind::PONG => Body::Pong(data.cloned()),
        kind::JOIN_PLAN => join_plan(data)?,
        kind::LEAVE_PLAN => Body::UserLeft(payload(data, "invalid leave-plan data")?),
        kind::TASK_UPDATED => Body::TaskUpdated(task(data, &TASK_UPDATED)?),
        kind::TASK_CREATED => Body::TaskCreated(task(data, &TASK_CREATED)?),
        kind::TASK_DELETED => Body::TaskDeleted(member(data, "taskId", "invalid task-deleted data: taskId must be a number or a string")?),
        kind::TASK_REORDERED => {
            Body::TaskReordered(member(data, "taskIds", "invalid task-reordered data: taskIds must be an array of task ids (numbers or strings)")?)
        }
        kind::PROGRESS_UPDATED => {
            Body::ProgressUpdated(member(data, "progress", "invalid progress-updated data: progress must hold totalTasks, completedTasks and completionPercentage as non-negative integers")?)
        }
        kind::ERROR => Body::Error(payload(data, "invalid error data")?),
        kind::PRESENCE => Body::Presence(payload(data, "invalid presence data")?),
        _ => Body::Unknown(data.cloned()),
    };
    Ok(Frame { kind, plan_id, timestamp, seq, body })
}

/// The two server `join-plan` shapes: the confirmation carries `success` (and `participants`),
/// another user's join carries `userId` and `userName`; neither parses as the other.
fn join_plan<P: Value>(data: Option<&P>) -> Result<Body<P>, DecodeError> {
    let data = data.ok_or(bad("join-plan without data"))?;
    if let Some(confirm) = data.read::<JoinConfirm>() {
        // `presence` (`JoinPresence`): absent means an empty list.
        let presence = match data.member("presence") {
            None => Vec::new(),
            Some(list) => list.read().ok_or(bad("invalid presence in the join confirmation"))?,
        };
        return Ok(Body::JoinConfirm(confirm, presence));
    }
    // A user join is a `leave-plan`'s data with the name required: read as one (one struct reading
    // less in the wasm), the name then checked.
    match data.read::<UserLeft>() {
        Some(UserLeft { user_id, participant_count, user_name: Some(user_name) }) => {
            Ok(Body::UserJoined(UserJoined { user_id, user_name, participant_count }))
        }
        _ => Err(bad("join-plan data is neither a join confirmation nor a user join")),
    }
}

/// What a task payload's problems are called, per message type (static texts: no formatting).
struct TaskErrors {
    not_a_task: &'static str,
    id: &'static str,
    title: &'static str,
    status: &'static str,
}

const TASK_UPDATED: TaskErrors = TaskErrors {
    not_a_task: "invalid task-updated data: data.task must be an object",
    id: "invalid task-updated data: task.id must be a number or a string",
    title: "invalid task-updated data: task.title must be a string",
    status: "invalid task-updated data: task.status must be a string",
};

const TASK_CREATED: TaskErrors = TaskErrors {
    not_a_task: "invalid task-created data: data.task must be an object",
    id: "invalid task-created data: task.id must be a number or a string",
    title: "invalid task-created data: task.title must be a string",
    status: "invalid task-created data: task.status must be a string",
};

/// A task payload `{"task":{…}}`: the task must be an object with the fields the `Task` type
/// promises (`id` a number or a string, `title` and `status` strings; others pass through), and
/// stays as it is. Only the three members' types are looked at: nothing is copied.
fn task<P: Value>(data: Option<&P>, errors: &TaskErrors) -> Result<P, DecodeError> {
    let task = data.and_then(|d| d.member("task")).ok_or(bad(errors.not_a_task))?;
    check_task(&task, errors)?;
    Ok(task)
}

/// Whether `task` has the shape the `Task` type promises (in a snapshot or a mutation's answer).
pub fn is_task<P: Value>(task: &P) -> bool {
    check_task(task, &TASK_CREATED).is_ok()
}

fn check_task<P: Value>(task: &P, errors: &TaskErrors) -> Result<(), DecodeError> {
    let Some([id, title, status]) = task.task_kinds() else {
        return Err(bad(errors.not_a_task));
    };
    if !matches!(id, Some(Kind::Number | Kind::String)) {
        return Err(bad(errors.id));
    }
    if title != Some(Kind::String) {
        return Err(bad(errors.title));
    }
    if status != Some(Kind::String) {
        return Err(bad(errors.status));
    }
    Ok(())
}

/// Natively, frames are JSON text read with serde_json (tests, the load generator).
#[cfg(not(target_arch = "wasm32"))]
mod text {
    use super::{bad, DecodeError, Header, Kind, Value};
    use serde::de::DeserializeOwned;

    impl Value for serde_json::Value {
        fn task_kinds(&self) -> Option<[Option<Kind>; 3]> {
            use serde_json::Value as J;
            let object = self.as_object()?;
            let kind = |key| {
                Some(match object.get(key)? {
                    J::Null => Kind::Null,
                    J::Bool(_) => Kind::Bool,
                    J::Number(_) => Kind::Number,
                    J::String(_) => Kind::String,
                    J::Array(_) => Kind::Array,
                    J::Object(_) => Kind::Object,
                })
            };
            Some([kind("id"), kind("title"), kind("status")])
        }
        fn read<T: DeserializeOwned>(&self) -> Option<T> {
            T::deserialize(self).ok()
        }
        fn member(&self, key: &str) -> Option<Self> {
            self.as_object()?.get(key).cloned()
        }
        fn is_object(&self) -> bool {
            self.is_object()
        }
        fn is_null(&self) -> bool {
            self.is_null()
        }
        fn is_string(&self) -> bool {
            self.is_string()
        }
        fn entries(&self) -> Option<Vec<(String, Self)>> {
            Some(self.as_object()?.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
        }
        fn object(entries: Vec<(String, Self)>) -> Self {
            serde_json::Value::Object(entries.into_iter().collect())
        }
        fn string(text: &str) -> Self {
            serde_json::Value::String(text.into())
        }
        fn same(&self, other: &Self) -> bool {
            self == other
        }
    }

    /// Reads the header of one text frame.
    pub fn header(text: &str) -> Result<Header<serde_json::Value>, DecodeError> {
        serde_json::from_str(text).map_err(|_| bad(super::NOT_AN_ENVELOPE))
    }
}

#[cfg(not(target_arch = "wasm32"))]
pub use text::header as text_header;

/// Why a frame without a readable envelope is refused.
pub const NOT_AN_ENVELOPE: &str = "frame is not a JSON object with a string type";
