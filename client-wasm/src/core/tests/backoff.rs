//! Reconnection backoff, attempt limit and stable-period reset, in fake time.
//!
//! Checklist:
//! - [x] `jitter: 0` reproduces seed 000 exactly: 1000, 2000, 4000, 8000, 16000, then `failed`
//! - [x] no attempt starts before its delay has elapsed, and each starts exactly on time
//! - [x] the cap holds with jitter on and with unlimited attempts (…16000, 30000, 30000)
//! - [x] jitter spreads delays within [d·(1−jitter), d·(1+2·jitter)] of the seed's delay d, never above the cap
//! - [x] `maxReconnectAttempts: 0` fails at the first drop
//! - [x] the counter resets only after `stableAfterMs` open: accept-then-drop cannot loop tightly
//! - [x] `reconnect()` from `failed` starts again at attempt 1

use super::harness::{Drive, failures, opens, reconnecting, Client};
use crate::core::backoff::{Backoff, Rng};
use crate::core::{Options, RawOptions, State};

/// The server is down: every attempt fails at once with 1006. Returns the delays seen.
fn delays_until_failed(c: &mut Client, limit: usize) -> Vec<u64> {
    let mut delays = Vec::new();
    c.m.connect(c.now);
    assert_eq!(opens(&c.take()).len(), 1);
    for _ in 0..limit {
        let actions = c.server_closes(1006);
        let Some(&(attempt, delay)) = reconnecting(&actions).first() else { break };
        assert_eq!(attempt as usize, delays.len() + 1);
        delays.push(delay);
        let start = c.now;
        c.advance(delay - 1);
        assert!(opens(&c.take()).is_empty(), "attempt {attempt} started early");
        c.advance_to(start + delay);
        assert_eq!(opens(&c.take()).len(), 1, "attempt {attempt} did not start on time");
    }
    delays
}

#[test]
fn exact_seed_sequence_without_jitter_then_failed() {
    // Without the revival timer (`reviveIntervalMs: 0`; core/revive.rs covers revival).
    let mut c = Client::with(|r| r.revive_interval_ms = Some(0.0));
    let delays = delays_until_failed(&mut c, 10);
    assert_eq!(delays, [1000, 2000, 4000, 8000, 16000]);
    assert_eq!(c.m.state(), State::Failed);
    assert_eq!(c.m.next_deadline(), None);
    c.advance(1_000_000);
    assert!(c.take().is_empty(), "a failed client does nothing");
}

#[test]
fn the_last_failure_reports_max_attempts() {
    let mut c = Client::new();
    delays_until_failed(&mut c, 5);
    let actions = c.server_closes(1006);
    assert_eq!(failures(&actions), ["max-attempts"]);
}

#[test]
fn unlimited_attempts_stay_at_the_cap() {
    let mut c = Client::with(|r| r.max_reconnect_attempts = Some(f64::INFINITY));
    let delays = delays_until_failed(&mut c, 8);
    assert_eq!(delays, [1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]);
    assert_eq!(c.m.state(), State::Reconnecting);
}

#[test]
fn jittered_delays_stay_between_half_and_twice_the_seed_delay_under_the_cap() {
    let mut c = Client::with(|r| {
        r.jitter = Some(0.5);
        r.max_reconnect_attempts = Some(f64::INFINITY);
    });
    let delays = delays_until_failed(&mut c, 12);
    let seed = [1000u64, 2000, 4000, 8000, 16000, 30000, 30000, 30000, 30000, 30000, 30000, 30000];
    for (d, seed) in delays.iter().zip(seed) {
        let high = (seed * 2).min(30000);
        assert!(*d <= high && *d >= seed / 2, "{d} outside [{}, {high}]", seed / 2);
    }
    assert!(delays[..5].iter().zip(seed).any(|(d, s)| *d > s), "jitter never went above the seed delay: {delays:?}");
    assert!(delays[5..].iter().any(|d| *d != 30000), "jitter had no effect: {delays:?}");
}

#[test]
fn full_jitter_never_exceeds_the_cap_and_spreads_widely() {
    let options = Options::validate(RawOptions {
        url: "ws://h/ws".into(),
        jitter: Some(1.0),
        ..RawOptions::default()
    })
    .unwrap();
    let backoff = Backoff::new(&options);
    let mut rng = Rng::new(7);
    let samples: Vec<u64> = (0..10_000).map(|_| backoff.delay(20, &mut rng)).collect();
    assert!(samples.iter().all(|d| *d <= 30_000));
    assert!(samples.iter().any(|d| *d < 3_000) && samples.iter().any(|d| *d > 27_000));
    // The same seed gives the same sequence (the glue seeds from Math.random per client).
    let mut again = Rng::new(7);
    assert_eq!(backoff.delay(20, &mut again), samples[0]);
}

#[test]
fn huge_attempt_numbers_do_not_overflow() {
    let options = Options::validate(RawOptions { url: "ws://h/ws".into(), jitter: Some(0.0), ..RawOptions::default() }).unwrap();
    let backoff = Backoff::new(&options);
    let mut rng = Rng::new(1);
    for attempt in [31, 32, 63, 64, 65, u32::MAX] {
        assert_eq!(backoff.delay(attempt, &mut rng), 30_000);
    }
}

#[test]
fn zero_attempts_fail_at_the_first_drop() {
    let mut c = Client::with(|r| r.max_reconnect_attempts = Some(0.0));
    c.open();
    let actions = c.server_closes(1006);
    assert!(reconnecting(&actions).is_empty());
    assert_eq!(failures(&actions), ["max-attempts"]);
    assert_eq!(c.m.state(), State::Failed);
}

#[test]
fn accept_then_drop_keeps_counting_until_failed() {
    // The server confirms every connection and drops it 100 ms later: no tight loop.
    let mut c = Client::new();
    c.open();
    let mut delays = Vec::new();
    loop {
        c.advance(100);
        let actions = c.server_closes(1011);
        match reconnecting(&actions).first() {
            Some(&(_, delay)) => delays.push(delay),
            None => {
                assert_eq!(failures(&actions), ["max-attempts"]);
                break;
            }
        }
        c.advance(delays[delays.len() - 1]);
        c.take();
        c.socket_up();
    }
    assert_eq!(delays, [1000, 2000, 4000, 8000, 16000]);
}

#[test]
fn counter_resets_only_after_the_stable_period() {
    let mut c = Client::new();
    c.open();
    c.server_closes(1006);
    c.advance(1000);
    c.take();
    c.socket_up();
    // Open for 4999 ms: not stable yet, so the next delay doubles.
    c.advance(4999);
    assert_eq!(reconnecting(&c.server_closes(1006)), [(2, 2000)]);
    c.advance(2000);
    c.take();
    c.socket_up();
    // Open for the full 5000 ms: the counter resets.
    c.advance(5000);
    assert_eq!(c.m.attempt(), 0);
    assert_eq!(reconnecting(&c.server_closes(1006)), [(1, 1000)]);
}

#[test]
fn reconnect_from_failed_starts_over() {
    let mut c = Client::with(|r| r.max_reconnect_attempts = Some(1.0));
    c.m.connect(c.now);
    c.take();
    c.server_closes(1006);
    c.advance(1000);
    c.take();
    c.server_closes(1006);
    assert_eq!(c.m.state(), State::Failed);
    c.m.reconnect(c.now);
    assert_eq!(opens(&c.take()).len(), 1, "reconnect() connects at once");
    assert_eq!(c.m.state(), State::Reconnecting);
    assert_eq!(reconnecting(&c.server_closes(1006)), [(1, 1000)]);
}
