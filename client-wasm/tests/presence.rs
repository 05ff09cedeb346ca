//! Live presence (extension) between two browser clients through a live `mock-server`
//! (`PLANWIRE_TEST_SERVER`; run by `scripts/test-browser.sh`). One test running the phases one after
//! another (wasm-bindgen-test runs a file's tests concurrently, and presence is merged per user and
//! room on the server), each phase with its own timeout.
//!
//! Checklist:
//! - [x] a state set by one client reaches the other (`presenceChanged`, `presence(planId)`), merged
//!   by the sender; typing marks come and go; the sender's own `myPresence` is its merged state
//! - [x] the sender's presence is cleared for the others when its link drops, and sent again by the
//!   client itself once it has reconnected and re-joined
//! - [x] bad presence (too large, not an object) gets a coded error and the connection survives
#![cfg(target_arch = "wasm32")]

mod common;

use common::*;
use serde_json::{json, Value};
use wasm_bindgen::JsValue;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn js(value: Value) -> JsValue {
    js_sys::JSON::parse(&value.to_string()).unwrap_or_else(|e| panic!("JSON.parse: {}", describe(&e)))
}

/// Bob's entry in a `presenceChanged` payload, if any.
fn bob_in(payload: &Value) -> Option<Value> {
    payload["presence"].as_array()?.iter().find(|e| e["userId"] == 2).cloned()
}

#[wasm_bindgen_test]
async fn presence_between_two_clients() {
    presence_and_typing_reach_the_other_client().await;
    presence_is_cleared_on_a_drop_and_resent_after_the_reconnect().await;
    bad_presence_gets_a_coded_error_and_the_connection_survives().await;
}

async fn presence_and_typing_reach_the_other_client() {
    within(10_000, async {
        let (alice, rec) = joined((1, "alice"), &["123"]).await;
        let (bob, _bob_rec) = joined((2, "bob"), &["123"]).await;
        bob.update_presence(plan("123"), js(json!({"taskId": "3", "activity": "viewing"}))).unwrap_or_else(|e| panic!("{}", describe(&e)));
        bob.update_presence(plan("123"), js(json!({"activity": "editing"}))).unwrap_or_else(|e| panic!("{}", describe(&e)));
        assert_eq!(to_json(&bob.my_presence(plan("123")).unwrap_or(JsValue::UNDEFINED)), json!({"taskId": "3", "activity": "editing"}));
        let seen = rec
            .next_where("presenceChanged", "with bob editing task 3", |p| {
                bob_in(p).is_some_and(|b| b["state"] == json!({"taskId": "3", "activity": "editing"}))
            })
            .await;
        assert_eq!(seen["planId"], "123", "{seen}");
        let listed = to_json(&alice.presence(plan("123")).unwrap_or(JsValue::UNDEFINED));
        assert_eq!(listed, json!([{"userId": 2, "userName": "bob", "state": {"taskId": "3", "activity": "editing"}, "typing": null}]));

        bob.set_typing(plan("123"), js(json!({"taskId": "3"}))).unwrap_or_else(|e| panic!("{}", describe(&e)));
        rec.next_where("presenceChanged", "with bob typing", |p| bob_in(p).is_some_and(|b| b["typing"] == json!({"taskId": "3"}))).await;
        bob.set_typing(plan("123"), JsValue::NULL).unwrap_or_else(|e| panic!("{}", describe(&e)));
        rec.next_where("presenceChanged", "with bob no longer typing", |p| bob_in(p).is_some_and(|b| b["typing"].is_null())).await;
        drop(bob);
        rec.next_where("presenceChanged", "without bob once he left", |p| bob_in(p).is_none()).await;
    })
    .await;
}

async fn presence_is_cleared_on_a_drop_and_resent_after_the_reconnect() {
    within(15_000, async {
        let (_alice, rec) = joined((1, "alice"), &["123"]).await;
        let bob = Opts::new(Some(&MAIN.token(2, "bob").await)).set("baseDelayMs", 100).set("jitter", 0).client();
        let bob_rec = Recorder::attach(&bob);
        bob.connect();
        bob_rec.next("open").await;
        join(&bob, "123");
        bob_rec.next("joined").await;
        bob.update_presence(plan("123"), js(json!({"taskId": "5"}))).unwrap_or_else(|e| panic!("{}", describe(&e)));
        rec.next_where("presenceChanged", "with bob on task 5", |p| bob_in(p).is_some_and(|b| b["state"]["taskId"] == "5")).await;

        let Some(id) = bob.connection_id().as_string() else { panic!("bob has a connection id") };
        MAIN.http("POST", "/api/v1/faults/drop", None, Some(json!({"connectionId": id, "abrupt": true}))).await;
        rec.next_where("presenceChanged", "without bob after his drop", |p| bob_in(p).is_none()).await;
        bob_rec.next_where("joined", "after the reconnect", |j| j["planId"] == "123").await;
        rec.next_where("presenceChanged", "with bob on task 5 again", |p| bob_in(p).is_some_and(|b| b["state"]["taskId"] == "5")).await;
    })
    .await;
}

async fn bad_presence_gets_a_coded_error_and_the_connection_survives() {
    within(8_000, async {
        let (bob, rec) = joined((2, "bob"), &["123"]).await;
        let big = "x".repeat(2000);
        bob.update_presence(plan("123"), js(json!({"note": big}))).unwrap_or_else(|e| panic!("{}", describe(&e)));
        let err = rec.next("error").await;
        assert_eq!(err["code"], "PRESENCE_TOO_LARGE", "{err}");
        let refused = bob.update_presence(plan("123"), js(json!([1, 2]))).err().map(error_message);
        assert!(refused.as_deref().is_some_and(|m| m.starts_with("INVALID_PRESENCE:")), "{refused:?}");
        let not_joined = bob.update_presence(plan("999"), js(json!({"a": 1}))).err().map(error_message);
        assert!(not_joined.as_deref().is_some_and(|m| m.starts_with("NOT_JOINED:")), "{not_joined:?}");
        assert_eq!(bob.state(), "open");
        bob.update_presence(plan("123"), js(json!({"note": null, "taskId": "1"}))).unwrap_or_else(|e| panic!("{}", describe(&e)));
        assert_eq!(rec.all("error").len(), 1, "{}", rec.summary());
        assert_eq!(bob.state(), "open");
    })
    .await;
}
