//! Counters behind `GET /api/v1/ws/metrics`.

use std::sync::atomic::{AtomicU64, Ordering};

/// Server-wide message and error counters (connection and room gauges come from the hub).
#[derive(Debug, Default)]
pub struct Counters {
    messages_in: AtomicU64,
    messages_out: AtomicU64,
    errors: AtomicU64,
}

impl Counters {
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
}
