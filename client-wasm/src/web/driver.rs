//! Runs the machine in the browser: feeds it inputs with the current time, performs its actions
//! in order, dispatches events to listeners and keeps the timer and window listeners in step.
//!
//! Re-entrancy: listeners and `getToken` may call back into the client (`leave()` inside a
//! handler, `close()` inside `reconnecting`…). No `RefCell` borrow is held while they run. A call
//! made while actions are being performed only feeds its input; the running loop performs what
//! results, after the current event has reached every listener, so all listeners see every event
//! in the same order.

use super::debug::{self, DebugEntry};
use super::events;
use super::frames::Js;
use super::options::Glue;
use super::listeners::Listeners;
use super::socket::Socket;
use super::timer::Timer;
use super::window::WindowListeners;
use crate::core::{Action, Event, Machine, State};
use futures::future::{abortable, AbortHandle};
use js_sys::{Function, Promise};
use std::cell::RefCell;
use std::rc::{Rc, Weak};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

/// The client's state, shared by the exported object and the browser callbacks (which hold `Weak`s).
pub type Shared = RefCell<Inner>;

/// Everything one client owns.
pub struct Inner {
    /// The sans-IO core.
    pub machine: Machine<Js>,
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
    /// Where debug entries go (`None`: debugging is off).
    debug: Option<Function>,
    /// The pending `getToken` answer, aborted when superseded or on `free()`.
    token_wait: Option<AbortHandle>,
    /// Actions are being performed: a nested call only feeds its input.
    driving: bool,
    /// `free()` ran: nothing happens any more.
    disposed: bool,
}

/// A new client around `machine`.
pub fn create(machine: Machine<Js>, glue: Glue) -> Rc<Shared> {
    Rc::new(RefCell::new(Inner {
        machine,
        socket: None,
        timer: Timer::default(),
        window: None,
        listeners: Listeners::default(),
        get_token: glue.get_token,
        web_socket: glue.web_socket,
        debug: glue.debug,
        token_wait: None,
        driving: false,
        disposed: false,
    }))
}

/// Milliseconds since the epoch: the machine's clock (wall time, so a sleeping laptop's pause shows).
fn now() -> u64 {
    js_sys::Date::now() as u64
}

/// Feeds one input to the client behind `weak` (gone or disposed: nothing happens), then drives it.
pub fn input(weak: &Weak<Shared>, f: impl FnOnce(&mut Machine<Js>, u64)) {
    if let Some(shared) = weak.upgrade() {
        input_rc(&shared, f);
    }
}

/// Feeds one input, then performs every resulting action (unless a running loop will).
pub fn input_rc(shared: &Rc<Shared>, f: impl FnOnce(&mut Machine<Js>, u64)) {
    {
        let Ok(mut inner) = shared.try_borrow_mut() else { return };
        if inner.disposed {
            return;
        }
        f(&mut inner.machine, now());
        if inner.driving {
            return;
        }
        inner.driving = true;
    }
    drive(shared);
}

fn drive(shared: &Rc<Shared>) {
    loop {
        let action = match shared.try_borrow_mut() {
            Ok(mut inner) if !inner.disposed => inner.machine.poll_action(),
            _ => None,
        };
        let Some(action) = action else { break };
        log(shared, || debug::action_entry(&action));
        match action {
            Action::Emit(event) => dispatch(shared, event),
            Action::Send(message) => {
                if let Ok(inner) = shared.try_borrow() {
                    if let Some(socket) = &inner.socket {
                        socket.send(&message);
                    }
                }
            }
            Action::OpenSocket { url } => open_socket(shared, &url),
            Action::CloseSocket { code, reason } => {
                let socket = shared.try_borrow_mut().ok().and_then(|mut inner| inner.socket.take());
                if let Some(socket) = socket {
                    socket.close(code, reason);
                }
            }
            Action::FetchToken { ticket } => fetch_token(shared, ticket),
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
    let deadline = inner.machine.next_deadline();
    let weak = Rc::downgrade(shared);
    inner.timer.arm(deadline, now, move || {
        if let Some(shared) = weak.upgrade() {
            if let Ok(mut inner) = shared.try_borrow_mut() {
                inner.timer.cancel();
            }
            input_rc(&shared, |m, now| m.handle_timeout(now));
        }
    });
    let active = !matches!(inner.machine.state(), State::Idle | State::Closed | State::Failed);
    if active && inner.window.is_none() {
        inner.window = WindowListeners::attach(&Rc::downgrade(shared));
    } else if !active {
        inner.window = None;
    }
}

/// Sends a debug entry made by `make`, only when debugging is on.
pub fn log(shared: &Rc<Shared>, make: impl FnOnce() -> Option<DebugEntry>) {
    let Some(sink) = shared.try_borrow().ok().and_then(|inner| inner.debug.clone()) else { return };
    if let Some(entry) = make() {
        let _ = sink.call1(&JsValue::UNDEFINED, &debug::to_js(&entry));
    }
}

fn open_socket(shared: &Rc<Shared>, url: &str) {
    let class = shared.try_borrow().ok().and_then(|inner| inner.web_socket.clone());
    let opened = Socket::open(url, class.as_ref(), &Rc::downgrade(shared));
    let Ok(mut inner) = shared.try_borrow_mut() else { return };
    match opened {
        Ok(socket) => inner.socket = Some(socket),
        // The browser refused the URL: the attempt failed like an unreachable server.
        Err(_) => inner.machine.socket_closed(1006, "could not open the socket", now()),
    }
}

/// The text of a thrown or rejected value: an `Error`'s message, a string, or `fallback`.
fn error_text(value: &JsValue, fallback: &str) -> String {
    if let Some(e) = value.dyn_ref::<js_sys::Error>() {
        return e.message().into();
    }
    value.as_string().unwrap_or_else(|| fallback.into())
}

/// Calls `getToken` and awaits its promise as a future; its answer is fed to the machine with
/// `ticket` (the machine ignores an answer for a superseded attempt). The wait is aborted when
/// another token is asked for and on `free()`.
fn fetch_token(shared: &Rc<Shared>, ticket: u32) {
    let Some(get_token) = shared.try_borrow().ok().and_then(|inner| inner.get_token.clone()) else { return };
    let promise = match get_token.call0(&JsValue::UNDEFINED) {
        Ok(value) => Promise::resolve(&value),
        Err(e) => return input_rc(shared, |m, _| m.token_failed(ticket, &error_text(&e, "getToken threw"))),
    };
    let (answer, handle) = abortable(JsFuture::from(promise));
    if let Ok(mut inner) = shared.try_borrow_mut() {
        if let Some(previous) = inner.token_wait.replace(handle) {
            previous.abort();
        }
    }
    let weak = Rc::downgrade(shared);
    wasm_bindgen_futures::spawn_local(async move {
        let Ok(answer) = answer.await else { return };
        input(&weak, |m, _| match answer {
            Ok(value) => match value.as_string() {
                Some(token) => m.token_ready(ticket, token),
                None => m.token_failed(ticket, "getToken must resolve to a string"),
            },
            Err(e) => m.token_failed(ticket, &error_text(&e, "getToken rejected")),
        });
    });
}

/// Serialises the payload once and calls each listener subscribed now and still subscribed when
/// its turn comes. A throwing listener does not stop the others: its error is re-raised as an
/// unhandled rejection, which the browser reports.
fn dispatch(shared: &Rc<Shared>, event: Event<Js>) {
    let kind = events::kind(&event);
    let (targets, debugging) = match shared.try_borrow() {
        Ok(inner) if inner.listeners.any(kind) || inner.debug.is_some() => {
            (inner.listeners.snapshot(kind), inner.debug.is_some())
        }
        _ => return,
    };
    let payload = events::to_js(event);
    if debugging {
        let name = kind.name().into();
        log(shared, || Some(DebugEntry::Event { name, payload: payload.clone() }));
    }
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
        inner.machine.close();
        while inner.machine.poll_action().is_some() {}
        inner.timer.cancel();
        inner.listeners.clear();
        inner.get_token = None;
        inner.debug = None;
        if let Some(wait) = inner.token_wait.take() {
            wait.abort();
        }
        (inner.socket.take(), inner.window.take())
    });
    drop(released);
}
