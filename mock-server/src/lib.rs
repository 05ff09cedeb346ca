//! planwire mock server: seed 000's Plan WebSocket Service (JWT auth, plan rooms, presence,
//! broadcasts), live presence (extension: state, typing), its REST routes with in-memory demo data, health and metrics, and — behind
//! `--enable-faults` — fault-injection routes for tests. `docs/protocol.md` documents the wire.
//!
//! [`start`] runs the server in-process (tests use port 0); the `mock-server` binary wraps it.
//!
//! This root only declares the modules and re-exports; no module uses another through it, and
//! the modules' dependencies form no cycle (`docs/architecture.md` draws them).

pub mod accept;
pub mod app;
pub mod auth;
pub mod bench_data;
pub mod body_limit;
pub mod cli;
pub mod config;
pub mod conn_id;
pub mod connections;
pub mod decode;
pub mod fault_routes;
pub mod faults;
pub mod frames;
pub mod gate;
pub mod history;
pub mod hub;
pub mod metrics;
pub mod plans;
pub mod presence;
pub mod ratelimit;
pub mod rest;
pub mod rest_limit;
pub mod rooms;
pub mod server;
pub mod shutdown;
pub mod time;
pub mod tracked;
pub mod ws;
pub mod ws_close;

pub use app::{App, SharedApp};
pub use config::Config;
pub use conn_id::ConnId;
pub use frames::Frame;
pub use server::{start, RunningServer};
pub use ws::MAX_FRAME_BYTES;
