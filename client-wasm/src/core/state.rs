//! The connection state the application sees (`client.state`, the `stateChanged` event).

/// The connection state the application sees.
// It serialises as its JS name (`State::as_str`, below), which links one match into the wasm instead
// of two; `rename_all` gives tsify the same names for the TypeScript union (the `.d.ts` snapshot and
// the `stateChanged` payloads in the tests pin both).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify), serde(rename_all = "lowercase"))]
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

impl serde::Serialize for ConnectionState {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}
