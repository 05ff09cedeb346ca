//! Every deadline of a client in one table (after quinn-proto's `TimerTable`): the machine sets and
//! stops entries as its rules say, [`super::Machine::next_deadline`] is the earliest entry, and a
//! wake-up handles each expired entry in [`Timer::ALL`]'s order.

/// One kind of deadline.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Timer {
    /// Waiting before the next connection attempt (not set while offline: `online` resumes).
    Backoff,
    /// The current attempt (token, socket open and the server's confirmation) must succeed by then.
    Connect,
    /// Some presence update is due in a joined room (throttled to one per room per 100 ms).
    Presence,
    /// The connection has been open long enough: the attempt counter and the 4001 retry reset.
    Stable,
    /// No frame arrived since the last ping: the link is dead.
    PongTimeout,
    /// The next keep-alive ping.
    Ping,
    /// Gave up for a transient reason: a new round of attempts (`reviveIntervalMs`).
    Revive,
    /// A synchronized plan's failed load is tried again (the earliest of all plans).
    PlanRetry,
}

impl Timer {
    /// Every timer, in the order a wake-up fires them (a dead link is found before a ping is sent).
    pub const ALL: [Timer; 8] = [
        Timer::Backoff,
        Timer::Connect,
        Timer::Presence,
        Timer::Stable,
        Timer::PongTimeout,
        Timer::Ping,
        Timer::Revive,
        Timer::PlanRetry,
    ];
}

/// When each timer is due (`None`: not running).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TimerTable {
    at: [Option<u64>; Timer::ALL.len()],
}

impl TimerTable {
    /// When `timer` is due, if it runs.
    pub fn get(&self, timer: Timer) -> Option<u64> {
        self.at[timer as usize]
    }

    /// Runs `timer` until `at` (replacing any earlier setting).
    pub fn set(&mut self, timer: Timer, at: u64) {
        self.at[timer as usize] = Some(at);
    }

    /// Runs `timer` until `at`, or stops it for `None`.
    pub fn set_opt(&mut self, timer: Timer, at: Option<u64>) {
        self.at[timer as usize] = at;
    }

    /// Stops `timer`.
    pub fn stop(&mut self, timer: Timer) {
        self.at[timer as usize] = None;
    }

    /// Stops every timer.
    pub fn stop_all(&mut self) {
        self.at = Default::default();
    }

    /// Whether `timer` runs.
    pub fn running(&self, timer: Timer) -> bool {
        self.get(timer).is_some()
    }

    /// The earliest deadline of all.
    pub fn next(&self) -> Option<u64> {
        // A loop, not `iter().flatten().copied().min()`, whose `Flatten` links a `fold` and a `next` (178 B).
        let mut earliest = None;
        for &at in &self.at {
            if let Some(at) = at {
                if earliest.map_or(true, |e| at < e) {
                    earliest = Some(at);
                }
            }
        }
        earliest
    }
}

#[cfg(test)]
mod tests {
    use super::{Timer, TimerTable};

    #[test]
    fn next_is_the_min_of_the_deadlines() {
        let tables: [&[Option<u64>]; 6] = [
            &[],
            &[Some(5)],
            &[None, Some(0), Some(u64::MAX)],
            &[Some(7), Some(3), None, Some(3), Some(9), None, Some(4), Some(8)],
            &[Some(u64::MAX), None, Some(u64::MAX)],
            &[None; 8],
        ];
        for deadlines in tables {
            let mut t = TimerTable::default();
            for (&timer, &at) in Timer::ALL.iter().zip(deadlines) {
                t.set_opt(timer, at);
            }
            assert_eq!(t.next(), deadlines.iter().flatten().copied().min(), "{deadlines:?}");
        }
    }
}
