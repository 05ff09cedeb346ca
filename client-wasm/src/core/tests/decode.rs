//! Decoding server frames, end to end through the machine.
//!
//! Checklist:
//! - [x] every seed 000 server message, exactly as the seed writes it, gives its event
//! - [x] the two `join-plan` shapes: confirmation (`success`) vs another user's join
//! - [x] bad frames (not JSON, no/odd type, wrong field types, missing planId, non-object task,
//!   binary) → `error` INVALID_FRAME; the connection, rooms and heartbeat stay intact
//! - [x] payloads that break the declared types (a task without a string title, an object id,
//!   non-id taskIds, negative or fractional progress counts) → INVALID_FRAME naming the field
//! - [x] unknown types → `message` with the raw data
//! - [x] server `error` messages → `error` with code, message and planId

use super::harness::{Drive, events, json, sends, Client, Event};
use crate::core::decode::{decode, text_header, Body, Frame};
use crate::core::event::*;
use crate::core::State;
use planwire_protocol::{Progress, UserId};

fn decoded(text: &str) -> Frame<serde_json::Value> {
    decode(text_header(text).expect("an envelope")).expect("a valid frame")
}

fn joined_client() -> Client {
    let mut c = Client::new();
    c.open();
    c.m.join("123").unwrap();
    c.frame(r#"{"type":"join-plan","planId":"123","data":{"success":true,"participantCount":1,"participants":[{"userId":1,"userName":"user1"}]}}"#);
    c.take();
    c
}

/// The seed's broadcast timestamp.
fn ts() -> Option<serde_json::Value> {
    Some(json("\"2025-01-01T00:00:00.000Z\""))
}

#[test]
fn seed_broadcasts_give_their_events() {
    let mut c = joined_client();
    // The seed elides task fields with `...`; a full task stands in for it.
    c.frame(r#"{"type":"task-updated","planId":"123","data":{"task":{"id":1,"title":"Updated Task","status":"completed"}},"timestamp":"2025-01-01T00:00:00.000Z"}"#);
    c.frame(r#"{"type":"task-created","planId":"123","data":{"task":{"id":2,"title":"New Task","status":"not_started"}},"timestamp":"2025-01-01T00:00:00.000Z"}"#);
    c.frame(r#"{"type":"task-deleted","planId":"123","data":{"taskId":"1"},"timestamp":"2025-01-01T00:00:00.000Z"}"#);
    c.frame(r#"{"type":"task-reordered","planId":"123","data":{"taskIds":["3","1","2"]},"timestamp":"2025-01-01T00:00:00.000Z"}"#);
    c.frame(r#"{"type":"progress-updated","planId":"123","data":{"progress":{"totalTasks":10,"completedTasks":5,"completionPercentage":50}},"timestamp":"2025-01-01T00:00:00.000Z"}"#);
    assert_eq!(
        events(&c.take()),
        [
            Event::TaskUpdated(TaskPayload { plan_id: "123".into(), task: json(r#"{"id":1,"title":"Updated Task","status":"completed"}"#), timestamp: ts(), seq: None }),
            Event::TaskCreated(TaskPayload { plan_id: "123".into(), task: json(r#"{"id":2,"title":"New Task","status":"not_started"}"#), timestamp: ts(), seq: None }),
            Event::TaskDeleted(TaskDeletedPayload { plan_id: "123".into(), task_id: UserId::Str("1".into()), timestamp: ts(), seq: None }),
            Event::TaskReordered(TaskReorderedPayload { plan_id: "123".into(), task_ids: ["3", "1", "2"].map(|s| UserId::Str(s.into())).to_vec(), timestamp: ts(), seq: None }),
            Event::ProgressUpdated(ProgressUpdatedPayload {
                plan_id: "123".into(),
                progress: Progress { total_tasks: 10, completed_tasks: 5, completion_percentage: 50 },
                timestamp: ts(),
                seq: None,
            }),
        ]
    );
}

#[test]
fn the_two_join_plan_shapes_are_told_apart() {
    let confirm = r#"{"type":"join-plan","planId":"123","data":{"success":true,"participantCount":2,"participants":[{"userId":1,"userName":"user1"},{"userId":2,"userName":"user2"}]}}"#;
    let joined = r#"{"type":"join-plan","planId":"123","data":{"userId":2,"userName":"user2","participantCount":2}}"#;
    assert!(matches!(decoded(confirm).body, Body::JoinConfirm(c, _) if c.participants.len() == 2));
    assert!(matches!(decoded(joined).body, Body::UserJoined(u) if u.user_id == UserId::Num(2)));
    // String user ids round-trip too.
    let joined_str = r#"{"type":"join-plan","planId":"1","data":{"userId":"u-2","userName":"b","participantCount":2}}"#;
    assert!(matches!(decoded(joined_str).body, Body::UserJoined(u) if u.user_id == UserId::Str("u-2".into())));
}

#[test]
fn bad_frames_raise_invalid_frame_and_keep_everything() {
    let mut c = Client::with(|r| {
        r.ping_interval_ms = Some(1000.0);
        r.pong_timeout_ms = Some(500.0);
    });
    c.open();
    c.m.join("123").unwrap();
    c.frame(r#"{"type":"join-plan","planId":"123","data":{"success":true,"participantCount":1,"participants":[{"userId":1,"userName":"a"}]}}"#);
    c.take();
    let bad = [
        "not json",
        "",
        "[1,2]",
        r#"{"planId":"123"}"#,
        r#"{"type":5}"#,
        r#"{"type":"task-updated","data":{"task":{"id":1}}}"#,
        r#"{"type":"task-updated","planId":"123","data":{"task":"x"}}"#,
        r#"{"type":"task-updated","planId":"123"}"#,
        r#"{"type":"task-deleted","planId":"123","data":{"taskId":true}}"#,
        r#"{"type":"task-reordered","planId":"123","data":{"taskIds":"1,2"}}"#,
        r#"{"type":"progress-updated","planId":"123","data":{"progress":{"totalTasks":"ten"}}}"#,
        r#"{"type":"join-plan","planId":"123","data":{"success":true}}"#,
        r#"{"type":"join-plan","planId":"123","data":{"userId":[],"userName":"x","participantCount":1}}"#,
        r#"{"type":"join-plan","planId":"123","data":{"userId":2,"participantCount":1}}"#,
        r#"{"type":"join-plan","planId":"123","data":{"userId":2,"userName":null,"participantCount":1}}"#,
        r#"{"type":"leave-plan","planId":"123","data":{"participantCount":1}}"#,
        r#"{"type":"join-plan","planId":7,"data":{}}"#,
        r#"{"type":"task-updated","planId":"123","seq":-1,"data":{"task":{}}}"#,
        r#"{"type":"error","data":{"code":1}}"#,
        r#"{"type":"task-deleted","planId":"123","timestamp":5,"data":{"taskId":"1"}}"#,
    ];
    for frame in bad {
        c.advance(100);
        c.frame(frame);
        let evs = events(&c.take());
        assert_eq!(evs.len(), 1, "{frame}");
        assert!(matches!(&evs[0], Event::Error(ErrorPayload { code, plan_id: None, .. }) if code == "INVALID_FRAME"), "{frame}: {evs:?}");
    }
    c.m.binary_received();
    assert!(matches!(&events(&c.take())[0], Event::Error(ErrorPayload { code, .. }) if code == "INVALID_FRAME"));
    assert_eq!(c.m.state(), State::Open);
    assert_eq!(c.m.participant_count("123"), 1);
    // Bad frames still prove the link alive (pings went out every second meanwhile, each answered
    // by a bad frame), and the heartbeat still runs.
    let deadline = c.m.next_deadline().expect("the heartbeat runs");
    assert!(deadline <= c.now + 1000);
    c.advance_to(deadline);
    assert_eq!(sends(&c.take()), [r#"{"type":"ping"}"#]);
    assert_eq!(c.m.state(), State::Open);
}

#[test]
fn unknown_types_pass_through_as_message() {
    let mut c = joined_client();
    c.frame(r#"{"type":"typing","planId":"123","data":{"userId":2,"field":"title"}}"#);
    c.frame(r#"{"type":"announcement"}"#);
    assert_eq!(
        events(&c.take()),
        [
            Event::Message(MessagePayload { kind: "typing".into(), plan_id: Some("123".into()), data: Some(json(r#"{"userId":2,"field":"title"}"#)) }),
            Event::Message(MessagePayload { kind: "announcement".into(), plan_id: None, data: None }),
        ]
    );
}

#[test]
fn server_errors_become_error_events() {
    let mut c = joined_client();
    c.frame(r#"{"type":"error","data":{"code":"FORBIDDEN","message":"not a member","planId":"456"}}"#);
    c.frame(r#"{"type":"error","data":{"code":"RATE_LIMITED","message":"slow down","retryAfterMs":500}}"#);
    assert_eq!(
        events(&c.take()),
        [
            Event::Error(ErrorPayload { code: "FORBIDDEN".into(), message: "not a member".into(), plan_id: Some("456".into()) }),
            Event::Error(ErrorPayload { code: "RATE_LIMITED".into(), message: "slow down".into(), plan_id: None }),
        ]
    );
    assert_eq!(c.m.state(), State::Open);
}

#[test]
fn a_confirmation_without_user_is_invalid_and_not_open() {
    let mut c = Client::new();
    c.m.connect(c.now);
    c.m.socket_opened();
    c.take();
    c.frame(r#"{"type":"pong","data":{"connected":true}}"#);
    assert!(matches!(&events(&c.take())[0], Event::Error(ErrorPayload { code, .. }) if code == "INVALID_FRAME"));
    assert_eq!(c.m.state(), State::Connecting);
}

#[test]
fn escaped_strings_are_decoded() {
    let f = decoded(r#"{"type":"task-deleted","planId":"a\"b","data":{"taskId":"\u0031"}}"#);
    assert_eq!(f.plan_id.as_deref(), Some("a\"b"));
    assert!(matches!(f.body, Body::TaskDeleted(UserId::Str(d)) if d == "1"));
}

#[test]
fn task_ids_pass_through_as_numbers_or_strings() {
    let mut c = joined_client();
    c.frame(r#"{"type":"task-deleted","planId":"123","data":{"taskId":7}}"#);
    c.frame(r#"{"type":"task-reordered","planId":"123","data":{"taskIds":[3,"1",2]}}"#);
    let evs = events(&c.take());
    assert!(matches!(&evs[0], Event::TaskDeleted(TaskDeletedPayload { task_id: UserId::Num(7), .. })), "{evs:?}");
    assert!(
        matches!(&evs[1], Event::TaskReordered(TaskReorderedPayload { task_ids, .. }) if task_ids == &[UserId::Num(3), UserId::Str("1".into()), UserId::Num(2)]),
        "{evs:?}"
    );
}

#[test]
fn payloads_that_break_the_declared_types_are_errors_naming_the_field_never_events() {
    let mut c = joined_client();
    let cases = [
        (r#"{"type":"task-updated","planId":"123","data":{"task":{"id":{"n":1},"title":"t","status":"s"}}}"#, "task.id"),
        (r#"{"type":"task-updated","planId":"123","data":{"task":{"id":1,"title":5,"status":"s"}}}"#, "task.title"),
        (r#"{"type":"task-updated","planId":"123","data":{"task":{"id":1,"title":"t","status":null}}}"#, "task.status"),
        (r#"{"type":"task-updated","planId":"123","data":{"task":{"title":"t","status":"s"}}}"#, "task.id"),
        (r#"{"type":"task-created","planId":"123","data":{"task":{"id":"1","title":{},"status":"s"}}}"#, "task.title"),
        (r#"{"type":"task-created","planId":"123","data":{"task":[1]}}"#, "data.task"),
        (r#"{"type":"task-reordered","planId":"123","data":{"taskIds":["1",{"id":2}]}}"#, "taskIds"),
        (r#"{"type":"task-reordered","planId":"123","data":{"taskIds":["1",1.5]}}"#, "taskIds"),
        (r#"{"type":"progress-updated","planId":"123","data":{"progress":{"totalTasks":-1,"completedTasks":0,"completionPercentage":0}}}"#, "non-negative integers"),
        (r#"{"type":"progress-updated","planId":"123","data":{"progress":{"totalTasks":2.5,"completedTasks":0,"completionPercentage":0}}}"#, "non-negative integers"),
    ];
    for (frame, field) in cases {
        c.frame(frame);
        let evs = events(&c.take());
        match evs.as_slice() {
            [Event::Error(ErrorPayload { code, message, plan_id: None })] if code == "INVALID_FRAME" => {
                assert!(message.contains(field), "{frame}: {message} names {field}");
            }
            _ => panic!("{frame}: one INVALID_FRAME error and no event, got {evs:?}"),
        }
    }
    assert_eq!(c.m.state(), State::Open, "the connection stays open");
    // A task with the declared fields, and others, still passes untouched.
    c.frame(r#"{"type":"task-updated","planId":"123","data":{"task":{"id":"7","title":"t","status":"done","owner":{"x":1}}}}"#);
    assert!(matches!(events(&c.take()).as_slice(), [Event::TaskUpdated(TaskPayload { task, .. })] if task["owner"]["x"] == 1));
}

#[test]
fn room_messages_without_plan_id_are_refused_before_their_data_is_read() {
    let room = ["join-plan", "leave-plan", "task-updated", "task-created", "task-deleted", "task-reordered", "progress-updated", "presence"];
    for kind in room {
        // With no data, and with data that would be invalid: the missing planId is the error.
        for data in ["", r#","data":{"task":"x","taskId":true}"#] {
            let text = format!(r#"{{"type":"{kind}"{data}}}"#);
            let error = decode(text_header(&text).expect("an envelope")).err();
            assert_eq!(error.map(|e| e.message), Some("room message without planId"), "{text}");
        }
    }
    for text in [r#"{"type":"pong"}"#, r#"{"type":"error","data":{"code":"X","message":"m"}}"#, r#"{"type":"other"}"#] {
        assert!(decode(text_header(text).expect("an envelope")).is_ok(), "{text}");
    }
}

/// The vendored serde-wasm-bindgen names a struct's fields to its derive by index (`compact-generics`,
/// vendor/serde-wasm-bindgen/PATCH.md), which a serde `alias` attribute would silently break: no struct
/// of the client or the protocol may have one.
#[test]
fn no_struct_the_browser_reads_has_a_serde_alias() {
    fn visit(dir: &std::path::Path, found: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).expect("a source folder") {
            let path = entry.expect("an entry").path();
            if path.is_dir() {
                visit(&path, found);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).expect("a source file");
                let needle = "alias";
                if text.lines().any(|l| l.trim_start().starts_with("#[serde(") && l.contains(&needle)) {
                    found.push(path.display().to_string());
                }
            }
        }
    }
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut found = Vec::new();
    visit(&root.join("src"), &mut found);
    visit(&root.join("../protocol/src"), &mut found);
    assert!(found.is_empty(), "serde aliases in {found:?}: see vendor/serde-wasm-bindgen/PATCH.md");
}
