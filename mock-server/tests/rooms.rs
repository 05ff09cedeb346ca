//! Covers rooms and presence:
//! - [x] join/leave/disconnect notifications and counts with 3 users, one of them with 2 connections
//!   (the user counts once; "joined" on their first connection, "left" only after their last)
//! - [x] FORBIDDEN (not a member) and NOT_FOUND (unknown plan): error, no join, no notification
//! - [x] no cross-room leakage of broadcasts or presence
//! - [x] the sweep closes idle participants with 4002 `inactive` (announcing they left) and deletes
//!   empty rooms (short durations; more in `inactivity.rs`)

mod common;

use std::time::Duration;

use common::*;
use planwire_protocol::{TaskStatus, UserId};
use reqwest::Method;
use serde_json::json;

const CAROL: (i64, &str) = (4, "carol");

#[tokio::test]
async fn three_users_one_with_two_tabs() {
    within(30, async {
        let s = server().await;
        let members = vec![UserId::Num(1), UserId::Num(2), UserId::Num(4)];
        s.server.app().hub.add_plan("team", "Team plan", members, &[("A", TaskStatus::NotStarted)]);

        let (mut alice1, c) = s.join(ALICE, "team").await;
        assert_eq!(c["data"]["participantCount"], 1);
        let (mut bob, c) = s.join(BOB, "team").await;
        assert_eq!(c["data"]["participantCount"], 2);
        assert_eq!(alice1.recv_type("join-plan").await["data"]["userName"], "bob");
        let (mut carol, c) = s.join(CAROL, "team").await;
        assert_eq!(c["data"]["participantCount"], 3);
        for other in [&mut alice1, &mut bob] {
            let joined = other.recv_type("join-plan").await;
            assert_eq!(joined["data"], json!({"userId":4,"userName":"carol","participantCount":3}));
        }

        // Alice's second tab: counted once, listed once, announced to nobody.
        let (alice2, c) = s.join(ALICE, "team").await;
        assert_eq!(c["data"]["participantCount"], 3);
        let ids: Vec<i64> = c["data"]["participants"].as_array().unwrap().iter().map(|p| p["userId"].as_i64().unwrap()).collect();
        assert_eq!(ids, vec![1, 2, 4]);
        for other in [&mut alice1, &mut bob, &mut carol] {
            other.assert_nothing_pending().await;
        }
        assert_eq!(s.metrics().await["participants"], 3);

        // Closing one of Alice's tabs: she is still present.
        alice1.close().await;
        bob.assert_nothing_pending().await;
        carol.assert_nothing_pending().await;

        // Her last tab disconnects: the others hear she left.
        alice2.close().await;
        for other in [&mut bob, &mut carol] {
            let left = other.recv_type("leave-plan").await;
            assert_eq!(left["data"]["userId"], 1);
            assert_eq!(left["data"]["participantCount"], 2);
        }

        // An explicit leave-plan.
        bob.send(json!({"type":"leave-plan","planId":"team"})).await;
        let left = carol.recv_type("leave-plan").await;
        assert_eq!((left["data"]["userId"].as_i64(), left["data"]["participantCount"].as_i64()), (Some(2), Some(1)));
        // Bob no longer receives the room's broadcasts.
        let (status, _, _) = s.rest(Method::PATCH, "/api/tasks/8", Some(&s.token(CAROL)), None, Some(json!({"title":"B"}))).await;
        assert_eq!(status, 200);
        carol.recv_type("task-updated").await;
        bob.assert_nothing_pending().await;
    })
    .await;
}

#[tokio::test]
async fn forbidden_and_not_found_joins() {
    within(20, async {
        let s = server().await;
        let (mut alice, _) = s.join(ALICE, "123").await;
        let mut mallory = s.connect(MALLORY).await;
        mallory.send(json!({"type":"join-plan","planId":"123"})).await;
        let err = mallory.recv_type("error").await;
        assert_eq!(err["data"]["code"], "FORBIDDEN");
        assert_eq!(err["data"]["planId"], "123");
        assert!(err["data"]["message"].as_str().unwrap().contains("member"));
        mallory.send(json!({"type":"join-plan","planId":"999"})).await;
        assert_eq!(mallory.recv_type("error").await["data"]["code"], "NOT_FOUND");
        alice.assert_nothing_pending().await;

        // Mallory never receives plan 123's broadcasts.
        let (status, _, _) = s.rest(Method::PATCH, "/api/tasks/1", Some(&s.token(ALICE)), None, Some(json!({"title":"x"}))).await;
        assert_eq!(status, 200);
        mallory.assert_nothing_pending().await;
        assert_eq!(s.metrics().await["participants"], 1);
    })
    .await;
}

#[tokio::test]
async fn no_cross_room_leakage() {
    within(20, async {
        let s = server().await;
        let (mut alice, _) = s.join(ALICE, "123").await;
        let (mut bob456, _) = s.join(BOB, "456").await;
        alice.assert_nothing_pending().await;
        let (mut bob123, _) = s.join(BOB, "123").await;
        alice.recv_type("join-plan").await;
        bob456.assert_nothing_pending().await;

        let bob = s.token(BOB);
        let (status, _, _) = s.rest(Method::POST, "/api/plans/456/tasks", Some(&bob), None, Some(json!({"title":"secret"}))).await;
        assert_eq!(status, 201);
        assert_eq!(bob456.recv_type("task-created").await["planId"], "456");
        bob456.recv_type("progress-updated").await;
        alice.assert_nothing_pending().await;
        bob123.assert_nothing_pending().await;
    })
    .await;
}

#[tokio::test]
async fn sweep_closes_idle_participants_and_deletes_empty_rooms() {
    within(20, async {
        let s = server_with(|c| {
            c.inactive_after = Duration::from_millis(300);
            c.sweep_every = Duration::from_millis(50);
            c.empty_room_ttl = Duration::from_millis(100);
            c.rate_limit = 10_000;
        })
        .await;
        let (mut alice, _) = s.join(ALICE, "123").await;
        let (mut bob, _) = s.join(BOB, "123").await;
        alice.recv_type("join-plan").await;

        // Bob stays active with pings; idle Alice is swept and Bob hears she left.
        let mut every = tokio::time::interval(Duration::from_millis(50));
        let left = loop {
            every.tick().await;
            bob.send(json!({"type":"ping"})).await;
            let m = bob.recv().await;
            if m["type"] != "pong" {
                break m;
            }
        };
        assert_eq!(left["type"], "leave-plan");
        assert_eq!(left["data"]["userId"], 1);
        assert_eq!(left["data"]["participantCount"], 1);

        // Swept Alice is not left connected and deaf: her socket is closed with 4002.
        assert_eq!(alice.expect_close().await, (planwire_protocol::CloseCode::Inactive.code(), "inactive".to_owned()));
        let (status, _, _) = s.rest(Method::PATCH, "/api/tasks/1", Some(&s.token(BOB)), None, Some(json!({"title":"y"}))).await;
        assert_eq!(status, 200);
        assert_eq!(bob.recv().await["type"], "pong", "the pong of the last ping");
        bob.recv_type("task-updated").await;

        // Once Bob leaves, the empty room is deleted by a later sweep.
        bob.send(json!({"type":"leave-plan","planId":"123"})).await;
        bob.assert_nothing_pending().await;
        loop {
            if s.metrics().await["rooms"] == 0 {
                break;
            }
            every.tick().await;
        }
    })
    .await;
}
