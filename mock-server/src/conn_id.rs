//! Connection ids and their wire form (`c<N>`: `X-Connection-Id`, `connectionId`).

/// A connection's id (`c<N>` on the wire).
pub type ConnId = u64;

/// The wire form of a connection id.
pub fn conn_id_string(id: ConnId) -> String {
    format!("c{id}")
}

/// Parses the wire form of a connection id.
pub fn parse_conn_id(s: &str) -> Option<ConnId> {
    s.trim().strip_prefix('c')?.parse().ok()
}
