//! Plan rooms: reference-counted membership, the participants of each room and its `seq`.

use super::decode::Value;
use super::presence::RoomPresence;
use super::seq::SeqTracker;
use planwire_protocol::{ClientMessage, JoinConfirm, Participant, UserId};

/// One plan room the caller asked to be in.
#[derive(Clone, Debug, PartialEq)]
pub struct Room<P> {
    /// The plan id.
    pub plan_id: String,
    refs: u32,
    /// Whether the server confirmed the join on the current connection.
    pub joined: bool,
    /// The `lastSeq` sent with the join awaiting confirmation.
    requested_seq: Option<u64>,
    /// Distinct users in the room, as the server last listed them.
    pub participants: Vec<Participant>,
    /// Distinct users in the room, as the server last counted them.
    pub participant_count: u32,
    /// The room's message sequence.
    pub seq: SeqTracker,
    /// **Extension.** Live presence: ours and the others'.
    pub presence: RoomPresence<P>,
}

impl<P> Room<P> {
    fn new(plan_id: &str) -> Room<P> {
        Room {
            plan_id: plan_id.into(),
            refs: 1,
            joined: false,
            requested_seq: None,
            participants: Vec::new(),
            participant_count: 0,
            seq: SeqTracker::default(),
            presence: RoomPresence::default(),
        }
    }

    /// The `join-plan` going out now, with the `lastSeq` (and its epoch) it must carry.
    pub fn join_sent(&mut self) -> ClientMessage {
        self.requested_seq = self.seq.join_sent();
        let epoch = self.requested_seq.and_then(|_| self.seq.epoch().map(Into::into));
        ClientMessage::JoinPlan { plan_id: self.plan_id.clone(), last_seq: self.requested_seq, epoch }
    }

    /// Whether the join awaiting confirmation carried a `lastSeq` (a replay may follow it).
    pub fn replay_asked(&self) -> bool {
        self.requested_seq.is_some()
    }

    /// Takes in the join confirmation; returns whether the app must resync the room. A `lastSeq`
    /// of another epoch than the confirmation's was not recovered, whatever the server says.
    pub fn confirmed(&mut self, confirm: JoinConfirm) -> bool {
        self.joined = true;
        self.participants = confirm.participants;
        self.participant_count = confirm.participant_count;
        let requested = self.requested_seq.take();
        let other_epoch = self.seq.epoch_seen(confirm.epoch);
        let recovered = if other_epoch { Some(false) } else { confirm.recovered };
        self.seq.confirmed(requested, recovered, confirm.seq)
    }

    /// Another user joined.
    pub fn user_joined(&mut self, participant: Participant, count: u32) {
        if !self.participants.iter().any(|p| p.user_id == participant.user_id) {
            self.participants.push(participant);
        }
        self.participant_count = count;
    }

    /// A user left (their last connection in the room).
    pub fn user_left(&mut self, user_id: &UserId, count: u32) {
        crate::core::retain(&mut self.participants, |p| &p.user_id != user_id);
        self.participant_count = count;
    }
}

/// Every room the caller is in, in join order (a small `Vec`: clients are in a handful of rooms).
#[derive(Clone, Debug, PartialEq)]
pub struct Rooms<P> {
    list: Vec<Room<P>>,
}

impl<P> Default for Rooms<P> {
    fn default() -> Self {
        Rooms { list: Vec::new() }
    }
}

impl<P> Rooms<P> {
    /// Adds a reference to `plan_id`; returns whether the room is new (a `join-plan` is due).
    pub fn add_ref(&mut self, plan_id: &str) -> bool {
        match self.get_mut(plan_id) {
            Some(room) => {
                room.refs += 1;
                false
            }
            None => {
                self.list.push(Room::new(plan_id));
                true
            }
        }
    }

    /// Drops a reference to `plan_id`; returns whether that was the last one (a `leave-plan` is due).
    pub fn release(&mut self, plan_id: &str) -> bool {
        let Some(room) = self.get_mut(plan_id) else { return false };
        room.refs -= 1;
        if room.refs > 0 {
            return false;
        }
        crate::core::retain(&mut self.list, |r| r.refs > 0);
        true
    }

    /// The room for `plan_id`.
    pub fn get(&self, plan_id: &str) -> Option<&Room<P>> {
        self.list.iter().find(|r| r.plan_id == plan_id)
    }

    /// The room for `plan_id`, mutably.
    pub fn get_mut(&mut self, plan_id: &str) -> Option<&mut Room<P>> {
        self.list.iter_mut().find(|r| r.plan_id == plan_id)
    }

    /// Every room.
    pub fn iter(&self) -> impl Iterator<Item = &Room<P>> {
        self.list.iter()
    }

    /// Every room, mutably (to re-join them all after a reconnect).
    pub fn iter_mut(&mut self) -> impl Iterator<Item = &mut Room<P>> {
        self.list.iter_mut()
    }

    /// The connection is gone: no room is joined any more, and nobody is known to be in one, nor
    /// their presence, until the next join confirmation. Returns the rooms whose participants were
    /// cleared, then those whose others' presence was.
    pub fn disconnected(&mut self) -> (Vec<String>, Vec<String>)
    where
        P: Value,
    {
        let (mut cleared, mut gone) = (Vec::new(), Vec::new());
        for room in &mut self.list {
            room.joined = false;
            room.seq.disconnected();
            if room.participant_count != 0 || !room.participants.is_empty() {
                room.participants.clear();
                room.participant_count = 0;
                cleared.push(room.plan_id.clone());
            }
            if room.presence.disconnected() {
                gone.push(room.plan_id.clone());
            }
        }
        (cleared, gone)
    }
}
