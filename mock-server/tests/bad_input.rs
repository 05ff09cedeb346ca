//! Covers bad input from the network:
//! - [x] malformed JSON, unknown `type`, missing `type`, missing or non-string `planId`, empty
//!   `planId`, wrong-typed `lastSeq`, binary frames → `error` INVALID_MESSAGE, connection stays open
//! - [x] every seed 000 client field with a wrong type → INVALID_MESSAGE
//! - [x] a frame over 64 KiB → close 1009; one of exactly 64 KiB is accepted; other connections unaffected

mod common;

use common::*;
use futures_util::SinkExt;
use serde_json::json;
use tokio_tungstenite::tungstenite::Message;

#[tokio::test]
async fn invalid_messages_get_an_error_and_the_connection_stays_open() {
    within(20, async {
        let s = server().await;
        let (mut alice, _) = s.join(ALICE, "123").await;
        let bad = [
            "not json",
            "{\"type\":\"join-plan\",",
            "42",
            "null",
            "[]",
            r#"{"planId":"123"}"#,
            r#"{"type":null}"#,
            r#"{"type":"teleport","planId":"123"}"#,
            r#"{"type":"join-plan"}"#,
            r#"{"type":"join-plan","planId":123}"#,
            r#"{"type":"join-plan","planId":null}"#,
            r#"{"type":"join-plan","planId":["123"]}"#,
            r#"{"type":"join-plan","planId":""}"#,
            r#"{"type":"join-plan","planId":"123","lastSeq":"7"}"#,
            r#"{"type":"join-plan","planId":"123","lastSeq":-3}"#,
            r#"{"type":"leave-plan"}"#,
            r#"{"type":"leave-plan","planId":{"id":"123"}}"#,
            r#"{"type":"auth","token":5}"#,
            r#"{"type":"JOIN-PLAN","planId":"123"}"#,
        ];
        for frame in bad {
            alice.send_text(frame).await;
            let err = alice.recv_type("error").await;
            assert_eq!(err["data"]["code"], "INVALID_MESSAGE", "{frame}");
            assert!(err["data"]["message"].as_str().is_some_and(|m| !m.is_empty()), "{frame}");
        }
        alice.ws.send(Message::binary(vec![1u8, 2, 3])).await.unwrap();
        assert_eq!(alice.recv_type("error").await["data"]["code"], "INVALID_MESSAGE");

        // Still open, still in the room.
        alice.assert_nothing_pending().await;
        let (_bob, _) = s.join(BOB, "123").await;
        assert_eq!(alice.recv_type("join-plan").await["data"]["userName"], "bob");
        assert_eq!(s.metrics().await["errors"], bad.len() + 1);
    })
    .await;
}

#[tokio::test]
async fn oversized_frames_close_with_1009_without_harming_others() {
    within(20, async {
        let s = server().await;
        let (mut bob, _) = s.join(BOB, "123").await;
        let (mut alice, _) = s.join(ALICE, "123").await;
        bob.recv_type("join-plan").await;

        // Exactly 64 KiB is fine (it is just not valid JSON for us).
        alice.send_text(&"x".repeat(64 * 1024)).await;
        assert_eq!(alice.recv_type("error").await["data"]["code"], "INVALID_MESSAGE");

        let big = json!({"type":"join-plan","planId":"x".repeat(64 * 1024)}).to_string();
        alice.send_text(&big).await;
        assert_eq!(alice.expect_close().await.0, 1009);

        let left = bob.recv_type("leave-plan").await;
        assert_eq!(left["data"]["userId"], 1);
        bob.assert_nothing_pending().await;
    })
    .await;
}
