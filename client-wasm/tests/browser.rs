//! The wasm client in real browsers (headless Chrome and Firefox) against the real mock server.
//!
//! Build with `PLANWIRE_TEST_SERVER=host:port` of a `mock-server --enable-faults`; every test has its
//! own timeout and short intervals.
//!
//! Checklist:
//! - [x] bad options and arguments throw `Error("CODE: …")`
//! - [x] connect: states, the `open` payload, unsubscribing
//! - [x] join: `joined` with participants, readable state
//! - [x] every event type triggered through the REST routes, an unknown type, a malformed frame
//!   and a server error, the connection surviving the bad input
//! - [x] participant counts with three clients, one user on two of them
//! - [x] reconnect and re-join after the server stops and starts listening again
//! - [x] dead-link detection: a frozen connection is closed and replaced
//! - [x] unauthorized tokens: fixed token, `getToken` refused twice, `getToken` rejecting
//! - [x] `getToken` on every reconnect; token expiry → fresh token and re-join
//! - [x] `close()` and `free()` leave no socket, timer or window listener behind
//! - [x] listeners may call back into the client, even drop it
//! - [x] token in the first frame (`authMode: 'message'`) instead of the URL
//! - [x] the window's `offline` drops the link at once; `online` reconnects at once
//! - [x] a gap left by the client's own REST change (`X-Connection-Id`) is filled by recovery
//! - [x] 1,000 events broadcast while the client is away: all applied once, in order, no `resync`
//! - [x] away past the history bound (10,000 events): `joined { recovered: false }` + `resync`
//! - [x] a slow consumer closed with 1013 reconnects, re-joins and resyncs (its missed burst
//!   exceeds what the server replays), then follows live events again
#![cfg(target_arch = "wasm32")]

use futures_util::future::{select, Either};
use js_sys::{Function, Object, Promise, Reflect};
use planwire_client::PlanClient;
use serde_json::{json, Value};
use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::future::{poll_fn, Future};
use std::rc::Rc;
use std::task::{Poll, Waker};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

// ------------------------------------------------------------------------------------ harness

fn server() -> &'static str {
    match option_env!("PLANWIRE_TEST_SERVER") {
        Some(addr) => addr,
        None => panic!("build the tests with PLANWIRE_TEST_SERVER=host:port of a mock-server started with --enable-faults"),
    }
}

fn ws_url() -> String {
    format!("ws://{}/ws", server())
}

/// Fails the test when `f` has not finished within `ms`.
async fn within(ms: u32, f: impl Future<Output = ()>) {
    match select(Box::pin(f), gloo_timers::future::TimeoutFuture::new(ms)).await {
        Either::Left(_) => {}
        Either::Right(_) => panic!("timed out after {ms} ms"),
    }
}

async fn sleep(ms: u32) {
    gloo_timers::future::TimeoutFuture::new(ms).await;
}

/// One HTTP request to the mock server; returns the status and the JSON body (or null).
async fn http(method: &str, path: &str, token: Option<&str>, body: Option<Value>) -> (u16, Value) {
    let init = web_sys::RequestInit::new();
    init.set_method(method);
    let headers = web_sys::Headers::new().unwrap();
    if let Some(body) = &body {
        headers.set("Content-Type", "application/json").unwrap();
        init.set_body(&JsValue::from_str(&body.to_string()));
    }
    if let Some(token) = token {
        headers.set("Authorization", &format!("Bearer {token}")).unwrap();
    }
    init.set_headers(&headers);
    let request = web_sys::Request::new_with_str_and_init(&format!("http://{}{path}", server()), &init).unwrap();
    let response: web_sys::Response =
        JsFuture::from(web_sys::window().unwrap().fetch_with_request(&request)).await.unwrap().dyn_into().unwrap();
    let text = JsFuture::from(response.text().unwrap()).await.unwrap().as_string().unwrap_or_default();
    (response.status(), serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// `PATCH /api/tasks/:id` as `token`, sent as connection `connection_id` (`X-Connection-Id`).
async fn patch_as_connection(task: u32, token: &str, connection_id: &str, title: &str) {
    let init = web_sys::RequestInit::new();
    init.set_method("PATCH");
    let headers = web_sys::Headers::new().unwrap();
    headers.set("Content-Type", "application/json").unwrap();
    headers.set("Authorization", &format!("Bearer {token}")).unwrap();
    headers.set("X-Connection-Id", connection_id).unwrap();
    init.set_headers(&headers);
    init.set_body(&JsValue::from_str(&json!({"title": title}).to_string()));
    let url = format!("http://{}/api/tasks/{task}", server());
    let request = web_sys::Request::new_with_str_and_init(&url, &init).unwrap();
    let response: web_sys::Response =
        JsFuture::from(web_sys::window().unwrap().fetch_with_request(&request)).await.unwrap().dyn_into().unwrap();
    assert_eq!(response.status(), 200);
}

/// A JWT for a demo user (1 alice, 2 bob, 3 mallory).
async fn token(user_id: u64, user_name: &str) -> String {
    let (status, body) = http("POST", "/api/v1/faults/token", None, Some(json!({"userId": user_id, "userName": user_name}))).await;
    assert_eq!(status, 200, "{body}");
    body["token"].as_str().unwrap().to_owned()
}

async fn fault(name: &str, body: Value) -> Value {
    let (status, reply) = http("POST", &format!("/api/v1/faults/{name}"), None, Some(body)).await;
    assert_eq!(status, 200, "fault {name}: {reply}");
    reply
}

async fn server_connections() -> u64 {
    http("GET", "/api/v1/ws/health", None, None).await.1["connections"].as_u64().unwrap()
}

/// Waits until the server counts `n` connections (there is no event to await for this).
async fn until_server_connections(n: u64) {
    while server_connections().await != n {
        sleep(20).await;
    }
}

/// Client options: the test server, a token, fast deterministic backoff.
struct Opts(Object);

impl Opts {
    fn new(token: Option<&str>) -> Opts {
        let o = Opts(Object::new()).set("url", ws_url()).set("baseDelayMs", 50).set("maxDelayMs", 400).set("jitter", 0);
        match token {
            Some(t) => o.set("token", t),
            None => o,
        }
    }

    fn set(self, key: &str, value: impl Into<JsValue>) -> Opts {
        Reflect::set(&self.0, &JsValue::from_str(key), &value.into()).unwrap();
        self
    }

    fn client(self) -> PlanClient {
        PlanClient::new(self.0.into()).unwrap()
    }
}

/// A `getToken` that counts its calls and answers with `answer()`.
fn get_token(calls: Rc<Cell<u32>>, answer: impl Fn() -> Promise + 'static) -> Closure<dyn FnMut() -> Promise> {
    Closure::new(move || {
        calls.set(calls.get() + 1);
        answer()
    })
}

const EVENTS: [&str; 18] = [
    "stateChanged", "open", "close", "reconnecting", "reconnected", "failed", "error", "joined", "userJoined",
    "userLeft", "participantsChanged", "taskUpdated", "taskCreated", "taskDeleted", "taskReordered",
    "progressUpdated", "resync", "message",
];

#[derive(Default)]
struct Log {
    events: Vec<(String, Value)>,
    cursors: HashMap<String, usize>,
    wakers: Vec<Waker>,
}

/// Records every event of a client and lets a test await them in order, per event name.
struct Recorder {
    log: Rc<RefCell<Log>>,
    _listeners: Vec<Closure<dyn FnMut(JsValue)>>,
}

impl Recorder {
    fn attach(client: &PlanClient) -> Recorder {
        let log = Rc::new(RefCell::new(Log::default()));
        let listeners = EVENTS
            .iter()
            .map(|name| {
                let (log, owned) = (log.clone(), name.to_string());
                let listener = Closure::<dyn FnMut(JsValue)>::new(move |payload: JsValue| {
                    let text = String::from(js_sys::JSON::stringify(&payload).unwrap());
                    let mut log = log.borrow_mut();
                    log.events.push((owned.clone(), serde_json::from_str(&text).unwrap()));
                    log.wakers.drain(..).for_each(Waker::wake);
                });
                client.on(JsValue::from_str(name), listener.as_ref().clone()).unwrap();
                listener
            })
            .collect();
        Recorder { log, _listeners: listeners }
    }

    /// The next `name` event matching `pred`, after the last one this returned for `name`.
    async fn next_where(&self, name: &str, pred: impl Fn(&Value) -> bool) -> Value {
        poll_fn(|cx| {
            let mut log = self.log.borrow_mut();
            let from = log.cursors.get(name).copied().unwrap_or(0);
            let found = (from..log.events.len()).find(|&i| log.events[i].0 == name && pred(&log.events[i].1));
            match found {
                Some(i) => {
                    log.cursors.insert(name.to_owned(), i + 1);
                    Poll::Ready(log.events[i].1.clone())
                }
                None => {
                    log.wakers.push(cx.waker().clone());
                    Poll::Pending
                }
            }
        })
        .await
    }

    async fn next(&self, name: &str) -> Value {
        self.next_where(name, |_| true).await
    }

    fn all(&self, name: &str) -> Vec<Value> {
        self.log.borrow().events.iter().filter(|(n, _)| n == name).map(|(_, v)| v.clone()).collect()
    }

    fn count(&self) -> usize {
        self.log.borrow().events.len()
    }
}

/// A connected client of `user` that joined `plans`, with its recorder.
async fn joined(user: (u64, &str), plans: &[&str]) -> (PlanClient, Recorder) {
    let client = Opts::new(Some(&token(user.0, user.1).await)).client();
    let rec = Recorder::attach(&client);
    client.connect();
    rec.next("open").await;
    for plan in plans {
        client.join(JsValue::from_str(plan)).unwrap();
        rec.next_where("joined", |j| j["planId"] == *plan).await;
    }
    (client, rec)
}

#[wasm_bindgen(inline_js = r#"
export function install_spies() {
  if (globalThis.__planwireSpies) return;
  const spies = { timers: new Set(), listeners: [] };
  const setT = globalThis.setTimeout, clearT = globalThis.clearTimeout;
  globalThis.setTimeout = function (cb, ms, ...rest) {
    const handle = setT.call(globalThis, function () { spies.timers.delete(handle); return cb.apply(this, arguments); }, ms, ...rest);
    spies.timers.add(handle);
    return handle;
  };
  globalThis.clearTimeout = function (handle) { spies.timers.delete(handle); return clearT.call(globalThis, handle); };
  const watched = new Set(['online', 'offline', 'visibilitychange']);
  const add = EventTarget.prototype.addEventListener, remove = EventTarget.prototype.removeEventListener;
  EventTarget.prototype.addEventListener = function (type, fn, opts) {
    if (watched.has(type)) spies.listeners.push([this, type, fn]);
    return add.call(this, type, fn, opts);
  };
  EventTarget.prototype.removeEventListener = function (type, fn, opts) {
    spies.listeners = spies.listeners.filter(([t, ty, f]) => !(t === this && ty === type && f === fn));
    return remove.call(this, type, fn, opts);
  };
  globalThis.__planwireSpies = spies;
}
export function pending_timers() { return globalThis.__planwireSpies.timers.size; }
export function window_listeners() { return globalThis.__planwireSpies.listeners.length; }
export function fire_window_event(name) { globalThis.dispatchEvent(new Event(name)); }
"#)]
extern "C" {
    fn install_spies();
    fn pending_timers() -> u32;
    fn window_listeners() -> u32;
    fn fire_window_event(name: &str);
}

fn error_message(e: JsValue) -> String {
    e.dyn_into::<js_sys::Error>().expect("an Error").message().into()
}

// ------------------------------------------------------------------------------------ tests

#[wasm_bindgen_test]
fn bad_options_and_arguments_throw_coded_errors() {
    let bad = |o: Opts| error_message(PlanClient::new(o.0.into()).err().expect("refused"));
    assert!(bad(Opts::new(None).set("url", "http://x/ws")).starts_with("INVALID_URL: "));
    assert!(bad(Opts::new(None).set("url", 5)).starts_with("INVALID_URL: "));
    assert_eq!(bad(Opts::new(None).set("jitter", 2)), "INVALID_OPTION: jitter must be between 0 and 1");
    assert!(bad(Opts::new(None).set("pingIntervalMs", "30s")).starts_with("INVALID_OPTION: pingIntervalMs"));
    assert!(bad(Opts::new(None).set("getToken", "abc")).starts_with("INVALID_OPTION: getToken"));
    assert!(bad(Opts::new(None).set("authMode", "cookie")).starts_with("INVALID_OPTION: authMode"));
    assert!(error_message(PlanClient::new(JsValue::from_str("ws://x")).err().unwrap()).starts_with("INVALID_OPTION"));
    let client = Opts::new(Some("t")).set("maxReconnectAttempts", f64::INFINITY).client();
    assert!(error_message(client.join(JsValue::from(123)).unwrap_err()).starts_with("INVALID_PLAN_ID: "));
    assert!(error_message(client.leave(JsValue::from_str("")).unwrap_err()).starts_with("INVALID_PLAN_ID: "));
    assert!(error_message(client.participant_count(JsValue::NULL).unwrap_err()).starts_with("INVALID_PLAN_ID: "));
    let noop = Function::new_no_args("");
    assert!(error_message(client.on(JsValue::from_str("nope"), noop.into()).unwrap_err()).starts_with("INVALID_EVENT: "));
    assert!(error_message(client.on(JsValue::from_str("open"), JsValue::from(1)).unwrap_err()).starts_with("INVALID_CALLBACK: "));
    assert_eq!(client.state(), "idle");
}

#[wasm_bindgen_test]
async fn connects_and_reports_open() {
    within(5000, async {
        let client = Opts::new(Some(&token(1, "alice").await)).client();
        let rec = Recorder::attach(&client);
        let never = Closure::<dyn FnMut(JsValue)>::new(|_| panic!("unsubscribed listener called"));
        let unsubscribe: Function = client.on(JsValue::from_str("stateChanged"), never.as_ref().clone()).unwrap().dyn_into().unwrap();
        unsubscribe.call0(&JsValue::UNDEFINED).unwrap();
        assert_eq!(client.state(), "idle");
        client.connect();
        assert_eq!(client.state(), "connecting");
        let open = rec.next("open").await;
        assert_eq!(open["userId"], 1);
        assert_eq!(open["reconnected"], false);
        let connection_id = open["connectionId"].as_str().unwrap();
        assert_eq!(client.connection_id().as_deref(), Some(connection_id));
        assert_eq!(client.state(), "open");
        assert!(client.is_connected());
        let states: Vec<Value> = rec.all("stateChanged").into_iter().map(|s| s["state"].clone()).collect();
        assert_eq!(states, [json!("connecting"), json!("open")]);
    })
    .await;
}

#[wasm_bindgen_test]
async fn joins_a_room_and_lists_participants() {
    within(5000, async {
        let (client, rec) = joined((1, "alice"), &[]).await;
        client.join(JsValue::from_str("123")).unwrap();
        let j = rec.next("joined").await;
        assert_eq!(j["planId"], "123");
        assert_eq!(j["participants"], json!([{"userId": 1, "userName": "alice"}]));
        assert_eq!(j["participantCount"], 1);
        assert_eq!(client.participant_count(JsValue::from_str("123")).unwrap(), 1);
        let listed = String::from(js_sys::JSON::stringify(&client.participants(JsValue::from_str("123")).unwrap()).unwrap());
        assert_eq!(serde_json::from_str::<Value>(&listed).unwrap(), json!([{"userId": 1, "userName": "alice"}]));
        assert_eq!(client.participant_count(JsValue::from_str("456")).unwrap(), 0);
    })
    .await;
}

#[wasm_bindgen_test]
async fn receives_every_event_type_through_rest() {
    within(10_000, async {
        let (alice, rec) = joined((1, "alice"), &["123"]).await;
        let bob_token = token(2, "bob").await;
        let (bob, _bob_rec) = joined((2, "bob"), &["123"]).await;
        let j = rec.next("userJoined").await;
        assert_eq!((j["planId"].clone(), j["userId"].clone(), j["userName"].clone()), (json!("123"), json!(2), json!("bob")));
        assert_eq!(rec.next_where("participantsChanged", |p| p["participantCount"] == 2).await["participants"].as_array().unwrap().len(), 2);

        let (status, task) = http("POST", "/api/plans/123/tasks", Some(&bob_token), Some(json!({"title": "from the browser"}))).await;
        assert_eq!(status, 201, "{task}");
        let created = rec.next("taskCreated").await;
        assert_eq!(created["task"]["title"], "from the browser");
        assert_eq!(created["planId"], "123");
        assert!(created["seq"].is_u64() && created["timestamp"].is_string(), "{created}");
        let progress = rec.next("progressUpdated").await;
        assert!(progress["progress"]["totalTasks"].as_u64().unwrap() >= 1, "{progress}");

        let id = task["id"].as_u64().unwrap();
        let (status, _) = http("PATCH", &format!("/api/tasks/{id}"), Some(&bob_token), Some(json!({"status": "completed"}))).await;
        assert_eq!(status, 200);
        let updated = rec.next("taskUpdated").await;
        assert_eq!((updated["task"]["id"].as_u64(), updated["task"]["status"].as_str()), (Some(id), Some("completed")));
        rec.next("progressUpdated").await;

        let (_, plan) = http("GET", "/api/plans/123", Some(&bob_token), None).await;
        let mut ids: Vec<String> = plan["tasks"].as_array().unwrap().iter().map(|t| t["id"].to_string()).collect();
        ids.reverse();
        let (status, _) = http("POST", "/api/plans/123/tasks/reorder", Some(&bob_token), Some(json!({"taskIds": ids}))).await;
        assert_eq!(status, 200);
        assert_eq!(rec.next("taskReordered").await["taskIds"], json!(ids));

        let (status, _) = http("DELETE", &format!("/api/tasks/{id}"), Some(&bob_token), None).await;
        assert_eq!(status, 200);
        assert_eq!(rec.next("taskDeleted").await["taskId"], id.to_string());

        // Unknown types pass through; malformed frames are reported and change nothing.
        let conn = alice.connection_id().unwrap();
        fault("malformed", json!({"connectionId": conn, "frame": r#"{"type":"sparkle","planId":"123","data":{"x":1}}"#})).await;
        assert_eq!(rec.next("message").await, json!({"type": "sparkle", "planId": "123", "data": {"x": 1}}));
        fault("malformed", json!({"connectionId": conn, "frame": "{not json"})).await;
        assert_eq!(rec.next("error").await["code"], "INVALID_FRAME");
        fault("malformed", json!({"connectionId": conn, "frame": r#"{"type":"task-deleted","planId":"123","data":{"taskId":7}}"#})).await;
        assert_eq!(rec.next("error").await["code"], "INVALID_FRAME");
        assert_eq!(alice.state(), "open");
        assert_eq!(alice.participant_count(JsValue::from_str("123")).unwrap(), 2);

        // The server refuses a plan alice is not a member of.
        alice.join(JsValue::from_str("456")).unwrap();
        let refused = rec.next("error").await;
        assert_eq!((refused["code"].as_str(), refused["planId"].as_str()), (Some("FORBIDDEN"), Some("456")));

        bob.leave(JsValue::from_str("123")).unwrap();
        let left = rec.next("userLeft").await;
        assert_eq!((left["userId"].clone(), left["participantCount"].clone()), (json!(2), json!(1)));
        assert_eq!(alice.participant_count(JsValue::from_str("123")).unwrap(), 1);
        // Still alive after all that: a change made now still arrives.
        http("POST", "/api/plans/123/tasks", Some(&bob_token), Some(json!({"title": "still here"}))).await;
        assert_eq!(rec.next("taskCreated").await["task"]["title"], "still here");
        assert!(rec.all("resync").is_empty());
    })
    .await;
}

#[wasm_bindgen_test]
async fn counts_a_user_with_two_clients_once() {
    within(10_000, async {
        let (alice, rec) = joined((1, "alice"), &["123"]).await;
        let (bob1, bob1_rec) = joined((2, "bob"), &["123"]).await;
        let (bob2, bob2_rec) = joined((2, "bob"), &["123"]).await;
        let confirm = bob2_rec.all("joined").pop().unwrap();
        assert_eq!(confirm["participantCount"], 2);
        assert_eq!(confirm["participants"].as_array().unwrap().len(), 2);
        // A change broadcast now reaches alice after anything the joins made the server send her.
        let bob_token = token(2, "bob").await;
        http("POST", "/api/plans/123/tasks", Some(&bob_token), Some(json!({"title": "two tabs"}))).await;
        rec.next("taskCreated").await;
        assert_eq!(alice.participant_count(JsValue::from_str("123")).unwrap(), 2);
        assert_eq!(rec.all("userJoined").len(), 1, "bob's second tab is not a new participant");

        // bob's first tab leaves: bob is still there through the second one. Joining 456 after
        // leaving makes the server process the leave before the change below is broadcast.
        bob1.leave(JsValue::from_str("123")).unwrap();
        bob1.join(JsValue::from_str("456")).unwrap();
        bob1_rec.next_where("joined", |j| j["planId"] == "456").await;
        http("POST", "/api/plans/123/tasks", Some(&bob_token), Some(json!({"title": "one tab left"}))).await;
        rec.next("taskCreated").await;
        assert!(rec.all("userLeft").is_empty());
        assert_eq!(alice.participant_count(JsValue::from_str("123")).unwrap(), 2);

        // The last tab goes: now bob left.
        bob2.close();
        let left = rec.next("userLeft").await;
        assert_eq!((left["userId"].clone(), left["participantCount"].clone()), (json!(2), json!(1)));
        let listed = String::from(js_sys::JSON::stringify(&alice.participants(JsValue::from_str("123")).unwrap()).unwrap());
        assert_eq!(serde_json::from_str::<Value>(&listed).unwrap(), json!([{"userId": 1, "userName": "alice"}]));
    })
    .await;
}

#[wasm_bindgen_test]
async fn reconnects_and_rejoins_after_a_server_restart() {
    within(10_000, async {
        let client = Opts::new(Some(&token(1, "alice").await)).set("maxReconnectAttempts", f64::INFINITY).client();
        let rec = Recorder::attach(&client);
        client.connect();
        client.join(JsValue::from_str("123")).unwrap();
        rec.next("joined").await;
        fault("restart", json!({"downMs": 500})).await;
        let close = rec.next("close").await;
        assert_eq!(close["willReconnect"], true, "{close}");
        rec.next("reconnecting").await;
        let open = rec.next_where("open", |o| o["reconnected"] == true).await;
        assert!(open["connectionId"].is_string());
        rec.next("reconnected").await;
        let rejoined = rec.next("joined").await;
        assert_eq!(rejoined["planId"], "123");
        assert_eq!(rejoined["recovered"], true, "{rejoined}");
        http("POST", "/api/plans/123/tasks", Some(&token(2, "bob").await), Some(json!({"title": "after restart"}))).await;
        assert_eq!(rec.next("taskCreated").await["task"]["title"], "after restart");
        assert!(rec.all("resync").is_empty());
        assert_eq!(client.state(), "open");
    })
    .await;
}

#[wasm_bindgen_test]
async fn detects_a_frozen_link_and_replaces_it() {
    within(8000, async {
        let client = Opts::new(Some(&token(1, "alice").await))
            .set("pingIntervalMs", 300)
            .set("pongTimeoutMs", 300)
            .client();
        let rec = Recorder::attach(&client);
        client.connect();
        let first = rec.next("open").await["connectionId"].clone();
        client.join(JsValue::from_str("123")).unwrap();
        rec.next("joined").await;
        let frozen_at = js_sys::Date::now();
        fault("freeze", json!({"connectionId": first})).await;
        let close = rec.next("close").await;
        let detected_after = js_sys::Date::now() - frozen_at;
        assert_eq!(close, json!({"code": 4000, "reason": "pong timeout", "willReconnect": true}));
        assert!(detected_after <= 300.0 + 300.0 + 500.0, "detected after {detected_after} ms");
        let second = rec.next_where("open", |o| o["reconnected"] == true).await["connectionId"].clone();
        assert_ne!(first, second);
        assert_eq!(rec.next("joined").await["planId"], "123");
    })
    .await;
}

#[wasm_bindgen_test]
async fn unauthorized_tokens_fail_without_a_retry_storm() {
    within(8000, async {
        // A fixed token the server refuses: closed with 4001, failed, no retry.
        let client = Opts::new(Some("not-a-jwt")).client();
        let rec = Recorder::attach(&client);
        client.connect();
        assert_eq!(rec.next("close").await, json!({"code": 4001, "reason": rec.all("close")[0]["reason"], "willReconnect": false}));
        assert_eq!(rec.next("failed").await["reason"], "unauthorized");
        assert_eq!(client.state(), "failed");
        assert!(rec.all("reconnecting").is_empty());

        // getToken keeps giving bad tokens: one fresh token, one retry, then failed.
        let calls = Rc::new(Cell::new(0));
        let bad = get_token(calls.clone(), || Promise::resolve(&JsValue::from_str("still-not-a-jwt")));
        let client = Opts::new(None).set("getToken", bad.as_ref().clone()).client();
        let rec = Recorder::attach(&client);
        client.connect();
        assert_eq!(rec.next("failed").await["reason"], "unauthorized");
        assert_eq!(calls.get(), 2);
        assert_eq!(rec.all("close").len(), 2);

        // getToken rejects: failed with the reason, asked once.
        let calls = Rc::new(Cell::new(0));
        let rejecting = get_token(calls.clone(), || Promise::reject(&js_sys::Error::new("auth server down").into()));
        let client = Opts::new(None).set("getToken", rejecting.as_ref().clone()).client();
        let rec = Recorder::attach(&client);
        client.connect();
        assert_eq!(rec.next("failed").await["reason"], "token-error: auth server down");
        assert_eq!(calls.get(), 1);
        assert_eq!(client.state(), "failed");
    })
    .await;
}

#[wasm_bindgen_test]
async fn get_token_is_called_on_every_reconnect() {
    within(10_000, async {
        let calls = Rc::new(Cell::new(0));
        let fresh = get_token(calls.clone(), || {
            wasm_bindgen_futures::future_to_promise(async { Ok(JsValue::from_str(&token(1, "alice").await)) })
        });
        let client = Opts::new(None).set("getToken", fresh.as_ref().clone()).client();
        let rec = Recorder::attach(&client);
        client.connect();
        client.join(JsValue::from_str("123")).unwrap();
        let first = rec.next("open").await["connectionId"].clone();
        rec.next("joined").await;
        assert_eq!(calls.get(), 1);

        // The server drops the connection: a new token for the reconnect.
        fault("drop", json!({"connectionId": first, "code": 1012, "reason": "restarting"})).await;
        assert_eq!(rec.next("close").await, json!({"code": 1012, "reason": "restarting", "willReconnect": true}));
        let second = rec.next_where("open", |o| o["reconnected"] == true).await["connectionId"].clone();
        assert_eq!(calls.get(), 2);
        rec.next("joined").await;

        // The token expires: 4001, a fresh token, reconnect, re-join.
        fault("expire-token", json!({"connectionId": second})).await;
        let close = rec.next("close").await;
        assert_eq!((close["code"].clone(), close["willReconnect"].clone()), (json!(4001), json!(true)));
        rec.next_where("open", |o| o["reconnected"] == true).await;
        assert_eq!(calls.get(), 3);
        assert_eq!(rec.next("joined").await["planId"], "123");
        assert_eq!(client.state(), "open");
    })
    .await;
}

#[wasm_bindgen_test]
async fn close_and_free_leave_nothing_running() {
    within(10_000, async {
        install_spies();
        let alice = token(1, "alice").await;
        let (timers, listeners, sockets) = (pending_timers(), window_listeners(), server_connections().await);

        let client = Opts::new(Some(&alice)).set("pingIntervalMs", 200).set("pongTimeoutMs", 200).client();
        let rec = Recorder::attach(&client);
        client.connect();
        client.join(JsValue::from_str("123")).unwrap();
        rec.next("joined").await;
        assert!(pending_timers() > timers, "the ping timer is armed");
        assert_eq!(window_listeners(), listeners + 3, "online, offline, visibilitychange");
        until_server_connections(sockets + 1).await;

        client.close();
        assert_eq!(rec.next("close").await, json!({"code": 1000, "reason": "", "willReconnect": false}));
        assert_eq!(client.state(), "closed");
        assert_eq!(pending_timers(), timers, "no timer left");
        assert_eq!(window_listeners(), listeners, "no window listener left");
        until_server_connections(sockets).await;
        // Provoked, a closed client still does nothing: no event, no socket.
        let seen = rec.count();
        fire_window_event("online");
        http("POST", "/api/plans/123/tasks", Some(&alice), Some(json!({"title": "nobody listens"}))).await;
        sleep(600).await;
        assert_eq!(rec.count(), seen);
        assert_eq!(server_connections().await, sockets);

        // free() (Drop) of a connected client releases everything too.
        let client = Opts::new(Some(&alice)).client();
        let rec = Recorder::attach(&client);
        client.connect();
        rec.next("open").await;
        until_server_connections(sockets + 1).await;
        drop(client);
        assert_eq!(pending_timers(), timers);
        assert_eq!(window_listeners(), listeners);
        until_server_connections(sockets).await;
        let seen = rec.count();
        sleep(300).await;
        assert_eq!(rec.count(), seen, "a freed client emits nothing");
    })
    .await;
}

#[wasm_bindgen_test]
async fn listeners_may_call_back_into_the_client() {
    within(8000, async {
        let client = Rc::new(Opts::new(Some(&token(1, "alice").await)).client());
        let rec = Recorder::attach(&client);
        let weak = Rc::downgrade(&client);
        let join_on_open = Closure::<dyn FnMut(JsValue)>::new(move |_| {
            let c = weak.upgrade().unwrap();
            c.join(JsValue::from_str("123")).unwrap();
            assert_eq!(c.state(), "open");
        });
        client.on(JsValue::from_str("open"), join_on_open.as_ref().clone()).unwrap();
        let weak = Rc::downgrade(&client);
        let close_on_joined = Closure::<dyn FnMut(JsValue)>::new(move |_| {
            let c = weak.upgrade().unwrap();
            c.leave(JsValue::from_str("123")).unwrap();
            c.close();
        });
        client.on(JsValue::from_str("joined"), close_on_joined.as_ref().clone()).unwrap();
        client.connect();
        rec.next_where("stateChanged", |s| s["state"] == "closed").await;
        assert_eq!(client.state(), "closed");
        assert_eq!(rec.all("joined").len(), 1);

        // A listener may even drop the last reference to the client while it dispatches.
        let holder = Rc::new(RefCell::new(Some(Opts::new(Some(&token(1, "alice").await)).client())));
        let rec = Recorder::attach(holder.borrow().as_ref().unwrap());
        let h = holder.clone();
        let drop_on_open = Closure::<dyn FnMut(JsValue)>::new(move |_| drop(h.borrow_mut().take()));
        holder.borrow().as_ref().unwrap().on(JsValue::from_str("open"), drop_on_open.as_ref().clone()).unwrap();
        holder.borrow().as_ref().unwrap().connect();
        rec.next("open").await;
        assert!(holder.borrow().is_none());
        let seen = rec.count();
        sleep(200).await;
        assert_eq!(rec.count(), seen);
    })
    .await;
}

#[wasm_bindgen_test]
async fn authenticates_with_the_first_frame() {
    within(5000, async {
        let client = Opts::new(Some(&token(2, "bob").await)).set("authMode", "message").client();
        let rec = Recorder::attach(&client);
        client.connect();
        assert_eq!(rec.next("open").await["userId"], 2);
        client.join(JsValue::from_str("456")).unwrap();
        assert_eq!(rec.next("joined").await["planId"], "456");
    })
    .await;
}

#[wasm_bindgen_test]
async fn offline_and_online_events_drive_the_connection() {
    within(8000, async {
        // A long backoff: only the `online` event can bring the client back within the timeout.
        let client = Opts::new(Some(&token(1, "alice").await)).set("baseDelayMs", 60_000).set("maxDelayMs", 60_000).client();
        let rec = Recorder::attach(&client);
        client.connect();
        rec.next("open").await;
        fire_window_event("offline");
        assert_eq!(rec.next("close").await, json!({"code": 4000, "reason": "offline", "willReconnect": true}));
        assert_eq!(client.state(), "reconnecting");
        fire_window_event("online");
        assert_eq!(rec.next_where("open", |o| o["reconnected"] == true).await["userId"], 1);
        assert!(rec.all("reconnecting").is_empty(), "no backoff was scheduled");
    })
    .await;
}

/// Bob's client in plan 456 with a reconnect delay of `delay_ms` (no jitter), joined; returns it,
/// its recorder and its connection id.
async fn bob_in_456(delay_ms: u32) -> (PlanClient, Recorder, Value) {
    let client = Opts::new(Some(&token(2, "bob").await)).set("baseDelayMs", delay_ms).set("maxDelayMs", delay_ms).client();
    let rec = Recorder::attach(&client);
    client.connect();
    let id = rec.next("open").await["connectionId"].clone();
    client.join(JsValue::from_str("456")).unwrap();
    rec.next("joined").await;
    (client, rec, id)
}

/// The `(seq, title)` of every `taskUpdated` recorded so far.
fn updates(rec: &Recorder) -> Vec<(u64, String)> {
    rec.all("taskUpdated").iter().map(|u| (u["seq"].as_u64().unwrap(), u["task"]["title"].as_str().unwrap().to_owned())).collect()
}

#[wasm_bindgen_test]
async fn a_gap_left_by_its_own_rest_change_is_recovered() {
    within(8000, async {
        let (_client, rec, id) = bob_in_456(50).await;
        let bob = token(2, "bob").await;
        // The server skips this connection for its own change, then broadcasts the next one.
        patch_as_connection(7, &bob, id.as_str().unwrap(), "mine").await;
        http("PATCH", "/api/tasks/7", Some(&bob), Some(json!({"title": "theirs"}))).await;
        rec.next_where("taskUpdated", |u| u["task"]["title"] == "theirs").await;
        let got = updates(&rec);
        assert_eq!(got.iter().map(|(_, t)| t.as_str()).collect::<Vec<_>>(), ["mine", "theirs"], "replayed in order");
        assert_eq!(got[1].0, got[0].0 + 1);
        assert!(rec.all("resync").is_empty());
        assert_eq!(rec.all("joined").len(), 1, "the recovery is not reported as a new join");
    })
    .await;
}

#[wasm_bindgen_test]
async fn recovers_1000_events_broadcast_while_away() {
    within(20_000, async {
        // The reconnect waits 1.5 s: the whole flood happens while the client is away.
        let (client, rec, id) = bob_in_456(1500).await;
        fault("drop", json!({"connectionId": id, "abrupt": true})).await;
        let close = rec.next("close").await;
        assert_eq!((close["code"].clone(), close["willReconnect"].clone()), (json!(1006), json!(true)), "{close}");
        assert_eq!(fault("flood", json!({"planId": "456", "count": 1000}))
            .await["sent"], 1000);
        assert_eq!(rec.all("open").len(), 1, "the flood ended before the reconnect");
        rec.next_where("open", |o| o["reconnected"] == true).await;
        assert_eq!(rec.next("joined").await["recovered"], true);
        rec.next_where("taskUpdated", |u| u["task"]["title"] == "flood 1000 of 1000").await;
        let got = updates(&rec);
        assert_eq!(got.len(), 1000, "each event applied exactly once");
        let first = got[0].0;
        for (i, (seq, title)) in got.iter().enumerate() {
            assert_eq!((*seq, title.as_str()), (first + i as u64, format!("flood {} of 1000", i + 1).as_str()));
        }
        assert!(rec.all("resync").is_empty(), "{:?}", rec.all("resync"));
        assert_eq!(client.state(), "open");
    })
    .await;
}

#[wasm_bindgen_test]
async fn away_past_the_history_bound_resyncs() {
    within(30_000, async {
        let (_client, rec, id) = bob_in_456(4000).await;
        fault("drop", json!({"connectionId": id, "abrupt": true})).await;
        rec.next("close").await;
        // The server keeps 10,000 events per room (the default `--history-max-events`).
        fault("flood", json!({"planId": "456", "count": 10_050})).await;
        assert_eq!(rec.all("open").len(), 1, "the flood ended before the reconnect");
        rec.next_where("open", |o| o["reconnected"] == true).await;
        assert_eq!(rec.next("joined").await["recovered"], false);
        assert_eq!(rec.next("resync").await, json!({"planId": "456", "reason": "not-recovered"}));
        assert!(updates(&rec).is_empty(), "nothing replayed");
        // Live events continue after the resync.
        let bob = token(2, "bob").await;
        http("PATCH", "/api/tasks/7", Some(&bob), Some(json!({"title": "after resync"}))).await;
        assert_eq!(rec.next("taskUpdated").await["task"]["title"], "after resync");
    })
    .await;
}

#[wasm_bindgen_test]
async fn a_slow_consumer_closed_with_1013_reconnects_and_resyncs() {
    within(20_000, async {
        let (_client, rec, _) = bob_in_456(50).await;
        // Every outgoing frame waits 200 ms: the flood fills the 1024-frame send queue.
        fault("delay", json!({"ms": 200})).await;
        fault("flood", json!({"planId": "456", "count": 1100})).await;
        let close = rec.next("close").await;
        fault("delay", json!({"ms": 0})).await;
        assert_eq!(close, json!({"code": 1013, "reason": "send queue full", "willReconnect": true}));
        rec.next_where("open", |o| o["reconnected"] == true).await;
        // More than a queue's worth was missed, more than the server replays in one join.
        assert_eq!(rec.next("joined").await["recovered"], false);
        assert_eq!(rec.next("resync").await["reason"], "not-recovered");
        let bob = token(2, "bob").await;
        http("PATCH", "/api/tasks/7", Some(&bob), Some(json!({"title": "after 1013"}))).await;
        assert_eq!(rec.next_where("taskUpdated", |u| u["task"]["title"] == "after 1013").await["planId"], "456");
    })
    .await;
}
