//! Covers resource limits (extension):
//! - [x] inbound rate limit: past the limit `error` RATE_LIMITED with `retryAfterMs`, messages
//!   refused; past twice the limit close 1008
//! - [x] connection caps per user and in total: `error` TOO_MANY_CONNECTIONS then close 4029
//! - [x] a slow consumer (not reading) is closed with 1013 once its bounded queue fills, while a
//!   fast consumer in the same room receives every event and stays connected

mod common;

use std::time::Duration;

use common::*;
use serde_json::json;

#[tokio::test]
async fn rate_limit_then_close_1008() {
    within(20, async {
        let s = server_with(|c| {
            c.rate_limit = 5;
            c.rate_window = Duration::from_secs(60);
        })
        .await;
        let mut c = s.connect(ALICE).await;
        for _ in 0..5 {
            c.send(json!({"type":"ping"})).await;
            c.recv_type("pong").await;
        }
        for _ in 0..5 {
            c.send(json!({"type":"join-plan","planId":"123"})).await;
            let err = c.recv_type("error").await;
            assert_eq!(err["data"]["code"], "RATE_LIMITED");
            let retry = err["data"]["retryAfterMs"].as_u64().unwrap();
            assert!(retry > 0 && retry <= 60_000, "{retry}");
        }
        assert_eq!(s.metrics().await["participants"], 0, "limited joins were refused");
        c.send(json!({"type":"ping"})).await;
        assert_eq!(c.expect_close().await, (1008, "rate limit exceeded".into()));
    })
    .await;
}

#[tokio::test]
async fn connection_caps_close_with_4029() {
    within(20, async {
        let s = server_with(|c| {
            c.max_connections_per_user = 2;
            c.max_connections = 3;
        })
        .await;
        let _a1 = s.connect(ALICE).await;
        let _a2 = s.connect(ALICE).await;
        let mut a3 = Client::open(&format!("{}?token={}", s.ws_url(), s.token(ALICE))).await;
        let err = a3.recv_type("error").await;
        assert_eq!(err["data"]["code"], "TOO_MANY_CONNECTIONS");
        assert_eq!(a3.expect_close().await.0, 4029);

        let _b1 = s.connect(BOB).await;
        let mut b2 = Client::open(&format!("{}?token={}", s.ws_url(), s.token(BOB))).await;
        assert_eq!(b2.recv_type("error").await["data"]["code"], "TOO_MANY_CONNECTIONS");
        let (code, reason) = b2.expect_close().await;
        assert_eq!(code, 4029);
        assert!(reason.contains("server"), "{reason}");
        assert_eq!(s.metrics().await["connections"], 3);
    })
    .await;
}

#[tokio::test]
async fn slow_consumer_is_closed_with_1013_and_others_are_unaffected() {
    within(60, async {
        let s = server_with(|c| {
            c.enable_faults = true;
            c.send_queue = 256;
        })
        .await;
        let (mut slow, _) = s.join(ALICE, "123").await;
        let (mut fast, _) = s.join(BOB, "123").await;
        slow.recv_type("join-plan").await;

        // Batches smaller than the queue: the fast reader drains each one; the slow one never reads.
        let batch = 200u64;
        let mut sent = 0u64;
        let mut left_seen = false;
        let mut every = tokio::time::interval(Duration::from_millis(10));
        loop {
            let (status, body) = s.fault("flood", json!({"planId":"123","count":batch})).await;
            assert_eq!((status, body["sent"].as_u64()), (200, Some(batch)));
            let mut got = 0;
            while got < batch {
                let m = fast.recv().await;
                if m["type"] == "leave-plan" {
                    assert_eq!(m["data"]["userId"], 1, "only the slow consumer leaves");
                    left_seen = true;
                    continue;
                }
                got += 1;
                sent += 1;
                assert_eq!((m["type"].as_str(), m["seq"].as_u64()), (Some("task-updated"), Some(sent)));
            }
            every.tick().await;
            if s.metrics().await["connections"] == 1 {
                break;
            }
            assert!(sent < 200_000, "the slow consumer was never closed");
        }
        let mut received = 0;
        let code = loop {
            match tokio::time::timeout(STEP, futures_util::StreamExt::next(&mut slow.ws)).await.unwrap() {
                Some(Ok(tokio_tungstenite::tungstenite::Message::Text(_))) => received += 1,
                Some(Ok(tokio_tungstenite::tungstenite::Message::Close(Some(f)))) => break u16::from(f.code),
                other => panic!("{other:?}"),
            }
        };
        assert_eq!(code, 1013);
        assert!(received < sent, "the slow consumer got {received} of {sent}");
        if !left_seen {
            assert_eq!(fast.recv_type("leave-plan").await["data"]["userId"], 1);
        }
        fast.assert_nothing_pending().await;
    })
    .await;
}
