//! Covers startup checks and token rules (issue 18):
//! - [x] `--allow-origin '*'` (alone or in a list) means any origin: no panic, CORS answers
//! - [x] an empty or short `--jwt-secret` / `JWT_SECRET` is refused with a clear message, exit 2
//! - [x] a token with `nbf` in the future, or an `exp` beyond `--max-token-lifetime-secs`, is
//!   refused (WebSocket 4001, REST 401)
//! - [x] `/ws` applies the `--allow-origin` list to `Origin` (403); no `Origin` is allowed
//! - [x] `/ws` applies the `--allow-host` list to `Host` (403: DNS rebinding); a listed name on any port

mod common;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use common::*;
use jsonwebtoken::{encode, EncodingKey, Header};
use serde_json::json;
use tokio::process::Command;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

const BIN: &str = env!("CARGO_BIN_EXE_mock-server");

#[tokio::test]
async fn a_wildcard_origin_means_any_origin() {
    within(20, async {
        for origins in [vec!["*".to_owned()], vec!["http://a.test".to_owned(), " *".to_owned()]] {
            let s = server_with(|c| c.allow_origins = origins.clone()).await;
            let resp = s.http.get(s.url("/api/v1/ws/health")).header("Origin", "http://elsewhere.test").send().await.unwrap();
            assert_eq!(resp.status(), 200);
            assert_eq!(resp.headers()["access-control-allow-origin"], "*");
            let mut req = s.ws_url().into_client_request().unwrap();
            req.headers_mut().insert("Origin", "http://elsewhere.test".parse().unwrap());
            req.headers_mut().insert("Authorization", format!("Bearer {}", s.token(ALICE)).parse().unwrap());
            let (mut ws, _) = tokio_tungstenite::connect_async(req).await.expect("any origin may open /ws");
            use futures_util::StreamExt;
            assert!(ws.next().await.unwrap().unwrap().is_text());
        }
    })
    .await;
}

#[tokio::test]
async fn ws_refuses_origins_not_in_the_list() {
    within(20, async {
        let s = server_with(|c| c.allow_origins = vec!["http://board.test".into()]).await;
        let open = |origin: Option<&'static str>| {
            let mut req = format!("{}?token={}", s.ws_url(), s.token(ALICE)).into_client_request().unwrap();
            if let Some(o) = origin {
                req.headers_mut().insert("Origin", o.parse().unwrap());
            }
            tokio_tungstenite::connect_async(req)
        };
        match open(Some("http://evil.test")).await {
            Err(tokio_tungstenite::tungstenite::Error::Http(resp)) => assert_eq!(resp.status(), 403),
            other => panic!("expected 403, got {:?}", other.map(|_| ())),
        }
        assert!(open(Some("http://board.test")).await.is_ok());
        assert!(open(None).await.is_ok(), "non-browser clients send no Origin");
        assert_eq!(s.metrics().await["limits"]["originRefused"], 1);
    })
    .await;
}

#[tokio::test]
async fn ws_refuses_hosts_not_in_the_list() {
    within(20, async {
        let s = server_with(|c| c.allow_hosts = vec!["127.0.0.1".into(), "board.test:443".into()]).await;
        let open = |host: &'static str| {
            let mut req = format!("{}?token={}", s.ws_url(), s.token(ALICE)).into_client_request().unwrap();
            req.headers_mut().insert("Host", host.parse().unwrap());
            tokio_tungstenite::connect_async(req)
        };
        for refused in ["evil.test", "evil.test:80", "board.test:80", "127.0.0.1.evil.test"] {
            match open(refused).await {
                Err(tokio_tungstenite::tungstenite::Error::Http(resp)) => assert_eq!(resp.status(), 403, "{refused}"),
                other => panic!("{refused}: expected 403, got {:?}", other.map(|_| ())),
            }
        }
        let own = s.ws_url().split('/').nth(2).unwrap().to_owned();
        assert!(own.starts_with("127.0.0.1:"), "{own}");
        assert!(open(Box::leak(own.into_boxed_str())).await.is_ok(), "a listed name on any port");
        assert!(open("board.test:443").await.is_ok(), "a listed name:port");
        assert_eq!(s.metrics().await["limits"]["hostRefused"], 4);
    })
    .await;
}

#[tokio::test]
async fn empty_and_short_secrets_are_refused_with_exit_code_2() {
    for (secret, needle) in [("", "empty"), ("x", "1 bytes"), ("short-secret", "at least 32")] {
        for args in [vec!["--port", "0"], vec!["token", "--user-id", "1", "--user-name", "a"]] {
            let out = Command::new(BIN).args(&args).env("JWT_SECRET", secret).output().await.unwrap();
            assert_eq!(out.status.code(), Some(2), "{secret:?} {args:?}");
            let err = String::from_utf8_lossy(&out.stderr);
            assert!(err.contains(needle) && !err.contains("seed"), "{err}");
        }
    }
    let out = Command::new(BIN).args(["token", "--user-id", "1", "--user-name", "a"]).env("JWT_SECRET", "k".repeat(32)).output().await.unwrap();
    assert!(out.status.success(), "a 32-byte secret is accepted");
}

fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs()
}

fn sign(claims: serde_json::Value) -> String {
    encode(&Header::default(), &claims, &EncodingKey::from_secret(b"test-secret")).unwrap()
}

#[tokio::test]
async fn not_yet_valid_and_practically_eternal_tokens_are_refused() {
    within(20, async {
        let s = server_with(|c| c.limits.max_token_lifetime = Duration::from_secs(7 * 24 * 3600)).await;
        let early = sign(json!({"userId":1,"userName":"alice","exp": now() + 3600, "nbf": now() + 600}));
        let eternal = sign(json!({"userId":1,"userName":"alice","exp": now() + 100 * 365 * 24 * 3600}));
        let fine = sign(json!({"userId":1,"userName":"alice","exp": now() + 3600, "nbf": now() - 10}));
        for (token, reason) in [(&early, "token not yet valid"), (&eternal, "token lifetime too long")] {
            let mut c = Client::open(&format!("{}?token={token}", s.ws_url())).await;
            assert_eq!(c.expect_close().await, (4001, reason.into()));
            let (status, body, _) = s.rest(reqwest::Method::GET, "/api/plans/123", Some(token), None, None).await;
            assert_eq!((status, body["message"].as_str()), (401, Some(reason)));
        }
        let (status, _, _) = s.rest(reqwest::Method::GET, "/api/plans/123", Some(&fine), None, None).await;
        assert_eq!(status, 200);
    })
    .await;
}
