//! Per-room sequence tracking (**extension**): each `seq` is applied once and in order;
//! duplicates are dropped; a gap is first filled by re-joining with `lastSeq` (the server replays
//! what was missed), and only a gap that this recovery cannot fill, or a re-join the server could
//! not replay, asks for a resync. Messages without `seq` (a seed 000 server) are always applied.

/// What to do with a room message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Apply it.
    Apply,
    /// Already applied: drop it.
    Duplicate,
    /// Messages before it were missed: drop it and re-join with `lastSeq` = [`SeqTracker::last`]
    /// (the replay brings it again, in order).
    Recover,
    /// Out of order while a recovery is under way: drop it (the replay brings it again).
    Hold,
    /// Messages before it were missed and a recovery from the same point already failed to
    /// bring them: tell the app to resync, then apply it.
    Resync,
}

/// The last `seq` applied in one room and the state of its recovery.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SeqTracker {
    last: Option<u64>,
    /// A `join-plan` (a re-join or a gap recovery) is awaiting its confirmation.
    awaiting: bool,
    /// The room `seq` a recovered join promised to replay up to. The replay follows the
    /// confirmation before anything newer, so a gap seen while `last` is still below it means the
    /// replay did not fill it, and recovering again could loop.
    promised: Option<u64>,
    /// **Extension.** The epoch of the room history `last` belongs to, from the last confirmation.
    epoch: Option<String>,
}

impl SeqTracker {
    /// The last `seq` applied, sent as `lastSeq` when re-joining.
    pub fn last(&self) -> Option<u64> {
        self.last
    }

    /// The epoch of the room history the `seq`s belong to, if the server names one.
    pub fn epoch(&self) -> Option<&str> {
        self.epoch.as_deref()
    }

    /// A join confirmation named `epoch`: keeps it, and returns whether it differs from the epoch
    /// already known (the server lost the history our `seq`s belong to). A server without epochs
    /// (`None`) changes nothing.
    pub fn epoch_seen(&mut self, epoch: Option<String>) -> bool {
        let Some(epoch) = epoch else { return false };
        let other = self.epoch.as_ref().is_some_and(|known| *known != epoch);
        self.epoch = Some(epoch);
        other
    }

    /// Whether a `join-plan` awaits its confirmation (a re-join or a recovery is under way).
    pub fn recovering(&self) -> bool {
        self.awaiting
    }

    /// Records that a `join-plan` is going out; returns the `lastSeq` it must carry. Until its
    /// confirmation, out-of-order messages are held.
    pub fn join_sent(&mut self) -> Option<u64> {
        self.awaiting = true;
        self.last
    }

    /// Judges a room message carrying `seq` (or none). On [`Verdict::Recover`] the caller must
    /// send `join-plan` with the `lastSeq` of [`SeqTracker::join_sent`].
    pub fn accept(&mut self, seq: Option<u64>) -> Verdict {
        let Some(seq) = seq else { return Verdict::Apply };
        match self.last {
            Some(last) if seq <= last => Verdict::Duplicate,
            Some(last) if seq != last + 1 => {
                if self.awaiting {
                    Verdict::Hold
                } else if self.promised.is_some_and(|through| last < through) {
                    self.promised = None;
                    self.last = Some(seq);
                    Verdict::Resync
                } else {
                    Verdict::Recover
                }
            }
            _ => {
                self.last = Some(seq);
                if self.promised.is_some_and(|through| seq >= through) {
                    self.promised = None;
                }
                Verdict::Apply
            }
        }
    }

    /// Takes in a join confirmation. `requested` is the `lastSeq` the join carried, `recovered`
    /// and `room_seq` what the server answered. Returns whether the app must resync.
    pub fn confirmed(&mut self, requested: Option<u64>, recovered: Option<bool>, room_seq: Option<u64>) -> bool {
        self.awaiting = false;
        self.promised = None;
        match requested {
            // A fresh join starts from the room's current seq.
            None => {
                if room_seq.is_some() {
                    self.last = room_seq;
                }
                false
            }
            // Replayed messages arrive (or arrived) in order and go through `accept`.
            Some(_) if recovered == Some(true) => {
                self.promised = room_seq;
                false
            }
            // Missed messages are gone: continue from the room's current seq after a reload.
            Some(_) => {
                self.last = room_seq;
                true
            }
        }
    }

    /// The connection is gone: its pending join is abandoned (the re-join replaces it).
    pub fn disconnected(&mut self) {
        self.awaiting = false;
    }
}
