//! Live presence (**extension**) in fake time.
//!
//! Checklist:
//! - [x] `update_presence` merges a patch (a `null` removes a key) and sends the whole state
//!   (`replace: true`); updates within 100 ms are coalesced into one message
//! - [x] an empty state is sent as `null`; patches that are not objects, and rooms not joined, are
//!   refused with coded errors
//! - [x] typing: sent at once, an identical mark refreshed at most every 2 s, a new mark or `None`
//!   sent (throttled)
//! - [x] the join confirmation's `presence` replaces the others (our own user left out) →
//!   `presenceChanged`; a seed 000 confirmation (no `presence`) changes nothing
//! - [x] `presence` frames update, add and remove others; our own user's echo is ignored
//! - [x] a lost connection clears the others (`presenceChanged`); after the re-join our state and
//!   typing mark go out again
//! - [x] state set before the join confirmation goes out right after it

use crate::core::event::*;
use super::harness::{Drive, events, json, sends, Client, Event};
use serde_json::{json as j, Value};

const CONFIRM: &str = r#"{"type":"join-plan","planId":"1","data":{"success":true,"participantCount":1,"participants":[{"userId":1,"userName":"a"}]}}"#;

fn joined() -> Client {
    let mut c = Client::new();
    c.open();
    c.m.join("1").unwrap();
    c.frame(CONFIRM);
    c.take();
    c
}

/// The `data` of every presence-update among the sent messages.
fn presence_sent(c: &mut Client) -> Vec<Value> {
    sends(&c.take())
        .iter()
        .map(|s| json(s))
        .filter(|m| m["type"] == "presence-update")
        .map(|m| {
            assert_eq!(m["planId"], "1");
            m["data"].clone()
        })
        .collect()
}

fn presence_events(evs: &[Event]) -> Vec<Vec<(i64, Value, Value)>> {
    evs.iter()
        .filter_map(|e| match e {
            Event::PresenceChanged(PresenceChangedPayload { presence, .. }) => Some(
                presence
                    .iter()
                    .map(|p| {
                        let id = match &p.user_id {
                            planwire_protocol::UserId::Num(n) => *n,
                            planwire_protocol::UserId::Str(_) => -1,
                        };
                        (id, p.state.clone().unwrap_or(Value::Null), p.typing.clone().unwrap_or(Value::Null))
                    })
                    .collect(),
            ),
            _ => None,
        })
        .collect()
}

#[test]
fn updates_merge_and_are_coalesced_within_100_ms() {
    let mut c = joined();
    c.m.update_presence("1", &j!({"taskId": "3", "activity": "viewing"}), c.now).unwrap();
    assert_eq!(presence_sent(&mut c), [j!({"state": {"taskId": "3", "activity": "viewing"}, "replace": true})]);
    c.advance(10);
    c.m.update_presence("1", &j!({"activity": "editing"}), c.now).unwrap();
    c.m.update_presence("1", &j!({"field": "title"}), c.now).unwrap();
    assert!(presence_sent(&mut c).is_empty(), "within 100 ms of the last message");
    assert_eq!(c.m.my_presence("1"), Some(&j!({"taskId": "3", "activity": "editing", "field": "title"})));
    c.advance(89);
    assert!(presence_sent(&mut c).is_empty());
    c.advance(1);
    assert_eq!(
        presence_sent(&mut c),
        [j!({"state": {"taskId": "3", "activity": "editing", "field": "title"}, "replace": true})]
    );
    c.advance(500);
    c.m.update_presence("1", &j!({"taskId": null, "activity": null, "field": null}), c.now).unwrap();
    assert_eq!(presence_sent(&mut c), [j!({"state": null, "replace": true})], "an empty state is none");
    assert_eq!(c.m.my_presence("1"), None);
}

#[test]
fn bad_patches_and_rooms_not_joined_are_refused() {
    let mut c = joined();
    assert_eq!(c.m.update_presence("1", &j!([1]), c.now).unwrap_err().code, "INVALID_PRESENCE");
    assert_eq!(c.m.update_presence("2", &j!({"a": 1}), c.now).unwrap_err().code, "NOT_JOINED");
    assert_eq!(c.m.set_typing("1", Some(&j!("3")), c.now).unwrap_err().code, "INVALID_PRESENCE");
    assert_eq!(c.m.update_presence("", &j!({}), c.now).unwrap_err().code, "INVALID_PLAN_ID");
    assert!(presence_sent(&mut c).is_empty());
}

#[test]
fn typing_is_sent_refreshed_at_most_every_2_s_and_stopped() {
    let mut c = joined();
    let mark = j!({"taskId": "3"});
    c.m.set_typing("1", Some(&mark), c.now).unwrap();
    assert_eq!(presence_sent(&mut c), [j!({"typing": {"taskId": "3"}})]);
    // Keys pressed every 300 ms: a refresh goes out only once 2 s have passed.
    let mut refreshes = Vec::new();
    let t0 = c.now;
    for _ in 0..10 {
        c.advance(300);
        c.m.set_typing("1", Some(&mark), c.now).unwrap();
        if !presence_sent(&mut c).is_empty() {
            refreshes.push(c.now - t0);
        }
    }
    assert_eq!(refreshes, [2100]);
    c.advance(300);
    c.m.set_typing("1", Some(&j!({"taskId": "4"})), c.now).unwrap();
    assert_eq!(presence_sent(&mut c), [j!({"typing": {"taskId": "4"}})], "a new mark goes out at once");
    c.advance(10);
    c.m.set_typing("1", None, c.now).unwrap();
    c.advance(90);
    assert_eq!(presence_sent(&mut c), [j!({"typing": null})]);
    c.m.set_typing("1", None, c.now).unwrap();
    c.advance(1000);
    assert!(presence_sent(&mut c).is_empty(), "stopping twice sends nothing more");
}

#[test]
fn others_come_from_the_confirmation_and_presence_frames() {
    let mut c = Client::new();
    c.open();
    c.m.join("1").unwrap();
    c.frame(r#"{"type":"join-plan","planId":"1","data":{"success":true,"participantCount":2,"participants":[{"userId":1,"userName":"a"},{"userId":2,"userName":"b"}],
        "presence":[{"userId":1,"userName":"a","state":{"taskId":"9"},"typing":null},{"userId":2,"userName":"b","state":{"taskId":"3"},"typing":null}]}}"#);
    let evs = events(&c.take());
    assert_eq!(presence_events(&evs), [vec![(2, j!({"taskId": "3"}), Value::Null)]], "our own user is left out");
    assert_eq!(c.m.presence("1").len(), 1);
    c.frame(r#"{"type":"presence","planId":"1","data":{"userId":2,"userName":"b","state":{"taskId":"3"},"typing":{"taskId":"3"}}}"#);
    c.frame(r#"{"type":"presence","planId":"1","data":{"userId":3,"userName":"c","state":{"taskId":"1"},"typing":null}}"#);
    c.frame(r#"{"type":"presence","planId":"1","data":{"userId":1,"userName":"a","state":{"taskId":"7"},"typing":null}}"#);
    c.frame(r#"{"type":"presence","planId":"1","data":{"userId":2,"userName":"b","state":null,"typing":null}}"#);
    let evs = events(&c.take());
    assert_eq!(
        presence_events(&evs),
        [
            vec![(2, j!({"taskId": "3"}), j!({"taskId": "3"}))],
            vec![(2, j!({"taskId": "3"}), j!({"taskId": "3"})), (3, j!({"taskId": "1"}), Value::Null)],
            vec![(3, j!({"taskId": "1"}), Value::Null)],
        ],
        "our echo changes nothing; both null removes"
    );
    // Presence frames carry no seq and never disturb the room's sequence.
    assert_eq!(c.m.state(), crate::core::State::Open);
}

#[test]
fn a_seed_confirmation_without_presence_changes_nothing() {
    let mut c = Client::new();
    c.open();
    c.m.join("1").unwrap();
    c.frame(CONFIRM);
    assert!(presence_events(&events(&c.take())).is_empty());
    assert!(c.m.presence("1").is_empty());
}

#[test]
fn a_reconnect_clears_others_and_sends_ours_again_after_the_rejoin() {
    let mut c = Client::new();
    c.open();
    c.m.join("1").unwrap();
    c.m.update_presence("1", &j!({"taskId": "3"}), c.now).unwrap();
    assert!(presence_sent(&mut c).is_empty(), "not before the join is confirmed");
    c.frame(r#"{"type":"join-plan","planId":"1","data":{"success":true,"participantCount":2,"participants":[{"userId":1,"userName":"a"},{"userId":2,"userName":"b"}],
        "presence":[{"userId":2,"userName":"b","state":{"taskId":"5"},"typing":null}]}}"#);
    assert_eq!(presence_sent(&mut c), [j!({"state": {"taskId": "3"}, "replace": true})], "right after the confirmation");
    c.m.set_typing("1", Some(&j!({"taskId": "3"})), c.now).unwrap();
    c.advance(100);
    c.take();
    let evs = events(&c.server_closes(1006));
    assert_eq!(presence_events(&evs), [Vec::<(i64, Value, Value)>::new()]);
    assert!(c.m.presence("1").is_empty());
    c.advance(1000);
    c.take();
    c.socket_up();
    c.frame(CONFIRM);
    assert_eq!(
        presence_sent(&mut c),
        [j!({"state": {"taskId": "3"}, "replace": true, "typing": {"taskId": "3"}})],
        "state and typing again after the re-join"
    );
}
