//! A fake-clock driver around [`Machine`] shared by the core tests.
//!
//! Checklist:
//! - [x] time only moves when a test says so, stepping through every deadline on the way
//! - [x] helpers to pick sends, events and socket actions out of what the machine asked for
//! - [x] every input goes through `Machine::handle`, as in the browser ([`Drive`] only names them)

use crate::core::decode::{text_header, DecodeError, Header};
use crate::core::event::{FailedPayload, ReconnectingPayload};
use crate::core::plan::{Ack, Mutation, RequestError};
use crate::core::{ConfigError, Input, Machine, Options, RawOptions, State};
use serde_json::Value;

/// Natively, payloads are serde_json values.
pub type Action = crate::core::Action<serde_json::Value>;
/// An event with serde_json payloads.
pub type Event = crate::core::Event<serde_json::Value>;

/// The inputs of [`Machine::handle`] as calls, so a test reads like the application's code.
/// Inputs without a time argument are fed at time 0: where a rule reads the clock (a token failure
/// schedules a retry), call `handle` with the test clock instead.
pub trait Drive {
    fn feed(&mut self, input: Input<Value>, now: u64) -> Result<(), ConfigError>;
    /// A glue input: never refused.
    fn glue(&mut self, input: Input<Value>, now: u64) {
        self.feed(input, now).expect("glue inputs are never refused");
    }
    fn connect(&mut self, now: u64) {
        self.glue(Input::Connect, now);
    }
    fn close(&mut self) {
        self.glue(Input::Close, 0);
    }
    fn reconnect(&mut self, now: u64) {
        self.glue(Input::Reconnect, now);
    }
    fn join(&mut self, plan_id: &str) -> Result<(), ConfigError> {
        self.feed(Input::Join(plan_id.into()), 0)
    }
    fn leave(&mut self, plan_id: &str) -> Result<(), ConfigError> {
        self.feed(Input::Leave(plan_id.into()), 0)
    }
    fn set_token(&mut self, token: Option<String>) -> Result<(), ConfigError> {
        self.feed(Input::SetToken(token), 0)
    }
    fn update_presence(&mut self, plan_id: &str, patch: &Value, now: u64) -> Result<(), ConfigError> {
        self.feed(Input::UpdatePresence { plan_id: plan_id.into(), patch: patch.clone() }, now)
    }
    fn set_typing(&mut self, plan_id: &str, mark: Option<&Value>, now: u64) -> Result<(), ConfigError> {
        self.feed(Input::SetTyping { plan_id: plan_id.into(), mark: mark.cloned() }, now)
    }
    fn token_ready(&mut self, ticket: u32, token: String) {
        self.glue(Input::TokenReady { ticket, token }, 0);
    }
    fn token_failed(&mut self, ticket: u32, message: &str) {
        self.glue(Input::TokenFailed { ticket, message: message.into(), permanent: false }, 0);
    }
    /// `getToken` rejected with an `UNAUTHORIZED` error: the user is signed out.
    fn token_refused(&mut self, ticket: u32, message: &str) {
        self.glue(Input::TokenFailed { ticket, message: message.into(), permanent: true }, 0);
    }
    fn socket_opened(&mut self) {
        self.glue(Input::SocketOpened, 0);
    }
    fn frame_received(&mut self, header: Result<Header<Value>, DecodeError>, now: u64) {
        self.glue(Input::Frame(header), now);
    }
    fn binary_received(&mut self) {
        self.glue(Input::Binary, 0);
    }
    fn socket_closed(&mut self, code: u16, reason: &str, now: u64) {
        self.glue(Input::SocketClosed { code, reason: reason.into() }, now);
    }
    fn online(&mut self, now: u64) {
        self.glue(Input::Online, now);
    }
    fn offline(&mut self) {
        self.glue(Input::Offline, 0);
    }
    fn visible(&mut self, now: u64) {
        self.glue(Input::Visible, now);
    }
    fn handle_timeout(&mut self, now: u64) {
        self.glue(Input::Timer, now);
    }
    fn sync_plan(&mut self, plan_id: &str) -> Result<(), ConfigError> {
        self.feed(Input::Sync(plan_id.into()), 0)
    }
    fn unsync_plan(&mut self, plan_id: &str) -> Result<(), ConfigError> {
        self.feed(Input::Unsync(plan_id.into()), 0)
    }
    fn mutate(&mut self, id: u32, plan_id: &str, mutation: Mutation<Value>) -> Result<(), ConfigError> {
        self.feed(Input::Mutate { id, plan_id: plan_id.into(), mutation }, 0)
    }
    fn plan_loaded(&mut self, ticket: u32, result: Result<Value, RequestError>, now: u64) {
        self.glue(Input::PlanLoaded { ticket, result }, now);
    }
    fn mutated(&mut self, id: u32, result: Result<Ack<Value>, RequestError>) {
        self.glue(Input::Mutated { id, result }, 0);
    }
}

impl Drive for Machine<Value> {
    fn feed(&mut self, input: Input<Value>, now: u64) -> Result<(), ConfigError> {
        self.handle(input, now)
    }
}

/// The close code of a link the client closes itself.
pub const LOCAL_CLOSE: u16 = planwire_protocol::CloseCode::Local.code();

/// The URL every test client connects to.
pub const URL: &str = "ws://localhost:5000/ws";

/// A machine, its fake clock, and everything it asked for since the last `take`.
pub struct Client {
    pub m: Machine<serde_json::Value>,
    pub now: u64,
}

/// Seed defaults, a fixed token, and no jitter unless the test changes it.
pub fn raw() -> RawOptions {
    RawOptions { url: URL.into(), token: Some("jwt".into()), jitter: Some(0.0), ..RawOptions::default() }
}

impl Client {
    /// A client with `raw()` options adjusted by `f`.
    pub fn with(f: impl FnOnce(&mut RawOptions)) -> Client {
        let mut options = raw();
        f(&mut options);
        Client { m: Machine::new(Options::validate(options).expect("valid options"), 42), now: 1_000_000 }
    }

    /// A client with seed defaults and no jitter.
    pub fn new() -> Client {
        Client::with(|_| {})
    }

    /// Everything the machine asked for since the last call.
    pub fn take(&mut self) -> Vec<Action> {
        std::iter::from_fn(|| self.m.poll_action()).collect()
    }

    /// Moves the clock to `t`, firing every deadline on the way at its exact time.
    pub fn advance_to(&mut self, t: u64) {
        for _ in 0..100_000 {
            match self.m.next_deadline() {
                Some(d) if d <= t => {
                    self.now = self.now.max(d);
                    self.m.handle_timeout(self.now);
                }
                _ => {
                    self.now = t;
                    return;
                }
            }
        }
        panic!("deadline loop: the machine keeps asking to be woken before {t}");
    }

    /// Moves the clock forward by `ms`.
    pub fn advance(&mut self, ms: u64) {
        self.advance_to(self.now + ms);
    }

    /// Feeds a text frame.
    pub fn frame(&mut self, text: &str) {
        self.m.frame_received(text_header(text), self.now);
    }

    /// The server's connection confirmation for user 1 on connection `c1`.
    pub fn confirm(&mut self) {
        self.frame(r#"{"type":"pong","data":{"userId":1,"connected":true,"timestamp":"2025-01-01T00:00:00.000Z","connectionId":"c1"}}"#);
    }

    /// connect() → socket open → confirmation; returns what the machine asked for.
    pub fn open(&mut self) -> Vec<Action> {
        self.m.connect(self.now);
        self.socket_up()
    }

    /// The pending socket opens and the server confirms.
    pub fn socket_up(&mut self) -> Vec<Action> {
        self.m.socket_opened();
        self.confirm();
        assert_eq!(self.m.state(), State::Open);
        self.take()
    }

    /// The server (or network) closes the socket.
    pub fn server_closes(&mut self, code: u16) -> Vec<Action> {
        self.m.socket_closed(code, "bye", self.now);
        self.take()
    }
}

/// A client with `getToken` (no fixed token).
pub fn with_get_token() -> Client {
    Client::with(|r| {
        r.token = None;
        r.has_get_token = true;
    })
}

/// The ticket of the token fetch among `actions`.
pub fn ticket(actions: &[Action]) -> u32 {
    actions
        .iter()
        .find_map(|a| if let Action::FetchToken { ticket } = a { Some(*ticket) } else { None })
        .expect("a token fetch")
}

/// The messages sent among `actions`, as JSON text.
pub fn sends(actions: &[Action]) -> Vec<String> {
    actions
        .iter()
        .filter_map(|a| if let Action::Send(m) = a { serde_json::to_string(m).ok() } else { None })
        .collect()
}

/// The events among `actions`.
pub fn events(actions: &[Action]) -> Vec<Event> {
    actions.iter().filter_map(|a| if let Action::Emit(e) = a { Some(e.clone()) } else { None }).collect()
}

/// The URLs of sockets opened among `actions`.
pub fn opens(actions: &[Action]) -> Vec<String> {
    actions.iter().filter_map(|a| if let Action::OpenSocket { url } = a { Some(url.clone()) } else { None }).collect()
}

/// The `(attempt, delay)` of every `reconnecting` event among `actions`.
pub fn reconnecting(actions: &[Action]) -> Vec<(u32, u64)> {
    events(actions)
        .into_iter()
        .filter_map(|e| if let Event::Reconnecting(ReconnectingPayload { attempt, delay_ms }) = e { Some((attempt, delay_ms)) } else { None })
        .collect()
}

/// The payloads of every `failed` event among `actions`.
pub fn failures(actions: &[Action]) -> Vec<String> {
    events(actions).into_iter().filter_map(|e| if let Event::Failed(FailedPayload { reason, .. }) = e { Some(reason) } else { None }).collect()
}

/// The JSON value of a frame, for comparisons that ignore key order.
pub fn json(text: &str) -> serde_json::Value {
    serde_json::from_str(text).expect("valid JSON")
}
