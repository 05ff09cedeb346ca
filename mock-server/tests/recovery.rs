//! Covers recovery of missed events (extension):
//! - [x] every room broadcast carries a strictly increasing per-room `seq`; presence does not
//! - [x] join without `lastSeq`: confirmation carries `seq`, no `recovered`
//! - [x] join with `lastSeq` covered by history: `recovered: true`, missed events replayed in order
//!   right after the confirmation, then live broadcasts continue
//! - [x] `lastSeq` equal to the latest: `recovered: true`, nothing replayed
//! - [x] past the count bound, past the age bound, ahead of the server, or more than fits the
//!   send queue: `recovered: false`, nothing replayed
//! - [x] a repeated join with `lastSeq` on the same connection fills the gap its own
//!   `X-Connection-Id` change left: replay in order, nobody notified, presence unchanged
//! - [x] GET /api/plans/:planId reports the room's latest `seq`; seqs are per room

mod common;

use std::time::Duration;

use common::*;
use reqwest::Method;
use serde_json::{json, Value};

/// Makes `n` task-updated broadcasts in plan 123 as Bob (retitling task 4, no progress change).
async fn changes(s: &TestServer, n: usize) {
    let bob = s.token(BOB);
    for i in 0..n {
        let (status, _, _) = s.rest(Method::PATCH, "/api/tasks/4", Some(&bob), None, Some(json!({"title": format!("v{i}")}))).await;
        assert_eq!(status, 200);
    }
}

async fn rejoin(s: &TestServer, last_seq: u64) -> (Client, Value) {
    let mut c = s.connect(ALICE).await;
    c.send(json!({"type":"join-plan","planId":"123","lastSeq":last_seq})).await;
    let confirm = c.recv_type("join-plan").await;
    (c, confirm)
}

#[tokio::test]
async fn replays_missed_events_in_order_after_the_confirmation() {
    within(30, async {
        let s = server().await;
        let (mut alice, confirm) = s.join(ALICE, "123").await;
        assert_eq!(confirm["data"]["seq"], 0);
        assert!(confirm["data"].get("recovered").is_none());
        changes(&s, 3).await;
        let mut last = 0;
        for _ in 0..3 {
            let m = alice.recv_type("task-updated").await;
            assert_eq!(m["seq"].as_u64(), Some(last + 1));
            last += 1;
        }
        alice.close().await;

        changes(&s, 5).await;
        let (mut alice, confirm) = rejoin(&s, last).await;
        assert_eq!(confirm["data"]["recovered"], true);
        assert_eq!(confirm["data"]["seq"], 8);
        assert_eq!(confirm["data"]["success"], true);
        for want in 4..=8u64 {
            let m = alice.recv_type("task-updated").await;
            assert_eq!(m["seq"].as_u64(), Some(want));
            assert_eq!(m["data"]["task"]["title"], format!("v{}", want - 4));
            assert_eq!(m["planId"], "123");
        }
        alice.assert_nothing_pending().await;

        changes(&s, 1).await;
        assert_eq!(alice.recv_type("task-updated").await["seq"], 9);
        let (_, plan, _) = s.rest(Method::GET, "/api/plans/123", Some(&s.token(ALICE)), None, None).await;
        assert_eq!(plan["seq"], 9);
        let (_, other, _) = s.rest(Method::GET, "/api/plans/456", Some(&s.token(BOB)), None, None).await;
        assert_eq!(other["seq"], 0, "seq is per room");

        // Presence messages carry no seq.
        let (_bob, _) = s.join(BOB, "123").await;
        let joined = alice.recv_type("join-plan").await;
        assert!(joined.get("seq").is_none(), "{joined}");
    })
    .await;
}

#[tokio::test]
async fn rejoin_on_the_same_connection_fills_the_gap_of_an_excluded_change() {
    within(20, async {
        let s = server().await;
        let (mut alice, _) = s.join(ALICE, "123").await;
        let (mut bob, _) = s.join(BOB, "123").await;
        alice.recv_type("join-plan").await;
        let body = Some(json!({"title": "mine"}));
        let (status, _, seq) = s.rest(Method::PATCH, "/api/tasks/4", Some(&s.token(ALICE)), Some(&alice.connection_id), body).await;
        assert_eq!((status, seq.as_deref()), (200, Some("1")));
        assert_eq!(bob.recv_type("task-updated").await["seq"], 1);
        changes(&s, 1).await;
        assert_eq!(alice.recv_type("task-updated").await["seq"], 2, "alice sees a gap: 1 was hers");
        bob.recv_type("task-updated").await;

        alice.send(json!({"type":"join-plan","planId":"123","lastSeq":0})).await;
        let confirm = alice.recv_type("join-plan").await;
        assert_eq!(confirm["data"]["recovered"], true, "{confirm}");
        assert_eq!((confirm["data"]["seq"].as_u64(), confirm["data"]["participantCount"].as_u64()), (Some(2), Some(2)));
        let replay: Vec<_> = [alice.recv_type("task-updated").await, alice.recv_type("task-updated").await]
            .iter()
            .map(|m| (m["seq"].as_u64().unwrap(), m["data"]["task"]["title"].as_str().unwrap().to_owned()))
            .collect();
        assert_eq!(replay, [(1, "mine".to_owned()), (2, "v0".to_owned())]);
        alice.assert_nothing_pending().await;
        bob.assert_nothing_pending().await;
    })
    .await;
}

#[tokio::test]
async fn up_to_date_client_recovers_with_nothing_to_replay() {
    within(20, async {
        let s = server().await;
        changes(&s, 2).await;
        let (mut alice, confirm) = rejoin(&s, 2).await;
        assert_eq!((confirm["data"]["recovered"].as_bool(), confirm["data"]["seq"].as_u64()), (Some(true), Some(2)));
        alice.assert_nothing_pending().await;
    })
    .await;
}

#[tokio::test]
async fn not_recovered_past_the_count_bound_or_ahead_of_the_server() {
    within(20, async {
        let s = server_with(|c| c.history_max_events = 3).await;
        changes(&s, 6).await;
        let (mut alice, confirm) = rejoin(&s, 2).await;
        assert_eq!((confirm["data"]["recovered"].as_bool(), confirm["data"]["seq"].as_u64()), (Some(false), Some(6)));
        alice.assert_nothing_pending().await;

        let (mut alice, confirm) = rejoin(&s, 3).await;
        assert_eq!(confirm["data"]["recovered"], true);
        for want in 4..=6 {
            assert_eq!(alice.recv_type("task-updated").await["seq"], want);
        }

        let (mut alice, confirm) = rejoin(&s, 99).await;
        assert_eq!(confirm["data"]["recovered"], false);
        alice.assert_nothing_pending().await;
    })
    .await;
}

#[tokio::test]
async fn not_recovered_past_the_age_bound() {
    within(20, async {
        let s = server_with(|c| c.history_max_age = Duration::from_millis(150)).await;
        changes(&s, 2).await;
        // The bound is a duration: let it pass.
        tokio::time::sleep(Duration::from_millis(300)).await;
        let (mut alice, confirm) = rejoin(&s, 1).await;
        assert_eq!(confirm["data"]["recovered"], false);
        alice.assert_nothing_pending().await;
    })
    .await;
}

#[tokio::test]
async fn not_recovered_when_the_replay_exceeds_the_send_queue() {
    within(20, async {
        let s = server_with(|c| c.send_queue = 8).await;
        changes(&s, 12).await;
        let (mut alice, confirm) = rejoin(&s, 0).await;
        assert_eq!(confirm["data"]["recovered"], false);
        alice.assert_nothing_pending().await;
        let (mut alice, confirm) = rejoin(&s, 6).await;
        assert_eq!(confirm["data"]["recovered"], true);
        for want in 7..=12 {
            assert_eq!(alice.recv_type("task-updated").await["seq"], want);
        }
    })
    .await;
}
