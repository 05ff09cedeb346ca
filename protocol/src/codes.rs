//! Every named code of planwire, defined once: error codes, close codes, why a client gave up, why
//! a room must be reloaded. The server, the client, and (through tsify / wasm-bindgen, with the
//! `tsify` feature) the TypeScript package all use these definitions; nothing re-types a code as a
//! string literal elsewhere.
//!
//! String codes serialise as their wire text (`ErrorCode::RateLimited` ⇄ `"RATE_LIMITED"`) and
//! become TypeScript string unions; [`CloseCode`] becomes a TypeScript `enum` with runtime values.

use serde::{Deserialize, Serialize};

/// Declares a string code: the enum, each variant's wire text (its serde name, so the TypeScript
/// union is generated from the same literal) and `as_str`.
macro_rules! string_codes {
    ($(#[$meta:meta])* pub enum $name:ident { $($(#[$vmeta:meta])* $variant:ident = $text:literal,)* }) => {
        $(#[$meta])*
        #[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[cfg_attr(feature = "tsify", derive(tsify::Tsify))]
        pub enum $name {
            $($(#[$vmeta])* #[serde(rename = $text)] $variant,)*
        }

        impl $name {
            /// The code as written on the wire and seen by applications.
            pub const fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text,)* }
            }
        }

        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                self.as_str() == *other
            }
        }

        impl core::fmt::Display for $name {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

string_codes! {
    /// The `code` of an error: in a server `error` message and REST error body (**extension**), in
    /// the client's `error` event, and on every `Error` the client throws
    /// (its `code` property). Clients accept codes they do not know from a server.
    pub enum ErrorCode {
        // --- sent by the server (`error` messages, REST error bodies) ---
        /// Missing, invalid or expired token.
        Unauthorized = "UNAUTHORIZED",
        /// The user is not a member of the plan.
        Forbidden = "FORBIDDEN",
        /// No plan or task with that id.
        NotFound = "NOT_FOUND",
        /// The frame is not JSON, has an unknown `type`, or a field has the wrong type.
        InvalidMessage = "INVALID_MESSAGE",
        /// Too many messages; `retryAfterMs` says when to try again.
        RateLimited = "RATE_LIMITED",
        /// Too many connections for this user or this server.
        TooManyConnections = "TOO_MANY_CONNECTIONS",
        /// **Extension** (presence): `presence-update` data is malformed (`state` or `typing`
        /// neither an object nor `null`, neither of them given, `replace` not a boolean, no `data`
        /// object). Also thrown by the client for a presence patch that is not an object.
        InvalidPresence = "INVALID_PRESENCE",
        /// **Extension** (presence): the resulting state, or the typing mark, serializes to more
        /// than [`crate::PRESENCE_MAX_BYTES`].
        PresenceTooLarge = "PRESENCE_TOO_LARGE",
        /// **Extension** (presence): `presence-update` for a room this connection has not joined.
        NotInRoom = "NOT_IN_ROOM",
        /// The server cannot serve the request now (e.g. it is shutting down).
        Unavailable = "UNAVAILABLE",
        /// The server failed on its side.
        Internal = "INTERNAL",
        // --- raised by the client ---
        /// A server frame the client cannot read (not JSON, no string `type`, a payload of the
        /// wrong shape, a binary frame): reported as an `error` event, the connection stays open.
        InvalidFrame = "INVALID_FRAME",
        /// The `url` option is not a `ws://` or `wss://` URL with a host and no fragment.
        InvalidUrl = "INVALID_URL",
        /// An option (or `setToken`'s token) has the wrong type or is out of range.
        InvalidOption = "INVALID_OPTION",
        /// A `planId` that is not a non-empty string.
        InvalidPlanId = "INVALID_PLAN_ID",
        /// Presence set for a plan the client has not joined.
        NotJoined = "NOT_JOINED",
        /// `on()` with an event name the client does not have.
        InvalidEvent = "INVALID_EVENT",
        /// `on()` with a callback that is not a function.
        InvalidCallback = "INVALID_CALLBACK",
        /// A call reached the client while it was updating itself (should never be seen).
        Busy = "BUSY",
        /// No `WebSocket` class: neither the `WebSocket` option nor a global one.
        NoWebsocket = "NO_WEBSOCKET",
        /// The WebAssembly module could not be fetched or is not a WebAssembly module.
        LoadFailed = "LOAD_FAILED",
        /// `new PlanClient()` before the WebAssembly module was loaded (`loadPlanwire()`).
        NotLoaded = "NOT_LOADED",
        /// A React hook with neither a `PlanSocketProvider` above it nor a `url` option.
        NoProvider = "NO_PROVIDER",
        /// The React hooks' error when the client gave up (its `failure` says why).
        Failed = "FAILED",
        /// A write to a plan that is not synchronized (`syncPlan` first, or `usePlan`).
        NotSynced = "NOT_SYNCED",
        /// A write's arguments are wrong: fields or a patch that are not an object, an id that is
        /// neither a number nor a string.
        InvalidMutation = "INVALID_MUTATION",
        /// Too many writes to one plan are waiting for the server (1000).
        TooManyPending = "TOO_MANY_PENDING",
        /// The plan loader or a write's REST call failed without a code of its own (the network,
        /// a server answer that is not JSON).
        RequestFailed = "REQUEST_FAILED",
        /// The plan loader's answer is not a plan (`{tasks: Task[], progress?, seq?, epoch?}`).
        InvalidSnapshot = "INVALID_SNAPSHOT",
        /// The plan loader's answer is older (its `seq`) than changes already applied (a cached
        /// answer): it is loaded again.
        StaleSnapshot = "STALE_SNAPSHOT",
    }
}

string_codes! {
    /// Why a client gave up (`failed` event's `code`), until `connect()` or `reconnect()`.
    pub enum FailureCode {
        /// The server refused the token (close code 4001) and no fresh token helped.
        Unauthorized = "unauthorized",
        /// Every reconnect attempt allowed by `maxReconnectAttempts` failed.
        MaxAttempts = "max-attempts",
        /// `getToken` threw, rejected or did not resolve to a non-empty string.
        TokenError = "token-error",
    }
}

string_codes! {
    /// Why the application must reload a room over REST (`resync` event's `reason`).
    pub enum ResyncReason {
        /// A message skipped one or more `seq` numbers that recovery could not replay.
        Gap = "gap",
        /// The server could not replay what was missed while disconnected.
        NotRecovered = "not-recovered",
    }
}

/// WebSocket close codes used by planwire. In TypeScript, `CloseCode.Unauthorized === 4001`.
#[cfg_attr(feature = "tsify", wasm_bindgen::prelude::wasm_bindgen)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u16)]
pub enum CloseCode {
    /// Normal closure (the caller closed).
    Normal = 1000,
    /// The server is shutting down.
    GoingAway = 1001,
    /// Closed without a close frame (reported by browsers, never sent).
    Abnormal = 1006,
    /// Policy violation, e.g. rate limit exceeded repeatedly.
    PolicyViolation = 1008,
    /// A frame exceeded the size limit (64 KiB).
    MessageTooBig = 1009,
    /// The connection could not keep up (its outbound queue is full); reconnect later.
    TryAgainLater = 1013,
    /// **Extension.** Closed by the client itself: connect or pong timeout, the browser went offline.
    Local = 4000,
    /// Missing, invalid or expired token.
    Unauthorized = 4001,
    /// **Extension**: closed by the server's inactivity sweep (no message for
    /// `--inactive-after-ms`); reconnect and re-join with `lastSeq`.
    Inactive = 4002,
    /// **Extension.** Refused: too many connections for this user or this server.
    TooManyConnections = 4029,
}

impl CloseCode {
    /// The numeric code.
    pub const fn code(self) -> u16 {
        self as u16
    }
}
