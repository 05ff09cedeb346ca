//! The application's event listeners, per event kind.

use alloc::vec::Vec;
use crate::core::EventKind;
use js_sys::Function;
use alloc::rc::Rc;

/// One listener: its id (for unsubscribing) and its function.
pub type Listener = (u32, Rc<Function>);

/// Listeners by event kind, in subscription order.
#[derive(Default)]
pub struct Listeners {
    next_id: u32,
    by_kind: [Vec<Listener>; 18],
}

impl Listeners {
    /// Adds `f` for `kind`; returns its id.
    pub fn add(&mut self, kind: EventKind, f: Function) -> u32 {
        self.next_id = self.next_id.wrapping_add(1);
        if let Some(list) = self.by_kind.get_mut(kind.index()) {
            list.push((self.next_id, Rc::new(f)));
        }
        self.next_id
    }

    /// Removes listener `id` of `kind` (no-op if already gone).
    pub fn remove(&mut self, kind: EventKind, id: u32) {
        if let Some(list) = self.by_kind.get_mut(kind.index()) {
            list.retain(|(i, _)| *i != id);
        }
    }

    /// Whether listener `id` of `kind` is still subscribed.
    pub fn contains(&self, kind: EventKind, id: u32) -> bool {
        self.of(kind).iter().any(|(i, _)| *i == id)
    }

    /// The listeners of `kind` right now (a cheap snapshot: `Rc` clones, no JS calls).
    pub fn snapshot(&self, kind: EventKind) -> Vec<Listener> {
        self.of(kind).to_vec()
    }

    /// Whether anyone listens to `kind`.
    pub fn any(&self, kind: EventKind) -> bool {
        !self.of(kind).is_empty()
    }

    fn of(&self, kind: EventKind) -> &[Listener] {
        self.by_kind.get(kind.index()).map_or(&[], Vec::as_slice)
    }

    /// Drops every listener.
    pub fn clear(&mut self) {
        for list in &mut self.by_kind {
            list.clear();
        }
    }
}
