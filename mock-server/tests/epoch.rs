//! Covers recovery epochs (extension, issue 18):
//! - [x] the join confirmation and `GET /api/plans/:planId` carry the room's epoch
//! - [x] after a restart that loses history (`faults/restart {forgetHistory}`) and at least
//!   `lastSeq` new broadcasts, a join with the old `lastSeq` and the old epoch is
//!   `recovered: false` with the new epoch, nothing replayed; with the new epoch it recovers
//! - [x] a join with `lastSeq` and no epoch (a client without epochs) is served as before
//! - [x] a restart that keeps history keeps the epoch

mod common;

use std::time::Duration;

use common::*;
use reqwest::Method;
use serde_json::{json, Value};

async fn changes(s: &TestServer, n: usize) {
    let bob = s.token(BOB);
    for i in 0..n {
        let (status, _, _) = s.rest(Method::PATCH, "/api/tasks/4", Some(&bob), None, Some(json!({"title": format!("e{i}")}))).await;
        assert_eq!(status, 200);
    }
}

async fn restart(s: &TestServer, forget_history: bool) {
    let (status, _) = s.fault("restart", json!({"downMs": 200, "forgetHistory": forget_history})).await;
    assert_eq!(status, 200);
    tokio::time::sleep(Duration::from_millis(300)).await;
    for _ in 0..100 {
        if s.http.get(s.url("/api/v1/ws/health")).send().await.is_ok() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the server did not come back");
}

async fn rejoin(s: &TestServer, last_seq: u64, epoch: Option<&Value>) -> (Client, Value) {
    let mut c = s.connect(ALICE).await;
    let mut join = json!({"type":"join-plan","planId":"123","lastSeq":last_seq});
    if let Some(e) = epoch {
        join["epoch"] = e.clone();
    }
    c.send(join).await;
    let confirm = c.recv_type("join-plan").await;
    (c, confirm)
}

#[tokio::test]
async fn a_restart_that_loses_history_is_never_replayed_from_the_wrong_history() {
    within(40, async {
        let s = server_with(|c| c.enable_faults = true).await;
        let (alice, confirm) = s.join(ALICE, "123").await;
        let old = confirm["data"]["epoch"].clone();
        assert!(old.as_str().is_some_and(|e| !e.is_empty()), "{confirm}");
        let (_, plan, _) = s.rest(Method::GET, "/api/plans/123", Some(&s.token(ALICE)), None, None).await;
        assert_eq!(plan["epoch"], old);
        changes(&s, 3).await;
        drop(alice);

        restart(&s, true).await;
        changes(&s, 5).await; // seq 1..5 of a new history: 5 ≥ the old lastSeq 3
        let (_, plan, _) = s.rest(Method::GET, "/api/plans/123", Some(&s.token(ALICE)), None, None).await;
        let new = plan["epoch"].clone();
        assert_ne!(new, old);
        assert_eq!(plan["seq"], 5);

        let (mut c, confirm) = rejoin(&s, 3, Some(&old)).await;
        assert_eq!(confirm["data"]["recovered"], false, "{confirm}");
        assert_eq!(confirm["data"]["epoch"], new);
        assert_eq!(confirm["data"]["seq"], 5);
        c.assert_nothing_pending().await;

        let (mut c, confirm) = rejoin(&s, 3, Some(&new)).await;
        assert_eq!(confirm["data"]["recovered"], true);
        assert_eq!(c.recv_type("task-updated").await["seq"], 4);
        assert_eq!(c.recv_type("task-updated").await["seq"], 5);
        c.assert_nothing_pending().await;

        // No epoch (a client from before epochs): served as before.
        let (_, confirm) = rejoin(&s, 3, None).await;
        assert_eq!(confirm["data"]["recovered"], true);
    })
    .await;
}

#[tokio::test]
async fn a_restart_that_keeps_history_keeps_the_epoch() {
    within(40, async {
        let s = server_with(|c| c.enable_faults = true).await;
        let (_alice, confirm) = s.join(ALICE, "123").await;
        let epoch = confirm["data"]["epoch"].clone();
        changes(&s, 2).await;
        restart(&s, false).await;
        let (mut c, confirm) = rejoin(&s, 1, Some(&epoch)).await;
        assert_eq!((confirm["data"]["recovered"].clone(), confirm["data"]["epoch"].clone()), (json!(true), epoch));
        assert_eq!(c.recv_type("task-updated").await["seq"], 2);
    })
    .await;
}
