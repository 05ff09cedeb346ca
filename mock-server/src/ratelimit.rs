//! Per-connection inbound rate limit: a fixed window of `limit` messages; past the limit messages
//! are refused with a retry hint, past twice the limit the connection is closed. The presence
//! limit ([`RateLimiter::check_soft`]) never closes: it answers the first refused message of a
//! window and drops the rest.

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

    fn count(&mut self, now: Instant) -> u32 {
        if now.saturating_duration_since(self.window_start) >= self.window {
            self.window_start = now;
            self.count = 0;
        }
        self.count = self.count.saturating_add(1);
        self.count
    }

    fn reopens_in_ms(&self, now: Instant) -> u64 {
        (self.window_start + self.window).saturating_duration_since(now).as_millis().max(1) as u64
    }

    /// Counts one message received at `now`.
    pub fn check(&mut self, now: Instant) -> Verdict {
        self.count(now);
        if self.count <= self.limit {
            Verdict::Allow
        } else if self.count <= self.limit.saturating_mul(2) {
            Verdict::Limited(self.reopens_in_ms(now))
        } else {
            Verdict::Exceeded
        }
    }

    /// Counts one message at `now`; true past the limit (a hard limit: the caller closes).
    pub fn over(&mut self, now: Instant) -> bool {
        self.count(now) > self.limit
    }

    /// Counts one message at `now` for a limit that never closes the connection.
    pub fn check_soft(&mut self, now: Instant) -> SoftVerdict {
        let n = self.count(now);
        if n <= self.limit {
            SoftVerdict::Allow
        } else if n == self.limit + 1 {
            SoftVerdict::Refuse(self.reopens_in_ms(now))
        } else {
            SoftVerdict::Drop
        }
    }
}

/// What to do with a message under a soft limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SoftVerdict {
    /// Process it.
    Allow,
    /// The first refused message of the window: answer `RATE_LIMITED` (window reopens in ms).
    Refuse(u64),
    /// Refused again in the same window: drop it silently.
    Drop,
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

    #[test]
    fn the_soft_limit_answers_once_per_window_and_never_closes() {
        let t0 = Instant::now();
        let mut rl = RateLimiter::new(2, Duration::from_secs(1), t0);
        assert_eq!(rl.check_soft(t0), SoftVerdict::Allow);
        assert_eq!(rl.check_soft(t0), SoftVerdict::Allow);
        assert_eq!(rl.check_soft(t0 + Duration::from_millis(400)), SoftVerdict::Refuse(600));
        for _ in 0..10 {
            assert_eq!(rl.check_soft(t0 + Duration::from_millis(500)), SoftVerdict::Drop);
        }
        assert_eq!(rl.check_soft(t0 + Duration::from_secs(1)), SoftVerdict::Allow);
    }
}
