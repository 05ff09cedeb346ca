//! Covers authentication:
//! - [x] missing, malformed, wrongly signed and expired tokens: upgrade accepted, then close 4001 with a reason
//! - [x] token in `?token=` and in `Authorization: Bearer`; string user ids
//! - [x] first-frame `{"type":"auth"}` (extension): accepted; wrong first frame and timeout → 4001
//! - [x] a later `auth` message is INVALID_MESSAGE and the connection stays open
//! - [x] token expiry while connected → close 4001 "token expired"
//! - [x] REST: missing/invalid token → 401 JSON

mod common;

use std::time::{Duration, Instant};

use common::*;
use mock_server::auth::Jwt;
use planwire_protocol::UserId;
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn bad_tokens_close_with_4001_and_a_reason() {
    within(20, async {
        let s = server().await;
        let expired = s.token_ttl(ALICE, Duration::ZERO);
        let foreign = Jwt::new("another-secret").issue(UserId::Num(1), "alice".into(), None, Duration::from_secs(60));
        for (query, reason) in [
            ("?token=not-a-jwt", "invalid token"),
            (&*format!("?token={foreign}"), "invalid token"),
            (&*format!("?token={expired}"), "token expired"),
        ] {
            let mut c = Client::open(&format!("{}{query}", s.ws_url())).await;
            assert_eq!(c.expect_close().await, (4001, reason.to_owned()), "{query}");
        }
        let mut c = Client::open_with_header(&s.ws_url(), "garbage").await;
        assert_eq!(c.expect_close().await, (4001, "invalid token".to_owned()));
        assert_eq!(s.metrics().await["connections"], 0);
    })
    .await;
}

#[tokio::test]
async fn missing_token_waits_for_auth_frame_then_closes() {
    within(20, async {
        let s = server_with(|c| c.auth_timeout = Duration::from_millis(300)).await;
        let started = Instant::now();
        let mut c = Client::open(&s.ws_url()).await;
        assert_eq!(c.expect_close().await, (4001, "auth timeout".to_owned()));
        assert!(started.elapsed() >= Duration::from_millis(300));

        let mut c = Client::open(&s.ws_url()).await;
        c.send(json!({"type":"join-plan","planId":"123"})).await;
        assert_eq!(c.expect_close().await, (4001, "missing token".to_owned()));

        let mut c = Client::open(&s.ws_url()).await;
        c.send(json!({"type":"auth","token":"nope"})).await;
        assert_eq!(c.expect_close().await, (4001, "invalid token".to_owned()));
    })
    .await;
}

#[tokio::test]
async fn header_query_and_first_frame_tokens_are_accepted() {
    within(20, async {
        let s = server().await;
        let mut c = Client::open_with_header(&s.ws_url(), &s.token(BOB)).await;
        assert_eq!(c.recv_type("pong").await["data"]["userId"], 2);

        let mut c = Client::open(&s.ws_url()).await;
        c.send(json!({"type":"auth","token": s.token(ALICE)})).await;
        let confirm = c.recv_type("pong").await;
        assert_eq!(confirm["data"]["userId"], 1);
        assert_eq!(c.join("123").await["data"]["participantCount"], 1);
        c.send(json!({"type":"auth","token": s.token(ALICE)})).await;
        let err = c.recv_type("error").await;
        assert_eq!(err["data"]["code"], "INVALID_MESSAGE");
        c.assert_nothing_pending().await;

        let string_id = s.server.app().jwt.issue(UserId::Str("u-7".into()), "seven".into(), Some("s@x".into()), Duration::from_secs(60));
        let mut c = Client::open(&format!("{}?token={string_id}", s.ws_url())).await;
        assert_eq!(c.recv_type("pong").await["data"]["userId"], "u-7");
    })
    .await;
}

#[tokio::test]
async fn connection_closes_when_its_token_expires() {
    within(20, async {
        let s = server().await;
        let token = s.token_ttl(ALICE, Duration::from_secs(1));
        let mut c = Client::open(&format!("{}?token={token}", s.ws_url())).await;
        c.recv_type("pong").await;
        let opened = Instant::now();
        assert_eq!(c.expect_close().await, (4001, "token expired".to_owned()));
        assert!(opened.elapsed() <= Duration::from_millis(2100));
    })
    .await;
}

#[tokio::test]
async fn rest_requires_a_valid_token() {
    within(20, async {
        let s = server().await;
        let (status, body, _) = s.rest(Method::GET, "/api/plans/123", None, None, None).await;
        assert_eq!((status, &body["code"]), (401, &json!("UNAUTHORIZED")));
        assert_eq!(body["message"], "missing token");
        let (status, body, _) = s.rest(Method::PATCH, "/api/tasks/1", Some("bad"), None, Some(json!({"title":"x"}))).await;
        assert_eq!((status, &body["code"]), (401, &json!("UNAUTHORIZED")));
        let expired = s.token_ttl(ALICE, Duration::ZERO);
        let (status, body, _) = s.rest(Method::GET, "/api/plans/123", Some(&expired), None, None).await;
        assert_eq!((status, body["message"].as_str()), (401, Some("token expired")));
    })
    .await;
}
