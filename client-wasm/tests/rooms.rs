//! Rooms: joining, presence and participant counts, and every event type a room delivers.
//! The wasm client in headless Chrome and Firefox against a live `mock-server --enable-faults`
//! (`PLANWIRE_TEST_SERVER`; run by `scripts/test-browser.sh`). Every test has its own timeout.
//!
//! Checklist:
//! - [x] join: `joined` with participants, readable state (`participant_count`, `participants`)
//! - [x] every event type triggered through the REST routes (`taskCreated`, `taskUpdated`,
//!   `taskReordered`, `taskDeleted`, `progressUpdated`, `userJoined`, `userLeft`,
//!   `participantsChanged`), an unknown type (`message`), malformed frames and payloads that break
//!   the declared types (`INVALID_FRAME` naming the field, never the event), envelopes that are
//!   not one (`INVALID_FRAME`; `null` members absent) and a
//!   server error (`FORBIDDEN`), the connection surviving the bad input
//! - [x] participant counts with three clients, one user on two of them (counted once, leaves once)
#![cfg(target_arch = "wasm32")]

mod common;

use common::*;
use serde_json::json;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
async fn joins_a_room_and_lists_participants() {
    within(5000, async {
        let (client, rec) = joined((1, "alice"), &[]).await;
        assert_eq!(participant_count(&client, "123"), 0, "not joined yet");
        join(&client, "123");
        let j = rec.next("joined").await;
        assert_eq!(j["planId"], "123", "{j}");
        assert_eq!(j["participants"], json!([{"userId": 1, "userName": "alice"}]), "{j}");
        assert_eq!(j["participantCount"], 1, "{j}");
        assert_eq!(participant_count(&client, "123"), 1);
        assert_eq!(participants(&client, "123"), json!([{"userId": 1, "userName": "alice"}]));
        assert_eq!(participant_count(&client, "456"), 0);
        assert_eq!(participants(&client, "456"), json!([]));
    })
    .await;
}

#[wasm_bindgen_test]
async fn receives_every_event_type_through_rest() {
    within(10_000, async {
        let (alice, rec) = joined((1, "alice"), &["123"]).await;
        let bob_token = MAIN.token(2, "bob").await;
        let (bob, _bob_rec) = joined((2, "bob"), &["123"]).await;
        let j = rec.next("userJoined").await;
        assert_eq!((j["planId"].clone(), j["userId"].clone(), j["userName"].clone()), (json!("123"), json!(2), json!("bob")), "{j}");
        let changed = rec.next_where("participantsChanged", "with 2 participants", |p| p["participantCount"] == 2).await;
        assert_eq!(changed["participants"].as_array().map(Vec::len), Some(2), "{changed}");

        let (status, task) = MAIN.http("POST", "/api/plans/123/tasks", Some(&bob_token), Some(json!({"title": "from the browser"}))).await;
        assert_eq!(status, 201, "{task}");
        let created = rec.next("taskCreated").await;
        assert_eq!(created["task"]["title"], "from the browser", "{created}");
        assert_eq!(created["planId"], "123", "{created}");
        assert!(created["seq"].is_u64() && created["timestamp"].is_string(), "{created}");
        let progress = rec.next("progressUpdated").await;
        assert!(progress["progress"]["totalTasks"].as_u64().is_some_and(|n| n >= 1), "{progress}");

        let Some(id) = task["id"].as_u64() else { panic!("a task id in {task}") };
        let (status, body) = MAIN.http("PATCH", &format!("/api/tasks/{id}"), Some(&bob_token), Some(json!({"status": "completed"}))).await;
        assert_eq!(status, 200, "{body}");
        let updated = rec.next("taskUpdated").await;
        assert_eq!((updated["task"]["id"].as_u64(), updated["task"]["status"].as_str()), (Some(id), Some("completed")), "{updated}");
        rec.next("progressUpdated").await;

        let (status, plan) = MAIN.http("GET", "/api/plans/123", Some(&bob_token), None).await;
        assert_eq!(status, 200, "{plan}");
        let Some(tasks) = plan["tasks"].as_array() else { panic!("tasks in {plan}") };
        let mut ids: Vec<String> = tasks.iter().map(|t| t["id"].to_string()).collect();
        ids.reverse();
        let (status, body) = MAIN.http("POST", "/api/plans/123/tasks/reorder", Some(&bob_token), Some(json!({"taskIds": ids}))).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(rec.next("taskReordered").await["taskIds"], json!(ids));

        let (status, body) = MAIN.http("DELETE", &format!("/api/tasks/{id}"), Some(&bob_token), None).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(rec.next("taskDeleted").await["taskId"], id.to_string());

        // Unknown types pass through; malformed frames are reported and change nothing.
        let Some(conn) = alice.connection_id().as_string() else { panic!("alice has no connection id") };
        MAIN.fault("malformed", json!({"connectionId": conn, "frame": r#"{"type":"sparkle","planId":"123","data":{"x":1}}"#})).await;
        assert_eq!(rec.next("message").await, json!({"type": "sparkle", "planId": "123", "data": {"x": 1}}));
        MAIN.fault("malformed", json!({"connectionId": conn, "frame": "{not json"})).await;
        assert_eq!(rec.next("error").await["code"], "INVALID_FRAME");
        MAIN.fault("malformed", json!({"connectionId": conn, "frame": r#"{"type":"task-deleted","planId":"123","data":{"taskId":true}}"#})).await;
        assert_eq!(rec.next("error").await["code"], "INVALID_FRAME");
        // Payloads that break the declared types: an error naming the field, never the event.
        let events_before = (rec.all("taskUpdated").len(), rec.all("taskCreated").len(), rec.all("taskReordered").len(), rec.all("progressUpdated").len());
        for (frame, field) in [
            (r#"{"type":"task-updated","planId":"123","data":{"task":{"id":{"n":1},"title":"t","status":"s"}}}"#, "task.id"),
            (r#"{"type":"task-updated","planId":"123","data":{"task":{"id":1,"title":5,"status":"s"}}}"#, "task.title"),
            (r#"{"type":"task-updated","planId":"123","data":{"task":{"id":1,"title":"t","status":null}}}"#, "task.status"),
            (r#"{"type":"task-updated","planId":"123","data":{"task":{"title":"t","status":"s"}}}"#, "task.id"),
            (r#"{"type":"task-created","planId":"123","data":{"task":{"id":2,"title":{},"status":"s"}}}"#, "task.title"),
            (r#"{"type":"task-updated","planId":"123","data":{"task":[{"id":1,"title":"t","status":"s"}]}}"#, "data.task"),
            (r#"{"type":"task-created","planId":"123","data":{"task":"t"}}"#, "data.task"),
            (r#"{"type":"task-reordered","planId":"123","data":{"taskIds":["1",{"id":2}]}}"#, "taskIds"),
            (r#"{"type":"progress-updated","planId":"123","data":{"progress":{"totalTasks":-1,"completedTasks":0,"completionPercentage":0}}}"#, "non-negative integers"),
            (r#"{"type":"progress-updated","planId":"123","data":{"progress":{"totalTasks":2.5,"completedTasks":0,"completionPercentage":0}}}"#, "non-negative integers"),
        ] {
            MAIN.fault("malformed", json!({"connectionId": conn, "frame": frame})).await;
            let error = rec.next("error").await;
            assert_eq!(error["code"], "INVALID_FRAME", "{frame}: {error}");
            assert!(error["message"].as_str().is_some_and(|m| m.contains(field)), "{frame}: {error} names {field}");
        }
        // The envelope (read member by member in the browser) by serde's rules for the header: an
        // object, `type` a string, `planId` a string, `seq` a non-negative safe integer; `null`
        // members read as absent.
        for frame in [
            "null",
            "[1]",
            r#""task-updated""#,
            r#"{"planId":"123"}"#,
            r#"{"type":5}"#,
            r#"{"type":"sparkle","planId":7}"#,
            r#"{"type":"sparkle","seq":"5"}"#,
            r#"{"type":"sparkle","seq":-1}"#,
            r#"{"type":"sparkle","seq":1.5}"#,
            r#"{"type":"sparkle","seq":9007199254740992}"#,
        ] {
            MAIN.fault("malformed", json!({"connectionId": conn, "frame": frame})).await;
            let error = rec.next("error").await;
            assert_eq!(error["code"], "INVALID_FRAME", "{frame}: {error}");
        }
        MAIN.fault("malformed", json!({"connectionId": conn, "frame": r#"{"type":"sparkle","planId":null,"data":null,"seq":null}"#})).await;
        assert_eq!(rec.next("message").await, json!({"type": "sparkle"}));
        // A sentinel after them: by the time it arrives, no task or progress event fired.
        MAIN.fault("malformed", json!({"connectionId": conn, "frame": r#"{"type":"sentinel"}"#})).await;
        assert_eq!(rec.next("message").await["type"], "sentinel");
        let events_after = (rec.all("taskUpdated").len(), rec.all("taskCreated").len(), rec.all("taskReordered").len(), rec.all("progressUpdated").len());
        assert_eq!(events_after, events_before, "no event for a payload that breaks its type");
        assert_eq!(alice.state(), "open");
        assert_eq!(participant_count(&alice, "123"), 2);

        // The server refuses a plan alice is not a member of.
        join(&alice, "456");
        let refused = rec.next("error").await;
        assert_eq!((refused["code"].as_str(), refused["planId"].as_str()), (Some("FORBIDDEN"), Some("456")), "{refused}");

        leave(&bob, "123");
        let left = rec.next("userLeft").await;
        assert_eq!((left["userId"].clone(), left["participantCount"].clone()), (json!(2), json!(1)), "{left}");
        assert_eq!(participant_count(&alice, "123"), 1);
        // Still alive after all that: a change made now still arrives.
        MAIN.http("POST", "/api/plans/123/tasks", Some(&bob_token), Some(json!({"title": "still here"}))).await;
        assert_eq!(rec.next("taskCreated").await["task"]["title"], "still here");
        assert!(rec.all("resync").is_empty(), "{}", shown(&rec.all("resync")));
    })
    .await;
}

#[wasm_bindgen_test]
async fn counts_a_user_with_two_clients_once() {
    within(10_000, async {
        let (alice, rec) = joined((1, "alice"), &["123"]).await;
        let (bob1, bob1_rec) = joined((2, "bob"), &["123"]).await;
        let (bob2, bob2_rec) = joined((2, "bob"), &["123"]).await;
        let Some(confirm) = bob2_rec.all("joined").pop() else { panic!("bob's second tab has no joined") };
        assert_eq!(confirm["participantCount"], 2, "{confirm}");
        assert_eq!(confirm["participants"].as_array().map(Vec::len), Some(2), "{confirm}");
        // A change broadcast now reaches alice after anything the joins made the server send her.
        let bob_token = MAIN.token(2, "bob").await;
        MAIN.http("POST", "/api/plans/123/tasks", Some(&bob_token), Some(json!({"title": "two tabs"}))).await;
        rec.next("taskCreated").await;
        assert_eq!(participant_count(&alice, "123"), 2);
        assert_eq!(rec.all("userJoined").len(), 1, "bob's second tab is not a new participant: {}", shown(&rec.all("userJoined")));

        // bob's first tab leaves: bob is still there through the second one. Joining 456 after
        // leaving makes the server process the leave before the change below is broadcast.
        leave(&bob1, "123");
        join(&bob1, "456");
        bob1_rec.next_where("joined", "for plan 456", |j| j["planId"] == "456").await;
        MAIN.http("POST", "/api/plans/123/tasks", Some(&bob_token), Some(json!({"title": "one tab left"}))).await;
        rec.next("taskCreated").await;
        assert!(rec.all("userLeft").is_empty(), "{}", shown(&rec.all("userLeft")));
        assert_eq!(participant_count(&alice, "123"), 2);

        // The last tab goes: now bob left.
        bob2.close();
        let left = rec.next("userLeft").await;
        assert_eq!((left["userId"].clone(), left["participantCount"].clone()), (json!(2), json!(1)), "{left}");
        assert_eq!(participants(&alice, "123"), json!([{"userId": 1, "userName": "alice"}]));
    })
    .await;
}
