//! The browser layer's own options, in headless Chrome and Firefox against a live `mock-server`
//! (`PLANWIRE_TEST_SERVER`; run by `scripts/test-browser.sh`). Every test has its own timeout.
//!
//! Checklist:
//! - [x] `WebSocket`: a class of the app's with the browser's interface is used for every socket
//! - [x] `debug`: a function receives the attempt, the frames out and in and the events, with the
//!   token redacted everywhere; nothing is reported without it
#![cfg(target_arch = "wasm32")]

mod common;

use common::*;
use serde_json::Value;
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen(inline_js = r#"
export function countingWebSocket() {
  const made = [];
  class Counted extends WebSocket {
    constructor(url) {
      super(url);
      made.push(url);
    }
  }
  return { Counted, made };
}
"#)]
extern "C" {
    #[wasm_bindgen(js_name = countingWebSocket)]
    fn counting_web_socket() -> JsValue;
}

#[wasm_bindgen_test]
async fn an_apps_websocket_class_is_used() {
    within(5000, async {
        let pair = counting_web_socket();
        let class = js_sys::Reflect::get(&pair, &"Counted".into()).unwrap_or(JsValue::UNDEFINED);
        let made = js_sys::Reflect::get(&pair, &"made".into()).unwrap_or(JsValue::UNDEFINED);
        let client = Opts::new(Some(&MAIN.token(1, "alice").await)).set("WebSocket", class).client();
        let rec = Recorder::attach(&client);
        client.connect();
        rec.next("open").await;
        let urls = to_json(&made);
        assert_eq!(urls.as_array().map(Vec::len), Some(1), "{urls}");
        assert!(urls[0].as_str().is_some_and(|u| u.starts_with(&MAIN.ws_url())), "{urls}");
    })
    .await;
}

#[wasm_bindgen_test]
async fn debug_reports_what_the_client_does_with_tokens_redacted() {
    within(5000, async {
        let token = MAIN.token(1, "alice").await;
        let entries: Rc<RefCell<Vec<Value>>> = Rc::default();
        let sink = {
            let entries = entries.clone();
            Closure::<dyn FnMut(JsValue)>::new(move |e: JsValue| entries.borrow_mut().push(to_json(&e)))
        };
        let client = Opts::new(Some(&token)).set("debug", sink.as_ref().clone()).client();
        let rec = Recorder::attach(&client);
        client.connect();
        rec.next("open").await;
        join(&client, "123");
        rec.next("joined").await;
        let entries = entries.borrow().clone();
        let text = Value::Array(entries.clone()).to_string();
        assert!(!text.contains(&token), "the token leaked into a debug entry: {text}");
        let has = |kind: &str, pred: &dyn Fn(&Value) -> bool| entries.iter().any(|e| e["type"] == kind && pred(e));
        assert!(has("open-socket", &|e| e["url"].as_str().is_some_and(|u| u.ends_with("token=***"))), "{text}");
        assert!(has("send", &|e| e["frame"] == r#"{"type":"join-plan","planId":"123"}"#), "{text}");
        assert!(has("receive", &|e| e["frame"].as_str().is_some_and(|f| f.contains(r#""type":"pong""#))), "{text}");
        assert!(has("event", &|e| e["name"] == "stateChanged" && e["payload"]["state"] == "open"), "{text}");
        assert!(has("event", &|e| e["name"] == "joined" && e["payload"]["planId"] == "123"), "{text}");
    })
    .await;
}
