//! A room's broadcast sequence: the latest `seq` and a bounded history for `lastSeq` recovery.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use crate::conn_id::random_u128;
use crate::frames::Frame;

/// Per-room `seq` counter and the most recent broadcasts, bounded by count, bytes and age.
#[derive(Debug)]
pub struct EventLog {
    seq: u64,
    events: VecDeque<(u64, Instant, Frame)>,
    max_events: usize,
    max_age: Duration,
    max_bytes: usize,
    bytes: usize,
    epoch: String,
}

impl EventLog {
    /// An empty log: the first broadcast gets `seq` 1.
    pub fn new(max_events: usize, max_age: Duration) -> Self {
        let epoch = format!("{:016x}", random_u128() as u64);
        EventLog { seq: 0, events: VecDeque::new(), max_events, max_age, max_bytes: usize::MAX, bytes: 0, epoch }
    }

    /// This history's epoch: random, new for every log (a restart, or a dropped history, makes a
    /// new log), so a `seq` from another history is never mistaken for one of this.
    pub fn epoch(&self) -> &str {
        &self.epoch
    }

    /// Also bounds the kept broadcasts to `max_bytes` of encoded frames.
    pub fn with_max_bytes(mut self, max_bytes: usize) -> Self {
        self.max_bytes = max_bytes;
        self
    }

    /// The latest `seq` handed out (0 before the first broadcast).
    pub fn latest(&self) -> u64 {
        self.seq
    }

    /// Takes the next `seq`.
    pub fn next_seq(&mut self) -> u64 {
        self.seq += 1;
        self.seq
    }

    /// Remembers the encoded broadcast carrying `seq`, dropping what falls outside the bounds.
    pub fn record(&mut self, seq: u64, frame: Frame, now: Instant) {
        if self.max_events > 0 && frame.len() <= self.max_bytes {
            self.bytes += frame.len();
            self.events.push_back((seq, now, frame));
        } else {
            // Not kept: nothing older may be replayed past the gap either.
            self.bytes = 0;
            self.events.clear();
        }
        self.prune(now);
    }

    /// The broadcasts after `last_seq`, in order, or `None` when some of them are no longer kept
    /// (or `last_seq` is ahead of this log, e.g. after a server restart).
    pub fn since(&mut self, last_seq: u64, now: Instant) -> Option<Vec<Frame>> {
        self.prune(now);
        if last_seq > self.seq {
            return None;
        }
        let first_kept = self.events.front().map_or(self.seq + 1, |e| e.0);
        if first_kept > last_seq + 1 {
            return None;
        }
        Some(self.events.iter().filter(|e| e.0 > last_seq).map(|e| e.2.clone()).collect())
    }

    fn prune(&mut self, now: Instant) {
        while self.events.len() > self.max_events
            || self.bytes > self.max_bytes
            || self.events.front().is_some_and(|e| now.saturating_duration_since(e.1) > self.max_age)
        {
            let Some((_, _, frame)) = self.events.pop_front() else { break };
            self.bytes -= frame.len();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn log_with(n: u64, max_events: usize, now: Instant) -> EventLog {
        let mut log = EventLog::new(max_events, Duration::from_secs(60));
        for _ in 0..n {
            let seq = log.next_seq();
            log.record(seq, Frame::from(seq.to_string()), now);
        }
        log
    }

    #[test]
    fn replays_exactly_what_is_missing() {
        let now = Instant::now();
        let mut log = log_with(5, 10, now);
        let got: Vec<String> = log.since(2, now).unwrap().iter().map(|f| f.to_string()).collect();
        assert_eq!(got, ["3", "4", "5"]);
        assert_eq!(log.since(5, now).unwrap().len(), 0);
        assert!(log.since(6, now).is_none(), "ahead of the log");
    }

    #[test]
    fn refuses_past_the_count_and_age_bounds() {
        let now = Instant::now();
        let mut log = log_with(5, 3, now);
        assert!(log.since(1, now).is_none());
        assert_eq!(log.since(2, now).unwrap().len(), 3);
        assert!(log.since(2, now + Duration::from_secs(61)).is_none());
        // An empty history still recovers a client that missed nothing.
        assert_eq!(log.since(5, now + Duration::from_secs(61)).unwrap().len(), 0);
    }

    #[test]
    fn refuses_past_the_byte_bound() {
        let now = Instant::now();
        let mut log = EventLog::new(100, Duration::from_secs(60)).with_max_bytes(10);
        for _ in 0..5 {
            let seq = log.next_seq();
            log.record(seq, Frame::from("abcd"), now);
        }
        assert!(log.since(2, now).is_none(), "only the last two frames (8 bytes) are kept");
        assert_eq!(log.since(3, now).unwrap().len(), 2);
        let seq = log.next_seq();
        log.record(seq, Frame::from("x".repeat(11)), now);
        assert!(log.since(5, now).is_none(), "a frame larger than the bound is not kept");
        assert_eq!(log.since(6, now).unwrap().len(), 0);
    }
}
