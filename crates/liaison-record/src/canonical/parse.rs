//! The single-pass reader-writer behind [`super::canonicalize`].
//!
//! Tokens are written to the output as soon as they are read; only the
//! members of each object are remembered (their names decoded, their byte
//! ranges in the output) so that the object can be put in order when it
//! closes. An object whose members already come in order is not moved.

use super::{CanonicalError, MAX_DEPTH, TextPosition, utf16_cmp, write_escaped_ascii, write_f64};

/// Canonicalizes a whole document.
pub(super) fn canonicalize(json: &[u8]) -> Result<Vec<u8>, CanonicalError> {
    let text = std::str::from_utf8(json).map_err(|e| CanonicalError::InvalidUtf8 {
        at: TextPosition::locate(json, e.valid_up_to()),
    })?;
    let mut parser = Parser {
        text,
        bytes: json,
        pos: 0,
        depth: 0,
        out: Vec::with_capacity(json.len()),
        members: Vec::new(),
        names: String::new(),
        scratch: Vec::new(),
    };
    parser.skip_whitespace();
    parser.value()?;
    parser.skip_whitespace();
    if parser.pos < json.len() {
        return Err(parser.unexpected("the end of the document"));
    }
    Ok(parser.out)
}

/// One member of an object being read.
struct Member {
    /// Its decoded name: `names[name_start..name_end]`.
    name_start: usize,
    name_end: usize,
    /// Its canonical `"name":value` bytes: `out[out_start..out_end]`.
    out_start: usize,
    out_end: usize,
    /// Where its name starts in the input.
    offset: usize,
}

struct Parser<'a> {
    text: &'a str,
    bytes: &'a [u8],
    pos: usize,
    depth: usize,
    out: Vec<u8>,
    /// Members of the objects being read, innermost last.
    members: Vec<Member>,
    /// Decoded names of `members`.
    names: String,
    /// Room to reorder an object's members.
    scratch: Vec<u8>,
}

impl Parser<'_> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn skip_whitespace(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.pos += 1;
        }
    }

    fn position(&self, offset: usize) -> TextPosition {
        TextPosition::locate(self.bytes, offset)
    }

    /// A syntax error at the current position.
    fn unexpected(&self, expected: &'static str) -> CanonicalError {
        let found = match self.text.get(self.pos..).and_then(|s| s.chars().next()) {
            None => "the end of the document".to_owned(),
            Some('\u{feff}') => "a byte order mark (remove it)".to_owned(),
            Some(c) => format!("`{}`", c.escape_debug()),
        };
        CanonicalError::Syntax {
            at: self.position(self.pos),
            expected,
            found,
        }
    }

    fn expect_literal(&mut self, literal: &'static str) -> Result<(), CanonicalError> {
        let end = self.pos + literal.len();
        if self.bytes.get(self.pos..end) == Some(literal.as_bytes()) {
            self.out.extend_from_slice(literal.as_bytes());
            self.pos = end;
            Ok(())
        } else {
            Err(self.unexpected(match literal {
                "true" => "`true`",
                "false" => "`false`",
                _ => "`null`",
            }))
        }
    }

    /// Reads one value; whitespace before it is already skipped.
    fn value(&mut self) -> Result<(), CanonicalError> {
        match self.peek() {
            Some(b'{') => self.object(),
            Some(b'[') => self.array(),
            Some(b'"') => {
                self.pos += 1;
                self.string(false)
            }
            Some(b't') => self.expect_literal("true"),
            Some(b'f') => self.expect_literal("false"),
            Some(b'n') => self.expect_literal("null"),
            Some(b'-' | b'0'..=b'9') => self.number(),
            _ => Err(self.unexpected("a JSON value")),
        }
    }

    fn enter(&mut self) -> Result<(), CanonicalError> {
        if self.depth >= MAX_DEPTH {
            return Err(CanonicalError::TooDeep {
                at: self.position(self.pos),
                limit: MAX_DEPTH,
            });
        }
        self.depth += 1;
        self.pos += 1;
        Ok(())
    }

    fn array(&mut self) -> Result<(), CanonicalError> {
        self.enter()?;
        self.out.push(b'[');
        self.skip_whitespace();
        if self.peek() == Some(b']') {
            self.pos += 1;
        } else {
            loop {
                self.value()?;
                self.skip_whitespace();
                match self.peek() {
                    Some(b',') => {
                        self.pos += 1;
                        self.out.push(b',');
                        self.skip_whitespace();
                    }
                    Some(b']') => {
                        self.pos += 1;
                        break;
                    }
                    _ => return Err(self.unexpected("`,` or `]`")),
                }
            }
        }
        self.out.push(b']');
        self.depth -= 1;
        Ok(())
    }

    fn object(&mut self) -> Result<(), CanonicalError> {
        self.enter()?;
        self.out.push(b'{');
        let first_member = self.members.len();
        let names_start = self.names.len();
        let content_start = self.out.len();
        self.skip_whitespace();
        if self.peek() == Some(b'}') {
            self.pos += 1;
        } else {
            loop {
                if self.peek() != Some(b'"') {
                    return Err(self.unexpected("a member name in double quotes"));
                }
                let offset = self.pos;
                let out_start = self.out.len();
                let name_start = self.names.len();
                self.pos += 1;
                self.string(true)?;
                let name_end = self.names.len();
                self.skip_whitespace();
                if self.peek() != Some(b':') {
                    return Err(self.unexpected("`:` after the member name"));
                }
                self.pos += 1;
                self.out.push(b':');
                self.skip_whitespace();
                self.value()?;
                self.members.push(Member {
                    name_start,
                    name_end,
                    out_start,
                    out_end: self.out.len(),
                    offset,
                });
                self.skip_whitespace();
                match self.peek() {
                    Some(b',') => {
                        self.pos += 1;
                        self.out.push(b',');
                        self.skip_whitespace();
                    }
                    Some(b'}') => {
                        self.pos += 1;
                        break;
                    }
                    _ => return Err(self.unexpected("`,` or `}`")),
                }
            }
            self.order_members(first_member, content_start)?;
        }
        self.members.truncate(first_member);
        self.names.truncate(names_start);
        self.out.push(b'}');
        self.depth -= 1;
        Ok(())
    }

    /// Puts the members of the object that starts at `content_start` in
    /// canonical order, and rejects duplicate names.
    fn order_members(
        &mut self,
        first_member: usize,
        content_start: usize,
    ) -> Result<(), CanonicalError> {
        let names = &self.names;
        let name = |m: &Member| names.get(m.name_start..m.name_end).unwrap_or_default();
        let members = self.members.get_mut(first_member..).unwrap_or_default();
        let mut in_order = true;
        for pair in members.windows(2) {
            if let [a, b] = pair {
                match utf16_cmp(name(a), name(b)) {
                    std::cmp::Ordering::Less => {}
                    std::cmp::Ordering::Equal => return Err(duplicate(self.bytes, names, a, b)),
                    std::cmp::Ordering::Greater => in_order = false,
                }
            }
        }
        if in_order {
            return Ok(());
        }
        members.sort_by(|a, b| utf16_cmp(name(a), name(b)).then(a.offset.cmp(&b.offset)));
        for pair in members.windows(2) {
            if let [a, b] = pair
                && name(a) == name(b)
            {
                return Err(duplicate(self.bytes, names, a, b));
            }
        }
        self.scratch.clear();
        self.scratch
            .extend_from_slice(self.out.get(content_start..).unwrap_or_default());
        self.out.truncate(content_start);
        for (i, m) in members.iter().enumerate() {
            if i > 0 {
                self.out.push(b',');
            }
            let range = (m.out_start - content_start)..(m.out_end - content_start);
            self.out
                .extend_from_slice(self.scratch.get(range).unwrap_or_default());
        }
        Ok(())
    }

    /// Reads a string whose opening quote has been read, writes it in
    /// canonical form, and when `is_name` appends its decoded text to
    /// `names`.
    fn string(&mut self, is_name: bool) -> Result<(), CanonicalError> {
        self.out.push(b'"');
        let mut run_start = self.pos;
        loop {
            // Runs of characters that are written as themselves.
            while let Some(b) = self.peek() {
                if b == b'"' || b == b'\\' || b < 0x20 {
                    break;
                }
                self.pos += 1;
            }
            // `"`, `\` and control characters are ASCII, so a run ends on a
            // character boundary.
            let run = self.text.get(run_start..self.pos).unwrap_or_default();
            self.out.extend_from_slice(run.as_bytes());
            if is_name {
                self.names.push_str(run);
            }
            match self.peek() {
                Some(b'"') => {
                    self.pos += 1;
                    self.out.push(b'"');
                    return Ok(());
                }
                Some(b'\\') => {
                    let c = self.escape()?;
                    if c.is_ascii() {
                        write_escaped_ascii(c as u8, &mut self.out);
                    } else {
                        let mut buf = [0u8; 4];
                        self.out
                            .extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                    }
                    if is_name {
                        self.names.push(c);
                    }
                    run_start = self.pos;
                }
                Some(_) => {
                    return Err(self.unexpected(
                        "a character other than a control character in a string (escape it, such as `\\n` or `\\u0001`)",
                    ));
                }
                None => return Err(self.unexpected("`\"` closing the string")),
            }
        }
    }

    /// Reads one escape sequence starting at its `\`.
    fn escape(&mut self) -> Result<char, CanonicalError> {
        let start = self.pos;
        self.pos += 1;
        let c = match self.peek() {
            Some(b'"') => '"',
            Some(b'\\') => '\\',
            Some(b'/') => '/',
            Some(b'b') => '\u{8}',
            Some(b'f') => '\u{c}',
            Some(b'n') => '\n',
            Some(b'r') => '\r',
            Some(b't') => '\t',
            Some(b'u') => {
                self.pos += 1;
                let unit = self.hex4()?;
                return match unit {
                    0xD800..=0xDBFF => {
                        if self.bytes.get(self.pos..self.pos + 2) == Some(b"\\u") {
                            self.pos += 2;
                            let low = self.hex4()?;
                            if (0xDC00..=0xDFFF).contains(&low) {
                                let c = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00);
                                char::from_u32(c).ok_or_else(|| self.lone_surrogate(start))
                            } else {
                                Err(self.lone_surrogate(start))
                            }
                        } else {
                            Err(self.lone_surrogate(start))
                        }
                    }
                    0xDC00..=0xDFFF => Err(self.lone_surrogate(start)),
                    _ => char::from_u32(unit).ok_or_else(|| self.lone_surrogate(start)),
                };
            }
            _ => {
                return Err(self.unexpected(
                    "an escape: `\\\"`, `\\\\`, `\\/`, `\\b`, `\\f`, `\\n`, `\\r`, `\\t` or `\\u` and four hex digits",
                ));
            }
        };
        self.pos += 1;
        Ok(c)
    }

    fn hex4(&mut self) -> Result<u32, CanonicalError> {
        let mut unit = 0;
        for _ in 0..4 {
            let digit = self
                .peek()
                .and_then(|b| char::from(b).to_digit(16))
                .ok_or_else(|| self.unexpected("a hexadecimal digit (`\\u` takes four)"))?;
            unit = unit * 16 + digit;
            self.pos += 1;
        }
        Ok(unit)
    }

    /// A lone surrogate escape starting at `start`.
    fn lone_surrogate(&self, start: usize) -> CanonicalError {
        CanonicalError::LoneSurrogate {
            at: self.position(start),
            escape: self.text.get(start..start + 6).unwrap_or("\\u").to_owned(),
        }
    }

    fn number(&mut self) -> Result<(), CanonicalError> {
        let start = self.pos;
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        match self.peek() {
            Some(b'0') => self.pos += 1,
            Some(b'1'..=b'9') => self.digits(),
            _ => return Err(self.unexpected("a digit")),
        }
        let int_end = self.pos;
        let mut plain_integer = true;
        if self.peek() == Some(b'.') {
            plain_integer = false;
            self.pos += 1;
            if !matches!(self.peek(), Some(b'0'..=b'9')) {
                return Err(self.unexpected("a digit after the decimal point"));
            }
            self.digits();
        }
        if let Some(b'e' | b'E') = self.peek() {
            plain_integer = false;
            self.pos += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.pos += 1;
            }
            if !matches!(self.peek(), Some(b'0'..=b'9')) {
                return Err(self.unexpected("a digit in the exponent"));
            }
            self.digits();
        }
        let literal = self.text.get(start..self.pos).unwrap_or_default();
        // Integers of up to 15 digits are exact doubles and already in
        // canonical form, except `-0`.
        if plain_integer && int_end - start <= 15 {
            if literal == "-0" {
                self.out.push(b'0');
            } else {
                self.out.extend_from_slice(literal.as_bytes());
            }
            return Ok(());
        }
        match literal.parse::<f64>() {
            Ok(f) if f.is_finite() => {
                write_f64(f, &mut self.out);
                Ok(())
            }
            _ => Err(CanonicalError::NumberOutOfRange {
                at: self.position(start),
                number: literal.chars().take(64).collect(),
            }),
        }
    }

    fn digits(&mut self) {
        while let Some(b'0'..=b'9') = self.peek() {
            self.pos += 1;
        }
    }
}

/// The error for two members `a` and `b` with the same name.
fn duplicate(bytes: &[u8], names: &str, a: &Member, b: &Member) -> CanonicalError {
    let later = if a.offset > b.offset { a } else { b };
    CanonicalError::DuplicateMember {
        at: TextPosition::locate(bytes, later.offset),
        name: names
            .get(later.name_start..later.name_end)
            .unwrap_or_default()
            .chars()
            .take(64)
            .collect(),
    }
}
