//! Runs the machine in the browser: feeds it inputs with the current time, performs its actions
//! in order, dispatches events to listeners and keeps the timer and window listeners in step.
//!
//! Re-entrancy: listeners and `getToken` may call back into the client (`leave()` inside a
//! handler, `close()` inside `reconnecting`…). No `RefCell` borrow is held while they run; a nested
//! call drives the same action queue, so actions keep their order.

use alloc::string::String;
use super::js;
use super::listeners::Listeners;
use super::socket::Socket;
use super::timer::Timer;
use super::window::WindowListeners;
use crate::core::{Action, Event, Machine, State};
use js_sys::{Function, Promise};
use core::cell::RefCell;
use alloc::rc::{Rc, Weak};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// The client's state, shared by the exported object and the browser callbacks (which hold `Weak`s).
pub type Shared = RefCell<Inner>;

/// Everything one client owns.
pub struct Inner {
    /// The sans-IO core.
    pub machine: Machine,
    /// The current socket, if any.
    pub socket: Option<Socket>,
    /// The single wake-up timer.
    pub timer: Timer,
    /// `online` / `offline` / `visibilitychange` listeners, while active.
    pub window: Option<WindowListeners>,
    /// The application's event listeners.
    pub listeners: Listeners,
    /// The caller's `getToken`.
    pub get_token: Option<Function>,
    /// `free()` ran: nothing happens any more.
    pub disposed: bool,
}

/// A new client around `machine`.
pub fn create(machine: Machine, get_token: Option<Function>) -> Rc<Shared> {
    Rc::new_cyclic(|weak: &Weak<Shared>| {
        let w = weak.clone();
        let on_timer = Closure::new(move || {
            let Some(shared) = w.upgrade() else { return };
            if let Ok(mut inner) = shared.try_borrow_mut() {
                inner.timer.fired();
            }
            input_rc(&shared, |m, now| m.handle_timeout(now));
        });
        RefCell::new(Inner {
            machine,
            socket: None,
            timer: Timer::new(on_timer),
            window: None,
            listeners: Listeners::default(),
            get_token,
            disposed: false,
        })
    })
}

/// Feeds one input to the client behind `weak` (gone or disposed: nothing happens), then drives it.
pub fn input(weak: &Weak<Shared>, f: impl FnOnce(&mut Machine, u64)) {
    if let Some(shared) = weak.upgrade() {
        input_rc(&shared, f);
    }
}

/// Feeds one input, then performs every resulting action.
pub fn input_rc(shared: &Rc<Shared>, f: impl FnOnce(&mut Machine, u64)) {
    {
        let Ok(mut inner) = shared.try_borrow_mut() else { return };
        if inner.disposed {
            return;
        }
        f(&mut inner.machine, js::now());
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
        match action {
            Action::Emit(event) => dispatch(shared, &event),
            Action::Send(text) => {
                if let Ok(inner) = shared.try_borrow() {
                    if let Some(socket) = &inner.socket {
                        socket.send(&text);
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
    sync(shared);
}

/// Arms the timer for the machine's deadline; listens to the window only while active.
fn sync(shared: &Rc<Shared>) {
    let Ok(mut inner) = shared.try_borrow_mut() else { return };
    if inner.disposed {
        return;
    }
    let deadline = inner.machine.next_deadline();
    inner.timer.arm(deadline, js::now);
    let active = !matches!(inner.machine.state(), State::Idle | State::Closed | State::Failed);
    if active && inner.window.is_none() {
        inner.window = WindowListeners::attach(&Rc::downgrade(shared));
    } else if !active {
        inner.window = None;
    }
}

fn open_socket(shared: &Rc<Shared>, url: &str) {
    let opened = Socket::open(url, &Rc::downgrade(shared));
    let Ok(mut inner) = shared.try_borrow_mut() else { return };
    match opened {
        Ok(socket) => inner.socket = Some(socket),
        // The browser refused the URL: the attempt failed like an unreachable server.
        Err(_) => inner.machine.socket_closed(1006, "could not open the socket", js::now()),
    }
}

/// Calls `getToken` and feeds its answer to the machine. The two promise callbacks are handed to
/// the JS garbage collector (`into_js_value`): they live as long as the promise needs them, hold
/// only a weak reference, and do nothing once the client is gone — no error if it is freed first.
fn fetch_token(shared: &Rc<Shared>, ticket: u32) {
    let Some(get_token) = shared.try_borrow().ok().and_then(|inner| inner.get_token.clone()) else { return };
    let promise = match get_token.call0(&JsValue::UNDEFINED) {
        Ok(value) => Promise::resolve(&value),
        Err(e) => return input_rc(shared, |m, _| m.token_failed(ticket, &js::error_text(&e, "getToken threw"))),
    };
    let weak = Rc::downgrade(shared);
    let resolved = Closure::<dyn FnMut(JsValue)>::new(move |value: JsValue| {
        input(&weak, |m, _| match value.as_string() {
            Some(token) => m.token_ready(ticket, token),
            None => m.token_failed(ticket, "getToken must resolve to a string"),
        });
    });
    let weak = Rc::downgrade(shared);
    let rejected = Closure::<dyn FnMut(JsValue)>::new(move |e: JsValue| {
        input(&weak, |m, _| m.token_failed(ticket, &js::error_text(&e, "getToken rejected")));
    });
    let promise: &js::Thenable = promise.unchecked_ref();
    promise.then_both(&resolved.into_js_value(), &rejected.into_js_value());
}

/// Builds the payload as one JSON string, parses it once, and calls each listener subscribed now
/// and still subscribed when its turn comes. A throwing listener does not stop the others: its
/// error is re-raised as an unhandled rejection, which the browser reports.
fn dispatch(shared: &Rc<Shared>, event: &Event) {
    let kind = event.kind();
    let targets = match shared.try_borrow() {
        Ok(inner) if inner.listeners.any(kind) => inner.listeners.snapshot(kind),
        _ => return,
    };
    let mut json = String::with_capacity(256);
    event.write_json(&mut json);
    let Ok(payload) = js_sys::JSON::parse(&json) else { return };
    for (id, listener) in targets {
        let live = shared.try_borrow().is_ok_and(|inner| !inner.disposed && inner.listeners.contains(kind, id));
        if live {
            if let Err(e) = listener.call1(&JsValue::UNDEFINED, &payload) {
                let _ = Promise::reject(&e);
            }
        }
    }
}

/// `free()`: closes without reporting, and releases the socket, timer, window and app listeners.
pub fn dispose(shared: &Rc<Shared>) {
    let released = shared.try_borrow_mut().ok().map(|mut inner| {
        inner.disposed = true;
        inner.machine.close();
        while inner.machine.poll_action().is_some() {}
        inner.timer.cancel();
        inner.listeners.clear();
        inner.get_token = None;
        (inner.socket.take(), inner.window.take())
    });
    drop(released);
}
