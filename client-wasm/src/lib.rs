//! planwire client: a Rust/WebAssembly browser client for plan rooms, reproducing seed 000's
//! `usePlanWebSocket` hook robustly.
//!
//! - [`core`]: the sans-IO connection machine (plain Rust, tested natively with a fake clock).
//! - `web` (wasm32 only): the browser glue and the exported `PlanClient` class.
#![forbid(unsafe_code)]
// The wasm release build links no `std`: its panic machinery and formatting would triple the
// binary. Tests and native builds use `std` (feature `std`, enabled by the tests' self-dependency).
#![cfg_attr(all(target_arch = "wasm32", not(feature = "std")), no_std)]

extern crate alloc;

pub mod core;

#[cfg(target_arch = "wasm32")]
mod web;

/// Aborts the wasm instance on a panic (none is reachable from the network or the caller; this
/// only replaces `std`'s message-formatting handler).
#[cfg(all(target_arch = "wasm32", not(feature = "std")))]
#[panic_handler]
fn panic(_: &::core::panic::PanicInfo<'_>) -> ! {
    ::core::arch::wasm32::unreachable()
}

/// Talc instead of `std`'s dlmalloc: a fraction of the size, and faster.
#[cfg(all(target_arch = "wasm32", not(feature = "std")))]
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

/// The exported JS class (wasm32 only).
#[cfg(target_arch = "wasm32")]
pub use web::PlanClient;
