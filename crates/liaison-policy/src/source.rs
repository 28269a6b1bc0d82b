//! Agreement text (TOML or JSON) read into one JSON tree, with the byte
//! span of every value and key kept so that problems can name a line.

use std::collections::HashMap;
use std::ops::Range;

use serde_json::{Map, Number, Value};
use toml::de::{DeTable, DeValue};

/// The format an agreement is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// TOML, the form people write.
    Toml,
    /// JSON, the same model.
    Json,
}

impl Format {
    /// The format a file name suggests: `.json` is JSON, anything else TOML.
    pub fn from_path(path: impl AsRef<std::path::Path>) -> Format {
        match path.as_ref().extension().and_then(|e| e.to_str()) {
            Some(ext) if ext.eq_ignore_ascii_case("json") => Format::Json,
            _ => Format::Toml,
        }
    }
}

/// A parsed document: the tree and where each part came from.
#[derive(Debug, Default)]
pub(crate) struct Located {
    pub(crate) value: Value,
    /// Span of each value, by JSON pointer.
    pub(crate) values: HashMap<String, Range<usize>>,
    /// Span of each key, by the JSON pointer of its value.
    pub(crate) keys: HashMap<String, Range<usize>>,
}

/// A syntax error: its message and byte span.
#[derive(Debug)]
pub(crate) struct SyntaxError {
    pub(crate) message: String,
    pub(crate) span: Option<Range<usize>>,
    /// Line and column (1-based) when the parser gave them directly.
    pub(crate) line_col: Option<(usize, usize)>,
}

/// Reads the text in the given format.
pub(crate) fn read(text: &str, format: Format) -> Result<Located, Vec<SyntaxError>> {
    match format {
        Format::Toml => read_toml(text),
        Format::Json => read_json(text),
    }
}

fn read_toml(text: &str) -> Result<Located, Vec<SyntaxError>> {
    let (table, errors) = DeTable::parse_recoverable(text);
    if !errors.is_empty() {
        return Err(errors
            .into_iter()
            .map(|e| SyntaxError {
                message: e.message().trim().to_owned(),
                span: e.span(),
                line_col: None,
            })
            .collect());
    }
    let mut located = Located::default();
    let span = table.span();
    let value = toml_table(table.get_ref(), "", &mut located);
    located.values.insert(String::new(), span);
    located.value = value;
    Ok(located)
}

fn toml_table(table: &DeTable<'_>, pointer: &str, located: &mut Located) -> Value {
    let mut map = Map::new();
    for (key, value) in table.iter() {
        let child = format!("{pointer}/{}", escape(key.get_ref()));
        located.keys.insert(child.clone(), key.span());
        let v = toml_value(value.get_ref(), &child, located);
        located.values.insert(child, value.span());
        map.insert(key.get_ref().to_string(), v);
    }
    Value::Object(map)
}

fn toml_value(value: &DeValue<'_>, pointer: &str, located: &mut Located) -> Value {
    match value {
        DeValue::String(s) => Value::String(s.to_string()),
        DeValue::Integer(i) => i64::from_str_radix(i.as_str(), i.radix())
            .map(|n| Value::Number(Number::from(n)))
            .unwrap_or_else(|_| Value::String(i.as_str().to_owned())),
        DeValue::Float(f) => f
            .as_str()
            .parse::<f64>()
            .ok()
            .and_then(Number::from_f64)
            .map_or(Value::Null, Value::Number),
        DeValue::Boolean(b) => Value::Bool(*b),
        // A TOML datetime reads as the RFC 3339 text it was written as.
        DeValue::Datetime(d) => Value::String(d.to_string()),
        DeValue::Array(items) => Value::Array(
            items
                .iter()
                .enumerate()
                .map(|(i, item)| {
                    let child = format!("{pointer}/{i}");
                    let v = toml_value(item.get_ref(), &child, located);
                    located.values.insert(child, item.span());
                    v
                })
                .collect(),
        ),
        DeValue::Table(t) => toml_table(t, pointer, located),
    }
}

fn read_json(text: &str) -> Result<Located, Vec<SyntaxError>> {
    let value: Value = serde_json::from_str(text).map_err(|e| {
        vec![SyntaxError {
            message: strip_position(&e.to_string()),
            span: None,
            line_col: Some((e.line(), e.column())),
        }]
    })?;
    let mut located = Located {
        value,
        ..Located::default()
    };
    json_spans(text, &mut located);
    Ok(located)
}

/// serde_json appends ` at line L column C`; the location is reported apart.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message.get(..i).unwrap_or(message).to_owned(),
        None => message.to_owned(),
    }
}

/// Escapes a key as a JSON pointer segment.
pub(crate) fn escape(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

/// Finds the span of every value and key of a JSON text that is known to
/// parse, so that JSON agreements get line numbers too.
fn json_spans(text: &str, located: &mut Located) {
    let mut scanner = JsonScanner {
        bytes: text.as_bytes(),
        pos: 0,
    };
    scanner.value(String::new(), located, 0);
}

struct JsonScanner<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl JsonScanner<'_> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn skip_ws(&mut self) {
        while self.peek().is_some_and(|b| b.is_ascii_whitespace()) {
            self.pos += 1;
        }
    }

    /// Scans one value starting at the current position; depth bounds recursion.
    fn value(&mut self, pointer: String, located: &mut Located, depth: usize) {
        self.skip_ws();
        let start = self.pos;
        if depth > 128 {
            return;
        }
        match self.peek() {
            Some(b'{') => {
                self.pos += 1;
                loop {
                    self.skip_ws();
                    match self.peek() {
                        Some(b'}') => {
                            self.pos += 1;
                            break;
                        }
                        Some(b',') => self.pos += 1,
                        Some(b'"') => {
                            let key_start = self.pos;
                            let key = self.string();
                            let key_span = key_start..self.pos;
                            self.skip_ws();
                            if self.peek() == Some(b':') {
                                self.pos += 1;
                            }
                            let child = format!("{pointer}/{}", escape(&key));
                            located.keys.insert(child.clone(), key_span);
                            self.value(child, located, depth + 1);
                        }
                        _ => return,
                    }
                }
            }
            Some(b'[') => {
                self.pos += 1;
                let mut i = 0usize;
                loop {
                    self.skip_ws();
                    match self.peek() {
                        Some(b']') => {
                            self.pos += 1;
                            break;
                        }
                        Some(b',') => self.pos += 1,
                        Some(_) => {
                            self.value(format!("{pointer}/{i}"), located, depth + 1);
                            i += 1;
                        }
                        None => return,
                    }
                }
            }
            Some(b'"') => {
                self.string();
            }
            Some(_) => {
                while self
                    .peek()
                    .is_some_and(|b| !matches!(b, b',' | b'}' | b']') && !b.is_ascii_whitespace())
                {
                    self.pos += 1;
                }
            }
            None => return,
        }
        located.values.insert(pointer, start..self.pos);
    }

    /// Scans a string and returns its text (escapes decoded by serde_json).
    fn string(&mut self) -> String {
        let start = self.pos;
        self.pos += 1;
        while let Some(b) = self.peek() {
            self.pos += 1;
            match b {
                b'\\' => self.pos += 1,
                b'"' => break,
                _ => {}
            }
        }
        self.bytes
            .get(start..self.pos)
            .and_then(|raw| serde_json::from_slice::<String>(raw).ok())
            .unwrap_or_default()
    }
}

/// The 1-based line and column of a byte offset.
pub(crate) fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = text.get(..offset).unwrap_or(text);
    let line = before.bytes().filter(|&b| b == b'\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn toml_values_and_keys_have_spans() {
        let text = "id = \"a\"\n[[clause]]\nid = \"c\"\neffect = \"deny\"\n";
        let located = read(text, Format::Toml).unwrap();
        assert_eq!(located.value["clause"][0]["effect"], "deny");
        let span = located.values["/clause/0/effect"].clone();
        assert_eq!(line_col(text, span.start).0, 4);
        let key = located.keys["/clause/0/id"].clone();
        assert_eq!(line_col(text, key.start), (3, 1));
    }

    #[test]
    fn json_values_and_keys_have_spans() {
        let text = "{\n  \"id\": \"a\",\n  \"clause\": [\n    {\"id\": \"c\", \"effect\": \"deny\"}\n  ]\n}";
        let located = read(text, Format::Json).unwrap();
        let span = located.values["/clause/0/effect"].clone();
        assert_eq!(line_col(text, span.start).0, 4);
        assert_eq!(&text[span], "\"deny\"");
        assert_eq!(line_col(text, located.keys["/id"].start), (2, 3));
    }

    #[test]
    fn syntax_errors_are_reported_with_a_place() {
        let errors = read("id = \n", Format::Toml).unwrap_err();
        assert!(errors[0].span.is_some());
        let errors = read("{\"id\": }", Format::Json).unwrap_err();
        assert_eq!(errors[0].line_col, Some((1, 8)));
    }
}
