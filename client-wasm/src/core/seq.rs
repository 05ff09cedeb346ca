//! Per-room sequence tracking (**extension**): each `seq` is applied once and in order;
//! duplicates are dropped; a gap, or a re-join the server could not replay, asks for a resync.
//! Messages without `seq` (a seed 000 server) are always applied.

/// What to do with a room message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Apply it.
    Apply,
    /// Already applied: drop it.
    Duplicate,
    /// Messages before it were missed: tell the app to resync, then apply it.
    Gap,
}

/// Why the app must reload a room over REST.
pub mod resync_reason {
    /// A message skipped one or more `seq` numbers.
    pub const GAP: &str = "gap";
    /// The server could not replay what was missed while disconnected.
    pub const NOT_RECOVERED: &str = "not-recovered";
}

/// The last `seq` applied in one room.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SeqTracker {
    last: Option<u64>,
}

impl SeqTracker {
    /// The last `seq` applied, sent as `lastSeq` when re-joining.
    pub fn last(&self) -> Option<u64> {
        self.last
    }

    /// Judges a room message carrying `seq` (or none).
    pub fn accept(&mut self, seq: Option<u64>) -> Verdict {
        let Some(seq) = seq else { return Verdict::Apply };
        let verdict = match self.last {
            Some(last) if seq <= last => return Verdict::Duplicate,
            Some(last) if seq != last + 1 => Verdict::Gap,
            _ => Verdict::Apply,
        };
        self.last = Some(seq);
        verdict
    }

    /// Takes in a join confirmation. `requested` is the `lastSeq` the join carried, `recovered`
    /// and `room_seq` what the server answered. Returns whether the app must resync.
    pub fn confirmed(&mut self, requested: Option<u64>, recovered: Option<bool>, room_seq: Option<u64>) -> bool {
        match requested {
            // A fresh join starts from the room's current seq.
            None => {
                if room_seq.is_some() {
                    self.last = room_seq;
                }
                false
            }
            // Replayed messages arrive (or arrived) in order and go through `accept`.
            Some(_) if recovered == Some(true) => false,
            // Missed messages are gone: continue from the room's current seq after a reload.
            Some(_) => {
                self.last = room_seq;
                true
            }
        }
    }
}
