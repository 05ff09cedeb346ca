//! The exports as the JS driver uses them, natively.
//!
//! Checklist:
//! - [x] bad options: handle 0 and `CODE: message` in the output
//! - [x] connect → open-socket action with the URL; confirmation → events with JSON payloads
//! - [x] action codes and text lengths packed as documented; `pw_arg` carries the number
//! - [x] a frame that is not UTF-8 or not JSON: an `INVALID_FRAME` error event, the link survives
//! - [x] join/leave errors come back as text; accepted calls return 0
//! - [x] room broadcasts poll as `ACTION_EMIT_FRAME`, and their payload is the frame's data with
//!   its planId, timestamp and seq (what the driver builds from the frame instead)
//! - [x] unknown and freed handles: every call is a no-op with a neutral answer

use super::*;
use crate::core::{EventKind, State};
use std::sync::Mutex;

/// The store is global: one test at a time.
static SERIAL: Mutex<()> = Mutex::new(());

fn put(bytes: &[u8]) -> u32 {
    pw_input(bytes.len() as u32);
    with(|s| s.input[..bytes.len()].copy_from_slice(bytes));
    bytes.len() as u32
}

fn output(len: u32) -> String {
    with(|s| s.out[..len as usize].to_string())
}

const NAN: f64 = f64::NAN;

fn create(url: &str, token: &str) -> u32 {
    let mut bytes = url.as_bytes().to_vec();
    bytes.extend_from_slice(token.as_bytes());
    put(&bytes);
    pw_new(url.len() as u32, token.len() as u32, 0, HAS_TOKEN, NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN, 7.0)
}

/// Polls every action: (code, arg, text, payload JSON for events).
fn drain(h: u32) -> Vec<(u32, u32, String)> {
    let mut all = Vec::new();
    loop {
        let polled = pw_poll(h);
        let (code, len) = (polled & 7, polled >> 3);
        if code == ACTION_NONE {
            return all;
        }
        let text = if code == ACTION_EMIT || code == ACTION_EMIT_FRAME { output(pw_payload(h)) } else { output(len) };
        all.push((code, pw_arg(), text));
    }
}

fn events(actions: &[(u32, u32, String)]) -> Vec<(&'static str, serde_json::Value)> {
    actions
        .iter()
        .filter(|a| a.0 == ACTION_EMIT || a.0 == ACTION_EMIT_FRAME)
        .map(|a| (EventKind::ALL[a.1 as usize].name(), serde_json::from_str(&a.2).unwrap()))
        .collect()
}

const CONFIRMATION: &[u8] =
    br#"{"type":"pong","data":{"userId":1,"connected":true,"timestamp":"2025-01-01T00:00:00.000Z","connectionId":"c1"}}"#;

fn frame(h: u32, text: &[u8]) {
    let len = put(text);
    pw_frame(h, len, 1_000.0);
}

fn open(h: u32) -> Vec<(u32, u32, String)> {
    pw_connect(h, 0.0);
    drain(h);
    pw_opened(h);
    drain(h);
    frame(h, CONFIRMATION);
    drain(h)
}

#[test]
fn bad_options_return_no_handle_and_a_coded_message() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let len = put(b"http://nope");
    let h = pw_new(len, 0, 0, HAS_NUMBER << 3, NAN, NAN, NAN, 0.5, NAN, NAN, NAN, NAN, 1.0);
    assert_eq!(h, 0);
    assert!(with(|s| s.out.starts_with("INVALID_URL: ")), "{}", with(|s| s.out.clone()));

    let len = put(b"ws://h/ws");
    let h = pw_new(len, 0, 0, HAS_NUMBER << 3, NAN, NAN, NAN, 2.0, NAN, NAN, NAN, NAN, 1.0);
    assert_eq!(h, 0);
    assert!(with(|s| s.out.starts_with("INVALID_OPTION: ")));
}

#[test]
fn connect_opens_the_socket_and_the_confirmation_emits_open() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let h = create("ws://h/ws", "jwt");
    assert!(h > 0);
    assert_eq!(pw_state(h), State::Idle as u32);
    pw_connect(h, 0.0);
    let actions = drain(h);
    let open_socket: Vec<_> = actions.iter().filter(|a| a.0 == ACTION_OPEN_SOCKET).collect();
    assert_eq!(open_socket.len(), 1);
    assert_eq!(open_socket[0].2, "ws://h/ws?token=jwt");
    assert_eq!(events(&actions), vec![("stateChanged", serde_json::json!({ "state": "connecting" }))]);
    assert!(pw_deadline(h) > 0.0, "the connect timeout is armed");

    pw_opened(h);
    frame(h, CONFIRMATION);
    let got = events(&drain(h));
    assert!(got.contains(&("open", serde_json::json!({ "userId": 1, "connectionId": "c1", "reconnected": false }))));
    assert_eq!(pw_state(h), State::Open as u32);
    let len = pw_connection_id(h);
    assert_eq!(output(len as u32), "c1");
    pw_free(h);
}

#[test]
fn join_sends_the_frame_and_presence_reads_back() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let h = create("ws://h/ws", "jwt");
    open(h);
    let len = put(b"42");
    assert_eq!(pw_join(h, len), 0);
    let sent: Vec<_> = drain(h).into_iter().filter(|a| a.0 == ACTION_SEND).map(|a| a.2).collect();
    assert_eq!(sent, vec![r#"{"type":"join-plan","planId":"42"}"#]);
    frame(h, br#"{"type":"join-plan","planId":"42","data":{"success":true,"participants":[{"userId":1,"userName":"Ann"}],"participantCount":1}}"#);
    drain(h);
    let len = put(b"42");
    assert_eq!(pw_participant_count(h, len), 1);
    let json = pw_participants(h, len);
    assert_eq!(output(json), r#"[{"userId":1,"userName":"Ann"}]"#);

    let err = pw_join(h, put(b""));
    assert!(err > 0);
    assert!(output(err).starts_with("INVALID_PLAN_ID: "));
    pw_free(h);
}

#[test]
fn frames_that_are_not_utf8_or_not_json_raise_invalid_frame_and_the_link_survives() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let h = create("ws://h/ws", "jwt");
    open(h);
    for bad in [&b"\xff\xfe{"[..], b"{\"type\":", b"[]"] {
        frame(h, bad);
        let actions = drain(h);
        let got = events(&actions);
        assert_eq!(got.len(), 1, "{got:?}");
        assert_eq!(got[0].0, "error");
        assert_eq!(got[0].1["code"], "INVALID_FRAME");
        assert!(actions.iter().all(|a| a.0 != ACTION_CLOSE_SOCKET));
        assert_eq!(pw_state(h), State::Open as u32);
    }
    pw_free(h);
}

#[test]
fn room_broadcasts_are_the_frames_data_with_its_room_time_and_seq() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let h = create("ws://h/ws", "jwt");
    open(h);
    pw_join(h, put(b"42"));
    drain(h);
    frame(h, br#"{"type":"join-plan","planId":"42","data":{"success":true,"participants":[],"participantCount":0,"seq":0}}"#);
    drain(h);
    let frames = [
        r#"{"type":"task-updated","planId":"42","seq":1,"timestamp":"t1","data":{"task":{"id":1,"title":"a \"b\" \u00e9","status":"x","extra":[1,{"k":null}]}}}"#,
        r#"{"type":"task-created","planId":"42","seq":2,"data":{"task":{"id":2,"title":"n","status":"s"}}}"#,
        r#"{"type":"task-deleted","planId":"42","seq":3,"timestamp":"t3","data":{"taskId":"2"}}"#,
        r#"{"type":"task-reordered","planId":"42","seq":4,"timestamp":"t4","data":{"taskIds":["1","3"]}}"#,
        r#"{"type":"progress-updated","planId":"42","seq":5,"timestamp":"t5","data":{"progress":{"totalTasks":3,"completedTasks":1,"completionPercentage":33}}}"#,
        r#"{"type":"task-updated","planId":"42","data":{"task":{"id":1,"title":"no seq","status":"x"}}}"#,
    ];
    for text in frames {
        frame(h, text.as_bytes());
        let actions = drain(h);
        assert_eq!(actions.len(), 1, "{text}: {actions:?}");
        assert_eq!(actions[0].0, ACTION_EMIT_FRAME, "{text}");
        let sent: serde_json::Value = serde_json::from_str(text).unwrap();
        let mut expected = sent["data"].clone();
        expected["planId"] = sent["planId"].clone();
        for key in ["timestamp", "seq"] {
            if !sent[key].is_null() {
                expected[key] = sent[key].clone();
            }
        }
        let payload: serde_json::Value = serde_json::from_str(&actions[0].2).unwrap();
        assert_eq!(payload, expected, "{text}");
    }
    // Anything else polls as a plain emit.
    frame(h, br#"{"type":"custom","planId":"42","data":{"x":1}}"#);
    assert_eq!(drain(h).iter().map(|a| a.0).collect::<Vec<_>>(), vec![ACTION_EMIT]);
    pw_free(h);
}

#[test]
fn close_polls_a_close_action_with_code_and_reason() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let h = create("ws://h/ws", "jwt");
    open(h);
    pw_close(h);
    let close: Vec<_> = drain(h).into_iter().filter(|a| a.0 == ACTION_CLOSE_SOCKET).collect();
    assert_eq!(close.len(), 1);
    assert_eq!(close[0].1, 1000);
    assert_eq!(pw_state(h), State::Closed as u32);
    pw_free(h);
}

#[test]
fn unknown_and_freed_handles_are_no_ops() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let h = create("ws://h/ws", "jwt");
    pw_connect(h, 0.0);
    pw_free(h);
    for handle in [0, h, u32::MAX] {
        pw_connect(handle, 0.0);
        pw_frame(handle, put(b"{}"), 0.0);
        pw_closed(handle, 1006, 0, 0.0);
        assert_eq!(pw_poll(handle), ACTION_NONE);
        assert_eq!(pw_payload(handle), 0);
        assert_eq!(pw_state(handle), State::Closed as u32);
        assert_eq!(pw_deadline(handle), -1.0);
        assert_eq!(pw_connection_id(handle), -1);
        assert_eq!(pw_join(handle, put(b"1")), 0);
        assert_eq!(pw_participants(handle, put(b"1")), 0);
    }
    // Handles are not reused.
    let next = create("ws://h/ws", "jwt");
    assert!(next > h);
    pw_free(next);
}
