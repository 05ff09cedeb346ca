//! Per-connection inbound rate limit: a fixed window of `limit` messages; past the limit messages
//! are refused with a retry hint, past twice the limit the connection is closed.

use std::time::{Duration, Instant};

/// What to do with an inbound message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Process it.
    Allow,
    /// Refuse it with `RATE_LIMITED`; the window reopens in this many milliseconds.
    Limited(u64),
    /// The client kept going: close with 1008.
    Exceeded,
}

/// A fixed-window counter.
#[derive(Debug)]
pub struct RateLimiter {
    limit: u32,
    window: Duration,
    window_start: Instant,
    count: u32,
}

impl RateLimiter {
    /// `limit` messages per `window`, starting now.
    pub fn new(limit: u32, window: Duration, now: Instant) -> Self {
        RateLimiter { limit, window, window_start: now, count: 0 }
    }

    /// Counts one message received at `now`.
    pub fn check(&mut self, now: Instant) -> Verdict {
        if now.saturating_duration_since(self.window_start) >= self.window {
            self.window_start = now;
            self.count = 0;
        }
        self.count = self.count.saturating_add(1);
        if self.count <= self.limit {
            Verdict::Allow
        } else if self.count <= self.limit.saturating_mul(2) {
            let reopens = (self.window_start + self.window).saturating_duration_since(now);
            Verdict::Limited(reopens.as_millis().max(1) as u64)
        } else {
            Verdict::Exceeded
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allows_then_limits_then_closes_and_reopens() {
        let t0 = Instant::now();
        let mut rl = RateLimiter::new(2, Duration::from_secs(10), t0);
        assert_eq!(rl.check(t0), Verdict::Allow);
        assert_eq!(rl.check(t0), Verdict::Allow);
        assert_eq!(rl.check(t0 + Duration::from_secs(4)), Verdict::Limited(6000));
        assert_eq!(rl.check(t0 + Duration::from_secs(4)), Verdict::Limited(6000));
        assert_eq!(rl.check(t0 + Duration::from_secs(4)), Verdict::Exceeded);
        assert_eq!(rl.check(t0 + Duration::from_secs(10)), Verdict::Allow);
    }
}
