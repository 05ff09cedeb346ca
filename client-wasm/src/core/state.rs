//! The connection state the application sees (`client.state`, the `stateChanged` event).

/// The connection state the application sees.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
pub enum ConnectionState {
    /// Created, `connect()` not called yet.
    Idle,
    /// First connection attempt in progress.
    Connecting,
    /// Connected and confirmed by the server.
    Open,
    /// The connection was lost (or an attempt failed); trying again.
    Reconnecting,
    /// Closed by the caller.
    Closed,
    /// Gave up (`unauthorized`, `max-attempts`, token error) until `connect()`/`reconnect()`.
    Failed,
}

/// The short name the core uses.
pub type State = ConnectionState;

impl State {
    /// The JS name.
    pub fn as_str(self) -> &'static str {
        match self {
            State::Idle => "idle",
            State::Connecting => "connecting",
            State::Open => "open",
            State::Reconnecting => "reconnecting",
            State::Closed => "closed",
            State::Failed => "failed",
        }
    }
}
