//! The REST rate limit: `--rest-rate-limit` requests per user per `--rest-rate-window-ms`, in a
//! table capped at [`MAX_USERS`] users (windows that are over are dropped first).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use planwire_protocol::UserId;

use crate::connections::lock;

/// Users tracked at once; past it, finished windows are forgotten (and, should every window still
/// be open, the whole table: a burst of many users is then not limited for one window).
pub const MAX_USERS: usize = 100_000;

/// Per-user fixed windows.
#[derive(Debug)]
pub struct RestLimiter {
    limit: u32,
    window: Duration,
    users: Mutex<HashMap<UserId, (Instant, u32)>>,
}

impl RestLimiter {
    /// `limit` requests per user per `window`.
    pub fn new(limit: u32, window: Duration) -> Self {
        RestLimiter { limit: limit.max(1), window, users: Mutex::new(HashMap::new()) }
    }

    /// Counts one request of `user` at `now`: `Err(retry after)` when over the limit.
    pub fn check(&self, user: &UserId, now: Instant) -> Result<(), Duration> {
        let mut users = lock(&self.users);
        if users.len() >= MAX_USERS && !users.contains_key(user) {
            users.retain(|_, (start, _)| now.saturating_duration_since(*start) < self.window);
            if users.len() >= MAX_USERS {
                users.clear();
            }
        }
        let entry = users.entry(user.clone()).or_insert((now, 0));
        if now.saturating_duration_since(entry.0) >= self.window {
            *entry = (now, 0);
        }
        entry.1 = entry.1.saturating_add(1);
        if entry.1 <= self.limit {
            Ok(())
        } else {
            Err((entry.0 + self.window).saturating_duration_since(now))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_each_user_apart_and_reopens() {
        let rl = RestLimiter::new(2, Duration::from_secs(1));
        let (a, b) = (UserId::Num(1), UserId::Num(2));
        let t0 = Instant::now();
        assert!(rl.check(&a, t0).is_ok() && rl.check(&a, t0).is_ok());
        assert_eq!(rl.check(&a, t0 + Duration::from_millis(300)), Err(Duration::from_millis(700)));
        assert!(rl.check(&b, t0).is_ok());
        assert!(rl.check(&a, t0 + Duration::from_secs(1)).is_ok());
    }
}
