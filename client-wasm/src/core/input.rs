//! Everything that can happen to a client, as a value: the application's calls and what the
//! browser (or a test, or the load generator) reports. [`super::Machine::handle`] takes one at a
//! time with the current time; the glue's socket, window and timer callbacks each turn their event
//! into one of these and feed it (quinn-proto's `handle_event`, gloo's `StreamMessage`).

use super::decode::{DecodeError, Header};
use super::plan::{Ack, Mutation, RequestError};

/// One input to the machine.
#[derive(Clone, Debug)]
pub enum Input<P> {
    // ---------------------------------------------------------------- the application's calls
    /// `connect()`: from `idle`, `closed` or `failed`, starts connecting; otherwise a no-op.
    Connect,
    /// `close()`: closes with 1000 and never reconnects. Nothing queued before is delivered.
    Close,
    /// `reconnect()`: drops any socket, resets the attempt counter and connects now.
    Reconnect,
    /// `join(planId)`: reference-counted; the first reference sends `join-plan` now or once
    /// connected.
    Join(String),
    /// `leave(planId)`: `leave-plan` goes out when the last reference leaves.
    Leave(String),
    /// `setToken(token)`: the fixed token used from the next connection attempt on (the open
    /// connection keeps its own); `None` removes it. Ignored for the URL when there is `getToken`.
    SetToken(Option<String>),
    /// **Extension.** `updatePresence(planId, patch)`: merges `patch` (an object; a `null` value
    /// removes a key) into this client's state in a room it joined; sent throttled, and again
    /// after every re-join.
    UpdatePresence {
        /// A joined room.
        plan_id: String,
        /// The keys to set (or remove, with `null`).
        patch: P,
    },
    /// **Extension.** `setTyping(planId, mark)`: marks typing (an object, e.g. `{taskId: "3"}`;
    /// fed again while keys are pressed to keep it alive) or stops with `None`.
    SetTyping {
        /// A joined room.
        plan_id: String,
        /// The mark, or `None` to stop.
        mark: Option<P>,
    },
    /// **Extension.** `syncPlan(planId)`: reference-counted; joins the room (one reference of
    /// [`Input::Join`]'s) and keeps the plan's tasks, progress and `seq` synchronized.
    Sync(String),
    /// **Extension.** `unsyncPlan(planId)`: drops one reference of [`Input::Sync`]'s (and its join).
    Unsync(String),
    /// **Extension.** A write to a synchronized plan (`createTask`, `updateTask`, …), shown at once;
    /// the glue's `id` names it in [`super::Action::Mutate`] and [`Input::Mutated`].
    Mutate {
        /// The glue's id for the call.
        id: u32,
        /// A synchronized plan.
        plan_id: String,
        /// The write.
        mutation: Mutation<P>,
    },
    // ---------------------------------------------------------------- the browser, via the glue
    /// The plan loader answered the [`super::Action::LoadPlan`] with `ticket`.
    PlanLoaded {
        /// The ticket of the load answered.
        ticket: u32,
        /// The plan (`{tasks, progress?, seq?, epoch?}`), or why the load failed.
        result: Result<P, RequestError>,
    },
    /// The REST call of the write `id` answered; on `Err` the write is rolled back.
    Mutated {
        /// The id of [`Input::Mutate`].
        id: u32,
        /// The server's answer, or why the call failed.
        result: Result<Ack<P>, RequestError>,
    },
    /// `getToken` resolved for `ticket`.
    TokenReady {
        /// The ticket of the [`super::Action::FetchToken`] answered.
        ticket: u32,
        /// The token.
        token: String,
    },
    /// `getToken` threw, rejected or resolved to something else than a non-empty string, for
    /// `ticket`. A transient failure (the auth endpoint is down) is retried with backoff like a
    /// failed attempt, and ends in `failed` `token-error` only when the attempts run out; a
    /// `permanent` one (the app rejected with an error whose `code` is `UNAUTHORIZED`: the user is
    /// signed out) fails at once with `unauthorized`.
    TokenFailed {
        /// The ticket of the [`super::Action::FetchToken`] answered.
        ticket: u32,
        /// What went wrong.
        message: String,
        /// The app said the user is not authorized: do not retry.
        permanent: bool,
    },
    /// The socket opened.
    SocketOpened,
    /// A text frame arrived, parsed by the glue into its header; `Err` when it was not even a JSON
    /// object with a string `type`.
    Frame(Result<Header<P>, DecodeError>),
    /// A binary frame arrived: alive, but not part of the protocol.
    Binary,
    /// The socket closed (by the server, the network, or a failed open).
    SocketClosed {
        /// Close code.
        code: u16,
        /// Close reason.
        reason: String,
    },
    /// The browser is online again: a waiting reconnect happens now; an open link is checked.
    Online,
    /// The browser went offline: the link is dropped at once and attempts wait for `online`.
    Offline,
    /// The page became visible: an open link is checked at once (timers may have been throttled);
    /// a client that gave up for a transient reason tries again.
    Visible,
    /// The page got the focus: as [`Input::Visible`].
    Focus,
    /// The page is frozen or enters the back/forward cache (`freeze`, `pagehide` persisted): the
    /// link is closed cleanly and nothing is attempted until [`Input::Resume`].
    Suspend,
    /// The page is resumed or restored from the back/forward cache (`resume`, `pageshow`
    /// persisted): reconnect at once, re-join with `lastSeq`, recover.
    Resume,
    /// The wake-up asked for by [`super::Machine::next_deadline`] (early or late is harmless).
    Timer,
}
