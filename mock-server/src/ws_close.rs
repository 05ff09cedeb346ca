//! How a WebSocket ends: read errors classified into close frames (1009 too big, 1008 inbound
//! flood, 1007 invalid UTF-8, 1002 protocol violation; each counted), and the bounded closing
//! handshake.

use std::time::Duration;

use axum::extract::ws::{CloseFrame, Message, WebSocket};
use planwire_protocol::CloseCode;
use tokio::time::timeout;

use crate::connections::CloseCmd;
use crate::metrics::{Counters, Limit};
use crate::tracked::is_flood;

/// How long a closing connection waits to write its close frame, and then for the peer's reply.
const CLOSE_WRITE_TIMEOUT: Duration = Duration::from_secs(5);
const CLOSE_REPLY_TIMEOUT: Duration = Duration::from_secs(2);

/// The close a read error calls for (`None`: the peer is gone, nothing to send), counted.
pub(crate) fn on_read_error(e: &axum::Error, counters: &Counters) -> Option<CloseCmd> {
    if is_flood(e) {
        counters.error();
        counters.limit(Limit::InboundBytes, 1);
        return Some(CloseCmd::Frame(CloseCode::PolicyViolation, "inbound byte rate exceeded".into()));
    }
    match tungstenite_error(e)? {
        tungstenite::Error::Capacity(_) => {
            counters.error();
            Some(CloseCmd::Frame(CloseCode::MessageTooBig, "frame exceeds 64 KiB".into()))
        }
        tungstenite::Error::Utf8(_) => {
            counters.error();
            counters.limit(Limit::InvalidUtf8, 1);
            Some(CloseCmd::AnyFrame(1007, "invalid UTF-8".into()))
        }
        tungstenite::Error::Protocol(tungstenite::error::ProtocolError::ResetWithoutClosingHandshake) => None,
        tungstenite::Error::Protocol(p) => {
            counters.error();
            counters.limit(Limit::ProtocolError, 1);
            Some(CloseCmd::AnyFrame(1002, format!("protocol error: {p}")))
        }
        _ => None,
    }
}

fn tungstenite_error(e: &axum::Error) -> Option<&tungstenite::Error> {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = source {
        if let Some(t) = err.downcast_ref::<tungstenite::Error>() {
            return Some(t);
        }
        source = err.source();
    }
    None
}

/// Sends a close frame, then waits briefly for the peer's reply so it reads the code before TCP closes.
pub(crate) async fn close_socket(mut socket: WebSocket, code: u16, reason: &str) {
    let frame = CloseFrame { code, reason: reason.into() };
    if timeout(CLOSE_WRITE_TIMEOUT, socket.send(Message::Close(Some(frame)))).await.is_err() {
        return;
    }
    let reply = timeout(CLOSE_REPLY_TIMEOUT, async {
        while let Some(Ok(_)) = socket.recv().await {}
    });
    let _ = reply.await;
}
