//! Tokens and close code 4001.
//!
//! Checklist:
//! - [x] with `getToken`, a token is fetched before every connect and every reconnect
//! - [x] answers to stale token requests are ignored
//! - [x] a fixed token refused with 4001 → `failed` (`unauthorized`), no retry
//! - [x] debug logs see the URL's token redacted
//! - [x] `set_token` changes the fixed token from the next attempt on; empty is refused
//! - [x] with `getToken`: 4001 → one fresh token and one immediate retry; a second 4001 → `failed`
//! - [x] after a stable period (token expiry hours later) a 4001 gets its retry again
//! - [x] a rejecting `getToken` is retried with backoff (a brief auth outage is survived); when the
//!   attempts run out → `failed` (`token-error: …`); rejected with `UNAUTHORIZED` → `failed`
//!   (`unauthorized`) at once
//! - [x] a `getToken` that never answers is bounded by the connect timeout

use crate::core::event::*;
use super::harness::{ticket, with_get_token, Drive, Action, Client, Event, URL, events, failures, opens, reconnecting};
use crate::core::{Input, State};
use planwire_protocol::FailureCode;

#[test]
fn get_token_is_called_before_every_connect() {
    let mut c = with_get_token();
    c.m.connect(c.now);
    let t1 = ticket(&c.take());
    c.m.token_ready(t1, "first".into());
    assert_eq!(opens(&c.take()), [format!("{URL}?token=first")]);
    c.socket_up();
    c.server_closes(1006);
    c.advance(1000);
    let t2 = ticket(&c.take());
    assert_ne!(t1, t2);
    c.m.token_ready(t2, "second".into());
    assert_eq!(opens(&c.take()), [format!("{URL}?token=second")]);
}

#[test]
fn stale_token_answers_are_ignored() {
    let mut c = with_get_token();
    c.m.connect(c.now);
    let t1 = ticket(&c.take());
    c.m.reconnect(c.now);
    let t2 = ticket(&c.take());
    c.m.token_ready(t1, "old".into());
    c.m.token_failed(t1, "old failure");
    assert!(c.take().is_empty());
    c.m.token_ready(t2, "new".into());
    assert_eq!(opens(&c.take()), [format!("{URL}?token=new")]);
    c.m.close();
    c.take();
    c.m.token_ready(t2, "late".into());
    assert!(c.take().is_empty());
}

#[test]
fn fixed_token_refused_fails_without_retry() {
    let mut c = Client::new();
    c.open();
    let actions = c.server_closes(4001);
    assert_eq!(
        events(&actions),
        [
            Event::Close(ClosePayload { code: 4001, reason: "bye".into(), will_reconnect: false }),
            Event::StateChanged(StateChangedPayload { state: State::Failed }),
            Event::Failed(FailedPayload {
                code: FailureCode::Unauthorized,
                reason: "unauthorized".into(),
                close_reason: Some("bye".into()),
                will_reconnect: false,
            }),
        ]
    );
    assert_eq!(c.m.next_deadline(), None);
}

#[test]
fn get_token_gets_one_fresh_token_and_one_retry() {
    let mut c = with_get_token();
    c.m.connect(c.now);
    let t = ticket(&c.take());
    c.m.token_ready(t, "stale".into());
    c.take();
    c.m.socket_opened();
    let actions = c.server_closes(4001);
    assert_eq!(reconnecting(&actions), [(1, 0)]);
    let t = ticket(&actions);
    c.m.token_ready(t, "fresh".into());
    assert_eq!(opens(&c.take()), [format!("{URL}?token=fresh")]);
    c.m.socket_opened();
    let actions = c.server_closes(4001);
    assert_eq!(failures(&actions), ["unauthorized"]);
    assert!(!actions.iter().any(|a| matches!(a, Action::FetchToken { .. })), "no third token");
    assert_eq!(c.m.state(), State::Failed);
}

#[test]
fn expiry_after_a_stable_connection_gets_its_retry_again() {
    let mut c = Client::with(|r| {
        r.token = None;
        r.has_get_token = true;
        r.ping_interval_ms = Some(2_147_483_647.0);
    });
    c.m.connect(c.now);
    let t = ticket(&c.take());
    c.m.token_ready(t, "a".into());
    c.take();
    c.socket_up();
    for _ in 0..3 {
        // Hours later the server closes with 4001 (token expired): refresh and retry.
        c.advance(3_600_000);
        c.take();
        let actions = c.server_closes(4001);
        let t = ticket(&actions);
        c.m.token_ready(t, "b".into());
        c.take();
        c.socket_up();
    }
    assert_eq!(c.m.state(), State::Open);
}

/// `getToken` rejects transiently, now.
fn reject(c: &mut Client, ticket: u32, message: &str) {
    let input = Input::TokenFailed { ticket, message: message.into(), permanent: false };
    c.m.handle(input, c.now).expect("glue inputs are never refused");
}

#[test]
fn a_rejecting_get_token_is_retried_with_backoff_then_fails_with_the_reason() {
    let mut c = with_get_token();
    c.m.connect(c.now);
    let mut t = ticket(&c.take());
    // The auth endpoint is down: each failure is a failed attempt, retried with the seed's backoff.
    for (attempt, delay) in [(1, 1000), (2, 2000), (3, 4000), (4, 8000), (5, 16000)] {
        reject(&mut c, t, "network down");
        let actions = c.take();
        assert_eq!(reconnecting(&actions), [(attempt, delay)]);
        assert!(failures(&actions).is_empty());
        assert_eq!(c.m.state(), State::Reconnecting);
        c.advance(delay);
        t = ticket(&c.take());
    }
    // The attempts ran out: failed with getToken's reason.
    reject(&mut c, t, "network down");
    assert_eq!(failures(&c.take()), ["token-error: network down"]);
    assert_eq!(c.m.state(), State::Failed);
    assert_eq!(c.m.next_deadline(), Some(c.now + 60_000), "a transient failure: a new round in a minute");
}

#[test]
fn a_get_token_that_comes_back_connects() {
    let mut c = with_get_token();
    c.m.connect(c.now);
    let t = ticket(&c.take());
    reject(&mut c, t, "503");
    assert_eq!(reconnecting(&c.take()), [(1, 1000)]);
    c.advance(1000);
    let t = ticket(&c.take());
    c.m.token_ready(t, "back".into());
    assert_eq!(opens(&c.take()), [format!("{URL}?token=back")]);
    c.socket_up();
    assert_eq!(c.m.state(), State::Open);
}

#[test]
fn get_token_refusing_the_user_fails_at_once() {
    let mut c = with_get_token();
    c.m.connect(c.now);
    let t = ticket(&c.take());
    c.m.token_refused(t, "signed out");
    let actions = c.take();
    assert!(events(&actions).contains(&Event::Failed(FailedPayload {
        code: FailureCode::Unauthorized,
        reason: "unauthorized: signed out".into(),
        close_reason: None,
        will_reconnect: false,
    })));
    assert!(reconnecting(&actions).is_empty(), "no retry");
    assert_eq!(c.m.next_deadline(), None);
}

#[test]
fn empty_token_is_a_token_error() {
    let mut c = Client::with(|r| {
        r.token = None;
        r.has_get_token = true;
        r.max_reconnect_attempts = Some(0.0);
    });
    c.m.connect(c.now);
    let t = ticket(&c.take());
    c.m.token_ready(t, String::new());
    assert_eq!(failures(&c.take()), ["token-error: getToken resolved to an empty token"]);
}

#[test]
fn a_hanging_get_token_is_bounded_by_the_connect_timeout() {
    let mut c = with_get_token();
    c.m.connect(c.now);
    let t = ticket(&c.take());
    c.advance(10_000);
    let actions = c.take();
    assert_eq!(reconnecting(&actions), [(1, 1000)]);
    c.m.token_ready(t, "too late".into());
    assert!(c.take().is_empty());
}

#[test]
fn set_token_is_used_from_the_next_attempt_on() {
    let mut c = Client::new();
    c.m.connect(c.now);
    assert_eq!(opens(&c.take()), [format!("{URL}?token=jwt")]);
    assert!(c.m.set_token(Some(String::new())).is_err(), "an empty token is refused");
    c.m.set_token(Some("fresh".into())).unwrap();
    c.socket_up();
    c.server_closes(1006);
    c.advance(1000);
    assert_eq!(opens(&c.take()), [format!("{URL}?token=fresh")]);
}

#[test]
fn debug_logs_see_urls_with_the_token_redacted() {
    use crate::core::auth::redacted_url;
    assert_eq!(redacted_url("ws://h/ws?token=a.b.c"), "ws://h/ws?token=***");
    assert_eq!(redacted_url("ws://h/ws?x=1&token=a%20b&y=2"), "ws://h/ws?x=1&token=***&y=2");
    assert_eq!(redacted_url("ws://h/ws?mytoken=1"), "ws://h/ws?mytoken=1");
    assert_eq!(redacted_url("ws://h/ws"), "ws://h/ws");
}
