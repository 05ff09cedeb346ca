//! The sans-IO client core: no browser, no clock, no sockets.
//!
//! A [`Machine`] is fed inputs (connect requested, token ready, socket opened, frame received,
//! socket closed, timer fired, join, leave, browser online/offline/visible), each with the current
//! time in milliseconds, and yields [`Action`]s (fetch a token, open a socket, send a message,
//! close the socket, emit an event) plus one wake-up deadline. The browser layer (`crate::web`)
//! performs them.

pub mod auth;
pub mod backoff;
pub mod decode;
pub mod event;
pub mod heartbeat;
pub mod machine;
pub mod options;
pub mod presence;
pub mod rooms;
pub mod seq;

pub use decode::{Header, Value};
pub use event::Event;
pub use machine::{Action, ConnectionState, Machine, Outgoing, State};
pub use options::{AuthMode, ConfigError, Options, RawOptions};

// Native only: they read frames with serde_json (`wasm-pack test` builds the crate's own tests too).
#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests;
