//! Keep-alive: a ping every interval, counted from the last ping *sent* whatever arrives (seed 000:
//! "ping messages every 30 seconds"; the server's inactivity sweep counts only what the client
//! sends). Any frame received proves the link alive: if nothing at all arrives within the pong
//! timeout after a ping, the link is dead.

/// What the heartbeat wants done now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Beat {
    /// Nothing due.
    Idle,
    /// Send a ping.
    SendPing,
    /// No frame arrived in time after a ping: close the link and reconnect.
    Dead,
}

/// The ping schedule of one open connection.
#[derive(Clone, Debug)]
pub struct Heartbeat {
    interval_ms: u64,
    timeout_ms: u64,
    next_ping_at: Option<u64>,
    pong_due_at: Option<u64>,
}

impl Heartbeat {
    /// A stopped heartbeat.
    pub fn new(interval_ms: u64, timeout_ms: u64) -> Heartbeat {
        Heartbeat { interval_ms, timeout_ms, next_ping_at: None, pong_due_at: None }
    }

    /// Starts the schedule on a fresh connection: first ping one interval from `now`.
    pub fn start(&mut self, now: u64) {
        self.next_ping_at = Some(now.saturating_add(self.interval_ms));
        self.pong_due_at = None;
    }

    /// Stops the schedule (the connection is gone).
    pub fn stop(&mut self) {
        self.next_ping_at = None;
        self.pong_due_at = None;
    }

    fn running(&self) -> bool {
        self.next_ping_at.is_some()
    }

    /// Any frame proves the link alive: clears an outstanding ping. The ping schedule is kept, so
    /// a busy room still pings every interval.
    pub fn frame_received(&mut self) {
        self.pong_due_at = None;
    }

    /// Asks for an immediate liveness check (page visible again, network back): returns whether
    /// a ping must be sent now. No-op when stopped or when a ping is already outstanding.
    pub fn probe(&mut self, now: u64) -> bool {
        if !self.running() || self.pong_due_at.is_some() {
            return false;
        }
        self.ping_sent(now);
        true
    }

    /// A ping goes out at `now`: the next one is due an interval later, and some frame must
    /// arrive within the timeout (an earlier outstanding deadline is kept).
    fn ping_sent(&mut self, now: u64) {
        self.next_ping_at = Some(now.saturating_add(self.interval_ms));
        if self.pong_due_at.is_none() {
            self.pong_due_at = Some(now.saturating_add(self.timeout_ms));
        }
    }

    /// Advances to `now`.
    pub fn poll(&mut self, now: u64) -> Beat {
        match (self.pong_due_at, self.next_ping_at) {
            (Some(due), _) if now >= due => Beat::Dead,
            (_, Some(at)) if now >= at => {
                self.ping_sent(now);
                Beat::SendPing
            }
            _ => Beat::Idle,
        }
    }

    /// When [`Heartbeat::poll`] next has something to do.
    pub fn deadline(&self) -> Option<u64> {
        match (self.pong_due_at, self.next_ping_at) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }
}
