//! Command line: `mock-server [serve flags]` runs the server, `mock-server token …` prints a JWT.

use std::time::Duration;

use clap::{Args, Parser, Subcommand};

use crate::bench_data::BenchArgs;
use crate::config::{Config, Limits};

/// The development JWT secret used when neither `--jwt-secret` nor `JWT_SECRET` is set.
pub const DEV_JWT_SECRET: &str = "planwire-dev-secret";

/// Shortest `--jwt-secret` accepted (the public development secret aside).
pub const MIN_JWT_SECRET_BYTES: usize = 32;

/// planwire mock server: the Plan WebSocket Service protocol, its REST routes and demo data.
#[derive(Parser, Debug, Clone)]
#[command(name = "mock-server", version, args_conflicts_with_subcommands = true)]
pub struct Cli {
    /// `token` prints a signed token; without a subcommand the server runs.
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Server options.
    #[command(flatten)]
    pub serve: ServeArgs,
}

/// Subcommands.
#[derive(Subcommand, Debug, Clone)]
pub enum Command {
    /// Print a signed HS256 token for a user and exit.
    Token(TokenArgs),
}

/// `mock-server token` options.
#[derive(Args, Debug, Clone)]
pub struct TokenArgs {
    /// The `userId` claim: a number when it parses as one, a string otherwise.
    #[arg(long)]
    pub user_id: String,
    /// The `userName` claim.
    #[arg(long)]
    pub user_name: String,
    /// The `email` claim (defaults to `<user-name>@example.com`).
    #[arg(long)]
    pub email: Option<String>,
    /// Lifetime in seconds (`exp` = now + ttl).
    #[arg(long, default_value_t = 3600)]
    pub ttl: u64,
    /// HS256 secret.
    #[arg(long, env = "JWT_SECRET")]
    pub jwt_secret: Option<String>,
}

/// Server options; every duration is in milliseconds so tests can shrink them.
#[derive(Args, Debug, Clone)]
pub struct ServeArgs {
    /// Interface to bind.
    #[arg(long, default_value = "127.0.0.1")]
    pub host: String,
    /// Port to bind; 0 picks a free port (read it from the `listening on` line).
    #[arg(long, default_value_t = 5000)]
    pub port: u16,
    /// HS256 secret for tokens; a development default is used (with a warning) when unset.
    #[arg(long, env = "JWT_SECRET")]
    pub jwt_secret: Option<String>,
    /// Origins allowed to call the REST routes (repeat or comma-separate); any origin when absent.
    #[arg(long, value_delimiter = ',')]
    pub allow_origin: Vec<String>,
    /// `Host` values `/ws` accepts (repeat or comma-separate; `name` or `name:port`), against DNS
    /// rebinding; any host when absent.
    #[arg(long, value_delimiter = ',')]
    pub allow_host: Vec<String>,
    /// Start with no plans instead of the demo data.
    #[arg(long)]
    pub no_demo: bool,
    /// Room participants with no message for this long are closed with 4002 `inactive` and leave
    /// their rooms (the protocol: 30 min).
    #[arg(long, default_value_t = 30 * 60 * 1000)]
    pub inactive_after_ms: u64,
    /// Rooms left empty for this long are deleted (the protocol: 30 min).
    #[arg(long, default_value_t = 30 * 60 * 1000)]
    pub empty_room_ttl_ms: u64,
    /// How often the room sweep runs (the protocol: 5 min).
    #[arg(long, default_value_t = 5 * 60 * 1000)]
    pub sweep_every_ms: u64,
    /// Room broadcasts kept per room for `lastSeq` recovery.
    #[arg(long, default_value_t = 10_000)]
    pub history_max_events: usize,
    /// Room broadcasts older than this are dropped from the recovery history.
    #[arg(long, default_value_t = 10 * 60 * 1000)]
    pub history_max_age_ms: u64,
    /// Without a token in the URL or header, how long to wait for an `auth` first frame.
    #[arg(long, default_value_t = 5000)]
    pub auth_timeout_ms: u64,
    /// Inbound messages allowed per connection per rate window.
    #[arg(long, default_value_t = 100)]
    pub rate_limit: u32,
    /// Length of the rate window.
    #[arg(long, default_value_t = 60_000)]
    pub rate_window_ms: u64,
    /// Open connections allowed per user.
    #[arg(long, default_value_t = 20)]
    pub max_connections_per_user: usize,
    /// Open connections allowed in total.
    #[arg(long, default_value_t = 10_000)]
    pub max_connections: usize,
    /// Frames queued per connection before it is closed with 1013.
    #[arg(long, default_value_t = 1024)]
    pub send_queue: usize,
    /// Presence (extension): a typing mark lasts this long without a refresh, then its expiry is
    /// broadcast.
    #[arg(long, default_value_t = 5000)]
    pub typing_ttl_ms: u64,
    /// Presence: at most one `presence` frame per user per room per this interval (changes in
    /// between are coalesced; 0 sends every change at once).
    #[arg(long, default_value_t = 100)]
    pub presence_batch_ms: u64,
    /// Presence: `presence-update` messages allowed per connection per presence rate window
    /// (counted apart from `--rate-limit`; beyond it: `RATE_LIMITED`, never a close).
    #[arg(long, default_value_t = 20)]
    pub presence_rate_limit: u32,
    /// Presence: length of the presence rate window.
    #[arg(long, default_value_t = 1000)]
    pub presence_rate_window_ms: u64,
    /// Enable the `/api/v1/faults/*` routes (local tests and demos only: no auth).
    #[arg(long)]
    pub enable_faults: bool,
    /// Log level for stderr: error, warn, info, debug, trace.
    #[arg(long, default_value = "info")]
    pub log_level: String,
    /// Benchmark plans (`--bench-plans`, `--bench-users`; see `bench_data`).
    #[command(flatten)]
    pub bench: BenchArgs,
    /// Timeouts and caps against hostile or broken clients.
    #[command(flatten)]
    pub limits: LimitArgs,
}

/// Timeouts and caps against hostile or broken clients (`docs/reliability.md`, *Limits*).
#[derive(Args, Debug, Clone)]
pub struct LimitArgs {
    /// An HTTP request's headers must arrive within this, counted from the connection's accept or
    /// the previous response: it also closes idle keep-alive connections.
    #[arg(long, default_value_t = 10_000)]
    pub header_timeout_ms: u64,
    /// A REST request body must arrive within this (408 otherwise).
    #[arg(long, default_value_t = 10_000)]
    pub body_timeout_ms: u64,
    /// An HTTP connection on which no byte moves either way while no request is being handled
    /// (e.g. a client that stops reading a response) is closed after this.
    #[arg(long, default_value_t = 30_000)]
    pub idle_timeout_ms: u64,
    /// A WebSocket must be authenticated (URL, header or first frame) within this of its TCP
    /// connection being accepted.
    #[arg(long, default_value_t = 10_000)]
    pub upgrade_timeout_ms: u64,
    /// TCP keepalive: probe a silent peer after this many seconds (0 = off).
    #[arg(long, default_value_t = 60)]
    pub tcp_keepalive_secs: u64,
    /// TCP connections not (yet) authenticated WebSockets: HTTP, upgrading, waiting for `auth`.
    /// When full, a new connection closes the oldest of them.
    #[arg(long, default_value_t = 4096)]
    pub max_pending_connections: usize,
    /// Largest REST request body in bytes (413 otherwise).
    #[arg(long, default_value_t = 1024 * 1024)]
    pub max_body_bytes: usize,
    /// Tasks a plan may hold; creating one more is refused with 400.
    #[arg(long, default_value_t = 10_000)]
    pub max_tasks_per_plan: usize,
    /// REST requests allowed per user per REST rate window (429 RATE_LIMITED with Retry-After).
    #[arg(long, default_value_t = 500)]
    pub rest_rate_limit: u32,
    /// Length of the REST rate window.
    #[arg(long, default_value_t = 1000)]
    pub rest_rate_window_ms: u64,
    /// Recovery history bound: bytes of broadcasts kept per room.
    #[arg(long, default_value_t = 16 * 1024 * 1024)]
    pub history_max_bytes: usize,
    /// WebSocket frames of any kind (data, presence, ping, pong) allowed per connection per frame
    /// window; past it the connection is closed with 1008.
    #[arg(long, default_value_t = 200)]
    pub frame_rate_limit: u32,
    /// Length of the frame window.
    #[arg(long, default_value_t = 1000)]
    pub frame_rate_window_ms: u64,
    /// Bytes a WebSocket connection may send per second, every frame counted (continuations
    /// too); past it the connection is closed with 1008.
    #[arg(long, default_value_t = 256 * 1024)]
    pub max_inbound_bytes_per_sec: u64,
    /// Send a WebSocket ping to a connection silent for this long; drop it when silent for three
    /// times this (0 = never ping).
    #[arg(long, default_value_t = 30_000)]
    pub ping_every_ms: u64,
    /// Refuse tokens whose `exp` is more than this many seconds ahead (default 30 days).
    #[arg(long, default_value_t = 30 * 24 * 3600)]
    pub max_token_lifetime_secs: u64,
}

impl LimitArgs {
    /// The limits, after applying floors.
    pub fn to_limits(&self) -> Limits {
        let ms = Duration::from_millis;
        Limits {
            header_timeout: ms(self.header_timeout_ms.max(1)),
            body_timeout: ms(self.body_timeout_ms.max(1)),
            idle_timeout: ms(self.idle_timeout_ms.max(1)),
            upgrade_timeout: ms(self.upgrade_timeout_ms.max(1)),
            tcp_keepalive: Duration::from_secs(self.tcp_keepalive_secs),
            max_pending_connections: self.max_pending_connections.max(1),
            max_body_bytes: self.max_body_bytes,
            max_tasks_per_plan: self.max_tasks_per_plan,
            rest_rate_limit: self.rest_rate_limit.max(1),
            rest_rate_window: ms(self.rest_rate_window_ms.max(1)),
            history_max_bytes: self.history_max_bytes,
            frame_rate_limit: self.frame_rate_limit.max(1),
            frame_rate_window: ms(self.frame_rate_window_ms.max(1)),
            max_inbound_bytes_per_sec: self.max_inbound_bytes_per_sec.max(1),
            ping_every: ms(self.ping_every_ms),
            max_token_lifetime: Duration::from_secs(self.max_token_lifetime_secs.max(1)),
        }
    }
}

/// Checks a JWT secret: not empty, and at least [`MIN_JWT_SECRET_BYTES`] bytes unless it is the
/// public development secret. The error is the message to print.
pub fn check_jwt_secret(secret: &str) -> Result<(), String> {
    if secret.is_empty() {
        return Err("the JWT secret (--jwt-secret or JWT_SECRET) is empty: set a secret of at least 32 bytes, or unset it to use the development secret".into());
    }
    if secret != DEV_JWT_SECRET && secret.len() < MIN_JWT_SECRET_BYTES {
        return Err(format!(
            "the JWT secret (--jwt-secret or JWT_SECRET) is {} bytes: use at least {MIN_JWT_SECRET_BYTES} random bytes",
            secret.len()
        ));
    }
    Ok(())
}

impl ServeArgs {
    /// The settings the server runs with, after applying defaults (the secret is checked apart:
    /// [`check_jwt_secret`]).
    pub fn to_config(&self) -> Config {
        let jwt_secret_is_default = self.jwt_secret.is_none();
        Config {
            host: self.host.clone(),
            port: self.port,
            jwt_secret: self.jwt_secret.clone().unwrap_or_else(|| DEV_JWT_SECRET.to_owned()),
            jwt_secret_is_default,
            allow_origins: self.allow_origin.clone(),
            allow_hosts: self.allow_host.clone(),
            demo_data: !self.no_demo,
            inactive_after: Duration::from_millis(self.inactive_after_ms),
            empty_room_ttl: Duration::from_millis(self.empty_room_ttl_ms),
            sweep_every: Duration::from_millis(self.sweep_every_ms.max(1)),
            history_max_events: self.history_max_events,
            history_max_age: Duration::from_millis(self.history_max_age_ms),
            auth_timeout: Duration::from_millis(self.auth_timeout_ms),
            rate_limit: self.rate_limit.max(1),
            rate_window: Duration::from_millis(self.rate_window_ms.max(1)),
            max_connections_per_user: self.max_connections_per_user,
            max_connections: self.max_connections,
            send_queue: self.send_queue.max(1),
            typing_ttl: Duration::from_millis(self.typing_ttl_ms),
            presence_batch: Duration::from_millis(self.presence_batch_ms),
            presence_rate_limit: self.presence_rate_limit.max(1),
            presence_rate_window: Duration::from_millis(self.presence_rate_window_ms.max(1)),
            enable_faults: self.enable_faults,
            limits: self.limits.to_limits(),
        }
    }
}

impl Default for Config {
    /// The CLI defaults on port 0 (the protocol's durations, demo data, faults off).
    fn default() -> Self {
        let mut cfg = Cli::parse_from(["mock-server"]).serve.to_config();
        cfg.port = 0;
        cfg
    }
}
