//! planwire client: a Rust/WebAssembly browser client for plan rooms, reproducing seed 000's
//! `usePlanWebSocket` hook robustly.
//!
//! - [`core`]: the sans-IO connection machine (plain Rust, tested natively with a fake clock).
//! - [`abi`]: the wasm module's exports (numbers and shared text buffers), driven by the npm
//!   package's JS driver, which owns the browser side: socket, timer, window listeners, `getToken`.
// The only unsafe code is in `abi` (the exports' names and their one global store) and `heap`
// (the allocator).
#![deny(unsafe_code)]
// The wasm build links no `std`: its panic machinery and formatting would triple the binary.
// Native builds (tests, the load generator) use `std`.
#![cfg_attr(target_arch = "wasm32", no_std)]

extern crate alloc;

#[allow(unsafe_code)]
pub mod abi;
pub mod core;
#[allow(unsafe_code)]
pub mod heap;

/// Aborts the wasm instance on a panic (none is reachable from the network or the caller; this
/// only replaces `std`'s message-formatting handler).
#[cfg(target_arch = "wasm32")]
#[panic_handler]
fn panic(_: &::core::panic::PanicInfo<'_>) -> ! {
    ::core::arch::wasm32::unreachable()
}

/// A size-class allocator (`heap`): a fraction of the size of a general-purpose one.
#[cfg(target_arch = "wasm32")]
#[global_allocator]
static ALLOCATOR: heap::Heap = heap::Heap(::core::cell::UnsafeCell::new(heap::Classes::new()));
