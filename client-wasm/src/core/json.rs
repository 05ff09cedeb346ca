//! A tiny JSON writer for event payloads: no `format!`, no serializer machinery, raw JSON
//! (a task exactly as the server sent it) spliced in unchanged.

use alloc::string::String;
use planwire_protocol::{Participant, UserId};

/// Appends `s` as a quoted JSON string, escaped exactly as serde_json escapes it.
pub fn push_str(out: &mut String, s: &str) {
    out.push('"');
    let mut start = 0;
    for (i, c) in s.char_indices() {
        let escape = match c {
            '"' => "\\\"",
            '\\' => "\\\\",
            '\n' => "\\n",
            '\r' => "\\r",
            '\t' => "\\t",
            '\u{8}' => "\\b",
            '\u{c}' => "\\f",
            '\0'..='\u{1f}' => "",
            _ => continue,
        };
        out.push_str(s.get(start..i).unwrap_or_default());
        if escape.is_empty() {
            out.push_str("\\u00");
            out.push(hex_digit(c as u8 >> 4));
            out.push(hex_digit(c as u8 & 0xf));
        } else {
            out.push_str(escape);
        }
        start = i + 1;
    }
    out.push_str(s.get(start..).unwrap_or_default());
    out.push('"');
}

fn hex_digit(n: u8) -> char {
    char::from(if n < 10 { b'0' + n } else { b'a' + n - 10 })
}

/// Appends an unsigned integer in decimal.
pub fn push_u64(out: &mut String, mut n: u64) {
    // Least significant digit first, into the end of a buffer that fits u64::MAX; only constant
    // divisors and iterators, so there is no panic path.
    let mut digits = [0u8; 20];
    let mut len = 0;
    for slot in digits.iter_mut().rev() {
        *slot = b'0' + (n % 10) as u8;
        n /= 10;
        len += 1;
        if n == 0 {
            break;
        }
    }
    for &digit in digits.iter().skip(digits.len() - len) {
        out.push(char::from(digit));
    }
}

/// Appends a signed integer in decimal.
pub fn push_i64(out: &mut String, n: i64) {
    if n < 0 {
        out.push('-');
    }
    push_u64(out, n.unsigned_abs());
}

/// Appends a user id as seed 000 sends it: a number, or a string.
pub fn push_user_id(out: &mut String, id: &UserId) {
    match id {
        UserId::Num(n) => push_i64(out, *n),
        UserId::Str(s) => push_str(out, s),
    }
}

/// Writes one JSON object field by field; keys are trusted static names.
pub struct Obj<'a> {
    out: &'a mut String,
    first: bool,
}

impl<'a> Obj<'a> {
    /// Opens an object on `out`.
    pub fn new(out: &'a mut String) -> Self {
        out.push('{');
        Obj { out, first: true }
    }

    fn key(&mut self, key: &str) -> &mut String {
        if !self.first {
            self.out.push(',');
        }
        self.first = false;
        self.out.push('"');
        self.out.push_str(key);
        self.out.push_str("\":");
        self.out
    }

    /// A string field.
    pub fn str(&mut self, key: &str, value: &str) -> &mut Self {
        push_str(self.key(key), value);
        self
    }

    /// A string field, left out when `None`.
    pub fn opt_str(&mut self, key: &str, value: Option<&str>) -> &mut Self {
        if let Some(v) = value {
            self.str(key, v);
        }
        self
    }

    /// A number field.
    pub fn num(&mut self, key: &str, value: u64) -> &mut Self {
        push_u64(self.key(key), value);
        self
    }

    /// A number field, left out when `None`.
    pub fn opt_num(&mut self, key: &str, value: Option<u64>) -> &mut Self {
        if let Some(v) = value {
            self.num(key, v);
        }
        self
    }

    /// A boolean field.
    pub fn bool(&mut self, key: &str, value: bool) -> &mut Self {
        self.key(key).push_str(if value { "true" } else { "false" });
        self
    }

    /// A field whose value is already JSON text.
    pub fn raw(&mut self, key: &str, json: &str) -> &mut Self {
        self.key(key).push_str(json);
        self
    }

    /// A user id field.
    pub fn user_id(&mut self, key: &str, id: &UserId) -> &mut Self {
        push_user_id(self.key(key), id);
        self
    }

    /// An array of strings.
    pub fn str_list(&mut self, key: &str, items: &[String]) -> &mut Self {
        let out = self.key(key);
        out.push('[');
        for (i, s) in items.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            push_str(out, s);
        }
        out.push(']');
        self
    }

    /// An array of participants.
    pub fn participants(&mut self, key: &str, list: &[Participant]) -> &mut Self {
        push_participants(self.key(key), list);
        self
    }

    /// Closes the object.
    pub fn end(&mut self) {
        self.out.push('}');
    }
}

/// Appends `[{"userId":…,"userName":…},…]`.
pub fn push_participants(out: &mut String, list: &[Participant]) {
    out.push('[');
    for (i, p) in list.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        Obj::new(out).user_id("userId", &p.user_id).str("userName", &p.user_name).end();
    }
    out.push(']');
}
