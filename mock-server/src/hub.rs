//! The hub: plans, rooms, their event logs and the open connections, under one lock so every
//! room sees its broadcasts in `seq` order. Delivery never blocks ([`crate::connections`]); the
//! frames' JSON is built by [`crate::frames`].
//!
//! Live presence (extension) lives here too, per room ([`RoomPresence`]); its coalesced frames and
//! typing expiries are driven by [`Hub::presence_tick`], which the server runs at the deadline it
//! returns (or sooner, when [`Hub::presence_wake`] is notified).

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

use planwire_protocol::{CloseCode, ErrorCode, JoinConfirm, Plan, PresenceUpdate, TaskStatus, UserId, UserJoined};
use tokio::sync::Notify;

use crate::auth::Claims;
use crate::config::Config;
use crate::conn_id::ConnId;
use crate::connections::{lock, CloseCmd, ConnCtl, ConnFilter, Connections, Registration};
use crate::frames::{
    connected_frame, error_frame, event_frame, join_confirm_frame, presence_frame, user_joined_frame, user_left_frame, Frame,
};
use crate::history::EventLog;
use crate::metrics::{Counters, Metrics};
use crate::plans::{PlanError, PlanEvent, PlanStore};
use crate::presence::{Obj, RoomPresence, Timing};
use crate::rooms::Room;
use crate::time::now_iso;

/// Close reason of a connection closed by the inactivity sweep (code [`CloseCode::Inactive`]).
pub const INACTIVE_REASON: &str = "inactive";

/// The result of a REST mutation: its response value and the room's latest `seq` after it.
pub struct Mutation<R> {
    /// The route's response.
    pub value: R,
    /// The latest `seq` of the plan's room.
    pub seq: u64,
}

struct State {
    plans: PlanStore,
    rooms: HashMap<String, Room>,
    logs: HashMap<String, EventLog>,
    conns: Connections,
    /// Live presence per room (only rooms where someone set presence).
    presence: HashMap<String, RoomPresence>,
    /// Presence deadlines: (when, room). Stale entries are harmless (the tick finds nothing due).
    timers: BTreeSet<(Instant, String)>,
    timing: Timing,
    wake: Arc<Notify>,
}

/// Shared server state.
pub struct Hub {
    state: Mutex<State>,
    cfg: Config,
    /// Message and error counters.
    pub counters: Counters,
    started: Instant,
    /// Notified when a presence deadline earlier than the known ones is set.
    pub presence_wake: Arc<Notify>,
}

impl Hub {
    /// A hub with the demo data (or none), configured by `cfg`.
    pub fn new(cfg: Config) -> Self {
        let plans = if cfg.demo_data { PlanStore::demo() } else { PlanStore::empty() };
        let wake = Arc::new(Notify::new());
        let timing = Timing { batch: cfg.presence_batch, typing_ttl: cfg.typing_ttl };
        let state = State {
            plans,
            rooms: HashMap::new(),
            logs: HashMap::new(),
            conns: Connections::default(),
            presence: HashMap::new(),
            timers: BTreeSet::new(),
            timing,
            wake: wake.clone(),
        };
        Hub { state: Mutex::new(state), cfg, counters: Counters::default(), started: Instant::now(), presence_wake: wake }
    }

    /// Adds (or replaces) a plan, e.g. to embed the server with other data than the demo.
    pub fn add_plan(&self, id: &str, title: &str, members: Vec<UserId>, tasks: &[(&str, TaskStatus)]) {
        self.state().plans.add_plan(id, title, members, tasks);
    }

    fn state(&self) -> MutexGuard<'_, State> {
        lock(&self.state)
    }

    /// Registers an authenticated connection, unless a connection cap is reached.
    pub fn register(&self, claims: &Claims) -> Result<Registration, &'static str> {
        self.state().conns.register(claims, &self.cfg, &self.counters)
    }

    /// Removes a connection, leaving its rooms (announcing users whose last connection it was).
    pub fn unregister(&self, id: ConnId) {
        let mut st = self.state();
        let Some(entry) = st.conns.remove(id) else { return };
        let now = Instant::now();
        for plan_id in entry.rooms {
            st.leave_room(&plan_id, id, now, &self.counters);
        }
    }

    /// Answers a `ping` with the connection confirmation shape.
    pub fn pong(&self, id: ConnId) {
        let st = self.state();
        let Some(entry) = st.conns.get(id) else { return };
        entry.deliver(connected_frame(&entry.user_id, id), &self.counters);
    }

    /// Sends an `error` message to one connection.
    pub fn send_error(&self, id: ConnId, code: ErrorCode, message: &str, plan_id: Option<&str>, retry_after_ms: Option<u64>) {
        let st = self.state();
        if let Some(entry) = st.conns.get(id) {
            self.counters.error();
            entry.deliver(error_frame(code, message, plan_id, retry_after_ms), &self.counters);
        }
    }

    /// Marks the connection active in all its rooms.
    pub fn touch(&self, id: ConnId) {
        let mut st = self.state();
        let now = Instant::now();
        let State { conns, rooms, .. } = &mut *st;
        if let Some(entry) = conns.get_mut(id) {
            entry.last_active = now;
            for plan_id in &entry.rooms {
                if let Some(room) = rooms.get_mut(plan_id) {
                    room.touch(id, now);
                }
            }
        }
    }

    /// `join-plan`: checks access, adds the connection, confirms (replaying missed events when
    /// `last_seq` is given, still covered, and of this history: `epoch` absent, as from clients
    /// without epochs, or equal to the room's) and tells the others if the user is new here.
    pub fn join(&self, id: ConnId, plan_id: &str, last_seq: Option<u64>, epoch: Option<&str>) {
        let mut st = self.state();
        let Some(entry) = st.conns.get(id) else { return };
        if entry.ctl.pending_close().is_some() {
            // Closing (e.g. swept): it must not re-enter a room its disconnect would not leave.
            return;
        }
        let (user_id, user_name) = (entry.user_id.clone(), entry.user_name.clone());
        if let Err(e) = st.plans.check_access(plan_id, &user_id) {
            let (code, msg) = e.code_and_message();
            self.counters.error();
            entry.deliver(error_frame(code, msg, Some(plan_id), None), &self.counters);
            return;
        }
        let now = Instant::now();
        let State { rooms, logs, conns, presence, .. } = &mut *st;
        let room = rooms.entry(plan_id.to_owned()).or_insert_with(|| Room::new(now));
        let first_for_user = room.join(id, &user_id, &user_name, now);
        let entry = conns.get_mut(id).expect("checked above");
        if !entry.rooms.iter().any(|r| r == plan_id) {
            entry.rooms.push(plan_id.to_owned());
        }
        let log = logs.entry(plan_id.to_owned()).or_insert_with(|| self.new_log());
        // Replay only what fits in the queue beside the confirmation; otherwise ask for a resync.
        let same_history = epoch.map_or(true, |e| e == log.epoch());
        let replay = last_seq.map(|l| {
            same_history.then(|| log.since(l, now)).flatten().filter(|frames| frames.len() < entry.spare_capacity())
        });
        let participants = room.participants();
        let presence = presence.get(plan_id).map_or_else(Vec::new, |rp| {
            participants.iter().filter_map(|p| rp.snapshot(&p.user_id, now)).collect()
        });
        let confirm = JoinConfirm {
            success: true,
            participant_count: room.participant_count(),
            participants,
            recovered: replay.as_ref().map(Option::is_some),
            seq: Some(log.latest()),
            epoch: Some(log.epoch().to_owned()),
        };
        entry.deliver(join_confirm_frame(plan_id, confirm, presence), &self.counters);
        for frame in replay.flatten().unwrap_or_default() {
            entry.deliver(frame, &self.counters);
        }
        if first_for_user {
            let joined = UserJoined { user_id, user_name, participant_count: room.participant_count() };
            conns.send_room(room, &user_joined_frame(plan_id, joined), Some(id), &self.counters);
        }
    }

    /// `leave-plan`: removes the connection from the room (a no-op when it is not in it).
    pub fn leave(&self, id: ConnId, plan_id: &str) {
        let mut st = self.state();
        let Some(entry) = st.conns.get_mut(id) else { return };
        entry.rooms.retain(|r| r != plan_id);
        st.leave_room(plan_id, id, Instant::now(), &self.counters);
    }

    /// `presence-update` (**extension**, data already checked): applies it to this connection's
    /// presence in the room and broadcasts the user's merged presence (now, or coalesced); answers
    /// `NOT_IN_ROOM` or `PRESENCE_TOO_LARGE` instead when refused.
    pub fn presence_update(&self, id: ConnId, plan_id: &str, update: PresenceUpdate<Obj>) {
        let mut st = self.state();
        let Some(entry) = st.conns.get(id) else { return };
        if !entry.rooms.iter().any(|r| r == plan_id) {
            self.counters.error();
            let msg = format!("not in room {plan_id:?}: join it first");
            entry.deliver(error_frame(ErrorCode::NotInRoom, &msg, Some(plan_id), None), &self.counters);
            return;
        }
        let (user_id, user_name) = (entry.user_id.clone(), entry.user_name.clone());
        let now = Instant::now();
        let State { rooms, conns, presence, timing, .. } = &mut *st;
        let rp = presence.entry(plan_id.to_owned()).or_default();
        match rp.update(id, &user_id, &user_name, update, now, timing) {
            Ok(Some(out)) => {
                if let Some(room) = rooms.get(plan_id) {
                    conns.send_room(room, &presence_frame(plan_id, &out), None, &self.counters);
                }
            }
            Ok(None) => {}
            Err(too_large) => {
                self.counters.error();
                if let Some(entry) = conns.get(id) {
                    entry.deliver(error_frame(ErrorCode::PresenceTooLarge, &too_large.0, Some(plan_id), None), &self.counters);
                }
            }
        }
        st.schedule(plan_id);
    }

    /// Sends the coalesced presence frames and typing expiries due at `now`; returns the next
    /// deadline, if any.
    pub fn presence_tick(&self, now: Instant) -> Option<Instant> {
        let mut st = self.state();
        while let Some((t, plan_id)) = st.timers.first().cloned().filter(|(t, _)| *t <= now) {
            st.timers.remove(&(t, plan_id.clone()));
            let State { rooms, conns, presence, timing, .. } = &mut *st;
            let Some(rp) = presence.get_mut(&plan_id) else { continue };
            if rp.scheduled == Some(t) {
                rp.scheduled = None;
            }
            let frames = rp.tick(now, timing);
            if let Some(room) = rooms.get(&plan_id) {
                for out in &frames {
                    conns.send_room(room, &presence_frame(&plan_id, out), None, &self.counters);
                }
            }
            st.schedule(&plan_id);
        }
        st.timers.first().map(|(t, _)| *t)
    }

    /// `GET /api/plans/:planId`: the plan with its tasks in order, the room's latest `seq` and
    /// its epoch.
    pub fn plan(&self, plan_id: &str, user: &UserId) -> Result<Plan, PlanError> {
        let mut st = self.state();
        st.plans.get(plan_id, user)?;
        let log = st.logs.entry(plan_id.to_owned()).or_insert_with(|| self.new_log());
        let (seq, epoch) = (log.latest(), log.epoch().to_owned());
        let plan = st.plans.get(plan_id, user)?;
        Ok(Plan {
            id: plan.id.clone(),
            title: plan.title.clone(),
            members: plan.members.clone(),
            tasks: plan.tasks.clone(),
            progress: plan.progress(),
            seq,
            epoch,
        })
    }

    /// Runs a plan mutation and broadcasts the events it returns (plan id, response, events) to
    /// the plan's room, skipping the connection `exclude` only when it is one of `caller`'s (no
    /// user can keep another from receiving a change). `change` runs under the lock: it should
    /// only change the store (bodies are parsed and checked before).
    pub fn mutate<R>(
        &self,
        caller: &UserId,
        exclude: Option<ConnId>,
        change: impl FnOnce(&mut PlanStore) -> Result<(String, R, Vec<PlanEvent>), PlanError>,
    ) -> Result<Mutation<R>, PlanError> {
        let mut st = self.state();
        let exclude = exclude.filter(|id| st.conns.get(*id).is_some_and(|c| c.user_id == *caller));
        let (plan_id, value, events) = change(&mut st.plans)?;
        let mut seq = st.logs.get(&plan_id).map_or(0, EventLog::latest);
        for event in &events {
            seq = self.broadcast(&mut st, &plan_id, event, exclude);
        }
        Ok(Mutation { value, seq })
    }

    /// Assigns the next `seq`, records the broadcast and sends it to the room.
    fn broadcast(&self, st: &mut State, plan_id: &str, event: &PlanEvent, exclude: Option<ConnId>) -> u64 {
        let now = Instant::now();
        let log = st.logs.entry(plan_id.to_owned()).or_insert_with(|| self.new_log());
        let seq = log.next_seq();
        let frame = event_frame(plan_id, event, &now_iso(), seq);
        log.record(seq, frame.clone(), now);
        if let Some(room) = st.rooms.get(plan_id) {
            st.conns.send_room(room, &frame, exclude, &self.counters);
        }
        seq
    }

    /// Test hook for the flood fault: `count` realistic `task-updated` broadcasts to the room,
    /// each retitling the task (`flood i of count`) so the plan stays consistent with its events.
    pub fn flood(&self, plan_id: &str, task_id: Option<u64>, count: u64) -> Result<(), PlanError> {
        for i in 1..=count {
            // One lock per event, so other connections and routes interleave.
            let mut st = self.state();
            let task = st.plans.flood_update(plan_id, task_id, i, count)?;
            self.broadcast(&mut st, plan_id, &PlanEvent::TaskUpdated(task), None);
        }
        Ok(())
    }

    /// Closes every connection idle in a room for longer than `inactive_after` with 4002
    /// `inactive`, and deletes rooms empty for too long.
    ///
    /// A swept connection leaves all its rooms here, under the same lock as the close request, so
    /// no broadcast or presence reaches it after the sweep and `leave-plan` is announced once (its
    /// disconnect then finds no room left). A join it sends before its task sees the close is
    /// ignored. The rooms' history is kept: the client re-joins with `lastSeq` and recovers.
    pub fn sweep(&self, now: Instant) {
        let mut st = self.state();
        let mut idle: Vec<ConnId> = st.rooms.values().flat_map(|room| room.idle(now, self.cfg.inactive_after)).collect();
        idle.sort_unstable();
        idle.dedup();
        for id in idle {
            let plan_ids = match st.conns.get_mut(id) {
                Some(entry) => {
                    entry.ctl.close(CloseCmd::Frame(CloseCode::Inactive, INACTIVE_REASON.into()));
                    std::mem::take(&mut entry.rooms)
                }
                // A membership without a connection cannot happen (unregister leaves every room);
                // should it, the member is just removed.
                None => st.rooms.iter().filter(|(_, room)| room.contains(id)).map(|(p, _)| p.clone()).collect(),
            };
            for plan_id in plan_ids {
                st.leave_room(&plan_id, id, now, &self.counters);
            }
        }
        // A connection in no room is swept too: it would otherwise hold a socket forever.
        for id in st.conns.idle_roomless(now, self.cfg.inactive_after) {
            if let Some(entry) = st.conns.get(id) {
                entry.ctl.close(CloseCmd::Frame(CloseCode::Inactive, INACTIVE_REASON.into()));
            }
        }
        st.rooms.retain(|_, room| !room.expired(now, self.cfg.empty_room_ttl));
    }

    /// Drops every room's history and `seq` (the restart fault's `forgetHistory`): each room's
    /// next log starts at `seq` 1 under a new epoch.
    pub fn forget_history(&self) {
        self.state().logs.clear();
    }

    /// Asks every matching connection to close; returns how many matched.
    pub fn close_matching(&self, filter: &ConnFilter, cmd: &CloseCmd) -> usize {
        self.state().conns.close_matching(filter, cmd)
    }

    /// The control handle of a connection.
    pub fn ctl(&self, id: ConnId) -> Option<Arc<ConnCtl>> {
        self.state().conns.get(id).map(|e| e.ctl.clone())
    }

    /// Queues a raw text frame to every matching connection; returns how many got it.
    pub fn send_raw(&self, filter: &ConnFilter, frame: &str) -> usize {
        let frame = Frame::from(frame.to_owned());
        self.state().conns.send_matching(filter, &frame, &self.counters)
    }

    /// Open connections.
    pub fn connection_count(&self) -> usize {
        self.state().conns.len()
    }

    /// The metrics document.
    pub fn metrics(&self) -> Metrics {
        let st = self.state();
        let (messages_in, messages_out, errors) = self.counters.snapshot();
        let rooms = st.rooms.len();
        let participants: usize = st.rooms.values().map(|r| r.participant_count() as usize).sum();
        Metrics {
            connections: st.conns.len(),
            rooms,
            participants,
            messages_in,
            messages_out,
            errors,
            average_room_size: if rooms == 0 { 0.0 } else { participants as f64 / rooms as f64 },
            uptime_ms: self.uptime_ms(),
            pending_connections: 0,
            limits: self.counters.limits(),
        }
    }

    /// Milliseconds since the hub was created.
    pub fn uptime_ms(&self) -> u64 {
        self.started.elapsed().as_millis() as u64
    }

    fn new_log(&self) -> EventLog {
        EventLog::new(self.cfg.history_max_events, self.cfg.history_max_age).with_max_bytes(self.cfg.limits.history_max_bytes)
    }
}

impl State {
    /// Removes the connection from the room. Its presence goes with it: the user's merged presence
    /// is re-broadcast (coalesced), or, when it was their last connection there, cleared at once
    /// (if the room had been told any), right before the user-left notification.
    fn leave_room(&mut self, plan_id: &str, id: ConnId, now: Instant, counters: &Counters) {
        let Some(room) = self.rooms.get_mut(plan_id) else { return };
        let departed = room.leave(id, now);
        if let Some(rp) = self.presence.get_mut(plan_id) {
            if let Some(out) = rp.remove_conn(id, departed.as_ref().map(|d| &d.user_id), now, &self.timing) {
                self.conns.send_room(room, &presence_frame(plan_id, &out), None, counters);
            }
            if rp.is_empty() {
                self.presence.remove(plan_id);
            }
        }
        if let Some(departed) = departed {
            let frame = user_left_frame(plan_id, departed, room.participant_count());
            self.conns.send_room(room, &frame, None, counters);
        }
        self.schedule(plan_id);
    }

    /// Queues a timer for the room's next presence deadline, unless one at or before it is queued.
    fn schedule(&mut self, plan_id: &str) {
        let Some(rp) = self.presence.get_mut(plan_id) else { return };
        let Some(deadline) = rp.next_deadline() else { return };
        if rp.scheduled.map_or(true, |s| deadline < s) {
            rp.scheduled = Some(deadline);
            self.timers.insert((deadline, plan_id.to_owned()));
            self.wake.notify_one();
        }
    }
}
