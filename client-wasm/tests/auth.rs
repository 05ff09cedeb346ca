//! Authentication: refused tokens, `getToken` on every (re)connect, token expiry, the token in the
//! first frame, `set_token`.
//! The wasm client in headless Chrome and Firefox against a live `mock-server --enable-faults`
//! (`PLANWIRE_TEST_SERVER`; run by `scripts/test-browser.sh`). Every test has its own timeout.
//!
//! Checklist:
//! - [x] unauthorized tokens: a fixed token refused (4001, `failed` `unauthorized`, no retry),
//!   `getToken` refused twice (one fresh token, one retry), `getToken` rejecting: retried with
//!   backoff, `token-error` when the attempts run out, `unauthorized` at once for an `UNAUTHORIZED`
//!   error, connected once it answers again
//! - [x] `getToken` on every reconnect; token expiry (4001) → fresh token, reconnect and re-join
//! - [x] tokens expiring on accepted connections again and again never end the client: each time a
//!   fresh token and a reconnect, `close` with the server's `token expired`, never `failed`
//! - [x] token in the first frame (`authMode: 'message'`) instead of the URL
//! - [x] `set_token`: the open connection keeps its token, the next attempt uses the new one; an
//!   empty token is refused
#![cfg(target_arch = "wasm32")]

mod common;

use common::*;
use js_sys::Promise;
use serde_json::json;
use std::cell::Cell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// A `getToken` that counts its calls and answers with `answer()`.
fn get_token(calls: Rc<Cell<u32>>, answer: impl Fn() -> Promise + 'static) -> Closure<dyn FnMut() -> Promise> {
    Closure::new(move || {
        calls.set(calls.get() + 1);
        answer()
    })
}

/// Whether a `joined` payload lists user `id`.
fn has_participant(joined: &serde_json::Value, id: u64) -> bool {
    joined["participants"].as_array().is_some_and(|ps| ps.iter().any(|p| p["userId"] == id))
}

#[wasm_bindgen_test]
async fn unauthorized_tokens_fail_without_a_retry_storm() {
    within(8000, async {
        // A fixed token the server refuses: closed with 4001, failed, no retry.
        let client = Opts::new(Some("not-a-jwt")).client();
        let rec = Recorder::attach(&client);
        client.connect();
        let close = rec.next("close").await;
        assert!(close["reason"].is_string(), "{close}");
        assert_eq!(close, json!({"code": 4001, "reason": close["reason"], "willReconnect": false}));
        let failed = rec.next("failed").await;
        assert_eq!(failed, json!({"code": "unauthorized", "reason": "unauthorized", "closeReason": close["reason"], "willReconnect": false}), "the server's reason is kept");
        assert_eq!(client.state(), "failed");
        assert!(rec.all("reconnecting").is_empty(), "{}", shown(&rec.all("reconnecting")));

        // getToken keeps giving bad tokens: one fresh token, one retry, then failed.
        let calls = Rc::new(Cell::new(0));
        let bad = get_token(calls.clone(), || Promise::resolve(&JsValue::from_str("still-not-a-jwt")));
        let client = Opts::new(None).set("getToken", bad.as_ref().clone()).client();
        let rec = Recorder::attach(&client);
        client.connect();
        assert_eq!(rec.next("failed").await["reason"], "unauthorized");
        assert_eq!(calls.get(), 2, "getToken calls");
        assert_eq!(rec.all("close").len(), 2, "{}", shown(&rec.all("close")));

        // getToken keeps rejecting (the auth endpoint is down): retried with backoff like a failed
        // attempt; failed with the reason once the attempts run out.
        let calls = Rc::new(Cell::new(0));
        let rejecting = get_token(calls.clone(), || Promise::reject(&js_sys::Error::new("auth server down").into()));
        let client = Opts::new(None).set("getToken", rejecting.as_ref().clone()).set("maxReconnectAttempts", 2).client();
        let rec = Recorder::attach(&client);
        client.connect();
        let failed = rec.next("failed").await;
        assert_eq!(failed["reason"], "token-error: auth server down");
        assert_eq!(failed["code"], "token-error", "the code apart from the text: {failed}");
        assert_eq!(calls.get(), 3, "getToken calls: the first and two retries");
        assert_eq!(rec.all("reconnecting").len(), 2, "{}", shown(&rec.all("reconnecting")));
        assert_eq!(client.state(), "failed");

        // getToken rejects with an UNAUTHORIZED error (the user signed out): failed at once.
        let calls = Rc::new(Cell::new(0));
        let signed_out = get_token(calls.clone(), || {
            let error = js_sys::Error::new("signed out");
            let _ = js_sys::Reflect::set(&error, &JsValue::from_str("code"), &JsValue::from_str("UNAUTHORIZED"));
            Promise::reject(&error.into())
        });
        let client = Opts::new(None).set("getToken", signed_out.as_ref().clone()).client();
        let rec = Recorder::attach(&client);
        client.connect();
        let failed = rec.next("failed").await;
        assert_eq!(failed, json!({"code": "unauthorized", "reason": "unauthorized: signed out", "willReconnect": false}));
        assert_eq!(calls.get(), 1, "no retry for a signed-out user");

        // getToken fails twice (a brief outage), then answers: the client connects.
        let calls = Rc::new(Cell::new(0));
        let flaky = get_token(calls.clone(), {
            let calls = calls.clone();
            move || match calls.get() {
                1 | 2 => Promise::reject(&js_sys::Error::new("503").into()),
                _ => wasm_bindgen_futures::future_to_promise(async { Ok(JsValue::from_str(&MAIN.token(1, "alice").await)) }),
            }
        });
        let client = Opts::new(None).set("getToken", flaky.as_ref().clone()).client();
        let rec = Recorder::attach(&client);
        client.connect();
        assert_eq!(rec.next("open").await["userId"], 1);
        assert_eq!(calls.get(), 3, "getToken calls");
        assert!(rec.all("failed").is_empty());
    })
    .await;
}

#[wasm_bindgen_test]
async fn get_token_is_called_on_every_reconnect() {
    within(10_000, async {
        let calls = Rc::new(Cell::new(0));
        let fresh = get_token(calls.clone(), || {
            wasm_bindgen_futures::future_to_promise(async { Ok(JsValue::from_str(&MAIN.token(1, "alice").await)) })
        });
        let client = Opts::new(None).set("getToken", fresh.as_ref().clone()).client();
        let rec = Recorder::attach(&client);
        client.connect();
        join(&client, "123");
        let first = rec.next("open").await["connectionId"].clone();
        rec.next("joined").await;
        assert_eq!(calls.get(), 1, "getToken calls");

        // The server drops the connection: a new token for the reconnect.
        MAIN.fault("drop", json!({"connectionId": first, "code": 1012, "reason": "restarting"})).await;
        assert_eq!(rec.next("close").await, json!({"code": 1012, "reason": "restarting", "willReconnect": true}));
        let second = rec.reopened().await["connectionId"].clone();
        assert_eq!(calls.get(), 2, "getToken calls");
        rec.next("joined").await;

        // The token expires: 4001, a fresh token, reconnect, re-join.
        MAIN.fault("expire-token", json!({"connectionId": second})).await;
        let close = rec.next("close").await;
        assert_eq!((close["code"].clone(), close["willReconnect"].clone()), (json!(4001), json!(true)), "{close}");
        rec.reopened().await;
        assert_eq!(calls.get(), 3, "getToken calls");
        assert_eq!(rec.next("joined").await["planId"], "123");
        assert_eq!(client.state(), "open");
    })
    .await;
}

#[wasm_bindgen_test]
async fn expiring_tokens_never_end_the_client() {
    within(15_000, async {
        let calls = Rc::new(Cell::new(0));
        let fresh = get_token(calls.clone(), || {
            wasm_bindgen_futures::future_to_promise(async { Ok(JsValue::from_str(&MAIN.token(1, "alice").await)) })
        });
        // A long stable period: no expiry here waits for the attempt counter to reset.
        let client = Opts::new(None).set("getToken", fresh.as_ref().clone()).set("stableAfterMs", 600_000).client();
        let rec = Recorder::attach(&client);
        client.connect();
        join(&client, "123");
        let mut connection = rec.next("open").await["connectionId"].clone();
        rec.next("joined").await;
        for round in 2..=6 {
            MAIN.fault("expire-token", json!({"connectionId": connection})).await;
            let close = rec.next("close").await;
            assert_eq!(close, json!({"code": 4001, "reason": "token expired", "willReconnect": true}), "round {round}");
            connection = rec.reopened().await["connectionId"].clone();
            assert_eq!(calls.get(), round, "a fresh token each time");
            rec.next("joined").await;
        }
        assert!(rec.all("failed").is_empty(), "{}", shown(&rec.all("failed")));
        assert_eq!(client.state(), "open");
    })
    .await;
}

#[wasm_bindgen_test]
async fn authenticates_with_the_first_frame() {
    within(5000, async {
        let client = Opts::new(Some(&MAIN.token(2, "bob").await)).set("authMode", "message").client();
        let rec = Recorder::attach(&client);
        client.connect();
        assert_eq!(rec.next("open").await["userId"], 2);
        join(&client, "456");
        assert_eq!(rec.next("joined").await["planId"], "456");
    })
    .await;
}

#[wasm_bindgen_test]
async fn set_token_applies_from_the_next_attempt_on() {
    within(8000, async {
        let client = Opts::new(Some(&MAIN.token(1, "alice").await)).client();
        let rec = Recorder::attach(&client);
        client.connect();
        let open = rec.next("open").await;
        assert_eq!(open["userId"], 1, "{open}");
        match client.set_token(JsValue::from_str("")) {
            Ok(()) => panic!("set_token accepted an empty token"),
            Err(e) => {
                let message = error_message(e);
                assert!(message.starts_with("INVALID_OPTION: "), "{message:?}");
            }
        }
        let bob = MAIN.token(2, "bob").await;
        if let Err(e) = client.set_token(JsValue::from_str(&bob)) {
            panic!("set_token refused a token: {}", describe(&e));
        }
        // The open connection keeps its own token.
        assert_eq!(client.connection_id().as_string().as_deref(), open["connectionId"].as_str());
        assert_eq!(client.state(), "open");
        join(&client, "123");
        let joined = rec.next("joined").await;
        assert!(has_participant(&joined, 1), "alice in the room: {joined}");

        // The next attempt authenticates with the new token.
        MAIN.fault("drop", json!({"connectionId": open["connectionId"], "code": 1012})).await;
        assert_eq!(rec.next("close").await["code"], 1012);
        let reopened = rec.reopened().await;
        assert_eq!(reopened["userId"], 2, "{reopened}");
        let rejoined = rec.next("joined").await;
        assert!(has_participant(&rejoined, 2), "bob in the room now: {rejoined}");
    })
    .await;
}
