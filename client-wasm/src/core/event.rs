//! Events the client emits, their names, and their JSON payloads (the shapes of
//! `docs/client-api.md`'s `PlanEvents`).

use alloc::string::String;
use alloc::vec::Vec;
use super::json::Obj;
use super::machine::State;
use planwire_protocol::{Participant, Progress, UserId};

/// Room, time and sequence of a broadcast.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Meta {
    /// The room.
    pub plan_id: String,
    /// The server's ISO 8601 timestamp, if sent.
    pub timestamp: Option<String>,
    /// **Extension.** The room's sequence number, if sent.
    pub seq: Option<u64>,
}

/// An event for the application.
#[derive(Clone, Debug, PartialEq)]
pub enum Event {
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
    /// `task-updated`, the task as raw JSON.
    TaskUpdated {
        /// Room, time, seq.
        meta: Meta,
        /// The task's JSON text, exactly as received.
        task: String,
    },
    /// `task-created`, the task as raw JSON.
    TaskCreated {
        /// Room, time, seq.
        meta: Meta,
        /// The task's JSON text, exactly as received.
        task: String,
    },
    /// `task-deleted`.
    TaskDeleted {
        /// Room, time, seq.
        meta: Meta,
        /// The deleted task's id.
        task_id: String,
    },
    /// `task-reordered`.
    TaskReordered {
        /// Room, time, seq.
        meta: Meta,
        /// Task ids in the new order.
        task_ids: Vec<String>,
    },
    /// `progress-updated`.
    ProgressUpdated {
        /// Room, time, seq.
        meta: Meta,
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
    /// A message type this client does not know.
    Message {
        /// Its `type`.
        kind: String,
        /// Its `planId`, if any.
        plan_id: Option<String>,
        /// Its `data` as raw JSON, if any.
        data: Option<String>,
    },
}

macro_rules! event_kinds {
    ($($variant:ident = $name:literal,)*) => {
        /// The name of an event, as passed to `on()`.
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub enum EventKind { $(#[doc = $name] $variant,)* }

        impl EventKind {
            /// Every kind, in index order.
            pub const ALL: &'static [EventKind] = &[$(EventKind::$variant,)*];

            /// The JS name, e.g. `taskUpdated`.
            pub fn name(self) -> &'static str {
                match self { $(EventKind::$variant => $name,)* }
            }
        }
    };
}

event_kinds! {
    StateChanged = "stateChanged",
    Open = "open",
    Close = "close",
    Reconnecting = "reconnecting",
    Reconnected = "reconnected",
    Failed = "failed",
    Error = "error",
    Joined = "joined",
    UserJoined = "userJoined",
    UserLeft = "userLeft",
    ParticipantsChanged = "participantsChanged",
    TaskUpdated = "taskUpdated",
    TaskCreated = "taskCreated",
    TaskDeleted = "taskDeleted",
    TaskReordered = "taskReordered",
    ProgressUpdated = "progressUpdated",
    Resync = "resync",
    Message = "message",
}

impl EventKind {
    /// The kind named `name`.
    pub fn from_name(name: &str) -> Option<EventKind> {
        EventKind::ALL.iter().copied().find(|k| k.name() == name)
    }

    /// A dense index, for per-kind listener tables.
    pub fn index(self) -> usize {
        self as usize
    }
}

impl Event {
    /// Which event this is.
    pub fn kind(&self) -> EventKind {
        match self {
            Event::StateChanged(_) => EventKind::StateChanged,
            Event::Open { .. } => EventKind::Open,
            Event::Close { .. } => EventKind::Close,
            Event::Reconnecting { .. } => EventKind::Reconnecting,
            Event::Reconnected => EventKind::Reconnected,
            Event::Failed { .. } => EventKind::Failed,
            Event::Error { .. } => EventKind::Error,
            Event::Joined { .. } => EventKind::Joined,
            Event::UserJoined { .. } => EventKind::UserJoined,
            Event::UserLeft { .. } => EventKind::UserLeft,
            Event::ParticipantsChanged { .. } => EventKind::ParticipantsChanged,
            Event::TaskUpdated { .. } => EventKind::TaskUpdated,
            Event::TaskCreated { .. } => EventKind::TaskCreated,
            Event::TaskDeleted { .. } => EventKind::TaskDeleted,
            Event::TaskReordered { .. } => EventKind::TaskReordered,
            Event::ProgressUpdated { .. } => EventKind::ProgressUpdated,
            Event::Resync { .. } => EventKind::Resync,
            Event::Message { .. } => EventKind::Message,
        }
    }

    /// Appends the payload as one JSON object (the browser parses it once).
    pub fn write_json(&self, out: &mut String) {
        let mut o = Obj::new(out);
        match self {
            Event::StateChanged(state) => {
                o.str("state", state.as_str());
            }
            Event::Open { user_id, connection_id, reconnected } => {
                o.user_id("userId", user_id)
                    .opt_str("connectionId", connection_id.as_deref())
                    .bool("reconnected", *reconnected);
            }
            Event::Close { code, reason, will_reconnect } => {
                o.num("code", u64::from(*code)).str("reason", reason).bool("willReconnect", *will_reconnect);
            }
            Event::Reconnecting { attempt, delay_ms } => {
                o.num("attempt", u64::from(*attempt)).num("delayMs", *delay_ms);
            }
            Event::Reconnected => {}
            Event::Failed { reason } => {
                o.str("reason", reason);
            }
            Event::Error { code, message, plan_id } => {
                o.str("code", code).str("message", message).opt_str("planId", plan_id.as_deref());
            }
            Event::Joined { plan_id, participants, participant_count, recovered } => {
                o.str("planId", plan_id)
                    .participants("participants", participants)
                    .num("participantCount", u64::from(*participant_count));
                if let Some(r) = recovered {
                    o.bool("recovered", *r);
                }
            }
            Event::UserJoined { plan_id, user_id, user_name, participant_count } => {
                o.str("planId", plan_id)
                    .user_id("userId", user_id)
                    .str("userName", user_name)
                    .num("participantCount", u64::from(*participant_count));
            }
            Event::UserLeft { plan_id, user_id, user_name, participant_count } => {
                o.str("planId", plan_id)
                    .user_id("userId", user_id)
                    .opt_str("userName", user_name.as_deref())
                    .num("participantCount", u64::from(*participant_count));
            }
            Event::ParticipantsChanged { plan_id, participants, participant_count } => {
                o.str("planId", plan_id)
                    .participants("participants", participants)
                    .num("participantCount", u64::from(*participant_count));
            }
            Event::TaskUpdated { meta, task } | Event::TaskCreated { meta, task } => {
                meta_fields(&mut o, meta).raw("task", task);
            }
            Event::TaskDeleted { meta, task_id } => {
                meta_fields(&mut o, meta).str("taskId", task_id);
            }
            Event::TaskReordered { meta, task_ids } => {
                meta_fields(&mut o, meta).str_list("taskIds", task_ids);
            }
            Event::ProgressUpdated { meta, progress } => {
                let mut p = String::with_capacity(80);
                Obj::new(&mut p)
                    .num("totalTasks", u64::from(progress.total_tasks))
                    .num("completedTasks", u64::from(progress.completed_tasks))
                    .num("completionPercentage", u64::from(progress.completion_percentage))
                    .end();
                meta_fields(&mut o, meta).raw("progress", &p);
            }
            Event::Resync { plan_id, reason } => {
                o.str("planId", plan_id).str("reason", reason);
            }
            Event::Message { kind, plan_id, data } => {
                o.str("type", kind).opt_str("planId", plan_id.as_deref());
                if let Some(d) = data {
                    o.raw("data", d);
                }
            }
        }
        o.end();
    }
}

fn meta_fields<'o, 'a>(o: &'o mut Obj<'a>, meta: &Meta) -> &'o mut Obj<'a> {
    o.str("planId", &meta.plan_id).opt_str("timestamp", meta.timestamp.as_deref()).opt_num("seq", meta.seq)
}
