//! The connection: options, states, server restarts, dead links and the browser's network events.
//! The wasm client in headless Chrome and Firefox against a live `mock-server --enable-faults`
//! (`PLANWIRE_TEST_SERVER`; run by `scripts/test-browser.sh`). Every test has its own timeout.
//!
//! Checklist:
//! - [x] bad options and arguments throw `Error("CODE: …")`
//! - [x] every option is read by its name (a bad value of each is refused with that name)
//! - [x] connect: states, the `open` payload, unsubscribing
//! - [x] reconnect and re-join (recovered) after the server stops and starts listening again
//! - [x] dead-link detection: a frozen connection is closed (4000 `pong timeout`) and replaced
//! - [x] the window's `offline` drops the link at once; `online` reconnects at once
#![cfg(target_arch = "wasm32")]

mod common;

use common::*;
use js_sys::Function;
use planwire_client::PlanClient;
use serde_json::{json, Value};
use std::cell::Cell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
async fn bad_options_and_arguments_throw_coded_errors() {
    within(5000, async {
        let bad = |o: Opts| match o.try_client() {
            Ok(_) => panic!("PlanClient::new accepted bad options"),
            Err(e) => error_message(e),
        };
        let starts = |text: String, prefix: &str| assert!(text.starts_with(prefix), "{text:?} starts with {prefix:?}");
        starts(bad(Opts::new(None).set("url", "http://x/ws")), "INVALID_URL: ");
        starts(bad(Opts::new(None).set("url", 5)), "INVALID_URL: ");
        assert_eq!(bad(Opts::new(None).set("jitter", 2)), "INVALID_OPTION: jitter must be between 0 and 1");
        starts(bad(Opts::new(None).set("pingIntervalMs", "30s")), "INVALID_OPTION: pingIntervalMs");
        starts(bad(Opts::new(None).set("getToken", "abc")), "INVALID_OPTION: getToken");
        starts(bad(Opts::new(None).set("authMode", "cookie")), "INVALID_OPTION: authMode");
        let share = "INVALID_OPTION: shareConnection must be a boolean or a non-empty string";
        assert_eq!(bad(Opts::new(None).set("shareConnection", 1)), share);
        assert_eq!(bad(Opts::new(None).set("shareConnection", "")), share);
        match PlanClient::new(JsValue::from_str("ws://x")) {
            Ok(_) => panic!("PlanClient::new accepted a string as options"),
            Err(e) => starts(error_message(e), "INVALID_OPTION"),
        }

        let client = Opts::new(Some("t")).set("maxReconnectAttempts", f64::INFINITY).client();
        let refused = |r: Result<(), JsValue>| match r {
            Ok(()) => panic!("accepted a bad plan id"),
            Err(e) => error_message(e),
        };
        starts(refused(client.join(JsValue::from(123))), "INVALID_PLAN_ID: ");
        starts(refused(client.leave(JsValue::from_str(""))), "INVALID_PLAN_ID: ");
        match client.participant_count(JsValue::NULL) {
            Ok(n) => panic!("participant_count(null) answered {n}"),
            Err(e) => starts(error_message(e), "INVALID_PLAN_ID: "),
        }
        let noop = Function::new_no_args("");
        match client.on(JsValue::from_str("nope"), noop.into()) {
            Ok(_) => panic!("on('nope') accepted"),
            Err(e) => starts(error_message(e), "INVALID_EVENT: "),
        }
        match client.on(JsValue::from_str("open"), JsValue::from(1)) {
            Ok(_) => panic!("on('open', 1) accepted"),
            Err(e) => starts(error_message(e), "INVALID_CALLBACK: "),
        }
        assert_eq!(client.state(), "idle");
    })
    .await;
}

#[wasm_bindgen_test]
async fn every_option_is_read_by_its_name() {
    within(5000, async {
        let cases: [(&str, JsValue); 17] = [
            ("token", "".into()),
            ("getToken", "abc".into()),
            ("authMode", "cookie".into()),
            ("maxReconnectAttempts", (-1).into()),
            ("baseDelayMs", 0.into()),
            ("maxDelayMs", 0.into()),
            ("jitter", 2.into()),
            ("stableAfterMs", (-1).into()),
            ("pingIntervalMs", 0.into()),
            ("pongTimeoutMs", 0.into()),
            ("connectTimeoutMs", 0.into()),
            ("reviveIntervalMs", (-1).into()),
            ("WebSocket", 5.into()),
            ("shareConnection", 1.into()),
            ("restUrl", "ftp://x".into()),
            ("api", 5.into()),
            ("debug", 5.into()),
        ];
        for (name, value) in cases {
            let message = match Opts::new(None).set(name, value).try_client() {
                Ok(_) => panic!("PlanClient::new accepted a bad {name}"),
                Err(e) => error_message(e),
            };
            let expected = ["INVALID_OPTION: ", name, " "].concat();
            assert!(message.starts_with(&expected), "{message:?} starts with {expected:?}");
        }
        let message = match PlanClient::new(js_sys::Object::new().into()) {
            Ok(_) => panic!("PlanClient::new accepted options without a url"),
            Err(e) => error_message(e),
        };
        assert!(message.starts_with("INVALID_URL: "), "{message:?}");
    })
    .await;
}

#[wasm_bindgen_test]
async fn connects_and_reports_open() {
    within(5000, async {
        let client = Opts::new(Some(&MAIN.token(1, "alice").await)).client();
        let rec = Recorder::attach(&client);
        let called = Rc::new(Cell::new(false));
        let flag = called.clone();
        let never = Closure::<dyn FnMut(JsValue)>::new(move |_| flag.set(true));
        let unsubscribe = on(&client, "stateChanged", &never);
        if let Err(e) = unsubscribe.call0(&JsValue::UNDEFINED) {
            panic!("unsubscribing threw {}", describe(&e));
        }
        assert_eq!(client.state(), "idle");
        assert!(!client.is_connected());
        assert!(client.connection_id().is_undefined());
        client.connect();
        assert_eq!(client.state(), "connecting");
        let open = rec.next("open").await;
        assert_eq!(open["userId"], 1, "{open}");
        assert_eq!(open["reconnected"], false, "{open}");
        let Some(connection_id) = open["connectionId"].as_str() else { panic!("a connectionId in {open}") };
        assert_eq!(client.connection_id().as_string().as_deref(), Some(connection_id));
        assert_eq!(client.state(), "open");
        assert!(client.is_connected());
        let states: Vec<Value> = rec.all("stateChanged").into_iter().map(|s| s["state"].clone()).collect();
        assert_eq!(states, [json!("connecting"), json!("open")]);
        assert!(!called.get(), "the unsubscribed listener is not called");
    })
    .await;
}

#[wasm_bindgen_test]
async fn reconnects_and_rejoins_after_a_server_restart() {
    within(10_000, async {
        let client = Opts::new(Some(&MAIN.token(1, "alice").await)).set("maxReconnectAttempts", f64::INFINITY).client();
        let rec = Recorder::attach(&client);
        client.connect();
        join(&client, "123");
        rec.next("joined").await;
        MAIN.fault("restart", json!({"downMs": 500})).await;
        let close = rec.next("close").await;
        assert_eq!(close["willReconnect"], true, "{close}");
        rec.next("reconnecting").await;
        let open = rec.reopened().await;
        assert!(open["connectionId"].is_string(), "{open}");
        rec.next("reconnected").await;
        let rejoined = rec.next("joined").await;
        assert_eq!(rejoined["planId"], "123", "{rejoined}");
        assert_eq!(rejoined["recovered"], true, "{rejoined}");
        let bob = MAIN.token(2, "bob").await;
        let (status, body) = MAIN.http("POST", "/api/plans/123/tasks", Some(&bob), Some(json!({"title": "after restart"}))).await;
        assert_eq!(status, 201, "{body}");
        assert_eq!(rec.next("taskCreated").await["task"]["title"], "after restart");
        assert!(rec.all("resync").is_empty(), "{}", shown(&rec.all("resync")));
        assert_eq!(client.state(), "open");
    })
    .await;
}

#[wasm_bindgen_test]
async fn detects_a_frozen_link_and_replaces_it() {
    within(8000, async {
        let client = Opts::new(Some(&MAIN.token(1, "alice").await)).set("pingIntervalMs", 300).set("pongTimeoutMs", 300).client();
        let rec = Recorder::attach(&client);
        client.connect();
        let open = rec.next("open").await;
        let Some(first) = open["connectionId"].as_str().map(str::to_owned) else { panic!("a connectionId in {open}") };
        // Hygiene, not an assertion: a frozen connection never answers the browser's close, so it
        // could linger in the server's connection count (which later tests read); drop it for good.
        let id = first.clone();
        let cleanup = Cleanup::new(async move {
            MAIN.http("POST", "/api/v1/faults/drop", None, Some(json!({"connectionId": id, "abrupt": true}))).await;
        });
        join(&client, "123");
        rec.next("joined").await;
        let frozen_at = now();
        MAIN.fault("freeze", json!({"connectionId": first})).await;
        let close = rec.next("close").await;
        let detected_after = now() - frozen_at;
        assert_eq!(close, json!({"code": 4000, "reason": "pong timeout", "willReconnect": true}));
        assert!(detected_after <= 300.0 + 300.0 + 500.0, "detected after {detected_after} ms");
        let second = rec.reopened().await["connectionId"].clone();
        assert_ne!(second, json!(first), "a new connection");
        assert_eq!(rec.next("joined").await["planId"], "123");
        cleanup.run().await;
    })
    .await;
}

#[wasm_bindgen_test]
async fn offline_and_online_events_drive_the_connection() {
    within(8000, async {
        // A long backoff: only the `online` event can bring the client back within the timeout.
        let client = Opts::new(Some(&MAIN.token(1, "alice").await)).set("baseDelayMs", 60_000).set("maxDelayMs", 60_000).client();
        let rec = Recorder::attach(&client);
        client.connect();
        rec.next("open").await;
        fire_window_event("offline");
        assert_eq!(rec.next("close").await, json!({"code": 4000, "reason": "offline", "willReconnect": true}));
        assert_eq!(client.state(), "reconnecting");
        fire_window_event("online");
        assert_eq!(rec.reopened().await["userId"], 1);
        assert!(rec.all("reconnecting").is_empty(), "no backoff was scheduled: {}", shown(&rec.all("reconnecting")));
        assert_eq!(client.state(), "open");
    })
    .await;
}
