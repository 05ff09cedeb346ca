//! Live presence in a room (**extension**): this client's own state and typing mark, sent to the
//! server throttled and re-sent after every (re-)join, and the other users' merged presence as the
//! server reports it.
//!
//! Rules: `update` merges a patch into the own state (a `null` value removes a key; an empty state
//! is none); `set_typing` marks typing (a repeated identical mark is a refresh, sent at most every
//! [`TYPING_REFRESH_MS`]; the server expires a mark it stops hearing about) or clears it. At most one
//! `presence-update` per room per [`SEND_EVERY_MS`], always carrying the whole state
//! (`replace: true`), so coalescing never loses a key. Others' presence is replaced by each join
//! confirmation and updated by each `presence` frame; it is cleared while disconnected.

use super::decode::Value;
use planwire_protocol::{PresenceEntry, PresenceUpdate, UserId};

/// At most one presence message per room this often (the server batches per 100 ms too).
pub const SEND_EVERY_MS: u64 = 100;

/// An unchanged typing mark is sent again (a refresh) at most this often; the server's default
/// typing TTL is 5 s.
pub const TYPING_REFRESH_MS: u64 = 2_000;

/// The presence of one room.
#[derive(Clone, Debug, PartialEq)]
pub struct RoomPresence<P> {
    mine: Option<P>,
    typing: Option<P>,
    state_dirty: bool,
    typing_dirty: bool,
    last_sent_at: Option<u64>,
    typing_sent_at: Option<u64>,
    others: Vec<PresenceEntry<P>>,
}

impl<P> Default for RoomPresence<P> {
    fn default() -> Self {
        RoomPresence {
            mine: None,
            typing: None,
            state_dirty: false,
            typing_dirty: false,
            last_sent_at: None,
            typing_sent_at: None,
            others: Vec::new(),
        }
    }
}

impl<P: Value> RoomPresence<P> {
    /// This client's own state, as merged locally.
    pub fn mine(&self) -> Option<&P> {
        self.mine.as_ref()
    }

    /// The other users' presence, in the server's order.
    // A `&Vec`: the browser layer serializes it as the event payloads' `Vec`s are (one serde
    // `collect_seq` copy, not a second one for a slice).
    pub fn others(&self) -> &Vec<PresenceEntry<P>> {
        &self.others
    }

    /// Merges `patch` (an object) into the own state: each key is set, a `null` value removes it.
    /// Returns `false` (nothing changed) when `patch` is not an object.
    pub fn update(&mut self, patch: &P) -> bool {
        let Some(changes) = patch.entries() else { return false };
        let mut state = self.mine.as_ref().and_then(Value::entries).unwrap_or_default();
        for (key, value) in changes {
            crate::core::retain(&mut state, |(k, _)| *k != key);
            if !value.is_null() {
                state.push((key, value));
            }
        }
        self.mine = (!state.is_empty()).then(|| P::object(state));
        self.state_dirty = true;
        true
    }

    /// Marks typing with `mark` (an object, e.g. `{"taskId":"3"}`), or stops with `None`.
    /// Returns `false` when `mark` is not an object.
    pub fn set_typing(&mut self, mark: Option<&P>, now: u64) -> bool {
        match mark {
            Some(mark) if !mark.is_object() => false,
            Some(mark) => {
                let same = self.typing.as_ref().is_some_and(|t| t.same(mark));
                let fresh = self.typing_sent_at.is_some_and(|at| now < at.saturating_add(TYPING_REFRESH_MS));
                if !(same && fresh) {
                    self.typing_dirty = true;
                }
                self.typing = Some(mark.clone());
                true
            }
            None => {
                if self.typing.take().is_some() {
                    self.typing_dirty = true;
                }
                true
            }
        }
    }

    /// When [`RoomPresence::poll`] has something to send (for a joined room).
    pub fn deadline(&self) -> Option<u64> {
        if !(self.state_dirty || self.typing_dirty) {
            return None;
        }
        Some(self.last_sent_at.map_or(0, |at| at.saturating_add(SEND_EVERY_MS)))
    }

    /// The `presence-update` due at `now`, if any (call only while the room is joined).
    pub fn poll(&mut self, now: u64) -> Option<PresenceUpdate<P>> {
        if self.deadline().is_none_or(|at| now < at) {
            return None;
        }
        let update = PresenceUpdate {
            state: self.state_dirty.then(|| self.mine.clone()),
            replace: self.state_dirty,
            typing: self.typing_dirty.then(|| self.typing.clone()),
        };
        self.state_dirty = false;
        if self.typing_dirty && self.typing.is_some() {
            self.typing_sent_at = Some(now);
        }
        self.typing_dirty = false;
        self.last_sent_at = Some(now);
        Some(update)
    }

    /// Our join was confirmed with the room's presence: others are replaced (`me` left out), and
    /// the own state and typing mark go out again. Returns whether the others changed.
    pub fn joined(&mut self, entries: Vec<PresenceEntry<P>>, me: Option<&UserId>) -> bool {
        self.state_dirty |= self.mine.is_some();
        self.typing_dirty |= self.typing.is_some();
        // `retain` in place, not `into_iter().filter().collect()` (the in-place collect links ~350 B).
        let mut others = entries;
        crate::core::retain(&mut others, |e| Some(&e.user_id) != me);
        let changed = !same_entries(&others, &self.others);
        self.others = others;
        changed
    }

    /// A `presence` frame: the user's entry replaces theirs (both fields `null`: removed).
    /// Returns whether anything changed (our own user's echo changes nothing).
    pub fn received(&mut self, entry: PresenceEntry<P>, me: Option<&UserId>) -> bool {
        if Some(&entry.user_id) == me {
            return false;
        }
        let at = self.others.iter().position(|e| e.user_id == entry.user_id);
        let cleared = entry.state.is_none() && entry.typing.is_none();
        match (at, cleared) {
            (Some(i), true) => {
                self.others.remove(i);
            }
            (Some(i), false) => self.others[i] = entry,
            (None, false) => self.others.push(entry),
            (None, true) => return false,
        }
        true
    }

    /// The connection is gone: nobody's presence is known; ours goes out again after the re-join.
    /// Returns whether the others changed.
    pub fn disconnected(&mut self) -> bool {
        self.last_sent_at = None;
        self.typing_sent_at = None;
        let had = !self.others.is_empty();
        self.others.clear();
        had
    }
}

fn same_entries<P: Value>(a: &[PresenceEntry<P>], b: &[PresenceEntry<P>]) -> bool {
    let same = |x: &Option<P>, y: &Option<P>| match (x, y) {
        (Some(x), Some(y)) => x.same(y),
        (None, None) => true,
        _ => false,
    };
    a.len() == b.len()
        && a.iter().zip(b).all(|(x, y)| {
            x.user_id == y.user_id && x.user_name == y.user_name && same(&x.state, &y.state) && same(&x.typing, &y.typing)
        })
}
