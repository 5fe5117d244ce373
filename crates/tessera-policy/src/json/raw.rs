//! A small JSON reader that remembers where every value starts.
//!
//! `serde_json::Value` forgets positions, and AWS-style validation wants to
//! point at the offending element, so policies are read with this parser
//! first. It accepts exactly RFC 8259 JSON (so no byte order mark), keeps
//! object keys in order and limits nesting depth so hostile input cannot
//! exhaust the stack.

use super::err::JsonError;
pub use super::pos::Position;
use std::cell::Cell;

/// A JSON value with the positions where it starts and ends.
#[derive(Debug, Clone, PartialEq)]
pub struct Spanned {
    /// The value.
    pub value: Value,
    /// Where the value starts.
    pub pos: Position,
    /// Just past the value's last character.
    pub end: Position,
}

/// A JSON value; numbers keep their source text.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// `null`
    Null,
    /// `true` / `false`
    Bool(bool),
    /// A number, as written.
    Number(String),
    /// A string, unescaped.
    String(String),
    /// An array.
    Array(Vec<Spanned>),
    /// An object with its members in source order.
    Object(Vec<Member>),
}

/// One member of a JSON object.
#[derive(Debug, Clone, PartialEq)]
pub struct Member {
    /// The key, unescaped.
    pub key: String,
    /// Where the key starts.
    pub key_pos: Position,
    /// The value.
    pub value: Spanned,
}

impl Value {
    /// A short name of the JSON type, for messages.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "a boolean",
            Value::Number(_) => "a number",
            Value::String(_) => "a string",
            Value::Array(_) => "an array",
            Value::Object(_) => "an object",
        }
    }
}

const MAX_DEPTH: usize = 64;

/// Parses `text` as one JSON value.
pub fn parse(text: &str) -> Result<Spanned, JsonError> {
    let mut p = Parser {
        src: text,
        bytes: text.as_bytes(),
        i: 0,
        line: 1,
        line_start: 0,
        col_cache: Cell::new((0, 0)),
    };
    // A byte order mark is not JSON white space (RFC 8259, section 8.1); it
    // is refused as an unexpected character like any other.
    p.skip_ws();
    let v = p.value(0)?;
    p.skip_ws();
    if p.i < p.bytes.len() {
        return Err(p.err("unexpected characters after the JSON document"));
    }
    Ok(v)
}

struct Parser<'a> {
    src: &'a str,
    bytes: &'a [u8],
    i: usize,
    line: u32,
    line_start: usize,
    /// (byte offset, characters since line start) of the last column
    /// computed, so that columns on long one-line documents cost O(n) in
    /// total rather than O(n) each.
    col_cache: Cell<(usize, usize)>,
}

impl Parser<'_> {
    fn pos(&self) -> Position {
        let (cached_at, cached_col) = self.col_cache.get();
        let (from, base) = if cached_at >= self.line_start && cached_at <= self.i {
            (cached_at, cached_col)
        } else {
            (self.line_start.min(self.i), 0)
        };
        let col = base
            + self
                .src
                .get(from..self.i)
                .map(|s| s.chars().count())
                .unwrap_or(0);
        self.col_cache.set((self.i, col));
        Position {
            line: self.line,
            column: u32::try_from(col + 1).unwrap_or(u32::MAX),
        }
    }

    fn err(&self, msg: &str) -> JsonError {
        JsonError {
            detail: msg.to_string(),
            pos: self.pos(),
        }
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.i).copied()
    }

    fn skip_ws(&mut self) {
        while let Some(b) = self.peek() {
            match b {
                b' ' | b'\t' | b'\r' => self.i += 1,
                b'\n' => {
                    self.i += 1;
                    self.line += 1;
                    self.line_start = self.i;
                }
                _ => break,
            }
        }
    }

    fn expect_lit(&mut self, lit: &str) -> Result<(), JsonError> {
        if self.src[self.i..].starts_with(lit) {
            self.i += lit.len();
            Ok(())
        } else {
            Err(self.err("invalid literal"))
        }
    }

    fn value(&mut self, depth: usize) -> Result<Spanned, JsonError> {
        if depth > MAX_DEPTH {
            return Err(self.err("nesting too deep"));
        }
        let pos = self.pos();
        let value = match self.peek() {
            None => return Err(self.err("unexpected end of input")),
            Some(b'{') => self.object(depth)?,
            Some(b'[') => self.array(depth)?,
            Some(b'"') => Value::String(self.string()?),
            Some(b't') => {
                self.expect_lit("true")?;
                Value::Bool(true)
            }
            Some(b'f') => {
                self.expect_lit("false")?;
                Value::Bool(false)
            }
            Some(b'n') => {
                self.expect_lit("null")?;
                Value::Null
            }
            Some(b'-' | b'0'..=b'9') => Value::Number(self.number()?),
            Some(_) => return Err(self.err("unexpected character")),
        };
        Ok(Spanned {
            value,
            pos,
            end: self.pos(),
        })
    }

    fn object(&mut self, depth: usize) -> Result<Value, JsonError> {
        self.i += 1; // '{'
        let mut members: Vec<Member> = Vec::new();
        self.skip_ws();
        if self.peek() == Some(b'}') {
            self.i += 1;
            return Ok(Value::Object(members));
        }
        loop {
            self.skip_ws();
            if self.peek() != Some(b'"') {
                return Err(self.err("expected a string key"));
            }
            let key_pos = self.pos();
            let key = self.string()?;
            if members.iter().any(|m| m.key == key) {
                return Err(JsonError {
                    detail: format!("duplicate key \"{key}\""),
                    pos: key_pos,
                });
            }
            self.skip_ws();
            if self.peek() != Some(b':') {
                return Err(self.err("expected ':'"));
            }
            self.i += 1;
            self.skip_ws();
            let value = self.value(depth + 1)?;
            members.push(Member {
                key,
                key_pos,
                value,
            });
            self.skip_ws();
            match self.peek() {
                Some(b',') => self.i += 1,
                Some(b'}') => {
                    self.i += 1;
                    return Ok(Value::Object(members));
                }
                _ => return Err(self.err("expected ',' or '}'")),
            }
        }
    }

    fn array(&mut self, depth: usize) -> Result<Value, JsonError> {
        self.i += 1; // '['
        let mut items = Vec::new();
        self.skip_ws();
        if self.peek() == Some(b']') {
            self.i += 1;
            return Ok(Value::Array(items));
        }
        loop {
            self.skip_ws();
            items.push(self.value(depth + 1)?);
            self.skip_ws();
            match self.peek() {
                Some(b',') => self.i += 1,
                Some(b']') => {
                    self.i += 1;
                    return Ok(Value::Array(items));
                }
                _ => return Err(self.err("expected ',' or ']'")),
            }
        }
    }

    fn number(&mut self) -> Result<String, JsonError> {
        let start = self.i;
        if self.peek() == Some(b'-') {
            self.i += 1;
        }
        match self.peek() {
            Some(b'0') => self.i += 1,
            Some(b'1'..=b'9') => {
                while matches!(self.peek(), Some(b'0'..=b'9')) {
                    self.i += 1;
                }
            }
            _ => return Err(self.err("invalid number")),
        }
        if self.peek() == Some(b'.') {
            self.i += 1;
            if !matches!(self.peek(), Some(b'0'..=b'9')) {
                return Err(self.err("invalid number"));
            }
            while matches!(self.peek(), Some(b'0'..=b'9')) {
                self.i += 1;
            }
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.i += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.i += 1;
            }
            if !matches!(self.peek(), Some(b'0'..=b'9')) {
                return Err(self.err("invalid number"));
            }
            while matches!(self.peek(), Some(b'0'..=b'9')) {
                self.i += 1;
            }
        }
        Ok(self.src[start..self.i].to_string())
    }

    fn hex4(&mut self) -> Result<u32, JsonError> {
        let digits = self
            .src
            .get(self.i..self.i + 4)
            .ok_or_else(|| self.err("invalid \\u escape"))?;
        if !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(self.err("invalid \\u escape"));
        }
        let v = u32::from_str_radix(digits, 16).map_err(|_| self.err("invalid \\u escape"))?;
        self.i += 4;
        Ok(v)
    }

    fn string(&mut self) -> Result<String, JsonError> {
        self.i += 1; // opening quote
        let mut out = String::new();
        loop {
            let start = self.i;
            while let Some(b) = self.peek() {
                if b == b'"' || b == b'\\' || b < 0x20 {
                    break;
                }
                self.i += 1;
            }
            out.push_str(&self.src[start..self.i]);
            match self.peek() {
                None => return Err(self.err("unterminated string")),
                Some(b'"') => {
                    self.i += 1;
                    return Ok(out);
                }
                Some(b'\\') => {
                    self.i += 1;
                    let Some(e) = self.peek() else {
                        return Err(self.err("unterminated string"));
                    };
                    self.i += 1;
                    match e {
                        b'"' => out.push('"'),
                        b'\\' => out.push('\\'),
                        b'/' => out.push('/'),
                        b'b' => out.push('\u{8}'),
                        b'f' => out.push('\u{c}'),
                        b'n' => out.push('\n'),
                        b'r' => out.push('\r'),
                        b't' => out.push('\t'),
                        b'u' => {
                            let hi = self.hex4()?;
                            let c = if (0xD800..0xDC00).contains(&hi) {
                                if !self.src[self.i..].starts_with("\\u") {
                                    return Err(self.err("unpaired surrogate"));
                                }
                                self.i += 2;
                                let lo = self.hex4()?;
                                if !(0xDC00..0xE000).contains(&lo) {
                                    return Err(self.err("unpaired surrogate"));
                                }
                                0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00)
                            } else {
                                hi
                            };
                            let ch = char::from_u32(c)
                                .ok_or_else(|| self.err("invalid unicode escape"))?;
                            out.push(ch);
                        }
                        _ => return Err(self.err("invalid escape")),
                    }
                }
                Some(_) => return Err(self.err("control character in string")),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_are_one_based() {
        let v = parse("{\n  \"a\": [1, \"x\"]\n}").expect("valid");
        let Value::Object(m) = &v.value else {
            panic!("object expected")
        };
        assert_eq!(m[0].key_pos, Position { line: 2, column: 3 });
        assert_eq!(m[0].value.pos, Position { line: 2, column: 8 });
        assert_eq!(
            m[0].value.end,
            Position {
                line: 2,
                column: 16
            }
        );
    }

    #[test]
    fn rejects_bad_json() {
        for bad in [
            "",
            "{",
            "{\"a\":}",
            "[1,]",
            "01",
            "\"\\x\"",
            "{\"a\":1,\"a\":2}",
            "1 2",
            "\"\u{1}\"",
            "\u{feff}{}",
        ] {
            assert!(parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn columns_on_a_long_line() {
        let mut text = String::from("[");
        for i in 0..20_000 {
            text.push_str(if i == 0 { "\"é\"" } else { ",\"é\"" });
        }
        text.push_str(",x]");
        let err = parse(&text).expect_err("x is not JSON");
        // '[' + 20,000 strings of 3 characters + 19,999 commas + ','.
        assert_eq!(err.pos.column, 1 + 60_000 + 19_999 + 1 + 1);
    }

    #[test]
    fn unicode_escapes() {
        let v = parse("\"\\u00e9\\ud83d\\ude00\"").expect("valid");
        assert_eq!(v.value, Value::String("é😀".into()));
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let s = "[".repeat(10_000);
        assert!(parse(&s).is_err());
    }
}
