//! Authentication: where the token goes (URL query or first frame), and the 4001 policy —
//! one fresh token and one retry, never a retry storm.

use super::options::AuthMode;
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

/// What a token keeps unescaped in a URL: RFC 3986's unreserved characters.
const TOKEN: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.').remove(b'~');

/// The socket URL: in query mode with a token, `url` plus `token=<percent-encoded JWT>`.
pub fn socket_url(url: &str, token: Option<&str>, mode: AuthMode) -> String {
    let (Some(token), AuthMode::Query) = (token, mode) else { return url.into() };
    let mut out = String::with_capacity(url.len() + 7 + token.len());
    out.push_str(url);
    out.push(if url.contains('?') { '&' } else { '?' });
    out.push_str("token=");
    out.extend(utf8_percent_encode(token, TOKEN));
    out
}

/// `url` with the value of its `token` query parameter replaced by `***` (for debug logs).
#[cfg(any(target_arch = "wasm32", test))]
pub fn redacted_url(url: &str) -> String {
    let Some(at) = url.match_indices("token=").map(|(i, _)| i).find(|&i| i > 0 && matches!(url.as_bytes()[i - 1], b'?' | b'&'))
    else {
        return url.into();
    };
    let value = at + "token=".len();
    let end = url[value..].find('&').map_or(url.len(), |i| value + i);
    [&url[..value], "***", &url[end..]].concat()
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
