//! Timestamps on the wire: ISO 8601 UTC with milliseconds, e.g. `2025-01-01T00:00:00.000Z`.

use std::time::SystemTime;

/// The current time as ISO 8601 with milliseconds and `Z`.
pub fn now_iso() -> String {
    humantime::format_rfc3339_millis(SystemTime::now()).to_string()
}

#[cfg(test)]
mod tests {
    #[test]
    fn iso_with_millis_and_z() {
        let t = super::now_iso();
        assert_eq!(t.len(), 24, "{t}");
        assert!(t.ends_with('Z') && t.as_bytes()[19] == b'.', "{t}");
    }
}
