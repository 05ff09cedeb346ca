//! Connections that have not authenticated (yet). Every accepted TCP connection gets a
//! [`ConnInfo`] and a slot in the [`Gate`] until it authenticates as a WebSocket or closes: REST
//! connections, upgrades in progress, WebSockets waiting for their `auth` frame. The gate holds at
//! most `--max-pending-connections` slots; a new connection past the cap evicts the oldest, so a
//! flood of silent sockets cannot lock out a real client for longer than it takes to connect.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::Notify;

use crate::connections::lock;

/// A one-shot eviction signal, observable by several tasks.
#[derive(Debug, Default)]
pub struct Evict {
    fired: AtomicBool,
    notify: Notify,
}

impl Evict {
    /// Fires the signal (idempotent).
    pub fn fire(&self) {
        self.fired.store(true, Ordering::SeqCst);
        self.notify.notify_waiters();
    }

    /// Whether it fired.
    pub fn fired(&self) -> bool {
        self.fired.load(Ordering::SeqCst)
    }

    /// Resolves once the signal fires.
    pub async fn wait(&self) {
        loop {
            let notified = self.notify.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if self.fired() {
                return;
            }
            notified.await;
        }
    }
}

/// The table of unauthenticated connections.
#[derive(Debug)]
pub struct Gate {
    slots: Mutex<BTreeMap<u64, Arc<Evict>>>,
    next: AtomicU64,
    cap: usize,
}

impl Gate {
    /// A gate holding at most `cap` connections.
    pub fn new(cap: usize) -> Arc<Self> {
        Arc::new(Gate { slots: Mutex::new(BTreeMap::new()), next: AtomicU64::new(0), cap: cap.max(1) })
    }

    /// Admits a new connection; returns its info and how many older connections it evicted.
    pub fn admit(self: &Arc<Self>) -> (Arc<ConnInfo>, usize) {
        let slot = self.next.fetch_add(1, Ordering::Relaxed);
        let evict = Arc::new(Evict::default());
        let mut evicted = 0;
        let mut slots = lock(&self.slots);
        while slots.len() >= self.cap {
            let Some((_, oldest)) = slots.pop_first() else { break };
            oldest.fire();
            evicted += 1;
        }
        slots.insert(slot, evict.clone());
        drop(slots);
        let info = ConnInfo {
            gate: self.clone(),
            slot,
            evict,
            accepted: Instant::now(),
            last_io_ms: AtomicU64::new(0),
            in_flight: AtomicUsize::new(0),
            inbound_budget: AtomicU64::new(0),
            flooded: AtomicBool::new(false),
        };
        (Arc::new(info), evicted)
    }

    /// Connections in the gate now.
    pub fn len(&self) -> usize {
        lock(&self.slots).len()
    }

    /// Whether the gate is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Evicts every connection in the gate (the restart fault).
    pub fn evict_all(&self) {
        for (_, evict) in std::mem::take(&mut *lock(&self.slots)) {
            evict.fire();
        }
    }

    fn leave(&self, slot: u64) {
        lock(&self.slots).remove(&slot);
    }
}

/// What the server knows about one TCP connection, shared by its HTTP task, its I/O wrapper
/// (`tracked`) and, after an upgrade, its WebSocket task.
#[derive(Debug)]
pub struct ConnInfo {
    gate: Arc<Gate>,
    slot: u64,
    /// Fires when the gate evicts the connection.
    pub evict: Arc<Evict>,
    /// When it was accepted.
    pub accepted: Instant,
    last_io_ms: AtomicU64,
    in_flight: AtomicUsize,
    inbound_budget: AtomicU64,
    flooded: AtomicBool,
}

impl ConnInfo {
    /// The connection authenticated as a WebSocket: it leaves the gate (and can no longer be evicted).
    pub fn authenticated(&self) {
        self.gate.leave(self.slot);
    }

    /// Records that bytes moved now.
    pub fn touch(&self) {
        self.last_io_ms.store(self.accepted.elapsed().as_millis() as u64, Ordering::Relaxed);
    }

    /// Time since bytes last moved (or since the accept).
    pub fn since_io(&self) -> Duration {
        let last = Duration::from_millis(self.last_io_ms.load(Ordering::Relaxed));
        self.accepted.elapsed().saturating_sub(last)
    }

    /// Counts a request being handled until the guard drops.
    pub fn request_started(self: &Arc<Self>) -> InFlight {
        self.in_flight.fetch_add(1, Ordering::SeqCst);
        InFlight(self.clone())
    }

    /// Whether a request is being handled.
    pub fn busy(&self) -> bool {
        self.in_flight.load(Ordering::SeqCst) > 0
    }

    /// From now on, reading more than `bytes_per_sec` in a second fails the connection's reads.
    pub fn limit_inbound(&self, bytes_per_sec: u64) {
        self.inbound_budget.store(bytes_per_sec, Ordering::Relaxed);
    }

    /// The inbound byte budget per second (0: none).
    pub fn inbound_budget(&self) -> u64 {
        self.inbound_budget.load(Ordering::Relaxed)
    }

    /// Marks the connection as having exceeded its inbound budget.
    pub fn set_flooded(&self) {
        self.flooded.store(true, Ordering::SeqCst);
    }

    /// Whether it exceeded its inbound budget.
    pub fn flooded(&self) -> bool {
        self.flooded.load(Ordering::SeqCst)
    }
}

impl Drop for ConnInfo {
    fn drop(&mut self) {
        self.gate.leave(self.slot);
    }
}

/// A request in progress on a connection (see [`ConnInfo::request_started`]).
pub struct InFlight(Arc<ConnInfo>);

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::SeqCst);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_oldest_is_evicted_and_authenticated_ones_leave() {
        let gate = Gate::new(2);
        let (a, _) = gate.admit();
        let (b, _) = gate.admit();
        b.authenticated();
        let (c, n) = gate.admit();
        assert_eq!((n, gate.len()), (0, 2));
        let (_d, n) = gate.admit();
        assert_eq!(n, 1);
        assert!(a.evict.fired() && !c.evict.fired());
        drop(c);
        assert_eq!(gate.len(), 1);
    }
}
