//! Background tabs (browsers delay their timers to once a minute) are not dropped:
//! - [x] defaults: the only idle rule is the inactivity sweep (30 min), far longer than a minute,
//!   and the rate limit allows a ping a minute many times over
//! - [x] scaled in time: a client pinging only every 400 ms stays in its room under a 1.2 s
//!   inactivity limit swept every 50 ms, while a silent client is closed with 4002 `inactive`

mod common;

use std::time::Duration;

use common::*;
use mock_server::Config;
use reqwest::Method;
use serde_json::{json, Value};

const MINUTE: Duration = Duration::from_secs(60);

#[test]
fn defaults_outlast_a_once_a_minute_timer() {
    let cfg = Config::default();
    assert_eq!(cfg.inactive_after, 30 * MINUTE);
    assert!(cfg.inactive_after >= 2 * MINUTE + cfg.sweep_every, "a missed tick must not be enough to be swept");
    let per_minute = f64::from(cfg.rate_limit) * MINUTE.as_secs_f64() / cfg.rate_window.as_secs_f64();
    assert!(per_minute >= 10.0, "{per_minute}");
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

#[tokio::test]
async fn a_throttled_client_is_kept_while_a_silent_one_is_swept() {
    within(20, async {
        let s = server_with(|c| {
            c.inactive_after = Duration::from_millis(1200);
            c.sweep_every = Duration::from_millis(50);
        })
        .await;
        let (mut alice, _) = s.join(ALICE, "123").await;
        let (mut bob, _) = s.join(BOB, "123").await;
        alice.recv_type("join-plan").await;

        // Alice's timer fires every 400 ms (a throttled tab); Bob sends nothing.
        let mut seen = Vec::new();
        for _ in 0..7 {
            tokio::time::sleep(Duration::from_millis(400)).await;
            seen.extend(ping(&mut alice).await);
        }
        let left: Vec<_> = seen.iter().filter(|m| m["type"] == "leave-plan").collect();
        assert_eq!(left.len(), 1, "{seen:?}");
        assert_eq!(left[0]["data"]["userId"], 2, "silent Bob was swept");
        assert_eq!(bob.expect_close().await, (planwire_protocol::CloseCode::Inactive.code(), "inactive".to_owned()));

        // 2.8 s later, Alice is still in the room.
        let (status, _, _) = s.rest(Method::PATCH, "/api/tasks/1", Some(&s.token(BOB)), None, Some(json!({"title": "z"}))).await;
        assert_eq!(status, 200);
        assert_eq!(alice.recv_type("task-updated").await["data"]["task"]["title"], "z");
        assert_eq!(s.metrics().await["participants"], 1);
    })
    .await;
}
