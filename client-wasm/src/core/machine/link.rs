//! The link half of the machine: connecting, reconnecting with backoff, the connect timeout, the
//! token (fixed or `getToken`, the single 4001 retry), the socket's life, online/offline/visible,
//! and the heartbeat. Rooms are told when a link is confirmed or lost.

use super::{Machine, Phase};
use crate::core::action::Action;
use crate::core::auth;
use crate::core::decode::{self, DecodeError, Header, Value};
use crate::core::event::{
    ClosePayload, ErrorPayload, Event, FailedPayload, OpenPayload, ReconnectedPayload, ReconnectingPayload,
};
use crate::core::heartbeat::Beat;
use crate::core::options::{AuthMode, ConfigError};
use crate::core::timers::Timer;
use planwire_protocol::{ClientMessage, CloseCode, Connected, ErrorCode, FailureCode};

/// Close code the client uses when it closes a link itself (pong or connect timeout, offline).
const LOCAL_CLOSE: u16 = CloseCode::Local.code();

impl<P: Value> Machine<P> {
    // ------------------------------------------------------------------ the application's calls

    pub(super) fn connect(&mut self, now: u64) {
        if matches!(self.phase, Phase::Idle | Phase::Closed | Phase::Failed) {
            self.ever_opened = false;
            self.start(false, now);
        }
    }

    pub(super) fn reconnect(&mut self, now: u64) {
        let retrying = !matches!(self.phase, Phase::Idle | Phase::Closed);
        self.drop_link(CloseCode::Normal.code(), "reconnect", true);
        self.start(retrying, now);
    }

    pub(super) fn close(&mut self) {
        if self.phase == Phase::Closed {
            return;
        }
        self.actions.clear();
        self.drop_link(CloseCode::Normal.code(), "", false);
        self.timers.stop_all();
        self.revivable = false;
        self.phase = Phase::Closed;
        self.sync_state();
    }

    pub(super) fn set_token(&mut self, token: Option<String>) -> Result<(), ConfigError> {
        if token.as_deref() == Some("") {
            return Err(ConfigError::option("token must be a non-empty string"));
        }
        self.options.token = token;
        Ok(())
    }

    // ------------------------------------------------------------------ the browser's reports

    pub(super) fn token_ready(&mut self, ticket: u32, token: String, now: u64) {
        if self.phase != (Phase::Token { ticket }) {
            return;
        }
        if token.is_empty() {
            return self.token_failed(ticket, "getToken resolved to an empty token", false, now);
        }
        self.open_socket(Some(token));
    }

    /// `getToken` failed: retried with backoff (a brief outage of the app's auth endpoint must not
    /// end every open board), unless the app said the user is unauthorized.
    pub(super) fn token_failed(&mut self, ticket: u32, message: &str, permanent: bool, now: u64) {
        if self.phase != (Phase::Token { ticket }) {
            return;
        }
        self.timers.stop(Timer::Connect);
        if permanent {
            let code = FailureCode::Unauthorized;
            return self.fail(code, crate::core::concat(&[code.as_str(), ": ", message]), None, now);
        }
        if !self.waiting() && !self.backoff.allows(self.attempt) {
            let code = FailureCode::TokenError;
            return self.fail(code, crate::core::concat(&[code.as_str(), ": ", message]), None, now);
        }
        self.retry_later(None, now);
    }

    pub(super) fn socket_opened(&mut self) {
        if self.phase != Phase::Opening {
            return;
        }
        if let Some(token) = self.auth_token.take() {
            self.send(ClientMessage::Auth { token });
        }
        self.phase = Phase::Handshake;
    }

    pub(super) fn frame_received(&mut self, header: Result<Header<P>, DecodeError>, now: u64) {
        if !matches!(self.phase, Phase::Handshake | Phase::Open) {
            return;
        }
        self.heartbeat.frame_received(&mut self.timers);
        match header.and_then(decode::decode) {
            Ok(frame) => self.on_frame(frame, now),
            Err(e) => self.emit_invalid(e.message),
        }
    }

    pub(super) fn binary_received(&mut self) {
        if matches!(self.phase, Phase::Handshake | Phase::Open) {
            self.heartbeat.frame_received(&mut self.timers);
            self.emit_invalid("binary frames are not part of the protocol");
        }
    }

    pub(super) fn socket_closed(&mut self, code: u16, reason: &str, now: u64) {
        if !self.phase.has_socket() {
            return;
        }
        let accepted = self.phase == Phase::Open;
        self.link_lost();
        if code == CloseCode::Unauthorized.code() {
            self.unauthorized(reason, accepted, now);
        } else {
            self.retry_later(Some((code, reason.into())), now);
        }
    }

    pub(super) fn online(&mut self, now: u64) {
        self.offline = false;
        self.resume_attempts(now);
    }

    pub(super) fn offline(&mut self) {
        self.offline = true;
        self.pause("offline");
    }

    pub(super) fn suspend(&mut self) {
        self.suspended = true;
        self.pause("suspended");
    }

    pub(super) fn resume(&mut self, now: u64) {
        self.suspended = false;
        self.resume_attempts(now);
    }

    pub(super) fn visible(&mut self, now: u64) {
        match self.phase {
            Phase::Open => self.probe(now),
            Phase::Failed => self.revive(now),
            _ => {}
        }
    }

    /// Offline or suspended: automatic attempts wait.
    fn waiting(&self) -> bool {
        self.offline || self.suspended
    }

    /// Offline or suspended: the link is dropped at once (closed by the client with `reason`) and
    /// attempts wait for `online` / `resume`.
    fn pause(&mut self, reason: &'static str) {
        match self.phase {
            Phase::Token { .. } | Phase::Opening | Phase::Handshake | Phase::Open => {
                self.drop_link(LOCAL_CLOSE, reason, true);
                self.retrying = true;
                self.phase = Phase::Backoff;
                self.sync_state();
            }
            Phase::Backoff => self.timers.stop(Timer::Backoff),
            Phase::Failed => self.timers.stop(Timer::Revive),
            _ => {}
        }
    }

    /// Back online, or resumed: a waiting reconnect happens now, an open link is checked, and a
    /// client that gave up for a transient reason tries again.
    fn resume_attempts(&mut self, now: u64) {
        if self.waiting() {
            return;
        }
        match self.phase {
            Phase::Backoff => {
                self.timers.stop(Timer::Backoff);
                self.begin_attempt(now);
                self.sync_state();
            }
            Phase::Open => self.probe(now),
            Phase::Failed => self.revive(now),
            _ => {}
        }
    }

    /// A client that gave up for a transient reason starts a new round of attempts (unless the
    /// browser is offline or the page suspended: then `online` / `resume` does it).
    pub(super) fn revive(&mut self, now: u64) {
        if self.phase != Phase::Failed || !self.revivable || self.waiting() {
            return;
        }
        self.start(true, now);
    }

    // ------------------------------------------------------------------ timers

    /// [`Timer::Connect`] expired: the attempt (token, open, confirmation) took too long.
    pub(super) fn attempt_timed_out(&mut self, now: u64) {
        self.timers.stop(Timer::Connect);
        match self.phase {
            Phase::Token { .. } => self.retry_later(None, now),
            Phase::Opening | Phase::Handshake => self.local_close("connect timeout", now),
            _ => {}
        }
    }

    /// [`Timer::Ping`] or [`Timer::PongTimeout`] expired.
    pub(super) fn beat(&mut self, now: u64) {
        match self.heartbeat.poll(&mut self.timers, now) {
            Beat::Dead => self.local_close("pong timeout", now),
            Beat::SendPing => self.send(ClientMessage::Ping),
            Beat::Idle => {}
        }
    }

    // ------------------------------------------------------------------ rules

    pub(super) fn emit_invalid(&mut self, message: &str) {
        let code = ErrorCode::InvalidFrame.as_str().into();
        self.emit(Event::Error(ErrorPayload { code, message: message.into(), plan_id: None }));
    }

    fn start(&mut self, retrying: bool, now: u64) {
        self.revivable = false;
        self.timers.stop(Timer::Revive);
        self.attempt = 0;
        self.auth_retry.reset();
        self.retrying = retrying;
        self.timers.stop(Timer::Backoff);
        self.begin_attempt(now);
        self.sync_state();
    }

    /// Starts one connection attempt: fetch a token first when there is `getToken`.
    pub(super) fn begin_attempt(&mut self, now: u64) {
        self.timers.set(Timer::Connect, now.saturating_add(self.options.connect_timeout_ms));
        if self.options.has_get_token {
            self.ticket = self.ticket.wrapping_add(1);
            self.phase = Phase::Token { ticket: self.ticket };
            self.actions.push_back(Action::FetchToken { ticket: self.ticket });
        } else {
            let token = self.options.token.clone();
            self.open_socket(token);
        }
    }

    fn open_socket(&mut self, token: Option<String>) {
        let url = auth::socket_url(&self.options.url, token.as_deref(), self.options.auth_mode);
        self.session_token.clone_from(&token);
        self.auth_token = if self.options.auth_mode == AuthMode::Message { token } else { None };
        self.phase = Phase::Opening;
        self.actions.push_back(Action::OpenSocket { url });
    }

    /// The server confirmed the connection.
    pub(super) fn opened(&mut self, confirmation: Connected, now: u64) {
        self.phase = Phase::Open;
        self.timers.stop(Timer::Connect);
        self.timers.set(Timer::Stable, now.saturating_add(self.options.stable_after_ms));
        self.heartbeat.start(&mut self.timers, now);
        self.connection_id = confirmation.connection_id.clone();
        self.user_id = Some(confirmation.user_id.clone());
        let reconnected = self.ever_opened;
        self.ever_opened = true;
        self.sync_state();
        self.emit(Event::Open(OpenPayload {
            user_id: confirmation.user_id,
            connection_id: confirmation.connection_id,
            reconnected,
        }));
        if reconnected {
            self.emit(Event::Reconnected(ReconnectedPayload {}));
        }
        self.rejoin_all();
    }

    /// Forgets the socket's per-connection state (it is gone or being closed).
    fn link_lost(&mut self) {
        self.heartbeat.stop(&mut self.timers);
        self.timers.stop(Timer::Connect);
        self.timers.stop(Timer::Stable);
        self.rooms_disconnected();
        self.connection_id = None;
        self.auth_token = None;
    }

    /// The client closes its own socket, if it has one, and reports the close.
    fn drop_link(&mut self, code: u16, reason: &'static str, will_reconnect: bool) {
        if self.phase.has_socket() {
            self.actions.push_back(Action::CloseSocket { code, reason });
            self.emit(Event::Close(ClosePayload { code, reason: reason.into(), will_reconnect }));
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
        let will_reconnect = self.waiting() || self.backoff.allows(self.attempt);
        if let Some((code, reason)) = close {
            self.emit(Event::Close(ClosePayload { code, reason, will_reconnect }));
        }
        self.phase = Phase::Backoff;
        if self.waiting() {
            return self.sync_state();
        }
        if !will_reconnect {
            let code = FailureCode::MaxAttempts;
            return self.fail(code, code.as_str().into(), None, now);
        }
        let delay_ms = self.backoff.delay(self.attempt, &mut self.rng);
        self.attempt = self.attempt.saturating_add(1);
        self.timers.set(Timer::Backoff, now.saturating_add(delay_ms));
        self.sync_state();
        self.emit(Event::Reconnecting(ReconnectingPayload { attempt: self.attempt, delay_ms }));
    }

    /// Close code 4001. On a connection the server had `accepted` (confirmed), the token expired
    /// (or was revoked) since: with `getToken`, a fresh token and a reconnect at once, always — it
    /// is neither a failed attempt nor the one retry a rejected token gets. A token rejected at
    /// connect time gets one fresh token and one immediate retry (with `getToken`); rejected again,
    /// or a fixed token, the client fails with `unauthorized` and the server's reason.
    fn unauthorized(&mut self, reason: &str, accepted: bool, now: u64) {
        let has_get_token = self.options.has_get_token;
        if accepted && has_get_token {
            self.attempt = 0;
            self.auth_retry.reset();
        }
        let fresh = if accepted { has_get_token } else { self.auth_retry.take(has_get_token) };
        let retry = self.backoff.allows(self.attempt) && fresh;
        let code = CloseCode::Unauthorized.code();
        self.emit(Event::Close(ClosePayload { code, reason: reason.into(), will_reconnect: retry }));
        if !retry {
            let code = FailureCode::Unauthorized;
            return self.fail(code, code.as_str().into(), Some(reason.into()), now);
        }
        self.retrying = true;
        self.attempt = self.attempt.saturating_add(1);
        self.phase = Phase::Backoff;
        self.sync_state();
        self.emit(Event::Reconnecting(ReconnectingPayload { attempt: self.attempt, delay_ms: 0 }));
        self.begin_attempt(now);
    }

    /// Gives up. For a transient reason (not `unauthorized`) the client comes back by itself: on
    /// `online`, when the tab is shown or focused, and every `reviveIntervalMs`.
    fn fail(&mut self, code: FailureCode, reason: String, close_reason: Option<String>, now: u64) {
        self.phase = Phase::Failed;
        self.timers.stop_all();
        self.auth_token = None;
        self.revivable = code != FailureCode::Unauthorized;
        if self.revivable && self.options.revive_interval_ms > 0 {
            self.timers.set(Timer::Revive, now.saturating_add(self.options.revive_interval_ms));
        }
        self.sync_state();
        let will_reconnect = self.revivable;
        self.emit(Event::Failed(FailedPayload { code, reason, close_reason, will_reconnect }));
    }

    fn probe(&mut self, now: u64) {
        if self.heartbeat.probe(&mut self.timers, now) {
            self.send(ClientMessage::Ping);
        }
    }
}
