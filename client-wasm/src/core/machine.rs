//! The connection state machine: every rule about connecting, reconnecting, keeping alive,
//! authenticating and joining rooms, driven by inputs stamped with the current time.

use super::auth::{self, AuthRetry};
use super::backoff::{Backoff, Rng};
use super::decode::{self, Body, DecodeError, Frame, Header, Value, INVALID_FRAME};
use super::event::{Event, Meta};
use super::heartbeat::{Beat, Heartbeat};
use super::options::{AuthMode, ConfigError, Options};
use super::rooms::{Room, Rooms};
use super::seq::{resync_reason, Verdict};
use std::collections::VecDeque;
use planwire_protocol::{close_code, ClientMessage, Connected, Participant, PresenceEntry, PresenceMessage, UserId};
use serde::Serialize;

/// Close code the client uses when it closes a link itself (pong or connect timeout, offline).
pub const LOCAL_CLOSE: u16 = 4000;

/// The connection state the application sees.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
pub enum ConnectionState {
    /// Created, `connect()` not called yet.
    Idle,
    /// First connection attempt in progress.
    Connecting,
    /// Connected and confirmed by the server.
    Open,
    /// The connection was lost (or an attempt failed); trying again.
    Reconnecting,
    /// Closed by the caller.
    Closed,
    /// Gave up (`unauthorized`, `max-attempts`, token error) until `connect()`/`reconnect()`.
    Failed,
}

/// The short name the core uses.
pub type State = ConnectionState;

impl State {
    /// The JS name.
    pub fn as_str(self) -> &'static str {
        match self {
            State::Idle => "idle",
            State::Connecting => "connecting",
            State::Open => "open",
            State::Reconnecting => "reconnecting",
            State::Closed => "closed",
            State::Failed => "failed",
        }
    }
}

/// A message to the server: one of seed 000's, or a presence update (**extension**). Serialises
/// as the message itself.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Outgoing<P> {
    /// `join-plan`, `leave-plan`, `ping`, `auth`.
    Seed(ClientMessage),
    /// `presence-update`.
    Presence(PresenceMessage<P>),
}

/// What the machine asks the glue to do.
#[derive(Clone, Debug, PartialEq)]
pub enum Action<P> {
    /// Call `getToken`, then [`Machine::token_ready`] or [`Machine::token_failed`] with `ticket`.
    FetchToken {
        /// Identifies this request; answers to older tickets are ignored.
        ticket: u32,
    },
    /// Open a WebSocket to `url` (there is no socket at this point).
    OpenSocket {
        /// Full URL, token included in query mode.
        url: String,
    },
    /// Send a message on the current socket (the glue encodes it as JSON text).
    Send(Outgoing<P>),
    /// Close the current socket and forget it: its later events must not reach the machine.
    CloseSocket {
        /// Close code.
        code: u16,
        /// Close reason.
        reason: &'static str,
    },
    /// Deliver an event to the application.
    Emit(Event<P>),
}

/// Where the connection is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    Idle,
    Closed,
    Failed,
    /// Waiting before the next attempt; `None` waits for the browser to come back online.
    Backoff { until: Option<u64> },
    /// Waiting for `getToken`; the whole attempt must succeed by `deadline`.
    Token { ticket: u32, deadline: u64 },
    /// Socket created, not open yet.
    Opening { deadline: u64 },
    /// Socket open, waiting for the server's connection confirmation.
    Handshake { deadline: u64 },
    /// Confirmed; the attempt counter resets at `stable_at`.
    Open { stable_at: Option<u64> },
}

impl Phase {
    fn has_socket(self) -> bool {
        matches!(self, Phase::Opening { .. } | Phase::Handshake { .. } | Phase::Open { .. })
    }
}

/// The sans-IO client: feed it inputs, drain [`Machine::poll_action`], sleep until
/// [`Machine::next_deadline`] and then call [`Machine::handle_timeout`].
#[derive(Debug)]
pub struct Machine<P> {
    options: Options,
    backoff: Backoff,
    rng: Rng,
    heartbeat: Heartbeat,
    rooms: Rooms<P>,
    auth_retry: AuthRetry,
    phase: Phase,
    state: State,
    /// Reconnect attempts since the last stable connection.
    attempt: u32,
    /// Whether a connection of this session was lost (non-open phases show as `reconnecting`).
    retrying: bool,
    /// Whether a connection of this session was confirmed (the next one is a reconnect).
    ever_opened: bool,
    /// The browser said it is offline: automatic attempts wait for `online`.
    offline: bool,
    ticket: u32,
    /// Token to send as the first frame (message auth mode).
    auth_token: Option<String>,
    user_id: Option<UserId>,
    connection_id: Option<String>,
    /// Actions not yet taken by the glue, oldest first (a handful at a time).
    actions: VecDeque<Action<P>>,
}

fn check_plan_id(plan_id: &str) -> Result<(), ConfigError> {
    if plan_id.is_empty() {
        return Err(ConfigError { code: "INVALID_PLAN_ID", message: "planId must be a non-empty string" });
    }
    Ok(())
}

impl<P: Value> Machine<P> {
    /// A machine in state `idle`; `seed` feeds the jitter of the backoff.
    pub fn new(options: Options, seed: u64) -> Machine<P> {
        Machine {
            backoff: Backoff::new(&options),
            heartbeat: Heartbeat::new(options.ping_interval_ms, options.pong_timeout_ms),
            options,
            rng: Rng::new(seed),
            rooms: Rooms::default(),
            auth_retry: AuthRetry::default(),
            phase: Phase::Idle,
            state: State::Idle,
            attempt: 0,
            retrying: false,
            ever_opened: false,
            offline: false,
            ticket: 0,
            auth_token: None,
            user_id: None,
            connection_id: None,
            actions: VecDeque::new(),
        }
    }

    // ------------------------------------------------------------------ reading

    /// The state the application sees.
    pub fn state(&self) -> State {
        self.state
    }

    /// Whether the connection is open and confirmed.
    pub fn is_connected(&self) -> bool {
        self.state == State::Open
    }

    /// The server's id for the current connection (**extension**).
    pub fn connection_id(&self) -> Option<&str> {
        self.connection_id.as_deref()
    }

    /// The authenticated user of the current connection.
    pub fn user_id(&self) -> Option<&UserId> {
        self.user_id.as_ref()
    }

    /// The room for `plan_id`, if the caller joined it.
    pub fn room(&self, plan_id: &str) -> Option<&Room<P>> {
        self.rooms.get(plan_id)
    }

    /// Distinct users in a joined room (0 when not joined, or while disconnected).
    pub fn participant_count(&self, plan_id: &str) -> u32 {
        self.room(plan_id).map_or(0, |r| r.participant_count)
    }

    /// The participants of a joined room (empty when not joined, or while disconnected).
    pub fn participants(&self, plan_id: &str) -> &[Participant] {
        self.room(plan_id).map_or(&[], |r| &r.participants)
    }

    /// **Extension.** The other users' presence in a joined room (empty when not joined, or while
    /// disconnected).
    pub fn presence(&self, plan_id: &str) -> &[PresenceEntry<P>] {
        self.room(plan_id).map_or(&[], |r| r.presence.others())
    }

    /// **Extension.** This client's own presence state in a joined room, as merged locally.
    pub fn my_presence(&self, plan_id: &str) -> Option<&P> {
        self.room(plan_id).and_then(|r| r.presence.mine())
    }

    /// The reconnect attempts made since the last stable connection.
    pub fn attempt(&self) -> u32 {
        self.attempt
    }

    /// The next action for the glue, in order.
    pub fn poll_action(&mut self) -> Option<Action<P>> {
        self.actions.pop_front()
    }

    /// When [`Machine::handle_timeout`] must next be called.
    pub fn next_deadline(&self) -> Option<u64> {
        match self.phase {
            Phase::Backoff { until } => until,
            Phase::Token { deadline, .. } | Phase::Opening { deadline } | Phase::Handshake { deadline } => {
                Some(deadline)
            }
            Phase::Open { stable_at } => {
                let presence = self.rooms.iter().filter(|r| r.joined).filter_map(|r| r.presence.deadline());
                [stable_at, self.heartbeat.deadline()].into_iter().flatten().chain(presence).min()
            }
            Phase::Idle | Phase::Closed | Phase::Failed => None,
        }
    }

    // ------------------------------------------------------------------ caller inputs

    /// `connect()`: from `idle`, `closed` or `failed`, starts connecting; otherwise a no-op.
    pub fn connect(&mut self, now: u64) {
        if matches!(self.phase, Phase::Idle | Phase::Closed | Phase::Failed) {
            self.ever_opened = false;
            self.start(false, now);
        }
    }

    /// `reconnect()`: drops any socket, resets the attempt counter and connects now.
    pub fn reconnect(&mut self, now: u64) {
        let retrying = !matches!(self.phase, Phase::Idle | Phase::Closed);
        self.drop_link(close_code::NORMAL, "reconnect", true);
        self.start(retrying, now);
    }

    /// `close()`: closes with 1000 and never reconnects. Nothing queued before is delivered.
    pub fn close(&mut self) {
        if self.phase == Phase::Closed {
            return;
        }
        self.actions.clear();
        self.drop_link(close_code::NORMAL, "", false);
        self.phase = Phase::Closed;
        self.sync_state();
    }

    /// `join(planId)`: reference-counted; the first reference sends `join-plan` now or once connected.
    pub fn join(&mut self, plan_id: &str) -> Result<(), ConfigError> {
        check_plan_id(plan_id)?;
        if self.rooms.add_ref(plan_id) && matches!(self.phase, Phase::Open { .. }) {
            if let Some(room) = self.rooms.get_mut(plan_id) {
                let last_seq = room.join_sent();
                self.send(ClientMessage::JoinPlan { plan_id: plan_id.into(), last_seq });
            }
        }
        Ok(())
    }

    /// `leave(planId)`: `leave-plan` goes out when the last reference leaves.
    pub fn leave(&mut self, plan_id: &str) -> Result<(), ConfigError> {
        check_plan_id(plan_id)?;
        if self.rooms.release(plan_id) && matches!(self.phase, Phase::Open { .. }) {
            self.send(ClientMessage::LeavePlan { plan_id: plan_id.into() });
        }
        Ok(())
    }

    /// `setToken(token)`: the fixed token used from the next connection attempt on (the open
    /// connection keeps its own); `None` removes it. Ignored for the URL when there is `getToken`.
    pub fn set_token(&mut self, token: Option<String>) -> Result<(), ConfigError> {
        if token.as_deref() == Some("") {
            return Err(ConfigError::option("token must be a non-empty string"));
        }
        self.options.token = token;
        Ok(())
    }

    /// **Extension.** `updatePresence(planId, patch)`: merges `patch` (an object; a `null` value
    /// removes a key) into this client's state in a room it joined; sent throttled, and again after
    /// every re-join.
    pub fn update_presence(&mut self, plan_id: &str, patch: &P, now: u64) -> Result<(), ConfigError> {
        let room = self.joined_room(plan_id)?;
        if !room.presence.update(patch) {
            return Err(ConfigError { code: "INVALID_PRESENCE", message: "presence must be an object" });
        }
        self.flush_presence(now);
        Ok(())
    }

    /// **Extension.** `setTyping(planId, mark)`: marks typing (an object, e.g. `{taskId: "3"}`;
    /// call again while keys are pressed to keep it alive) or stops with `None`.
    pub fn set_typing(&mut self, plan_id: &str, mark: Option<&P>, now: u64) -> Result<(), ConfigError> {
        let room = self.joined_room(plan_id)?;
        if !room.presence.set_typing(mark, now) {
            return Err(ConfigError { code: "INVALID_PRESENCE", message: "a typing mark must be an object" });
        }
        self.flush_presence(now);
        Ok(())
    }

    fn joined_room(&mut self, plan_id: &str) -> Result<&mut Room<P>, ConfigError> {
        check_plan_id(plan_id)?;
        self.rooms
            .get_mut(plan_id)
            .ok_or(ConfigError { code: "NOT_JOINED", message: "join the plan before setting presence" })
    }

    // ------------------------------------------------------------------ glue inputs

    /// `getToken` resolved for `ticket`.
    pub fn token_ready(&mut self, ticket: u32, token: String) {
        let Phase::Token { ticket: current, deadline } = self.phase else { return };
        if current != ticket {
            return;
        }
        if token.is_empty() {
            return self.token_failed(ticket, "getToken resolved to an empty token");
        }
        self.open_socket(Some(token), deadline);
    }

    /// `getToken` rejected (or resolved to something else than a string) for `ticket`:
    /// the client fails with `token-error: …`, without retrying.
    pub fn token_failed(&mut self, ticket: u32, message: &str) {
        if !matches!(self.phase, Phase::Token { ticket: current, .. } if current == ticket) {
            return;
        }
        let mut reason = String::from("token-error: ");
        reason.push_str(message);
        self.fail(reason);
    }

    /// The socket opened.
    pub fn socket_opened(&mut self) {
        let Phase::Opening { deadline } = self.phase else { return };
        if let Some(token) = self.auth_token.take() {
            self.send(ClientMessage::Auth { token });
        }
        self.phase = Phase::Handshake { deadline };
    }

    /// A text frame arrived, parsed by the glue into its header; `Err` when it was not even a
    /// JSON object with a string `type`.
    pub fn frame_received(&mut self, header: Result<Header<P>, DecodeError>, now: u64) {
        if !matches!(self.phase, Phase::Handshake { .. } | Phase::Open { .. }) {
            return;
        }
        self.heartbeat.frame_received();
        match header.and_then(decode::decode) {
            Ok(frame) => self.on_frame(frame, now),
            Err(e) => self.emit_invalid(e.message),
        }
    }

    /// A frame that is not JSON at all (the glue could not parse it).
    pub fn unreadable_frame(&mut self, now: u64) {
        self.frame_received(Err(DecodeError { message: decode::NOT_AN_ENVELOPE }), now);
    }

    /// A binary frame arrived: alive, but not part of the protocol.
    pub fn binary_received(&mut self) {
        if matches!(self.phase, Phase::Handshake { .. } | Phase::Open { .. }) {
            self.heartbeat.frame_received();
            self.emit_invalid("binary frames are not part of the protocol");
        }
    }

    /// The socket closed (by the server, the network, or a failed open).
    pub fn socket_closed(&mut self, code: u16, reason: &str, now: u64) {
        if !self.phase.has_socket() {
            return;
        }
        self.link_lost();
        if code == close_code::UNAUTHORIZED {
            self.unauthorized(reason, now);
        } else {
            self.retry_later(Some((code, reason.into())), now);
        }
    }

    /// The deadline passed (calling it early or late is harmless).
    pub fn handle_timeout(&mut self, now: u64) {
        match self.phase {
            Phase::Backoff { until: Some(at) } if now >= at => {
                self.begin_attempt(now);
                self.sync_state();
            }
            Phase::Token { deadline, .. } if now >= deadline => self.retry_later(None, now),
            Phase::Opening { deadline } | Phase::Handshake { deadline } if now >= deadline => {
                self.local_close("connect timeout", now)
            }
            Phase::Open { stable_at } => {
                self.flush_presence(now);
                if stable_at.is_some_and(|at| now >= at) {
                    self.attempt = 0;
                    self.auth_retry.reset();
                    self.phase = Phase::Open { stable_at: None };
                }
                match self.heartbeat.poll(now) {
                    Beat::Dead => self.local_close("pong timeout", now),
                    Beat::SendPing => self.send(ClientMessage::Ping),
                    Beat::Idle => {}
                }
            }
            _ => {}
        }
    }

    /// The browser is online again: a waiting reconnect happens now; an open link is checked.
    pub fn online(&mut self, now: u64) {
        self.offline = false;
        match self.phase {
            Phase::Backoff { .. } => {
                self.begin_attempt(now);
                self.sync_state();
            }
            Phase::Open { .. } => self.probe(now),
            _ => {}
        }
    }

    /// The browser went offline: the link is dropped at once and attempts wait for `online`.
    pub fn offline(&mut self) {
        self.offline = true;
        match self.phase {
            Phase::Token { .. } | Phase::Opening { .. } | Phase::Handshake { .. } | Phase::Open { .. } => {
                self.drop_link(LOCAL_CLOSE, "offline", true);
                self.retrying = true;
                self.phase = Phase::Backoff { until: None };
                self.sync_state();
            }
            Phase::Backoff { .. } => self.phase = Phase::Backoff { until: None },
            _ => {}
        }
    }

    /// The page became visible: an open link is checked at once (timers may have been throttled).
    pub fn visible(&mut self, now: u64) {
        if matches!(self.phase, Phase::Open { .. }) {
            self.probe(now);
        }
    }

    // ------------------------------------------------------------------ internals


    fn emit(&mut self, event: Event<P>) {
        self.actions.push_back(Action::Emit(event));
    }

    fn emit_invalid(&mut self, message: &str) {
        self.emit(Event::Error { code: INVALID_FRAME.into(), message: message.into(), plan_id: None });
    }

    fn send(&mut self, message: ClientMessage) {
        self.actions.push_back(Action::Send(Outgoing::Seed(message)));
    }

    /// Sends the presence updates that are due, for rooms joined on an open connection.
    fn flush_presence(&mut self, now: u64) {
        if !matches!(self.phase, Phase::Open { .. }) {
            return;
        }
        for room in self.rooms.iter_mut().filter(|r| r.joined) {
            if let Some(data) = room.presence.poll(now) {
                let message = PresenceMessage::Update { plan_id: room.plan_id.clone(), data };
                self.actions.push_back(Action::Send(Outgoing::Presence(message)));
            }
        }
    }

    fn presence_changed(&mut self, plan_id: String) {
        let Some(room) = self.rooms.get(&plan_id) else { return };
        let presence = room.presence.others().to_vec();
        self.emit(Event::PresenceChanged { plan_id, presence });
    }

    fn sync_state(&mut self) {
        let state = match self.phase {
            Phase::Idle => State::Idle,
            Phase::Closed => State::Closed,
            Phase::Failed => State::Failed,
            Phase::Open { .. } => State::Open,
            _ if self.retrying => State::Reconnecting,
            _ => State::Connecting,
        };
        if state != self.state {
            self.state = state;
            self.emit(Event::StateChanged(state));
        }
    }

    fn start(&mut self, retrying: bool, now: u64) {
        self.attempt = 0;
        self.auth_retry.reset();
        self.retrying = retrying;
        self.begin_attempt(now);
        self.sync_state();
    }

    /// Starts one connection attempt: fetch a token first when there is `getToken`.
    fn begin_attempt(&mut self, now: u64) {
        let deadline = now.saturating_add(self.options.connect_timeout_ms);
        if self.options.has_get_token {
            self.ticket = self.ticket.wrapping_add(1);
            self.phase = Phase::Token { ticket: self.ticket, deadline };
            self.actions.push_back(Action::FetchToken { ticket: self.ticket });
        } else {
            let token = self.options.token.clone();
            self.open_socket(token, deadline);
        }
    }

    fn open_socket(&mut self, token: Option<String>, deadline: u64) {
        let url = auth::socket_url(&self.options.url, token.as_deref(), self.options.auth_mode);
        self.auth_token = if self.options.auth_mode == AuthMode::Message { token } else { None };
        self.phase = Phase::Opening { deadline };
        self.actions.push_back(Action::OpenSocket { url });
    }

    /// The server confirmed the connection.
    fn opened(&mut self, confirmation: Connected, now: u64) {
        self.phase = Phase::Open { stable_at: Some(now.saturating_add(self.options.stable_after_ms)) };
        self.heartbeat.start(now);
        self.connection_id = confirmation.connection_id.clone();
        self.user_id = Some(confirmation.user_id.clone());
        let reconnected = self.ever_opened;
        self.ever_opened = true;
        self.sync_state();
        self.emit(Event::Open {
            user_id: confirmation.user_id,
            connection_id: confirmation.connection_id,
            reconnected,
        });
        if reconnected {
            self.emit(Event::Reconnected);
        }
        for room in self.rooms.iter_mut() {
            let last_seq = room.join_sent();
            let message = ClientMessage::JoinPlan { plan_id: room.plan_id.clone(), last_seq };
            self.actions.push_back(Action::Send(Outgoing::Seed(message)));
        }
    }

    /// Forgets the socket's per-connection state (it is gone or being closed).
    fn link_lost(&mut self) {
        self.heartbeat.stop();
        for plan_id in self.rooms.disconnected() {
            self.participants_changed(plan_id);
        }
        let gone: Vec<String> =
            self.rooms.iter_mut().filter_map(|r| r.presence.disconnected().then(|| r.plan_id.clone())).collect();
        for plan_id in gone {
            self.presence_changed(plan_id);
        }
        self.connection_id = None;
        self.auth_token = None;
    }

    /// The client closes its own socket, if it has one, and reports the close.
    fn drop_link(&mut self, code: u16, reason: &'static str, will_reconnect: bool) {
        if self.phase.has_socket() {
            self.actions.push_back(Action::CloseSocket { code, reason });
            self.emit(Event::Close { code, reason: reason.into(), will_reconnect });
        }
        self.link_lost();
    }

    /// The client gives up on a link that timed out, then backs off.
    fn local_close(&mut self, reason: &'static str, now: u64) {
        self.actions.push_back(Action::CloseSocket { code: LOCAL_CLOSE, reason });
        self.link_lost();
        self.retry_later(Some((LOCAL_CLOSE, reason.into())), now);
    }

    /// After a lost link or failed attempt: schedule the next attempt, or fail after the last one.
    fn retry_later(&mut self, close: Option<(u16, String)>, now: u64) {
        self.retrying = true;
        let will_reconnect = self.offline || self.backoff.allows(self.attempt);
        if let Some((code, reason)) = close {
            self.emit(Event::Close { code, reason, will_reconnect });
        }
        if self.offline {
            self.phase = Phase::Backoff { until: None };
            return self.sync_state();
        }
        if !will_reconnect {
            return self.fail("max-attempts".into());
        }
        let delay_ms = self.backoff.delay(self.attempt, &mut self.rng);
        self.attempt = self.attempt.saturating_add(1);
        self.phase = Phase::Backoff { until: Some(now.saturating_add(delay_ms)) };
        self.sync_state();
        self.emit(Event::Reconnecting { attempt: self.attempt, delay_ms });
    }

    /// Close code 4001: one fresh token and one immediate retry when possible, else `failed`.
    fn unauthorized(&mut self, reason: &str, now: u64) {
        let retry = self.backoff.allows(self.attempt) && self.auth_retry.take(self.options.has_get_token);
        self.emit(Event::Close { code: close_code::UNAUTHORIZED, reason: reason.into(), will_reconnect: retry });
        if !retry {
            return self.fail("unauthorized".into());
        }
        self.retrying = true;
        self.attempt = self.attempt.saturating_add(1);
        self.phase = Phase::Backoff { until: Some(now) };
        self.sync_state();
        self.emit(Event::Reconnecting { attempt: self.attempt, delay_ms: 0 });
        self.begin_attempt(now);
    }

    fn fail(&mut self, reason: String) {
        self.phase = Phase::Failed;
        self.auth_token = None;
        self.sync_state();
        self.emit(Event::Failed { reason });
    }

    fn probe(&mut self, now: u64) {
        if self.heartbeat.probe(now) {
            self.send(ClientMessage::Ping);
        }
    }

    fn on_frame(&mut self, frame: Frame<P>, now: u64) {
        let Frame { kind, plan_id, timestamp, seq, body } = frame;
        match body {
            Body::Pong(data) => {
                if matches!(self.phase, Phase::Handshake { .. }) {
                    match data.and_then(|d| d.read::<Connected>()) {
                        Some(confirmation) => self.opened(confirmation, now),
                        None => self.emit_invalid("connection confirmation without valid data"),
                    }
                }
                return;
            }
            Body::Error(e) => {
                let plan_id = e.plan_id.or(plan_id);
                return self.emit(Event::Error { code: e.code, message: e.message, plan_id });
            }
            _ => {}
        }
        let room = plan_id.as_deref().and_then(|p| self.rooms.get_mut(p));
        let Some(room) = room else {
            // Room messages for a room we are not in (left meanwhile) are dropped;
            // unknown types are passed on whatever they belong to.
            if let Body::Unknown(data) = body {
                self.emit(Event::Message { kind, plan_id, data });
            }
            return;
        };
        let plan_id = room.plan_id.clone();
        if let Body::Presence(entry) = body {
            if room.joined && room.presence.received(entry, self.user_id.as_ref()) {
                self.presence_changed(plan_id);
            }
            return;
        }
        if let Body::JoinConfirm(confirm, presence) = body {
            let recovered = confirm.recovered;
            // Already joined on this connection: the answer to a gap recovery, not a new join.
            let gap_recovery = room.joined;
            let before = (room.participant_count, room.participants.clone());
            let resync = room.confirmed(confirm);
            let presence_changed = room.presence.joined(presence, self.user_id.as_ref());
            let participants = room.participants.clone();
            let participant_count = room.participant_count;
            if gap_recovery {
                if resync {
                    self.emit(Event::Resync { plan_id: plan_id.clone(), reason: resync_reason::GAP });
                }
                if before != (participant_count, participants) {
                    self.participants_changed(plan_id.clone());
                }
            } else {
                self.emit(Event::Joined {
                    plan_id: plan_id.clone(),
                    participants: participants.clone(),
                    participant_count,
                    recovered,
                });
                self.emit(Event::ParticipantsChanged { plan_id: plan_id.clone(), participants, participant_count });
                if resync {
                    self.emit(Event::Resync { plan_id: plan_id.clone(), reason: resync_reason::NOT_RECOVERED });
                }
            }
            if presence_changed {
                self.presence_changed(plan_id);
            }
            return self.flush_presence(now);
        }
        match room.seq.accept(seq) {
            Verdict::Duplicate | Verdict::Hold => return,
            Verdict::Recover => {
                let last_seq = room.join_sent();
                return self.send(ClientMessage::JoinPlan { plan_id, last_seq });
            }
            Verdict::Resync => {
                self.emit(Event::Resync { plan_id: plan_id.clone(), reason: resync_reason::GAP });
            }
            Verdict::Apply => {}
        }
        let meta = |plan_id: String| Meta { plan_id, timestamp, seq };
        let event = match body {
            Body::UserJoined(u) => {
                let Some(room) = self.rooms.get_mut(&plan_id) else { return };
                room.user_joined(Participant { user_id: u.user_id.clone(), user_name: u.user_name.clone() }, u.participant_count);
                self.emit(Event::UserJoined {
                    plan_id: plan_id.clone(),
                    user_id: u.user_id,
                    user_name: u.user_name,
                    participant_count: u.participant_count,
                });
                return self.participants_changed(plan_id);
            }
            Body::UserLeft(u) => {
                let Some(room) = self.rooms.get_mut(&plan_id) else { return };
                room.user_left(&u.user_id, u.participant_count);
                self.emit(Event::UserLeft {
                    plan_id: plan_id.clone(),
                    user_id: u.user_id,
                    user_name: u.user_name,
                    participant_count: u.participant_count,
                });
                return self.participants_changed(plan_id);
            }
            Body::TaskUpdated(task) => Event::TaskUpdated { meta: meta(plan_id), task },
            Body::TaskCreated(task) => Event::TaskCreated { meta: meta(plan_id), task },
            Body::TaskDeleted(task_id) => Event::TaskDeleted { meta: meta(plan_id), task_id },
            Body::TaskReordered(task_ids) => Event::TaskReordered { meta: meta(plan_id), task_ids },
            Body::ProgressUpdated(progress) => Event::ProgressUpdated { meta: meta(plan_id), progress },
            Body::Unknown(data) => Event::Message { kind, plan_id: Some(plan_id), data },
            Body::Pong(_) | Body::Error(_) | Body::JoinConfirm(..) | Body::Presence(_) => return,
        };
        self.emit(event);
    }

    fn participants_changed(&mut self, plan_id: String) {
        let Some(room) = self.rooms.get(&plan_id) else { return };
        let event = Event::ParticipantsChanged {
            participants: room.participants.clone(),
            participant_count: room.participant_count,
            plan_id,
        };
        self.emit(event);
    }
}
