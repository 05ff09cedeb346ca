//! Runs the machine in the browser: takes every [`Input`] (the app's calls from `api.rs`, the
//! browser's through the [`Feed`]) with the current time, performs the resulting actions in order,
//! dispatches events to listeners and keeps the timer and window listeners in step.
//!
//! Re-entrancy: listeners and `getToken` may call back into the client (`leave()` inside a
//! handler, `close()` inside `reconnecting`…). No `RefCell` borrow is held while they run. An input
//! that arrives while actions are being performed is only handed to the machine; the running loop
//! performs what results, after the current event has reached every listener, so all listeners see
//! every event in the same order.

use super::debug::{self, DebugEntry};
use super::error::error_text;
use super::plans::{self, Settle, View};
use super::events;
use super::feed::Feed;
use super::frames::Js;
use super::listeners::Listeners;
use super::options::Glue;
use super::socket::Socket;
use super::timer::Timer;
use super::window::WindowListeners;
use crate::core::{Action, ConfigError, Event, Input, Machine};
use futures::future::{abortable, AbortHandle};
use js_sys::{Function, Promise};
use planwire_protocol::{CloseCode, ErrorCode};
use std::cell::RefCell;
use std::rc::{Rc, Weak};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

/// The client's state, shared by the exported object and the browser callbacks (which hold `Weak`s).
pub type Shared = RefCell<Inner>;

/// Everything one client owns.
pub struct Inner {
    /// The sans-IO core.
    pub machine: Machine<Js>,
    /// Where the browser's callbacks send their inputs (back to [`input`]).
    feed: Feed,
    /// The current socket, if any.
    socket: Option<Socket>,
    /// The single wake-up timer.
    timer: Timer,
    /// `online` / `offline` / `visibilitychange` listeners, while active.
    window: Option<WindowListeners>,
    /// The application's event listeners.
    pub listeners: Listeners,
    /// The caller's `getToken`.
    get_token: Option<Function>,
    /// The `WebSocket` option (`None`: the global class).
    web_socket: Option<Function>,
    /// The pending `getToken` answer, aborted when superseded or on `free()`.
    token_wait: Option<AbortHandle>,
    /// The `api` option: how synchronized plans are loaded and written.
    pub api: Option<js_sys::Object>,
    /// `shareConnection: true`: the api's context names no connection.
    pub shared_connection: bool,
    /// The promises of writes handed to the machine, until their REST call is made.
    pub writes: Vec<Settle>,
    /// The id of the next write.
    pub next_write: u32,
    /// `plan(planId)`'s cached objects, one per synchronized plan.
    pub views: Vec<View>,
    /// Actions are being performed: a nested input is only handed to the machine.
    driving: bool,
    /// `free()` ran: nothing happens any more.
    disposed: bool,
}

/// A new client around `machine`.
pub fn create(machine: Machine<Js>, glue: Glue) -> Rc<Shared> {
    Rc::new_cyclic(|weak: &Weak<Shared>| {
        let weak = weak.clone();
        let feed = Feed::new(
            move |i| {
                // A browser input is never refused (`BUSY` cannot happen: no borrow is held while
                // the browser runs a callback).
                let _ = input(&weak, i);
            },
            glue.debug,
        );
        RefCell::new(Inner {
            machine,
            feed,
            socket: None,
            timer: Timer::default(),
            window: None,
            listeners: Listeners::default(),
            get_token: glue.get_token,
            web_socket: glue.web_socket,
            token_wait: None,
            api: glue.api,
            shared_connection: glue.shared_connection,
            writes: Vec::new(),
            next_write: 0,
            views: Vec::new(),
            driving: false,
            disposed: false,
        })
    })
}

/// Milliseconds since the epoch: the machine's clock (wall time, so a sleeping laptop's pause shows).
fn now() -> u64 {
    js_sys::Date::now() as u64
}

/// Feeds one input to the client behind `weak` (gone or disposed: nothing happens), then drives it.
fn input(weak: &Weak<Shared>, input: Input<Js>) -> Result<(), ConfigError> {
    match weak.upgrade() {
        Some(shared) => input_rc(&shared, input),
        None => Ok(()),
    }
}

/// Feeds one input, then performs every resulting action (unless a running loop will). An
/// application call may be refused with a coded error; a disposed client ignores everything.
pub fn input_rc(shared: &Rc<Shared>, input: Input<Js>) -> Result<(), ConfigError> {
    {
        let Ok(mut inner) = shared.try_borrow_mut() else {
            return Err(ConfigError { code: ErrorCode::Busy, message: "the client is busy" });
        };
        if inner.disposed {
            return Ok(());
        }
        if matches!(input, Input::Timer) {
            inner.timer.cancel();
        }
        inner.machine.handle(input, now())?;
        if inner.driving {
            return Ok(());
        }
        inner.driving = true;
    }
    drive(shared);
    Ok(())
}

fn drive(shared: &Rc<Shared>) {
    loop {
        let (action, feed) = match shared.try_borrow_mut() {
            Ok(mut inner) if !inner.disposed => (inner.machine.poll_action(), inner.feed.clone()),
            _ => break,
        };
        let Some(action) = action else { break };
        feed.log(|| debug::action_entry(&action));
        match action {
            Action::Emit(event) => dispatch(shared, &feed, event),
            Action::Send(message) => {
                if let Ok(inner) = shared.try_borrow() {
                    if let Some(socket) = &inner.socket {
                        socket.send(&message);
                    }
                }
            }
            Action::OpenSocket { url } => open_socket(shared, &feed, &url),
            Action::CloseSocket { code, reason } => {
                let socket = shared.try_borrow_mut().ok().and_then(|mut inner| inner.socket.take());
                if let Some(socket) = socket {
                    socket.close(code, reason);
                }
            }
            Action::FetchToken { ticket } => fetch_token(shared, ticket),
            Action::LoadPlan { plan_id, ticket } => plans::load(shared, &feed, plan_id, ticket),
            Action::Mutate { id, plan_id, mutation } => {
                plans::write(shared, &feed, plan_id, mutation, plans::take(shared, id));
            }
            Action::WriteFailed { id, error } => {
                if let Some(settle) = plans::take(shared, id) {
                    settle.reject(&plans::rejection(&error));
                }
            }
        }
    }
    if let Ok(mut inner) = shared.try_borrow_mut() {
        inner.driving = false;
    }
    sync(shared);
}

/// Arms the timer for the machine's deadline; listens to the window only while active.
fn sync(shared: &Rc<Shared>) {
    let Ok(mut inner) = shared.try_borrow_mut() else { return };
    if inner.disposed {
        return;
    }
    let inner = &mut *inner;
    inner.timer.arm(inner.machine.next_deadline(), now, &inner.feed);
    let active = inner.machine.wants_browser_events();
    if active && inner.window.is_none() {
        inner.window = WindowListeners::attach(&inner.feed);
    } else if !active {
        inner.window = None;
    }
}

fn open_socket(shared: &Rc<Shared>, feed: &Feed, url: &str) {
    let class = shared.try_borrow().ok().and_then(|inner| inner.web_socket.clone());
    match Socket::open(url, class.as_ref(), feed) {
        Ok(socket) => {
            if let Ok(mut inner) = shared.try_borrow_mut() {
                inner.socket = Some(socket);
            }
        }
        // The browser refused the URL: the attempt failed like an unreachable server.
        Err(_) => {
            let reason = "could not open the socket".into();
            feed.emit(Input::SocketClosed { code: CloseCode::Abnormal.code(), reason });
        }
    }
}

/// `getToken` failed with `value`: permanently when it carries the code `UNAUTHORIZED` (the app's
/// way to say the user is signed out: `UnauthorizedError`), else transiently (retried).
fn token_failed(ticket: u32, value: &JsValue, fallback: &str) -> Input<Js> {
    let code = value.is_object().then(|| js_sys::Reflect::get(value, &JsValue::from_str("code")).ok()).flatten();
    let permanent = code.and_then(|c| c.as_string()).is_some_and(|c| c == ErrorCode::Unauthorized.as_str());
    Input::TokenFailed { ticket, message: error_text(value, fallback), permanent }
}

/// Calls `getToken` and awaits its promise as a future; its answer is fed to the machine with
/// `ticket` (the machine ignores an answer for a superseded attempt). The wait is aborted when
/// another token is asked for and on `free()`.
fn fetch_token(shared: &Rc<Shared>, ticket: u32) {
    let Some((get_token, feed)) = shared.try_borrow().ok().and_then(|i| Some((i.get_token.clone()?, i.feed.clone())))
    else {
        return;
    };
    let promise = match get_token.call0(&JsValue::UNDEFINED) {
        Ok(value) => Promise::resolve(&value),
        Err(e) => return feed.emit(token_failed(ticket, &e, "getToken threw")),
    };
    let (answer, handle) = abortable(JsFuture::from(promise));
    if let Ok(mut inner) = shared.try_borrow_mut() {
        if let Some(previous) = inner.token_wait.replace(handle) {
            previous.abort();
        }
    }
    wasm_bindgen_futures::spawn_local(async move {
        let Ok(answer) = answer.await else { return };
        feed.emit(match answer {
            Ok(value) => match value.as_string() {
                Some(token) => Input::TokenReady { ticket, token },
                None => Input::TokenFailed { ticket, message: "getToken must resolve to a string".into(), permanent: false },
            },
            Err(e) => token_failed(ticket, &e, "getToken rejected"),
        });
    });
}

/// Serialises the payload once and calls each listener subscribed now and still subscribed when
/// its turn comes. A throwing listener does not stop the others: its error is re-raised as an
/// unhandled rejection, which the browser reports.
fn dispatch(shared: &Rc<Shared>, feed: &Feed, event: Event<Js>) {
    let kind = events::kind(&event);
    let targets = match shared.try_borrow() {
        Ok(inner) if inner.listeners.any(kind) || feed.debugging() => inner.listeners.snapshot(kind),
        _ => return,
    };
    let payload = events::to_js(&event);
    feed.log(|| Some(DebugEntry::Event { name: kind.name().into(), payload: payload.clone() }));
    for (id, listener) in targets {
        let live = shared.try_borrow().is_ok_and(|inner| !inner.disposed && inner.listeners.contains(kind, id));
        if live {
            if let Err(e) = listener.call1(&JsValue::UNDEFINED, &payload) {
                let _ = Promise::reject(&e);
            }
        }
    }
}

/// `free()`: closes without reporting, and releases the socket, timer, window and app listeners
/// and a pending `getToken` wait.
pub fn dispose(shared: &Rc<Shared>) {
    let released = shared.try_borrow_mut().ok().map(|mut inner| {
        inner.disposed = true;
        let _ = inner.machine.handle(Input::Close, now());
        while inner.machine.poll_action().is_some() {}
        inner.timer.cancel();
        inner.listeners.clear();
        inner.get_token = None;
        inner.api = None;
        inner.writes.clear();
        inner.views.clear();
        if let Some(wait) = inner.token_wait.take() {
            wait.abort();
        }
        (inner.socket.take(), inner.window.take())
    });
    drop(released);
}
