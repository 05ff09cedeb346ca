//! The single wake-up timer: a gloo-timers `Timeout` (dropping it clears it), re-armed only when
//! the deadline moves earlier (a later deadline costs nothing: the early wake-up finds nothing
//! due and re-arms). When it fires it feeds [`Input::Timer`].

use super::feed::Feed;
use crate::core::options::MAX_DELAY_MS;
use crate::core::Input;
use gloo_timers::callback::Timeout;

/// At most one pending `Timeout`.
#[derive(Default)]
pub struct Timer {
    pending: Option<(Timeout, u64)>,
}

impl Timer {
    /// Makes sure [`Input::Timer`] reaches `feed` no later than `deadline` (cancels for `None`);
    /// reads the clock only when it has to set a new timeout.
    pub fn arm(&mut self, deadline: Option<u64>, now: impl FnOnce() -> u64, feed: &Feed) {
        let Some(deadline) = deadline else { return self.cancel() };
        if self.pending.as_ref().is_some_and(|(_, at)| *at <= deadline) {
            return;
        }
        let ms = deadline.saturating_sub(now()).min(MAX_DELAY_MS) as u32;
        let feed = feed.clone();
        self.pending = Some((Timeout::new(ms, move || feed.emit(Input::Timer)), deadline));
    }

    /// Clears a pending wake-up (also called once it fired: clearing a fired timeout is a no-op,
    /// and wasm-bindgen frees a closure dropped while it runs once it returns).
    pub fn cancel(&mut self) {
        self.pending = None;
    }
}
