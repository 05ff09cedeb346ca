//! The wasm module's exports, called by the package's JS driver (`pkg-js/src/client.ts`): numbers in
//! and out, text through two shared buffers. The module imports nothing: the driver owns the
//! WebSocket, the timer, the window listeners and `getToken`, feeds what happens to the machine here,
//! and performs the actions it polls back.
//!
//! Text in: the driver asks [`pw_input`] for room, writes UTF-8 there, and passes byte lengths.
//! Text out: calls that produce text write it to the output buffer ([`pw_output`]) and return its
//! length. Times are milliseconds (`Date.now()`). Handles are `1..`; a freed or unknown handle makes
//! every call a no-op, so nothing a caller does can trap the module.

mod store;
#[cfg(test)]
mod tests;

use crate::core::{json::push_participants, Action, Event, Machine, Options, RawOptions};
use alloc::string::String;
use store::{text, with, Slot, Store};

/// `pw_poll`: nothing to do.
pub const ACTION_NONE: u32 = 0;
/// `pw_poll`: call `getToken`; the ticket is in [`pw_arg`].
pub const ACTION_FETCH_TOKEN: u32 = 1;
/// `pw_poll`: open a WebSocket to the URL in the output buffer.
pub const ACTION_OPEN_SOCKET: u32 = 2;
/// `pw_poll`: send the text frame in the output buffer.
pub const ACTION_SEND: u32 = 3;
/// `pw_poll`: close the socket with the code in [`pw_arg`] and the reason in the output buffer.
pub const ACTION_CLOSE_SOCKET: u32 = 4;
/// `pw_poll`: deliver the event whose kind index is in [`pw_arg`]; [`pw_payload`] writes its JSON.
pub const ACTION_EMIT: u32 = 5;
/// `pw_poll`: like [`ACTION_EMIT`], for a room broadcast (`taskUpdated`, `taskCreated`,
/// `taskDeleted`, `taskReordered`, `progressUpdated`) of the frame just fed: its payload equals the
/// frame's `data` object with the frame's `planId`, and its `timestamp` and `seq` when present, so
/// the driver may build it from the frame it already has instead of asking [`pw_payload`].
pub const ACTION_EMIT_FRAME: u32 = 6;

/// Bit of `pw_new`'s `flags`: a `token` string was given.
pub const HAS_TOKEN: u32 = 1;
/// Bit of `pw_new`'s `flags`: a `getToken` function was given.
pub const HAS_GET_TOKEN: u32 = 2;
/// Bit of `pw_new`'s `flags`: an `authMode` string was given.
pub const HAS_AUTH_MODE: u32 = 4;
/// Bit of `pw_new`'s `flags` for the first number option; the next seven bits follow in
/// `pw_new`'s argument order.
pub const HAS_NUMBER: u32 = 8;

fn time(now: f64) -> u64 {
    now as u64
}

fn option(flags: u32, bit: u32, value: f64) -> Option<f64> {
    (flags & bit != 0).then_some(value)
}

/// The slot of `handle` (`1..`), live or freed; `None` for a handle never issued.
fn slot_of(slots: &mut [Option<Slot>], handle: u32) -> Option<&mut Option<Slot>> {
    slots.get_mut((handle as usize).checked_sub(1)?)
}

/// Runs `f` on the client behind `handle` with the input and the (cleared) output, or returns
/// `fallback` when there is no such client.
fn on_slot<R>(handle: u32, fallback: R, f: impl FnOnce(&mut Slot, &[u8], &mut String) -> R) -> R {
    with(|s| {
        let Store { slots, input, out, .. } = s;
        match slot_of(slots, handle) {
            Some(Some(slot)) => {
                out.clear();
                f(slot, input, out)
            }
            _ => fallback,
        }
    })
}

/// Feeds one input to the machine behind `handle` (nothing if there is none).
fn input(handle: u32, f: impl FnOnce(&mut Machine, &[u8])) {
    on_slot(handle, (), |slot, i, _| f(&mut slot.machine, i));
}

/// Reads the machine behind `handle` (writing any text to the output), or returns `fallback`.
fn read<R>(handle: u32, fallback: R, f: impl FnOnce(&Machine, &[u8], &mut String) -> R) -> R {
    on_slot(handle, fallback, |slot, i, out| f(&slot.machine, i, out))
}

/// Room for `len` bytes of input text; returns where to write them (valid until the next call).
#[cfg_attr(target_arch = "wasm32", no_mangle)]
pub extern "C" fn pw_input(len: u32) -> *mut u8 {
    with(|s| {
        if s.input.len() < len as usize {
            s.input.resize(len as usize, 0);
        }
        s.input.as_mut_ptr()
    })
}

/// Where the last text output starts (valid until the next call).
#[cfg_attr(target_arch = "wasm32", no_mangle)]
pub extern "C" fn pw_output() -> *const u8 {
    with(|s| s.out.as_ptr())
}

/// The length of the last text output (for `pw_new`'s error; other calls return it).
#[cfg_attr(target_arch = "wasm32", no_mangle)]
pub extern "C" fn pw_output_len() -> u32 {
    with(|s| s.out.len() as u32)
}

/// The number that goes with the last polled action.
#[cfg_attr(target_arch = "wasm32", no_mangle)]
pub extern "C" fn pw_arg() -> u32 {
    with(|s| s.arg)
}

/// A new client. Input: the URL, then the token, then the auth mode (lengths given). `flags` says
/// which optional values were given (`HAS_*`); numbers are maxReconnectAttempts, baseDelayMs,
/// maxDelayMs, jitter, stableAfterMs, pingIntervalMs, pongTimeoutMs, connectTimeoutMs (NaN for a
/// value that is not a number). Returns the handle, or 0 with `CODE: message` in the output.
#[allow(clippy::too_many_arguments)]
#[cfg_attr(target_arch = "wasm32", no_mangle)]
pub extern "C" fn pw_new(
    url_len: u32,
    token_len: u32,
    auth_len: u32,
    flags: u32,
    max_reconnect_attempts: f64,
    base_delay_ms: f64,
    max_delay_ms: f64,
    jitter: f64,
    stable_after_ms: f64,
    ping_interval_ms: f64,
    pong_timeout_ms: f64,
    connect_timeout_ms: f64,
    seed: f64,
) -> u32 {
    with(|s| {
        let string = |start: u32, len: u32| String::from(text(&s.input, start, len));
        let raw = RawOptions {
            url: string(0, url_len),
            token: (flags & HAS_TOKEN != 0).then(|| string(url_len, token_len)),
            has_get_token: flags & HAS_GET_TOKEN != 0,
            auth_mode: (flags & HAS_AUTH_MODE != 0).then(|| string(url_len + token_len, auth_len)),
            max_reconnect_attempts: option(flags, HAS_NUMBER, max_reconnect_attempts),
            base_delay_ms: option(flags, HAS_NUMBER << 1, base_delay_ms),
            max_delay_ms: option(flags, HAS_NUMBER << 2, max_delay_ms),
            jitter: option(flags, HAS_NUMBER << 3, jitter),
            stable_after_ms: option(flags, HAS_NUMBER << 4, stable_after_ms),
            ping_interval_ms: option(flags, HAS_NUMBER << 5, ping_interval_ms),
            pong_timeout_ms: option(flags, HAS_NUMBER << 6, pong_timeout_ms),
            connect_timeout_ms: option(flags, HAS_NUMBER << 7, connect_timeout_ms),
        };
        match Options::validate(raw) {
            Ok(options) => {
                s.slots.push(Some(Slot { machine: Machine::new(options, seed as u64), event: None }));
                s.slots.len() as u32
            }
            Err(e) => {
                s.out.clear();
                s.out.push_str(&e.text());
                0
            }
        }
    })
}

/// Frees a client: it closes without reporting anything, and its handle becomes invalid.
#[cfg_attr(target_arch = "wasm32", no_mangle)]
pub extern "C" fn pw_free(handle: u32) {
    with(|s| {
        if let Some(slot) = slot_of(&mut s.slots, handle) {
            *slot = None;
        }
    });
}

/// `connect()`.
#[cfg_attr(target_arch = "wasm32", no_mangle)]
pub extern "C" fn pw_connect(handle: u32, now: f64) {
    input(handle, |m, _| m.connect(time(now)));
}

/// `reconnect()`.
#[cfg_attr(target_arch = "wasm32", no_mangle)]
pub extern "C" fn pw_reconnect(handle: u32, now: f64) {
    input(handle, |m, _| m.reconnect(time(now)));
}

/// `close()`.
#[cfg_attr(target_arch = "wasm32", no_mangle)]
pub extern "C" fn pw_close(handle: u32) {
    input(handle, |m, _| m.close());
}

/// Shared by join and leave: 0 when accepted, else the length of `CODE: message` in the output.
fn room_call(handle: u32, len: u32, f: fn(&mut Machine, &str) -> Result<(), crate::core::ConfigError>) -> u32 {
    on_slot(handle, 0, |slot, i, out| match f(&mut slot.machine, text(i, 0, len)) {
        Ok(()) => 0,
        Err(e) => {
            out.push_str(&e.text());
            out.len() as u32
        }
    })
}

/// `join(planId)`, the plan id in the input: 0, or the length of the error text in the output.
#[cfg_attr(target_arch = "wasm32", no_mangle)]
pub extern "C" fn pw_join(handle: u32, len: u32) -> u32 {
    room_call(handle, len, Machine::join)
}

/// `leave(planId)`, the plan id in the input: 0, or the length of the error text in the output.
#[cfg_attr(target_arch = "wasm32", no_mangle)]
pub extern "C" fn pw_leave(handle: u32, len: u32) -> u32 {
    room_call(handle, len, Machine::leave)
}

/// `getToken` resolved to the string in the input.
#[cfg_attr(target_arch = "wasm32", no_mangle)]
pub extern "C" fn pw_token_ready(handle: u32, ticket: u32, len: u32) {
    input(handle, |m, i| m.token_ready(ticket, text(i, 0, len).into()));
}

/// `getToken` failed; the message is in the input.
#[cfg_attr(target_arch = "wasm32", no_mangle)]
pub extern "C" fn pw_token_failed(handle: u32, ticket: u32, len: u32) {
    input(handle, |m, i| m.token_failed(ticket, text(i, 0, len)));
}

/// The socket opened.
#[cfg_attr(target_arch = "wasm32", no_mangle)]
pub extern "C" fn pw_opened(handle: u32) {
    input(handle, |m, _| m.socket_opened());
}

/// A text frame arrived; it is in the input.
#[cfg_attr(target_arch = "wasm32", no_mangle)]
pub extern "C" fn pw_frame(handle: u32, len: u32, now: f64) {
    input(handle, |m, i| m.frame_received(text(i, 0, len), time(now)));
}

/// A binary frame arrived.
#[cfg_attr(target_arch = "wasm32", no_mangle)]
pub extern "C" fn pw_binary(handle: u32, now: f64) {
    input(handle, |m, _| m.binary_received(time(now)));
}

/// The socket closed with `code`; the reason is in the input.
#[cfg_attr(target_arch = "wasm32", no_mangle)]
pub extern "C" fn pw_closed(handle: u32, code: u32, len: u32, now: f64) {
    let code = u16::try_from(code).unwrap_or(1006);
    input(handle, |m, i| m.socket_closed(code, text(i, 0, len), time(now)));
}

/// The timer fired.
#[cfg_attr(target_arch = "wasm32", no_mangle)]
pub extern "C" fn pw_timeout(handle: u32, now: f64) {
    input(handle, |m, _| m.handle_timeout(time(now)));
}

/// The browser is online.
#[cfg_attr(target_arch = "wasm32", no_mangle)]
pub extern "C" fn pw_online(handle: u32, now: f64) {
    input(handle, |m, _| m.online(time(now)));
}

/// The browser went offline.
#[cfg_attr(target_arch = "wasm32", no_mangle)]
pub extern "C" fn pw_offline(handle: u32) {
    input(handle, |m, _| m.offline());
}

/// The page became visible.
#[cfg_attr(target_arch = "wasm32", no_mangle)]
pub extern "C" fn pw_visible(handle: u32, now: f64) {
    input(handle, |m, _| m.visible(time(now)));
}

/// The next action: `ACTION_*` in the low 3 bits, the length of its text (in the output) above.
#[cfg_attr(target_arch = "wasm32", no_mangle)]
pub extern "C" fn pw_poll(handle: u32) -> u32 {
    let mut arg = 0;
    let result = on_slot(handle, ACTION_NONE, |slot, _, out| {
        let code = match slot.machine.poll_action() {
            None => ACTION_NONE,
            Some(Action::FetchToken { ticket }) => {
                arg = ticket;
                ACTION_FETCH_TOKEN
            }
            Some(Action::OpenSocket { url }) => {
                out.push_str(&url);
                ACTION_OPEN_SOCKET
            }
            Some(Action::Send(frame)) => {
                out.push_str(&frame);
                ACTION_SEND
            }
            Some(Action::CloseSocket { code, reason }) => {
                arg = u32::from(code);
                out.push_str(reason);
                ACTION_CLOSE_SOCKET
            }
            Some(Action::Emit(event)) => {
                arg = event.kind().index() as u32;
                let from_frame = matches!(
                    event,
                    Event::TaskUpdated { .. }
                        | Event::TaskCreated { .. }
                        | Event::TaskDeleted { .. }
                        | Event::TaskReordered { .. }
                        | Event::ProgressUpdated { .. }
                );
                slot.event = Some(event);
                if from_frame {
                    ACTION_EMIT_FRAME
                } else {
                    ACTION_EMIT
                }
            }
        };
        (out.len() as u32) << 3 | code
    });
    with(|s| s.arg = arg);
    result
}

/// Writes the payload of the last polled event as JSON to the output; returns its length.
#[cfg_attr(target_arch = "wasm32", no_mangle)]
pub extern "C" fn pw_payload(handle: u32) -> u32 {
    on_slot(handle, 0, |slot, _, out| {
        if let Some(event) = &slot.event {
            event.write_json(out);
        }
        out.len() as u32
    })
}

/// When `pw_timeout` must next be called (ms since the epoch), or -1.
#[cfg_attr(target_arch = "wasm32", no_mangle)]
pub extern "C" fn pw_deadline(handle: u32) -> f64 {
    read(handle, -1.0, |m, _, _| m.next_deadline().map_or(-1.0, |d| d as f64))
}

/// The state's index in `idle, connecting, open, reconnecting, closed, failed` (closed once freed).
#[cfg_attr(target_arch = "wasm32", no_mangle)]
pub extern "C" fn pw_state(handle: u32) -> u32 {
    read(handle, crate::core::State::Closed as u32, |m, _, _| m.state() as u32)
}

/// The server's id for the current connection in the output; its length, or -1 when there is none.
#[cfg_attr(target_arch = "wasm32", no_mangle)]
pub extern "C" fn pw_connection_id(handle: u32) -> i32 {
    read(handle, -1, |m, _, out| match m.connection_id() {
        Some(id) => {
            out.push_str(id);
            out.len() as i32
        }
        None => -1,
    })
}

/// Distinct users in the joined room named in the input (0 when not joined).
#[cfg_attr(target_arch = "wasm32", no_mangle)]
pub extern "C" fn pw_participant_count(handle: u32, len: u32) -> u32 {
    read(handle, 0, |m, i, _| m.participant_count(text(i, 0, len)))
}

/// The participants of the room named in the input, as a JSON array in the output; its length.
#[cfg_attr(target_arch = "wasm32", no_mangle)]
pub extern "C" fn pw_participants(handle: u32, len: u32) -> u32 {
    read(handle, 0, |m, i, out| {
        push_participants(out, m.participants(text(i, 0, len)));
        out.len() as u32
    })
}
