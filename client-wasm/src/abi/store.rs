//! The module's global state: the clients (a slab indexed by handle) and the two byte buffers the
//! JS driver shares with the wasm (input written by JS, output written by Rust).
//!
//! The wasm runs on one thread and never calls out to JS, so no export can run while another one
//! is running: [`with`] is never re-entered, and the one `&mut` it hands out is unique.

use crate::core::{Event, Machine};
use alloc::string::String;
use alloc::vec::Vec;
use core::cell::UnsafeCell;

/// One client: its machine, and the event last returned by `pw_poll` (its payload is written
/// only if the driver asks for it, i.e. when someone listens).
pub struct Slot {
    /// The sans-IO core.
    pub machine: Machine,
    /// The last polled event.
    pub event: Option<Event>,
}

/// Everything the exports share.
pub struct Store {
    /// Clients by `handle - 1`; `None` once freed (handles are not reused).
    pub slots: Vec<Option<Slot>>,
    /// Bytes written by JS before a call that takes text (`pw_input` sizes it).
    pub input: Vec<u8>,
    /// Text written by the last call that returns text.
    pub out: String,
    /// A number that goes with the last polled action (ticket, close code, event kind).
    pub arg: u32,
}

struct Global(UnsafeCell<Store>);

// SAFETY: wasm32 without threads has one thread; natively the exports are only called by tests,
// one at a time (see `abi::tests`).
unsafe impl Sync for Global {}

static STORE: Global = Global(UnsafeCell::new(Store { slots: Vec::new(), input: Vec::new(), out: String::new(), arg: 0 }));

/// Runs `f` with the store.
pub fn with<R>(f: impl FnOnce(&mut Store) -> R) -> R {
    // SAFETY: see the module docs: no export re-enters another, so this is the only live reference.
    f(unsafe { &mut *STORE.0.get() })
}

/// `len` bytes of `input` from `start`, as text; out of range or invalid UTF-8 reads as empty
/// (JS's `TextEncoder` writes valid UTF-8; an empty frame is rejected as `INVALID_FRAME`).
pub fn text(input: &[u8], start: u32, len: u32) -> &str {
    let start = start as usize;
    let bytes = input.get(start..start.saturating_add(len as usize)).unwrap_or(&[]);
    core::str::from_utf8(bytes).unwrap_or("")
}
