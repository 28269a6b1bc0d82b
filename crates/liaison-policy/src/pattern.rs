//! JSON pointers and pointer patterns split at their slashes once, so that
//! deciding compares segments instead of splitting strings for every field
//! and every pattern. The answers are those of [`pattern_covers`] and
//! [`pattern_touches`].

use crate::agreement::{pattern_covers, pattern_touches};

/// The most segments a pointer is split into on the stack; a longer
/// pointer is compared as a string.
const MAX_SEGMENTS: usize = 8;

/// A concrete JSON pointer and its segments after the first slash (what
/// `pointer.split('/').skip(1)` yields).
pub(crate) struct Segments<'a> {
    pointer: &'a str,
    segments: [&'a str; MAX_SEGMENTS],
    len: usize,
    /// More segments than [`MAX_SEGMENTS`]: compare as a string.
    long: bool,
}

impl<'a> Segments<'a> {
    pub(crate) fn of(pointer: &'a str) -> Segments<'a> {
        let mut segments = [""; MAX_SEGMENTS];
        let mut len = 0;
        let mut long = false;
        let bytes = pointer.as_bytes();
        // A slash is never inside a multi-byte character, so the offsets
        // of the slashes are character boundaries.
        let slash = |from: usize| {
            bytes
                .get(from..)
                .and_then(|rest| rest.iter().position(|b| *b == b'/'))
                .map(|p| from + p)
        };
        let mut next = slash(0);
        while let Some(at) = next {
            let from = at + 1;
            next = slash(from);
            let to = next.unwrap_or(bytes.len());
            match segments.get_mut(len) {
                Some(slot) => *slot = pointer.get(from..to).unwrap_or_default(),
                None => {
                    long = true;
                    break;
                }
            }
            len += 1;
        }
        Segments {
            pointer,
            segments,
            len,
            long,
        }
    }

    /// Segment `i`, if the pointer has one there; a long pointer holds
    /// its first [`MAX_SEGMENTS`] segments.
    fn get(&self, i: usize) -> Option<&'a str> {
        if i < self.len {
            self.segments.get(i).copied()
        } else {
            None
        }
    }

    /// The first three segments, as a match on `split('/').skip(1)` reads
    /// them.
    pub(crate) fn head(&self) -> (Option<&'a str>, Option<&'a str>, Option<&'a str>) {
        (self.get(0), self.get(1), self.get(2))
    }
}

/// One segment of a pattern: `*` matches any one segment; a literal is
/// the pattern's text between two offsets.
#[derive(Debug, Clone, Copy)]
enum Segment {
    Any,
    Literal(usize, usize),
}

/// A JSON pointer pattern (`*` for any one segment), split once.
#[derive(Debug, Clone)]
pub(crate) struct Pattern {
    text: String,
    segments: Vec<Segment>,
}

impl Pattern {
    pub(crate) fn new(text: &str) -> Pattern {
        Pattern::from_string(text.to_owned())
    }

    pub(crate) fn from_string(text: String) -> Pattern {
        let mut segments = Vec::new();
        let mut start = 0;
        let mut first = true;
        for s in text.split('/') {
            let end = start + s.len();
            if !first {
                segments.push(if s == "*" {
                    Segment::Any
                } else {
                    Segment::Literal(start, end)
                });
            }
            first = false;
            start = end + 1;
        }
        Pattern { text, segments }
    }

    fn matches(&self, segment: Segment, s: &str) -> bool {
        match segment {
            Segment::Any => true,
            Segment::Literal(from, to) => self.text.get(from..to) == Some(s),
        }
    }

    /// [`pattern_covers`]: the pattern matches the pointer or one of its
    /// parents.
    pub(crate) fn covers(&self, pointer: &Segments<'_>) -> bool {
        if pointer.long {
            return pattern_covers(&self.text, pointer.pointer);
        }
        if self.text.is_empty() {
            return true;
        }
        self.segments.len() <= pointer.len
            && self
                .segments
                .iter()
                .zip(&pointer.segments)
                .all(|(p, s)| self.matches(*p, s))
    }

    /// [`pattern_touches`]: the pattern covers the pointer or reaches
    /// beneath it.
    pub(crate) fn touches(&self, pointer: &Segments<'_>) -> bool {
        if pointer.long {
            return pattern_touches(&self.text, pointer.pointer);
        }
        if self.text.is_empty() || pointer.pointer.is_empty() {
            return true;
        }
        self.segments
            .iter()
            .zip(pointer.segments.get(..pointer.len).unwrap_or_default())
            .all(|(p, s)| self.matches(*p, s))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const POINTERS: &[&str] = &[
        "",
        "/",
        "//",
        "/source",
        "/source/",
        "/source/reference",
        "/entities",
        "/entities/1",
        "/entities/10",
        "/entities/1/mrz",
        "/entities/1/mrz/0",
        "/entities/3/names/0",
        "/entities/3/aliases",
        "/entities/1/extensions/a~1b",
        "/a/b/c/d/e/f/g/h",
        "/a/b/c/d/e/f/g/h/i",
        "/a/b/c/d/e/f/g/h/i/j/k",
        "source",
        "source/reference",
        "*",
        "/*",
        "/*/*",
        "/entities/*",
        "/entities/*/mrz",
        "/entities/*/mrz/1",
        "/entities/*/names",
        "/a/*/c/*/e/f/g/h/i",
    ];

    #[test]
    fn split_patterns_answer_as_the_string_functions() {
        for pattern in POINTERS {
            let compiled = Pattern::new(pattern);
            assert_eq!(compiled.text, *pattern);
            for pointer in POINTERS {
                let segments = Segments::of(pointer);
                assert_eq!(segments.pointer, *pointer);
                assert_eq!(
                    compiled.covers(&segments),
                    pattern_covers(pattern, pointer),
                    "{pattern} covers {pointer}"
                );
                assert_eq!(
                    compiled.touches(&segments),
                    pattern_touches(pattern, pointer),
                    "{pattern} touches {pointer}"
                );
            }
        }
    }

    #[test]
    fn heads_are_the_first_three_segments() {
        for pointer in POINTERS {
            let mut split = pointer.split('/').skip(1);
            let expected = (split.next(), split.next(), split.next());
            assert_eq!(Segments::of(pointer).head(), expected, "{pointer}");
        }
    }
}
