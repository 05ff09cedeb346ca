//! Shared test harness: an in-process server on port 0, a WebSocket client that reads JSON
//! messages with a timeout, and a small REST helper.
#![allow(dead_code)] // each test binary uses a different subset

use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use mock_server::{Config, RunningServer};
use planwire_protocol::UserId;
use serde_json::{json, Value};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// How long any single awaited event may take before the test fails.
pub const STEP: Duration = Duration::from_secs(5);

/// Runs a test body with an overall timeout, so a hang fails fast.
pub async fn within<F: Future<Output = ()>>(secs: u64, body: F) {
    tokio::time::timeout(Duration::from_secs(secs), body).await.expect("test timed out");
}

/// A server started in-process.
pub struct TestServer {
    pub server: RunningServer,
    pub addr: SocketAddr,
    pub http: reqwest::Client,
}

/// Starts a server with the defaults (port 0), adjusted by `adjust`.
pub async fn server_with(adjust: impl FnOnce(&mut Config)) -> TestServer {
    let mut cfg = Config { jwt_secret: "test-secret".into(), ..Config::default() };
    adjust(&mut cfg);
    let server = mock_server::start(cfg).await.expect("server starts");
    let addr = server.addr;
    TestServer { server, addr, http: reqwest::Client::new() }
}

/// Starts a server with the defaults.
pub async fn server() -> TestServer {
    server_with(|_| {}).await
}

/// The demo users.
pub const ALICE: (i64, &str) = (1, "alice");
pub const BOB: (i64, &str) = (2, "bob");
pub const MALLORY: (i64, &str) = (3, "mallory");

impl TestServer {
    pub fn ws_url(&self) -> String {
        format!("ws://{}/ws", self.addr)
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    /// A valid token for a demo user.
    pub fn token(&self, user: (i64, &str)) -> String {
        self.token_ttl(user, Duration::from_secs(3600))
    }

    pub fn token_ttl(&self, user: (i64, &str), ttl: Duration) -> String {
        self.server.app().jwt.issue(UserId::Num(user.0), user.1.into(), None, ttl)
    }

    /// Connects with `?token=` and reads the confirmation.
    pub async fn connect(&self, user: (i64, &str)) -> Client {
        let mut c = Client::open(&format!("{}?token={}", self.ws_url(), self.token(user))).await;
        let confirm = c.recv().await;
        assert_eq!(confirm["type"], "pong", "{confirm}");
        assert_eq!(confirm["data"]["userId"], user.0);
        c.connection_id = confirm["data"]["connectionId"].as_str().expect("connectionId").to_owned();
        c
    }

    /// Connects and joins a plan, returning the client and the join confirmation.
    pub async fn join(&self, user: (i64, &str), plan_id: &str) -> (Client, Value) {
        let mut c = self.connect(user).await;
        let confirm = c.join(plan_id).await;
        (c, confirm)
    }

    /// A REST call with a bearer token and optional X-Connection-Id.
    pub async fn rest(&self, method: reqwest::Method, path: &str, token: Option<&str>, conn: Option<&str>, body: Option<Value>) -> (u16, Value, Option<String>) {
        let mut req = self.http.request(method, self.url(path));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(c) = conn {
            req = req.header("X-Connection-Id", c);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = tokio::time::timeout(STEP, req.send()).await.expect("REST timeout").expect("REST call");
        let status = resp.status().as_u16();
        let seq = resp.headers().get("x-seq").map(|v| v.to_str().unwrap().to_owned());
        let text = resp.text().await.unwrap();
        let value = if text.is_empty() { Value::Null } else { serde_json::from_str(&text).unwrap_or(Value::String(text)) };
        (status, value, seq)
    }

    /// POST a JSON body to a fault route.
    pub async fn fault(&self, route: &str, body: Value) -> (u16, Value) {
        let (status, value, _) = self.rest(reqwest::Method::POST, &format!("/api/v1/faults/{route}"), None, None, Some(body)).await;
        (status, value)
    }

    pub async fn metrics(&self) -> Value {
        self.rest(reqwest::Method::GET, "/api/v1/ws/metrics", None, None, None).await.1
    }
}

/// A WebSocket test client.
pub struct Client {
    pub ws: WebSocketStream<MaybeTlsStream<TcpStream>>,
    pub connection_id: String,
}

impl Client {
    /// Opens a WebSocket to `url` (no confirmation read).
    pub async fn open(url: &str) -> Client {
        Self::open_request(url.into_client_request().unwrap()).await
    }

    /// Opens with an `Authorization: Bearer` header.
    pub async fn open_with_header(url: &str, token: &str) -> Client {
        let mut req = url.into_client_request().unwrap();
        req.headers_mut().insert("Authorization", format!("Bearer {token}").parse().unwrap());
        Self::open_request(req).await
    }

    async fn open_request(req: tokio_tungstenite::tungstenite::handshake::client::Request) -> Client {
        let (ws, _) = tokio::time::timeout(STEP, tokio_tungstenite::connect_async(req)).await.expect("connect timeout").expect("connect");
        Client { ws, connection_id: String::new() }
    }

    pub async fn send(&mut self, v: Value) {
        self.send_text(&v.to_string()).await;
    }

    pub async fn send_text(&mut self, text: &str) {
        self.ws.send(Message::text(text)).await.expect("send");
    }

    /// The next data message as JSON; panics on close or timeout.
    pub async fn recv(&mut self) -> Value {
        loop {
            let msg = tokio::time::timeout(STEP, self.ws.next()).await.expect("no message in time");
            match msg {
                Some(Ok(Message::Text(t))) => return serde_json::from_str(&t).expect("server sent JSON"),
                Some(Ok(Message::Ping(_) | Message::Pong(_))) => continue,
                other => panic!("expected a message, got {other:?}"),
            }
        }
    }

    /// The next message of the given type, failing on any other message first.
    pub async fn recv_type(&mut self, kind: &str) -> Value {
        let m = self.recv().await;
        assert_eq!(m["type"], kind, "unexpected message {m}");
        m
    }

    /// Sends `join-plan` and returns the confirmation.
    pub async fn join(&mut self, plan_id: &str) -> Value {
        self.send(json!({"type":"join-plan","planId":plan_id})).await;
        let m = self.recv().await;
        assert_eq!(m["type"], "join-plan", "{m}");
        assert_eq!(m["data"]["success"], true, "{m}");
        m
    }

    /// Proves nothing else is queued for this client: a `ping` is answered by the very next message.
    pub async fn assert_nothing_pending(&mut self) {
        self.send(json!({"type":"ping"})).await;
        let m = self.recv().await;
        assert_eq!(m["type"], "pong", "expected only the pong, got {m}");
    }

    /// Reads until the close frame; returns its code and reason (skipping data messages).
    pub async fn expect_close(&mut self) -> (u16, String) {
        loop {
            let msg = tokio::time::timeout(STEP, self.ws.next()).await.expect("no close in time");
            let got = match msg {
                Some(Ok(Message::Close(Some(f)))) => (u16::from(f.code), f.reason.to_string()),
                Some(Ok(Message::Close(None))) => (u16::from(CloseCode::Status), String::new()),
                Some(Ok(_)) => continue,
                other => panic!("expected a close frame, got {other:?}"),
            };
            // Keep reading so our close reply goes out and the server ends the TCP connection.
            while let Ok(Some(Ok(_))) = tokio::time::timeout(STEP, self.ws.next()).await {}
            return got;
        }
    }

    /// Closes with 1000 and waits for the server's close reply.
    pub async fn close(mut self) {
        self.ws.close(None).await.expect("send close");
        while let Ok(Some(Ok(_))) = tokio::time::timeout(STEP, self.ws.next()).await {}
    }

    /// Reads until the stream ends without a close frame (an abrupt drop).
    pub async fn expect_abrupt_end(&mut self) {
        loop {
            let msg = tokio::time::timeout(STEP, self.ws.next()).await.expect("connection not dropped in time");
            match msg {
                None | Some(Err(_)) => return,
                Some(Ok(Message::Close(f))) => panic!("expected no close frame, got {f:?}"),
                Some(Ok(_)) => continue,
            }
        }
    }
}

/// Checks a timestamp is ISO 8601 with milliseconds and `Z`.
pub fn assert_iso(ts: &Value) {
    let s = ts.as_str().unwrap_or_else(|| panic!("timestamp {ts} is not a string"));
    assert_eq!(s.len(), 24, "{s}");
    assert!(s.ends_with('Z') && &s[10..11] == "T" && &s[19..20] == ".", "{s}");
}
