//! The canonical JSON form of RFC 8785, the JSON Canonicalization Scheme
//! (JCS), used for hashing and signing.
//!
//! RFC 8785 fixes one byte sequence for every JSON value:
//!
//! - no whitespace between tokens;
//! - object members sorted by their names compared as arrays of UTF-16 code
//!   units;
//! - strings written with the fewest escapes: `\"`, `\\`, the short escapes
//!   `\b \t \n \f \r`, `\u00xx` (lowercase hex) for the other control
//!   characters, and every other character as itself in UTF-8;
//! - numbers read as IEEE 754 doubles and written as ECMAScript's
//!   `Number.prototype.toString` does (`1e+30`, `0.002`, `1e-7`, `-0` as `0`).
//!
//! Input must also be I-JSON (RFC 7493): duplicate member names, unpaired
//! UTF-16 surrogates and numbers beyond the range of a double are rejected.
//! Integers beyond 2^53 are accepted and rounded to the nearest double, as
//! ECMAScript's `JSON.parse` does.
//!
//! [`canonicalize`] works directly on the bytes of a document in one pass;
//! only the members of each object are buffered, to be sorted.
//!
//! ```
//! use liaison_record::canonicalize;
//!
//! let canonical = canonicalize(br#"{ "b": 1.50, "a": [true, 1E3] }"#)?;
//! assert_eq!(canonical, br#"{"a":[true,1000],"b":1.5}"#);
//! # Ok::<(), liaison_record::CanonicalError>(())
//! ```

use std::cmp::Ordering;
use std::fmt;

use serde_json::Value;

mod parse;
mod ser;

pub(crate) use ser::to_canonical_vec;

/// The deepest nesting of arrays and objects [`canonicalize`] accepts.
pub const MAX_DEPTH: usize = 128;

/// Where in a JSON text a problem is: a byte offset, and the line and column
/// (both from 1; the column counts characters).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TextPosition {
    offset: usize,
    line: usize,
    column: usize,
}

impl TextPosition {
    /// Locates byte `offset` of `text`.
    pub(crate) fn locate(text: &[u8], offset: usize) -> Self {
        let before = text.get(..offset).unwrap_or(text);
        let line = 1 + before.iter().filter(|&&b| b == b'\n').count();
        let line_start = before
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |p| p + 1);
        let column = 1 + before
            .iter()
            .skip(line_start)
            .filter(|&&b| (b & 0xC0) != 0x80)
            .count();
        Self {
            offset,
            line,
            column,
        }
    }

    /// The byte offset from the start of the text, from 0.
    pub fn offset(&self) -> usize {
        self.offset
    }

    /// The line, from 1.
    pub fn line(&self) -> usize {
        self.line
    }

    /// The column in characters, from 1.
    pub fn column(&self) -> usize {
        self.column
    }
}

impl fmt::Display for TextPosition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "line {}, column {} (byte {})",
            self.line, self.column, self.offset
        )
    }
}

/// Why a document has no canonical form.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CanonicalError {
    /// The bytes are not UTF-8.
    #[error("{at}: invalid UTF-8 (a JSON text must be encoded in UTF-8)")]
    InvalidUtf8 {
        /// Where the first invalid byte is.
        at: TextPosition,
    },
    /// The text is not JSON.
    #[error("{at}: expected {expected}, found {found}")]
    Syntax {
        /// Where the unexpected input is.
        at: TextPosition,
        /// What the grammar allows there.
        expected: &'static str,
        /// What is there instead.
        found: String,
    },
    /// An object has two members with the same name.
    #[error(
        "{at}: duplicate member name `{name}` (I-JSON allows each name once per object; remove or rename one)"
    )]
    DuplicateMember {
        /// Where the second occurrence starts.
        at: TextPosition,
        /// The name, decoded.
        name: String,
    },
    /// A `\u` escape names half of a surrogate pair without the other half.
    #[error(
        "{at}: lone surrogate `{escape}` (I-JSON forbids unpaired UTF-16 surrogates; write a high-low escape pair or the character itself)"
    )]
    LoneSurrogate {
        /// Where the escape starts.
        at: TextPosition,
        /// The escape as written.
        escape: String,
    },
    /// A number is too large for an IEEE 754 double.
    #[error(
        "{at}: number `{number}` is beyond the range of an IEEE 754 double (I-JSON forbids it; write it as a string)"
    )]
    NumberOutOfRange {
        /// Where the number starts.
        at: TextPosition,
        /// The number as written (at most 64 characters of it).
        number: String,
    },
    /// Arrays and objects are nested too deeply.
    #[error("{at}: arrays and objects nested deeper than {limit} levels")]
    TooDeep {
        /// Where the array or object that is one too deep starts.
        at: TextPosition,
        /// The limit, [`MAX_DEPTH`].
        limit: usize,
    },
}

impl CanonicalError {
    /// Where in the text the problem is.
    pub fn position(&self) -> TextPosition {
        match self {
            CanonicalError::InvalidUtf8 { at }
            | CanonicalError::Syntax { at, .. }
            | CanonicalError::DuplicateMember { at, .. }
            | CanonicalError::LoneSurrogate { at, .. }
            | CanonicalError::NumberOutOfRange { at, .. }
            | CanonicalError::TooDeep { at, .. } => *at,
        }
    }
}

/// The RFC 8785 canonical form of a JSON document.
///
/// Any JSON value is accepted at the top level. Leading and trailing
/// whitespace is allowed; a byte order mark is not.
///
/// # Errors
///
/// [`CanonicalError`] when `json` is not UTF-8, not JSON, not I-JSON
/// (duplicate member names, lone surrogates, numbers beyond the range of a
/// double), or nested deeper than [`MAX_DEPTH`]. The error says where.
pub fn canonicalize(json: &[u8]) -> Result<Vec<u8>, CanonicalError> {
    parse::canonicalize(json)
}

/// Serializes any value as RFC 8785 canonical JSON, the same bytes as
/// [`canonicalize`] gives for its `serde_json` form.
///
/// Values are written straight to canonical form where possible (each
/// object's members sorted as it closes), without writing ordinary JSON and
/// reading it back; what that writer does not handle (32-bit floats,
/// integers beyond 2^53, names that need escaping, very deep nesting) goes
/// through a `serde_json::Value`.
///
/// ```
/// use std::collections::BTreeMap;
///
/// let value: BTreeMap<&str, f64> = [("b", 1.5), ("a", 1e21)].into_iter().collect();
/// let canonical = liaison_record::to_canonical_json(&value)?;
/// assert_eq!(canonical, br#"{"a":1e+21,"b":1.5}"#);
/// # Ok::<(), serde_json::Error>(())
/// ```
///
/// # Errors
///
/// When the value cannot be serialized as JSON (a map with keys that are
/// not strings, or a `Serialize` implementation that fails).
pub fn to_canonical_json<T: serde::Serialize + ?Sized>(
    value: &T,
) -> Result<Vec<u8>, serde_json::Error> {
    match to_canonical_vec(value) {
        Ok(bytes) => Ok(bytes),
        Err(_) => serde_json::to_value(value).map(|v| canonicalize_value(&v)),
    }
}

/// The RFC 8785 canonical form of a [`serde_json::Value`].
///
/// A `Value` always has a canonical form: its numbers are finite and its
/// object names unique. Integers beyond 2^53 in magnitude are rounded to the
/// nearest double, as RFC 8785 requires.
pub fn canonicalize_value(value: &Value) -> Vec<u8> {
    let mut out = Vec::with_capacity(256);
    write_value(value, &mut out);
    out
}

fn write_value(value: &Value, out: &mut Vec<u8>) {
    match value {
        Value::Null => out.extend_from_slice(b"null"),
        Value::Bool(true) => out.extend_from_slice(b"true"),
        Value::Bool(false) => out.extend_from_slice(b"false"),
        Value::Number(n) => {
            if let Some(i) = n.as_i64().filter(|i| i.unsigned_abs() <= SAFE_INTEGER) {
                out.extend_from_slice(i.to_string().as_bytes());
            } else if let Some(f) = n.as_f64() {
                write_f64(f, out);
            } else {
                // Not reached without serde_json's arbitrary precision; a
                // number that is not a double is written as zero rather
                // than panicking.
                out.push(b'0');
            }
        }
        Value::String(s) => write_string(s, out),
        Value::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_value(item, out);
            }
            out.push(b']');
        }
        Value::Object(map) => {
            let mut members: Vec<(&String, &Value)> = map.iter().collect();
            members.sort_by(|a, b| utf16_cmp(a.0, b.0));
            out.push(b'{');
            for (i, (name, item)) in members.into_iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_string(name, out);
                out.push(b':');
                write_value(item, out);
            }
            out.push(b'}');
        }
    }
}

/// 2^53: every integer up to this magnitude is exactly a double.
const SAFE_INTEGER: u64 = 1 << 53;

/// Writes a finite double as ECMAScript's `Number.prototype.toString` does.
pub(crate) fn write_f64(f: f64, out: &mut Vec<u8>) {
    if f == 0.0 {
        // Both zeros are written `0`.
        out.push(b'0');
    } else {
        let mut buffer = ryu_js::Buffer::new();
        out.extend_from_slice(buffer.format_finite(f).as_bytes());
    }
}

/// Writes a string in canonical form, quotes included.
pub(crate) fn write_string(s: &str, out: &mut Vec<u8>) {
    out.push(b'"');
    let bytes = s.as_bytes();
    // Most strings need no escape: check without branching per byte, then
    // copy them whole.
    if !bytes.iter().fold(false, |acc, &b| {
        acc | (b < 0x20) | (b == b'"') | (b == b'\\')
    }) {
        out.extend_from_slice(bytes);
        out.push(b'"');
        return;
    }
    let mut run_start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        if b < 0x20 || b == b'"' || b == b'\\' {
            out.extend_from_slice(bytes.get(run_start..i).unwrap_or_default());
            write_escaped_ascii(b, out);
            run_start = i + 1;
        }
    }
    out.extend_from_slice(bytes.get(run_start..).unwrap_or_default());
    out.push(b'"');
}

/// Writes one character below U+0080 that must be escaped (a control
/// character, `"` or `\`), or as itself when it need not be.
pub(crate) fn write_escaped_ascii(b: u8, out: &mut Vec<u8>) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    match b {
        b'"' => out.extend_from_slice(b"\\\""),
        b'\\' => out.extend_from_slice(b"\\\\"),
        0x08 => out.extend_from_slice(b"\\b"),
        0x09 => out.extend_from_slice(b"\\t"),
        0x0A => out.extend_from_slice(b"\\n"),
        0x0C => out.extend_from_slice(b"\\f"),
        0x0D => out.extend_from_slice(b"\\r"),
        0x00..=0x1F => {
            let hi = HEX.get(usize::from(b >> 4)).copied().unwrap_or(b'0');
            let lo = HEX.get(usize::from(b & 0xF)).copied().unwrap_or(b'0');
            out.extend_from_slice(&[b'\\', b'u', b'0', b'0', hi, lo]);
        }
        _ => out.push(b),
    }
}

/// Compares two strings as sequences of UTF-16 code units, the order of
/// RFC 8785 for member names.
pub(crate) fn utf16_cmp(a: &str, b: &str) -> Ordering {
    // UTF-8 byte order is code point order, which is UTF-16 order except
    // between U+E000..=U+FFFF and supplementary characters. Those begin
    // with bytes 0xEE and above; below that, bytes decide.
    let (ab, bb) = (a.as_bytes(), b.as_bytes());
    let first_diff = ab.iter().zip(bb).position(|(x, y)| x != y);
    match first_diff {
        None => ab.len().cmp(&bb.len()),
        Some(i) => {
            let (x, y) = (
                ab.get(i).copied().unwrap_or(0),
                bb.get(i).copied().unwrap_or(0),
            );
            if x < 0xEE && y < 0xEE {
                x.cmp(&y)
            } else {
                a.encode_utf16().cmp(b.encode_utf16())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn canon(s: &str) -> String {
        String::from_utf8(canonicalize(s.as_bytes()).unwrap()).unwrap()
    }

    #[test]
    fn numbers_follow_ecmascript() {
        let cases = [
            ("0", "0"),
            ("-0", "0"),
            ("-0.0", "0"),
            ("0e10", "0"),
            ("1", "1"),
            ("-1", "-1"),
            ("1.0", "1"),
            ("1.5e1", "15"),
            ("1e21", "1e+21"),
            ("1e20", "100000000000000000000"),
            ("123456789012345680000", "123456789012345680000"),
            ("1e-6", "0.000001"),
            ("1e-7", "1e-7"),
            ("1.5e-7", "1.5e-7"),
            ("9007199254740993", "9007199254740992"),
            ("-9007199254740993", "-9007199254740992"),
            ("18446744073709551616", "18446744073709552000"),
            ("5e-324", "5e-324"),
            ("1.7976931348623157e308", "1.7976931348623157e+308"),
            ("0.1", "0.1"),
            ("100", "100"),
            ("999999999999999", "999999999999999"),
            ("4.35", "4.35"),
        ];
        for (input, expected) in cases {
            assert_eq!(canon(input), expected, "input {input}");
        }
    }

    #[test]
    fn strings_use_the_fewest_escapes() {
        assert_eq!(
            canon(r#""\u0000\u001f\b\t\n\f\r\"\\\/\u007f\u00e9\u2028""#),
            "\"\\u0000\\u001f\\b\\t\\n\\f\\r\\\"\\\\/\u{7f}\u{e9}\u{2028}\""
        );
        assert_eq!(canon(r#""\ud83d\ude02""#), "\"\u{1F602}\"");
    }

    #[test]
    fn members_are_sorted_by_utf16_code_units() {
        // U+FB33 sorts before U+1F602 by code point, after it in UTF-16
        // (where U+1F602 is the surrogate pair D83D DE02).
        assert_eq!(
            canon("{\"\u{FB33}\":2,\"\u{1F602}\":1,\"a\":3}"),
            "{\"a\":3,\"\u{1F602}\":1,\"\u{FB33}\":2}"
        );
    }

    #[test]
    fn errors_name_the_problem_and_the_place() {
        let e = canonicalize(b"{\n  \"a\": 1,\n  \"a\": 2\n}").unwrap_err();
        assert!(matches!(e, CanonicalError::DuplicateMember { ref name, .. } if name == "a"));
        assert_eq!((e.position().line(), e.position().column()), (3, 3));
        assert!(
            e.to_string()
                .starts_with("line 3, column 3 (byte 14): duplicate member name `a`")
        );

        let e = canonicalize(br#"["\ud800x"]"#).unwrap_err();
        assert!(
            matches!(e, CanonicalError::LoneSurrogate { ref escape, .. } if escape == "\\ud800")
        );
        let e = canonicalize(br#"["\udc00"]"#).unwrap_err();
        assert!(matches!(e, CanonicalError::LoneSurrogate { .. }));
        let e = canonicalize(b"[1e400]").unwrap_err();
        assert!(matches!(e, CanonicalError::NumberOutOfRange { .. }));
        assert_eq!(e.position().offset(), 1);
        let e = canonicalize(b"[-1e400]").unwrap_err();
        assert!(matches!(e, CanonicalError::NumberOutOfRange { .. }));
        let e = canonicalize(b"[\"\xff\"]").unwrap_err();
        assert_eq!(
            e,
            CanonicalError::InvalidUtf8 {
                at: TextPosition::locate(b"[\"", 2)
            }
        );
        let deep = "[".repeat(MAX_DEPTH + 1) + &"]".repeat(MAX_DEPTH + 1);
        assert!(matches!(
            canonicalize(deep.as_bytes()).unwrap_err(),
            CanonicalError::TooDeep { .. }
        ));
        let ok = "[".repeat(MAX_DEPTH) + &"]".repeat(MAX_DEPTH);
        assert_eq!(canon(&ok), ok);
    }

    #[test]
    fn malformed_json_is_rejected() {
        let bad = [
            "",
            " ",
            "{",
            "}",
            "[1,]",
            "[,1]",
            "{\"a\"}",
            "{\"a\":}",
            "{\"a\":1,}",
            "{a:1}",
            "01",
            "-",
            "1.",
            ".5",
            "1e",
            "1e+",
            "+1",
            "0x10",
            "NaN",
            "Infinity",
            "tru",
            "nul",
            "\"abc",
            "\"\\x\"",
            "\"\\u12\"",
            "\"\\u12G4\"",
            "\"a\tb\"",
            "[1 2]",
            "1 2",
            "\u{feff}1",
            "[\"a\"\"b\"]",
            "{\"a\" 1}",
            "{1:2}",
        ];
        for input in bad {
            let e = canonicalize(input.as_bytes()).unwrap_err();
            assert!(
                matches!(e, CanonicalError::Syntax { .. }),
                "input {input:?} gave {e}"
            );
        }
    }

    #[test]
    fn values_and_text_agree() {
        let text = r#"{"z":[1,2.5,-0,1e300,"x\u0001"],"a":{"é":null,"e":true},"big":12345678901234567890}"#;
        let value: Value = serde_json::from_str(text).unwrap();
        assert_eq!(
            canonicalize(text.as_bytes()).unwrap(),
            canonicalize_value(&value)
        );
    }
}
