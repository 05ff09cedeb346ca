//! Options: defaults and validation.
//!
//! Checklist:
//! - [x] defaults are seed 000's numbers (1000 · 2^n capped at 30000, 5 attempts, 30 s pings)
//!   plus ours (jitter 0.5, stable 5 s, pong and connect timeouts 10 s, query auth)
//! - [x] `Infinity` attempts means no limit; fractional or negative counts are refused
//! - [x] bad URLs → INVALID_URL; out-of-range numbers, NaN, bad authMode → INVALID_OPTION
//! - [x] the error text is `CODE: message`

use crate::core::{AuthMode, ConfigError, Options, RawOptions};

fn with(f: impl FnOnce(&mut RawOptions)) -> Result<Options, ConfigError> {
    let mut raw = RawOptions { url: "wss://example.com/ws".into(), ..RawOptions::default() };
    f(&mut raw);
    Options::validate(raw)
}

#[test]
fn defaults_reproduce_the_seed() {
    let o = with(|_| {}).unwrap();
    assert_eq!(o.base_delay_ms, 1000);
    assert_eq!(o.max_delay_ms, 30_000);
    assert_eq!(o.max_attempts, Some(5));
    assert_eq!(o.ping_interval_ms, 30_000);
    assert_eq!(o.pong_timeout_ms, 10_000);
    assert_eq!(o.connect_timeout_ms, 10_000);
    assert_eq!(o.stable_after_ms, 5000);
    assert_eq!(o.jitter, 0.5);
    assert_eq!(o.auth_mode, AuthMode::Query);
    assert!(!o.has_get_token);
}

#[test]
fn infinity_means_no_attempt_limit() {
    assert_eq!(with(|r| r.max_reconnect_attempts = Some(f64::INFINITY)).unwrap().max_attempts, None);
    assert_eq!(with(|r| r.max_reconnect_attempts = Some(0.0)).unwrap().max_attempts, Some(0));
    for bad in [-1.0, 1.5, f64::NAN, f64::NEG_INFINITY] {
        let err = with(|r| r.max_reconnect_attempts = Some(bad)).unwrap_err();
        assert_eq!(err.code, "INVALID_OPTION", "{bad}");
    }
}

#[test]
fn bad_urls_are_refused() {
    for url in ["", "http://x/ws", "ws://", "ws:///path", "ws://host/ws#frag", "ws://ho st/ws", "localhost:5000"] {
        let err = with(|r| r.url = url.into()).unwrap_err();
        assert_eq!(err.code, "INVALID_URL", "{url}");
    }
    for url in ["ws://localhost:5000/ws", "WSS://example.com/ws?x=1", "ws://127.0.0.1:1/"] {
        assert!(with(|r| r.url = url.into()).is_ok(), "{url}");
    }
}

#[test]
fn bad_numbers_are_refused_with_the_option_named() {
    type Case = (fn(&mut RawOptions), &'static str);
    let cases: [Case; 8] = [
        (|r| r.jitter = Some(1.5), "jitter must be between 0 and 1"),
        (|r| r.jitter = Some(f64::NAN), "jitter must be between 0 and 1"),
        (|r| r.base_delay_ms = Some(0.0), "baseDelayMs must be a number from 1 to 2147483647"),
        (|r| r.max_delay_ms = Some(1e12), "maxDelayMs must be a number from 1 to 2147483647"),
        (|r| r.ping_interval_ms = Some(-5.0), "pingIntervalMs must be a number from 1 to 2147483647"),
        (|r| r.pong_timeout_ms = Some(f64::NAN), "pongTimeoutMs must be a number from 1 to 2147483647"),
        (|r| r.stable_after_ms = Some(f64::INFINITY), "stableAfterMs must be a number from 0 to 2147483647"),
        (|r| { r.base_delay_ms = Some(5000.0); r.max_delay_ms = Some(1000.0) }, "maxDelayMs must be at least baseDelayMs"),
    ];
    for (f, message) in cases {
        let err = with(f).unwrap_err();
        assert_eq!(err, ConfigError::option(message));
    }
}

#[test]
fn jitter_is_accepted_as_range_contains_accepts_it() {
    let edges = [-0.0, 0.0, 1.0, -1e-300, 1.0 + f64::EPSILON, 5e-324, f64::NAN, f64::INFINITY, f64::NEG_INFINITY];
    for j in edges {
        assert_eq!(with(|r| r.jitter = Some(j)).is_ok(), (0.0..=1.0).contains(&j), "{j}");
    }
}

#[test]
fn auth_mode_and_token_are_checked() {
    assert_eq!(with(|r| r.auth_mode = Some("message".into())).unwrap().auth_mode, AuthMode::Message);
    assert_eq!(with(|r| r.auth_mode = Some("cookie".into())).unwrap_err().code, "INVALID_OPTION");
    assert_eq!(with(|r| r.token = Some(String::new())).unwrap_err().code, "INVALID_OPTION");
}

#[test]
fn error_text_starts_with_the_code() {
    let err = with(|r| r.jitter = Some(2.0)).unwrap_err();
    assert_eq!(err.text(), "INVALID_OPTION: jitter must be between 0 and 1");
}
