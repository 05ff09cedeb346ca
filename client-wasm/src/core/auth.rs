//! Authentication: where the token goes (URL query or first frame), and the 4001 policy —
//! one fresh token and one retry, never a retry storm.

use super::options::AuthMode;

/// The socket URL: in query mode with a token, `url` plus `token=<percent-encoded JWT>`.
pub fn socket_url(url: &str, token: Option<&str>, mode: AuthMode) -> String {
    let (Some(token), AuthMode::Query) = (token, mode) else { return url.into() };
    let mut out = String::with_capacity(url.len() + 7 + token.len());
    out.push_str(url);
    out.push(if url.contains('?') { '&' } else { '?' });
    out.push_str("token=");
    for b in token.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            const HEX: &[u8; 16] = b"0123456789ABCDEF";
            out.push('%');
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 0xf)]));
        }
    }
    out
}

/// The "one fresh token, one retry" rule for close code 4001.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AuthRetry {
    used: bool,
}

impl AuthRetry {
    /// A 4001 arrived: returns whether to fetch a fresh token and retry once (only possible with
    /// `getToken`, and only once until the connection has been stable).
    pub fn take(&mut self, has_get_token: bool) -> bool {
        if !has_get_token || self.used {
            return false;
        }
        self.used = true;
        true
    }

    /// A connection stayed open for the stable period, or the caller started afresh.
    pub fn reset(&mut self) {
        self.used = false;
    }
}
