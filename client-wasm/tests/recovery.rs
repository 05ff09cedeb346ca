//! Recovery: events missed while away, or skipped on a live connection, are replayed once and in
//! order; what the server cannot replay ends in `resync`.
//! The wasm client in headless Chrome and Firefox against a live `mock-server --enable-faults`
//! (`PLANWIRE_TEST_SERVER`, default history and send queue; run by `scripts/test-browser.sh`).
//! Every test has its own timeout.
//!
//! Checklist:
//! - [x] a gap left by the client's own REST change (`X-Connection-Id`) is filled by recovery on
//!   the same connection: no `resync`, no new `joined`
//! - [x] 1,000 events broadcast while the client is away (abrupt drop, 1006): all applied once, in
//!   order, after `joined { recovered: true }`, no `resync`
//! - [x] away past the history bound (10,050 events, 10,000 kept): `joined { recovered: false }` +
//!   `resync` (`not-recovered`), nothing replayed, live events follow
//! - [x] a slow consumer closed with 1013 reconnects, re-joins and resyncs (its missed burst
//!   exceeds what the server replays), then follows live events again
//! - [x] a server that restarted and lost its history (a new epoch) is not trusted to replay, even
//!   when the client's `lastSeq` exists in the new history: `recovered: false` + `resync`
#![cfg(target_arch = "wasm32")]

mod common;

use common::*;
use serde_json::json;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// `--history-max-events` of the server (its default).
const HISTORY_MAX_EVENTS: u32 = 10_000;
/// `--send-queue` of the server (its default).
const SEND_QUEUE: u32 = 1024;

#[wasm_bindgen_test]
async fn a_gap_left_by_its_own_rest_change_is_recovered() {
    within(8000, async {
        let (_client, rec, id) = bob_in_456(&MAIN, 50).await;
        let bob = MAIN.token(2, "bob").await;
        // The server skips this connection for its own change, then broadcasts the next one.
        let mine = MAIN.retitle(7, &bob, Some(&id), "mine").await;
        let theirs = MAIN.retitle(7, &bob, None, "theirs").await;
        assert_eq!(theirs, mine + 1);
        rec.next_where("taskUpdated", "titled theirs", |u| u["task"]["title"] == "theirs").await;
        let got = updates(&rec);
        assert_in_order_once(&got, &["mine".to_owned(), "theirs".to_owned()]);
        assert_eq!((got[0].0, got[1].0), (mine, theirs));
        assert!(rec.all("resync").is_empty(), "{}", shown(&rec.all("resync")));
        assert_eq!(rec.all("joined").len(), 1, "the recovery is not reported as a new join: {}", shown(&rec.all("joined")));
        assert_eq!(rec.all("close").len(), 0, "on the same connection: {}", shown(&rec.all("close")));
    })
    .await;
}

#[wasm_bindgen_test]
async fn recovers_1000_events_broadcast_while_away() {
    within(20_000, async {
        // The reconnect waits 1.5 s: the whole flood happens while the client is away.
        let (client, rec, id) = bob_in_456(&MAIN, 1500).await;
        MAIN.fault("drop", json!({"connectionId": id, "abrupt": true})).await;
        let close = rec.next("close").await;
        assert_eq!((close["code"].clone(), close["willReconnect"].clone()), (json!(1006), json!(true)), "{close}");
        assert_eq!(MAIN.fault("flood", json!({"planId": "456", "count": 1000})).await["sent"], 1000);
        assert_eq!(rec.all("open").len(), 1, "the flood ended before the reconnect");
        rec.reopened().await;
        let rejoined = rec.next("joined").await;
        assert_eq!(rejoined["recovered"], true, "{rejoined}");
        rec.next_where("taskUpdated", "titled flood 1000 of 1000", |u| u["task"]["title"] == "flood 1000 of 1000").await;
        let got = updates(&rec);
        assert_eq!(got.len(), 1000, "each event applied exactly once");
        let want: Vec<String> = (1..=1000).map(|i| format!("flood {i} of 1000")).collect();
        assert_in_order_once(&got, &want);
        assert!(rec.all("resync").is_empty(), "{}", shown(&rec.all("resync")));
        assert_eq!(client.state(), "open");
    })
    .await;
}

#[wasm_bindgen_test]
async fn away_past_the_history_bound_resyncs() {
    within(30_000, async {
        let (_client, rec, id) = bob_in_456(&MAIN, 4000).await;
        MAIN.fault("drop", json!({"connectionId": id, "abrupt": true})).await;
        rec.next("close").await;
        let count = HISTORY_MAX_EVENTS + 50;
        assert_eq!(MAIN.fault("flood", json!({"planId": "456", "count": count})).await["sent"], count);
        assert_eq!(rec.all("open").len(), 1, "the flood ended before the reconnect");
        rec.reopened().await;
        let rejoined = rec.next("joined").await;
        assert_eq!(rejoined["recovered"], false, "{rejoined}");
        assert_eq!(rec.next("resync").await, json!({"planId": "456", "reason": "not-recovered"}));
        assert!(updates(&rec).is_empty(), "nothing replayed");
        // Live events continue after the resync.
        let bob = MAIN.token(2, "bob").await;
        MAIN.retitle(7, &bob, None, "after resync").await;
        assert_eq!(rec.next("taskUpdated").await["task"]["title"], "after resync");
    })
    .await;
}

#[wasm_bindgen_test]
async fn a_slow_consumer_closed_with_1013_reconnects_and_resyncs() {
    within(20_000, async {
        let (_client, rec, _) = bob_in_456(&MAIN, 50).await;
        // Even when the test times out before it does so itself, the delay must not outlive it.
        let undelay = Cleanup::new(async {
            MAIN.http("POST", "/api/v1/faults/delay", None, Some(json!({"ms": 0}))).await;
        });
        // Every outgoing frame waits 200 ms: the flood fills the send queue.
        MAIN.fault("delay", json!({"ms": 200})).await;
        MAIN.fault("flood", json!({"planId": "456", "count": SEND_QUEUE + 76})).await;
        let close = rec.next("close").await;
        undelay.run().await;
        assert_eq!(close, json!({"code": 1013, "reason": "send queue full", "willReconnect": true}));
        rec.reopened().await;
        // More than a queue's worth was missed, more than the server replays in one join.
        let rejoined = rec.next("joined").await;
        assert_eq!(rejoined["recovered"], false, "{rejoined}");
        assert_eq!(rec.next("resync").await["reason"], "not-recovered");
        let bob = MAIN.token(2, "bob").await;
        MAIN.retitle(7, &bob, None, "after 1013").await;
        let after = rec.next_where("taskUpdated", "titled after 1013", |u| u["task"]["title"] == "after 1013").await;
        assert_eq!(after["planId"], "456");
    })
    .await;
}

#[wasm_bindgen_test]
async fn a_server_that_lost_its_history_is_not_trusted_to_replay() {
    within(20_000, async {
        let bob = MAIN.token(2, "bob").await;
        // Start every room's history over, so the seqs below are small.
        MAIN.fault("restart", json!({"downMs": 0, "forgetHistory": true})).await;
        let client = Opts::new(Some(&bob)).set("maxReconnectAttempts", f64::INFINITY).client();
        let rec = Recorder::attach(&client);
        client.connect();
        join(&client, "456");
        rec.next("joined").await;
        let (status, plan) = MAIN.http("GET", "/api/plans/456", Some(&bob), None).await;
        assert_eq!(status, 200, "{plan}");
        assert!(plan["epoch"].is_string(), "the snapshot names its epoch: {plan}");
        let Some(task) = plan["tasks"][0]["id"].as_u64() else { panic!("a task in {plan}") };
        for i in 0..2 {
            MAIN.retitle(task as u32, &bob, None, &format!("before {i}")).await;
            rec.next("taskUpdated").await;
        }
        // The client goes away; the server restarts and forgets its history (a new epoch), then
        // broadcasts more than the client had seen, so the client's lastSeq exists in the new history.
        fire_window_event("offline");
        rec.next("close").await;
        MAIN.fault("restart", json!({"downMs": 100, "forgetHistory": true})).await;
        let probe = Opts::new(Some(&bob)).set("maxReconnectAttempts", f64::INFINITY).client();
        let probe_rec = Recorder::attach(&probe);
        probe.connect();
        probe_rec.next("open").await;
        for i in 0..3 {
            MAIN.retitle(task as u32, &bob, None, &format!("after {i}")).await;
        }
        fire_window_event("online");
        let rejoined = rec.next("joined").await;
        assert_eq!(rejoined["recovered"], false, "another epoch's history is not replayed: {rejoined}");
        assert_eq!(rec.next("resync").await["reason"], "not-recovered");
        let seen: Vec<_> = rec.all("taskUpdated").iter().map(|u| u["task"]["title"].clone()).collect();
        assert_eq!(seen, [json!("before 0"), json!("before 1")], "nothing of the other history applied");
        // Live changes of the new epoch apply.
        MAIN.retitle(task as u32, &bob, None, "live").await;
        assert_eq!(rec.next("taskUpdated").await["task"]["title"], "live");
    })
    .await;
}
