//! Frames in and out, by hand and sized for the browser: a small JSON scanner that decodes the
//! protocol crate's types field by field ([`FromJson`]), and string building for client messages
//! ([`to_string`]). No serde, no `core::fmt`, no floats: errors carry no message (a bad frame is
//! just bad), typed fields take integers only (no protocol field the client decodes is a float),
//! unknown fields are skipped after a syntax check, and [`Raw`] captures any value's text
//! untouched (tasks, unknown payloads). It agrees with serde_json on every protocol shape (see
//! the tests). Never panics; nesting is bounded.

use super::json::{push_str, push_u64};
use alloc::borrow::Cow;
use alloc::string::String;
use alloc::vec::Vec;
use planwire_protocol::{
    kind, ClientMessage, Connected, Envelope, ErrorData, JoinConfirm, Participant, Progress, ProgressPayload,
    TaskDeleted, TaskPayload, TaskReordered, UserId, UserJoined, UserLeft,
};

/// The JSON was malformed or did not fit the type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Error;

type Result<T> = ::core::result::Result<T, Error>;

/// Deepest nesting accepted inside a skipped or raw value.
const MAX_DEPTH: u32 = 64;

/// The exact JSON text of one value (an object, array, string, number or literal).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Raw<'a>(pub &'a str);

impl<'a> Raw<'a> {
    /// The JSON text.
    pub fn get(&self) -> &'a str {
        self.0
    }
}

/// A type read from JSON text borrowed for `'a`.
pub trait FromJson<'a>: Sized {
    /// Reads one value at the cursor.
    fn read(de: &mut Deserializer<'a>) -> Result<Self>;
}

/// Decodes `T` from the whole of `text` (whitespace around it allowed).
pub fn from_str<'a, T: FromJson<'a>>(text: &'a str) -> Result<T> {
    read_all(Deserializer { src: text, pos: 0, validated: false })
}

/// Decodes a value from a [`Raw`] this reader returned earlier: the text is known to be valid
/// JSON, so values the type does not read are skipped by a fast scan instead of being validated
/// again (reading a frame's `data` this way is the difference between one pass and two).
pub fn from_raw<'a, T: FromJson<'a>>(raw: Raw<'a>) -> Result<T> {
    read_all(Deserializer { src: raw.0, pos: 0, validated: true })
}

fn read_all<'a, T: FromJson<'a>>(mut de: Deserializer<'a>) -> Result<T> {
    let text = de.src;
    let value = T::read(&mut de)?;
    de.skip_ws();
    if de.pos == text.len() {
        Ok(value)
    } else {
        Err(Error)
    }
}

/// Encodes a client message exactly as serde_json encodes [`ClientMessage`].
pub fn to_string(message: &ClientMessage) -> String {
    let mut out = String::with_capacity(64);
    out.push_str("{\"type\":");
    let (name, key, value) = match message {
        ClientMessage::JoinPlan { plan_id, .. } => (kind::JOIN_PLAN, "planId", plan_id.as_str()),
        ClientMessage::LeavePlan { plan_id } => (kind::LEAVE_PLAN, "planId", plan_id.as_str()),
        ClientMessage::Ping => (kind::PING, "", ""),
        ClientMessage::Auth { token } => (kind::AUTH, "token", token.as_str()),
    };
    push_str(&mut out, name);
    if !key.is_empty() {
        out.push_str(",\"");
        out.push_str(key);
        out.push_str("\":");
        push_str(&mut out, value);
    }
    if let ClientMessage::JoinPlan { last_seq: Some(seq), .. } = message {
        out.push_str(",\"lastSeq\":");
        push_u64(&mut out, *seq);
    }
    out.push('}');
    out
}

/// A cursor over the JSON text.
pub struct Deserializer<'a> {
    src: &'a str,
    pos: usize,
    /// The text was validated by an earlier pass: skip values without checking them.
    validated: bool,
}

/// An integer as written.
enum Int {
    Pos(u64),
    Neg(i64),
}

impl<'a> Deserializer<'a> {
    #[inline(always)]
    fn peek(&self) -> Option<u8> {
        self.src.as_bytes().get(self.pos).copied()
    }

    fn skip_ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\n' | b'\r' | b'\t')) {
            self.pos += 1;
        }
    }

    /// The next non-whitespace byte, not consumed.
    fn peek_token(&mut self) -> Result<u8> {
        self.skip_ws();
        self.peek().ok_or(Error)
    }

    #[inline(always)]
    fn eat(&mut self, byte: u8) -> Result<()> {
        if self.peek_token()? == byte {
            self.pos += 1;
            Ok(())
        } else {
            Err(Error)
        }
    }

    fn eat_literal(&mut self, literal: &str) -> Result<()> {
        self.skip_ws();
        if self.src.as_bytes().get(self.pos..self.pos + literal.len()) == Some(literal.as_bytes()) {
            self.pos += literal.len();
            Ok(())
        } else {
            Err(Error)
        }
    }

    /// Consumes `null` if it comes next; says whether it did.
    fn null(&mut self) -> Result<bool> {
        if self.peek_token()? == b'n' {
            self.eat_literal("null")?;
            return Ok(true);
        }
        Ok(false)
    }

    #[inline(always)]
    fn slice(&self, start: usize) -> Result<&'a str> {
        self.src.get(start..self.pos).ok_or(Error)
    }

    /// Moves to the next byte that ends a run of plain string characters: a quote, a backslash or
    /// a control character (one tight scan, the hot loop of reading a frame).
    fn skip_plain(&mut self) -> Result<()> {
        let bytes = self.src.as_bytes();
        let mut at = self.pos;
        // Eight bytes at a time while none is special (SWAR: a byte equal to `"` or `\\`, or below
        // 0x20, sets its high bit in `special`), then byte by byte to the exact position.
        const ONES: u64 = 0x0101_0101_0101_0101;
        const HIGHS: u64 = 0x8080_8080_8080_8080;
        while let Some(word) = bytes.get(at..at + 8).and_then(|w| <[u8; 8]>::try_from(w).ok()) {
            let word = u64::from_le_bytes(word);
            let quote = word ^ (ONES * u64::from(b'"'));
            let backslash = word ^ (ONES * u64::from(b'\\'));
            let zero_byte = |v: u64| v.wrapping_sub(ONES) & !v;
            let special = (zero_byte(quote) | zero_byte(backslash) | (word.wrapping_sub(ONES * 0x20) & !word)) & HIGHS;
            if special != 0 {
                break;
            }
            at += 8;
        }
        while let Some(&byte) = bytes.get(at) {
            if byte == b'"' || byte == b'\\' || byte < 0x20 {
                self.pos = at;
                return Ok(());
            }
            at += 1;
        }
        Err(Error)
    }

    /// A string; borrowed when it has no escapes.
    fn parse_str(&mut self) -> Result<Cow<'a, str>> {
        self.eat(b'"')?;
        let start = self.pos;
        self.skip_plain()?;
        if self.peek() == Some(b'"') {
            let text = self.slice(start)?;
            self.pos += 1;
            return Ok(Cow::Borrowed(text));
        }
        let mut owned = String::from(self.slice(start)?);
        loop {
            let run = self.pos;
            self.skip_plain()?;
            owned.push_str(self.slice(run)?);
            match self.peek() {
                Some(b'"') => {
                    self.pos += 1;
                    return Ok(Cow::Owned(owned));
                }
                Some(b'\\') => {
                    self.pos += 1;
                    owned.push(self.parse_escape()?);
                }
                _ => return Err(Error),
            }
        }
    }

    /// After a backslash: one escaped character (a `\u` surrogate pair counts as one).
    fn parse_escape(&mut self) -> Result<char> {
        let byte = self.peek().ok_or(Error)?;
        self.pos += 1;
        Ok(match byte {
            b'"' => '"',
            b'\\' => '\\',
            b'/' => '/',
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'u' => {
                let high = self.parse_hex4()?;
                let code = if (0xD800..0xDC00).contains(&high) {
                    self.eat_literal("\\u")?;
                    let low = self.parse_hex4()?;
                    if !(0xDC00..0xE000).contains(&low) {
                        return Err(Error);
                    }
                    0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00)
                } else {
                    high
                };
                char::from_u32(code).ok_or(Error)?
            }
            _ => return Err(Error),
        })
    }

    fn parse_hex4(&mut self) -> Result<u32> {
        let mut n = 0;
        for _ in 0..4 {
            let digit = char::from(self.peek().ok_or(Error)?).to_digit(16).ok_or(Error)?;
            n = n * 16 + digit;
            self.pos += 1;
        }
        Ok(n)
    }

    fn digits(&mut self) -> usize {
        let start = self.pos;
        while matches!(self.peek(), Some(b'0'..=b'9')) {
            self.pos += 1;
        }
        self.pos - start
    }

    /// Skips a number (any JSON number); returns whether it was an integer.
    fn skip_number(&mut self) -> Result<bool> {
        self.skip_ws();
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        let first = self.peek();
        let n = self.digits();
        if n == 0 || (n > 1 && first == Some(b'0')) {
            return Err(Error);
        }
        let mut integer = true;
        if self.peek() == Some(b'.') {
            self.pos += 1;
            integer = false;
            if self.digits() == 0 {
                return Err(Error);
            }
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.pos += 1;
            integer = false;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.pos += 1;
            }
            if self.digits() == 0 {
                return Err(Error);
            }
        }
        Ok(integer)
    }

    /// An integer that fits `u64` (or `i64` when negative); fractions, exponents and `-0` (a
    /// float to serde_json) refused.
    fn parse_int(&mut self) -> Result<Int> {
        self.skip_ws();
        let start = self.pos;
        if !self.skip_number()? {
            return Err(Error);
        }
        let text = self.slice(start)?;
        let (negative, digits) = match text.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        let mut n: u64 = 0;
        for d in digits.bytes() {
            n = n.checked_mul(10).and_then(|n| n.checked_add(u64::from(d - b'0'))).ok_or(Error)?;
        }
        if !negative {
            return Ok(Int::Pos(n));
        }
        if n == 0 || n > 1u64 << 63 {
            return Err(Error);
        }
        Ok(Int::Neg((n as i64).wrapping_neg()))
    }

    /// Skips one value of any kind, checking its syntax; nesting is bounded by [`MAX_DEPTH`].
    fn skip_value(&mut self, depth: u32) -> Result<()> {
        if self.validated {
            return self.skip_validated();
        }
        if depth > MAX_DEPTH {
            return Err(Error);
        }
        match self.peek_token()? {
            b'"' => self.parse_str().map(drop),
            b't' => self.eat_literal("true"),
            b'f' => self.eat_literal("false"),
            b'n' => self.eat_literal("null"),
            b'[' => self.items(b'[', b']', &mut |de| de.skip_value(depth + 1)),
            b'{' => self.items(b'{', b'}', &mut |de| {
                de.parse_str()?;
                de.eat(b':')?;
                de.skip_value(depth + 1)
            }),
            _ => self.skip_number().map(drop),
        }
    }

    /// Skips one value of already validated text: strings to their closing quote, containers by
    /// depth, scalars to the next delimiter. Never panics on other text; it may then misplace the
    /// cursor, which the caller's next read reports as an error.
    fn skip_validated(&mut self) -> Result<()> {
        self.skip_ws();
        let bytes = self.src.as_bytes();
        let mut depth = 0usize;
        loop {
            let byte = *bytes.get(self.pos).ok_or(Error)?;
            self.pos += 1;
            match byte {
                b'"' => loop {
                    self.skip_plain()?;
                    let special = *bytes.get(self.pos).ok_or(Error)?;
                    self.pos += if special == b'\\' { 2 } else { 1 };
                    if special == b'"' {
                        break;
                    }
                },
                b'{' | b'[' => depth += 1,
                b'}' | b']' => depth = depth.checked_sub(1).ok_or(Error)?,
                _ if depth == 0 => {
                    while !matches!(bytes.get(self.pos), None | Some(b',' | b'}' | b']' | b' ' | b'\n' | b'\r' | b'\t')) {
                        self.pos += 1;
                    }
                }
                _ => {}
            }
            if depth == 0 {
                return Ok(());
            }
        }
    }

    /// `open`, comma-separated items each read by `item`, then `close`.
    fn items(&mut self, open: u8, close: u8, item: &mut dyn FnMut(&mut Self) -> Result<()>) -> Result<()> {
        self.eat(open)?;
        if self.peek_token()? == close {
            self.pos += 1;
            return Ok(());
        }
        loop {
            item(self)?;
            match self.peek_token()? {
                b',' => self.pos += 1,
                b if b == close => {
                    self.pos += 1;
                    return Ok(());
                }
                _ => return Err(Error),
            }
        }
    }

    /// An object whose known `fields` are read by `field(de, index)`; other keys' values are
    /// skipped, and a known key seen twice is an error (as serde's derive has it).
    fn object(&mut self, fields: &[&str], field: &mut dyn FnMut(&mut Self, usize) -> Result<()>) -> Result<()> {
        let mut seen = 0u32;
        self.items(b'{', b'}', &mut |de| {
            let key = de.parse_str()?;
            de.eat(b':')?;
            match fields.iter().position(|f| *f == key) {
                Some(i) if seen & (1 << i) != 0 => Err(Error),
                Some(i) => {
                    seen |= 1 << i;
                    field(de, i)
                }
                None => de.skip_value(0),
            }
        })
    }
}

impl<'a> FromJson<'a> for Raw<'a> {
    fn read(de: &mut Deserializer<'a>) -> Result<Self> {
        de.skip_ws();
        let start = de.pos;
        de.skip_value(0)?;
        de.slice(start).map(Raw)
    }
}

impl<'a> FromJson<'a> for Cow<'a, str> {
    fn read(de: &mut Deserializer<'a>) -> Result<Self> {
        de.parse_str()
    }
}

impl<'a> FromJson<'a> for &'a str {
    /// Only a string without escapes can be borrowed.
    fn read(de: &mut Deserializer<'a>) -> Result<Self> {
        match de.parse_str()? {
            Cow::Borrowed(s) => Ok(s),
            Cow::Owned(_) => Err(Error),
        }
    }
}

impl<'a> FromJson<'a> for String {
    fn read(de: &mut Deserializer<'a>) -> Result<Self> {
        de.parse_str().map(Cow::into_owned)
    }
}

impl<'a> FromJson<'a> for bool {
    fn read(de: &mut Deserializer<'a>) -> Result<Self> {
        let value = de.peek_token()? == b't';
        de.eat_literal(if value { "true" } else { "false" })?;
        Ok(value)
    }
}

impl<'a> FromJson<'a> for u64 {
    fn read(de: &mut Deserializer<'a>) -> Result<Self> {
        match de.parse_int()? {
            Int::Pos(n) => Ok(n),
            Int::Neg(_) => Err(Error),
        }
    }
}

impl<'a> FromJson<'a> for u32 {
    fn read(de: &mut Deserializer<'a>) -> Result<Self> {
        u32::try_from(u64::read(de)?).map_err(|_| Error)
    }
}

impl<'a> FromJson<'a> for i64 {
    fn read(de: &mut Deserializer<'a>) -> Result<Self> {
        match de.parse_int()? {
            Int::Pos(n) => i64::try_from(n).map_err(|_| Error),
            Int::Neg(n) => Ok(n),
        }
    }
}

impl<'a, T: FromJson<'a>> FromJson<'a> for Option<T> {
    /// `null` is `None`.
    fn read(de: &mut Deserializer<'a>) -> Result<Self> {
        if de.null()? {
            return Ok(None);
        }
        T::read(de).map(Some)
    }
}

impl<'a, T: FromJson<'a>> FromJson<'a> for Vec<T> {
    fn read(de: &mut Deserializer<'a>) -> Result<Self> {
        let mut list = Vec::new();
        de.items(b'[', b']', &mut |de| {
            list.push(T::read(de)?);
            Ok(())
        })?;
        Ok(list)
    }
}

impl<'a> FromJson<'a> for UserId {
    /// A number that fits `i64`, or a string (serde's untagged enum: nothing else).
    fn read(de: &mut Deserializer<'a>) -> Result<Self> {
        if de.peek_token()? == b'"' {
            return String::read(de).map(UserId::Str);
        }
        i64::read(de).map(UserId::Num)
    }
}

/// Sets `slot` from the value at the cursor.
fn set<'a, T: FromJson<'a>>(slot: &mut Option<T>, de: &mut Deserializer<'a>) -> Result<()> {
    *slot = Some(T::read(de)?);
    Ok(())
}

/// A required field that was present.
fn required<T>(slot: Option<T>) -> Result<T> {
    slot.ok_or(Error)
}

impl<'a> FromJson<'a> for Envelope<'a, Raw<'a>> {
    fn read(de: &mut Deserializer<'a>) -> Result<Self> {
        let (mut kind, mut plan_id, mut data, mut timestamp, mut seq) = (None, None, None, None, None);
        de.object(&["type", "planId", "data", "timestamp", "seq"], &mut |de, i| match i {
            0 => set(&mut kind, de),
            1 => set(&mut plan_id, de),
            2 => set(&mut data, de),
            3 => set(&mut timestamp, de),
            _ => set(&mut seq, de),
        })?;
        Ok(Envelope {
            kind: required(kind)?,
            plan_id: plan_id.flatten(),
            data: data.flatten(),
            timestamp: timestamp.flatten(),
            seq: seq.flatten(),
        })
    }
}

impl<'a> FromJson<'a> for Connected {
    fn read(de: &mut Deserializer<'a>) -> Result<Self> {
        let (mut user_id, mut connected, mut timestamp, mut connection_id) = (None, None, None, None);
        de.object(&["userId", "connected", "timestamp", "connectionId"], &mut |de, i| match i {
            0 => set(&mut user_id, de),
            1 => set(&mut connected, de),
            2 => set(&mut timestamp, de),
            _ => set(&mut connection_id, de),
        })?;
        Ok(Connected {
            user_id: required(user_id)?,
            connected: required(connected)?,
            timestamp: required(timestamp)?,
            connection_id: connection_id.flatten(),
        })
    }
}

impl<'a> FromJson<'a> for Participant {
    fn read(de: &mut Deserializer<'a>) -> Result<Self> {
        let (mut user_id, mut user_name) = (None, None);
        de.object(&["userId", "userName"], &mut |de, i| match i {
            0 => set(&mut user_id, de),
            _ => set(&mut user_name, de),
        })?;
        Ok(Participant { user_id: required(user_id)?, user_name: required(user_name)? })
    }
}

impl<'a> FromJson<'a> for JoinConfirm {
    fn read(de: &mut Deserializer<'a>) -> Result<Self> {
        let (mut success, mut count, mut participants, mut recovered, mut seq) = (None, None, None, None, None);
        de.object(&["success", "participantCount", "participants", "recovered", "seq"], &mut |de, i| match i {
            0 => set(&mut success, de),
            1 => set(&mut count, de),
            2 => set(&mut participants, de),
            3 => set(&mut recovered, de),
            _ => set(&mut seq, de),
        })?;
        Ok(JoinConfirm {
            success: required(success)?,
            participant_count: required(count)?,
            participants: required(participants)?,
            recovered: recovered.flatten(),
            seq: seq.flatten(),
        })
    }
}

impl<'a> FromJson<'a> for UserJoined {
    fn read(de: &mut Deserializer<'a>) -> Result<Self> {
        let (mut user_id, mut user_name, mut count) = (None, None, None);
        de.object(&["userId", "userName", "participantCount"], &mut |de, i| match i {
            0 => set(&mut user_id, de),
            1 => set(&mut user_name, de),
            _ => set(&mut count, de),
        })?;
        Ok(UserJoined { user_id: required(user_id)?, user_name: required(user_name)?, participant_count: required(count)? })
    }
}

impl<'a> FromJson<'a> for UserLeft {
    fn read(de: &mut Deserializer<'a>) -> Result<Self> {
        let (mut user_id, mut count, mut user_name) = (None, None, None);
        de.object(&["userId", "participantCount", "userName"], &mut |de, i| match i {
            0 => set(&mut user_id, de),
            1 => set(&mut count, de),
            _ => set(&mut user_name, de),
        })?;
        Ok(UserLeft { user_id: required(user_id)?, participant_count: required(count)?, user_name: user_name.flatten() })
    }
}

impl<'a, T: FromJson<'a>> FromJson<'a> for TaskPayload<T> {
    fn read(de: &mut Deserializer<'a>) -> Result<Self> {
        let mut task = None;
        de.object(&["task"], &mut |de, _| set(&mut task, de))?;
        Ok(TaskPayload { task: required(task)? })
    }
}

impl<'a> FromJson<'a> for TaskDeleted {
    fn read(de: &mut Deserializer<'a>) -> Result<Self> {
        let mut task_id = None;
        de.object(&["taskId"], &mut |de, _| set(&mut task_id, de))?;
        Ok(TaskDeleted { task_id: required(task_id)? })
    }
}

impl<'a> FromJson<'a> for TaskReordered {
    fn read(de: &mut Deserializer<'a>) -> Result<Self> {
        let mut task_ids = None;
        de.object(&["taskIds"], &mut |de, _| set(&mut task_ids, de))?;
        Ok(TaskReordered { task_ids: required(task_ids)? })
    }
}

impl<'a> FromJson<'a> for Progress {
    fn read(de: &mut Deserializer<'a>) -> Result<Self> {
        let mut counts = [None; 3];
        de.object(&["totalTasks", "completedTasks", "completionPercentage"], &mut |de, i| match counts.get_mut(i) {
            Some(slot) => set(slot, de),
            None => Err(Error),
        })?;
        let [total, completed, percentage] = counts;
        Ok(Progress {
            total_tasks: required(total)?,
            completed_tasks: required(completed)?,
            completion_percentage: required(percentage)?,
        })
    }
}

impl<'a> FromJson<'a> for ProgressPayload {
    fn read(de: &mut Deserializer<'a>) -> Result<Self> {
        let mut progress = None;
        de.object(&["progress"], &mut |de, _| set(&mut progress, de))?;
        Ok(ProgressPayload { progress: required(progress)? })
    }
}

impl<'a> FromJson<'a> for ErrorData<'a> {
    fn read(de: &mut Deserializer<'a>) -> Result<Self> {
        let (mut code, mut message, mut plan_id, mut retry) = (None, None, None, None);
        de.object(&["code", "message", "planId", "retryAfterMs"], &mut |de, i| match i {
            0 => set(&mut code, de),
            1 => set(&mut message, de),
            2 => set(&mut plan_id, de),
            _ => set(&mut retry, de),
        })?;
        Ok(ErrorData {
            code: required(code)?,
            message: required(message)?,
            plan_id: plan_id.flatten(),
            retry_after_ms: retry.flatten(),
        })
    }
}
