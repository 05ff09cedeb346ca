//! Covers the fault-injection routes (`--enable-faults`), each at least once:
//! - [x] routes are 404 without the flag
//! - [x] token: issues a usable token; a short `ttlSecs` expires while connected (4001)
//! - [x] drop: with a close code and reason, filtered by user or connection; abrupt (no close frame);
//!   unsendable codes → 400
//! - [x] restart: connections dropped, connects refused while down, listening again after downMs
//! - [x] freeze: no answers and no broadcasts; the server notices when the peer goes
//! - [x] delay: outgoing frames held for the given ms; 0 disables
//! - [x] malformed: the raw frame reaches the named connection only
//! - [x] expire-token: close 4001 "token expired"; unknown connection → 404
//! - [x] flood: `count` task-updated broadcasts in seq order, plan left consistent; CORS enabled

mod common;

use std::time::{Duration, Instant};

use common::*;
use futures_util::StreamExt;
use reqwest::Method;
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::Message;

async fn faulty() -> TestServer {
    server_with(|c| c.enable_faults = true).await
}

#[tokio::test]
async fn fault_routes_are_off_by_default() {
    within(20, async {
        let s = server().await;
        for route in ["token", "drop", "restart", "freeze", "delay", "malformed", "expire-token", "flood"] {
            let (status, body) = s.fault(route, json!({})).await;
            assert_eq!((status, body["code"].as_str()), (404, Some("NOT_FOUND")), "{route}");
        }
    })
    .await;
}

#[tokio::test]
async fn token_route_issues_usable_and_short_lived_tokens() {
    within(20, async {
        let s = faulty().await;
        let (status, body) = s.fault("token", json!({"userId":1,"userName":"alice","email":"a@x"})).await;
        assert_eq!(status, 200);
        let token = body["token"].as_str().unwrap();
        let (status, _, _) = s.rest(Method::GET, "/api/plans/123", Some(token), None, None).await;
        assert_eq!(status, 200);

        // `exp` has whole seconds: a 1 s token may have only milliseconds left when issued; 2 s leaves at least one.
        let (_, body) = s.fault("token", json!({"userId":"x-1","userName":"temp","ttlSecs":2})).await;
        let mut c = Client::open(&format!("{}?token={}", s.ws_url(), body["token"].as_str().unwrap())).await;
        assert_eq!(c.recv_type("pong").await["data"]["userId"], "x-1");
        assert_eq!(c.expect_close().await, (4001, "token expired".into()));

        let (status, _) = s.fault("token", json!({"userName":"no id"})).await;
        assert_eq!(status, 400);
        // Browsers on other origins may call it.
        let resp = s.http.post(s.url("/api/v1/faults/token")).header("Origin", "http://page.test")
            .json(&json!({"userId":1,"userName":"a"})).send().await.unwrap();
        assert_eq!(resp.headers()["access-control-allow-origin"], "*");
    })
    .await;
}

#[tokio::test]
async fn drop_closes_matching_connections() {
    within(20, async {
        let s = faulty().await;
        let mut a1 = s.connect(ALICE).await;
        let mut a2 = s.connect(ALICE).await;
        let mut bob = s.connect(BOB).await;

        let (status, body) = s.fault("drop", json!({"code":4000,"reason":"bye","userId":1})).await;
        assert_eq!((status, &body), (200, &json!({"dropped":2})));
        assert_eq!(a1.expect_close().await, (4000, "bye".into()));
        assert_eq!(a2.expect_close().await, (4000, "bye".into()));
        bob.assert_nothing_pending().await;

        let mut bob2 = s.connect(BOB).await;
        let (_, body) = s.fault("drop", json!({"abrupt":true,"connectionId": bob.connection_id})).await;
        assert_eq!(body["dropped"], 1);
        bob.expect_abrupt_end().await;
        bob2.assert_nothing_pending().await;

        for bad in [json!({"code":1006}), json!({"code":1005}), json!({"code":999}), json!({"reason":"x".repeat(124)})] {
            assert_eq!(s.fault("drop", bad.clone()).await.0, 400, "{bad}");
        }
        let (_, body) = s.fault("drop", json!({"connectionId":"nope"})).await;
        assert_eq!(body["dropped"], 0);

        let (_, body) = s.fault("drop", json!({})).await;
        assert_eq!(body["dropped"], 1);
        assert_eq!(bob2.expect_close().await.0, 1001);
    })
    .await;
}

#[tokio::test]
async fn restart_refuses_connections_then_listens_again() {
    within(30, async {
        let s = faulty().await;
        let (mut alice, _) = s.join(ALICE, "123").await;
        let started = Instant::now();
        let (status, body) = s.fault("restart", json!({"downMs": 400})).await;
        assert_eq!((status, &body["restarting"]), (200, &json!(true)));
        alice.expect_abrupt_end().await;

        // Down: connects are refused (wait for the listener to close, then check).
        let mut every = tokio::time::interval(Duration::from_millis(20));
        loop {
            if tokio::net::TcpStream::connect(s.addr).await.is_err() {
                break;
            }
            every.tick().await;
        }
        // Up again on the same port after downMs.
        loop {
            every.tick().await;
            if tokio::net::TcpStream::connect(s.addr).await.is_ok() {
                break;
            }
        }
        assert!(started.elapsed() >= Duration::from_millis(400));
        let (mut alice, confirm) = s.join(ALICE, "123").await;
        assert_eq!(confirm["data"]["participantCount"], 1, "the old connection is gone");
        alice.assert_nothing_pending().await;
        assert_eq!(s.metrics().await["connections"], 1);
    })
    .await;
}

#[tokio::test]
async fn frozen_connection_answers_nothing_until_the_peer_goes() {
    within(20, async {
        let s = faulty().await;
        let (mut alice, _) = s.join(ALICE, "123").await;
        let (mut bob, _) = s.join(BOB, "123").await;
        alice.recv_type("join-plan").await;

        let (status, _) = s.fault("freeze", json!({"connectionId": alice.connection_id})).await;
        assert_eq!(status, 200);
        alice.send(json!({"type":"ping"})).await;
        let (status, _, _) = s.rest(Method::PATCH, "/api/tasks/1", Some(&s.token(BOB)), None, Some(json!({"title":"z"}))).await;
        assert_eq!(status, 200);
        bob.recv_type("task-updated").await;
        // Silence is the behaviour under test: nothing arrives within a generous window.
        let silent = tokio::time::timeout(Duration::from_millis(500), alice.ws.next()).await;
        assert!(silent.is_err(), "a frozen connection sent {silent:?}");

        // The peer gives up: the server notices and the room hears Alice left.
        drop(alice);
        assert_eq!(bob.recv_type("leave-plan").await["data"]["userId"], 1);
        assert_eq!(s.fault("freeze", json!({"connectionId":"c999"})).await.0, 404);
    })
    .await;
}

#[tokio::test]
async fn delay_holds_outgoing_frames() {
    within(20, async {
        let s = faulty().await;
        let mut alice = s.connect(ALICE).await;
        let (status, body) = s.fault("delay", json!({"ms": 300})).await;
        assert_eq!((status, &body), (200, &json!({"delayMs":300})));
        let t = Instant::now();
        alice.send(json!({"type":"ping"})).await;
        alice.recv_type("pong").await;
        assert!(t.elapsed() >= Duration::from_millis(300), "{:?}", t.elapsed());

        s.fault("delay", json!({"ms": 0})).await;
        let t = Instant::now();
        alice.send(json!({"type":"ping"})).await;
        alice.recv_type("pong").await;
        assert!(t.elapsed() < Duration::from_millis(300), "{:?}", t.elapsed());
    })
    .await;
}

#[tokio::test]
async fn malformed_sends_the_raw_frame() {
    within(20, async {
        let s = faulty().await;
        let mut alice = s.connect(ALICE).await;
        let mut bob = s.connect(BOB).await;
        let (status, body) = s.fault("malformed", json!({"connectionId": alice.connection_id, "frame":"{not json"})).await;
        assert_eq!((status, &body), (200, &json!({"sent":1})));
        match tokio::time::timeout(STEP, alice.ws.next()).await.unwrap() {
            Some(Ok(Message::Text(t))) => assert_eq!(t.as_str(), "{not json"),
            other => panic!("{other:?}"),
        }
        bob.assert_nothing_pending().await;
        let (_, body) = s.fault("malformed", json!({"frame":"{\"type\":\"task-updated\"}"})).await;
        assert_eq!(body["sent"], 2);
        assert_eq!(s.fault("malformed", json!({"connectionId":"c404","frame":"x"})).await.0, 404);
    })
    .await;
}

#[tokio::test]
async fn expire_token_closes_with_4001() {
    within(20, async {
        let s = faulty().await;
        let mut alice = s.connect(ALICE).await;
        let mut bob = s.connect(BOB).await;
        let (status, _) = s.fault("expire-token", json!({"connectionId": alice.connection_id})).await;
        assert_eq!(status, 200);
        assert_eq!(alice.expect_close().await, (4001, "token expired".into()));
        bob.assert_nothing_pending().await;
        let (status, body) = s.fault("expire-token", json!({"connectionId": "c77"})).await;
        assert_eq!((status, body["code"].as_str()), (404, Some("NOT_FOUND")));
    })
    .await;
}

#[tokio::test]
async fn flood_broadcasts_count_events_in_order() {
    within(30, async {
        let s = faulty().await;
        let (mut alice, _) = s.join(ALICE, "123").await;
        let (status, body) = s.fault("flood", json!({"planId":"123","count":500,"taskId":"2"})).await;
        assert_eq!((status, body["sent"].as_u64()), (200, Some(500)));
        assert!(body["elapsedMs"].is_u64());
        for i in 1..=500u64 {
            let m = alice.recv_type("task-updated").await;
            assert_eq!(m["seq"], i);
            assert_eq!(m["data"]["task"]["id"], 2);
            assert_eq!(m["data"]["task"]["title"], format!("flood {i} of 500"));
        }
        alice.assert_nothing_pending().await;
        let (_, plan, _) = s.rest(Method::GET, "/api/plans/123", Some(&s.token(ALICE)), None, None).await;
        let task: &Value = &plan["tasks"][1];
        assert_eq!((task["title"].as_str(), plan["seq"].as_u64()), (Some("flood 500 of 500"), Some(500)));

        assert_eq!(s.fault("flood", json!({"planId":"999","count":1})).await.0, 404);
        assert_eq!(s.fault("flood", json!({"planId":"123","count":1,"taskId":4242})).await.0, 404);
        assert_eq!(s.fault("flood", json!({"planId":"123","count":"many"})).await.0, 400);
    })
    .await;
}
