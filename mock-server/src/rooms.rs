//! Room membership with per-user presence: a user with several connections (tabs) counts once,
//! "joined" is announced for their first connection and "left" only when their last one leaves.

use std::time::{Duration, Instant};

use planwire_protocol::{Participant, UserId};

use crate::conn_id::ConnId;

/// One user present in a room, with the connections through which they joined.
#[derive(Debug)]
struct RoomUser {
    user_id: UserId,
    user_name: String,
    /// Connection and its last activity.
    conns: Vec<(ConnId, Instant)>,
}

/// A user whose last connection left the room.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Departed {
    /// Who left.
    pub user_id: UserId,
    /// Their display name.
    pub user_name: String,
}

/// A plan room: the present users in order of arrival.
#[derive(Debug)]
pub struct Room {
    users: Vec<RoomUser>,
    /// When the room last became empty (None while occupied).
    empty_since: Option<Instant>,
}

impl Room {
    /// An empty room, created now.
    pub fn new(now: Instant) -> Self {
        Room { users: Vec::new(), empty_since: Some(now) }
    }

    /// Adds the connection; true when it is the user's first connection in the room.
    pub fn join(&mut self, conn: ConnId, user_id: &UserId, user_name: &str, now: Instant) -> bool {
        self.empty_since = None;
        match self.users.iter_mut().find(|u| &u.user_id == user_id) {
            Some(user) => {
                match user.conns.iter_mut().find(|c| c.0 == conn) {
                    Some(c) => c.1 = now,
                    None => user.conns.push((conn, now)),
                }
                false
            }
            None => {
                self.users.push(RoomUser { user_id: user_id.clone(), user_name: user_name.to_owned(), conns: vec![(conn, now)] });
                true
            }
        }
    }

    /// Removes the connection; `Some` when it was its user's last one here.
    pub fn leave(&mut self, conn: ConnId, now: Instant) -> Option<Departed> {
        let ui = self.users.iter().position(|u| u.conns.iter().any(|c| c.0 == conn))?;
        let user = &mut self.users[ui];
        user.conns.retain(|c| c.0 != conn);
        if !user.conns.is_empty() {
            return None;
        }
        let user = self.users.remove(ui);
        if self.users.is_empty() {
            self.empty_since = Some(now);
        }
        Some(Departed { user_id: user.user_id, user_name: user.user_name })
    }

    /// Records activity of the connection.
    pub fn touch(&mut self, conn: ConnId, now: Instant) {
        for user in &mut self.users {
            if let Some(c) = user.conns.iter_mut().find(|c| c.0 == conn) {
                c.1 = now;
            }
        }
    }

    /// Connections idle for longer than `inactive_after` (left in the room: the hub closes them and
    /// makes them leave every room at once).
    pub fn idle(&self, now: Instant, inactive_after: Duration) -> Vec<ConnId> {
        self.users
            .iter()
            .flat_map(|u| u.conns.iter())
            .filter(|c| now.saturating_duration_since(c.1) > inactive_after)
            .map(|c| c.0)
            .collect()
    }

    /// Whether the room has been empty for longer than `ttl`.
    pub fn expired(&self, now: Instant, ttl: Duration) -> bool {
        self.empty_since.is_some_and(|t| now.saturating_duration_since(t) > ttl)
    }

    /// Whether the connection is in the room.
    pub fn contains(&self, conn: ConnId) -> bool {
        self.users.iter().any(|u| u.conns.iter().any(|c| c.0 == conn))
    }

    /// Distinct users present.
    pub fn participant_count(&self) -> u32 {
        self.users.len() as u32
    }

    /// Distinct users present, in order of arrival.
    pub fn participants(&self) -> Vec<Participant> {
        self.users.iter().map(|u| Participant { user_id: u.user_id.clone(), user_name: u.user_name.clone() }).collect()
    }

    /// Every connection in the room.
    pub fn conns(&self) -> impl Iterator<Item = ConnId> + '_ {
        self.users.iter().flat_map(|u| u.conns.iter().map(|c| c.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_user_with_two_tabs_counts_once_and_leaves_with_the_last() {
        let now = Instant::now();
        let mut room = Room::new(now);
        let alice = UserId::Num(1);
        assert!(room.join(1, &alice, "alice", now));
        assert!(!room.join(2, &alice, "alice", now));
        assert!(room.join(3, &UserId::Num(2), "bob", now));
        assert_eq!(room.participant_count(), 2);
        assert_eq!(room.leave(1, now), None);
        assert_eq!(room.participant_count(), 2);
        assert_eq!(room.leave(2, now).map(|d| d.user_name), Some("alice".into()));
        assert_eq!(room.participants(), vec![Participant { user_id: UserId::Num(2), user_name: "bob".into() }]);
        assert_eq!(room.leave(2, now), None, "leaving twice is a no-op");
    }

    #[test]
    fn idle_connections_are_found_and_empty_rooms_expire() {
        let t0 = Instant::now();
        let mut room = Room::new(t0);
        room.join(1, &UserId::Num(1), "alice", t0);
        room.join(2, &UserId::Num(2), "bob", t0);
        let t1 = t0 + Duration::from_secs(10);
        room.touch(2, t1);
        assert_eq!(room.idle(t1 + Duration::from_secs(1), Duration::from_secs(5)), vec![1]);
        assert!(room.contains(1) && room.contains(2), "finding idle connections removes nobody");
        room.leave(1, t1);
        assert!(!room.expired(t1, Duration::ZERO));
        room.leave(2, t1);
        assert!(room.expired(t1 + Duration::from_secs(2), Duration::from_secs(1)));
    }
}
