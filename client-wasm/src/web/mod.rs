//! The browser layer (wasm32 only): a WebSocket, one timer, the window's `online` / `offline` /
//! `visibilitychange` listeners and the JS callbacks, around the sans-IO [`crate::core::Machine`].
//!
//! Every closure handed to the browser is owned by a struct here and dropped with it; `close()`
//! and `free()` release the socket, the timer and the listeners. No `RefCell` borrow is held while
//! JS code that may call back into the client runs (listeners, `getToken`).

mod api;
mod driver;
mod js;
mod listeners;
mod socket;
mod timer;
mod window;

pub use api::PlanClient;
