//! Counters behind `GET /api/v1/ws/metrics`.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

/// A limit or timeout the server enforced; counted in the metrics (`limits`) and logged (at most
/// once a second per kind, with the running total).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit {
    /// Request headers (or the next keep-alive request) did not arrive within `--header-timeout-ms`.
    HeaderTimeout,
    /// No byte moved on an HTTP connection for `--idle-timeout-ms`.
    IdleTimeout,
    /// An unauthenticated connection was closed to admit a new one (`--max-pending-connections`).
    Evicted,
    /// A WebSocket was not authenticated within `--upgrade-timeout-ms` / `--auth-timeout-ms`.
    AuthTimeout,
    /// A REST body did not arrive within `--body-timeout-ms`.
    BodyTimeout,
    /// A REST body exceeded `--max-body-bytes`.
    BodyTooLarge,
    /// A REST request was refused by `--rest-rate-limit`.
    RestRateLimited,
    /// A WebSocket exceeded `--frame-rate-limit` or `--rate-limit` and was closed with 1008.
    FrameRate,
    /// A WebSocket exceeded `--max-inbound-bytes-per-sec` and was closed with 1008.
    InboundBytes,
    /// A WebSocket protocol violation (unmasked frame, reserved bits, bad opcode…): close 1002.
    ProtocolError,
    /// A text frame that is not UTF-8: close 1007.
    InvalidUtf8,
    /// A WebSocket answered no ping within three ping intervals and was dropped.
    PingTimeout,
    /// Accepting a connection failed (e.g. out of file descriptors).
    AcceptFailed,
    /// A `/ws` request from an origin not in `--allow-origin` was refused.
    OriginRefused,
    /// A `/ws` request whose `Host` is not in `--allow-host` was refused.
    HostRefused,
}

impl Limit {
    const ALL: [Limit; 15] = [
        Limit::HeaderTimeout,
        Limit::IdleTimeout,
        Limit::Evicted,
        Limit::AuthTimeout,
        Limit::BodyTimeout,
        Limit::BodyTooLarge,
        Limit::RestRateLimited,
        Limit::FrameRate,
        Limit::InboundBytes,
        Limit::ProtocolError,
        Limit::InvalidUtf8,
        Limit::PingTimeout,
        Limit::AcceptFailed,
        Limit::OriginRefused,
        Limit::HostRefused,
    ];

    /// Its name in the metrics document.
    pub fn name(self) -> &'static str {
        match self {
            Limit::HeaderTimeout => "headerTimeout",
            Limit::IdleTimeout => "idleTimeout",
            Limit::Evicted => "evicted",
            Limit::AuthTimeout => "authTimeout",
            Limit::BodyTimeout => "bodyTimeout",
            Limit::BodyTooLarge => "bodyTooLarge",
            Limit::RestRateLimited => "restRateLimited",
            Limit::FrameRate => "frameRate",
            Limit::InboundBytes => "inboundBytes",
            Limit::ProtocolError => "protocolError",
            Limit::InvalidUtf8 => "invalidUtf8",
            Limit::PingTimeout => "pingTimeout",
            Limit::AcceptFailed => "acceptFailed",
            Limit::OriginRefused => "originRefused",
            Limit::HostRefused => "hostRefused",
        }
    }

    fn index(self) -> usize {
        Limit::ALL.iter().position(|l| *l == self).unwrap_or(0)
    }
}

/// Server-wide message and error counters (connection and room gauges come from the hub).
#[derive(Debug)]
pub struct Counters {
    messages_in: AtomicU64,
    messages_out: AtomicU64,
    errors: AtomicU64,
    limits: [AtomicU64; Limit::ALL.len()],
    /// Milliseconds since `started` of each kind's last log line (+1; 0 = never).
    logged: [AtomicU64; Limit::ALL.len()],
    started: Instant,
}

impl Default for Counters {
    fn default() -> Self {
        Counters {
            messages_in: AtomicU64::new(0),
            messages_out: AtomicU64::new(0),
            errors: AtomicU64::new(0),
            limits: std::array::from_fn(|_| AtomicU64::new(0)),
            logged: std::array::from_fn(|_| AtomicU64::new(0)),
            started: Instant::now(),
        }
    }
}

impl Counters {
    /// Counts `n` hits of a limit and logs it (at most once a second per kind).
    pub fn limit(&self, limit: Limit, n: u64) {
        let i = limit.index();
        let total = self.limits[i].fetch_add(n, Ordering::Relaxed) + n;
        let now = self.started.elapsed().as_millis() as u64 + 1;
        let last = self.logged[i].load(Ordering::Relaxed);
        if (last == 0 || now.saturating_sub(last) >= 1000)
            && self.logged[i].compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed).is_ok()
        {
            tracing::warn!(limit = limit.name(), total, "limit enforced");
        }
    }

    /// How often each limit was enforced, by name.
    pub fn limits(&self) -> BTreeMap<&'static str, u64> {
        Limit::ALL.iter().map(|l| (l.name(), self.limits[l.index()].load(Ordering::Relaxed))).collect()
    }

    /// A data frame was received from a client.
    pub fn message_in(&self) {
        self.messages_in.fetch_add(1, Ordering::Relaxed);
    }

    /// A data frame was written to a client.
    pub fn message_out(&self) {
        self.messages_out.fetch_add(1, Ordering::Relaxed);
    }

    /// An `error` message was sent, a token was refused, or a connection was closed for misbehaving.
    pub fn error(&self) {
        self.errors.fetch_add(1, Ordering::Relaxed);
    }

    /// (messages in, messages out, errors).
    pub fn snapshot(&self) -> (u64, u64, u64) {
        (
            self.messages_in.load(Ordering::Relaxed),
            self.messages_out.load(Ordering::Relaxed),
            self.errors.load(Ordering::Relaxed),
        )
    }
}

/// The metrics document.
#[derive(serde::Serialize, Debug, Clone, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Metrics {
    /// Open, authenticated WebSocket connections.
    pub connections: usize,
    /// Rooms that exist (occupied, or empty and not yet swept).
    pub rooms: usize,
    /// Distinct users summed over rooms.
    pub participants: usize,
    /// Data frames received.
    pub messages_in: u64,
    /// Data frames sent.
    pub messages_out: u64,
    /// Errors (see [`Counters::error`]).
    pub errors: u64,
    /// `participants / rooms`, 0 without rooms.
    pub average_room_size: f64,
    /// Milliseconds since start.
    pub uptime_ms: u64,
    /// TCP connections not (yet) authenticated WebSockets (REST, upgrading, waiting for `auth`).
    pub pending_connections: usize,
    /// How often each limit or timeout was enforced ([`Limit::name`]).
    pub limits: BTreeMap<&'static str, u64>,
}
