//! Fault switches: what the `--enable-faults` routes ([`crate::fault_routes`]) turn on and the rest
//! of the server reads: [`Faults::outgoing_delay`] (read by the connection writer) and the restart
//! channel (read by the listener supervisor).

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::sync::mpsc;

/// A restart request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Restart {
    /// How long to refuse connections.
    pub down: Duration,
    /// Drop every room's history and `seq`, as a real restart would (new epochs).
    pub forget_history: bool,
}

/// Fault switches read by the server.
pub struct Faults {
    delay_ms: AtomicU64,
    restart: mpsc::UnboundedSender<Restart>,
}

impl Faults {
    /// Switches off; restart requests go to `restart`.
    pub fn new(restart: mpsc::UnboundedSender<Restart>) -> Self {
        Faults { delay_ms: AtomicU64::new(0), restart }
    }

    /// How long to hold every outgoing frame (zero unless the delay fault is on).
    pub fn outgoing_delay(&self) -> Duration {
        Duration::from_millis(self.delay_ms.load(Ordering::Relaxed))
    }

    /// Holds every outgoing frame `ms` from now on (0 disables).
    pub fn set_delay_ms(&self, ms: u64) {
        self.delay_ms.store(ms, Ordering::Relaxed);
    }

    /// Asks the listener supervisor to restart; an error once it has stopped (the server is
    /// shutting down).
    pub fn request_restart(&self, restart: Restart) -> Result<(), mpsc::error::SendError<Restart>> {
        self.restart.send(restart)
    }
}
