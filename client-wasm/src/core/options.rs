//! Client options: defaults that reproduce seed 000, and validation with coded errors.

use planwire_protocol::ErrorCode;

/// How the JWT reaches the server.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AuthMode {
    /// `?token=…` on the URL (seed 000).
    Query,
    /// **Extension.** A first frame `{"type":"auth","token":…}`, keeping the token out of URLs.
    Message,
}

/// A caller error (an option, or an argument of a call): `code` is machine-readable, `message`
/// explains it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConfigError {
    /// `INVALID_URL`, `INVALID_OPTION`, `INVALID_PLAN_ID`, …
    pub code: ErrorCode,
    /// What was wrong, e.g. `jitter must be between 0 and 1`.
    pub message: &'static str,
}

impl ConfigError {
    /// An `INVALID_OPTION` error.
    pub const fn option(message: &'static str) -> Self {
        ConfigError { code: ErrorCode::InvalidOption, message }
    }

    /// `CODE: message`, the message of the JS `Error` thrown to the caller (whose `code` property
    /// carries the code itself).
    pub fn text(&self) -> String {
        super::concat(&[self.code.as_str(), ": ", self.message])
    }
}

/// The largest delay accepted: browsers fire `setTimeout` at once for anything above 2^31 - 1 ms.
pub const MAX_DELAY_MS: u64 = 2_147_483_647;

/// Options as the caller wrote them; `None` means "use the default".
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RawOptions {
    /// `ws://` or `wss://` URL of the `/ws` endpoint.
    pub url: String,
    /// A fixed JWT.
    pub token: Option<String>,
    /// Whether a `getToken` function was given (it wins over `token`).
    pub has_get_token: bool,
    /// `query` or `message`.
    pub auth_mode: Option<String>,
    /// Reconnect attempts after a drop; `f64::INFINITY` for no limit.
    pub max_reconnect_attempts: Option<f64>,
    /// Backoff base.
    pub base_delay_ms: Option<f64>,
    /// Backoff cap.
    pub max_delay_ms: Option<f64>,
    /// Fraction of each delay that is randomised, 0..=1.
    pub jitter: Option<f64>,
    /// How long a connection must stay open before the attempt counter resets.
    pub stable_after_ms: Option<f64>,
    /// Keep-alive interval.
    pub ping_interval_ms: Option<f64>,
    /// How long to wait for any frame after a ping.
    pub pong_timeout_ms: Option<f64>,
    /// How long opening a socket and receiving the server's confirmation may take.
    pub connect_timeout_ms: Option<f64>,
    /// After giving up for a transient reason, how long until a new round of attempts (0: never
    /// by timer; the browser's `online`, `visibilitychange` and `focus` still revive).
    pub revive_interval_ms: Option<f64>,
}

/// Validated options.
#[derive(Clone, Debug, PartialEq)]
pub struct Options {
    /// Socket URL without the token.
    pub url: String,
    /// A fixed JWT, used when there is no `getToken`.
    pub token: Option<String>,
    /// Whether a fresh token is fetched before every connect.
    pub has_get_token: bool,
    /// How the token travels.
    pub auth_mode: AuthMode,
    /// Reconnect attempts allowed; `None` for no limit.
    pub max_attempts: Option<u32>,
    /// Backoff base (default 1000).
    pub base_delay_ms: u64,
    /// Backoff cap (default 30000).
    pub max_delay_ms: u64,
    /// Jitter fraction (default 0.5).
    pub jitter: f64,
    /// Stable period (default 5000).
    pub stable_after_ms: u64,
    /// Ping interval (default 30000).
    pub ping_interval_ms: u64,
    /// Pong timeout (default 10000).
    pub pong_timeout_ms: u64,
    /// Connect timeout (default 10000).
    pub connect_timeout_ms: u64,
    /// Revive interval after a transient failure (default 60000; 0: only the browser's events).
    pub revive_interval_ms: u64,
}

impl Options {
    /// Checks every option and fills in defaults.
    pub fn validate(raw: RawOptions) -> Result<Options, ConfigError> {
        validate_url(&raw.url)?;
        if raw.token.as_deref() == Some("") {
            return Err(ConfigError::option("token must be a non-empty string"));
        }
        let auth_mode = match raw.auth_mode.as_deref() {
            None | Some("query") => AuthMode::Query,
            Some("message") => AuthMode::Message,
            Some(_) => return Err(ConfigError::option("authMode must be 'query' or 'message'")),
        };
        let max_attempts = match raw.max_reconnect_attempts {
            None => Some(5),
            Some(n) if n == f64::INFINITY => None,
            Some(n) if n >= 0.0 && n <= f64::from(u32::MAX - 1) && f64::from(n as u32) == n => Some(n as u32),
            Some(_) => {
                return Err(ConfigError::option(
                    "maxReconnectAttempts must be a non-negative integer or Infinity",
                ))
            }
        };
        let base_delay_ms = duration(raw.base_delay_ms, 1000, 1, "baseDelayMs must be a number from 1 to 2147483647")?;
        let max_delay_ms = duration(raw.max_delay_ms, 30_000, 1, "maxDelayMs must be a number from 1 to 2147483647")?;
        if max_delay_ms < base_delay_ms {
            return Err(ConfigError::option("maxDelayMs must be at least baseDelayMs"));
        }
        let jitter = match raw.jitter {
            None => 0.5,
            // Comparisons, not `(0.0..=1.0).contains`, whose f64 monomorph is linked for two calls (46 B).
            Some(j) if 0.0 <= j && j <= 1.0 => j,
            Some(_) => return Err(ConfigError::option("jitter must be between 0 and 1")),
        };
        // Every check before `url` and `token` move into the result: each early return then drops
        // `raw` whole (one drop), not the moved strings and the rest apart.
        let stable_after_ms = duration(raw.stable_after_ms, 5000, 0, "stableAfterMs must be a number from 0 to 2147483647")?;
        let ping_interval_ms = duration(raw.ping_interval_ms, 30_000, 1, "pingIntervalMs must be a number from 1 to 2147483647")?;
        let pong_timeout_ms = duration(raw.pong_timeout_ms, 10_000, 1, "pongTimeoutMs must be a number from 1 to 2147483647")?;
        let connect_timeout_ms = duration(raw.connect_timeout_ms, 10_000, 1, "connectTimeoutMs must be a number from 1 to 2147483647")?;
        let revive_interval_ms = duration(raw.revive_interval_ms, 60_000, 0, "reviveIntervalMs must be a number from 0 to 2147483647")?;
        Ok(Options {
            url: raw.url,
            token: raw.token,
            has_get_token: raw.has_get_token,
            auth_mode,
            max_attempts,
            base_delay_ms,
            max_delay_ms,
            jitter,
            stable_after_ms,
            ping_interval_ms,
            pong_timeout_ms,
            connect_timeout_ms,
            revive_interval_ms,
        })
    }
}

/// A millisecond option: `default` when absent, else a number in `min..=MAX_DELAY_MS` (fractions dropped).
fn duration(value: Option<f64>, default: u64, min: u64, message: &'static str) -> Result<u64, ConfigError> {
    match value {
        None => Ok(default),
        Some(v) if v >= min as f64 && v <= MAX_DELAY_MS as f64 => Ok(v as u64),
        Some(_) => Err(ConfigError::option(message)),
    }
}

/// Accepts `ws://host…` and `wss://host…` without a fragment or whitespace.
fn validate_url(url: &str) -> Result<(), ConfigError> {
    let rest = strip_prefix_ignore_case(url, "ws://").or_else(|| strip_prefix_ignore_case(url, "wss://"));
    // Bytes read through the slice's iterator, not `str::bytes` (whose `Copied` adapter links a `try_fold`),
    // and the first byte compared, not `str::starts_with('/')` (a `char` pattern, 72 B).
    match rest {
        Some(rest)
            if !rest.is_empty()
                && rest.as_bytes()[0] != b'/'
                && !url.as_bytes().iter().any(|&b| b == b'#' || b.is_ascii_whitespace() || b.is_ascii_control()) =>
        {
            Ok(())
        }
        _ => Err(ConfigError {
            code: ErrorCode::InvalidUrl,
            message: "expected a ws:// or wss:// URL with a host and no fragment",
        }),
    }
}

fn strip_prefix_ignore_case<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    // One checked split (already linked for `redacted_url`) instead of two `str::get`s.
    let (head, rest) = s.split_at_checked(prefix.len())?;
    head.eq_ignore_ascii_case(prefix).then_some(rest)
}
