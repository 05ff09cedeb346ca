//! The server's inactivity sweep (close code 4002 `inactive`): a client that keeps pinging in a busy
//! room is never swept; a silent one is, and recovers what it missed.
//! The wasm client in headless Chrome and Firefox against a second live mock server,
//! `PLANWIRE_TEST_SERVER_SWEEP`, started by `scripts/test-browser.sh` with `--enable-faults`, a short
//! `--inactive-after-ms` (compiled in as `PLANWIRE_TEST_SWEEP_INACTIVE_MS`, 5 s) and a fast
//! `--sweep-every-ms`. Only room participants are swept; received broadcasts are not activity, the
//! client's pings are. Every test has its own timeout.
//!
//! Checklist:
//! - [x] busy room: pinging every 2/5 of the inactivity limit while the room gets one REST change a
//!   second for twice the limit, the client receives every change exactly once, in order, keeps
//!   its connection (no `close`, in particular no 4002) and its pings reach the server
//! - [x] a silent connection is swept: `close {code: 4002, reason: 'inactive', willReconnect: true}`
//!   once the limit passed (its participants are cleared meanwhile), the client reconnects after its
//!   backoff, re-joins with `lastSeq` (`recovered: true`) and receives the changes made while it was
//!   away exactly once, in order, without `resync`; live changes follow
#![cfg(target_arch = "wasm32")]

mod common;

use common::*;
use serde_json::json;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// The server's inactivity close code (`planwire_protocol::CloseCode::Inactive`).
const INACTIVE: u16 = 4002;
/// The client's default `pingIntervalMs`: a client with it is silent for the sweep server.
const DEFAULT_PING_INTERVAL_MS: u32 = 30_000;

#[wasm_bindgen_test]
async fn a_pinging_client_in_a_busy_room_is_never_swept() {
    let inactive = sweep_inactive_ms();
    // One change a second for twice the inactivity limit (at least 8 s).
    let rounds = (2 * inactive).div_ceil(1000).max(8);
    let ping_interval = inactive * 2 / 5;
    within(rounds * 1000 + 10_000, async {
        let alice = SWEEP.token(1, "alice").await;
        let bob = SWEEP.token(2, "bob").await;
        let client = Opts::on(&SWEEP, Some(&alice)).set("pingIntervalMs", ping_interval).client();
        let rec = Recorder::attach(&client);
        client.connect();
        let open = rec.next("open").await;
        let Some(id) = open["connectionId"].as_str().map(str::to_owned) else { panic!("a connectionId in {open}") };
        join(&client, "123");
        rec.next("joined").await;
        let messages_in = SWEEP.metrics().await["messagesIn"].as_u64().unwrap_or_else(|| panic!("messagesIn in the metrics"));

        let started = now();
        let mut seqs = Vec::new();
        for round in 1..=rounds {
            let title = format!("busy {round}");
            seqs.push(SWEEP.retitle(4, &bob, None, &title).await);
            let got = rec.next("taskUpdated").await;
            assert_eq!(got["task"]["title"], title.as_str(), "round {round}: the next change is this one: {got}");
            assert_eq!(client.state(), "open", "round {round}: {}", rec.summary());
            // Pacing, not synchronisation: the room gets one change a second, whatever the client does.
            let next_round_at = started + f64::from(round) * 1000.0;
            let wait = next_round_at - now();
            if wait > 0.0 {
                sleep(wait as u32).await;
            }
        }
        let elapsed = now() - started;
        assert!(elapsed >= 2.0 * f64::from(inactive), "the room was busy for {elapsed} ms, twice the limit at least");

        let got = updates(&rec);
        assert_in_order_once(&got, &titles("busy", 1..=rounds));
        assert_eq!(got.iter().map(|(seq, _)| *seq).collect::<Vec<_>>(), seqs, "the seq of each change");
        assert!(rec.all("close").is_empty(), "never closed (4002 would be the sweep): {}", shown(&rec.all("close")));
        assert_eq!(rec.all("open").len(), 1, "one connection: {}", rec.summary());
        assert_eq!(client.connection_id().as_string().as_deref(), Some(id.as_str()));
        assert!(rec.all("resync").is_empty(), "{}", shown(&rec.all("resync")));
        assert_eq!(participant_count(&client, "123"), 1);
        // The client alone talks to this server now: what it sent is its pings.
        let sent = SWEEP.metrics().await["messagesIn"].as_u64().unwrap_or(0) - messages_in;
        let expected = (elapsed / f64::from(ping_interval)) as u64;
        assert!(sent + 1 >= expected, "{sent} pings in {elapsed} ms at one per {ping_interval} ms");
    })
    .await;
}

#[wasm_bindgen_test]
async fn a_silent_client_swept_with_4002_reconnects_and_recovers_what_it_missed() {
    let inactive = sweep_inactive_ms();
    assert!(inactive < DEFAULT_PING_INTERVAL_MS, "the default ping interval must exceed the server's inactivity limit");
    within(inactive + 15_000, async {
        // Default pings (30 s): silent for longer than the limit. The reconnect waits 1.5 s.
        let (client, rec, first) = bob_in_456(&SWEEP, 1500).await;
        let joined_at = now();
        let bob = SWEEP.token(2, "bob").await;
        // Received broadcasts are not activity: the client reads these and stays silent.
        for title in titles("before", 1..=2) {
            SWEEP.retitle(7, &bob, None, &title).await;
            assert_eq!(rec.next("taskUpdated").await["task"]["title"], title.as_str());
        }
        assert_eq!(participant_count(&client, "456"), 1);

        let close = rec.next("close").await;
        let swept_after = now() - joined_at;
        assert_eq!(close, json!({"code": INACTIVE, "reason": "inactive", "willReconnect": true}), "{}", rec.summary());
        assert!(swept_after + 250.0 >= f64::from(inactive), "swept {swept_after} ms after its last message, before the {inactive} ms limit");
        assert_eq!(participant_count(&client, "456"), 0, "participants are cleared until the re-join");
        let cleared = rec.next_where("participantsChanged", "with 0 participants", |p| p["participantCount"] == 0).await;
        assert_eq!(cleared["planId"], "456", "{cleared}");

        // Changes made while it is away.
        let away = titles("away", 1..=5);
        for title in &away {
            SWEEP.retitle(7, &bob, None, title).await;
        }
        assert_eq!(rec.all("open").len(), 1, "the changes were made before the reconnect");
        assert_eq!(rec.next("reconnecting").await, json!({"attempt": 1, "delayMs": 1500}));
        let reopened = rec.reopened().await;
        assert_ne!(reopened["connectionId"], json!(first), "a new connection: {reopened}");
        let rejoined = rec.next("joined").await;
        assert_eq!((rejoined["planId"].as_str(), rejoined["recovered"].as_bool()), (Some("456"), Some(true)), "{rejoined}");
        rec.next_where("taskUpdated", "titled away 5", |u| u["task"]["title"] == "away 5").await;
        let mut want = titles("before", 1..=2);
        want.extend(away);
        assert_in_order_once(&updates(&rec), &want);
        assert!(rec.all("resync").is_empty(), "{}", shown(&rec.all("resync")));
        assert_eq!(participant_count(&client, "456"), 1);

        // Live again.
        let live = SWEEP.retitle(7, &bob, None, "live").await;
        let got = rec.next("taskUpdated").await;
        assert_eq!((got["task"]["title"].as_str(), got["seq"].as_u64()), (Some("live"), Some(live)), "{got}");
        want.push("live".to_owned());
        assert_in_order_once(&updates(&rec), &want);
        assert_eq!(rec.all("close").len(), 1, "{}", rec.summary());
    })
    .await;
}
