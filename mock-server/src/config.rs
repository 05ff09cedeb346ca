//! The server's settings.

use std::time::Duration;

/// Everything the server runs with; [`crate::cli::ServeArgs::to_config`] builds it from flags, and
/// its `Default` (in `cli` too) is the CLI defaults on port 0.
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
    /// `Host` headers `/ws` accepts (`name` or `name:port`); empty = any.
    pub allow_hosts: Vec<String>,
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
    /// Limits against clients that hold connections or flood the server ([`Limits`]).
    pub limits: Limits,
}

impl Config {
    /// Whether `--allow-origin` allows any origin (absent, or containing `*`).
    pub fn any_origin(&self) -> bool {
        self.allow_origins.is_empty() || self.allow_origins.iter().any(|o| o.trim() == "*")
    }
}

/// Timeouts and caps that keep one client from exhausting the server (`docs/reliability.md`).
#[derive(Debug, Clone)]
pub struct Limits {
    /// An HTTP request's headers, and the next request on a keep-alive connection, must arrive
    /// within this.
    pub header_timeout: Duration,
    /// A REST request body must arrive within this.
    pub body_timeout: Duration,
    /// An HTTP connection on which no byte moves, with no request being handled, is closed.
    pub idle_timeout: Duration,
    /// A WebSocket must be authenticated this long after its TCP connection was accepted.
    pub upgrade_timeout: Duration,
    /// TCP keepalive idle time (zero: off).
    pub tcp_keepalive: Duration,
    /// TCP connections not (yet) authenticated as WebSockets; past it the oldest is closed.
    pub max_pending_connections: usize,
    /// Largest REST request body.
    pub max_body_bytes: usize,
    /// Tasks per plan.
    pub max_tasks_per_plan: usize,
    /// REST requests per user per `rest_rate_window`.
    pub rest_rate_limit: u32,
    /// REST rate window.
    pub rest_rate_window: Duration,
    /// Recovery history bound: bytes of encoded broadcasts per room.
    pub history_max_bytes: usize,
    /// WebSocket frames of any kind per connection per `frame_rate_window`; past it: close 1008.
    pub frame_rate_limit: u32,
    /// Frame rate window.
    pub frame_rate_window: Duration,
    /// Bytes read per WebSocket connection per second; past it: close 1008.
    pub max_inbound_bytes_per_sec: u64,
    /// A WebSocket silent for this long gets a ping frame; silent for three times this, it is
    /// dropped (zero: never).
    pub ping_every: Duration,
    /// Tokens whose `exp` is further ahead than this are refused.
    pub max_token_lifetime: Duration,
}
