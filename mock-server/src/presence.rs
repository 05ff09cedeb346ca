//! Live presence (**extension**) of one room: each connection's state object and typing mark, the
//! per-user merge across tabs, the coalescing of frames (at most one per user per batch interval)
//! and typing expiry. Pure logic over explicit instants; the hub sends what it returns and runs
//! [`RoomPresence::tick`] at [`RoomPresence::next_deadline`].
//!
//! Merge rule, per user: `state` is the non-empty state of the user's connection whose state was
//! updated most recently; `typing` is the unexpired mark of the connection that sent a typing
//! mark most recently.

use std::time::{Duration, Instant};

use planwire_protocol::{PresenceEntry, PresenceUpdate, UserId, PRESENCE_MAX_BYTES};
use serde_json::{Map, Value};

use crate::conn_id::ConnId;

/// A presence state or typing mark: a JSON object.
pub type Obj = Map<String, Value>;

/// The timing rules.
#[derive(Debug, Clone, Copy)]
pub struct Timing {
    /// At most one frame per user per this interval; changes in between are coalesced.
    pub batch: Duration,
    /// A typing mark lasts this long after it was last sent.
    pub typing_ttl: Duration,
}

/// A user's merged presence.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Merged {
    state: Option<Obj>,
    typing: Option<Obj>,
}

impl Merged {
    fn is_empty(&self) -> bool {
        self.state.is_none() && self.typing.is_none()
    }
}

#[derive(Debug)]
struct Typing {
    mark: Obj,
    at: u64,
    expires: Instant,
}

/// One connection's presence in the room.
#[derive(Debug)]
struct ConnPresence {
    conn: ConnId,
    /// Never holds a `null` value; empty = no state.
    state: Obj,
    /// When the state was last set (the room's update counter).
    state_at: u64,
    typing: Option<Typing>,
}

#[derive(Debug)]
struct UserPresence {
    user_id: UserId,
    user_name: String,
    conns: Vec<ConnPresence>,
    /// What the room was last told.
    sent: Merged,
    sent_at: Option<Instant>,
    /// A coalesced frame goes out at this time.
    due: Option<Instant>,
}

impl UserPresence {
    fn merged(&self, now: Instant) -> Merged {
        let state = self.conns.iter().filter(|c| !c.state.is_empty()).max_by_key(|c| c.state_at).map(|c| c.state.clone());
        let typing = self
            .conns
            .iter()
            .filter_map(|c| c.typing.as_ref())
            .filter(|t| t.expires > now)
            .max_by_key(|t| t.at)
            .map(|t| t.mark.clone());
        Merged { state, typing }
    }

    fn entry(&self, m: Merged) -> PresenceEntry<Obj> {
        PresenceEntry { user_id: self.user_id.clone(), user_name: self.user_name.clone(), state: m.state, typing: m.typing }
    }

    /// The frame to send now if the merged presence differs from what was sent, unless one went
    /// out less than `batch` ago: then it is due at the end of that interval (and will carry the
    /// merged presence of that moment).
    fn changed(&mut self, now: Instant, timing: &Timing) -> Option<PresenceEntry<Obj>> {
        if self.due.is_some() {
            return None;
        }
        let m = self.merged(now);
        if m == self.sent {
            return None;
        }
        if let Some(next) = self.sent_at.map(|t| t + timing.batch).filter(|&next| now < next) {
            self.due = Some(next);
            return None;
        }
        self.sent = m.clone();
        self.sent_at = Some(now);
        Some(self.entry(m))
    }
}

/// Why an update was refused (the hub's `PRESENCE_TOO_LARGE`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TooLarge(pub String);

/// The presence of one room.
#[derive(Debug, Default)]
pub struct RoomPresence {
    users: Vec<UserPresence>,
    clock: u64,
    /// The earliest instant a timer is queued for this room (kept by the hub).
    pub scheduled: Option<Instant>,
}

fn json_len(o: &Obj) -> usize {
    serde_json::to_string(o).map_or(usize::MAX, |s| s.len())
}

impl RoomPresence {
    /// Applies a connection's `presence-update`; returns the frame to send now, if any. Nothing
    /// changes when it is refused.
    pub fn update(
        &mut self,
        conn: ConnId,
        user_id: &UserId,
        user_name: &str,
        update: PresenceUpdate<Obj>,
        now: Instant,
        timing: &Timing,
    ) -> Result<Option<PresenceEntry<Obj>>, TooLarge> {
        let ui = match self.users.iter().position(|u| &u.user_id == user_id) {
            Some(ui) => ui,
            None => {
                self.users.push(UserPresence {
                    user_id: user_id.clone(),
                    user_name: user_name.to_owned(),
                    conns: Vec::new(),
                    sent: Merged::default(),
                    sent_at: None,
                    due: None,
                });
                self.users.len() - 1
            }
        };
        let user = &mut self.users[ui];
        let ci = user.conns.iter().position(|c| c.conn == conn);
        let state = match update.state {
            None => None,
            Some(None) => Some(Obj::new()),
            Some(Some(patch)) => {
                let mut state = match ci {
                    Some(ci) if !update.replace => user.conns[ci].state.clone(),
                    _ => Obj::new(),
                };
                for (k, v) in patch {
                    if v.is_null() {
                        state.remove(&k);
                    } else {
                        state.insert(k, v);
                    }
                }
                if json_len(&state) > PRESENCE_MAX_BYTES {
                    return Err(TooLarge(format!("presence state larger than {PRESENCE_MAX_BYTES} bytes")));
                }
                Some(state)
            }
        };
        if let Some(Some(mark)) = &update.typing {
            if json_len(mark) > PRESENCE_MAX_BYTES {
                return Err(TooLarge(format!("typing mark larger than {PRESENCE_MAX_BYTES} bytes")));
            }
        }
        let ci = ci.unwrap_or_else(|| {
            user.conns.push(ConnPresence { conn, state: Obj::new(), state_at: 0, typing: None });
            user.conns.len() - 1
        });
        let c = &mut user.conns[ci];
        if let Some(state) = state {
            self.clock += 1;
            c.state = state;
            c.state_at = self.clock;
        }
        match update.typing {
            None => {}
            Some(None) => c.typing = None,
            Some(Some(mark)) => {
                self.clock += 1;
                c.typing = Some(Typing { mark, at: self.clock, expires: now + timing.typing_ttl });
            }
        }
        if c.state.is_empty() && c.typing.is_none() {
            user.conns.swap_remove(ci);
        }
        Ok(user.changed(now, timing))
    }

    /// A connection left the room. `departed` names its user when it was their last connection
    /// there: their record goes, and if the room was told anything about them, a cleared frame is
    /// returned at once (a departure is never delayed). Otherwise the user's merged presence is
    /// recomputed without this connection, as for any change.
    pub fn remove_conn(&mut self, conn: ConnId, departed: Option<&UserId>, now: Instant, timing: &Timing) -> Option<PresenceEntry<Obj>> {
        if let Some(user_id) = departed {
            let ui = self.users.iter().position(|u| &u.user_id == user_id)?;
            let user = self.users.remove(ui);
            return (!user.sent.is_empty()).then(|| user.entry(Merged::default()));
        }
        let user = self.users.iter_mut().find(|u| u.conns.iter().any(|c| c.conn == conn))?;
        user.conns.retain(|c| c.conn != conn);
        user.changed(now, timing)
    }

    /// Expires typing marks and sends coalesced frames that are due; returns the frames.
    pub fn tick(&mut self, now: Instant, timing: &Timing) -> Vec<PresenceEntry<Obj>> {
        let mut out = Vec::new();
        for user in &mut self.users {
            for c in &mut user.conns {
                if c.typing.as_ref().is_some_and(|t| t.expires <= now) {
                    c.typing = None;
                }
            }
            user.conns.retain(|c| !c.state.is_empty() || c.typing.is_some());
            if user.due.is_some_and(|d| d <= now) {
                user.due = None;
            }
            out.extend(user.changed(now, timing));
        }
        out
    }

    /// When [`RoomPresence::tick`] next has something to do.
    pub fn next_deadline(&self) -> Option<Instant> {
        self.users
            .iter()
            .flat_map(|u| u.due.into_iter().chain(u.conns.iter().filter_map(|c| c.typing.as_ref().map(|t| t.expires))))
            .min()
    }

    /// The user's merged presence now, if they have any (for the join confirmation).
    pub fn snapshot(&self, user_id: &UserId, now: Instant) -> Option<PresenceEntry<Obj>> {
        let user = self.users.iter().find(|u| &u.user_id == user_id)?;
        let m = user.merged(now);
        (!m.is_empty()).then(|| user.entry(m))
    }

    /// Whether no user has a record here.
    pub fn is_empty(&self) -> bool {
        self.users.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const T: Timing = Timing { batch: Duration::from_millis(100), typing_ttl: Duration::from_millis(5000) };

    fn obj(v: Value) -> Obj {
        v.as_object().unwrap().clone()
    }

    fn state(v: Value) -> PresenceUpdate<Obj> {
        PresenceUpdate { state: Some(v.as_object().cloned()), ..Default::default() }
    }

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn patches_merge_keys_and_null_removes_one() {
        let t0 = Instant::now();
        let alice = UserId::Num(1);
        let mut room = RoomPresence::default();
        let e = room.update(1, &alice, "alice", state(json!({"taskId":"3","activity":"viewing"})), t0, &T).unwrap().unwrap();
        assert_eq!(e.state, Some(obj(json!({"taskId":"3","activity":"viewing"}))));
        let t1 = t0 + ms(200);
        let e = room.update(1, &alice, "alice", state(json!({"activity":"editing","taskId":null})), t1, &T).unwrap().unwrap();
        assert_eq!(e.state, Some(obj(json!({"activity":"editing"}))));
        let replace = PresenceUpdate { state: Some(Some(obj(json!({"taskId":"4","x":null})))), replace: true, typing: None };
        let e = room.update(1, &alice, "alice", replace, t1 + ms(200), &T).unwrap().unwrap();
        assert_eq!(e.state, Some(obj(json!({"taskId":"4"}))));
        // Removing the last key: no state, broadcast as null.
        let e = room.update(1, &alice, "alice", state(json!({"taskId":null})), t1 + ms(400), &T).unwrap().unwrap();
        assert_eq!((e.state, e.typing), (None, None));
        assert!(room.snapshot(&alice, t1 + ms(400)).is_none());
    }

    #[test]
    fn the_last_updated_tab_wins_and_the_other_remains() {
        let t0 = Instant::now();
        let alice = UserId::Num(1);
        let mut room = RoomPresence::default();
        let t = |n: u64| t0 + ms(n * 200);
        room.update(1, &alice, "alice", state(json!({"taskId":"1"})), t(0), &T).unwrap();
        let e = room.update(2, &alice, "alice", state(json!({"taskId":"2","activity":"editing"})), t(1), &T).unwrap().unwrap();
        assert_eq!(e.state, Some(obj(json!({"taskId":"2","activity":"editing"}))), "whole state, not merged per key");
        let e = room.update(1, &alice, "alice", state(json!({"activity":"viewing"})), t(2), &T).unwrap().unwrap();
        assert_eq!(e.state, Some(obj(json!({"taskId":"1","activity":"viewing"}))));
        let e = room.update(1, &alice, "alice", PresenceUpdate { state: Some(None), ..Default::default() }, t(3), &T).unwrap().unwrap();
        assert_eq!(e.state, Some(obj(json!({"taskId":"2","activity":"editing"}))), "falls back to the other tab");
        let e = room.remove_conn(2, None, t(4), &T).unwrap();
        assert_eq!(e.state, None);
    }

    #[test]
    fn frames_are_coalesced_per_batch_interval() {
        let t0 = Instant::now();
        let bob = UserId::Num(2);
        let mut room = RoomPresence::default();
        assert!(room.update(1, &bob, "bob", state(json!({"n":0})), t0, &T).unwrap().is_some());
        for n in 1..10 {
            assert!(room.update(1, &bob, "bob", state(json!({ "n": n })), t0 + ms(n), &T).unwrap().is_none());
        }
        assert_eq!(room.next_deadline(), Some(t0 + ms(100)));
        assert!(room.tick(t0 + ms(99), &T).is_empty());
        let out = room.tick(t0 + ms(100), &T);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].state, Some(obj(json!({"n":9}))));
        // A change undone within the interval sends nothing.
        assert!(room.update(1, &bob, "bob", state(json!({"n":10})), t0 + ms(150), &T).unwrap().is_none());
        assert!(room.update(1, &bob, "bob", state(json!({"n":9})), t0 + ms(160), &T).unwrap().is_none());
        assert!(room.tick(t0 + ms(200), &T).is_empty());
    }

    #[test]
    fn typing_expires_unless_refreshed_and_departure_clears_at_once() {
        let t0 = Instant::now();
        let bob = UserId::Num(2);
        let mut room = RoomPresence::default();
        let typing = || PresenceUpdate { typing: Some(Some(obj(json!({"taskId":"3"})))), ..Default::default() };
        assert!(room.update(1, &bob, "bob", typing(), t0, &T).unwrap().unwrap().typing.is_some());
        assert!(room.update(1, &bob, "bob", typing(), t0 + ms(3000), &T).unwrap().is_none(), "a refresh changes nothing visible");
        assert_eq!(room.next_deadline(), Some(t0 + ms(8000)));
        assert!(room.tick(t0 + ms(7999), &T).is_empty());
        let out = room.tick(t0 + ms(8000), &T);
        assert_eq!((out.len(), out[0].typing.is_none()), (1, true));
        assert_eq!(room.next_deadline(), None);

        room.update(1, &bob, "bob", state(json!({"a":1})), t0 + ms(9000), &T).unwrap();
        // Changed within the interval, then the user departs: cleared at once, nothing stays due.
        room.update(1, &bob, "bob", state(json!({"a":2})), t0 + ms(9001), &T).unwrap();
        let e = room.remove_conn(1, Some(&bob), t0 + ms(9002), &T).unwrap();
        assert_eq!((e.state, e.typing), (None, None));
        assert!(room.is_empty() && room.next_deadline().is_none());
    }

    #[test]
    fn oversize_is_refused_without_change() {
        let t0 = Instant::now();
        let bob = UserId::Num(2);
        let mut room = RoomPresence::default();
        room.update(1, &bob, "bob", state(json!({"a":"x".repeat(900)})), t0, &T).unwrap();
        let grow = state(json!({"b":"y".repeat(200)}));
        assert!(room.update(1, &bob, "bob", grow, t0 + ms(500), &T).is_err(), "the patched result counts");
        let mark = PresenceUpdate { typing: Some(Some(obj(json!({"t":"z".repeat(1100)})))), ..Default::default() };
        assert!(room.update(1, &bob, "bob", mark, t0 + ms(500), &T).is_err());
        assert_eq!(room.snapshot(&bob, t0 + ms(500)).unwrap().state.unwrap().len(), 1);
    }
}
