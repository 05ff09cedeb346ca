//! The minimal JSON format the client decodes and encodes with.
//!
//! Checklist:
//! - [x] every seed 000 server frame decodes to the same protocol values as with serde_json
//! - [x] strings: borrowed without escapes, every escape and surrogate pairs decoded, bad ones refused
//! - [x] the 8-bytes-at-a-time string scan finds a quote, backslash or control byte at every offset
//! - [x] integers: signed and unsigned limits; fractions, exponents, leading zeros refused where typed
//! - [x] `Raw` captures any value's exact text; nesting beyond the limit is refused
//! - [x] a `Raw` read again (`from_raw`) skips unread values by a fast scan with the same result
//! - [x] trailing garbage, truncation and wrong types are errors
//! - [x] client messages encode exactly as serde_json encodes them
//! - [x] thousands of mutated frames: no panic, and nothing serde_json rejects is accepted

use crate::core::backoff::Rng;
use crate::core::decode::decode;
use crate::core::wire::{from_raw, from_str, to_string, Raw};
use planwire_protocol::{
    ClientMessage, Connected, Envelope, ErrorData, JoinConfirm, ProgressPayload, TaskDeleted, TaskReordered, UserJoined,
    UserLeft,
};
use serde_json::value::RawValue;
use std::borrow::Cow;

const SEED_FRAMES: &[&str] = &[
    r#"{"type":"pong","data":{"userId":1,"connected":true,"timestamp":"2025-01-01T00:00:00.000Z"}}"#,
    r#"{"type":"join-plan","planId":"123","data":{"success":true,"participantCount":2,"participants":[{"userId":1,"userName":"user1"},{"userId":2,"userName":"user2"}]}}"#,
    r#"{"type":"join-plan","planId":"123","data":{"userId":2,"userName":"user2","participantCount":2}}"#,
    r#"{"type":"leave-plan","planId":"123","data":{"userId":2,"participantCount":1}}"#,
    r#"{"type":"task-updated","planId":"123","data":{"task":{"id":1,"title":"Updated Task","status":"completed"}},"timestamp":"2025-01-01T00:00:00.000Z"}"#,
    r#"{"type":"task-created","planId":"123","data":{"task":{"id":2,"title":"New Task","status":"not_started"}},"timestamp":"2025-01-01T00:00:00.000Z"}"#,
    r#"{"type":"task-deleted","planId":"123","data":{"taskId":"1"},"timestamp":"2025-01-01T00:00:00.000Z"}"#,
    r#"{"type":"task-reordered","planId":"123","data":{"taskIds":["3","1","2"]},"timestamp":"2025-01-01T00:00:00.000Z"}"#,
    r#"{"type":"progress-updated","planId":"123","data":{"progress":{"totalTasks":10,"completedTasks":5,"completionPercentage":50}},"timestamp":"2025-01-01T00:00:00.000Z"}"#,
    r#"{"type":"error","data":{"code":"RATE_LIMITED","message":"slow \"down\"","retryAfterMs":1500}}"#,
    r#" { "type" : "join-plan" , "planId" : "a\u00e9\n" , "seq" : 18446744073709551615 , "data" : { "success" : true , "participantCount" : 0 , "participants" : [ ] , "recovered" : false , "seq" : 0 } } "#,
    // Extension shapes: connection id, string user ids, userName on leave, seq on broadcasts,
    // explicit nulls, unknown fields (skipped) and a repeated unknown key.
    r#"{"type":"pong","data":{"userId":"u-1","connected":true,"timestamp":"t","connectionId":"c-9","extra":[1,{"a":null}]}}"#,
    r#"{"type":"leave-plan","planId":"123","seq":7,"data":{"userId":-2,"participantCount":1,"userName":"b\tob"},"timestamp":"2025-01-01T00:00:00.000Z"}"#,
    r#"{"type":"join-plan","planId":"9","data":{"success":true,"participantCount":1,"participants":[{"userId":"u-1","userName":"a","x":1}],"recovered":null,"seq":null}}"#,
    r#"{"type":"task-updated","planId":"123","seq":42,"data":{"task":{"id":1,"title":"T","status":"in_progress","position":0,"planId":"123"}},"timestamp":null,"x":1,"x":2}"#,
    r#"{"type":"typing","planId":null,"data":{"userId":2,"field":"title"}}"#,
];

/// Decodes the frame's envelope and payload with both formats and compares the protocol values.
fn same_as_serde_json(frame: &str) {
    let ours: Envelope<Raw> = from_str(frame).unwrap_or_else(|_| panic!("{frame}"));
    let theirs: Envelope<&RawValue> = serde_json::from_str(frame).unwrap();
    assert_eq!(ours.kind, theirs.kind);
    assert_eq!(ours.plan_id, theirs.plan_id);
    assert_eq!(ours.timestamp, theirs.timestamp);
    assert_eq!(ours.seq, theirs.seq);
    let (ours, theirs) = (ours.data.unwrap().get(), theirs.data.unwrap().get());
    assert_eq!(ours, theirs, "raw payload text");
    macro_rules! both {
        ($t:ty) => {
            assert_eq!(from_str::<$t>(ours).ok(), serde_json::from_str::<$t>(theirs).ok(), "{}", stringify!($t))
        };
    }
    both!(Connected);
    both!(JoinConfirm);
    both!(UserJoined);
    both!(UserLeft);
    both!(TaskDeleted);
    both!(TaskReordered);
    both!(ProgressPayload);
    both!(ErrorData);
}

#[test]
fn seed_frames_decode_like_serde_json() {
    for frame in SEED_FRAMES {
        same_as_serde_json(frame);
    }
}

#[test]
fn strings_borrow_or_unescape() {
    assert_eq!(from_str::<&str>(r#""plain""#), Ok("plain"));
    assert!(from_str::<&str>(r#""a\nb""#).is_err(), "an escaped string cannot be borrowed");
    let env: Envelope<Raw> = from_str(r#"{"type":"a","planId":"b\u0041"}"#).unwrap();
    assert!(matches!(env.kind, Cow::Borrowed("a")));
    assert!(matches!(env.plan_id, Some(Cow::Owned(ref s)) if s == "bA"));
    let cases = [
        (r#""a\"b\\c\/d\b\f\n\r\t""#, "a\"b\\c/d\u{8}\u{c}\n\r\t"),
        (r#""\u00e9\u20ac""#, "é€"),
        (r#""\ud83d\ude00 ok""#, "😀 ok"),
        (r#""ünï""#, "ünï"),
    ];
    for (json, expected) in cases {
        assert_eq!(from_str::<String>(json).unwrap(), expected, "{json}");
    }
    for bad in [r#""\x""#, r#""\u12""#, r#""\ud83d""#, r#""\ud83d\u0041""#, "\"tab\there\"", r#""open"#, r#"'single'"#] {
        assert!(from_str::<String>(bad).is_err(), "{bad}");
    }
}

#[test]
fn the_string_scan_stops_at_every_special_byte_at_every_offset() {
    for len in 0..40 {
        let plain = "é".repeat(len / 2) + &"x".repeat(len % 2);
        assert_eq!(from_str::<String>(&format!("\"{plain}\"")).unwrap(), plain);
        for at in 0..=plain.len() {
            if !plain.is_char_boundary(at) {
                continue;
            }
            let (head, tail) = plain.split_at(at);
            // An escaped quote and backslash in the middle of a run are decoded, not taken as the end.
            let escaped = format!("\"{head}\\\"\\\\{tail}\"");
            assert_eq!(from_str::<String>(&escaped).unwrap(), format!("{head}\"\\{tail}"), "{escaped}");
            // A raw control byte anywhere is refused, as serde_json refuses it.
            let control = format!("\"{head}\u{1f}{tail}\"");
            assert!(from_str::<String>(&control).is_err(), "{control:?}");
            assert!(serde_json::from_str::<String>(&control).is_err());
            // A closing quote early leaves trailing text: an error, not a shorter string.
            let early = format!("\"{head}\"{tail}\"");
            assert_eq!(from_str::<String>(&early).is_ok(), serde_json::from_str::<String>(&early).is_ok(), "{early}");
        }
    }
}

#[test]
fn integers_are_exact_and_bounded() {
    assert_eq!(from_str::<u64>("18446744073709551615").unwrap(), u64::MAX);
    assert_eq!(from_str::<i64>("-9223372036854775808").unwrap(), i64::MIN);
    assert_eq!(from_str::<u32>(" 7 ").unwrap(), 7);
    for bad in ["18446744073709551616", "-9223372036854775809", "1.5", "1e3", "01", "-", "4294967296", "\"5\"", "-1"] {
        assert!(from_str::<u32>(bad).is_err() || bad == "-1" && from_str::<u32>(bad).is_err(), "{bad}");
    }
    assert!(from_str::<u64>("-1").is_err());
}

#[test]
fn raw_captures_exact_text_and_bounds_nesting() {
    let text = r#"{"a":[1,-2.5e-3,true,null,{"b":"\u0041"}],"c":{}}"#;
    assert_eq!(from_str::<Raw>(text).unwrap().get(), text);
    assert_eq!(from_str::<Raw>("  -0.0  ").unwrap().get(), "-0.0");
    let deep_ok = format!("{}{}", "[".repeat(60), "]".repeat(60));
    assert!(from_str::<Raw>(&deep_ok).is_ok());
    let too_deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    assert!(from_str::<Raw>(&too_deep).is_err());
    for bad in ["[1,]", "{\"a\"}", "{\"a\":1,}", "[1 2]", "tru", "nul", "{1:2}", "1.", ".5", "1e", "--1"] {
        assert!(from_str::<Raw>(bad).is_err(), "{bad}");
    }
}

#[test]
fn values_read_again_from_raw_skip_unread_values_like_a_full_read() {
    let data = [
        r#"{"task":{"id":1,"t":"a \"quoted\" \\ \u00e9 \ud83d\ude00","n":[1,-2.5e3,true,false,null,{"x":[[]]}]},"extra":"}]"}"#,
        r#"{ "extra" : [ "]" , { } ] , "task" : { } }"#,
        r#"{"extra":-0.5,"task":{"nested":{"deep":[1,[2,[3]]]}},"z":null}"#,
        r#"{"extra":"\\","task":{"s":"\\\""}}"#,
    ];
    for text in data {
        let full: planwire_protocol::TaskPayload<Raw<'_>> = from_str(text).unwrap();
        let raw: Raw<'_> = from_str(text).unwrap();
        let again: planwire_protocol::TaskPayload<Raw<'_>> = from_raw(raw).unwrap();
        assert_eq!(again.task, full.task, "{text}");
    }
    // Every frame's data reads the same both ways.
    for frame in SEED_FRAMES {
        let env: Envelope<Raw<'_>> = from_str(frame).unwrap();
        if let Some(data) = env.data {
            let once: Result<ProgressPayload, _> = from_str(data.get());
            let twice: Result<ProgressPayload, _> = from_raw(data);
            assert_eq!(once.is_ok(), twice.is_ok(), "{frame}");
        }
    }
}

#[test]
fn garbage_truncation_and_wrong_types_are_errors() {
    for bad in [
        r#"{"type":"ping"} x"#,
        r#"{"type":"ping""#,
        r#"{"type":"ping",}"#,
        r#"{"type":null}"#,
        r#"{"type":"x","seq":1.0}"#,
        r#"{"type":"x","planId":["a"]}"#,
        r#"{"type":"x","type":"y"}"#,
        r#"{"type":"x","seq":-0}"#,
        r#"{"type":"x","seq":1,"seq":null}"#,
    ] {
        assert!(from_str::<Envelope<Raw>>(bad).is_err(), "{bad}");
        assert!(serde_json::from_str::<Envelope<&RawValue>>(bad).is_err(), "serde_json agrees: {bad}");
    }
}

#[test]
fn client_messages_encode_like_serde_json() {
    let messages = [
        ClientMessage::JoinPlan { plan_id: "1\"2".into(), last_seq: None },
        ClientMessage::JoinPlan { plan_id: "123".into(), last_seq: Some(u64::MAX) },
        ClientMessage::LeavePlan { plan_id: "ü\n".into() },
        ClientMessage::Ping,
        ClientMessage::Auth { token: "a.b.c".into() },
        ClientMessage::JoinPlan { plan_id: "\u{8}\u{c}\u{1}\u{1f}\\/é😀".into(), last_seq: Some(0) },
    ];
    for m in messages {
        assert_eq!(to_string(&m), serde_json::to_string(&m).unwrap());
    }
}

#[test]
fn mutated_frames_never_panic_nor_pass_what_serde_json_refuses() {
    let mut rng = Rng::new(2024);
    let alphabet = b"{}[]\",:\\u0123456789-.eE truefalsn\xc3\xa9";
    for i in 0..20_000 {
        let mut bytes = SEED_FRAMES[i % SEED_FRAMES.len()].as_bytes().to_vec();
        for _ in 0..=(rng.next_u64() % 4) {
            let at = (rng.next_u64() as usize) % (bytes.len() + 1);
            let byte = alphabet[(rng.next_u64() as usize) % alphabet.len()];
            match rng.next_u64() % 3 {
                0 if at < bytes.len() => bytes[at] = byte,
                1 if at < bytes.len() => {
                    bytes.remove(at);
                }
                _ => bytes.insert(at, byte),
            }
        }
        let Ok(text) = String::from_utf8(bytes) else { continue };
        let _ = decode(&text);
        if from_str::<Envelope<Raw>>(&text).is_ok() {
            // serde_json also refuses numbers beyond f64, which JSON's grammar (and JSON.parse) allow.
            if let Err(e) = serde_json::from_str::<serde_json::Value>(&text) {
                assert!(e.to_string().contains("number out of range"), "accepted invalid JSON: {text}");
            }
        }
    }
}
