//! Lifecycle: what `close()` and drop (`free()`) leave behind, and listeners that call back into the
//! client, even drop it.
//! The wasm client in headless Chrome and Firefox against a live `mock-server --enable-faults`
//! (`PLANWIRE_TEST_SERVER`, a server of the suite's own: this file counts its connections; run by
//! `scripts/test-browser.sh`). Every test has its own timeout. The page is instrumented (see
//! `common`): sockets, timers and window/document listeners are counted as the page sees them.
//!
//! Checklist:
//! - [x] `close()` leaves no socket, timer or window listener behind, and a closed client provoked
//!   (`online`, a room change) does nothing
//! - [x] dropping a connected client (`free()`) releases everything too and it emits nothing more
//! - [x] listeners may call back into the client (`join` on `open`, `leave` + `close` on `joined`);
//!   getters answer at once; a listener unsubscribed during a dispatch is not called, even for the
//!   current event
//! - [x] a listener may drop the last reference to the client while it dispatches
//! - [x] a client that failed for a transient reason comes back on `online`, `visibilitychange`
//!   and `focus`; `close()` removes those listeners
//! - [x] back/forward cache (`pagehide` / `pageshow` persisted) and `freeze` / `resume`: the link
//!   closes cleanly (4000 `suspended`), nothing runs, then it reconnects and re-joins with `lastSeq`
#![cfg(target_arch = "wasm32")]

mod common;

use common::*;
use planwire_client::PlanClient;
use serde_json::json;
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
async fn close_and_drop_leave_nothing_running() {
    within(15_000, async {
        let alice = MAIN.token(1, "alice").await;
        // The clients of the earlier tests were dropped: once their sockets are closed, the page and
        // the server (this suite's own) are back to zero.
        until_sockets_closed(0.0).await;
        MAIN.until_connections(0).await;

        let mark = spies_mark();
        let client = Opts::new(Some(&alice)).set("pingIntervalMs", 200).set("pongTimeoutMs", 200).client();
        let rec = Recorder::attach(&client);
        client.connect();
        join(&client, "123");
        rec.next("joined").await;
        assert!(pending_timers(mark) > 0, "the ping timer is armed");
        assert_eq!(network_listener_types(mark), "offline,online,visibilitychange", "listeners while active");
        assert_eq!(live_sockets(mark), 1, "one socket");
        MAIN.until_connections(1).await;

        client.close();
        assert_eq!(rec.next("close").await, json!({"code": 1000, "reason": "", "willReconnect": false}));
        assert_eq!(client.state(), "closed");
        assert_eq!(pending_timers(mark), 0, "no timer left after close()");
        assert_eq!(listener_types(mark), "", "no window or document listener left after close()");
        until_sockets_closed(mark).await;
        MAIN.until_connections(0).await;
        // Provoked, a closed client still does nothing: no event, no socket.
        let seen = rec.count();
        fire_window_event("online");
        let (status, body) = MAIN.http("POST", "/api/plans/123/tasks", Some(&alice), Some(json!({"title": "nobody listens"}))).await;
        assert_eq!(status, 201, "{body}");
        sleep(600).await; // an observation window: nothing may happen in it
        assert_eq!(rec.count(), seen, "a closed client emits nothing: {}", rec.summary());
        assert_eq!(sockets_created(mark), 1, "no new socket");
        assert_eq!(pending_timers(mark), 0, "no timer");
        assert_eq!(MAIN.connections().await, 0);

        // Dropping (free()) a connected client releases everything too.
        let mark = spies_mark();
        let freed = Opts::new(Some(&alice)).client();
        let freed_rec = Recorder::attach(&freed);
        freed.connect();
        freed_rec.next("open").await;
        MAIN.until_connections(1).await;
        assert_eq!(network_listener_types(mark), "offline,online,visibilitychange", "listeners while active");
        drop(freed);
        assert_eq!(pending_timers(mark), 0, "no timer left after drop");
        assert_eq!(listener_types(mark), "", "no window or document listener left after drop");
        until_sockets_closed(mark).await;
        MAIN.until_connections(0).await;
        let seen = freed_rec.count();
        fire_window_event("online");
        sleep(300).await; // an observation window: nothing may happen in it
        assert_eq!(freed_rec.count(), seen, "a dropped client emits nothing: {}", freed_rec.summary());
        assert_eq!(sockets_created(mark), 1, "no new socket after drop");
    })
    .await;
}

#[wasm_bindgen_test]
async fn listeners_may_call_back_into_the_client() {
    within(8000, async {
        let failures = Failures::default();
        let client = Rc::new(Opts::new(Some(&MAIN.token(1, "alice").await)).client());
        let rec = Recorder::attach(&client);

        // The first `open` listener unsubscribes the second: it is not called, even for this `open`.
        let unsubscribe_second: Rc<RefCell<Option<js_sys::Function>>> = Rc::default();
        let handle = unsubscribe_second.clone();
        let unsubscriber = failures.listener(move |_| {
            let f = handle.borrow_mut().take().ok_or("no unsubscribe function to call")?;
            f.call0(&JsValue::UNDEFINED).map_err(|e| format!("unsubscribing threw {}", describe(&e)))?;
            Ok(())
        });
        on(&client, "open", &unsubscriber);
        let second_called = Rc::new(Cell::new(false));
        let flag = second_called.clone();
        let second = Closure::<dyn FnMut(JsValue)>::new(move |_| flag.set(true));
        *unsubscribe_second.borrow_mut() = Some(on(&client, "open", &second));

        let weak = Rc::downgrade(&client);
        let join_on_open = failures.listener(move |_| {
            let c = weak.upgrade().ok_or("the client is gone")?;
            c.join(plan("123")).map_err(|e| format!("join in a listener: {}", describe(&e)))?;
            match c.state().as_string().as_deref() {
                Some("open") => Ok(()),
                other => Err(format!("state() reads {other:?} in an open listener")),
            }
        });
        on(&client, "open", &join_on_open);
        let weak = Rc::downgrade(&client);
        let close_on_joined = failures.listener(move |_| {
            let c = weak.upgrade().ok_or("the client is gone")?;
            c.leave(plan("123")).map_err(|e| format!("leave in a listener: {}", describe(&e)))?;
            c.close();
            match c.state().as_string().as_deref() {
                Some("closed") => Ok(()),
                other => Err(format!("state() reads {other:?} right after close() in a listener")),
            }
        });
        on(&client, "joined", &close_on_joined);
        client.connect();
        rec.next_where("stateChanged", "to closed", |s| s["state"] == "closed").await;
        failures.check();
        assert_eq!(client.state(), "closed");
        assert_eq!(rec.all("joined").len(), 1, "{}", rec.summary());
        assert_eq!(rec.all("close"), [json!({"code": 1000, "reason": "", "willReconnect": false})], "{}", rec.summary());
        assert!(!second_called.get(), "a listener unsubscribed during the dispatch was called");

        // A listener may even drop the last reference to the client while it dispatches.
        let holder: Rc<RefCell<Option<PlanClient>>> = Rc::new(RefCell::new(Some(Opts::new(Some(&MAIN.token(1, "alice").await)).client())));
        let held_rec = Recorder::attach(holder.borrow().as_ref().expect("the held client"));
        let h = holder.clone();
        let drop_on_open = failures.listener(move |_| {
            let taken = h.try_borrow_mut().map_err(|_| "the holder is borrowed during the dispatch")?.take();
            drop(taken.ok_or("no client to drop")?);
            Ok(())
        });
        on(holder.borrow().as_ref().expect("the held client"), "open", &drop_on_open);
        holder.borrow().as_ref().expect("the held client").connect();
        held_rec.next("open").await;
        failures.check();
        assert!(holder.borrow().is_none(), "the listener dropped the client");
        let seen = held_rec.count();
        sleep(200).await; // an observation window: nothing may happen in it
        assert_eq!(held_rec.count(), seen, "a dropped client emits nothing: {}", held_rec.summary());
        failures.check();
    })
    .await;
}

#[wasm_bindgen(inline_js = r#"
export function gatedWebSocket() {
  // Connects to the real server unless `down`: then to a port nothing listens on (refused at once).
  class Gated extends WebSocket {
    constructor(url) {
      super(Gated.down ? url.replace(/\/\/[^/]+\//, '//127.0.0.1:9/') : url);
    }
  }
  Gated.down = false;
  return Gated;
}
export function set_down(gate, down) { gate.down = down; }
export function fire_document_event(name) { document.dispatchEvent(new Event(name)); }
export function fire_page_transition(name, persisted) { window.dispatchEvent(new PageTransitionEvent(name, { persisted })); }
"#)]
extern "C" {
    #[wasm_bindgen(js_name = gatedWebSocket)]
    fn gated_web_socket() -> JsValue;
    fn set_down(gate: &JsValue, down: bool);
    fn fire_document_event(name: &str);
    fn fire_page_transition(name: &str, persisted: bool);
}

#[wasm_bindgen_test]
async fn a_failed_client_comes_back_on_online_visibility_and_focus() {
    within(15_000, async {
        let gate = gated_web_socket();
        set_down(&gate, true);
        let client = Opts::new(Some(&MAIN.token(1, "alice").await))
            .set("WebSocket", gate.clone())
            .set("maxReconnectAttempts", 0)
            .client();
        let rec = Recorder::attach(&client);
        client.connect();
        join(&client, "123");
        let failed = rec.next("failed").await;
        assert_eq!((failed["code"].as_str(), failed["willReconnect"].as_bool()), (Some("max-attempts"), Some(true)), "{failed}");
        let mark = spies_mark();
        assert_eq!(client.state(), "failed");
        for (event, fire) in [
            ("online", (|| fire_window_event("online")) as fn()),
            ("visibilitychange", || fire_document_event("visibilitychange")),
            ("focus", || fire_window_event("focus")),
        ] {
            // The server is reachable again; the browser says so: the client comes back by itself.
            set_down(&gate, false);
            fire();
            rec.next_where("open", event, |_| true).await;
            rec.next("joined").await;
            assert_eq!(client.state(), "open", "revived by {event}");
            // Down again: it fails again (no attempts left), revivable.
            set_down(&gate, true);
            let Some(conn) = client.connection_id().as_string() else { panic!("no connection id") };
            MAIN.fault("drop", json!({"connectionId": conn, "code": 1012})).await;
            assert_eq!(rec.next("failed").await["willReconnect"], true);
        }
        assert!(sockets_created(mark) >= 3, "a socket per revival");
        client.close();
        assert_eq!(listener_types(mark), "", "close() removes the revival listeners too");
    })
    .await;
}

#[wasm_bindgen_test]
async fn the_back_forward_cache_and_freeze_suspend_and_resume_the_link() {
    within(15_000, async {
        let client = Opts::new(Some(&MAIN.token(1, "alice").await)).client();
        let rec = Recorder::attach(&client);
        client.connect();
        join(&client, "123");
        rec.next("joined").await;
        let mark = spies_mark();
        // A plain navigation away (not persisted) is not a suspension.
        fire_page_transition("pagehide", false);
        assert_eq!(client.state(), "open");
        for (leave, back) in [
            ((|| fire_page_transition("pagehide", true)) as fn(), (|| fire_page_transition("pageshow", true)) as fn()),
            (|| fire_document_event("freeze"), || fire_document_event("resume")),
        ] {
            leave();
            assert_eq!(rec.next("close").await, json!({"code": 4000, "reason": "suspended", "willReconnect": true}));
            until_sockets_closed(mark).await;
            let seen = rec.count();
            sleep(300).await; // an observation window: a suspended page attempts nothing
            assert_eq!(rec.count(), seen, "{}", rec.summary());
            assert_eq!(pending_timers(mark), 0, "no timer runs while suspended");
            back();
            rec.reopened().await;
            let joined = rec.next("joined").await;
            assert_eq!(joined["recovered"], true, "re-joined with lastSeq: {joined}");
        }
    })
    .await;
}
