//! planwire mock server: seed 000's Plan WebSocket Service (JWT auth, plan rooms, presence,
//! broadcasts), live presence (extension: state, typing), its REST routes with in-memory demo data, health and metrics, and — behind
//! `--enable-faults` — fault-injection routes for tests. `docs/protocol.md` documents the wire.
//!
//! [`start`] runs the server in-process (tests use port 0); the `mock-server` binary wraps it.

pub mod auth;
pub mod bench_data;
pub mod cli;
pub mod decode;
pub mod faults;
pub mod history;
pub mod hub;
pub mod metrics;
pub mod plans;
pub mod presence;
pub mod ratelimit;
pub mod rest;
pub mod rooms;
pub mod server;
pub mod time;
pub mod ws;

use std::sync::Arc;
use std::time::Duration;

pub use server::{start, RunningServer};

/// An encoded text frame, cheap to clone into many queues.
pub type Frame = axum::extract::ws::Utf8Bytes;

/// A connection's id (`c<N>` on the wire).
pub type ConnId = u64;

/// Frames and messages larger than this close the connection with 1009.
pub const MAX_FRAME_BYTES: usize = 64 * 1024;

/// Everything the server runs with; [`cli::ServeArgs::to_config`] builds it from flags.
#[derive(Debug, Clone)]
pub struct Config {
    /// Interface to bind.
    pub host: String,
    /// Port (0 = any free port).
    pub port: u16,
    /// HS256 secret.
    pub jwt_secret: String,
    /// Whether `jwt_secret` is the development default (logged as a warning).
    pub jwt_secret_is_default: bool,
    /// CORS origins; empty = any.
    pub allow_origins: Vec<String>,
    /// Load the demo plans.
    pub demo_data: bool,
    /// Room participants idle for this long are closed with 4002 `inactive`.
    pub inactive_after: Duration,
    /// Empty rooms are deleted after this.
    pub empty_room_ttl: Duration,
    /// Room sweep period.
    pub sweep_every: Duration,
    /// Recovery history bound: events per room.
    pub history_max_events: usize,
    /// Recovery history bound: age.
    pub history_max_age: Duration,
    /// Wait for an `auth` first frame this long.
    pub auth_timeout: Duration,
    /// Inbound messages per connection per `rate_window`.
    pub rate_limit: u32,
    /// Rate window.
    pub rate_window: Duration,
    /// Connections per user.
    pub max_connections_per_user: usize,
    /// Connections in total.
    pub max_connections: usize,
    /// Outbound queue length per connection.
    pub send_queue: usize,
    /// Presence: a typing mark lasts this long without a refresh.
    pub typing_ttl: Duration,
    /// Presence: at most one frame per user per room per this interval.
    pub presence_batch: Duration,
    /// Presence: `presence-update` messages per connection per `presence_rate_window`.
    pub presence_rate_limit: u32,
    /// Presence rate window.
    pub presence_rate_window: Duration,
    /// Enable `/api/v1/faults/*`.
    pub enable_faults: bool,
}

impl Default for Config {
    /// The CLI defaults on port 0 (seed 000 durations, demo data, faults off).
    fn default() -> Self {
        use clap::Parser;
        let mut cfg = cli::Cli::parse_from(["mock-server"]).serve.to_config();
        cfg.port = 0;
        cfg
    }
}

/// State shared by the routes and connection tasks.
pub struct App {
    /// Settings.
    pub cfg: Config,
    /// Token signing and checking.
    pub jwt: auth::Jwt,
    /// Plans, rooms and connections.
    pub hub: hub::Hub,
    /// Fault-injection switches (inert unless `--enable-faults`).
    pub faults: faults::Faults,
    /// WebSocket tasks still running (shutdown waits for them).
    pub sockets: ws::OpenSockets,
    /// Flips to true when the server shuts down.
    pub shutdown: tokio::sync::watch::Sender<bool>,
}

/// The shared state handle.
pub type SharedApp = Arc<App>;
