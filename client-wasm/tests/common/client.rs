//! Clients: options, the event [`Recorder`], listener [`Failures`], JS value helpers and the
//! room helpers the tests share.

use js_sys::{Array, Object, Reflect};
use planwire_client::PlanClient;
use serde_json::Value;
use std::cell::RefCell;
use std::collections::HashMap;
use std::future::poll_fn;
use std::rc::Rc;
use std::task::{Poll, Waker};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use super::server::{Server, MAIN};
use super::time::Awaiting;

/// A JSON copy of a JS value (null when it has none).
pub fn to_json(value: &JsValue) -> Value {
    if value.is_undefined() {
        return Value::Null;
    }
    match js_sys::JSON::stringify(value).ok().and_then(|s| s.as_string()) {
        Some(text) => serde_json::from_str(&text).unwrap_or_else(|e| Value::String(format!("<unparsable JSON {text:?}: {e}>"))),
        None => Value::String(format!("<not serialisable: {value:?}>")),
    }
}

/// How a thrown JS value reads.
pub fn describe(value: &JsValue) -> String {
    match value.dyn_ref::<js_sys::Error>() {
        Some(e) => format!("{}: {}", String::from(e.name()), String::from(e.message())),
        None => format!("{value:?}"),
    }
}

/// The message of a thrown `Error` (fails when something else was thrown).
pub fn error_message(thrown: JsValue) -> String {
    match thrown.dyn_ref::<js_sys::Error>() {
        Some(e) => e.message().into(),
        None => panic!("expected an Error to be thrown, got {thrown:?}"),
    }
}

/// Values as JSON, for assertion messages.
pub fn shown(values: &[Value]) -> String {
    Value::Array(values.to_vec()).to_string()
}

/// A plan id argument.
pub fn plan(id: &str) -> JsValue {
    JsValue::from_str(id)
}

// ------------------------------------------------------------------------------ clients

/// Client options: a server, a token, fast deterministic backoff (50 ms doubling up to 400 ms, no jitter).
pub struct Opts(Object);

impl Opts {
    /// Options for [`MAIN`].
    pub fn new(token: Option<&str>) -> Opts {
        Opts::on(&MAIN, token)
    }

    pub fn on(server: &Server, token: Option<&str>) -> Opts {
        let o = Opts(Object::new()).set("url", server.ws_url()).set("baseDelayMs", 50).set("maxDelayMs", 400).set("jitter", 0);
        match token {
            Some(t) => o.set("token", t),
            None => o,
        }
    }

    pub fn set(self, key: &str, value: impl Into<JsValue>) -> Opts {
        Reflect::set(&self.0, &JsValue::from_str(key), &value.into()).expect("setting a property of a plain object");
        self
    }

    pub fn try_client(self) -> Result<PlanClient, JsValue> {
        PlanClient::new(self.0.into())
    }

    pub fn client(self) -> PlanClient {
        let shown = to_json(&self.0);
        self.try_client().unwrap_or_else(|e| panic!("PlanClient::new({shown}) refused: {}", describe(&e)))
    }
}

/// Subscribes `callback` to `event`; returns the unsubscribe function.
pub fn on(client: &PlanClient, event: &str, callback: &Closure<dyn FnMut(JsValue)>) -> js_sys::Function {
    let unsubscribe = client
        .on(JsValue::from_str(event), callback.as_ref().clone())
        .unwrap_or_else(|e| panic!("on({event:?}) refused: {}", describe(&e)));
    unsubscribe
        .dyn_into()
        .unwrap_or_else(|v| panic!("on({event:?}) returned {v:?}, not a function"))
}

/// Every event name of the client.
pub const EVENTS: [&str; 20] = [
    "stateChanged", "open", "close", "reconnecting", "reconnected", "failed", "error", "joined", "userJoined",
    "userLeft", "participantsChanged", "taskUpdated", "taskCreated", "taskDeleted", "taskReordered",
    "progressUpdated", "resync", "message", "presenceChanged", "planChanged",
];

#[derive(Default)]
pub struct Log {
    events: Vec<(String, Value)>,
    cursors: HashMap<String, usize>,
    wakers: Vec<Waker>,
}

impl Log {
    /// The last `n` events, shortened.
    pub(super) fn summary(&self, n: usize) -> String {
        let from = self.events.len().saturating_sub(n);
        let shown: Vec<String> = self.events[from..]
            .iter()
            .map(|(name, payload)| {
                let mut text = format!("{name} {payload}");
                if text.len() > 140 {
                    let mut end = 137;
                    while !text.is_char_boundary(end) {
                        end -= 1;
                    }
                    text.truncate(end);
                    text.push_str("...");
                }
                text
            })
            .collect();
        format!("[{}] ({} events in all)", shown.join(", "), self.events.len())
    }
}

/// Records every event of a client and lets a test await them in order, per event name.
/// Declare it after its client, so it is dropped first.
pub struct Recorder {
    log: Rc<RefCell<Log>>,
    _listeners: Vec<Closure<dyn FnMut(JsValue)>>,
}

impl Recorder {
    pub fn attach(client: &PlanClient) -> Recorder {
        let log = Rc::new(RefCell::new(Log::default()));
        let listeners = EVENTS
            .iter()
            .map(|name| {
                let (log, owned) = (log.clone(), name.to_string());
                let listener = Closure::<dyn FnMut(JsValue)>::new(move |payload: JsValue| {
                    let mut log = log.borrow_mut();
                    log.events.push((owned.clone(), to_json(&payload)));
                    log.wakers.drain(..).for_each(Waker::wake);
                });
                on(client, name, &listener);
                listener
            })
            .collect();
        Recorder { log, _listeners: listeners }
    }

    /// The next `name` event matching `pred` (described by `what` in a timeout message), after the
    /// last one this returned for `name`.
    pub async fn next_where(&self, name: &str, what: &str, pred: impl Fn(&Value) -> bool) -> Value {
        let _awaiting = Awaiting::new(format!("`{name}` {what}"), Some(&self.log));
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

    pub async fn next(&self, name: &str) -> Value {
        self.next_where(name, "", |_| true).await
    }

    /// The next `open` of a reconnection (`reconnected: true`).
    pub async fn reopened(&self) -> Value {
        self.next_where("open", "with reconnected: true", |o| o["reconnected"] == true).await
    }

    /// Every `name` event recorded so far.
    pub fn all(&self, name: &str) -> Vec<Value> {
        self.log.borrow().events.iter().filter(|(n, _)| n == name).map(|(_, v)| v.clone()).collect()
    }

    /// How many events were recorded.
    pub fn count(&self) -> usize {
        self.log.borrow().events.len()
    }

    /// The last events, for assertion messages.
    pub fn summary(&self) -> String {
        self.log.borrow().summary(12)
    }
}

/// Failures of assertions made inside listeners: a listener must not panic (that would abort the
/// wasm instance in the middle of the client's dispatch), so it reports here and the test checks.
#[derive(Clone, Default)]
pub struct Failures(Rc<RefCell<Vec<String>>>);

impl Failures {
    /// A listener running `body`; an `Err` is recorded.
    pub fn listener(&self, mut body: impl FnMut(JsValue) -> Result<(), String> + 'static) -> Closure<dyn FnMut(JsValue)> {
        let failures = self.0.clone();
        Closure::new(move |payload: JsValue| {
            if let Err(e) = body(payload) {
                failures.borrow_mut().push(e);
            }
        })
    }

    /// Fails the test with the first failure recorded.
    pub fn check(&self) {
        if let Some(first) = self.0.borrow().first() {
            panic!("in a listener: {first}");
        }
    }
}

/// A connected client of `user` on [`MAIN`] that joined `plans`, with its recorder.
pub async fn joined(user: (u64, &str), plans: &[&str]) -> (PlanClient, Recorder) {
    let client = Opts::new(Some(&MAIN.token(user.0, user.1).await)).client();
    let rec = Recorder::attach(&client);
    client.connect();
    rec.next("open").await;
    for p in plans {
        join(&client, p);
        rec.next_where("joined", &format!("for plan {p}"), |j| j["planId"] == *p).await;
    }
    (client, rec)
}

/// `client.join(plan_id)`, which must be accepted.
pub fn join(client: &PlanClient, plan_id: &str) {
    client.join(plan(plan_id)).unwrap_or_else(|e| panic!("join({plan_id:?}) refused: {}", describe(&e)));
}

/// `client.leave(plan_id)`, which must be accepted.
pub fn leave(client: &PlanClient, plan_id: &str) {
    client.leave(plan(plan_id)).unwrap_or_else(|e| panic!("leave({plan_id:?}) refused: {}", describe(&e)));
}

pub fn participant_count(client: &PlanClient, plan_id: &str) -> u32 {
    client.participant_count(plan(plan_id)).unwrap_or_else(|e| panic!("participant_count({plan_id:?}): {}", describe(&e)))
}

pub fn participants(client: &PlanClient, plan_id: &str) -> Value {
    to_json(&client.participants(plan(plan_id)).unwrap_or_else(|e| panic!("participants({plan_id:?}): {}", describe(&e))))
}

/// Bob's client in plan 456 on `server` with a reconnect delay of `delay_ms` (no jitter), joined;
/// returns it, its recorder and its connection id.
pub async fn bob_in_456(server: &Server, delay_ms: u32) -> (PlanClient, Recorder, String) {
    let client = Opts::on(server, Some(&server.token(2, "bob").await)).set("baseDelayMs", delay_ms).set("maxDelayMs", delay_ms).client();
    let rec = Recorder::attach(&client);
    client.connect();
    let open = rec.next("open").await;
    let Some(id) = open["connectionId"].as_str() else { panic!("an open without a connectionId: {open}") };
    join(&client, "456");
    rec.next("joined").await;
    (client, rec, id.to_owned())
}

/// The `(seq, title)` of every `taskUpdated` recorded so far.
pub fn updates(rec: &Recorder) -> Vec<(u64, String)> {
    rec.all("taskUpdated")
        .iter()
        .map(|u| match (u["seq"].as_u64(), u["task"]["title"].as_str()) {
            (Some(seq), Some(title)) => (seq, title.to_owned()),
            _ => panic!("a taskUpdated without a seq or a title: {u}"),
        })
        .collect()
}

/// Asserts that `got` holds exactly `titles`, in order, with consecutive `seq`s.
pub fn assert_in_order_once(got: &[(u64, String)], titles: &[String]) {
    let seen: Vec<&str> = got.iter().map(|(_, t)| t.as_str()).collect();
    assert_eq!(seen, titles.iter().map(String::as_str).collect::<Vec<_>>(), "each change exactly once, in order");
    for pair in got.windows(2) {
        assert_eq!(pair[1].0, pair[0].0 + 1, "consecutive seq: {got:?}");
    }
}

/// The strings `format!("{prefix} {i}")` for `i` in `range`.
pub fn titles(prefix: &str, range: std::ops::RangeInclusive<u32>) -> Vec<String> {
    range.map(|i| format!("{prefix} {i}")).collect()
}

/// Lists a JS array of strings.
pub fn strings(array: &Array) -> Vec<String> {
    array.iter().map(|v| v.as_string().unwrap_or_else(|| format!("{v:?}"))).collect()
}
