//! The state shared by the routes and connection tasks.

use std::sync::Arc;

use crate::auth::Jwt;
use crate::config::Config;
use crate::faults::Faults;
use crate::gate::Gate;
use crate::hub::Hub;
use crate::rest_limit::RestLimiter;
use crate::shutdown::Shutdown;

/// State shared by the routes and connection tasks.
pub struct App {
    /// Settings.
    pub cfg: Config,
    /// Token signing and checking.
    pub jwt: Jwt,
    /// Plans, rooms and connections.
    pub hub: Hub,
    /// Fault-injection switches (inert unless `--enable-faults`).
    pub faults: Faults,
    /// The shutdown signal, and the WebSocket tasks still running (shutdown waits for them).
    pub shutdown: Shutdown,
    /// Connections not (yet) authenticated, capped.
    pub gate: Arc<Gate>,
    /// The per-user REST rate limit.
    pub rest_limit: RestLimiter,
}

/// The shared state handle.
pub type SharedApp = Arc<App>;
