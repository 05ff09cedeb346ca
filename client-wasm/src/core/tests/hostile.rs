//! Property tests of the client core against hostile server frames (proptest).
//!
//! Checklist:
//! - [x] any text, any JSON value, and seed frames with one field replaced by anything: the
//!   machine never panics and the connection stays open with its room joined
//! - [x] a frame refused as `INVALID_FRAME` changes nothing: participants and the room's `seq`
//! - [x] after any such sequence, the next in-order broadcast is still applied

use crate::core::event::*;
use super::harness::{Drive, events, Client, Event};
use crate::core::State;
use planwire_protocol::UserId;
use proptest::prelude::*;
use serde_json::{json, Value};

/// Arbitrary JSON values, a few levels deep, biased towards the protocol's keys and types.
fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<u64>().prop_map(|n| json!(n)),
        any::<f64>().prop_filter("finite", |f| f.is_finite()).prop_map(|f| json!(f)),
        ".{0,12}".prop_map(Value::String),
        prop_oneof![
            Just("join-plan"), Just("leave-plan"), Just("pong"), Just("error"), Just("task-updated"),
            Just("task-created"), Just("task-deleted"), Just("task-reordered"), Just("progress-updated"), Just("1"),
        ]
        .prop_map(|s| json!(s)),
    ];
    let key = prop_oneof![
        Just("type"), Just("planId"), Just("data"), Just("seq"), Just("timestamp"), Just("task"), Just("taskId"),
        Just("taskIds"), Just("success"), Just("participants"), Just("participantCount"), Just("userId"),
        Just("userName"), Just("recovered"), Just("progress"), Just("code"), Just("message"),
    ]
    .prop_map(str::to_owned);
    leaf.prop_recursive(4, 40, 6, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec((prop_oneof![key.clone(), "[a-z]{1,6}"], inner), 0..6)
                .prop_map(|kv| Value::Object(kv.into_iter().collect())),
        ]
    })
}

/// Well-formed server frames for room "1".
fn seed_frames() -> Vec<Value> {
    let task = json!({"id": 3, "planId": "1", "title": "t", "status": "completed", "position": 0,
        "createdAt": "2025-01-01T00:00:00.000Z", "updatedAt": "2025-01-01T00:00:00.000Z"});
    vec![
        json!({"type": "task-updated", "planId": "1", "data": {"task": task}, "timestamp": "2025-01-01T00:00:00.000Z", "seq": 11}),
        json!({"type": "task-created", "planId": "1", "data": {"task": task}, "seq": 12}),
        json!({"type": "task-deleted", "planId": "1", "data": {"taskId": "3"}, "seq": 11}),
        json!({"type": "task-reordered", "planId": "1", "data": {"taskIds": ["3", "1"]}, "seq": 13}),
        json!({"type": "progress-updated", "planId": "1", "data": {"progress": {"totalTasks": 2, "completedTasks": 1, "completionPercentage": 50}}, "seq": 11}),
        json!({"type": "join-plan", "planId": "1", "data": {"userId": 2, "userName": "b", "participantCount": 2}}),
        json!({"type": "leave-plan", "planId": "1", "data": {"userId": 2, "userName": "b", "participantCount": 1}}),
        json!({"type": "join-plan", "planId": "1", "data": {"success": true, "participantCount": 1, "participants": [{"userId": 1, "userName": "a"}], "seq": 10, "recovered": true}}),
        json!({"type": "pong", "data": {"userId": 1, "connected": true, "timestamp": "2025-01-01T00:00:00.000Z", "connectionId": "c1"}}),
        json!({"type": "error", "data": {"code": "FORBIDDEN", "message": "no", "planId": "1"}}),
    ]
}

/// A seed frame with the value at one path (top level or inside `data`) replaced by anything.
fn mutated_frame() -> impl Strategy<Value = String> {
    (0..seed_frames().len(), any::<prop::sample::Index>(), any::<bool>(), any_json()).prop_map(|(i, field, in_data, value)| {
        let mut frame = seed_frames().swap_remove(i);
        let target = match frame.get_mut("data") {
            Some(Value::Object(data)) if in_data => data,
            _ => frame.as_object_mut().expect("object"),
        };
        let keys: Vec<String> = target.keys().cloned().collect();
        let key = keys[field.index(keys.len())].clone();
        target.insert(key, value);
        frame.to_string()
    })
}

fn any_frame() -> impl Strategy<Value = String> {
    prop_oneof![
        ".{0,64}",
        any_json().prop_map(|v| v.to_string()),
        mutated_frame(),
        (0..seed_frames().len()).prop_map(|i| seed_frames().swap_remove(i).to_string()),
    ]
}

/// Connected, in room "1" at seq 10, alone.
fn joined_at_10() -> Client {
    let mut c = Client::new();
    c.open();
    c.m.join("1").unwrap();
    c.frame(r#"{"type":"join-plan","planId":"1","data":{"success":true,"participantCount":1,"participants":[{"userId":1,"userName":"a"}],"seq":10}}"#);
    c.take();
    c
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn hostile_frames_never_panic_and_leave_the_state_intact(frames in prop::collection::vec(any_frame(), 1..12)) {
        let mut c = joined_at_10();
        for frame in &frames {
            let room = c.m.room("1").expect("still in the room").clone();
            c.advance(10);
            c.frame(frame);
            let evs = events(&c.take());
            prop_assert_eq!(c.m.state(), State::Open, "{}", frame);
            let after = c.m.room("1").expect("still in the room");
            prop_assert!(after.joined, "{}", frame);
            if evs.iter().any(|e| matches!(e, Event::Error(ErrorPayload { code, .. }) if code == "INVALID_FRAME")) {
                prop_assert_eq!(evs.len(), 1, "{}: {:?}", frame, evs);
                prop_assert_eq!(after, &room, "an invalid frame changed the room: {}", frame);
            }
        }
        // The room still follows the server: the next in-order broadcast is applied.
        let next = c.m.room("1").and_then(|r| r.seq.last()).map_or(Some(1), |s| s.checked_add(1));
        if let Some(seq) = next {
            c.frame(&json!({"type": "task-deleted", "planId": "1", "data": {"taskId": "9"}, "seq": seq}).to_string());
            let evs = events(&c.take());
            prop_assert!(evs.iter().any(|e| matches!(e, Event::TaskDeleted(TaskDeletedPayload { task_id: UserId::Str(id), .. }) if id == "9")), "{:?}", evs);
        }
    }
}
