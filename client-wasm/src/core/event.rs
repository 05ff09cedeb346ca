//! Events the client emits. `P` is the glue's JSON value (a `JsValue` in the browser): tasks
//! and unknown payloads reach the application as the server sent them. The browser layer turns
//! each event into the JS payload of `docs/client-api.md`'s `PlanEvents`.

use super::decode::TaskId;
use super::machine::State;
use planwire_protocol::{Participant, PresenceEntry, Progress, UserId};

/// Room, time and sequence of a broadcast.
#[derive(Clone, Debug, PartialEq)]
pub struct Meta<P> {
    /// The room.
    pub plan_id: String,
    /// The server's ISO 8601 timestamp, if sent.
    pub timestamp: Option<P>,
    /// **Extension.** The room's sequence number, if sent.
    pub seq: Option<u64>,
}

/// An event for the application.
#[derive(Clone, Debug, PartialEq)]
pub enum Event<P> {
    /// The connection state changed.
    StateChanged(State),
    /// The server confirmed the connection.
    Open {
        /// The authenticated user.
        user_id: UserId,
        /// **Extension.** The server's id for this connection.
        connection_id: Option<String>,
        /// Whether an earlier connection of this session was lost.
        reconnected: bool,
    },
    /// The socket closed.
    Close {
        /// Close code (4000: closed by the client itself, see [`super::machine::LOCAL_CLOSE`]).
        code: u16,
        /// Close reason.
        reason: String,
        /// Whether the client will try again by itself.
        will_reconnect: bool,
    },
    /// A reconnect attempt is scheduled.
    Reconnecting {
        /// 1-based attempt number.
        attempt: u32,
        /// Delay before the attempt.
        delay_ms: u64,
    },
    /// A connection was re-established after a loss.
    Reconnected,
    /// The client gave up: `unauthorized`, `max-attempts` or `token-error: …`.
    Failed {
        /// Why.
        reason: String,
    },
    /// The server sent an `error`, or a frame the client cannot read (`INVALID_FRAME`).
    Error {
        /// Error code.
        code: String,
        /// Explanation.
        message: String,
        /// The room concerned, if any.
        plan_id: Option<String>,
    },
    /// Our join was confirmed.
    Joined {
        /// The room.
        plan_id: String,
        /// Who is in it.
        participants: Vec<Participant>,
        /// How many distinct users.
        participant_count: u32,
        /// **Extension.** Whether missed messages were replayed.
        recovered: Option<bool>,
    },
    /// Another user joined a room.
    UserJoined {
        /// The room.
        plan_id: String,
        /// Who.
        user_id: UserId,
        /// Their name.
        user_name: String,
        /// Distinct users now.
        participant_count: u32,
    },
    /// A user left a room.
    UserLeft {
        /// The room.
        plan_id: String,
        /// Who.
        user_id: UserId,
        /// Their name, if the server sent it.
        user_name: Option<String>,
        /// Distinct users now.
        participant_count: u32,
    },
    /// A room's participant list changed.
    ParticipantsChanged {
        /// The room.
        plan_id: String,
        /// Who is in it now.
        participants: Vec<Participant>,
        /// How many distinct users.
        participant_count: u32,
    },
    /// `task-updated`.
    TaskUpdated {
        /// Room, time, seq.
        meta: Meta<P>,
        /// The task, exactly as received.
        task: P,
    },
    /// `task-created`.
    TaskCreated {
        /// Room, time, seq.
        meta: Meta<P>,
        /// The task, exactly as received.
        task: P,
    },
    /// `task-deleted`.
    TaskDeleted {
        /// Room, time, seq.
        meta: Meta<P>,
        /// The deleted task's id.
        task_id: TaskId,
    },
    /// `task-reordered`.
    TaskReordered {
        /// Room, time, seq.
        meta: Meta<P>,
        /// Task ids in the new order.
        task_ids: Vec<TaskId>,
    },
    /// `progress-updated`.
    ProgressUpdated {
        /// Room, time, seq.
        meta: Meta<P>,
        /// The plan's progress.
        progress: Progress,
    },
    /// Messages were missed and cannot be replayed: reload the room over REST.
    Resync {
        /// The room.
        plan_id: String,
        /// `gap` or `not-recovered`.
        reason: &'static str,
    },
    /// **Extension.** The other users' presence in a room changed (emptied while disconnected).
    PresenceChanged {
        /// The room.
        plan_id: String,
        /// Everyone else's presence now.
        presence: Vec<PresenceEntry<P>>,
    },
    /// A message type this client does not know.
    Message {
        /// Its `type`.
        kind: String,
        /// Its `planId`, if any.
        plan_id: Option<String>,
        /// Its `data`, untouched, if any.
        data: Option<P>,
    },
}
