//! The room half of the machine: reference-counted joins and leaves, join confirmations, each
//! room's `seq` (apply once and in order, recover gaps, ask for a resync), participants, presence,
//! and the frames addressed to rooms.

use super::{Machine, Phase};
use crate::core::action::{Action, Outgoing};
use crate::core::decode::{Body, Frame, Value};
use crate::core::event::{
    ErrorPayload, Event, JoinedPayload, MessagePayload, ParticipantsChangedPayload, PresenceChangedPayload,
    ProgressUpdatedPayload, ResyncPayload, TaskDeletedPayload, TaskPayload, TaskReorderedPayload, UserJoinedPayload,
    UserLeftPayload,
};
use crate::core::options::ConfigError;
use crate::core::rooms::Room;
use crate::core::seq::Verdict;
use crate::core::timers::Timer;
use planwire_protocol::{ClientMessage, Connected, ErrorCode, Participant, PresenceMessage, ResyncReason};

fn check_plan_id(plan_id: &str) -> Result<(), ConfigError> {
    if plan_id.is_empty() {
        return Err(ConfigError { code: ErrorCode::InvalidPlanId, message: "planId must be a non-empty string" });
    }
    Ok(())
}

impl<P: Value> Machine<P> {
    // ------------------------------------------------------------------ the application's calls

    pub(super) fn join(&mut self, plan_id: &str) -> Result<(), ConfigError> {
        check_plan_id(plan_id)?;
        if self.rooms.add_ref(plan_id) && self.phase == Phase::Open {
            if let Some(room) = self.rooms.get_mut(plan_id) {
                let message = room.join_sent();
                self.send(message);
            }
        }
        Ok(())
    }

    pub(super) fn leave(&mut self, plan_id: &str) -> Result<(), ConfigError> {
        check_plan_id(plan_id)?;
        if self.rooms.release(plan_id) && self.phase == Phase::Open {
            self.send(ClientMessage::LeavePlan { plan_id: plan_id.into() });
        }
        Ok(())
    }

    pub(super) fn update_presence(&mut self, plan_id: &str, patch: &P, now: u64) -> Result<(), ConfigError> {
        let room = self.joined_room(plan_id)?;
        if !room.presence.update(patch) {
            return Err(ConfigError { code: ErrorCode::InvalidPresence, message: "presence must be an object" });
        }
        self.flush_presence(now);
        Ok(())
    }

    pub(super) fn set_typing(&mut self, plan_id: &str, mark: Option<&P>, now: u64) -> Result<(), ConfigError> {
        let room = self.joined_room(plan_id)?;
        if !room.presence.set_typing(mark, now) {
            return Err(ConfigError { code: ErrorCode::InvalidPresence, message: "a typing mark must be an object" });
        }
        self.flush_presence(now);
        Ok(())
    }

    fn joined_room(&mut self, plan_id: &str) -> Result<&mut Room<P>, ConfigError> {
        check_plan_id(plan_id)?;
        self.rooms
            .get_mut(plan_id)
            .ok_or(ConfigError { code: ErrorCode::NotJoined, message: "join the plan before setting presence" })
    }

    // ------------------------------------------------------------------ the link's news

    /// The connection is confirmed: every room is joined (again), with `lastSeq` where known.
    pub(super) fn rejoin_all(&mut self) {
        for room in self.rooms.iter_mut() {
            let message = room.join_sent();
            self.actions.push_back(Action::Send(Outgoing::Seed(message)));
        }
    }

    /// The connection is gone: nobody is known to be in any room, nor their presence, until the
    /// re-join's confirmation.
    pub(super) fn rooms_disconnected(&mut self) {
        // By reference, not by value through `into_iter`, whose `IntoIter<String>` drop was linked
        // for these two loops alone.
        let (cleared, gone) = self.rooms.disconnected();
        for plan_id in &cleared {
            self.participants_changed(plan_id);
        }
        for plan_id in &gone {
            self.presence_changed(plan_id);
        }
    }

    // ------------------------------------------------------------------ presence

    /// Sends the presence updates that are due, for rooms joined on an open connection.
    pub(super) fn flush_presence(&mut self, now: u64) {
        if self.phase != Phase::Open {
            return;
        }
        for room in self.rooms.iter_mut().filter(|r| r.joined) {
            if let Some(data) = room.presence.poll(now) {
                let message = PresenceMessage::Update { plan_id: room.plan_id.clone(), data };
                self.actions.push_back(Action::Send(Outgoing::Presence(message)));
            }
        }
    }

    /// Keeps [`Timer::Presence`] at the earliest presence update due in a room joined on an open
    /// connection (run after every input).
    pub(super) fn schedule_presence(&mut self) {
        let due = if self.phase == Phase::Open {
            self.rooms.iter().filter(|r| r.joined).filter_map(|r| r.presence.deadline()).min()
        } else {
            None
        };
        self.timers.set_opt(Timer::Presence, due);
    }

    /// `presenceChanged` for the room `plan_id` (its id copied here, for the payload: the one copy
    /// for every caller).
    fn presence_changed(&mut self, plan_id: &str) {
        let Some(room) = self.rooms.get(plan_id) else { return };
        let presence = crate::core::to_vec(room.presence.others());
        self.emit(Event::PresenceChanged(PresenceChangedPayload { plan_id: plan_id.into(), presence }));
    }

    /// `participantsChanged` for the room `plan_id` (its id copied here, as for `presence_changed`).
    fn participants_changed(&mut self, plan_id: &str) {
        let Some(room) = self.rooms.get(plan_id) else { return };
        let participants = crate::core::to_vec(&room.participants);
        let participant_count = room.participant_count;
        let plan_id = plan_id.into();
        self.emit(Event::ParticipantsChanged(ParticipantsChangedPayload { plan_id, participants, participant_count }));
    }

    fn resync(&mut self, plan_id: String, reason: ResyncReason) {
        self.emit(Event::Resync(ResyncPayload { plan_id, reason }));
    }

    // ------------------------------------------------------------------ frames

    /// A decoded frame, on a socket that is open (or confirming).
    pub(super) fn on_frame(&mut self, frame: Frame<P>, now: u64) {
        let Frame { kind, plan_id, timestamp, seq, body } = frame;
        match body {
            Body::Pong(data) => {
                if self.phase == Phase::Handshake {
                    match data.and_then(|d| d.read::<Connected>()) {
                        Some(confirmation) => self.opened(confirmation, now),
                        None => self.emit_invalid("connection confirmation without valid data"),
                    }
                }
                return;
            }
            Body::Error(e) => {
                // Not `Option::or`, whose `Option<String>` copy (51 B) was linked for this and the epoch.
                let plan_id = if e.plan_id.is_some() { e.plan_id } else { plan_id };
                if let Some(p) = &plan_id {
                    self.plan_refused(p, &e.code, &e.message);
                }
                return self.emit(Event::Error(ErrorPayload { code: e.code, message: e.message, plan_id }));
            }
            _ => {}
        }
        let room = plan_id.as_deref().and_then(|p| self.rooms.get_mut(p));
        let Some(room) = room else {
            // Room messages for a room we are not in (left meanwhile) are dropped;
            // unknown types are passed on whatever they belong to.
            if let Body::Unknown(data) = body {
                self.emit(Event::Message(MessagePayload { kind, plan_id, data }));
            }
            return;
        };
        let plan_id = room.plan_id.clone();
        if let Body::Presence(entry) = body {
            if room.joined && room.presence.received(entry, self.user_id.as_ref()) {
                self.presence_changed(&plan_id);
            }
            return;
        }
        if let Body::JoinConfirm(confirm, presence) = body {
            return self.join_confirmed(plan_id, confirm, presence, now);
        }
        match room.seq.accept(seq) {
            Verdict::Duplicate | Verdict::Hold => return,
            Verdict::Recover => {
                let message = room.join_sent();
                return self.send(message);
            }
            Verdict::Resync => {
                self.resync(plan_id.clone(), ResyncReason::Gap);
                self.plan_resync(&plan_id);
            }
            Verdict::Apply => {}
        }
        let event = match body {
            Body::UserJoined(u) => {
                let Some(room) = self.rooms.get_mut(&plan_id) else { return };
                let participant = Participant { user_id: u.user_id.clone(), user_name: u.user_name.clone() };
                room.user_joined(participant, u.participant_count);
                self.emit(Event::UserJoined(UserJoinedPayload {
                    plan_id: plan_id.clone(),
                    user_id: u.user_id,
                    user_name: u.user_name,
                    participant_count: u.participant_count,
                }));
                return self.participants_changed(&plan_id);
            }
            Body::UserLeft(u) => {
                let Some(room) = self.rooms.get_mut(&plan_id) else { return };
                room.user_left(&u.user_id, u.participant_count);
                self.emit(Event::UserLeft(UserLeftPayload {
                    plan_id: plan_id.clone(),
                    user_id: u.user_id,
                    user_name: u.user_name,
                    participant_count: u.participant_count,
                }));
                return self.participants_changed(&plan_id);
            }
            Body::TaskUpdated(task) => Event::TaskUpdated(TaskPayload { plan_id, task, timestamp, seq }),
            Body::TaskCreated(task) => Event::TaskCreated(TaskPayload { plan_id, task, timestamp, seq }),
            Body::TaskDeleted(task_id) => Event::TaskDeleted(TaskDeletedPayload { plan_id, task_id, timestamp, seq }),
            Body::TaskReordered(task_ids) => {
                Event::TaskReordered(TaskReorderedPayload { plan_id, task_ids, timestamp, seq })
            }
            Body::ProgressUpdated(progress) => {
                Event::ProgressUpdated(ProgressUpdatedPayload { plan_id, progress, timestamp, seq })
            }
            Body::Unknown(data) => Event::Message(MessagePayload { kind, plan_id: Some(plan_id), data }),
            Body::Pong(_) | Body::Error(_) | Body::JoinConfirm(..) | Body::Presence(_) => return,
        };
        let synced = self.plan_observe(&event);
        self.emit(event);
        if let Some(plan_id) = synced {
            self.plan_changed(plan_id);
        }
    }

    /// Our join of `plan_id` was confirmed: a first join (or a re-join after a reconnect) is
    /// reported as `joined`; a confirmation on a room already joined answers a gap recovery.
    fn join_confirmed(
        &mut self,
        plan_id: String,
        confirm: planwire_protocol::JoinConfirm,
        presence: Vec<planwire_protocol::PresenceEntry<P>>,
        now: u64,
    ) {
        let Some(room) = self.rooms.get_mut(&plan_id) else { return };
        let recovered = confirm.recovered;
        let gap_recovery = room.joined;
        let before = (room.participant_count, crate::core::to_vec(&room.participants));
        let replay_asked = room.replay_asked();
        let resync = room.confirmed(confirm);
        let presence_changed = room.presence.joined(presence, self.user_id.as_ref());
        let participants = crate::core::to_vec(&room.participants);
        let participant_count = room.participant_count;
        if gap_recovery {
            if resync {
                self.resync(plan_id.clone(), ResyncReason::Gap);
            }
            if before != (participant_count, participants) {
                self.participants_changed(&plan_id);
            }
        } else {
            self.emit(Event::Joined(JoinedPayload {
                plan_id: plan_id.clone(),
                participants,
                participant_count,
                recovered,
            }));
            self.participants_changed(&plan_id);
            if resync {
                self.resync(plan_id.clone(), ResyncReason::NotRecovered);
            }
        }
        if presence_changed {
            self.presence_changed(&plan_id);
        }
        self.plan_joined(&plan_id, resync || !replay_asked);
        self.flush_presence(now);
    }
}
