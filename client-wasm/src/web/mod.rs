//! The browser layer (wasm32 only): a web-sys WebSocket, one gloo-timers timeout, the window's
//! `online` / `offline` / `visibilitychange` listeners, `getToken` awaited as a future, and
//! serde-wasm-bindgen at the boundary, around the sans-IO [`crate::core::Machine`].
//!
//! Every closure handed to the browser is owned by a struct here and dropped with it; `close()`
//! and `free()` release the socket, the timer and the listeners. No `RefCell` borrow is held while
//! JS code that may call back into the client runs (listeners, `getToken`).

mod api;
mod debug;
mod driver;
mod error;
mod feed;
mod events;
mod frames;
mod listeners;
mod options;
mod plan_api;
mod plans;
mod socket;
mod timer;
mod window;

pub use api::PlanClient;
