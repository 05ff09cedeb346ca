//! Authentication: where the token goes (URL query or first frame), and the 4001 policy —
//! one fresh token and one retry, never a retry storm.

use super::options::AuthMode;

/// The socket URL: in query mode with a token, `url` plus `token=<percent-encoded JWT>`.
pub fn socket_url(url: &str, token: Option<&str>, mode: AuthMode) -> String {
    let (Some(token), AuthMode::Query) = (token, mode) else { return url.into() };
    let mut out = String::with_capacity(url.len() + 7 + token.len());
    out.push_str(url);
    // A byte loop, not `str::contains`, which links memchr's word-at-a-time search (255 B) for one `?`;
    // on the slice's iterator (its own `any`), not `str::bytes` (a `Copied` adapter and its `try_fold`).
    out.push(if url.as_bytes().iter().any(|&b| b == b'?') { '&' } else { '?' });
    out.push_str("token=");
    push_encoded(&mut out, token);
    out
}

/// Appends `token` percent-encoded as a URL query value: RFC 3986's unreserved characters (ASCII
/// letters and digits, `-._~`) as they are, every other byte of its UTF-8 as `%XX`.
///
/// Written out instead of with the percent-encoding crate, whose table of all 256 `%XX` texts
/// (768 bytes) was 0.4 KB of the gzipped wasm (docs/performance.md); a test compares the two on every
/// character class.
fn push_encoded(out: &mut String, token: &str) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for &b in token.as_bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 15)]));
        }
    }
}

/// `url` with the value of its `token` query parameter replaced by `***` (for debug logs).
///
/// Finds the parameter on bytes with slice patterns and cuts with checked splits: no `str` searching
/// (`StrSearcher`) and no slicing that could panic (a `str` slice panic links char `Debug` escaping):
/// −1.5 KB gzip of wasm. The cuts fall on ASCII bytes (`=` and `&`), so the `str` splits succeed
/// (and no UTF-8 check is linked to rebuild a `String` from bytes).
#[cfg(any(target_arch = "wasm32", test))]
pub fn redacted_url(url: &str) -> String {
    // Just after the first `?token=` or `&token=`.
    let value = url.as_bytes().windows(7).position(|w| matches!(w, [b'?' | b'&', b't', b'o', b'k', b'e', b'n', b'=']));
    let Some((head, rest)) = value.and_then(|i| url.split_at_checked(i + 7)) else {
        return url.into();
    };
    // As in `socket_url`, the slice's iterator rather than `str::bytes`.
    let tail = rest.as_bytes().iter().position(|&c| c == b'&').and_then(|i| rest.get(i..)).unwrap_or_default();
    let mut out = String::with_capacity(head.len() + 3 + tail.len());
    out.push_str(head);
    out.push_str("***");
    out.push_str(tail);
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

#[cfg(test)]
mod redaction {
    use super::redacted_url;

    #[test]
    fn the_byte_redaction_matches_the_str_one_on_edges() {
        assert_eq!(redacted_url("ws://h/ws?token="), "ws://h/ws?token=***");
        assert_eq!(redacted_url("ws://h/ws?token=&y=2"), "ws://h/ws?token=***&y=2");
        assert_eq!(redacted_url("token=abc"), "token=abc");
        assert_eq!(redacted_url("ws://h/ws?a=1&token=x&token=y"), "ws://h/ws?a=1&token=***&token=y");
        assert_eq!(redacted_url("ws://h/ws?mytoken=1&token=é"), "ws://h/ws?mytoken=1&token=***");
        assert_eq!(redacted_url("ws://hé/ws?token=é&é=1"), "ws://hé/ws?token=***&é=1");
        assert_eq!(redacted_url(""), "");
        assert_eq!(redacted_url("?token"), "?token");
    }
}

// Native only: the crate it compares with is a native dev-dependency (`wasm-pack test` builds these too).
#[cfg(all(test, not(target_arch = "wasm32")))]
mod encoding {
    use super::{socket_url, AuthMode};
    use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

    /// RFC 3986's unreserved characters, as the percent-encoding crate spells the set.
    const UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.').remove(b'~');

    #[test]
    fn a_token_is_encoded_as_the_percent_encoding_crate_does() {
        // Every ASCII character, then a sample of 2-, 3- and 4-byte characters.
        let mut token: String = (0u8..=127).map(char::from).collect();
        token.extend(['é', 'ÿ', 'Ā', '߿', 'ࠀ', '€', '\u{FFFD}', '\u{FFFF}', '😀', '\u{10FFFF}']);
        token.push_str("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig-_~+/=");
        let url = socket_url("ws://h/ws", Some(&token), AuthMode::Query);
        assert_eq!(url, format!("ws://h/ws?token={}", utf8_percent_encode(&token, UNRESERVED)));
        assert_eq!(socket_url("ws://h/ws?a=1", Some("a b"), AuthMode::Query), "ws://h/ws?a=1&token=a%20b");
        assert_eq!(socket_url("ws://h/ws", Some("x"), AuthMode::Message), "ws://h/ws");
    }
}
