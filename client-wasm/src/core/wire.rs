//! A minimal JSON format for serde, sized for the browser: the protocol crate's types decode and
//! encode through it unchanged, but errors carry no message (a bad frame is just bad), typed
//! fields take integers only (no protocol field the client decodes is a float), and [`Raw`]
//! captures any value's text untouched (tasks, unknown payloads). This keeps `core::fmt`, float
//! printing and serde_json's machinery out of the wasm binary. Never panics; nesting is bounded.

use alloc::string::String;
use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde::ser::{self, Serialize};
use serde::Deserialize;
use alloc::borrow::Cow;

/// The JSON was malformed or did not fit the type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Error;

impl ::core::fmt::Display for Error {
    fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
        f.write_str("invalid JSON")
    }
}

impl de::StdError for Error {}

impl de::Error for Error {
    fn custom<T: ::core::fmt::Display>(_: T) -> Self {
        Error
    }
}

impl ser::Error for Error {
    fn custom<T: ::core::fmt::Display>(_: T) -> Self {
        Error
    }
}

type Result<T> = ::core::result::Result<T, Error>;

/// Deepest nesting accepted inside a skipped or raw value.
const MAX_DEPTH: u32 = 64;

/// The name that makes [`Raw`] capture text instead of decoding.
const RAW: &str = "$planwire::wire::Raw";

/// The exact JSON text of one value (an object, array, string, number or literal).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Raw<'a>(pub &'a str);

impl<'a> Raw<'a> {
    /// The JSON text.
    pub fn get(&self) -> &'a str {
        self.0
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Raw<'a> {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> ::core::result::Result<Self, D::Error> {
        struct RawVisitor;
        impl<'de> Visitor<'de> for RawVisitor {
            type Value = Raw<'de>;
            fn expecting(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_borrowed_str<E: de::Error>(self, text: &'de str) -> ::core::result::Result<Raw<'de>, E> {
                Ok(Raw(text))
            }
        }
        deserializer.deserialize_newtype_struct(RAW, RawVisitor)
    }
}

/// Decodes `T` from the whole of `text` (whitespace around it allowed).
pub fn from_str<'a, T: Deserialize<'a>>(text: &'a str) -> Result<T> {
    let mut de = Deserializer { src: text, pos: 0 };
    let value = T::deserialize(&mut de)?;
    de.skip_ws();
    if de.pos == text.len() {
        Ok(value)
    } else {
        Err(Error)
    }
}

/// Encodes `value` (structs of strings, integers, booleans and options); `None` if it holds
/// anything else.
pub fn to_string<T: Serialize>(value: &T) -> Option<String> {
    let mut out = String::with_capacity(64);
    value.serialize(Serializer { out: &mut out }).ok()?;
    Some(out)
}

/// A cursor over the JSON text.
pub struct Deserializer<'de> {
    src: &'de str,
    pos: usize,
}

/// An integer as written.
enum Int {
    Pos(u64),
    Neg(i64),
}

impl<'de> Deserializer<'de> {
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

    fn slice(&self, start: usize) -> Result<&'de str> {
        self.src.get(start..self.pos).ok_or(Error)
    }

    /// A string; borrowed when it has no escapes.
    fn parse_str(&mut self) -> Result<Cow<'de, str>> {
        self.eat(b'"')?;
        let start = self.pos;
        loop {
            match self.peek().ok_or(Error)? {
                b'"' => {
                    let text = self.slice(start)?;
                    self.pos += 1;
                    return Ok(Cow::Borrowed(text));
                }
                b'\\' => break,
                0..=0x1f => return Err(Error),
                _ => self.pos += 1,
            }
        }
        let mut owned = String::from(self.slice(start)?);
        loop {
            let run = self.pos;
            while !matches!(self.peek().ok_or(Error)?, b'"' | b'\\' | 0..=0x1f) {
                self.pos += 1;
            }
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

    /// An integer that fits `u64` (or `i64` when negative); fractions and exponents refused.
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
        if n > 1u64 << 63 {
            return Err(Error);
        }
        Ok(Int::Neg((n as i64).wrapping_neg()))
    }

    /// Skips one value of any kind, checking its syntax; nesting is bounded by [`MAX_DEPTH`].
    fn skip_value(&mut self, depth: u32) -> Result<()> {
        if depth > MAX_DEPTH {
            return Err(Error);
        }
        match self.peek_token()? {
            b'"' => self.parse_str().map(drop),
            b't' => self.eat_literal("true"),
            b'f' => self.eat_literal("false"),
            b'n' => self.eat_literal("null"),
            b'[' => {
                self.pos += 1;
                if self.peek_token()? == b']' {
                    self.pos += 1;
                    return Ok(());
                }
                loop {
                    self.skip_value(depth + 1)?;
                    match self.peek_token()? {
                        b',' => self.pos += 1,
                        b']' => {
                            self.pos += 1;
                            return Ok(());
                        }
                        _ => return Err(Error),
                    }
                }
            }
            b'{' => {
                self.pos += 1;
                if self.peek_token()? == b'}' {
                    self.pos += 1;
                    return Ok(());
                }
                loop {
                    self.parse_str()?;
                    self.eat(b':')?;
                    self.skip_value(depth + 1)?;
                    match self.peek_token()? {
                        b',' => self.pos += 1,
                        b'}' => {
                            self.pos += 1;
                            return Ok(());
                        }
                        _ => return Err(Error),
                    }
                }
            }
            _ => self.skip_number().map(drop),
        }
    }

    fn visit_str<V: Visitor<'de>>(&mut self, visitor: V) -> Result<V::Value> {
        match self.parse_str()? {
            Cow::Borrowed(s) => visitor.visit_borrowed_str(s),
            Cow::Owned(s) => visitor.visit_string(s),
        }
    }

    fn visit_int<V: Visitor<'de>>(&mut self, visitor: V) -> Result<V::Value> {
        match self.parse_int()? {
            Int::Pos(n) => visitor.visit_u64(n),
            Int::Neg(n) => visitor.visit_i64(n),
        }
    }
}

/// Elements of an array or entries of an object, comma-separated.
struct Items<'a, 'de> {
    de: &'a mut Deserializer<'de>,
    close: u8,
    first: bool,
}

impl<'de> Items<'_, 'de> {
    /// Whether another item follows (consumes the comma before it).
    fn more(&mut self) -> Result<bool> {
        let next = self.de.peek_token()?;
        if next == self.close {
            return Ok(false);
        }
        if !self.first {
            if next != b',' {
                return Err(Error);
            }
            self.de.pos += 1;
        }
        self.first = false;
        Ok(true)
    }
}

impl<'de> SeqAccess<'de> for Items<'_, 'de> {
    type Error = Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>> {
        if !self.more()? {
            return Ok(None);
        }
        seed.deserialize(&mut *self.de).map(Some)
    }
}

impl<'de> MapAccess<'de> for Items<'_, 'de> {
    type Error = Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>> {
        if !self.more()? {
            return Ok(None);
        }
        if self.de.peek_token()? != b'"' {
            return Err(Error);
        }
        let key = seed.deserialize(&mut *self.de)?;
        self.de.eat(b':')?;
        Ok(Some(key))
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value> {
        seed.deserialize(&mut *self.de)
    }
}

impl<'de> Deserializer<'de> {
    /// `open`, the visitor's items, then `close` (items the visitor left unread are an error).
    fn container<V: Visitor<'de>>(&mut self, open: u8, close: u8, visit: impl FnOnce(Items<'_, 'de>) -> Result<V::Value>) -> Result<V::Value> {
        self.eat(open)?;
        let value = visit(Items { de: &mut *self, close, first: true })?;
        self.eat(close)?;
        Ok(value)
    }
}

impl<'de> de::Deserializer<'de> for &mut Deserializer<'de> {
    type Error = Error;

    /// Scalars only (strings, integers, booleans, null): the one untyped value the client decodes
    /// is a user id, and supporting containers here would link serde's whole buffering machinery.
    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        match self.peek_token()? {
            b'"' => self.visit_str(visitor),
            b't' | b'f' => self.deserialize_bool(visitor),
            b'n' => self.deserialize_unit(visitor),
            b'[' | b'{' => Err(Error),
            _ => self.visit_int(visitor),
        }
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        if self.peek_token()? == b't' {
            self.eat_literal("true")?;
            visitor.visit_bool(true)
        } else {
            self.eat_literal("false")?;
            visitor.visit_bool(false)
        }
    }

    fn deserialize_i64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.visit_int(visitor)
    }

    fn deserialize_u64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.visit_int(visitor)
    }

    fn deserialize_f64<V: Visitor<'de>>(self, _: V) -> Result<V::Value> {
        Err(Error)
    }

    fn deserialize_char<V: Visitor<'de>>(self, _: V) -> Result<V::Value> {
        Err(Error)
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.visit_str(visitor)
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.visit_str(visitor)
    }

    fn deserialize_bytes<V: Visitor<'de>>(self, _: V) -> Result<V::Value> {
        Err(Error)
    }

    fn deserialize_byte_buf<V: Visitor<'de>>(self, _: V) -> Result<V::Value> {
        Err(Error)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        if self.peek_token()? == b'n' {
            self.eat_literal("null")?;
            visitor.visit_none()
        } else {
            visitor.visit_some(self)
        }
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.eat_literal("null")?;
        visitor.visit_unit()
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(self, _: &'static str, visitor: V) -> Result<V::Value> {
        self.deserialize_unit(visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(self, name: &'static str, visitor: V) -> Result<V::Value> {
        if name != RAW {
            return visitor.visit_newtype_struct(self);
        }
        self.skip_ws();
        let start = self.pos;
        self.skip_value(0)?;
        visitor.visit_borrowed_str(self.slice(start)?)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.container::<V>(b'[', b']', |items| visitor.visit_seq(items))
    }

    fn deserialize_tuple<V: Visitor<'de>>(self, _: usize, visitor: V) -> Result<V::Value> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(self, _: &'static str, _: usize, visitor: V) -> Result<V::Value> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.container::<V>(b'{', b'}', |items| visitor.visit_map(items))
    }

    fn deserialize_struct<V: Visitor<'de>>(self, _: &'static str, _: &'static [&'static str], visitor: V) -> Result<V::Value> {
        self.deserialize_map(visitor)
    }

    fn deserialize_enum<V: Visitor<'de>>(self, _: &'static str, _: &'static [&'static str], _: V) -> Result<V::Value> {
        Err(Error)
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.visit_str(visitor)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.skip_value(0)?;
        visitor.visit_unit()
    }

    fn deserialize_u32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.visit_int(visitor)
    }

    serde::forward_to_deserialize_any! { i8 i16 i32 i128 u8 u16 u128 f32 }
}

/// Writes JSON into a `String`: structs, strings, integers, booleans and options only.
pub struct Serializer<'a> {
    out: &'a mut String,
}

/// Fields of a struct being written.
pub struct Fields<'a> {
    out: &'a mut String,
    first: bool,
}

impl ser::SerializeStruct for Fields<'_> {
    type Ok = ();
    type Error = Error;

    fn serialize_field<T: ?Sized + Serialize>(&mut self, key: &'static str, value: &T) -> Result<()> {
        if !self.first {
            self.out.push(',');
        }
        self.first = false;
        super::json::push_str(self.out, key);
        self.out.push(':');
        value.serialize(Serializer { out: self.out })
    }

    fn end(self) -> Result<()> {
        self.out.push('}');
        Ok(())
    }
}

impl<'a> ser::Serializer for Serializer<'a> {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = ser::Impossible<(), Error>;
    type SerializeTuple = ser::Impossible<(), Error>;
    type SerializeTupleStruct = ser::Impossible<(), Error>;
    type SerializeTupleVariant = ser::Impossible<(), Error>;
    type SerializeMap = ser::Impossible<(), Error>;
    type SerializeStruct = Fields<'a>;
    type SerializeStructVariant = ser::Impossible<(), Error>;

    fn serialize_bool(self, v: bool) -> Result<()> {
        self.out.push_str(if v { "true" } else { "false" });
        Ok(())
    }

    fn serialize_i64(self, v: i64) -> Result<()> {
        super::json::push_i64(self.out, v);
        Ok(())
    }

    fn serialize_u64(self, v: u64) -> Result<()> {
        super::json::push_u64(self.out, v);
        Ok(())
    }

    fn serialize_str(self, v: &str) -> Result<()> {
        super::json::push_str(self.out, v);
        Ok(())
    }

    fn serialize_none(self) -> Result<()> {
        self.out.push_str("null");
        Ok(())
    }

    fn serialize_some<T: ?Sized + Serialize>(self, value: &T) -> Result<()> {
        value.serialize(self)
    }

    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Fields<'a>> {
        self.out.push('{');
        Ok(Fields { out: self.out, first: true })
    }

    fn serialize_i8(self, v: i8) -> Result<()> {
        self.serialize_i64(i64::from(v))
    }
    fn serialize_i16(self, v: i16) -> Result<()> {
        self.serialize_i64(i64::from(v))
    }
    fn serialize_i32(self, v: i32) -> Result<()> {
        self.serialize_i64(i64::from(v))
    }
    fn serialize_u8(self, v: u8) -> Result<()> {
        self.serialize_u64(u64::from(v))
    }
    fn serialize_u16(self, v: u16) -> Result<()> {
        self.serialize_u64(u64::from(v))
    }
    fn serialize_u32(self, v: u32) -> Result<()> {
        self.serialize_u64(u64::from(v))
    }
    fn serialize_f32(self, _: f32) -> Result<()> {
        Err(Error)
    }
    fn serialize_f64(self, _: f64) -> Result<()> {
        Err(Error)
    }
    fn serialize_char(self, _: char) -> Result<()> {
        Err(Error)
    }
    fn serialize_bytes(self, _: &[u8]) -> Result<()> {
        Err(Error)
    }
    fn serialize_unit(self) -> Result<()> {
        self.serialize_none()
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<()> {
        self.serialize_none()
    }
    fn serialize_unit_variant(self, _: &'static str, _: u32, variant: &'static str) -> Result<()> {
        self.serialize_str(variant)
    }
    fn serialize_newtype_struct<T: ?Sized + Serialize>(self, _: &'static str, value: &T) -> Result<()> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: ?Sized + Serialize>(self, _: &'static str, _: u32, _: &'static str, _: &T) -> Result<()> {
        Err(Error)
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq> {
        Err(Error)
    }
    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple> {
        Err(Error)
    }
    fn serialize_tuple_struct(self, _: &'static str, _: usize) -> Result<Self::SerializeTupleStruct> {
        Err(Error)
    }
    fn serialize_tuple_variant(self, _: &'static str, _: u32, _: &'static str, _: usize) -> Result<Self::SerializeTupleVariant> {
        Err(Error)
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap> {
        Err(Error)
    }
    fn serialize_struct_variant(self, _: &'static str, _: u32, _: &'static str, _: usize) -> Result<Self::SerializeStructVariant> {
        Err(Error)
    }
}
