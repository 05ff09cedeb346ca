//! Harness of the client's browser suite: the wasm client (`planwire_client::PlanClient`) in headless
//! Chrome and Firefox (`wasm-pack test --headless --chrome|--firefox client-wasm`), against live mock
//! servers whose addresses are compiled in. `scripts/test-browser.sh` starts them and runs the suite.
//!
//! - `PLANWIRE_TEST_SERVER=host:port`: a `mock-server --enable-faults` for every test but the sweep ones
//!   (the suite counts its connections: give it a server of its own).
//! - `PLANWIRE_TEST_SERVER_SWEEP=host:port`: a second one started with a short `--inactive-after-ms`
//!   (given as `PLANWIRE_TEST_SWEEP_INACTIVE_MS`) and a fast `--sweep-every-ms`, for `tests/sweep.rs`.
//!
//! What it provides (`time.rs`, `client.rs`, `page.rs`, `server.rs`):
//! - [`within`]: every test body runs under its own timeout; a timeout names what the test was
//!   awaiting and the last events of that client; an uncaught error or unhandled rejection in the page
//!   during the test fails it.
//! - [`Recorder`]: records every event of a client (a JSON copy of each payload) and lets a test
//!   await them in order, per event name. Tests await events, never sleep to synchronise: the only
//!   pauses are polls of the server's connection count and observation windows proving that nothing
//!   happens (after `close()` / drop), plus the pacing of the busy-room test.
//! - Page instrumentation (an inline JS module evaluated before the wasm module is instantiated):
//!   `WebSocket`, `setTimeout`/`setInterval` (+ `clear…`) and `window`/`document`
//!   `addEventListener`/`removeEventListener` are wrapped (and the `ononline`/`onoffline`/
//!   `onvisibilitychange` handler properties read), so a test counts what its clients left behind
//!   from the page's point of view. The harness's own timers use the unwrapped functions and never
//!   count.
//! - [`Server`]: REST, fault injection, tokens and connection counts of a mock server.
// Each test binary uses part of the harness.
#![allow(dead_code, unused_imports)]

mod client;
mod page;
mod server;
mod time;

pub use client::*;
pub use page::{
    fire_window_event, listener_types, live_sockets, network_listener_types, pending_timers, sockets_closed, sockets_created,
    spies_mark, until_sockets_closed,
};
pub use server::*;
pub use time::{now, sleep, within, Cleanup, Sleep};
