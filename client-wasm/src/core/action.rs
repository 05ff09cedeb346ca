//! What the machine asks the glue to do ([`Action`]), and the messages it sends ([`Outgoing`]).

use super::event::Event;
use super::plan::{Mutation, RequestError};
use planwire_protocol::{ClientMessage, PresenceMessage};
use serde::Serialize;

/// A message to the server: one of seed 000's, or a presence update (**extension**). Serialises
/// as the message itself.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Outgoing<P> {
    /// `join-plan`, `leave-plan`, `ping`, `auth`.
    Seed(ClientMessage),
    /// `presence-update`.
    Presence(PresenceMessage<P>),
}

/// What the machine asks the glue to do, in order ([`super::Machine::poll_action`]).
#[derive(Clone, Debug, PartialEq)]
#[must_use = "the glue must perform every action it polls"]
pub enum Action<P> {
    /// Call `getToken`, then feed [`super::Input::TokenReady`] or [`super::Input::TokenFailed`]
    /// with `ticket`.
    FetchToken {
        /// Identifies this request; answers to older tickets are ignored.
        ticket: u32,
    },
    /// Open a WebSocket to `url` (there is no socket at this point).
    OpenSocket {
        /// Full URL, token included in query mode.
        url: String,
    },
    /// Send a message on the current socket (the glue encodes it as JSON text).
    Send(Outgoing<P>),
    /// Close the current socket and forget it: its later events must not reach the machine.
    CloseSocket {
        /// Close code.
        code: u16,
        /// Close reason.
        reason: &'static str,
    },
    /// Deliver an event to the application.
    Emit(Event<P>),
    /// **Extension.** Call the plan loader for `plan_id`, then feed [`super::Input::PlanLoaded`]
    /// with `ticket`.
    LoadPlan {
        /// The plan.
        plan_id: String,
        /// Identifies this load; answers to older loads are ignored.
        ticket: u32,
    },
    /// **Extension.** Make the REST call of a write (with `X-Connection-Id`), then feed
    /// [`super::Input::Mutated`] with `id`.
    Mutate {
        /// The id of [`super::Input::Mutate`].
        id: u32,
        /// The plan.
        plan_id: String,
        /// The write.
        mutation: Mutation<P>,
    },
    /// **Extension.** A write held for its task's create fails with it (nothing was sent): reject
    /// the promise of the write `id`.
    WriteFailed {
        /// The id of [`super::Input::Mutate`].
        id: u32,
        /// Why: the create's error.
        error: RequestError,
    },
}

/// The actions not yet taken by the glue, oldest first ([`super::Machine::poll_action`]): a `Vec`
/// taken from the front, which links less code into the wasm than a `VecDeque` and costs nothing
/// here, since the glue drains it after every input (a handful of actions at a time).
#[derive(Debug)]
pub(crate) struct Actions<P>(Vec<Action<P>>);

impl<P> Default for Actions<P> {
    fn default() -> Self {
        Actions(Vec::new())
    }
}

impl<P> Actions<P> {
    /// Queues `action` after the others.
    pub(crate) fn push_back(&mut self, action: Action<P>) {
        self.0.push(action);
    }

    /// The oldest action, if any.
    pub(crate) fn pop_front(&mut self) -> Option<Action<P>> {
        (!self.0.is_empty()).then(|| self.0.remove(0))
    }

    /// Drops every queued action.
    pub(crate) fn clear(&mut self) {
        self.0.clear();
    }
}
