//! The single wake-up timer: one owned callback, re-armed only when the deadline moves earlier
//! (a deadline that moves later, as the ping does on every frame, costs nothing: the early wake-up
//! finds nothing due and re-arms).

use super::js;
use wasm_bindgen::prelude::*;

/// One `setTimeout` at a time, with its callback owned here.
pub struct Timer {
    callback: Closure<dyn FnMut()>,
    handle: Option<JsValue>,
    armed_for: Option<u64>,
}

impl Timer {
    /// A disarmed timer that will call `callback` when it fires.
    pub fn new(callback: Closure<dyn FnMut()>) -> Timer {
        Timer { callback, handle: None, armed_for: None }
    }

    /// Makes sure the callback runs no later than `deadline` (cancels it for `None`); reads the
    /// clock only when it has to set a new timeout.
    pub fn arm(&mut self, deadline: Option<u64>, now: impl FnOnce() -> u64) {
        let Some(deadline) = deadline else { return self.cancel() };
        if self.armed_for.is_some_and(|armed| armed <= deadline) {
            return;
        }
        self.cancel();
        let ms = deadline.saturating_sub(now()).min(crate::core::options::MAX_DELAY_MS);
        self.handle = Some(js::set_timeout(self.callback.as_ref(), ms as f64));
        self.armed_for = Some(deadline);
    }

    /// The timer fired: nothing is armed any more.
    pub fn fired(&mut self) {
        self.handle = None;
        self.armed_for = None;
    }

    /// Cancels a pending wake-up.
    pub fn cancel(&mut self) {
        if let Some(handle) = self.handle.take() {
            js::clear_timeout(&handle);
        }
        self.armed_for = None;
    }
}

impl Drop for Timer {
    fn drop(&mut self) {
        self.cancel();
    }
}
