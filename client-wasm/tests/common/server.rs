//! The mock servers whose addresses were compiled in: REST, fault injection, tokens, metrics and
//! connection counts.

use js_sys::{Object, Reflect};
use serde_json::{json, Value};
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::JsFuture;

use super::client::describe;
use super::page::harness_fetch;
use super::time::{sleep, Awaiting};

/// A mock server whose address was compiled in.
pub struct Server {
    addr: Option<&'static str>,
    var: &'static str,
}

/// The `--enable-faults` server of every test but the sweep ones.
pub const MAIN: Server = Server { addr: option_env!("PLANWIRE_TEST_SERVER"), var: "PLANWIRE_TEST_SERVER" };
/// The server with a short inactivity sweep (`tests/sweep.rs`).
pub const SWEEP: Server = Server { addr: option_env!("PLANWIRE_TEST_SERVER_SWEEP"), var: "PLANWIRE_TEST_SERVER_SWEEP" };

/// The sweep server's `--inactive-after-ms`.
pub fn sweep_inactive_ms() -> u32 {
    let Some(text) = option_env!("PLANWIRE_TEST_SWEEP_INACTIVE_MS") else {
        panic!("build the tests with PLANWIRE_TEST_SWEEP_INACTIVE_MS = the --inactive-after-ms of PLANWIRE_TEST_SERVER_SWEEP (scripts/test-browser.sh does)")
    };
    text.parse().unwrap_or_else(|_| panic!("PLANWIRE_TEST_SWEEP_INACTIVE_MS={text:?} is not a number of milliseconds"))
}

/// The answer to one HTTP request.
pub struct Reply {
    pub status: u16,
    /// The JSON body, or null.
    pub body: Value,
    /// The `X-Seq` header of a REST mutation.
    pub seq: Option<u64>,
}

impl Server {
    pub fn addr(&self) -> &'static str {
        match self.addr {
            Some(addr) => addr,
            None => panic!(
                "build the tests with {}=host:port of a running mock-server --enable-faults (scripts/test-browser.sh does)",
                self.var
            ),
        }
    }

    pub fn ws_url(&self) -> String {
        format!("ws://{}/ws", self.addr())
    }

    /// One HTTP request, with `Authorization: Bearer token` and extra `headers`.
    pub async fn request(&self, method: &str, path: &str, token: Option<&str>, body: Option<&Value>, headers: &[(&str, &str)]) -> Reply {
        let h = Object::new();
        let put = |k: &str, v: &str| {
            Reflect::set(&h, &k.into(), &v.into()).expect("setting a property of a plain object");
        };
        if body.is_some() {
            put("Content-Type", "application/json");
        }
        if let Some(token) = token {
            put("Authorization", &format!("Bearer {token}"));
        }
        for (k, v) in headers {
            put(k, v);
        }
        let url = format!("http://{}{path}", self.addr());
        let _awaiting = Awaiting::new(format!("the reply to {method} {url}"), None);
        let reply = JsFuture::from(harness_fetch(&url, method, &h, body.map(Value::to_string)))
            .await
            .unwrap_or_else(|e| panic!("{method} {url} failed: {}", describe(&e)));
        let field = |name: &str| Reflect::get(&reply, &name.into()).unwrap_or(JsValue::UNDEFINED);
        let status = field("status").as_f64().unwrap_or_else(|| panic!("{method} {url}: no status")) as u16;
        let text = field("text").as_string().unwrap_or_default();
        Reply {
            status,
            body: serde_json::from_str(&text).unwrap_or(Value::Null),
            seq: field("seq").as_string().and_then(|s| s.parse().ok()),
        }
    }

    /// `(status, JSON body or null)` of one request.
    pub async fn http(&self, method: &str, path: &str, token: Option<&str>, body: Option<Value>) -> (u16, Value) {
        let reply = self.request(method, path, token, body.as_ref(), &[]).await;
        (reply.status, reply.body)
    }

    /// A JWT for a demo user (1 alice, 2 bob, 3 mallory).
    pub async fn token(&self, user_id: u64, user_name: &str) -> String {
        let (status, body) = self.http("POST", "/api/v1/faults/token", None, Some(json!({"userId": user_id, "userName": user_name}))).await;
        assert_eq!(status, 200, "POST /api/v1/faults/token: {body}");
        match body["token"].as_str() {
            Some(token) => token.to_owned(),
            None => panic!("POST /api/v1/faults/token answered without a token: {body}"),
        }
    }

    /// Injects a fault (`/api/v1/faults/{name}`); returns the server's answer.
    pub async fn fault(&self, name: &str, body: Value) -> Value {
        let (status, reply) = self.http("POST", &format!("/api/v1/faults/{name}"), None, Some(body.clone())).await;
        assert_eq!(status, 200, "fault {name} {body}: {reply}");
        reply
    }

    /// `PATCH /api/tasks/:task {title}` as `token`, optionally as connection `connection_id`
    /// (`X-Connection-Id`: that connection does not receive the change); returns the change's `seq`.
    pub async fn retitle(&self, task: u32, token: &str, connection_id: Option<&str>, title: &str) -> u64 {
        let headers: Vec<(&str, &str)> = connection_id.map(|id| ("X-Connection-Id", id)).into_iter().collect();
        let reply = self.request("PATCH", &format!("/api/tasks/{task}"), Some(token), Some(&json!({ "title": title })), &headers).await;
        assert_eq!(reply.status, 200, "PATCH /api/tasks/{task} {title:?}: {}", reply.body);
        reply.seq.unwrap_or_else(|| panic!("PATCH /api/tasks/{task} answered without X-Seq"))
    }

    pub async fn metrics(&self) -> Value {
        let (status, body) = self.http("GET", "/api/v1/ws/metrics", None, None).await;
        assert_eq!(status, 200, "GET /api/v1/ws/metrics: {body}");
        body
    }

    /// The server's count of open authenticated connections.
    pub async fn connections(&self) -> u64 {
        let (status, health) = self.http("GET", "/api/v1/ws/health", None, None).await;
        match (status, health["connections"].as_u64()) {
            (200, Some(n)) => n,
            _ => panic!("GET /api/v1/ws/health: {status} {health}"),
        }
    }

    /// Waits until the server counts `n` connections (there is no event to await for this).
    pub async fn until_connections(&self, n: u64) {
        let _awaiting = Awaiting::new(format!("the server {} to count {n} connections", self.addr()), None);
        while self.connections().await != n {
            sleep(20).await;
        }
    }
}

