//! Covers whole-server stalls and unbounded growth (issue 18):
//! - [x] reordering 12,000 tasks is fast, and `/health` answers meanwhile
//! - [x] `--max-tasks-per-plan`: creating past it, or reordering with more ids, is refused with 400
//! - [x] `--rest-rate-limit`: 429 `RATE_LIMITED` with `Retry-After`, per user
//! - [x] `--history-max-bytes`: a replay needing more than the kept bytes is `recovered: false`

mod common;

use std::time::{Duration, Instant};

use common::*;
use planwire_protocol::{TaskStatus, UserId};
use reqwest::Method;
use serde_json::{json, Value};

#[tokio::test]
async fn reordering_12000_tasks_is_fast_and_health_answers_meanwhile() {
    within(60, async {
        let s = server_with(|c| c.limits.max_tasks_per_plan = 20_000).await;
        let titles: Vec<String> = (0..12_000).map(|i| format!("task {i}")).collect();
        let tasks: Vec<(&str, TaskStatus)> = titles.iter().map(|t| (t.as_str(), TaskStatus::NotStarted)).collect();
        s.server.app().hub.add_plan("big", "Big", vec![UserId::Num(1)], &tasks);
        let token = s.token(ALICE);
        let (_, plan, _) = s.rest(Method::GET, "/api/plans/big", Some(&token), None, None).await;
        let mut ids: Vec<Value> = plan["tasks"].as_array().unwrap().iter().map(|t| t["id"].clone()).collect();
        ids.reverse();
        let started = Instant::now();
        let reorder = s.rest(Method::POST, "/api/plans/big/tasks/reorder", Some(&token), None, Some(json!({"taskIds": ids})));
        let health = async {
            let mut worst = Duration::ZERO;
            for _ in 0..10 {
                let t = Instant::now();
                let (status, _, _) = s.rest(Method::GET, "/api/v1/ws/health", None, None, None).await;
                assert_eq!(status, 200);
                worst = worst.max(t.elapsed());
            }
            worst
        };
        let ((status, body, _), worst) = tokio::join!(reorder, health);
        let took = started.elapsed();
        assert_eq!(status, 200, "{body}");
        assert!(took < Duration::from_secs(2), "reorder took {took:?}");
        assert!(worst < Duration::from_millis(500), "health waited {worst:?}");
        let (_, plan, _) = s.rest(Method::GET, "/api/plans/big", Some(&token), None, None).await;
        assert_eq!(plan["tasks"][0]["title"], "task 11999");
    })
    .await;
}

#[tokio::test]
async fn the_task_cap_refuses_creates_and_oversized_reorders() {
    within(20, async {
        let s = server_with(|c| c.limits.max_tasks_per_plan = 6).await;
        let token = s.token(ALICE);
        let create = || s.rest(Method::POST, "/api/plans/123/tasks", Some(&token), None, Some(json!({"title": "one more"})));
        assert_eq!(create().await.0, 201);
        let (status, body, _) = create().await;
        assert_eq!(status, 400, "{body}");
        assert!(body["message"].as_str().unwrap().contains("6"), "{body}");
        let ids: Vec<u64> = (1..=7).collect();
        let (status, body, _) = s.rest(Method::POST, "/api/plans/123/tasks/reorder", Some(&token), None, Some(json!({"taskIds": ids}))).await;
        assert_eq!(status, 400, "{body}");
        assert!(body["message"].as_str().unwrap().contains("at most 6"), "{body}");
    })
    .await;
}

#[tokio::test]
async fn rest_is_rate_limited_per_user_with_retry_after() {
    within(20, async {
        let s = server_with(|c| {
            c.limits.rest_rate_limit = 3;
            c.limits.rest_rate_window = Duration::from_secs(30);
        })
        .await;
        let alice = s.token(ALICE);
        for _ in 0..3 {
            assert_eq!(s.rest(Method::GET, "/api/plans/123", Some(&alice), None, None).await.0, 200);
        }
        let resp = s.http.get(s.url("/api/plans/123")).bearer_auth(&alice).send().await.unwrap();
        assert_eq!(resp.status(), 429);
        let retry: u64 = resp.headers()["retry-after"].to_str().unwrap().parse().unwrap();
        assert!((1..=30).contains(&retry), "{retry}");
        let body: Value = resp.json().await.unwrap();
        assert_eq!(body["code"], "RATE_LIMITED");
        assert_eq!(s.rest(Method::GET, "/api/plans/123", Some(&s.token(BOB)), None, None).await.0, 200, "bob has his own budget");
        assert_eq!(s.metrics().await["limits"]["restRateLimited"], 1);
    })
    .await;
}

#[tokio::test]
async fn history_is_bounded_by_bytes() {
    within(20, async {
        let s = server_with(|c| c.limits.history_max_bytes = 1500).await;
        let bob = s.token(BOB);
        for i in 0..10 {
            let body = json!({"title": format!("{i}{}", "x".repeat(200))});
            assert_eq!(s.rest(Method::PATCH, "/api/tasks/4", Some(&bob), None, Some(body)).await.0, 200);
        }
        let mut c = s.connect(ALICE).await;
        c.send(json!({"type":"join-plan","planId":"123","lastSeq":0})).await;
        assert_eq!(c.recv_type("join-plan").await["data"]["recovered"], false, "ten ~450-byte frames exceed 1500 bytes");
        let mut c = s.connect(ALICE).await;
        c.send(json!({"type":"join-plan","planId":"123","lastSeq":8})).await;
        assert_eq!(c.recv_type("join-plan").await["data"]["recovered"], true);
        assert_eq!(c.recv_type("task-updated").await["seq"], 9);
        assert_eq!(c.recv_type("task-updated").await["seq"], 10);
    })
    .await;
}
