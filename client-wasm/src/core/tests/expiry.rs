//! Short-lived tokens: a connection the server accepted and later closed with 4001 is an expiry,
//! not a failed login.
//!
//! Checklist:
//! - [x] tokens valid for 3 s, expiring 100 times in a row: a fresh token and an immediate
//!   reconnect each time, never `failed`, the attempt counter and the 4001 retry untouched
//! - [x] a token rejected at connect: one fresh token, one retry; rejected again → `failed`
//!   with the server's reason (`invalid token`)
//! - [x] an expiry, then rejections at connect: the expiry costs nothing, the rejections end in
//!   `failed` as at first connect
//! - [x] the server's reason (`token expired` / `invalid token`) reaches `close` and `failed`

use super::harness::{ticket, with_get_token, events, failures, opens, reconnecting, Action, Client, Drive, Event, URL};
use crate::core::event::*;
use crate::core::State;
use planwire_protocol::FailureCode;

/// The pending token request answers `token`; the socket opens; returns the actions.
fn answer(c: &mut Client, actions: &[Action], token: &str) -> Vec<Action> {
    c.m.token_ready(ticket(actions), token.into());
    let mut out = c.take();
    c.m.socket_opened();
    out.extend(c.take());
    out
}

fn closes(actions: &[Action]) -> Vec<(u16, String, bool)> {
    events(actions)
        .into_iter()
        .filter_map(|e| match e {
            Event::Close(ClosePayload { code, reason, will_reconnect }) => Some((code, reason, will_reconnect)),
            _ => None,
        })
        .collect()
}

#[test]
fn tokens_expiring_every_three_seconds_never_fail() {
    let mut c = with_get_token();
    c.m.connect(c.now);
    let actions = c.take();
    answer(&mut c, &actions, "t0");
    c.confirm();
    c.take();
    for i in 1..=100 {
        c.advance(3_000);
        c.take();
        c.m.socket_closed(4001, "token expired", c.now);
        let actions = c.take();
        assert_eq!(closes(&actions), [(4001, "token expired".into(), true)], "expiry {i}");
        assert_eq!(reconnecting(&actions), [(1, 0)], "at once, as attempt 1, every time (expiry {i})");
        assert!(failures(&actions).is_empty(), "expiry {i}");
        let token = format!("t{i}");
        assert_eq!(opens(&answer(&mut c, &actions, &token)), [format!("{URL}?token={token}")], "a fresh token");
        c.confirm();
        assert_eq!(c.m.state(), State::Open, "expiry {i}");
        c.take();
    }
    assert_eq!(c.m.attempt(), 1, "only the latest reconnect counts: expiries never pile up toward maxReconnectAttempts");
}

#[test]
fn a_token_rejected_at_connect_gets_one_retry_then_fails_with_the_reason() {
    let mut c = with_get_token();
    c.m.connect(c.now);
    let actions = c.take();
    answer(&mut c, &actions, "bad");
    c.m.socket_closed(4001, "invalid token", c.now);
    let actions = c.take();
    assert_eq!(closes(&actions), [(4001, "invalid token".into(), true)]);
    assert_eq!(reconnecting(&actions), [(1, 0)]);
    answer(&mut c, &actions, "still-bad");
    c.m.socket_closed(4001, "invalid token", c.now);
    let actions = c.take();
    assert_eq!(closes(&actions), [(4001, "invalid token".into(), false)]);
    assert!(events(&actions).contains(&Event::Failed(FailedPayload {
        code: FailureCode::Unauthorized,
        reason: "unauthorized".into(),
        close_reason: Some("invalid token".into()),
        will_reconnect: false,
    })));
    assert_eq!(c.m.state(), State::Failed);
    assert!(!actions.iter().any(|a| matches!(a, Action::FetchToken { .. })), "no third token");
}

#[test]
fn an_expiry_then_rejections_at_connect() {
    let mut c = with_get_token();
    c.m.connect(c.now);
    let actions = c.take();
    answer(&mut c, &actions, "good");
    c.confirm();
    c.take();
    c.advance(1_000);
    c.m.socket_closed(4001, "token expired", c.now);
    let actions = c.take();
    assert_eq!(reconnecting(&actions), [(1, 0)]);
    // The auth server now hands out tokens the server refuses: one retry, as at a first connect.
    answer(&mut c, &actions, "revoked");
    c.m.socket_closed(4001, "invalid token", c.now);
    let actions = c.take();
    assert_eq!(closes(&actions), [(4001, "invalid token".into(), true)], "the rejection's one retry");
    answer(&mut c, &actions, "revoked-again");
    c.m.socket_closed(4001, "invalid token", c.now);
    let actions = c.take();
    assert_eq!(failures(&actions), ["unauthorized"]);
    assert!(events(&actions).iter().any(|e| matches!(e,
        Event::Failed(FailedPayload { close_reason: Some(r), .. }) if r == "invalid token")));
}

#[test]
fn a_fixed_token_that_expires_fails_with_the_reason() {
    let mut c = Client::new();
    c.open();
    c.m.socket_closed(4001, "token expired", c.now);
    let actions = c.take();
    assert_eq!(closes(&actions), [(4001, "token expired".into(), false)], "no fresh token to be had");
    assert!(events(&actions).iter().any(|e| matches!(e,
        Event::Failed(FailedPayload { code: FailureCode::Unauthorized, close_reason: Some(r), .. }) if r == "token expired")));
}
