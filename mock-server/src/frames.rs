//! Frame building: the JSON text of every frame the server sends — the envelope ([`encode`]),
//! `error`, the connection confirmation, join confirmations, user joined and left, `presence`, and
//! the plan broadcasts.

use planwire_protocol::{
    kind, Connected, Envelope, ErrorCode, ErrorData, JoinConfirm, JoinPlanData, JoinPresence, PresenceEntry, ProgressPayload,
    TaskDeleted, TaskPayload, TaskReordered, UserId, UserJoined, UserLeft,
};
use serde::Serialize;

use crate::conn_id::{conn_id_string, ConnId};
use crate::plans::PlanEvent;
use crate::presence::Obj;
use crate::rooms::Departed;
use crate::time::now_iso;

/// An encoded text frame, cheap to clone into many queues.
pub type Frame = axum::extract::ws::Utf8Bytes;

/// Serializes a server message.
pub fn encode<D: Serialize>(kind: &str, plan_id: Option<&str>, data: Option<&D>, timestamp: Option<&str>, seq: Option<u64>) -> Frame {
    let env = Envelope { kind: kind.into(), plan_id: plan_id.map(Into::into), data, timestamp: timestamp.map(Into::into), seq };
    // Serializing plain structs of strings and numbers into a String cannot fail.
    Frame::from(serde_json::to_string(&env).expect("server messages serialize"))
}

/// An `error` frame.
pub fn error_frame(code: ErrorCode, message: &str, plan_id: Option<&str>, retry_after_ms: Option<u64>) -> Frame {
    let data = ErrorData { code: code.as_str().into(), message: message.into(), plan_id: plan_id.map(Into::into), retry_after_ms };
    encode(kind::ERROR, None, Some(&data), None, None)
}

/// The connection confirmation (`pong` with `connected: true`), sent on connect and for every `ping`.
pub(crate) fn connected_frame(user_id: &UserId, id: ConnId) -> Frame {
    let data = Connected { user_id: user_id.clone(), connected: true, timestamp: now_iso(), connection_id: Some(conn_id_string(id)) };
    encode(kind::PONG, None, Some(&data), None, None)
}

/// The join confirmation with its `presence` extension (absent when nobody has presence).
#[derive(Serialize)]
struct ConfirmWithPresence {
    #[serde(flatten)]
    confirm: JoinConfirm,
    #[serde(flatten)]
    presence: JoinPresence<Obj>,
}

/// The `join-plan` confirmation, with the room's current presence (**extension**).
pub(crate) fn join_confirm_frame(plan_id: &str, confirm: JoinConfirm, presence: Vec<PresenceEntry<Obj>>) -> Frame {
    let data = ConfirmWithPresence { confirm, presence: JoinPresence { presence } };
    encode(kind::JOIN_PLAN, Some(plan_id), Some(&data), None, None)
}

/// The `join-plan` notification that a user joined the room.
pub(crate) fn user_joined_frame(plan_id: &str, joined: UserJoined) -> Frame {
    encode(kind::JOIN_PLAN, Some(plan_id), Some(&JoinPlanData::UserJoined(joined)), None, None)
}

/// The `leave-plan` notification that a user's last connection left the room.
pub(crate) fn user_left_frame(plan_id: &str, d: Departed, participant_count: u32) -> Frame {
    let data = UserLeft { user_id: d.user_id, participant_count, user_name: Some(d.user_name) };
    encode(kind::LEAVE_PLAN, Some(plan_id), Some(&data), None, None)
}

/// A `presence` frame (**extension**): a user's merged presence; no `seq`, no timestamp.
pub(crate) fn presence_frame(plan_id: &str, entry: &PresenceEntry<Obj>) -> Frame {
    encode(kind::PRESENCE, Some(plan_id), Some(entry), None, None)
}

/// A plan broadcast (`task-*`, `progress-updated`) with its timestamp and `seq`.
pub(crate) fn event_frame(plan_id: &str, event: &PlanEvent, ts: &str, seq: u64) -> Frame {
    let (plan_id, ts, seq) = (Some(plan_id), Some(ts), Some(seq));
    match event {
        PlanEvent::TaskCreated(task) => encode(kind::TASK_CREATED, plan_id, Some(&TaskPayload { task }), ts, seq),
        PlanEvent::TaskUpdated(task) => encode(kind::TASK_UPDATED, plan_id, Some(&TaskPayload { task }), ts, seq),
        PlanEvent::TaskDeleted(task_id) => encode(kind::TASK_DELETED, plan_id, Some(&TaskDeleted { task_id: task_id.clone() }), ts, seq),
        PlanEvent::TaskReordered(ids) => encode(kind::TASK_REORDERED, plan_id, Some(&TaskReordered { task_ids: ids.clone() }), ts, seq),
        PlanEvent::ProgressUpdated(progress) => {
            encode(kind::PROGRESS_UPDATED, plan_id, Some(&ProgressPayload { progress: *progress }), ts, seq)
        }
    }
}
