//! Covers the inactivity sweep (durations scaled down from seed 000's 30 min / 5 min):
//! - [x] a connection silent past `--inactive-after-ms` is closed with 4002 `inactive`; the others
//!   hear `leave-plan` once per departed user (a user whose two tabs are both swept leaves once)
//! - [x] nothing is lost: broadcasts made after the sweep are replayed, each `seq` once and in
//!   order, when the client reconnects and re-joins with `lastSeq` (`recovered: true`)
//! - [x] a client pinging more often than the limit, while its room gets broadcasts, is never swept

mod common;

use std::time::Duration;

use common::*;
use mock_server::Config;
use reqwest::Method;
use serde_json::{json, Value};

const INACTIVE: u16 = planwire_protocol::CloseCode::Inactive.code();

fn fast_sweep(c: &mut Config) {
    c.inactive_after = Duration::from_millis(400);
    c.sweep_every = Duration::from_millis(25);
    c.rate_limit = 10_000;
}

/// Sends a ping and reads up to its pong; returns the other messages read on the way.
async fn ping(c: &mut Client) -> Vec<Value> {
    c.send(json!({"type":"ping"})).await;
    let mut others = Vec::new();
    loop {
        let m = c.recv().await;
        if m["type"] == "pong" {
            return others;
        }
        others.push(m);
    }
}

/// Retitles task 4 of plan 123 as Bob over REST (one `task-updated` each); returns the `seq`s.
async fn retitle(s: &TestServer, titles: impl IntoIterator<Item = String>) -> Vec<u64> {
    let bob = s.token(BOB);
    let mut seqs = Vec::new();
    for title in titles {
        let (status, _, seq) = s.rest(Method::PATCH, "/api/tasks/4", Some(&bob), None, Some(json!({ "title": title }))).await;
        assert_eq!(status, 200);
        seqs.push(seq.expect("X-Seq").parse().unwrap());
    }
    seqs
}

#[tokio::test]
async fn a_silent_connection_is_closed_with_4002_and_its_user_leaves_once() {
    within(20, async {
        let s = server_with(fast_sweep).await;
        // Alice has two tabs in the room, both silent; Bob keeps pinging.
        let (mut tab1, _) = s.join(ALICE, "123").await;
        let (mut tab2, _) = s.join(ALICE, "123").await;
        let (mut bob, confirm) = s.join(BOB, "123").await;
        assert_eq!(confirm["data"]["participantCount"], 2);

        let mut every = tokio::time::interval(Duration::from_millis(50));
        let left = loop {
            every.tick().await;
            let others = ping(&mut bob).await;
            if !others.is_empty() {
                break others;
            }
        };
        assert_eq!(left.len(), 1, "{left:?}");
        assert_eq!(left[0]["type"], "leave-plan");
        assert_eq!(left[0]["data"]["userId"], 1);
        assert_eq!(left[0]["data"]["participantCount"], 1);

        // Both tabs get the close frame (their disconnect has then been handled)...
        assert_eq!(tab1.expect_close().await, (INACTIVE, "inactive".to_owned()));
        assert_eq!(tab2.expect_close().await, (INACTIVE, "inactive".to_owned()));
        // ...and it announced nothing more: Alice left once.
        bob.assert_nothing_pending().await;
        let metrics = s.metrics().await;
        assert_eq!((metrics["connections"].as_u64(), metrics["participants"].as_u64()), (Some(1), Some(1)), "{metrics}");
    })
    .await;
}

#[tokio::test]
async fn a_swept_client_recovers_every_broadcast_it_missed() {
    within(20, async {
        let s = server_with(fast_sweep).await;
        let (mut alice, confirm) = s.join(ALICE, "123").await;
        assert_eq!(confirm["data"]["seq"], 0);
        // Received broadcasts are not activity: Alice reads these and stays silent.
        assert_eq!(retitle(&s, (1..=2).map(|i| format!("before {i}"))).await, vec![1, 2]);
        let mut last_seq = 0;
        for _ in 0..2 {
            let m = alice.recv_type("task-updated").await;
            last_seq = m["seq"].as_u64().unwrap();
        }
        assert_eq!(last_seq, 2);
        assert_eq!(alice.expect_close().await, (INACTIVE, "inactive".to_owned()));

        // Broadcasts while she is away.
        assert_eq!(retitle(&s, (1..=5).map(|i| format!("away {i}"))).await, vec![3, 4, 5, 6, 7]);

        let mut alice = s.connect(ALICE).await;
        alice.send(json!({"type":"join-plan","planId":"123","lastSeq":last_seq})).await;
        let confirm = alice.recv_type("join-plan").await;
        assert_eq!(confirm["data"]["recovered"], true, "{confirm}");
        assert_eq!(confirm["data"]["seq"], 7);
        for want in 3..=7u64 {
            let m = alice.recv_type("task-updated").await;
            assert_eq!(m["seq"].as_u64(), Some(want), "{m}");
            assert_eq!(m["data"]["task"]["title"], format!("away {}", want - 2));
        }
        // Each missed seq exactly once: nothing else follows the replay.
        alice.assert_nothing_pending().await;
        assert_eq!(retitle(&s, ["live".to_owned()]).await, vec![8]);
        assert_eq!(alice.recv_type("task-updated").await["seq"], 8);
    })
    .await;
}

#[tokio::test]
async fn a_client_pinging_faster_than_the_limit_is_never_swept() {
    within(20, async {
        let s = server_with(fast_sweep).await;
        let (mut alice, _) = s.join(ALICE, "123").await;
        // Pings every 150 ms (under the 400 ms limit) for 2.4 s, six times the limit, while the
        // room gets a broadcast each round: every one arrives, in order, before the pong.
        let mut every = tokio::time::interval(Duration::from_millis(150));
        for round in 1..=16u64 {
            every.tick().await;
            assert_eq!(retitle(&s, [format!("round {round}")]).await, vec![round]);
            let got = ping(&mut alice).await;
            assert_eq!(got.len(), 1, "round {round}: {got:?}");
            assert_eq!((got[0]["type"].as_str(), got[0]["seq"].as_u64()), (Some("task-updated"), Some(round)), "{got:?}");
        }
        let metrics = s.metrics().await;
        assert_eq!((metrics["connections"].as_u64(), metrics["participants"].as_u64()), (Some(1), Some(1)), "{metrics}");
    })
    .await;
}
