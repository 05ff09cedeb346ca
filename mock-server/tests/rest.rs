//! Covers the REST routes:
//! - [x] GET /api/plans/:planId: ordered tasks, progress, members, seq (extension)
//! - [x] every mutation route's broadcast; the connection named by X-Connection-Id is excluded,
//!   the same user's other connection is not; X-Seq response header (extension)
//! - [x] 400 (bad bodies), 403 (non-members), 404 (unknown plan/task/route), JSON error bodies
//! - [x] reorder takes task ids as numbers (as GET returns them), strings or a mix, broadcasts
//!   strings; other id types are 400
//! - [x] CORS: any origin by default, preflight allows Authorization/Content-Type/X-Connection-Id;
//!   `--allow-origin` restricts
//! - [x] health and metrics documents

mod common;

use common::*;
use reqwest::Method;
use serde_json::{json, Value};

/// (method, path, body, expected status, expected broadcast types)
type Mutation = (Method, String, Option<Value>, u16, Vec<&'static str>);
/// (method, path, token, body, expected status, expected error code)
type Refusal<'a> = (Method, &'a str, &'a str, Option<Value>, u16, &'a str);

#[tokio::test]
async fn get_plan_returns_ordered_tasks_progress_and_seq() {
    within(20, async {
        let s = server().await;
        let (status, plan, _) = s.rest(Method::GET, "/api/plans/123", Some(&s.token(ALICE)), None, None).await;
        assert_eq!(status, 200);
        assert_eq!(plan["id"], "123");
        assert_eq!(plan["title"], "Launch plan");
        assert_eq!(plan["members"], json!([1, 2]));
        assert_eq!(plan["progress"], json!({"totalTasks":5,"completedTasks":2,"completionPercentage":40}));
        assert_eq!(plan["seq"], 0);
        let tasks = plan["tasks"].as_array().unwrap();
        assert_eq!(tasks.iter().map(|t| t["position"].as_u64().unwrap()).collect::<Vec<_>>(), vec![0, 1, 2, 3, 4]);
        for t in tasks {
            assert_eq!(t["planId"], "123");
            assert_iso(&t["createdAt"]);
        }
    })
    .await;
}

/// Alice has two tabs in plan 123, Bob one. Each mutation is made from Alice's first tab:
/// that tab gets nothing, her second tab and Bob get the broadcast.
#[tokio::test]
async fn mutations_broadcast_to_everyone_but_the_originating_connection() {
    within(30, async {
        let s = server().await;
        let (mut origin, _) = s.join(ALICE, "123").await;
        let (mut alice2, _) = s.join(ALICE, "123").await;
        let (mut bob, _) = s.join(BOB, "123").await;
        origin.recv_type("join-plan").await;
        alice2.recv_type("join-plan").await;
        let token = s.token(ALICE);
        let conn = origin.connection_id.clone();

        let mut calls: Vec<Mutation> = vec![
            (Method::POST, "/api/plans/123/tasks".into(), Some(json!({"title":"Ship it","status":"in_progress"})), 201, vec!["task-created", "progress-updated"]),
            (Method::PATCH, "/api/tasks/3".into(), Some(json!({"title":"Renamed"})), 200, vec!["task-updated"]),
            (Method::PATCH, "/api/tasks/3".into(), Some(json!({"status":"completed"})), 200, vec!["task-updated", "progress-updated"]),
            (Method::DELETE, "/api/tasks/1".into(), None, 200, vec!["task-deleted", "progress-updated"]),
        ];
        calls.push((Method::POST, "/api/plans/123/tasks/reorder".into(), Some(json!({"taskIds":["8","5","4","3","2"]})), 200, vec!["task-reordered"]));
        let mut seq = 0;
        for (method, path, body, want_status, kinds) in calls {
            let (status, resp, seq_header) = s.rest(method, &path, Some(&token), Some(&conn), body).await;
            assert_eq!(status, want_status, "{path}: {resp}");
            seq += kinds.len() as u64;
            assert_eq!(seq_header, Some(seq.to_string()), "{path}");
            for kind in &kinds {
                let a = alice2.recv_type(kind).await;
                let b = bob.recv_type(kind).await;
                assert_eq!(a, b);
                assert_eq!(a["planId"], "123");
            }
            origin.assert_nothing_pending().await;
        }

        // Without the header, the originating connection gets its own change too.
        let (status, _, _) = s.rest(Method::PATCH, "/api/tasks/2", Some(&token), None, Some(json!({"title":"All"}))).await;
        assert_eq!(status, 200);
        for c in [&mut origin, &mut alice2, &mut bob] {
            c.recv_type("task-updated").await;
        }
        let (_, plan, _) = s.rest(Method::GET, "/api/plans/123", Some(&token), None, None).await;
        let ids: Vec<u64> = plan["tasks"].as_array().unwrap().iter().map(|t| t["id"].as_u64().unwrap()).collect();
        assert_eq!(ids, vec![8, 5, 4, 3, 2]);
        assert_eq!(plan["seq"], seq + 1);
    })
    .await;
}

#[tokio::test]
async fn errors_are_json_with_the_right_status() {
    within(20, async {
        let s = server().await;
        let (alice, mallory) = (s.token(ALICE), s.token(MALLORY));
        let cases: Vec<Refusal> = vec![
            (Method::GET, "/api/plans/999", &alice, None, 404, "NOT_FOUND"),
            (Method::GET, "/api/plans/456", &alice, None, 403, "FORBIDDEN"),
            (Method::GET, "/api/plans/123", &mallory, None, 403, "FORBIDDEN"),
            (Method::POST, "/api/plans/123/tasks", &mallory, Some(json!({"title":"x"})), 403, "FORBIDDEN"),
            (Method::POST, "/api/plans/999/tasks", &alice, Some(json!({"title":"x"})), 404, "NOT_FOUND"),
            (Method::POST, "/api/plans/123/tasks", &alice, Some(json!({"title":""})), 400, "INVALID_MESSAGE"),
            (Method::POST, "/api/plans/123/tasks", &alice, Some(json!({"title":"x","status":"done"})), 400, "INVALID_MESSAGE"),
            (Method::POST, "/api/plans/123/tasks", &alice, Some(json!({"name":"x"})), 400, "INVALID_MESSAGE"),
            (Method::POST, "/api/plans/123/tasks", &alice, None, 400, "INVALID_MESSAGE"),
            (Method::POST, "/api/plans/123/tasks", &alice, Some(json!({"title":"x".repeat(501)})), 400, "INVALID_MESSAGE"),
            (Method::PATCH, "/api/tasks/1", &alice, Some(json!({})), 400, "INVALID_MESSAGE"),
            (Method::PATCH, "/api/tasks/1", &alice, Some(json!({"title":7})), 400, "INVALID_MESSAGE"),
            (Method::PATCH, "/api/tasks/6", &alice, Some(json!({"title":"x"})), 403, "FORBIDDEN"),
            (Method::PATCH, "/api/tasks/4242", &alice, Some(json!({"title":"x"})), 404, "NOT_FOUND"),
            (Method::PATCH, "/api/tasks/abc", &alice, Some(json!({"title":"x"})), 404, "NOT_FOUND"),
            (Method::DELETE, "/api/tasks/6", &alice, None, 403, "FORBIDDEN"),
            (Method::DELETE, "/api/tasks/4242", &alice, None, 404, "NOT_FOUND"),
            (Method::POST, "/api/plans/123/tasks/reorder", &alice, Some(json!({"taskIds":["1","2"]})), 400, "INVALID_MESSAGE"),
            (Method::POST, "/api/plans/123/tasks/reorder", &alice, Some(json!({"taskIds":["1","1","2","3","4"]})), 400, "INVALID_MESSAGE"),
            (Method::POST, "/api/plans/123/tasks/reorder", &alice, Some(json!({"taskIds":[1,2,3,4]})), 400, "INVALID_MESSAGE"),
            (Method::POST, "/api/plans/123/tasks/reorder", &alice, Some(json!({"taskIds":[1,"1",2,3,4]})), 400, "INVALID_MESSAGE"),
            (Method::POST, "/api/plans/456/tasks/reorder", &alice, Some(json!({"taskIds":["6","7"]})), 403, "FORBIDDEN"),
            (Method::GET, "/api/nothing-here", &alice, None, 404, "NOT_FOUND"),
        ];
        for (method, path, token, body, want, code) in cases {
            let (status, resp, _) = s.rest(method.clone(), path, Some(token), None, body.clone()).await;
            assert_eq!((status, resp["code"].as_str()), (want, Some(code)), "{method} {path} {body:?}: {resp}");
            assert!(resp["message"].as_str().is_some_and(|m| !m.is_empty()));
        }
        // Nothing changed.
        let (_, plan, _) = s.rest(Method::GET, "/api/plans/123", Some(&alice), None, None).await;
        assert_eq!((plan["tasks"].as_array().unwrap().len(), plan["seq"].as_u64()), (5, Some(0)));
    })
    .await;
}

/// Task ids as `GET /api/plans/:planId` writes them (numbers) are accepted, strings too, and a mix;
/// the response and the `task-reordered` broadcast always carry strings (seed 000).
#[tokio::test]
async fn reorder_accepts_numeric_and_string_ids_and_broadcasts_strings() {
    within(20, async {
        let s = server().await;
        let (mut bob, _) = s.join(BOB, "123").await;
        let alice = s.token(ALICE);
        let (_, plan, _) = s.rest(Method::GET, "/api/plans/123", Some(&alice), None, None).await;
        let mut ids: Vec<Value> = plan["tasks"].as_array().unwrap().iter().map(|t| t["id"].clone()).collect();
        assert!(ids.iter().all(Value::is_u64), "{plan}");
        ids.reverse();
        let numbers = json!({ "taskIds": ids });
        let strings = json!({"taskIds": ["2", "1", "3", "4", "5"]});
        let mixed = json!({"taskIds": [3, "1", 2, "5", 4]});
        for (body, want) in [(numbers, ["5", "4", "3", "2", "1"]), (strings, ["2", "1", "3", "4", "5"]), (mixed, ["3", "1", "2", "5", "4"])] {
            let (status, resp, _) = s.rest(Method::POST, "/api/plans/123/tasks/reorder", Some(&alice), None, Some(body.clone())).await;
            assert_eq!(status, 200, "{body}: {resp}");
            assert_eq!(resp, json!({ "taskIds": want }));
            let m = bob.recv_type("task-reordered").await;
            assert_eq!(m["data"], json!({ "taskIds": want }), "{m}");
            let (_, plan, _) = s.rest(Method::GET, "/api/plans/123", Some(&alice), None, None).await;
            let order: Vec<String> = plan["tasks"].as_array().unwrap().iter().map(|t| t["id"].to_string()).collect();
            assert_eq!(order, want);
        }
    })
    .await;
}

/// Ids that are neither a non-negative integer nor a string are refused with 400, changing nothing.
#[tokio::test]
async fn reorder_refuses_ids_of_other_types() {
    within(20, async {
        let s = server().await;
        let alice = s.token(ALICE);
        for ids in [
            json!([1.5, 2, 3, 4, 5]),
            json!([1.0, 2, 3, 4, 5]),
            json!([-1, 2, 3, 4, 5]),
            json!([null, 2, 3, 4, 5]),
            json!([true, 2, 3, 4, 5]),
            json!([[1], 2, 3, 4, 5]),
            json!([{"id": 1}, 2, 3, 4, 5]),
            json!([18446744073709551616.0, 2, 3, 4, 5]),
            json!("1,2,3,4,5"),
            json!(null),
        ] {
            let body = json!({ "taskIds": ids });
            let (status, resp, _) = s.rest(Method::POST, "/api/plans/123/tasks/reorder", Some(&alice), None, Some(body.clone())).await;
            assert_eq!((status, resp["code"].as_str()), (400, Some("INVALID_MESSAGE")), "{body}: {resp}");
        }
        let (_, plan, _) = s.rest(Method::GET, "/api/plans/123", Some(&alice), None, None).await;
        let order: Vec<u64> = plan["tasks"].as_array().unwrap().iter().map(|t| t["id"].as_u64().unwrap()).collect();
        assert_eq!((order, plan["seq"].as_u64()), (vec![1, 2, 3, 4, 5], Some(0)));
    })
    .await;
}

#[tokio::test]
async fn cors_any_origin_by_default() {
    within(20, async {
        let s = server().await;
        let preflight = s
            .http
            .request(Method::OPTIONS, s.url("/api/tasks/1"))
            .header("Origin", "http://localhost:5173")
            .header("Access-Control-Request-Method", "PATCH")
            .header("Access-Control-Request-Headers", "authorization,content-type,x-connection-id")
            .send()
            .await
            .unwrap();
        assert!(preflight.status().is_success());
        let h = preflight.headers();
        assert_eq!(h["access-control-allow-origin"], "*");
        let allowed = h["access-control-allow-headers"].to_str().unwrap().to_ascii_lowercase();
        for name in ["authorization", "content-type", "x-connection-id"] {
            assert!(allowed.contains(name), "{allowed}");
        }
        assert!(h["access-control-allow-methods"].to_str().unwrap().contains("PATCH"));
        let get = s.http.get(s.url("/api/plans/123")).header("Origin", "http://a.test").bearer_auth(s.token(ALICE)).send().await.unwrap();
        assert_eq!(get.headers()["access-control-allow-origin"], "*");
    })
    .await;
}

#[tokio::test]
async fn cors_allow_origin_list_restricts() {
    within(20, async {
        let s = server_with(|c| c.allow_origins = vec!["http://good.test".into()]).await;
        let ask = |origin: &'static str| {
            s.http
                .request(Method::OPTIONS, s.url("/api/plans/123/tasks"))
                .header("Origin", origin)
                .header("Access-Control-Request-Method", "POST")
                .send()
        };
        let good = ask("http://good.test").await.unwrap();
        assert_eq!(good.headers()["access-control-allow-origin"], "http://good.test");
        let bad = ask("http://evil.test").await.unwrap();
        assert!(bad.headers().get("access-control-allow-origin").is_none());
    })
    .await;
}

#[tokio::test]
async fn health_and_metrics() {
    within(20, async {
        let s = server().await;
        let (status, health, _) = s.rest(Method::GET, "/api/v1/ws/health", None, None, None).await;
        assert_eq!((status, &health["status"]), (200, &json!("ok")));
        let (_alice, _) = s.join(ALICE, "123").await;
        let (_bob, _) = s.join(BOB, "456").await;
        let _alice2 = s.connect(ALICE).await;
        let mut mallory = s.connect(MALLORY).await;
        mallory.send(json!({"type":"join-plan","planId":"123"})).await;
        mallory.recv_type("error").await;
        let m = s.metrics().await;
        assert_eq!(m["connections"], 4);
        assert_eq!(m["rooms"], 2);
        assert_eq!(m["participants"], 2);
        assert_eq!(m["averageRoomSize"], 1.0);
        assert_eq!(m["messagesIn"], 3);
        assert!(m["messagesOut"].as_u64().unwrap() >= 6, "{m}");
        assert_eq!(m["errors"], 1);
        let (_, health, _) = s.rest(Method::GET, "/api/v1/ws/health", None, None, None).await;
        assert_eq!(health["connections"], 4);
    })
    .await;
}
