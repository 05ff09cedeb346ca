//! The single wake-up timer: a gloo-timers `Timeout` (dropping it clears it), re-armed only when
//! the deadline moves earlier (a later deadline costs nothing: the early wake-up finds nothing
//! due and re-arms).

use crate::core::options::MAX_DELAY_MS;
use gloo_timers::callback::Timeout;

/// At most one pending `Timeout`.
#[derive(Default)]
pub struct Timer {
    pending: Option<(Timeout, u64)>,
}

impl Timer {
    /// Makes sure `fire` runs no later than `deadline` (cancels for `None`); reads the clock
    /// only when it has to set a new timeout.
    pub fn arm(&mut self, deadline: Option<u64>, now: impl FnOnce() -> u64, fire: impl FnOnce() + 'static) {
        let Some(deadline) = deadline else { return self.cancel() };
        if self.pending.as_ref().is_some_and(|(_, at)| *at <= deadline) {
            return;
        }
        let ms = deadline.saturating_sub(now()).min(MAX_DELAY_MS) as u32;
        self.pending = Some((Timeout::new(ms, fire), deadline));
    }

    /// Clears a pending wake-up (also called once it fired: clearing a fired timeout is a no-op,
    /// and wasm-bindgen frees a closure dropped while it runs once it returns).
    pub fn cancel(&mut self) {
        self.pending = None;
    }
}
