//! Keep-alive in fake time.
//!
//! Checklist:
//! - [x] first ping exactly one interval after the confirmation, `{"type":"ping"}`
//! - [x] the next ping is one interval after the last ping sent, whatever arrives (a busy room
//!   still pings at 30, 60, 90 s)
//! - [x] no frame within the pong timeout → close (4000 "pong timeout") and reconnect
//! - [x] a frame before the timeout keeps the link
//! - [x] `visible()` and `online()` probe an open link at once; one probe at a time
//! - [x] a laptop waking after a long sleep pings first instead of dropping a healthy link

use crate::core::event::*;
use super::harness::{LOCAL_CLOSE, Drive, Action, Client, Event, events, json, reconnecting, sends};
use crate::core::heartbeat::{Beat, Heartbeat};
use crate::core::timers::TimerTable;
use crate::core::State;


fn short() -> Client {
    Client::with(|r| {
        r.ping_interval_ms = Some(1000.0);
        r.pong_timeout_ms = Some(300.0);
    })
}

#[test]
fn pings_every_interval_from_the_last_ping_sent() {
    let mut c = Client::new();
    c.open();
    let t0 = c.now;
    c.advance(29_999);
    assert!(sends(&c.take()).is_empty());
    c.advance(1);
    let sent = sends(&c.take());
    assert_eq!(sent.len(), 1);
    assert_eq!(json(&sent[0]), json(r#"{"type":"ping"}"#));
    assert_eq!(c.now, t0 + 30_000);
    // The pong arrives 50 ms later: the next ping is still 30 s after the first one.
    c.advance(50);
    c.frame(r#"{"type":"pong"}"#);
    c.advance(29_949);
    assert!(sends(&c.take()).is_empty());
    c.advance(1);
    assert_eq!(sends(&c.take()).len(), 1);
    assert_eq!(c.now, t0 + 60_000);
}

#[test]
fn a_busy_room_still_pings_every_interval() {
    // A frame every 5 s (a busy room's broadcasts) must not postpone the pings: the server's
    // inactivity sweep only counts what the client sends.
    let mut c = Client::new();
    c.open();
    let t0 = c.now;
    let mut pings = Vec::new();
    for _ in 0..19 {
        c.advance(5_000);
        c.frame(r#"{"type":"something-new","planId":"x"}"#);
        for s in sends(&c.take()) {
            assert_eq!(s, r#"{"type":"ping"}"#);
            pings.push(c.now - t0);
        }
    }
    assert_eq!(pings, [30_000, 60_000, 90_000]);
    assert_eq!(c.m.state(), State::Open, "the frames answered every ping");
}

#[test]
fn any_frame_answers_a_ping() {
    let mut c = short();
    c.open();
    c.advance(1000);
    assert_eq!(sends(&c.take()), [r#"{"type":"ping"}"#]);
    c.advance(250);
    c.frame(r#"{"type":"something-new"}"#);
    c.advance(700);
    assert!(sends(&c.take()).is_empty(), "no pong, but a frame arrived: the link is kept");
    assert_eq!(c.m.state(), State::Open);
}

#[test]
fn no_pong_within_the_timeout_closes_and_reconnects() {
    let mut c = short();
    c.open();
    c.advance(1000);
    assert_eq!(sends(&c.take()).len(), 1);
    c.advance(299);
    assert!(c.take().is_empty());
    c.advance(1);
    let actions = c.take();
    assert_eq!(actions[0], Action::CloseSocket { code: LOCAL_CLOSE, reason: "pong timeout" });
    let evs = events(&actions);
    assert!(evs.contains(&Event::Close(ClosePayload { code: LOCAL_CLOSE, reason: "pong timeout".into(), will_reconnect: true })));
    assert_eq!(reconnecting(&actions), [(1, 1000)]);
    assert_eq!(c.m.state(), State::Reconnecting);
}

#[test]
fn a_late_pong_before_the_timeout_keeps_the_link() {
    let mut c = short();
    c.open();
    c.advance(1000);
    c.take();
    c.advance(299);
    c.frame(r#"{"type":"pong"}"#);
    // The next ping is due one interval after the last one, and nothing else happens.
    c.advance(701);
    assert_eq!(c.take(), [Action::Send(crate::core::Outgoing::Seed(planwire_protocol::ClientMessage::Ping))]);
    assert_eq!(c.m.state(), State::Open);
}

#[test]
fn visible_and_online_probe_an_open_link_at_once() {
    let mut c = short();
    c.open();
    c.advance(100);
    c.m.visible(c.now);
    assert_eq!(sends(&c.take()), [r#"{"type":"ping"}"#]);
    // A second probe while one is outstanding sends nothing more.
    c.m.online(c.now);
    assert!(c.take().is_empty());
    // The probe times out like any ping.
    c.advance(300);
    assert!(c.take().contains(&Action::CloseSocket { code: LOCAL_CLOSE, reason: "pong timeout" }));
}

#[test]
fn waking_from_sleep_pings_before_judging_the_link() {
    let mut c = short();
    c.open();
    // The timer was not run for an hour (sleeping laptop); it fires late, once.
    c.now += 3_600_000;
    c.m.handle_timeout(c.now);
    assert_eq!(sends(&c.take()), [r#"{"type":"ping"}"#]);
    assert_eq!(c.m.state(), State::Open);
    c.frame(r#"{"type":"pong"}"#);
    c.advance(299);
    assert_eq!(c.m.state(), State::Open);
}

#[test]
fn heartbeat_unit_rules() {
    let h = Heartbeat::new(100, 10);
    let mut t = TimerTable::default();
    assert_eq!(h.poll(&mut t, 1000), Beat::Idle, "stopped");
    assert!(!h.probe(&mut t, 0));
    h.start(&mut t, 0);
    assert_eq!(Heartbeat::deadline(&t), Some(100));
    assert_eq!(h.poll(&mut t, 99), Beat::Idle);
    assert_eq!(h.poll(&mut t, 100), Beat::SendPing);
    assert_eq!(Heartbeat::deadline(&t), Some(110));
    assert_eq!(h.poll(&mut t, 109), Beat::Idle);
    assert_eq!(h.poll(&mut t, 110), Beat::Dead);
    h.start(&mut t, 110);
    assert_eq!(h.poll(&mut t, 210), Beat::SendPing);
    h.frame_received(&mut t);
    assert_eq!(Heartbeat::deadline(&t), Some(310), "a frame clears the pong deadline, not the schedule");
    assert!(h.probe(&mut t, 250), "a probe pings at once");
    assert_eq!(Heartbeat::deadline(&t), Some(260));
    h.frame_received(&mut t);
    assert_eq!(Heartbeat::deadline(&t), Some(350), "the probe was a ping: the next is one interval later");
    h.stop(&mut t);
    h.frame_received(&mut t);
    assert_eq!(Heartbeat::deadline(&t), None, "a frame does not restart a stopped heartbeat");
}

#[test]
fn the_timer_table_is_the_only_source_of_deadlines() {
    use crate::core::timers::Timer;
    let mut t = TimerTable::default();
    assert_eq!(t.next(), None);
    t.set(Timer::Ping, 300);
    t.set(Timer::Stable, 200);
    t.set_opt(Timer::Presence, Some(250));
    assert_eq!(t.next(), Some(200), "the earliest entry");
    t.stop(Timer::Stable);
    assert_eq!(t.next(), Some(250));
    t.set_opt(Timer::Presence, None);
    assert!(!t.running(Timer::Presence));
    assert_eq!(t.next(), Some(300));
    t.stop_all();
    assert_eq!(t.next(), None);
    // The machine's deadline is the table's: open, it is the first ping or the stable period.
    let mut c = Client::new();
    c.open();
    assert_eq!(c.m.next_deadline(), Some(c.now + 5_000), "stable period (5 s) before the first ping (30 s)");
    c.advance(5_000);
    assert_eq!(c.m.next_deadline(), Some(c.now + 25_000), "then the ping");
}
