//! JSON for trace files: a writer and a reader small enough for the page.
//!
//! The command line's reports go through `serde_json`; trace files, which the page also
//! writes and reads, go through this module instead, because `serde_json` in the wasm
//! measured 40 KB gzipped for the trace's export and import, against a budget with well
//! under 1 KB to spare. The writer produces exactly what `serde_json` does for the same
//! data (a test compares them on every scenario's trace); the reader keeps every number
//! as its text, so a seed reads back as the exact `u64` and a float as Rust parses it.
//!
//! It must not grow into a general JSON library: it knows objects, arrays, strings,
//! numbers, booleans and null, and nothing of the types written with it.

use thiserror::Error;

/// Deepest nesting the reader accepts (a trace nests four levels).
pub const DEPTH_MAX: usize = 64;

/// Why a text is not JSON the reader accepts.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum JsonError {
    /// Something other than the JSON grammar allows at this byte offset.
    #[error("bad JSON at byte {at}: expected {expected}")]
    Syntax {
        /// Byte offset.
        at: usize,
        /// What was expected there.
        expected: &'static str,
    },
    /// Arrays and objects nested deeper than [`DEPTH_MAX`].
    #[error("JSON nested deeper than {DEPTH_MAX} levels")]
    TooDeep,
}

/// A JSON value; numbers keep their text.
#[derive(Debug, Clone, PartialEq)]
pub enum Json {
    /// `null`.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A number, as written.
    Number(String),
    /// A string, unescaped.
    String(String),
    /// An array.
    Array(Vec<Json>),
    /// An object's members in the order written.
    Object(Vec<(String, Json)>),
}

impl Json {
    /// The member `name` of an object.
    pub fn get(&self, name: &str) -> Option<&Json> {
        match self {
            Json::Object(members) => members.iter().find(|(key, _)| key == name).map(|(_, value)| value),
            _ => None,
        }
    }

    /// The text of a string.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Json::String(text) => Some(text),
            _ => None,
        }
    }

    /// A number parsed as `T` (exactly as Rust parses its text).
    pub fn number<T: std::str::FromStr>(&self) -> Option<T> {
        match self {
            Json::Number(text) => text.parse().ok(),
            _ => None,
        }
    }
}

/// Reads one JSON value filling the whole text (whitespace around it allowed).
pub fn parse(text: &str) -> Result<Json, JsonError> {
    let mut reader = Reader { bytes: text.as_bytes(), at: 0 };
    let value = reader.value(0)?;
    reader.skip_whitespace();
    if reader.at != reader.bytes.len() {
        return Err(reader.error("the end of the text"));
    }
    Ok(value)
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Reader<'_> {
    fn error(&self, expected: &'static str) -> JsonError {
        JsonError::Syntax { at: self.at, expected }
    }

    fn skip_whitespace(&mut self) {
        while matches!(self.bytes.get(self.at), Some(b' ' | b'\n' | b'\r' | b'\t')) {
            self.at += 1;
        }
    }

    fn peek(&mut self) -> Option<u8> {
        self.skip_whitespace();
        self.bytes.get(self.at).copied()
    }

    fn expect(&mut self, byte: u8, expected: &'static str) -> Result<(), JsonError> {
        if self.peek() != Some(byte) {
            return Err(self.error(expected));
        }
        self.at += 1;
        Ok(())
    }

    fn value(&mut self, depth: usize) -> Result<Json, JsonError> {
        if depth > DEPTH_MAX {
            return Err(JsonError::TooDeep);
        }
        match self.peek() {
            Some(b'{') => self.object(depth),
            Some(b'[') => self.array(depth),
            Some(b'"') => self.string().map(Json::String),
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(b't') => self.word("true", Json::Bool(true)),
            Some(b'f') => self.word("false", Json::Bool(false)),
            Some(b'n') => self.word("null", Json::Null),
            _ => Err(self.error("a value")),
        }
    }

    fn word(&mut self, word: &'static str, value: Json) -> Result<Json, JsonError> {
        if !self.bytes[self.at..].starts_with(word.as_bytes()) {
            return Err(self.error(word));
        }
        self.at += word.len();
        Ok(value)
    }

    fn object(&mut self, depth: usize) -> Result<Json, JsonError> {
        self.at += 1;
        let mut members = Vec::new();
        if self.peek() == Some(b'}') {
            self.at += 1;
            return Ok(Json::Object(members));
        }
        loop {
            if self.peek() != Some(b'"') {
                return Err(self.error("a member name"));
            }
            let key = self.string()?;
            self.expect(b':', "':'")?;
            members.push((key, self.value(depth + 1)?));
            match self.peek() {
                Some(b',') => self.at += 1,
                Some(b'}') => {
                    self.at += 1;
                    return Ok(Json::Object(members));
                }
                _ => return Err(self.error("',' or '}'")),
            }
        }
    }

    fn array(&mut self, depth: usize) -> Result<Json, JsonError> {
        self.at += 1;
        let mut items = Vec::new();
        if self.peek() == Some(b']') {
            self.at += 1;
            return Ok(Json::Array(items));
        }
        loop {
            items.push(self.value(depth + 1)?);
            match self.peek() {
                Some(b',') => self.at += 1,
                Some(b']') => {
                    self.at += 1;
                    return Ok(Json::Array(items));
                }
                _ => return Err(self.error("',' or ']'")),
            }
        }
    }

    /// A number's text, checked against the JSON grammar.
    fn number(&mut self) -> Result<Json, JsonError> {
        let start = self.at;
        self.at += usize::from(self.bytes[self.at] == b'-');
        let digits = |reader: &mut Self| {
            let from = reader.at;
            while reader.bytes.get(reader.at).is_some_and(u8::is_ascii_digit) {
                reader.at += 1;
            }
            reader.at - from
        };
        let whole = digits(self);
        if whole == 0 || (whole > 1 && self.bytes[self.at - whole] == b'0') {
            return Err(self.error("digits without a leading zero"));
        }
        if self.bytes.get(self.at) == Some(&b'.') {
            self.at += 1;
            if digits(self) == 0 {
                return Err(self.error("digits after '.'"));
            }
        }
        if matches!(self.bytes.get(self.at), Some(b'e' | b'E')) {
            self.at += 1;
            if matches!(self.bytes.get(self.at), Some(b'+' | b'-')) {
                self.at += 1;
            }
            if digits(self) == 0 {
                return Err(self.error("exponent digits"));
            }
        }
        Ok(Json::Number(String::from_utf8_lossy(&self.bytes[start..self.at]).into_owned()))
    }

    fn string(&mut self) -> Result<String, JsonError> {
        self.at += 1;
        let mut text = Vec::new();
        loop {
            let Some(&byte) = self.bytes.get(self.at) else { return Err(self.error("'\"'")) };
            self.at += 1;
            match byte {
                b'"' => return String::from_utf8(text).map_err(|_| self.error("UTF-8 text")),
                b'\\' => self.escape(&mut text)?,
                0..=0x1f => return Err(self.error("no control character in a string")),
                _ => text.push(byte),
            }
        }
    }

    fn escape(&mut self, text: &mut Vec<u8>) -> Result<(), JsonError> {
        let Some(&byte) = self.bytes.get(self.at) else { return Err(self.error("an escape")) };
        self.at += 1;
        let single = match byte {
            b'"' | b'\\' | b'/' => byte,
            b'b' => 8,
            b'f' => 12,
            b'n' => b'\n',
            b'r' => b'\r',
            b't' => b'\t',
            b'u' => {
                let unit = self.hex4()?;
                let code = if (0xd800..0xdc00).contains(&unit) {
                    let low = if self.bytes[self.at..].starts_with(b"\\u") {
                        self.at += 2;
                        self.hex4()?
                    } else {
                        0
                    };
                    if !(0xdc00..0xe000).contains(&low) {
                        return Err(self.error("a low surrogate"));
                    }
                    0x10000 + ((unit - 0xd800) << 10) + (low - 0xdc00)
                } else {
                    unit
                };
                let character = char::from_u32(code).ok_or_else(|| self.error("a Unicode scalar"))?;
                text.extend_from_slice(character.encode_utf8(&mut [0; 4]).as_bytes());
                return Ok(());
            }
            _ => return Err(self.error("an escape")),
        };
        text.push(single);
        Ok(())
    }

    fn hex4(&mut self) -> Result<u32, JsonError> {
        let digits = self.bytes.get(self.at..self.at + 4).ok_or_else(|| self.error("four hex digits"))?;
        let text = std::str::from_utf8(digits).map_err(|_| self.error("four hex digits"))?;
        let unit = u32::from_str_radix(text, 16).map_err(|_| self.error("four hex digits"))?;
        self.at += 4;
        Ok(unit)
    }
}

/// Writes compact JSON, as `serde_json::to_string` does. The caller keeps the structure
/// right (a key before each member's value); the writer places the commas.
#[derive(Debug, Default)]
pub struct Writer {
    out: String,
}

impl Writer {
    /// An empty writer.
    pub fn new() -> Self {
        Self::default()
    }

    /// The text written.
    pub fn finish(self) -> String {
        self.out
    }

    fn separate(&mut self) {
        if !matches!(self.out.as_bytes().last(), None | Some(b'{' | b'[' | b':')) {
            self.out.push(',');
        }
    }

    /// Opens an object.
    pub fn begin_object(&mut self) {
        self.separate();
        self.out.push('{');
    }

    /// Closes an object.
    pub fn end_object(&mut self) {
        self.out.push('}');
    }

    /// Opens an array.
    pub fn begin_array(&mut self) {
        self.separate();
        self.out.push('[');
    }

    /// Closes an array.
    pub fn end_array(&mut self) {
        self.out.push(']');
    }

    /// A member's name; its value comes next.
    pub fn key(&mut self, name: &str) {
        self.string(name);
        self.out.push(':');
    }

    /// A string, escaped as `serde_json` escapes it.
    pub fn string(&mut self, text: &str) {
        self.separate();
        self.out.push('"');
        for character in text.chars() {
            match character {
                '"' => self.out.push_str("\\\""),
                '\\' => self.out.push_str("\\\\"),
                '\n' => self.out.push_str("\\n"),
                '\r' => self.out.push_str("\\r"),
                '\t' => self.out.push_str("\\t"),
                '\u{8}' => self.out.push_str("\\b"),
                '\u{c}' => self.out.push_str("\\f"),
                '\0'..='\u{1f}' => self.out.push_str(&format!("\\u{:04x}", character as u32)),
                _ => self.out.push(character),
            }
        }
        self.out.push('"');
    }

    /// A whole number (`negative` puts a minus sign before it).
    pub fn integer(&mut self, value: u64, negative: bool) {
        use std::fmt::Write;
        self.separate();
        if negative {
            self.out.push('-');
        }
        let _ = write!(self.out, "{value}");
    }

    /// A float: `null` when not finite, like `serde_json`; a whole one ends in `.0`.
    pub fn float(&mut self, value: f64) {
        self.separate();
        if !value.is_finite() {
            self.out.push_str("null");
            return;
        }
        let text = value.to_string();
        let whole = !text.contains(['.', 'e']);
        self.out.push_str(&text);
        if whole {
            self.out.push_str(".0");
        }
    }

    /// A member holding a string.
    pub fn string_member(&mut self, name: &str, value: &str) {
        self.key(name);
        self.string(value);
    }

    /// A member holding a whole number.
    pub fn integer_member(&mut self, name: &str, value: u64) {
        self.key(name);
        self.integer(value, false);
    }

    /// A member holding a float.
    pub fn float_member(&mut self, name: &str, value: f64) {
        self.key(name);
        self.float(value);
    }

    /// `true` or `false`.
    pub fn bool(&mut self, value: bool) {
        self.separate();
        self.out.push_str(if value { "true" } else { "false" });
    }

    /// `null`.
    pub fn null(&mut self) {
        self.separate();
        self.out.push_str("null");
    }

    /// A whole number, or `null`.
    pub fn optional(&mut self, value: Option<u64>) {
        match value {
            Some(value) => self.integer(value, false),
            None => self.null(),
        }
    }

    /// A string, or `null`.
    pub fn optional_string(&mut self, value: Option<&str>) {
        match value {
            Some(value) => self.string(value),
            None => self.null(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_what_it_writes_and_keeps_numbers_exact() {
        let mut writer = Writer::new();
        writer.begin_object();
        writer.key("seed");
        writer.integer(u64::MAX, false);
        writer.key("x");
        writer.float(0.1 + 0.2);
        writer.key("s");
        writer.string("a \"quoted\"\n\u{1}→ line");
        writer.key("list");
        writer.begin_array();
        writer.bool(true);
        writer.null();
        writer.float(2.0);
        writer.end_array();
        writer.end_object();
        let text = writer.finish();
        assert_eq!(
            text,
            r#"{"seed":18446744073709551615,"x":0.30000000000000004,"s":"a \"quoted\"\n\u0001→ line","list":[true,null,2.0]}"#
        );
        let value = parse(&text).expect("it reads back");
        assert_eq!(value.get("seed").and_then(Json::number::<u64>), Some(u64::MAX));
        assert_eq!(value.get("x").and_then(Json::number::<f64>), Some(0.1 + 0.2));
        assert_eq!(value.get("s").and_then(Json::as_str), Some("a \"quoted\"\n\u{1}→ line"));
    }

    #[test]
    fn rejects_what_json_does_not_allow() {
        for bad in
            ["", "{", "[1,]", "{\"a\" 1}", "01", "1.", "-", "\"\\x\"", "\"a", "tru", "[1] 2", "\"\\ud800\"", "1e"]
        {
            assert!(parse(bad).is_err(), "accepted {bad:?}");
        }
        let deep = "[".repeat(DEPTH_MAX + 2);
        assert_eq!(parse(&deep), Err(JsonError::TooDeep));
        assert_eq!(
            parse(" {\"a\" : [ 1 , -2.5e3 , \"\\u00e9\\ud83d\\ude00\" ] } ").map(|v| v.get("a").cloned()),
            Ok(Some(Json::Array(vec![
                Json::Number("1".into()),
                Json::Number("-2.5e3".into()),
                Json::String("é😀".into()),
            ])))
        );
    }
}
