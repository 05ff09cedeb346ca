//! Covers live presence (extension, docs/protocol.md "Presence (extension)"):
//! - [x] set / patch (`null` removes a key) / replace / clear, and the merge across two tabs of one
//!   user: the most recently updated tab's state wins as a whole; clearing falls back to the other
//! - [x] batching: 10 rapid updates → exactly 2 frames a batch interval apart, the last state wins
//!   (interval scaled up to 400 ms so a slow machine cannot split the burst)
//! - [x] presence in the join confirmation, and again after a reconnect (re-join); the dropped
//!   connection's own presence is gone
//! - [x] cleared on `leave-plan` and on a dropped connection (cleared frame before `leave-plan`);
//!   a dropped tab re-merges the user's presence without a `leave-plan`
//! - [x] typing expires after `--typing-ttl-ms` (scaled down to 300 ms) unless refreshed, and the
//!   expiry is broadcast; `typing: null` stops at once
//! - [x] INVALID_PRESENCE, INVALID_MESSAGE, PRESENCE_TOO_LARGE, NOT_IN_ROOM: coded errors with
//!   `planId`, nothing broadcast, the connection and the room still usable
//! - [x] RATE_LIMITED with `retryAfterMs` past `--presence-rate-limit`, answered once per window,
//!   never a close; presence updates do not count against `--rate-limit`
//! - [x] a seed-000-shaped client (never sends presence) sees nothing new until someone else sets
//!   presence; then only `presence` frames (no `seq`, no timestamp); no cross-room leakage

mod common;

use std::time::{Duration, Instant};

use common::*;
use reqwest::Method;
use serde_json::{json, Value};

/// Sends a `presence-update` for plan `plan` with `data`.
async fn update(c: &mut Client, plan: &str, data: Value) {
    c.send(json!({"type":"presence-update","planId":plan,"data":data})).await;
}

/// The next message, which must be a `presence` frame of `plan`; returns its data.
async fn presence(c: &mut Client, plan: &str) -> Value {
    let m = c.recv_type("presence").await;
    assert_eq!(m["planId"], plan, "{m}");
    assert!(m.get("seq").is_none() && m.get("timestamp").is_none(), "presence carries no seq: {m}");
    m["data"].clone()
}

/// The next message, which must be an `error` with this code and `planId`.
async fn error(c: &mut Client, code: &str, plan: &str) -> Value {
    let m = c.recv_type("error").await;
    assert_eq!(m["data"]["code"], code, "{m}");
    assert_eq!(m["data"]["planId"], plan, "{m}");
    m["data"].clone()
}

fn alice_with(state: Value, typing: Value) -> Value {
    json!({"userId":1,"userName":"alice","state":state,"typing":typing})
}

fn bob_with(state: Value, typing: Value) -> Value {
    json!({"userId":2,"userName":"bob","state":state,"typing":typing})
}

#[tokio::test]
async fn two_tabs_of_one_user_merge_by_last_update() {
    within(30, async {
        // Every change is sent at once, so each step is exactly one frame.
        let s = server_with(|c| c.presence_batch = Duration::ZERO).await;
        let (mut tab1, _) = s.join(ALICE, "123").await;
        let (mut bob, _) = s.join(BOB, "123").await;
        tab1.recv_type("join-plan").await;
        let (mut tab2, _) = s.join(ALICE, "123").await;

        // Each step: (which tab, data) → alice's merged presence, seen by everyone in the room
        // (her own tabs included: they cannot compute the merge themselves).
        let steps = [
            (1, json!({"state":{"taskId":"1","activity":"viewing"}}), json!({"taskId":"1","activity":"viewing"})),
            (2, json!({"state":{"taskId":"2","activity":"editing"}}), json!({"taskId":"2","activity":"editing"})),
            // A patch of tab 1 makes it the most recent: its whole state wins, not key by key.
            (1, json!({"state":{"activity":"commenting"}}), json!({"taskId":"1","activity":"commenting"})),
            // Cleared: back to tab 2's state.
            (1, json!({"state":null}), json!({"taskId":"2","activity":"editing"})),
            (2, json!({"state":{"taskId":"5","x":null},"replace":true}), json!({"taskId":"5"})),
            // Removing the last key leaves no state: null.
            (2, json!({"state":{"taskId":null}}), Value::Null),
        ];
        for (tab, data, expected) in steps {
            let sender = if tab == 1 { &mut tab1 } else { &mut tab2 };
            update(sender, "123", data.clone()).await;
            for c in [&mut bob, &mut tab1, &mut tab2] {
                assert_eq!(presence(c, "123").await, alice_with(expected.clone(), Value::Null), "after {data}");
            }
        }
        // Setting what is already merged sends nothing.
        update(&mut tab1, "123", json!({"state":{"taskId":null}})).await;
        for c in [&mut bob, &mut tab1, &mut tab2] {
            c.assert_nothing_pending().await;
        }
    })
    .await;
}

#[tokio::test]
async fn rapid_updates_are_coalesced_and_the_last_wins() {
    within(30, async {
        let batch = Duration::from_millis(400);
        let s = server_with(|c| c.presence_batch = batch).await;
        let (mut bob, _) = s.join(BOB, "123").await;
        let (mut alice, _) = s.join(ALICE, "123").await;
        bob.recv_type("join-plan").await;

        let sent = Instant::now();
        for n in 0..10 {
            update(&mut alice, "123", json!({"state":{"taskId":"3","n":n}})).await;
        }
        // The first change goes at once; the nine others become one frame at the interval's end.
        for c in [&mut bob, &mut alice] {
            assert_eq!(presence(c, "123").await, alice_with(json!({"taskId":"3","n":0}), Value::Null));
            assert_eq!(presence(c, "123").await, alice_with(json!({"taskId":"3","n":9}), Value::Null));
            assert!(sent.elapsed() >= batch, "second frame after {:?}", sent.elapsed());
            c.assert_nothing_pending().await;
        }
    })
    .await;
}

#[tokio::test]
async fn join_confirmation_lists_presence_and_again_after_reconnect() {
    within(30, async {
        let s = server_with(|c| {
            c.enable_faults = true;
            c.typing_ttl = Duration::from_secs(60);
        })
        .await;
        let (mut alice, confirm) = s.join(ALICE, "123").await;
        assert!(confirm["data"].get("presence").is_none(), "absent while nobody has presence: {confirm}");
        update(&mut alice, "123", json!({"state":{"taskId":"3","activity":"editing"},"typing":{"taskId":"3"}})).await;
        let expected_alice = alice_with(json!({"taskId":"3","activity":"editing"}), json!({"taskId":"3"}));
        assert_eq!(presence(&mut alice, "123").await, expected_alice);

        let (mut bob, confirm) = s.join(BOB, "123").await;
        assert_eq!(confirm["data"]["success"], true);
        assert_eq!(confirm["data"]["participantCount"], 2);
        assert_eq!(confirm["data"]["presence"], json!([expected_alice]));
        alice.recv_type("join-plan").await;
        update(&mut bob, "123", json!({"state":{"taskId":"4"}})).await;
        for c in [&mut alice, &mut bob] {
            assert_eq!(presence(c, "123").await, bob_with(json!({"taskId":"4"}), Value::Null));
        }

        // Bob's connection drops; his client reconnects and re-joins: Alice's presence is in the
        // confirmation again, his own is gone (it lived with the connection).
        let (status, _) = s.fault("drop", json!({"userId":2,"abrupt":true})).await;
        assert_eq!(status, 200);
        bob.expect_abrupt_end().await;
        assert_eq!(presence(&mut alice, "123").await, bob_with(Value::Null, Value::Null));
        alice.recv_type("leave-plan").await;
        let (mut bob, confirm) = s.join(BOB, "123").await;
        assert_eq!(confirm["data"]["presence"], json!([expected_alice]));
        alice.recv_type("join-plan").await;

        // The same for Alice, re-joining with lastSeq: nobody has presence now.
        let (status, _) = s.fault("drop", json!({"userId":1,"abrupt":true})).await;
        assert_eq!(status, 200);
        alice.expect_abrupt_end().await;
        assert_eq!(presence(&mut bob, "123").await, alice_with(Value::Null, Value::Null));
        bob.recv_type("leave-plan").await;
        let mut alice = s.connect(ALICE).await;
        alice.send(json!({"type":"join-plan","planId":"123","lastSeq":0})).await;
        let confirm = alice.recv_type("join-plan").await;
        assert_eq!(confirm["data"]["recovered"], true);
        assert!(confirm["data"].get("presence").is_none(), "{confirm}");
        bob.recv_type("join-plan").await;
        update(&mut bob, "123", json!({"state":{"taskId":"1"}})).await;
        assert_eq!(presence(&mut alice, "123").await, bob_with(json!({"taskId":"1"}), Value::Null));
    })
    .await;
}

#[tokio::test]
async fn presence_is_cleared_on_leave_and_on_drop() {
    within(30, async {
        let s = server().await;
        let (mut alice, _) = s.join(ALICE, "123").await;
        let (mut bob, _) = s.join(BOB, "123").await;
        alice.recv_type("join-plan").await;

        // leave-plan: the cleared presence, then the user-left notification.
        update(&mut bob, "123", json!({"state":{"taskId":"2"}})).await;
        assert_eq!(presence(&mut alice, "123").await, bob_with(json!({"taskId":"2"}), Value::Null));
        assert_eq!(presence(&mut bob, "123").await, bob_with(json!({"taskId":"2"}), Value::Null));
        bob.send(json!({"type":"leave-plan","planId":"123"})).await;
        assert_eq!(presence(&mut alice, "123").await, bob_with(Value::Null, Value::Null));
        assert_eq!(alice.recv_type("leave-plan").await["data"]["userId"], 2);
        bob.assert_nothing_pending().await;

        // A dropped connection (TCP gone, no close frame): the same, at once.
        let confirm = bob.join("123").await;
        assert!(confirm["data"].get("presence").is_none(), "{confirm}");
        alice.recv_type("join-plan").await;
        update(&mut bob, "123", json!({"typing":{"taskId":"2"}})).await;
        assert_eq!(presence(&mut alice, "123").await, bob_with(Value::Null, json!({"taskId":"2"})));
        drop(bob);
        assert_eq!(presence(&mut alice, "123").await, bob_with(Value::Null, Value::Null));
        alice.recv_type("leave-plan").await;

        // One of two tabs drops: the user stays, their presence is merged again without it.
        let (mut tab1, _) = s.join(BOB, "123").await;
        alice.recv_type("join-plan").await;
        let (mut tab2, _) = s.join(BOB, "123").await;
        update(&mut tab2, "123", json!({"state":{"taskId":"1"}})).await;
        assert_eq!(presence(&mut alice, "123").await, bob_with(json!({"taskId":"1"}), Value::Null));
        update(&mut tab1, "123", json!({"state":{"taskId":"5"}})).await;
        assert_eq!(presence(&mut alice, "123").await, bob_with(json!({"taskId":"5"}), Value::Null));
        drop(tab1);
        assert_eq!(presence(&mut alice, "123").await, bob_with(json!({"taskId":"1"}), Value::Null));
        drop(tab2);
        assert_eq!(presence(&mut alice, "123").await, bob_with(Value::Null, Value::Null));
        alice.recv_type("leave-plan").await;
        alice.assert_nothing_pending().await;
    })
    .await;
}

#[tokio::test]
async fn typing_expires_unless_refreshed_and_the_expiry_is_broadcast() {
    within(30, async {
        let ttl = Duration::from_millis(300);
        let s = server_with(|c| c.typing_ttl = ttl).await;
        let (mut alice, _) = s.join(ALICE, "123").await;
        let (mut bob, _) = s.join(BOB, "123").await;
        alice.recv_type("join-plan").await;

        // A mark with no refresh expires after the TTL; the state stays.
        let sent = Instant::now();
        update(&mut bob, "123", json!({"state":{"taskId":"3"},"typing":{"taskId":"3"}})).await;
        assert_eq!(presence(&mut alice, "123").await, bob_with(json!({"taskId":"3"}), json!({"taskId":"3"})));
        assert_eq!(presence(&mut alice, "123").await, bob_with(json!({"taskId":"3"}), Value::Null));
        assert!(sent.elapsed() >= ttl, "expired after {:?}", sent.elapsed());
        assert_eq!(presence(&mut bob, "123").await["typing"], json!({"taskId":"3"}));
        assert_eq!(presence(&mut bob, "123").await["typing"], Value::Null);

        // Refreshed halfway: it lasts a TTL from the refresh, which itself sends nothing.
        let sent = Instant::now();
        update(&mut bob, "123", json!({"typing":{"taskId":"3"}})).await;
        assert_eq!(presence(&mut alice, "123").await["typing"], json!({"taskId":"3"}));
        tokio::time::sleep(ttl / 2).await;
        update(&mut bob, "123", json!({"typing":{"taskId":"3"}})).await;
        assert_eq!(presence(&mut alice, "123").await, bob_with(json!({"taskId":"3"}), Value::Null));
        assert!(sent.elapsed() >= ttl / 2 + ttl, "expired after {:?}", sent.elapsed());

        // typing: null stops at once.
        update(&mut bob, "123", json!({"typing":{"taskId":"4"}})).await;
        assert_eq!(presence(&mut alice, "123").await["typing"], json!({"taskId":"4"}));
        let sent = Instant::now();
        update(&mut bob, "123", json!({"typing":null})).await;
        assert_eq!(presence(&mut alice, "123").await["typing"], Value::Null);
        assert!(sent.elapsed() < ttl, "stopped by the message, not by expiry");
        alice.assert_nothing_pending().await;
    })
    .await;
}

#[tokio::test]
async fn bad_presence_gets_coded_errors_and_the_connection_survives() {
    within(30, async {
        let s = server().await;
        let (mut alice, _) = s.join(ALICE, "123").await;
        let (mut bob, _) = s.join(BOB, "123").await;
        alice.recv_type("join-plan").await;

        for bad in [
            json!({"type":"presence-update","planId":"123"}),
            json!({"type":"presence-update","planId":"123","data":"x"}),
            json!({"type":"presence-update","planId":"123","data":{}}),
            json!({"type":"presence-update","planId":"123","data":{"replace":true}}),
            json!({"type":"presence-update","planId":"123","data":{"state":"editing"}}),
            json!({"type":"presence-update","planId":"123","data":{"state":[1]}}),
            json!({"type":"presence-update","planId":"123","data":{"typing":true}}),
            json!({"type":"presence-update","planId":"123","data":{"state":{},"replace":"yes"}}),
        ] {
            bob.send(bad.clone()).await;
            let e = error(&mut bob, "INVALID_PRESENCE", "123").await;
            assert!(!e["message"].as_str().unwrap().is_empty(), "{bad}");
        }
        for bad in [json!({"type":"presence-update","data":{"state":{}}}), json!({"type":"presence-update","planId":7,"data":{"state":{}}})] {
            bob.send(bad).await;
            assert_eq!(bob.recv_type("error").await["data"]["code"], "INVALID_MESSAGE");
        }

        // Too large: a state, a patch that would grow one past 1 KB, a typing mark.
        update(&mut bob, "123", json!({"state":{"note":"x".repeat(1100)}})).await;
        error(&mut bob, "PRESENCE_TOO_LARGE", "123").await;
        update(&mut bob, "123", json!({"state":{"note":"x".repeat(900)}})).await;
        let accepted = bob_with(json!({"note":"x".repeat(900)}), Value::Null);
        assert_eq!(presence(&mut alice, "123").await, accepted);
        assert_eq!(presence(&mut bob, "123").await, accepted);
        update(&mut bob, "123", json!({"state":{"more":"y".repeat(200)}})).await;
        error(&mut bob, "PRESENCE_TOO_LARGE", "123").await;
        update(&mut bob, "123", json!({"typing":{"taskId":"z".repeat(1100)}})).await;
        error(&mut bob, "PRESENCE_TOO_LARGE", "123").await;

        // Not in the room: one he may join but has not, and an unknown one.
        update(&mut bob, "456", json!({"state":{"taskId":"6"}})).await;
        error(&mut bob, "NOT_IN_ROOM", "456").await;
        update(&mut bob, "999", json!({"state":{"taskId":"6"}})).await;
        error(&mut bob, "NOT_IN_ROOM", "999").await;

        // Nothing refused reached the room; the connection and the room still work.
        alice.assert_nothing_pending().await;
        bob.assert_nothing_pending().await;
        update(&mut bob, "123", json!({"state":{"taskId":"1"},"replace":true})).await;
        assert_eq!(presence(&mut alice, "123").await, bob_with(json!({"taskId":"1"}), Value::Null));
        let (status, _, _) = s.rest(Method::PATCH, "/api/tasks/1", Some(&s.token(ALICE)), None, Some(json!({"title":"t"}))).await;
        assert_eq!(status, 200);
        assert_eq!(presence(&mut bob, "123").await["state"], json!({"taskId":"1"}));
        bob.recv_type("task-updated").await;
    })
    .await;
}

#[tokio::test]
async fn presence_rate_limit_is_its_own_and_never_closes() {
    within(30, async {
        let s = server_with(|c| {
            c.presence_batch = Duration::ZERO;
            c.presence_rate_limit = 3;
            c.presence_rate_window = Duration::from_millis(2000);
            c.rate_limit = 5;
        })
        .await;
        let (mut bob, _) = s.join(BOB, "123").await;
        for n in 0..6 {
            update(&mut bob, "123", json!({"state":{"n":n}})).await;
        }
        for n in 0..3 {
            assert_eq!(presence(&mut bob, "123").await["state"], json!({ "n": n }));
        }
        // The 4th is refused with a hint; the 5th and 6th are dropped without another error.
        let e = error(&mut bob, "RATE_LIMITED", "123").await;
        let retry = e["retryAfterMs"].as_u64().expect("retryAfterMs");
        assert!((1..=2000).contains(&retry), "{e}");
        bob.assert_nothing_pending().await;

        // After the hint the updates are accepted again, on the same connection.
        tokio::time::sleep(Duration::from_millis(retry)).await;
        update(&mut bob, "123", json!({"state":{"n":9}})).await;
        assert_eq!(presence(&mut bob, "123").await["state"], json!({"n":9}));
        // Ten presence updates did not use the general --rate-limit of 5 (join, 2 pings so far).
        bob.assert_nothing_pending().await;
        bob.assert_nothing_pending().await;
    })
    .await;
}

#[tokio::test]
async fn a_seed_000_client_sees_presence_only_when_others_set_it() {
    within(30, async {
        let s = server().await;
        // Alice's client knows only seed 000: it never sends presence.
        let (mut alice, confirm) = s.join(ALICE, "123").await;
        let mut keys: Vec<&String> = confirm["data"].as_object().unwrap().keys().collect();
        keys.sort();
        assert_eq!(keys, ["epoch", "participantCount", "participants", "seq", "success"], "seed 000 fields + seq and epoch only");
        let (mut bob, confirm) = s.join(BOB, "123").await;
        assert!(confirm["data"].get("presence").is_none());
        alice.recv_type("join-plan").await;
        let (status, _, _) = s.rest(Method::PATCH, "/api/tasks/2", Some(&s.token(BOB)), None, Some(json!({"title":"x"}))).await;
        assert_eq!(status, 200);
        alice.recv_type("task-updated").await;
        bob.recv_type("task-updated").await;
        alice.assert_nothing_pending().await;

        // Presence in another room does not leak here.
        bob.join("456").await;
        update(&mut bob, "456", json!({"state":{"taskId":"6"}})).await;
        assert_eq!(presence(&mut bob, "456").await["state"], json!({"taskId":"6"}));
        alice.assert_nothing_pending().await;

        // Bob sets presence in 123: the seed 000 client receives a message type it does not know.
        update(&mut bob, "123", json!({"state":{"taskId":"2","activity":"editing"}})).await;
        let m = alice.recv().await;
        assert_eq!(
            m,
            json!({"type":"presence","planId":"123","data":{"userId":2,"userName":"bob","state":{"taskId":"2","activity":"editing"},"typing":null}})
        );
        alice.assert_nothing_pending().await;
    })
    .await;
}
