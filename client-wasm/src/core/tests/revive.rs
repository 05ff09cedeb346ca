//! A board that never stays dead, and the page lifecycle.
//!
//! Checklist:
//! - [x] `failed` after `max-attempts` comes back by itself every `reviveIntervalMs` (a new round
//!   of the seed's schedule), and at once on `online`, when the tab is shown or focused
//! - [x] `failed` for `unauthorized` stays failed (no timer, browser events ignored); `close()` too
//! - [x] `reviveIntervalMs: 0`: only the browser's events revive
//! - [x] suspend (`freeze`, `pagehide` persisted) closes the link cleanly and attempts nothing;
//!   resume (`resume`, `pageshow` persisted) reconnects at once and re-joins with `lastSeq`
//! - [x] timers throttled to once a minute (background tabs): no false dead link, a ping at every
//!   wake-up, far inside the server's inactivity sweep

use super::harness::{events, failures, opens, sends, Client, Drive, Event};
use crate::core::event::*;
use crate::core::{Input, State};

/// A client whose every attempt fails until the server comes back; it has given up.
fn failed() -> Client {
    let mut c = Client::with(|r| r.max_reconnect_attempts = Some(2.0));
    c.m.connect(c.now);
    let mut evs = events(&c.take());
    loop {
        c.m.socket_closed(1006, "", c.now);
        evs.extend(events(&c.take()));
        if c.m.state() == State::Failed {
            break;
        }
        let next = c.m.next_deadline().expect("a retry is scheduled");
        c.advance_to(next);
        evs.extend(events(&c.take()));
    }
    assert!(evs.iter().any(|e| matches!(e, Event::Failed(FailedPayload { will_reconnect: true, .. }))), "{evs:?}");
    c
}

fn feed(c: &mut Client, input: Input<serde_json::Value>) {
    c.m.handle(input, c.now).expect("browser inputs are never refused");
}

#[test]
fn a_transient_failure_comes_back_every_revive_interval() {
    let mut c = failed();
    assert_eq!(c.m.next_deadline(), Some(c.now + 60_000));
    assert!(c.m.wants_browser_events(), "online/visible must reach a failed client");
    c.advance(59_999);
    assert!(opens(&c.take()).is_empty());
    c.advance(1);
    let actions = c.take();
    assert_eq!(opens(&actions).len(), 1, "a new round starts");
    assert!(events(&actions).contains(&Event::StateChanged(StateChangedPayload { state: State::Reconnecting })));
    // The server is back: the round connects and re-joins.
    c.socket_up();
    assert_eq!(c.m.state(), State::Open);
}

#[test]
fn online_visible_and_focus_revive_at_once() {
    for input in [Input::Online, Input::Visible, Input::Focus] {
        let mut c = failed();
        feed(&mut c, input.clone());
        assert_eq!(opens(&c.take()).len(), 1, "{input:?} revives");
        assert_eq!(c.m.state(), State::Reconnecting);
    }
}

#[test]
fn unauthorized_and_closed_stay_put() {
    let mut c = Client::new();
    c.open();
    let actions = c.server_closes(4001);
    assert_eq!(failures(&actions), ["unauthorized"]);
    assert_eq!(c.m.state(), State::Failed);
    assert_eq!(c.m.next_deadline(), None);
    assert!(!c.m.wants_browser_events());
    for input in [Input::Online, Input::Visible, Input::Focus, Input::Resume] {
        feed(&mut c, input);
    }
    c.advance(3_600_000);
    assert!(c.take().is_empty(), "a rejected user is not retried");
    let mut c = failed();
    c.m.close();
    c.take();
    feed(&mut c, Input::Online);
    c.advance(3_600_000);
    assert!(opens(&c.take()).is_empty(), "closed by the app: never again");
}

#[test]
fn without_the_timer_only_browser_events_revive() {
    let mut c = Client::with(|r| {
        r.max_reconnect_attempts = Some(0.0);
        r.revive_interval_ms = Some(0.0);
    });
    c.open();
    c.server_closes(1006);
    assert_eq!(c.m.state(), State::Failed);
    assert_eq!(c.m.next_deadline(), None);
    feed(&mut c, Input::Visible);
    assert_eq!(opens(&c.take()).len(), 1);
}

#[test]
fn suspend_closes_cleanly_and_resume_recovers() {
    let mut c = Client::new();
    c.open();
    c.m.join("1").unwrap();
    c.frame(r#"{"type":"join-plan","planId":"1","data":{"success":true,"participantCount":1,"participants":[{"userId":1,"userName":"a"}],"seq":4}}"#);
    c.take();
    feed(&mut c, Input::Suspend);
    let actions = c.take();
    assert!(actions.contains(&crate::core::Action::CloseSocket { code: 4000, reason: "suspended" }), "{actions:?}");
    assert!(events(&actions).contains(&Event::Close(ClosePayload { code: 4000, reason: "suspended".into(), will_reconnect: true })));
    assert_eq!(c.m.next_deadline(), None, "a frozen page attempts nothing");
    feed(&mut c, Input::Online);
    assert!(opens(&c.take()).is_empty(), "online does not wake a suspended page");
    c.advance(3_600_000);
    assert!(c.take().is_empty());
    feed(&mut c, Input::Resume);
    assert_eq!(opens(&c.take()).len(), 1, "restored: reconnect at once");
    let acts = c.socket_up();
    assert!(sends(&acts).iter().any(|s| s.contains(r#""lastSeq":4"#)), "{:?}", sends(&acts));
}

#[test]
fn timers_throttled_to_once_a_minute_keep_the_link() {
    let mut c = Client::new();
    c.open();
    // A hidden tab: the timer fires only at minute boundaries; the server answers each ping at once.
    let mut pings = 0;
    for _ in 0..30 {
        c.now += 60_000;
        feed(&mut c, Input::Timer);
        let sent = sends(&c.take());
        if sent.iter().any(|s| s == r#"{"type":"ping"}"#) {
            pings += 1;
            c.frame(r#"{"type":"pong"}"#);
        }
        assert_eq!(c.m.state(), State::Open, "no false dead link");
    }
    assert_eq!(pings, 30, "a ping at every wake-up: the server (sweep after 30 min of silence) keeps us");
}
