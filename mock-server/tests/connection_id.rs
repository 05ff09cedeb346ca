//! Covers `X-Connection-Id` (issue 18):
//! - [x] connection ids are unguessable: `c` and 32 random hex digits, different each time
//! - [x] a change sent with another user's connection id is still delivered to that connection;
//!   with the caller's own connection id it skips only that one

mod common;

use common::*;
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn ids_are_random_and_another_users_id_suppresses_nothing() {
    within(20, async {
        let s = server().await;
        let (mut bob, _) = s.join(BOB, "123").await;
        let (mut alice, _) = s.join(ALICE, "123").await;
        bob.recv_type("join-plan").await; // alice joined
        for id in [&bob.connection_id, &alice.connection_id] {
            assert_eq!(id.len(), 33, "{id}");
            assert!(id.starts_with('c') && id[1..].bytes().all(|b| b.is_ascii_hexdigit()), "{id}");
        }
        assert_ne!(bob.connection_id, alice.connection_id);

        // Alice names Bob's connection: Bob still gets the change, and so does Alice.
        let alice_token = s.token(ALICE);
        let body = json!({"title": "renamed by alice"});
        let (status, _, _) = s.rest(Method::PATCH, "/api/tasks/4", Some(&alice_token), Some(&bob.connection_id), Some(body)).await;
        assert_eq!(status, 200);
        assert_eq!(bob.recv_type("task-updated").await["data"]["task"]["title"], "renamed by alice");
        assert_eq!(alice.recv_type("task-updated").await["data"]["task"]["title"], "renamed by alice");

        // Her own id skips only her connection.
        let body = json!({"title": "again"});
        let (status, _, _) = s.rest(Method::PATCH, "/api/tasks/4", Some(&alice_token), Some(&alice.connection_id), Some(body)).await;
        assert_eq!(status, 200);
        assert_eq!(bob.recv_type("task-updated").await["data"]["task"]["title"], "again");
        alice.assert_nothing_pending().await;
    })
    .await;
}
