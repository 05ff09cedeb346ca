//! Decoding server frames: the [`Envelope`] first, with the payload left raw, then the payload by
//! `type`. Bad frames become a [`DecodeError`], never a panic.

use alloc::borrow::Cow;
use planwire_protocol::{
    kind, Envelope, ErrorData, JoinConfirm, ProgressPayload, TaskDeleted, TaskPayload, TaskReordered,
    UserJoined, UserLeft,
};
use super::wire::{self, FromJson, Raw};

/// The `code` of every `error` event raised for a frame the client cannot read.
pub const INVALID_FRAME: &str = "INVALID_FRAME";

/// A frame the client cannot read; its code is [`INVALID_FRAME`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DecodeError {
    /// What was wrong.
    pub message: &'static str,
}

/// A decoded server frame.
#[derive(Debug)]
pub struct Frame<'a> {
    /// The `type` string.
    pub kind: Cow<'a, str>,
    /// The room, when the message belongs to one.
    pub plan_id: Option<Cow<'a, str>>,
    /// Broadcast time.
    pub timestamp: Option<Cow<'a, str>>,
    /// **Extension.** Per-room sequence number.
    pub seq: Option<u64>,
    /// The payload, decoded by `type`.
    pub body: Body<'a>,
}

/// The payload of a frame, by `type`.
#[derive(Debug)]
pub enum Body<'a> {
    /// `pong`: the connection confirmation or a keep-alive answer; `data` decoded on demand.
    Pong(Option<Raw<'a>>),
    /// `join-plan` with `success`: our join was accepted.
    JoinConfirm(JoinConfirm),
    /// `join-plan` without `success`: another user joined.
    UserJoined(UserJoined),
    /// `leave-plan`: a user left.
    UserLeft(UserLeft),
    /// `task-updated`, with the task as raw JSON.
    TaskUpdated(Raw<'a>),
    /// `task-created`, with the task as raw JSON.
    TaskCreated(Raw<'a>),
    /// `task-deleted`.
    TaskDeleted(TaskDeleted),
    /// `task-reordered`.
    TaskReordered(TaskReordered),
    /// `progress-updated`.
    ProgressUpdated(ProgressPayload),
    /// **Extension.** `error`.
    Error(ErrorData<'a>),
    /// A type this client does not know, passed on untouched.
    Unknown(Option<Raw<'a>>),
}

fn bad(message: &'static str) -> DecodeError {
    DecodeError { message }
}

fn payload<'a, T: FromJson<'a>>(data: Option<Raw<'a>>, message: &'static str) -> Result<T, DecodeError> {
    data.and_then(|raw| wire::from_raw(raw).ok()).ok_or(bad(message))
}

/// Decodes one text frame.
pub fn decode(text: &str) -> Result<Frame<'_>, DecodeError> {
    let env: Envelope<Raw<'_>> =
        wire::from_str(text).map_err(|_| bad("frame is not a JSON object with a string type"))?;
    let data = env.data;
    let room_message = matches!(
        &*env.kind,
        kind::JOIN_PLAN
            | kind::LEAVE_PLAN
            | kind::TASK_UPDATED
            | kind::TASK_CREATED
            | kind::TASK_DELETED
            | kind::TASK_REORDERED
            | kind::PROGRESS_UPDATED
    );
    if room_message && env.plan_id.is_none() {
        return Err(bad("room message without planId"));
    }
    let body = match &*env.kind {
        kind::PONG => Body::Pong(data),
        kind::JOIN_PLAN => join_plan(data)?,
        kind::LEAVE_PLAN => Body::UserLeft(payload(data, "invalid leave-plan data")?),
        kind::TASK_UPDATED => Body::TaskUpdated(task(data, "invalid task-updated data")?),
        kind::TASK_CREATED => Body::TaskCreated(task(data, "invalid task-created data")?),
        kind::TASK_DELETED => Body::TaskDeleted(payload(data, "invalid task-deleted data")?),
        kind::TASK_REORDERED => Body::TaskReordered(payload(data, "invalid task-reordered data")?),
        kind::PROGRESS_UPDATED => Body::ProgressUpdated(payload(data, "invalid progress-updated data")?),
        kind::ERROR => Body::Error(payload(data, "invalid error data")?),
        _ => Body::Unknown(data),
    };
    Ok(Frame { kind: env.kind, plan_id: env.plan_id, timestamp: env.timestamp, seq: env.seq, body })
}

/// The two server `join-plan` shapes: the confirmation carries `success` (and `participants`),
/// another user's join carries `userId` and `userName`; neither parses as the other.
fn join_plan(data: Option<Raw<'_>>) -> Result<Body<'_>, DecodeError> {
    let raw = data.ok_or(bad("join-plan without data"))?;
    if let Ok(confirm) = wire::from_raw::<JoinConfirm>(raw) {
        return Ok(Body::JoinConfirm(confirm));
    }
    wire::from_raw::<UserJoined>(raw)
        .map(Body::UserJoined)
        .map_err(|_| bad("join-plan data is neither a join confirmation nor a user join"))
}

/// A task payload `{"task":{…}}`; the task must be a JSON object and stays raw.
fn task<'a>(data: Option<Raw<'a>>, message: &'static str) -> Result<Raw<'a>, DecodeError> {
    let payload: TaskPayload<Raw<'a>> = payload(data, message)?;
    if payload.task.get().starts_with('{') {
        Ok(payload.task)
    } else {
        Err(bad(message))
    }
}
