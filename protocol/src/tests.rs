//! Covers: every seed 000 message shape parses and re-serializes as written; the two
//! `join-plan` server shapes are told apart; extensions are optional on the way in and
//! absent on the way out when unset; wrong field types are rejected.

use super::*;
use alloc::borrow::ToOwned;
use alloc::string::ToString;
use serde_json::value::RawValue;
use serde_json::{json, Value};

fn same_json(a: &str, b: &Value) {
    let a: Value = serde_json::from_str(a).unwrap();
    assert_eq!(&a, b);
}

#[test]
fn client_messages_match_seed() {
    let join = ClientMessage::JoinPlan { plan_id: "123".into(), last_seq: None, epoch: None };
    same_json(&serde_json::to_string(&join).unwrap(), &json!({"type":"join-plan","planId":"123"}));
    let leave = ClientMessage::LeavePlan { plan_id: "123".into() };
    same_json(&serde_json::to_string(&leave).unwrap(), &json!({"type":"leave-plan","planId":"123"}));
    same_json(&serde_json::to_string(&ClientMessage::Ping).unwrap(), &json!({"type":"ping"}));
    let parsed: ClientMessage = serde_json::from_str(r#"{"type":"join-plan","planId":"123","lastSeq":7}"#).unwrap();
    assert_eq!(parsed, ClientMessage::JoinPlan { plan_id: "123".into(), last_seq: Some(7), epoch: None });
    let parsed: ClientMessage = serde_json::from_str(r#"{"type":"join-plan","planId":"123","lastSeq":7,"epoch":"e1"}"#).unwrap();
    assert_eq!(parsed, ClientMessage::JoinPlan { plan_id: "123".into(), last_seq: Some(7), epoch: Some("e1".into()) });
    same_json(&serde_json::to_string(&parsed).unwrap(), &json!({"type":"join-plan","planId":"123","lastSeq":7,"epoch":"e1"}));
}

#[test]
fn client_messages_with_wrong_types_are_rejected() {
    for bad in [
        r#"{"type":"join-plan","planId":123}"#,
        r#"{"type":"join-plan"}"#,
        r#"{"type":"leave-plan","planId":null}"#,
        r#"{"type":"dance"}"#,
        r#"{"planId":"1"}"#,
        r#"{"type":"join-plan","planId":"1","lastSeq":"x"}"#,
    ] {
        assert!(serde_json::from_str::<ClientMessage>(bad).is_err(), "{bad}");
    }
}

#[test]
fn connection_confirmation_matches_seed() {
    let seed = json!({"type":"pong","data":{"userId":1,"connected":true,"timestamp":"2025-01-01T00:00:00.000Z"}});
    let seed_text = seed.to_string();
    let env: Envelope<Connected> = serde_json::from_str(&seed_text).unwrap();
    let data = env.data.clone().unwrap();
    assert_eq!(data.user_id, UserId::Num(1));
    assert!(data.connected);
    same_json(&serde_json::to_string(&env).unwrap(), &seed);
}

#[test]
fn join_plan_shapes_are_told_apart() {
    let confirm = json!({"type":"join-plan","planId":"123","data":{"success":true,"participantCount":2,
        "participants":[{"userId":1,"userName":"user1"},{"userId":2,"userName":"user2"}]}});
    let joined = json!({"type":"join-plan","planId":"123","data":{"userId":2,"userName":"user2","participantCount":2}});
    let confirm_text = confirm.to_string();
    let c: Envelope<JoinPlanData> = serde_json::from_str(&confirm_text).unwrap();
    assert!(matches!(c.data, Some(JoinPlanData::Confirm(ref j)) if j.participants.len() == 2));
    same_json(&serde_json::to_string(&c).unwrap(), &confirm);
    let joined_text = joined.to_string();
    let j: Envelope<JoinPlanData> = serde_json::from_str(&joined_text).unwrap();
    assert!(matches!(j.data, Some(JoinPlanData::UserJoined(ref u)) if u.user_name == "user2"));
    same_json(&serde_json::to_string(&j).unwrap(), &joined);
}

#[test]
fn broadcasts_match_seed() {
    let ts = "2025-01-01T00:00:00.000Z";
    let left = json!({"type":"leave-plan","planId":"123","data":{"userId":2,"participantCount":1}});
    let left_text = left.to_string();
    let e: Envelope<UserLeft> = serde_json::from_str(&left_text).unwrap();
    same_json(&serde_json::to_string(&e).unwrap(), &left);

    let deleted = json!({"type":"task-deleted","planId":"123","data":{"taskId":"1"},"timestamp":ts});
    let deleted_text = deleted.to_string();
    let e: Envelope<TaskDeleted> = serde_json::from_str(&deleted_text).unwrap();
    same_json(&serde_json::to_string(&e).unwrap(), &deleted);

    let reordered = json!({"type":"task-reordered","planId":"123","data":{"taskIds":["3","1","2"]},"timestamp":ts});
    let reordered_text = reordered.to_string();
    let e: Envelope<TaskReordered> = serde_json::from_str(&reordered_text).unwrap();
    same_json(&serde_json::to_string(&e).unwrap(), &reordered);

    let progress = json!({"type":"progress-updated","planId":"123","data":{"progress":
        {"totalTasks":10,"completedTasks":5,"completionPercentage":50}},"timestamp":ts});
    let progress_text = progress.to_string();
    let e: Envelope<ProgressPayload> = serde_json::from_str(&progress_text).unwrap();
    assert_eq!(e.data.unwrap().progress, Progress::from_counts(10, 5));

    let updated = r#"{"type":"task-updated","planId":"123","data":{"task":{"id":1,"title":"Updated Task","status":"completed","extra":[1,2]}},"timestamp":"2025-01-01T00:00:00.000Z","seq":4}"#;
    let env: Envelope<&RawValue> = serde_json::from_str(updated).unwrap();
    assert_eq!(env.kind, "task-updated");
    assert_eq!(env.seq, Some(4));
    let payload: TaskPayload<&RawValue> = serde_json::from_str(env.data.unwrap().get()).unwrap();
    assert_eq!(payload.task.get(), r#"{"id":1,"title":"Updated Task","status":"completed","extra":[1,2]}"#);
}

#[test]
fn extensions_are_absent_when_unset() {
    let env = Envelope {
        kind: Cow::Borrowed(kind::TASK_DELETED),
        plan_id: Some(Cow::Borrowed("1")),
        data: Some(TaskDeleted { task_id: "9".to_owned() }),
        timestamp: None,
        seq: None,
    };
    same_json(&serde_json::to_string(&env).unwrap(), &json!({"type":"task-deleted","planId":"1","data":{"taskId":"9"}}));
}

#[test]
fn string_user_ids_round_trip() {
    let p: Participant = serde_json::from_str(r#"{"userId":"u-7","userName":"x"}"#).unwrap();
    assert_eq!(p.user_id, UserId::Str("u-7".to_string()));
    assert_eq!(serde_json::to_string(&p).unwrap(), r#"{"userId":"u-7","userName":"x"}"#);
    assert!(serde_json::from_str::<Participant>(r#"{"userId":true,"userName":"x"}"#).is_err());
}

#[test]
fn escaped_strings_decode() {
    let env: Envelope<&RawValue> = serde_json::from_str(r#"{"type":"join\u002dplan","planId":"a\"b"}"#).unwrap();
    assert_eq!(env.kind, "join-plan");
    assert_eq!(env.plan_id.as_deref(), Some("a\"b"));
    assert!(env.data.is_none());
}

#[test]
fn progress_rounds_down_and_handles_empty() {
    assert_eq!(Progress::from_counts(0, 0).completion_percentage, 0);
    assert_eq!(Progress::from_counts(3, 2).completion_percentage, 66);
    assert_eq!(Progress::from_counts(3, 3).completion_percentage, 100);
}

#[test]
fn reorder_ids_are_numbers_or_strings() {
    let body: ReorderTasks = serde_json::from_str(r#"{"taskIds":[3,"1",2]}"#).unwrap();
    assert_eq!(body.task_ids, [TaskRef::Num(3), TaskRef::Str("1".into()), TaskRef::Num(2)]);
    assert_eq!(body.task_ids.iter().map(TaskRef::to_wire).collect::<Vec<_>>(), ["3", "1", "2"]);
    same_json(&serde_json::to_string(&body).unwrap(), &json!({"taskIds":[3,"1",2]}));
    for bad in [r#"[1.5]"#, r#"[1.0]"#, r#"[-1]"#, r#"[null]"#, r#"[true]"#, r#"[[1]]"#, r#"[{}]"#, r#""1""#] {
        let text = alloc::format!(r#"{{"taskIds":{bad}}}"#);
        assert!(serde_json::from_str::<ReorderTasks>(&text).is_err(), "{text}");
    }
}

type Obj = serde_json::Map<alloc::string::String, Value>;

fn obj(v: Value) -> Obj {
    v.as_object().unwrap().clone()
}

#[test]
fn presence_updates_tell_absent_from_null() {
    let cases: [(Value, PresenceUpdate<Obj>); 5] = [
        (
            json!({"type":"presence-update","planId":"123","data":{"state":{"taskId":"3","activity":"editing"}}}),
            PresenceUpdate { state: Some(Some(obj(json!({"taskId":"3","activity":"editing"})))), ..Default::default() },
        ),
        (
            json!({"type":"presence-update","planId":"123","data":{"state":{"taskId":"4"},"replace":true}}),
            PresenceUpdate { state: Some(Some(obj(json!({"taskId":"4"})))), replace: true, ..Default::default() },
        ),
        (json!({"type":"presence-update","planId":"123","data":{"state":null}}), PresenceUpdate { state: Some(None), ..Default::default() }),
        (
            json!({"type":"presence-update","planId":"123","data":{"typing":{"taskId":"3"}}}),
            PresenceUpdate { typing: Some(Some(obj(json!({"taskId":"3"})))), ..Default::default() },
        ),
        (json!({"type":"presence-update","planId":"123","data":{"typing":null}}), PresenceUpdate { typing: Some(None), ..Default::default() }),
    ];
    for (wire, data) in cases {
        let msg = PresenceMessage::Update { plan_id: "123".into(), data };
        let parsed: PresenceMessage<Obj> = serde_json::from_str(&wire.to_string()).unwrap();
        assert_eq!(parsed, msg, "{wire}");
        same_json(&serde_json::to_string(&msg).unwrap(), &wire);
    }
    for bad in [
        r#"{"type":"presence-update","planId":"1","data":{"state":"x"}}"#,
        r#"{"type":"presence-update","planId":"1","data":{"state":[1]}}"#,
        r#"{"type":"presence-update","planId":"1","data":{"typing":5}}"#,
        r#"{"type":"presence-update","planId":"1","data":{"state":{},"replace":"yes"}}"#,
        r#"{"type":"presence-update","data":{"state":{}}}"#,
    ] {
        assert!(serde_json::from_str::<PresenceMessage<Obj>>(bad).is_err(), "{bad}");
    }
}

#[test]
fn presence_entries_and_the_confirmation_field() {
    let frame = json!({"type":"presence","planId":"123","data":{"userId":2,"userName":"bob","state":{"taskId":"3"},"typing":null}});
    let frame_text = frame.to_string();
    let env: Envelope<PresenceEntry<Obj>> = serde_json::from_str(&frame_text).unwrap();
    assert_eq!(env.kind, kind::PRESENCE);
    assert_eq!(env.seq, None);
    let entry = env.data.clone().unwrap();
    assert_eq!(entry.state, Some(obj(json!({"taskId":"3"}))));
    assert_eq!(entry.typing, None);
    same_json(&serde_json::to_string(&env).unwrap(), &frame);

    // The confirmation's `presence` rides beside seed 000's fields; JoinConfirm still reads it.
    let confirm = json!({"success":true,"participantCount":1,"participants":[{"userId":2,"userName":"bob"}],"seq":0,
        "presence":[{"userId":2,"userName":"bob","state":null,"typing":{"taskId":"1"}}]});
    let text = confirm.to_string();
    assert!(serde_json::from_str::<JoinConfirm>(&text).is_ok());
    assert!(matches!(serde_json::from_str::<JoinPlanData>(&text).unwrap(), JoinPlanData::Confirm(_)));
    let p: JoinPresence<Obj> = serde_json::from_str(&text).unwrap();
    assert_eq!(p.presence.len(), 1);
    assert_eq!(p.presence[0].typing, Some(obj(json!({"taskId":"1"}))));
    let none: JoinPresence<Obj> = serde_json::from_str(r#"{"success":true}"#).unwrap();
    assert!(none.presence.is_empty());
    assert_eq!(serde_json::to_string(&none).unwrap(), "{}");
}

#[test]
fn codes_keep_their_wire_values() {
    let server_codes = [
        (ErrorCode::Unauthorized, "UNAUTHORIZED"),
        (ErrorCode::Forbidden, "FORBIDDEN"),
        (ErrorCode::NotFound, "NOT_FOUND"),
        (ErrorCode::InvalidMessage, "INVALID_MESSAGE"),
        (ErrorCode::RateLimited, "RATE_LIMITED"),
        (ErrorCode::TooManyConnections, "TOO_MANY_CONNECTIONS"),
        (ErrorCode::InvalidPresence, "INVALID_PRESENCE"),
        (ErrorCode::PresenceTooLarge, "PRESENCE_TOO_LARGE"),
        (ErrorCode::NotInRoom, "NOT_IN_ROOM"),
        (ErrorCode::Unavailable, "UNAVAILABLE"),
        (ErrorCode::Internal, "INTERNAL"),
    ];
    for (code, text) in server_codes {
        assert_eq!(code.as_str(), text);
        assert_eq!(code, text);
        assert_eq!(code.to_string(), text);
        assert_eq!(serde_json::to_value(code).unwrap(), json!(text));
        assert_eq!(serde_json::from_value::<ErrorCode>(json!(text)).unwrap(), code);
    }
    let close_codes = [
        (CloseCode::Normal, 1000),
        (CloseCode::GoingAway, 1001),
        (CloseCode::Abnormal, 1006),
        (CloseCode::PolicyViolation, 1008),
        (CloseCode::MessageTooBig, 1009),
        (CloseCode::TryAgainLater, 1013),
        (CloseCode::Local, 4000),
        (CloseCode::Unauthorized, 4001),
        (CloseCode::Inactive, 4002),
        (CloseCode::TooManyConnections, 4029),
    ];
    for (code, n) in close_codes {
        assert_eq!(code.code(), n);
    }
}

#[test]
fn error_bodies_read_unknown_codes() {
    let frame = r#"{"code":"SOMETHING_NEW","message":"from a newer server"}"#;
    let data: ErrorData = serde_json::from_str(frame).unwrap();
    assert_eq!(data.code, "SOMETHING_NEW");
    let body: RestError = serde_json::from_str(frame).unwrap();
    assert_eq!(body.code, "SOMETHING_NEW");
    let written = ErrorData { code: ErrorCode::RateLimited.as_str().into(), message: "m".into(), plan_id: None, retry_after_ms: Some(5) };
    same_json(&serde_json::to_string(&written).unwrap(), &json!({"code":"RATE_LIMITED","message":"m","retryAfterMs":5}));
}

#[test]
fn user_ids_read_as_the_untagged_enum_did() {
    let read = |json: &str| serde_json::from_str::<UserId>(json);
    assert_eq!(read("7").unwrap(), UserId::Num(7));
    assert_eq!(read("-7").unwrap(), UserId::Num(-7));
    assert_eq!(read("9223372036854775807").unwrap(), UserId::Num(i64::MAX));
    assert_eq!(read(r#""u-7""#).unwrap(), UserId::Str("u-7".to_string()));
    assert_eq!(read(r#""7""#).unwrap(), UserId::Str("7".to_string()));
    for refused in ["9223372036854775808", "1.5", "1.0", "true", "null", "[]", "{}", r#"{"Num":1}"#] {
        assert!(read(refused).is_err(), "{refused} must be refused");
    }
    assert_eq!(serde_json::to_string(&UserId::Num(7)).unwrap(), "7");
    assert_eq!(serde_json::to_string(&UserId::Str("u".into())).unwrap(), r#""u""#);
}
