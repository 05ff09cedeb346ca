//! Server frames as sent.

/// An encoded text frame, cheap to clone into many queues.
pub type Frame = axum::extract::ws::Utf8Bytes;
