//! Rooms: reference counting, pending joins, rejoin after reconnect, participants.
//!
//! Checklist:
//! - [x] joins asked for while disconnected go out once the connection is confirmed
//! - [x] two joins of one plan → one `join-plan`; `leave-plan` only when the last one leaves
//! - [x] every joined room is re-joined after a reconnect; left rooms are not
//! - [x] several rooms on one connection
//! - [x] participants: confirmation, user joined (no duplicates), user left, counts,
//!   `participantsChanged` each time
//! - [x] a lost connection clears every room's participants (count 0, `participantsChanged`)
//!   until the re-join confirms them again
//! - [x] a confirmation for a room already left is ignored
//! - [x] empty plan ids are refused with INVALID_PLAN_ID

use crate::core::event::*;
use super::harness::{Drive, events, json, sends, Client};
use crate::core::Event;
use planwire_protocol::{Participant, UserId};

fn confirm_frame(plan: &str) -> String {
    format!(
        r#"{{"type":"join-plan","planId":"{plan}","data":{{"success":true,"participantCount":2,"participants":[{{"userId":1,"userName":"user1"}},{{"userId":2,"userName":"user2"}}]}}}}"#
    )
}

fn p(id: i64, name: &str) -> Participant {
    Participant { user_id: UserId::Num(id), user_name: name.into() }
}

#[test]
fn pending_joins_go_out_once_confirmed() {
    let mut c = Client::new();
    c.m.join("123").unwrap();
    c.m.join("456").unwrap();
    c.m.connect(c.now);
    c.m.socket_opened();
    assert!(sends(&c.take()).is_empty(), "nothing before the confirmation");
    c.confirm();
    let sent: Vec<_> = sends(&c.take()).iter().map(|s| json(s)).collect();
    assert_eq!(
        sent,
        [json(r#"{"type":"join-plan","planId":"123"}"#), json(r#"{"type":"join-plan","planId":"456"}"#)]
    );
}

#[test]
fn a_lost_connection_clears_participants_until_the_rejoin() {
    let mut c = Client::new();
    c.open();
    c.m.join("123").unwrap();
    c.frame(&confirm_frame("123"));
    c.take();
    assert_eq!(c.m.participant_count("123"), 2);
    let evs = events(&c.server_closes(1006));
    assert_eq!(c.m.participant_count("123"), 0);
    assert!(c.m.participants("123").is_empty());
    assert!(evs.contains(&Event::ParticipantsChanged(ParticipantsChangedPayload { plan_id: "123".into(), participants: vec![], participant_count: 0 })));
    c.advance(1000);
    c.take();
    c.socket_up();
    c.frame(&confirm_frame("123"));
    assert_eq!(c.m.participants("123"), [p(1, "user1"), p(2, "user2")]);
    assert_eq!(c.m.participant_count("123"), 2);
}

#[test]
fn joins_are_reference_counted() {
    let mut c = Client::new();
    c.open();
    c.m.join("123").unwrap();
    c.m.join("123").unwrap();
    assert_eq!(sends(&c.take()).len(), 1);
    c.m.leave("123").unwrap();
    assert!(sends(&c.take()).is_empty());
    c.m.leave("123").unwrap();
    assert_eq!(sends(&c.take()).iter().map(|s| json(s)).collect::<Vec<_>>(), [json(r#"{"type":"leave-plan","planId":"123"}"#)]);
    c.m.leave("123").unwrap();
    assert!(c.take().is_empty(), "leaving a room not joined is a no-op");
}

#[test]
fn every_room_is_rejoined_after_a_reconnect() {
    let mut c = Client::new();
    c.open();
    for plan in ["1", "2", "3"] {
        c.m.join(plan).unwrap();
        c.frame(&confirm_frame(plan));
    }
    c.m.leave("2").unwrap();
    c.take();
    c.server_closes(1006);
    c.m.leave("3").unwrap();
    assert!(sends(&c.take()).is_empty(), "no leave-plan without a connection");
    c.advance(1000);
    c.take();
    let sent = sends(&c.socket_up());
    assert_eq!(sent.iter().map(|s| json(s)).collect::<Vec<_>>(), [json(r#"{"type":"join-plan","planId":"1"}"#)]);
    assert!(!c.m.room("1").unwrap().joined, "joined again only when confirmed");
    c.frame(&confirm_frame("1"));
    assert!(c.m.room("1").unwrap().joined);
}

#[test]
fn participants_are_tracked() {
    let mut c = Client::new();
    c.open();
    c.m.join("123").unwrap();
    c.frame(&confirm_frame("123"));
    let evs = events(&c.take());
    assert_eq!(
        evs,
        [
            Event::Joined(JoinedPayload { plan_id: "123".into(), participants: vec![p(1, "user1"), p(2, "user2")], participant_count: 2, recovered: None }),
            Event::ParticipantsChanged(ParticipantsChangedPayload { plan_id: "123".into(), participants: vec![p(1, "user1"), p(2, "user2")], participant_count: 2 }),
        ]
    );
    c.frame(r#"{"type":"join-plan","planId":"123","data":{"userId":3,"userName":"user3","participantCount":3}}"#);
    assert_eq!(c.m.participant_count("123"), 3);
    assert_eq!(c.m.participants("123"), [p(1, "user1"), p(2, "user2"), p(3, "user3")]);
    let evs = events(&c.take());
    assert_eq!(evs[0], Event::UserJoined(UserJoinedPayload { plan_id: "123".into(), user_id: UserId::Num(3), user_name: "user3".into(), participant_count: 3 }));
    assert!(matches!(&evs[1], Event::ParticipantsChanged(ParticipantsChangedPayload { participant_count: 3, participants, .. }) if participants.len() == 3));
    // The same user again (a second tab, as some servers announce it): listed once.
    c.frame(r#"{"type":"join-plan","planId":"123","data":{"userId":3,"userName":"user3","participantCount":3}}"#);
    assert_eq!(c.m.participants("123").len(), 3);
    c.frame(r#"{"type":"leave-plan","planId":"123","data":{"userId":2,"participantCount":2}}"#);
    assert_eq!(c.m.participants("123"), [p(1, "user1"), p(3, "user3")]);
    assert_eq!(c.m.participant_count("123"), 2);
    let evs = events(&c.take());
    assert!(evs.contains(&Event::UserLeft(UserLeftPayload { plan_id: "123".into(), user_id: UserId::Num(2), user_name: None, participant_count: 2 })));
    assert_eq!(c.m.participant_count("999"), 0);
    assert!(c.m.participants("999").is_empty());
}

#[test]
fn confirmation_for_a_room_already_left_is_ignored() {
    let mut c = Client::new();
    c.open();
    c.m.join("123").unwrap();
    c.m.leave("123").unwrap();
    c.take();
    c.frame(&confirm_frame("123"));
    c.frame(r#"{"type":"task-deleted","planId":"123","data":{"taskId":"1"}}"#);
    assert!(c.take().is_empty());
    assert_eq!(c.m.participant_count("123"), 0);
}

#[test]
fn empty_plan_ids_are_refused() {
    let mut c = Client::new();
    let err = c.m.join("").unwrap_err();
    assert_eq!(err.text(), "INVALID_PLAN_ID: planId must be a non-empty string");
    assert_eq!(c.m.leave("").unwrap_err().code, "INVALID_PLAN_ID");
}
