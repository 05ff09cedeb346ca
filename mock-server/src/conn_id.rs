//! Connection ids and their wire form (`c` and 32 hex digits: `X-Connection-Id`, `connectionId`),
//! and the random numbers behind them and behind room epochs.

/// A connection's id: 128 random bits, never 0 (`c<32 hex digits>` on the wire).
pub type ConnId = u128;

/// 128 bits from the operating system's generator (falling back, should it fail, on std's
/// randomly seeded hasher).
pub fn random_u128() -> u128 {
    let mut buf = [0u8; 16];
    if getrandom::fill(&mut buf).is_ok() {
        return u128::from_le_bytes(buf);
    }
    use std::hash::{BuildHasher, Hasher};
    let half = || {
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u128(std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default().as_nanos());
        h.finish()
    };
    (u128::from(half()) << 64) | u128::from(half())
}

/// A fresh, unguessable connection id.
pub fn new_conn_id() -> ConnId {
    loop {
        let id = random_u128();
        if id != 0 {
            return id;
        }
    }
}

/// The wire form of a connection id.
pub fn conn_id_string(id: ConnId) -> String {
    format!("c{id:032x}")
}

/// Parses the wire form of a connection id.
pub fn parse_conn_id(s: &str) -> Option<ConnId> {
    let hex = s.trim().strip_prefix('c')?;
    if hex.is_empty() || hex.len() > 32 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    u128::from_str_radix(hex, 16).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_random_and_round_trip() {
        let (a, b) = (new_conn_id(), new_conn_id());
        assert_ne!(a, b);
        assert_eq!(parse_conn_id(&conn_id_string(a)), Some(a));
        assert_eq!(conn_id_string(a).len(), 33);
        for bad in ["", "c", "1", "cxyz", "c+1", &format!("c{}", "f".repeat(33))] {
            assert_eq!(parse_conn_id(bad), None, "{bad}");
        }
    }
}
