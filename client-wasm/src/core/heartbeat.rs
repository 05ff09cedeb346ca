//! Keep-alive: a ping every interval, counted from the last ping *sent* whatever arrives (seed 000:
//! "ping messages every 30 seconds"; the server's inactivity sweep counts only what the client
//! sends). Any frame received proves the link alive: if nothing at all arrives within the pong
//! timeout after a ping, the link is dead. Its two deadlines live in the client's
//! [`TimerTable`] ([`Timer::Ping`], [`Timer::PongTimeout`]).

use super::timers::{Timer, TimerTable};

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

/// The ping schedule's rules, applied to the timer table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Heartbeat {
    interval_ms: u64,
    timeout_ms: u64,
}

impl Heartbeat {
    /// The rules for a ping every `interval_ms` and a link dead `timeout_ms` after an unanswered one.
    pub fn new(interval_ms: u64, timeout_ms: u64) -> Heartbeat {
        Heartbeat { interval_ms, timeout_ms }
    }

    /// Starts the schedule on a fresh connection: first ping one interval from `now`.
    pub fn start(&self, timers: &mut TimerTable, now: u64) {
        timers.set(Timer::Ping, now.saturating_add(self.interval_ms));
        timers.stop(Timer::PongTimeout);
    }

    /// Stops the schedule (the connection is gone).
    pub fn stop(&self, timers: &mut TimerTable) {
        timers.stop(Timer::Ping);
        timers.stop(Timer::PongTimeout);
    }

    /// Any frame proves the link alive: clears an outstanding ping. The ping schedule is kept, so
    /// a busy room still pings every interval.
    pub fn frame_received(&self, timers: &mut TimerTable) {
        timers.stop(Timer::PongTimeout);
    }

    /// Asks for an immediate liveness check (page visible again, network back): returns whether
    /// a ping must be sent now. No-op when stopped or when a ping is already outstanding.
    pub fn probe(&self, timers: &mut TimerTable, now: u64) -> bool {
        if !timers.running(Timer::Ping) || timers.running(Timer::PongTimeout) {
            return false;
        }
        self.ping_sent(timers, now);
        true
    }

    /// A ping goes out at `now`: the next one is due an interval later, and some frame must
    /// arrive within the timeout (an earlier outstanding deadline is kept).
    fn ping_sent(&self, timers: &mut TimerTable, now: u64) {
        timers.set(Timer::Ping, now.saturating_add(self.interval_ms));
        if !timers.running(Timer::PongTimeout) {
            timers.set(Timer::PongTimeout, now.saturating_add(self.timeout_ms));
        }
    }

    /// Advances to `now`: a dead link is found before a ping is due.
    pub fn poll(&self, timers: &mut TimerTable, now: u64) -> Beat {
        if timers.get(Timer::PongTimeout).is_some_and(|due| now >= due) {
            return Beat::Dead;
        }
        if timers.get(Timer::Ping).is_some_and(|at| now >= at) {
            self.ping_sent(timers, now);
            return Beat::SendPing;
        }
        Beat::Idle
    }

    /// When [`Heartbeat::poll`] next has something to do.
    #[cfg(all(test, not(target_arch = "wasm32")))]
    pub fn deadline(timers: &TimerTable) -> Option<u64> {
        [timers.get(Timer::PongTimeout), timers.get(Timer::Ping)].into_iter().flatten().min()
    }
}
