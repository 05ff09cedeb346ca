//! The application's event listeners, per event kind.

use super::events::EventKind;
use js_sys::Function;
use std::rc::Rc;

/// One listener: its id (for unsubscribing) and its function.
pub type Listener = (u32, Rc<Function>);

/// Listeners by event kind, in subscription order.
#[derive(Default)]
pub struct Listeners {
    next_id: u32,
    by_kind: [Vec<Listener>; EventKind::COUNT],
}

impl Listeners {
    /// Adds `f` for `kind`; returns its id.
    pub fn add(&mut self, kind: EventKind, f: Function) -> u32 {
        self.next_id = self.next_id.wrapping_add(1);
        self.by_kind[kind as usize].push((self.next_id, Rc::new(f)));
        self.next_id
    }

    /// Removes listener `id` of `kind` (no-op if already gone).
    pub fn remove(&mut self, kind: EventKind, id: u32) {
        crate::core::retain(&mut self.by_kind[kind as usize], |(i, _)| *i != id);
    }

    /// Whether listener `id` of `kind` is still subscribed.
    pub fn contains(&self, kind: EventKind, id: u32) -> bool {
        self.by_kind[kind as usize].iter().any(|(i, _)| *i == id)
    }

    /// The listeners of `kind` right now (a cheap snapshot: `Rc` clones, no JS calls).
    pub fn snapshot(&self, kind: EventKind) -> Vec<Listener> {
        // `core::to_vec`, not `Vec::clone` (its own copy for this type, 191 B).
        crate::core::to_vec(&self.by_kind[kind as usize])
    }

    /// Whether anyone listens to `kind`.
    pub fn any(&self, kind: EventKind) -> bool {
        !self.by_kind[kind as usize].is_empty()
    }

    /// Drops every listener.
    pub fn clear(&mut self) {
        self.by_kind.iter_mut().for_each(Vec::clear);
    }
}
