//! Covers every seed 000 message shape as the server produces it:
//! - [x] connection confirmation `pong` {userId, connected, timestamp} (+ connectionId extension)
//! - [x] `ping` answered by `pong` with the same shape
//! - [x] join confirmation {success, participantCount, participants} (+ seq)
//! - [x] user-joined {userId, userName, participantCount} and user-left {userId, participantCount}
//! - [x] task-updated / task-created / task-deleted / task-reordered / progress-updated with
//!   planId, data as in the seed, ISO timestamp and (extension) seq

mod common;

use common::*;
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn connection_confirmation_and_ping() {
    within(20, async {
        let s = server().await;
        let mut c = Client::open(&format!("{}?token={}", s.ws_url(), s.token(ALICE))).await;
        let confirm = c.recv().await;
        let data = &confirm["data"];
        assert_eq!(confirm["type"], "pong");
        assert_eq!(data["userId"], 1);
        assert_eq!(data["connected"], true);
        assert_iso(&data["timestamp"]);
        let conn = data["connectionId"].as_str().unwrap().to_owned();
        assert_eq!(confirm.as_object().unwrap().len(), 2, "only type and data: {confirm}");

        c.send(json!({"type":"ping"})).await;
        let pong = c.recv_type("pong").await;
        assert_eq!(pong["data"]["userId"], 1);
        assert_eq!(pong["data"]["connected"], true);
        assert_eq!(pong["data"]["connectionId"], conn.as_str());
        assert_iso(&pong["data"]["timestamp"]);
    })
    .await;
}

#[tokio::test]
async fn join_confirmation_and_presence_notifications() {
    within(20, async {
        let s = server().await;
        let (mut alice, mut confirm) = s.join(ALICE, "123").await;
        // The epoch (extension) is random: checked for shape, then compared without it.
        let epoch = confirm["data"].as_object_mut().unwrap().remove("epoch").unwrap();
        assert!(epoch.as_str().is_some_and(|e| e.len() == 16), "{epoch}");
        assert_eq!(
            confirm,
            json!({"type":"join-plan","planId":"123","data":{
                "success":true,"participantCount":1,"participants":[{"userId":1,"userName":"alice"}],"seq":0}})
        );

        let (mut bob, confirm) = s.join(BOB, "123").await;
        assert_eq!(confirm["data"]["participantCount"], 2);
        assert_eq!(confirm["data"]["participants"], json!([{"userId":1,"userName":"alice"},{"userId":2,"userName":"bob"}]));
        let joined = alice.recv().await;
        assert_eq!(joined, json!({"type":"join-plan","planId":"123","data":{"userId":2,"userName":"bob","participantCount":2}}));

        bob.send(json!({"type":"leave-plan","planId":"123"})).await;
        let left = alice.recv().await;
        assert_eq!(left["type"], "leave-plan");
        assert_eq!(left["planId"], "123");
        assert_eq!(left["data"]["userId"], 2);
        assert_eq!(left["data"]["participantCount"], 1);
        assert_eq!(left["data"]["userName"], "bob", "extension field");
        bob.assert_nothing_pending().await;
    })
    .await;
}

#[tokio::test]
async fn task_broadcasts_match_the_seed() {
    within(20, async {
        let s = server().await;
        let (mut alice, _) = s.join(ALICE, "123").await;
        let bob = s.token(BOB);

        // task-created + progress-updated (5 tasks, 2 done → 6 tasks, 2 done)
        let (status, task, _) =
            s.rest(Method::POST, "/api/plans/123/tasks", Some(&bob), None, Some(json!({"title":"New task"}))).await;
        assert_eq!(status, 201);
        let created = alice.recv_type("task-created").await;
        assert_eq!(created["planId"], "123");
        assert_eq!(created["data"]["task"], task);
        assert_eq!(created["data"]["task"]["status"], "not_started");
        assert_iso(&created["timestamp"]);
        assert_eq!(created["seq"], 1);
        let progress = alice.recv_type("progress-updated").await;
        assert_eq!(progress["data"], json!({"progress":{"totalTasks":6,"completedTasks":2,"completionPercentage":33}}));
        assert_eq!(progress["seq"], 2);
        assert_iso(&progress["timestamp"]);

        // task-updated
        let id = task["id"].as_u64().unwrap();
        let (status, _, _) =
            s.rest(Method::PATCH, &format!("/api/tasks/{id}"), Some(&bob), None, Some(json!({"status":"completed"}))).await;
        assert_eq!(status, 200);
        let updated = alice.recv_type("task-updated").await;
        assert_eq!(updated["data"]["task"]["id"], id);
        assert_eq!(updated["data"]["task"]["status"], "completed");
        assert_eq!(updated["data"]["task"]["title"], "New task");
        assert_eq!(alice.recv_type("progress-updated").await["data"]["progress"]["completedTasks"], 3);

        // task-reordered: ids as strings
        let order = json!([id.to_string(), "5", "4", "3", "2", "1"]);
        let (status, body, _) =
            s.rest(Method::POST, "/api/plans/123/tasks/reorder", Some(&bob), None, Some(json!({"taskIds": order}))).await;
        assert_eq!((status, &body["taskIds"]), (200, &order));
        let reordered = alice.recv_type("task-reordered").await;
        assert_eq!(reordered["data"], json!({"taskIds": order}));
        assert_iso(&reordered["timestamp"]);

        // task-deleted: id as a string
        let (status, body, _) = s.rest(Method::DELETE, &format!("/api/tasks/{id}"), Some(&bob), None, None).await;
        assert_eq!((status, &body), (200, &json!({"taskId": id.to_string()})));
        let deleted = alice.recv_type("task-deleted").await;
        assert_eq!(deleted["data"], json!({"taskId": id.to_string()}));
        assert_eq!(alice.recv_type("progress-updated").await["data"]["progress"]["totalTasks"], 5);
        assert_eq!(deleted["seq"], 6);
    })
    .await;
}
