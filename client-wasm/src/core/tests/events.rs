//! Event payload JSON (what JS listeners receive after one `JSON.parse`).
//!
//! Checklist:
//! - [x] every event kind writes the `PlanEvents` shape of docs/client-api.md
//! - [x] optional fields are left out when absent
//! - [x] strings are escaped (quotes, backslashes, control characters, non-ASCII kept)
//! - [x] raw task JSON is spliced in unchanged
//! - [x] every name maps to its kind and back

use super::harness::json;
use crate::core::event::Meta;
use crate::core::json::{push_i64, push_str, push_u64};
use crate::core::{Event, EventKind, State};
use planwire_protocol::{Participant, Progress, UserId};

fn payload(e: &Event) -> serde_json::Value {
    let mut s = String::new();
    e.write_json(&mut s);
    json(&s)
}

fn meta(seq: Option<u64>) -> Meta {
    Meta { plan_id: "p".into(), timestamp: seq.map(|_| "t".into()), seq }
}

#[test]
fn every_payload_has_its_documented_shape() {
    let people = vec![
        Participant { user_id: UserId::Num(1), user_name: "a".into() },
        Participant { user_id: UserId::Str("x".into()), user_name: "b".into() },
    ];
    let cases: Vec<(Event, &str)> = vec![
        (Event::StateChanged(State::Reconnecting), r#"{"state":"reconnecting"}"#),
        (Event::Open { user_id: UserId::Num(-3), connection_id: None, reconnected: false }, r#"{"userId":-3,"reconnected":false}"#),
        (Event::Open { user_id: UserId::Str("u".into()), connection_id: Some("c".into()), reconnected: true }, r#"{"userId":"u","connectionId":"c","reconnected":true}"#),
        (Event::Close { code: 4001, reason: "expired".into(), will_reconnect: true }, r#"{"code":4001,"reason":"expired","willReconnect":true}"#),
        (Event::Reconnecting { attempt: 2, delay_ms: 1500 }, r#"{"attempt":2,"delayMs":1500}"#),
        (Event::Reconnected, "{}"),
        (Event::Failed { reason: "unauthorized".into() }, r#"{"reason":"unauthorized"}"#),
        (Event::Error { code: "E".into(), message: "m".into(), plan_id: Some("p".into()) }, r#"{"code":"E","message":"m","planId":"p"}"#),
        (
            Event::Joined { plan_id: "p".into(), participants: people.clone(), participant_count: 2, recovered: Some(false) },
            r#"{"planId":"p","participants":[{"userId":1,"userName":"a"},{"userId":"x","userName":"b"}],"participantCount":2,"recovered":false}"#,
        ),
        (
            Event::UserJoined { plan_id: "p".into(), user_id: UserId::Num(2), user_name: "b".into(), participant_count: 2 },
            r#"{"planId":"p","userId":2,"userName":"b","participantCount":2}"#,
        ),
        (
            Event::UserLeft { plan_id: "p".into(), user_id: UserId::Num(2), user_name: None, participant_count: 1 },
            r#"{"planId":"p","userId":2,"participantCount":1}"#,
        ),
        (
            Event::ParticipantsChanged { plan_id: "p".into(), participants: vec![], participant_count: 0 },
            r#"{"planId":"p","participants":[],"participantCount":0}"#,
        ),
        (
            Event::TaskUpdated { meta: meta(Some(7)), task: r#"{"id":1,"title":"T","nested":{"a":[1,2.5,null]}}"#.into() },
            r#"{"planId":"p","timestamp":"t","seq":7,"task":{"id":1,"title":"T","nested":{"a":[1,2.5,null]}}}"#,
        ),
        (Event::TaskCreated { meta: meta(None), task: "{}".into() }, r#"{"planId":"p","task":{}}"#),
        (Event::TaskDeleted { meta: meta(None), task_id: "9".into() }, r#"{"planId":"p","taskId":"9"}"#),
        (Event::TaskReordered { meta: meta(None), task_ids: vec!["2".into(), "1".into()] }, r#"{"planId":"p","taskIds":["2","1"]}"#),
        (
            Event::ProgressUpdated { meta: meta(None), progress: Progress { total_tasks: 4, completed_tasks: 1, completion_percentage: 25 } },
            r#"{"planId":"p","progress":{"totalTasks":4,"completedTasks":1,"completionPercentage":25}}"#,
        ),
        (Event::Resync { plan_id: "p".into(), reason: "gap" }, r#"{"planId":"p","reason":"gap"}"#),
        (Event::Message { kind: "x".into(), plan_id: None, data: Some("[1]".into()) }, r#"{"type":"x","data":[1]}"#),
    ];
    for (event, expected) in &cases {
        assert_eq!(payload(event), json(expected), "{event:?}");
    }
}

#[test]
fn strings_are_escaped() {
    for s in ["plain", "quote\" and \\ backslash", "line\nbreak\ttab\r", "\u{1}\u{1f}", "ünïcødé ✓ 😀", ""] {
        let mut out = String::new();
        push_str(&mut out, s);
        let back: String = serde_json::from_str(&out).unwrap();
        assert_eq!(back, s);
    }
}

#[test]
fn integers_are_written_exactly() {
    for n in [0, 7, -1, i64::MIN, i64::MAX, 1_000_000] {
        let mut out = String::new();
        push_i64(&mut out, n);
        assert_eq!(out, n.to_string());
    }
    for n in [0, 9, 10, 99, 100, 12_345, 10_000_000_000_000_000_000, u64::MAX] {
        let mut out = String::from("x");
        push_u64(&mut out, n);
        assert_eq!(out, format!("x{n}"));
    }
}

#[test]
fn names_map_to_kinds() {
    for kind in EventKind::ALL {
        assert_eq!(EventKind::from_name(kind.name()), Some(*kind));
        assert_eq!(EventKind::ALL[kind.index()], *kind);
    }
    assert_eq!(EventKind::ALL.len(), 18);
    assert_eq!(EventKind::from_name("taskupdated"), None);
    assert_eq!(Event::Reconnected.kind(), EventKind::Reconnected);
}
