//! Connections and delivery: the table of authenticated connections, each with its bounded
//! outbound queue and command handle ([`ConnCtl`]), and sends that never block — to one
//! connection, to a room's connections, or to those a [`ConnFilter`] matches. A connection whose
//! queue is full is closed with 1013.
//!
//! The table lives inside the hub's state, under its lock, so a room's frames are queued in the
//! order the hub makes them.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use planwire_protocol::{CloseCode, UserId};
use tokio::sync::{mpsc, Notify};

use crate::auth::Claims;
use crate::config::Config;
use crate::conn_id::{new_conn_id, ConnId};
use crate::frames::{connected_frame, Frame};
use crate::metrics::Counters;
use crate::rooms::Room;

/// How a connection is to be closed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CloseCmd {
    /// Send a close frame with one of planwire's codes and this reason.
    Frame(CloseCode, String),
    /// Send a close frame with any sendable code and this reason (the drop fault route lets a
    /// test pick the code).
    AnyFrame(u16, String),
    /// Drop the TCP connection without a close frame.
    Abrupt,
}

impl CloseCmd {
    /// The close frame's numeric code and reason; `None` for [`CloseCmd::Abrupt`].
    pub fn frame(&self) -> Option<(u16, &str)> {
        match self {
            CloseCmd::Frame(code, reason) => Some((code.code(), reason)),
            CloseCmd::AnyFrame(code, reason) => Some((*code, reason)),
            CloseCmd::Abrupt => None,
        }
    }
}

/// Commands from the hub (and the fault routes) to a connection's task.
#[derive(Debug, Default)]
pub struct ConnCtl {
    close: Mutex<Option<CloseCmd>>,
    frozen: AtomicBool,
    /// Wakes the connection task when a command is set.
    pub wake: Notify,
}

impl ConnCtl {
    /// Asks the connection to close; the first request wins.
    pub fn close(&self, cmd: CloseCmd) {
        let mut slot = lock(&self.close);
        if slot.is_none() {
            *slot = Some(cmd);
        }
        drop(slot);
        self.wake.notify_one();
    }

    /// The pending close request, if any.
    pub fn pending_close(&self) -> Option<CloseCmd> {
        lock(&self.close).clone()
    }

    /// Stops the connection reading and writing until the peer goes away.
    pub fn freeze(&self) {
        self.frozen.store(true, Ordering::SeqCst);
        self.wake.notify_one();
    }

    /// Whether the connection is frozen.
    pub fn is_frozen(&self) -> bool {
        self.frozen.load(Ordering::SeqCst)
    }
}

/// What a connection task receives when it registers.
pub struct Registration {
    /// The connection's id.
    pub id: ConnId,
    /// Its outbound queue.
    pub rx: mpsc::Receiver<Frame>,
    /// Its command channel.
    pub ctl: Arc<ConnCtl>,
}

/// Which connections a fault or shutdown applies to.
#[derive(Debug, Clone, Default)]
pub struct ConnFilter {
    /// Only this user's connections.
    pub user_id: Option<UserId>,
    /// Only this connection.
    pub conn: Option<ConnId>,
}

impl ConnFilter {
    fn matches(&self, id: ConnId, conn: &Conn) -> bool {
        self.conn.map_or(true, |c| c == id) && self.user_id.as_ref().map_or(true, |u| *u == conn.user_id)
    }
}

/// An authenticated connection as the hub knows it.
pub(crate) struct Conn {
    /// Its user.
    pub(crate) user_id: UserId,
    /// Its user's display name.
    pub(crate) user_name: String,
    /// Its command handle.
    pub(crate) ctl: Arc<ConnCtl>,
    /// The rooms it is in.
    pub(crate) rooms: Vec<String>,
    /// When it last sent a message that counts as activity.
    pub(crate) last_active: Instant,
    tx: mpsc::Sender<Frame>,
}

impl Conn {
    /// Queues a frame without waiting; a full queue closes the connection with 1013.
    pub(crate) fn deliver(&self, frame: Frame, counters: &Counters) {
        if let Err(mpsc::error::TrySendError::Full(_)) = self.tx.try_send(frame) {
            if self.ctl.pending_close().is_none() {
                counters.error();
            }
            self.ctl.close(CloseCmd::Frame(CloseCode::TryAgainLater, "send queue full".into()));
        }
    }

    /// Free slots in its outbound queue.
    pub(crate) fn spare_capacity(&self) -> usize {
        self.tx.capacity()
    }
}

/// The authenticated connections, by id.
#[derive(Default)]
pub(crate) struct Connections {
    conns: HashMap<ConnId, Conn>,
}

impl Connections {
    /// Adds a connection, unless a connection cap of `cfg` is reached, and queues its confirmation.
    pub(crate) fn register(&mut self, claims: &Claims, cfg: &Config, counters: &Counters) -> Result<Registration, &'static str> {
        if self.conns.len() >= cfg.max_connections {
            return Err("too many connections on this server");
        }
        if self.conns.values().filter(|c| c.user_id == claims.user_id).count() >= cfg.max_connections_per_user {
            return Err("too many connections for this user");
        }
        let id = loop {
            let id = new_conn_id();
            if !self.conns.contains_key(&id) {
                break id;
            }
        };
        let (tx, rx) = mpsc::channel(cfg.send_queue);
        let ctl = Arc::new(ConnCtl::default());
        let conn = Conn { user_id: claims.user_id.clone(), user_name: claims.user_name.clone(), tx, ctl: ctl.clone(), rooms: Vec::new(), last_active: Instant::now() };
        conn.deliver(connected_frame(&conn.user_id, id), counters);
        self.conns.insert(id, conn);
        Ok(Registration { id, rx, ctl })
    }

    /// Removes a connection.
    pub(crate) fn remove(&mut self, id: ConnId) -> Option<Conn> {
        self.conns.remove(&id)
    }

    /// A connection.
    pub(crate) fn get(&self, id: ConnId) -> Option<&Conn> {
        self.conns.get(&id)
    }

    /// A connection, to change its rooms.
    pub(crate) fn get_mut(&mut self, id: ConnId) -> Option<&mut Conn> {
        self.conns.get_mut(&id)
    }

    /// Connections in no room, not closing, that sent nothing for longer than `inactive_after`.
    pub(crate) fn idle_roomless(&self, now: Instant, inactive_after: Duration) -> Vec<ConnId> {
        self.conns
            .iter()
            .filter(|(_, c)| c.rooms.is_empty() && now.saturating_duration_since(c.last_active) > inactive_after)
            .filter(|(_, c)| c.ctl.pending_close().is_none())
            .map(|(&id, _)| id)
            .collect()
    }

    /// Open connections.
    pub(crate) fn len(&self) -> usize {
        self.conns.len()
    }

    /// Queues a frame to every connection in the room except `exclude`.
    pub(crate) fn send_room(&self, room: &Room, frame: &Frame, exclude: Option<ConnId>, counters: &Counters) {
        for id in room.conns() {
            if Some(id) == exclude {
                continue;
            }
            if let Some(conn) = self.conns.get(&id) {
                conn.deliver(frame.clone(), counters);
            }
        }
    }

    /// Queues a frame to every matching connection; returns how many got it.
    pub(crate) fn send_matching(&self, filter: &ConnFilter, frame: &Frame, counters: &Counters) -> usize {
        let mut n = 0;
        for (&id, conn) in &self.conns {
            if filter.matches(id, conn) {
                conn.deliver(frame.clone(), counters);
                n += 1;
            }
        }
        n
    }

    /// Asks every matching connection to close; returns how many matched.
    pub(crate) fn close_matching(&self, filter: &ConnFilter, cmd: &CloseCmd) -> usize {
        let mut n = 0;
        for (&id, conn) in &self.conns {
            if filter.matches(id, conn) {
                conn.ctl.close(cmd.clone());
                n += 1;
            }
        }
        n
    }
}

/// Locks a mutex, going on past a poisoned lock.
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while holding the lock cannot leave these maps half-updated in a way that matters
    // more than stopping the whole server would.
    m.lock().unwrap_or_else(|e| e.into_inner())
}
