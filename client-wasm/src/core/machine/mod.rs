//! The connection state machine: every rule about connecting, reconnecting, keeping alive,
//! authenticating and joining rooms, driven by [`Input`]s stamped with the current time.
//!
//! Split by concern: this file holds the machine's state, the one entry point
//! [`Machine::handle`], the outputs and the timer dispatch; `link.rs` the link half (connect,
//! reconnect, attempts, token, online/offline, heartbeat); `room.rs` the room half (joins and
//! leaves, confirmations, `seq`, presence, frames for rooms); `sync.rs` the synchronized plans
//! (loads, writes, and the room news each plan takes in).

mod link;
mod room;
mod sync;

use super::action::{Action, Actions, Outgoing};
use super::auth::AuthRetry;
use super::backoff::{Backoff, Rng};
use super::decode::Value;
use super::event::{Event, StateChangedPayload};
use super::heartbeat::Heartbeat;
use super::input::Input;
use super::options::{ConfigError, Options};
use super::plan::{Plans, SyncedPlan};
use super::rooms::{Room, Rooms};
use super::state::State;
use super::timers::{Timer, TimerTable};
use planwire_protocol::{ClientMessage, Participant, PresenceEntry, UserId};

/// Where the connection is. Its deadlines are in the [`TimerTable`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    Idle,
    Closed,
    Failed,
    /// Waiting before the next attempt ([`Timer::Backoff`]; not running while offline).
    Backoff,
    /// Waiting for `getToken`'s answer to `ticket`.
    Token { ticket: u32 },
    /// Socket created, not open yet.
    Opening,
    /// Socket open, waiting for the server's connection confirmation.
    Handshake,
    /// Confirmed.
    Open,
}

impl Phase {
    fn has_socket(self) -> bool {
        matches!(self, Phase::Opening | Phase::Handshake | Phase::Open)
    }
}

/// The sans-IO client.
///
/// Methods come in three classes:
/// - **input**: [`Machine::handle`] takes one [`Input`] (an application call or something the
///   browser reported) with the current time in milliseconds;
/// - **output**, polled in this order after every input: [`Machine::poll_action`] until `None`
///   (the actions in order: fetch a token, open, send, close, emit), then
///   [`Machine::next_deadline`], when to feed [`Input::Timer`];
/// - **reading**: `state`, `participants`, `presence`, … (no side effects).
#[derive(Debug)]
pub struct Machine<P> {
    options: Options,
    backoff: Backoff,
    rng: Rng,
    heartbeat: Heartbeat,
    timers: TimerTable,
    rooms: Rooms<P>,
    plans: Plans<P>,
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
    /// The page is frozen or in the back/forward cache: nothing is attempted until it resumes.
    suspended: bool,
    /// The client gave up for a transient reason (not `unauthorized`): it comes back by itself.
    revivable: bool,
    ticket: u32,
    /// The last plan load's ticket.
    load_ticket: u32,
    /// The token the current connection attempt was made with.
    session_token: Option<String>,
    /// Token to send as the first frame (message auth mode).
    auth_token: Option<String>,
    user_id: Option<UserId>,
    connection_id: Option<String>,
    /// Actions not yet taken by the glue, oldest first (a handful at a time).
    actions: Actions<P>,
}

impl<P: Value> Machine<P> {
    /// A machine in state `idle`; `seed` feeds the jitter of the backoff.
    pub fn new(options: Options, seed: u64) -> Machine<P> {
        Machine {
            backoff: Backoff::new(&options),
            heartbeat: Heartbeat::new(options.ping_interval_ms, options.pong_timeout_ms),
            options,
            rng: Rng::new(seed),
            timers: TimerTable::default(),
            rooms: Rooms::default(),
            plans: Plans::default(),
            auth_retry: AuthRetry::default(),
            phase: Phase::Idle,
            state: State::Idle,
            attempt: 0,
            retrying: false,
            ever_opened: false,
            offline: false,
            suspended: false,
            revivable: false,
            ticket: 0,
            load_ticket: 0,
            session_token: None,
            auth_token: None,
            user_id: None,
            connection_id: None,
            actions: Actions::default(),
        }
    }

    // ------------------------------------------------------------------ input

    /// Takes one input at `now` (milliseconds). Only the application's calls can fail: with a
    /// coded error for the caller, and nothing changed.
    #[must_use = "an application call can be refused with a coded error"]
    #[allow(clippy::unit_arg)] // `Ok(self.connect(now))`: the inputs that cannot fail
    pub fn handle(&mut self, input: Input<P>, now: u64) -> Result<(), ConfigError> {
        let result = match input {
            Input::Join(plan_id) => self.join(&plan_id),
            Input::Leave(plan_id) => self.leave(&plan_id),
            Input::SetToken(token) => self.set_token(token),
            Input::UpdatePresence { plan_id, patch } => self.update_presence(&plan_id, &patch, now),
            Input::SetTyping { plan_id, mark } => self.set_typing(&plan_id, mark.as_ref(), now),
            Input::Sync(plan_id) => self.sync(&plan_id),
            Input::Unsync(plan_id) => self.unsync(&plan_id),
            Input::Mutate { id, plan_id, mutation } => self.mutate(id, plan_id, mutation),
            Input::PlanLoaded { ticket, result } => Ok(self.plan_loaded(ticket, result, now)),
            Input::Mutated { id, result } => Ok(self.mutated(id, result)),
            Input::Connect => Ok(self.connect(now)),
            Input::Close => Ok(self.close()),
            Input::Reconnect => Ok(self.reconnect(now)),
            Input::TokenReady { ticket, token } => Ok(self.token_ready(ticket, token, now)),
            Input::TokenFailed { ticket, message, permanent } => Ok(self.token_failed(ticket, &message, permanent, now)),
            Input::SocketOpened => Ok(self.socket_opened()),
            Input::Frame(header) => Ok(self.frame_received(header, now)),
            Input::Binary => Ok(self.binary_received()),
            Input::SocketClosed { code, reason } => Ok(self.socket_closed(code, &reason, now)),
            Input::Online => Ok(self.online(now)),
            Input::Offline => Ok(self.offline()),
            Input::Visible | Input::Focus => Ok(self.visible(now)),
            Input::Suspend => Ok(self.suspend()),
            Input::Resume => Ok(self.resume(now)),
            Input::Timer => Ok(self.handle_timeout(now)),
        };
        self.schedule_presence();
        self.schedule_loads();
        result
    }

    // ------------------------------------------------------------------ output

    /// The next action for the glue, in order.
    #[must_use = "the glue must perform every action it polls"]
    pub fn poll_action(&mut self) -> Option<Action<P>> {
        self.actions.pop_front()
    }

    /// When [`Input::Timer`] must next be fed: the earliest entry of the timer table.
    pub fn next_deadline(&self) -> Option<u64> {
        self.timers.next()
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

    /// The token of the current connection attempt (for the plan loader's REST calls).
    pub fn token(&self) -> Option<&str> {
        self.session_token.as_deref()
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
    pub(crate) fn room(&self, plan_id: &str) -> Option<&Room<P>> {
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

    /// **Extension.** A synchronized plan (`syncPlan`): its tasks, progress, status and pending
    /// writes.
    pub fn plan(&self, plan_id: &str) -> Option<&SyncedPlan<P>> {
        self.plans.get(plan_id)
    }

    /// Whether the browser's events matter now (`online`, `offline`, visibility, focus, page
    /// lifecycle): while connecting, open, reconnecting, or failed for a transient reason.
    pub fn wants_browser_events(&self) -> bool {
        match self.phase {
            Phase::Idle | Phase::Closed => false,
            Phase::Failed => self.revivable,
            _ => true,
        }
    }

    /// The reconnect attempts made since the last stable connection.
    pub fn attempt(&self) -> u32 {
        self.attempt
    }

    // ------------------------------------------------------------------ timers

    /// A wake-up: fires every expired timer once, in [`Timer::ALL`]'s order (calling it early or
    /// late is harmless).
    fn handle_timeout(&mut self, now: u64) {
        for timer in Timer::ALL {
            if self.timers.get(timer).is_none_or(|at| now < at) {
                continue;
            }
            match timer {
                Timer::Backoff => {
                    self.timers.stop(Timer::Backoff);
                    self.begin_attempt(now);
                    self.sync_state();
                }
                Timer::Connect => self.attempt_timed_out(now),
                Timer::Presence => self.flush_presence(now),
                Timer::Stable => {
                    self.timers.stop(Timer::Stable);
                    self.attempt = 0;
                    self.auth_retry.reset();
                }
                Timer::PongTimeout | Timer::Ping => self.beat(now),
                Timer::Revive => {
                    self.timers.stop(Timer::Revive);
                    self.revive(now);
                }
                Timer::PlanRetry => {
                    self.timers.stop(Timer::PlanRetry);
                    self.retry_loads(now);
                }
            }
        }
    }

    // ------------------------------------------------------------------ shared helpers

    fn emit(&mut self, event: Event<P>) {
        self.actions.push_back(Action::Emit(event));
    }

    fn send(&mut self, message: ClientMessage) {
        self.actions.push_back(Action::Send(Outgoing::Seed(message)));
    }

    fn sync_state(&mut self) {
        let state = match self.phase {
            Phase::Idle => State::Idle,
            Phase::Closed => State::Closed,
            Phase::Failed => State::Failed,
            Phase::Open => State::Open,
            _ if self.retrying => State::Reconnecting,
            _ => State::Connecting,
        };
        if state != self.state {
            self.state = state;
            self.emit(Event::StateChanged(StateChangedPayload { state }));
        }
    }
}
