//! Connection lifecycle in fake time.
//!
//! Checklist:
//! - [x] connect: `connecting` → `open` only on the server's confirmation, `open` event with
//!   userId, connectionId and `reconnected`
//! - [x] a reconnect emits `reconnected` and `open { reconnected: true }`
//! - [x] close(): 1000, never reconnects, no timer, later socket events and tokens ignored,
//!   nothing queued before it is delivered
//! - [x] close() while waiting to reconnect cancels the attempt
//! - [x] connect timeout covers opening and confirmation
//! - [x] offline drops the link at once and waits; online reconnects at once
//! - [x] reconnect() drops the socket and connects now
//! - [x] query auth puts the token in the URL (encoded); message auth sends it as the first frame
//! - [x] connect() is a no-op while connecting or open

use crate::core::event::*;
use super::harness::{LOCAL_CLOSE, Drive, Action, Client, Event, URL, events, json, opens, reconnecting, sends};
use crate::core::State;
use planwire_protocol::UserId;


#[test]
fn open_only_after_the_confirmation() {
    let mut c = Client::new();
    c.m.connect(c.now);
    let actions = c.take();
    assert_eq!(opens(&actions), [format!("{URL}?token=jwt")]);
    assert_eq!(events(&actions), [Event::StateChanged(StateChangedPayload { state: State::Connecting })]);
    c.m.socket_opened();
    assert_eq!(c.m.state(), State::Connecting);
    assert!(!c.m.is_connected());
    c.confirm();
    assert!(c.m.is_connected());
    assert_eq!(c.m.connection_id(), Some("c1"));
    assert_eq!(c.m.user_id(), Some(&UserId::Num(1)));
    assert_eq!(
        events(&c.take()),
        [
            Event::StateChanged(StateChangedPayload { state: State::Open }),
            Event::Open(OpenPayload { user_id: UserId::Num(1), connection_id: Some("c1".into()), reconnected: false })
        ]
    );
}

#[test]
fn connect_is_a_noop_while_active() {
    let mut c = Client::new();
    c.m.connect(c.now);
    c.take();
    c.m.connect(c.now);
    assert!(c.take().is_empty());
    c.socket_up();
    c.m.connect(c.now);
    assert!(c.take().is_empty());
}

#[test]
fn a_reconnect_is_reported() {
    let mut c = Client::new();
    c.open();
    let actions = c.server_closes(1001);
    assert_eq!(
        events(&actions),
        [
            Event::Close(ClosePayload { code: 1001, reason: "bye".into(), will_reconnect: true }),
            Event::StateChanged(StateChangedPayload { state: State::Reconnecting }),
            Event::Reconnecting(ReconnectingPayload { attempt: 1, delay_ms: 1000 }),
        ]
    );
    assert_eq!(c.m.connection_id(), None);
    c.advance(1000);
    c.take();
    let evs = events(&c.socket_up());
    assert_eq!(
        evs,
        [
            Event::StateChanged(StateChangedPayload { state: State::Open }),
            Event::Open(OpenPayload { user_id: UserId::Num(1), connection_id: Some("c1".into()), reconnected: true }),
            Event::Reconnected(ReconnectedPayload {}),
        ]
    );
}

#[test]
fn close_never_reconnects_and_ignores_everything_after() {
    let mut c = Client::new();
    c.open();
    c.m.close();
    let actions = c.take();
    assert_eq!(actions[0], Action::CloseSocket { code: 1000, reason: "" });
    assert_eq!(
        events(&actions),
        [Event::Close(ClosePayload { code: 1000, reason: String::new(), will_reconnect: false }), Event::StateChanged(StateChangedPayload { state: State::Closed })]
    );
    assert_eq!(c.m.next_deadline(), None);
    // The browser still reports the close, frames may still be in flight: all ignored.
    c.m.socket_closed(1006, "", c.now);
    c.frame(r#"{"type":"task-deleted","planId":"1","data":{"taskId":"1"}}"#);
    c.m.handle_timeout(c.now + 1_000_000);
    c.m.online(c.now);
    assert!(c.take().is_empty());
    assert_eq!(c.m.state(), State::Closed);
}

#[test]
fn close_drops_what_was_queued_before_it() {
    let mut c = Client::new();
    c.open();
    c.m.join("1").unwrap();
    c.m.close();
    assert!(sends(&c.take()).is_empty(), "the queued join-plan is not sent after close()");
}

#[test]
fn close_while_waiting_cancels_the_attempt() {
    let mut c = Client::new();
    c.open();
    c.server_closes(1006);
    c.m.close();
    let actions = c.take();
    assert_eq!(events(&actions), [Event::StateChanged(StateChangedPayload { state: State::Closed })], "no socket, so no close event");
    c.advance(60_000);
    assert!(c.take().is_empty());
    // connect() afterwards starts a fresh session.
    c.m.connect(c.now);
    assert_eq!(events(&c.take()), [Event::StateChanged(StateChangedPayload { state: State::Connecting })]);
}

#[test]
fn connect_timeout_covers_open_and_confirmation() {
    let mut c = Client::with(|r| r.connect_timeout_ms = Some(2000.0));
    c.m.connect(c.now);
    c.take();
    c.advance(1000);
    c.m.socket_opened();
    c.advance(999);
    assert!(c.take().is_empty());
    c.advance(1);
    let actions = c.take();
    assert_eq!(actions[0], Action::CloseSocket { code: LOCAL_CLOSE, reason: "connect timeout" });
    assert_eq!(reconnecting(&actions), [(1, 1000)]);
}

#[test]
fn offline_drops_at_once_and_online_reconnects_at_once() {
    let mut c = Client::new();
    c.open();
    c.m.offline();
    let actions = c.take();
    assert_eq!(actions[0], Action::CloseSocket { code: LOCAL_CLOSE, reason: "offline" });
    assert_eq!(c.m.state(), State::Reconnecting);
    assert_eq!(c.m.next_deadline(), None, "waits for online instead of burning attempts");
    c.advance(600_000);
    assert!(c.take().is_empty());
    c.m.online(c.now);
    assert_eq!(opens(&c.take()).len(), 1);
}

#[test]
fn online_cuts_a_backoff_wait_short() {
    let mut c = Client::new();
    c.open();
    c.advance(10_000);
    c.server_closes(1006);
    c.advance(10);
    c.m.online(c.now);
    assert_eq!(opens(&c.take()).len(), 1);
}

#[test]
fn drops_while_offline_wait_for_online() {
    let mut c = Client::new();
    c.open();
    c.server_closes(1006);
    c.m.offline();
    c.advance(600_000);
    assert!(opens(&c.take()).is_empty());
    c.m.online(c.now);
    assert_eq!(opens(&c.take()).len(), 1);
}

#[test]
fn reconnect_drops_the_socket_and_connects_now() {
    let mut c = Client::new();
    c.open();
    c.m.reconnect(c.now);
    let actions = c.take();
    assert_eq!(actions[0], Action::CloseSocket { code: 1000, reason: "reconnect" });
    assert_eq!(opens(&actions).len(), 1);
    assert_eq!(c.m.state(), State::Reconnecting);
    // The old socket's close is not reported by the glue (it was told to forget it);
    // the new socket opens as a reconnect.
    assert!(events(&c.socket_up()).contains(&Event::Reconnected(ReconnectedPayload {})));
}

#[test]
fn query_auth_encodes_the_token() {
    let mut c = Client::with(|r| {
        r.url = "ws://h:1/ws?v=2".into();
        r.token = Some("a.b-c_d+e/f=".into());
    });
    c.m.connect(c.now);
    assert_eq!(opens(&c.take()), ["ws://h:1/ws?v=2&token=a.b-c_d%2Be%2Ff%3D"]);
}

#[test]
fn message_auth_sends_the_token_as_the_first_frame() {
    let mut c = Client::with(|r| r.auth_mode = Some("message".into()));
    c.m.connect(c.now);
    assert_eq!(opens(&c.take()), [URL]);
    c.m.socket_opened();
    let sent = sends(&c.take());
    assert_eq!(sent.len(), 1);
    assert_eq!(json(&sent[0]), json(r#"{"type":"auth","token":"jwt"}"#));
}

#[test]
fn a_failed_first_attempt_counts_as_reconnecting() {
    let mut c = Client::new();
    c.m.connect(c.now);
    c.take();
    c.m.socket_closed(1006, "", c.now);
    assert_eq!(c.m.state(), State::Reconnecting);
    c.advance(1000);
    c.take();
    let evs = events(&c.socket_up());
    assert!(evs.contains(&Event::Open(OpenPayload { user_id: UserId::Num(1), connection_id: Some("c1".into()), reconnected: false })));
}
