//! Native tests of the sans-IO core, every timing rule checked in milliseconds of fake time.
//!
//! Checklist (one module each):
//! - [x] options: defaults reproduce seed 000; invalid values give coded errors
//! - [x] backoff: exact sequence with `jitter: 0`, cap with jitter, attempt limit → `failed`,
//!   stable-period reset, no tight loop on accept-then-drop
//! - [x] heartbeat: a ping every interval from the last ping sent, pong timeout → close + reconnect, probes
//! - [x] connection: states, confirmation, close() never reconnects, connect timeout,
//!   offline/online/visible, reconnect(), auth modes
//! - [x] auth: token per connect, 4001 → one fresh token + one retry, else `unauthorized`
//! - [x] expiry: a 4001 on an accepted connection → a fresh token and a reconnect, always
//! - [x] rooms: reference-counted joins, pending joins, rejoin after reconnect, participants
//! - [x] decode: seed 000 frames, the two `join-plan` shapes, bad frames, unknown types
//! - [x] seq: in order once, duplicates dropped, gaps and `recovered:false` → `resync`,
//!   servers without `seq`
//! - [x] presence: merge and throttle, typing refresh, others from confirmations and frames,
//!   cleared while disconnected, re-sent after the re-join
//! - [x] revive: a transient `failed` comes back by itself; suspend/resume (page lifecycle);
//!   timers throttled in background tabs
//! - [x] sync: a synchronized plan's snapshot + stream by `seq`, every change rule, reloads
//! - [x] writes: optimistic writes, their answers and `seq`, rollbacks, races with remote changes
//! - [x] hostile: proptest — arbitrary frames never panic and leave the state intact

mod harness;

mod auth;
mod backoff;
mod connection;
mod decode;
mod expiry;
mod heartbeat;
// proptest is a native dev-dependency: the property tests run with `cargo test`.
#[cfg(not(target_arch = "wasm32"))]
mod hostile;
mod options;
mod presence;
mod revive;
mod rooms;
mod seq;
mod sync;
mod writes;
