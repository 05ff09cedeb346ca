//! planwire client (placeholder while the core lands).
