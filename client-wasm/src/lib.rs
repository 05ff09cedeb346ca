//! planwire client: a Rust/WebAssembly browser client for plan rooms, reproducing seed 000's
//! `usePlanWebSocket` hook robustly.
//!
//! - [`core`]: the sans-IO connection machine (plain Rust, tested natively with a fake clock).
//! - `web` (wasm32 only): the browser layer — web-sys socket and listeners, a gloo-timers
//!   timer, `getToken` awaited as a future, serde-wasm-bindgen at the boundary — exporting
//!   [`PlanClient`] through wasm-bindgen.
#![forbid(unsafe_code)]

pub mod core;

#[cfg(target_arch = "wasm32")]
mod web;

/// The wasm heap: rlsf's TLSF (O(1) allocation and free, a small free-list table) instead of std's
/// dlmalloc, −2.8 KB gzip (docs/performance.md). wasm32 only; native builds and tests keep std's.
#[cfg(target_arch = "wasm32")]
#[global_allocator]
static ALLOCATOR: rlsf::SmallGlobalTlsf = rlsf::SmallGlobalTlsf::new();

/// The exported JS class (wasm32 only).
#[cfg(target_arch = "wasm32")]
pub use web::PlanClient;
