//! Canonical JSON written straight from a [`Serialize`] value, without first
//! writing ordinary JSON and reading it back.
//!
//! Members are written in the order the value gives them, each object's
//! member positions noted; when an object ends, its members are sorted by
//! name (UTF-16 order) and moved into place if they were not in order
//! already. Strings and numbers go through the same writers as
//! [`super::canonicalize`].
//!
//! Anything this writer does not handle exactly as `serde_json` followed by
//! [`super::canonicalize`] would (a name that needs escaping, a duplicate
//! name, a map key that is not a string or integer, a 32-bit float, an
//! integer beyond 2^53, serde_json's private number and raw-value types,
//! nesting deeper than [`super::MAX_DEPTH`]) is reported as [`Unsupported`],
//! and the caller falls back to that slower path: the two paths never give
//! different bytes for the same value.

use std::cmp::Ordering;
use std::fmt;

use serde::Serialize;
use serde::ser::{self, Impossible};

use super::{MAX_DEPTH, write_f64, write_string};

/// The value needs the general path (see the module documentation).
#[derive(Debug)]
pub(crate) struct Unsupported;

impl fmt::Display for Unsupported {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("value needs the general canonicalization path")
    }
}

impl std::error::Error for Unsupported {}

impl ser::Error for Unsupported {
    fn custom<T: fmt::Display>(_: T) -> Self {
        Unsupported
    }
}

/// 2^53: every integer up to this magnitude is exactly a double.
const SAFE_INTEGER: u64 = 1 << 53;

/// The working buffers of a write, kept by each thread between writes so
/// that a write allocates only its output.
#[derive(Default)]
struct Room {
    members: Vec<Member>,
    scratch: Vec<u8>,
    text: String,
}

/// Buffers larger than this are not kept for the next write.
const KEPT_ROOM: usize = 64 * 1024;

thread_local! {
    static ROOM: std::cell::Cell<Room> = std::cell::Cell::new(Room::default());
}

/// Serializes `value` as RFC 8785 canonical JSON.
pub(crate) fn to_canonical_vec<T: Serialize + ?Sized>(value: &T) -> Result<Vec<u8>, Unsupported> {
    // Taken, not borrowed: a write inside a write (a `Serialize` that
    // writes canonical JSON itself) finds the room empty and uses its own.
    let mut room = ROOM.with(std::cell::Cell::take);
    room.members.clear();
    room.scratch.clear();
    room.text.clear();
    let mut state = State {
        out: Vec::with_capacity(4096),
        members: room.members,
        scratch: room.scratch,
        text: room.text,
    };
    let written = value.serialize(Writer {
        st: &mut state,
        depth: 0,
    });
    let State {
        out,
        members,
        scratch,
        text,
    } = state;
    if scratch.capacity() <= KEPT_ROOM
        && members.capacity() * std::mem::size_of::<Member>() <= KEPT_ROOM
        && text.capacity() <= KEPT_ROOM
    {
        ROOM.with(|r| {
            r.set(Room {
                members,
                scratch,
                text,
            });
        });
    }
    written?;
    Ok(out)
}

/// One member of an object being written: where its name's characters
/// (inside the quotes) and the whole `"name":value` lie in the output.
#[derive(Clone, Copy)]
struct Member {
    name_start: usize,
    name_end: usize,
    start: usize,
    end: usize,
}

struct State {
    out: Vec<u8>,
    /// The members of every open object, innermost last.
    members: Vec<Member>,
    /// Room to reorder one object's members.
    scratch: Vec<u8>,
    /// Room to format a value written with `collect_str`.
    text: String,
}

impl State {
    /// Writes a member name; fails if it needs escaping (so that names
    /// compare as their raw bytes).
    fn write_name(&mut self, name: &str) -> Result<(usize, usize), Unsupported> {
        if name.bytes().any(|b| b < 0x20 || b == b'"' || b == b'\\') {
            return Err(Unsupported);
        }
        self.out.push(b'"');
        let start = self.out.len();
        self.out.extend_from_slice(name.as_bytes());
        let end = self.out.len();
        self.out.extend_from_slice(b"\":");
        Ok((start, end))
    }

    fn write_u64(&mut self, v: u64) -> Result<(), Unsupported> {
        if v > SAFE_INTEGER {
            return Err(Unsupported);
        }
        let mut digits = [0u8; 20];
        let mut i = digits.len();
        let mut v = v;
        loop {
            i -= 1;
            if let Some(d) = digits.get_mut(i) {
                *d = b'0' + (v % 10) as u8;
            }
            v /= 10;
            if v == 0 {
                break;
            }
        }
        self.out
            .extend_from_slice(digits.get(i..).unwrap_or_default());
        Ok(())
    }

    fn write_i64(&mut self, v: i64) -> Result<(), Unsupported> {
        if v < 0 {
            if v.unsigned_abs() > SAFE_INTEGER {
                return Err(Unsupported);
            }
            self.out.push(b'-');
        }
        self.write_u64(v.unsigned_abs())
    }

    /// Closes the object whose members start at `base` and whose content
    /// starts at `start` (just after `{`): sorts the members, then `}`.
    fn close_object(&mut self, base: usize, start: usize) -> Result<(), Unsupported> {
        let out = &self.out;
        let name = |m: &Member| out.get(m.name_start..m.name_end).unwrap_or_default();
        let members = self.members.get_mut(base..).unwrap_or_default();
        let sorted = members
            .windows(2)
            .all(|w| matches!(w, [a, b] if compare(name(a), name(b)) == Ordering::Less));
        if !sorted {
            members.sort_unstable_by(|a, b| compare(name(a), name(b)));
            if members
                .windows(2)
                .any(|w| matches!(w, [a, b] if name(a) == name(b)))
            {
                return Err(Unsupported);
            }
            self.scratch.clear();
            // One buffer the size of the output so far serves every object
            // of the value (the outermost is the largest).
            self.scratch.reserve(out.capacity());
            for (i, m) in members.iter().enumerate() {
                if i > 0 {
                    self.scratch.push(b',');
                }
                self.scratch
                    .extend_from_slice(out.get(m.start..m.end).unwrap_or_default());
            }
            self.out.truncate(start);
            self.out.extend_from_slice(&self.scratch);
        }
        self.members.truncate(base);
        self.out.push(b'}');
        Ok(())
    }
}

/// RFC 8785 name order over the UTF-8 bytes of two names (see
/// [`super::utf16_cmp`]: bytes decide unless the first difference is in a
/// character at U+E000 or above).
fn compare(a: &[u8], b: &[u8]) -> Ordering {
    match a.iter().zip(b).position(|(x, y)| x != y) {
        None => a.len().cmp(&b.len()),
        Some(i) => match (a.get(i), b.get(i)) {
            (Some(&x), Some(&y)) if x < 0xEE && y < 0xEE => x.cmp(&y),
            _ => match (std::str::from_utf8(a), std::str::from_utf8(b)) {
                (Ok(a), Ok(b)) => super::utf16_cmp(a, b),
                _ => a.cmp(b),
            },
        },
    }
}

struct Writer<'a> {
    st: &'a mut State,
    depth: usize,
}

impl<'a> Writer<'a> {
    fn nested(&self) -> Result<usize, Unsupported> {
        if self.depth >= MAX_DEPTH {
            Err(Unsupported)
        } else {
            Ok(self.depth + 1)
        }
    }

    fn object(self, variant: Option<&'static str>) -> Result<Object<'a>, Unsupported> {
        let depth = self.nested()?;
        if let Some(v) = variant {
            self.st.out.push(b'{');
            self.st.write_name(v)?;
        }
        self.st.out.push(b'{');
        Ok(Object {
            base: self.st.members.len(),
            start: self.st.out.len(),
            st: self.st,
            depth,
            pending: None,
            close_variant: variant.is_some(),
        })
    }

    fn array(self, variant: Option<&'static str>) -> Result<Array<'a>, Unsupported> {
        let depth = self.nested()?;
        if let Some(v) = variant {
            self.st.out.push(b'{');
            self.st.write_name(v)?;
        }
        self.st.out.push(b'[');
        Ok(Array {
            st: self.st,
            depth,
            first: true,
            close_variant: variant.is_some(),
        })
    }
}

fn private(name: &str) -> bool {
    name.starts_with("$serde_json::private")
}

impl<'a> ser::Serializer for Writer<'a> {
    type Ok = ();
    type Error = Unsupported;
    type SerializeSeq = Array<'a>;
    type SerializeTuple = Array<'a>;
    type SerializeTupleStruct = Array<'a>;
    type SerializeTupleVariant = Array<'a>;
    type SerializeMap = Object<'a>;
    type SerializeStruct = Object<'a>;
    type SerializeStructVariant = Object<'a>;

    fn serialize_bool(self, v: bool) -> Result<(), Unsupported> {
        self.st
            .out
            .extend_from_slice(if v { b"true" } else { b"false" });
        Ok(())
    }
    fn serialize_i8(self, v: i8) -> Result<(), Unsupported> {
        self.st.write_i64(v.into())
    }
    fn serialize_i16(self, v: i16) -> Result<(), Unsupported> {
        self.st.write_i64(v.into())
    }
    fn serialize_i32(self, v: i32) -> Result<(), Unsupported> {
        self.st.write_i64(v.into())
    }
    fn serialize_i64(self, v: i64) -> Result<(), Unsupported> {
        self.st.write_i64(v)
    }
    fn serialize_u8(self, v: u8) -> Result<(), Unsupported> {
        self.st.write_u64(v.into())
    }
    fn serialize_u16(self, v: u16) -> Result<(), Unsupported> {
        self.st.write_u64(v.into())
    }
    fn serialize_u32(self, v: u32) -> Result<(), Unsupported> {
        self.st.write_u64(v.into())
    }
    fn serialize_u64(self, v: u64) -> Result<(), Unsupported> {
        self.st.write_u64(v)
    }
    fn serialize_f32(self, _: f32) -> Result<(), Unsupported> {
        // serde_json writes the shortest form of the 32-bit value, which
        // then reads back as a different double: leave it to that path.
        Err(Unsupported)
    }
    fn serialize_f64(self, v: f64) -> Result<(), Unsupported> {
        if v.is_finite() {
            write_f64(v, &mut self.st.out);
        } else {
            // serde_json writes a non-finite number as `null`.
            self.st.out.extend_from_slice(b"null");
        }
        Ok(())
    }
    fn serialize_char(self, v: char) -> Result<(), Unsupported> {
        write_string(v.encode_utf8(&mut [0u8; 4]), &mut self.st.out);
        Ok(())
    }
    fn serialize_str(self, v: &str) -> Result<(), Unsupported> {
        write_string(v, &mut self.st.out);
        Ok(())
    }
    fn collect_str<T: fmt::Display + ?Sized>(self, value: &T) -> Result<(), Unsupported> {
        use fmt::Write as _;
        let mut text = std::mem::take(&mut self.st.text);
        text.clear();
        let written = write!(text, "{value}");
        if written.is_ok() {
            write_string(&text, &mut self.st.out);
        }
        self.st.text = text;
        written.map_err(|_| Unsupported)
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<(), Unsupported> {
        use ser::SerializeSeq as _;
        let mut seq = self.array(None)?;
        for b in v {
            seq.serialize_element(b)?;
        }
        seq.end()
    }
    fn serialize_none(self) -> Result<(), Unsupported> {
        self.serialize_unit()
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), Unsupported> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<(), Unsupported> {
        self.st.out.extend_from_slice(b"null");
        Ok(())
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<(), Unsupported> {
        self.serialize_unit()
    }
    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
    ) -> Result<(), Unsupported> {
        self.serialize_str(variant)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        name: &'static str,
        value: &T,
    ) -> Result<(), Unsupported> {
        if private(name) {
            return Err(Unsupported);
        }
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<(), Unsupported> {
        let depth = self.nested()?;
        self.st.out.push(b'{');
        self.st.write_name(variant)?;
        value.serialize(Writer { st: self.st, depth })?;
        self.st.out.push(b'}');
        Ok(())
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Array<'a>, Unsupported> {
        self.array(None)
    }
    fn serialize_tuple(self, _: usize) -> Result<Array<'a>, Unsupported> {
        self.array(None)
    }
    fn serialize_tuple_struct(self, _: &'static str, _: usize) -> Result<Array<'a>, Unsupported> {
        self.array(None)
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        _: usize,
    ) -> Result<Array<'a>, Unsupported> {
        self.array(Some(variant))
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Object<'a>, Unsupported> {
        self.object(None)
    }
    fn serialize_struct(self, name: &'static str, _: usize) -> Result<Object<'a>, Unsupported> {
        if private(name) {
            return Err(Unsupported);
        }
        self.object(None)
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        _: usize,
    ) -> Result<Object<'a>, Unsupported> {
        self.object(Some(variant))
    }
}

struct Array<'a> {
    st: &'a mut State,
    depth: usize,
    first: bool,
    close_variant: bool,
}

impl Array<'_> {
    fn element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Unsupported> {
        if !self.first {
            self.st.out.push(b',');
        }
        self.first = false;
        value.serialize(Writer {
            st: self.st,
            depth: self.depth,
        })
    }

    fn finish(self) -> Result<(), Unsupported> {
        self.st.out.push(b']');
        if self.close_variant {
            self.st.out.push(b'}');
        }
        Ok(())
    }
}

/// The four sequence traits, all writing an array.
macro_rules! array_impl {
    ($trait:ident, $method:ident) => {
        impl ser::$trait for Array<'_> {
            type Ok = ();
            type Error = Unsupported;
            fn $method<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Unsupported> {
                self.element(value)
            }
            fn end(self) -> Result<(), Unsupported> {
                self.finish()
            }
        }
    };
}

array_impl!(SerializeSeq, serialize_element);
array_impl!(SerializeTuple, serialize_element);
array_impl!(SerializeTupleStruct, serialize_field);
array_impl!(SerializeTupleVariant, serialize_field);

struct Object<'a> {
    st: &'a mut State,
    depth: usize,
    /// Index of this object's first member in `State::members`.
    base: usize,
    /// Output position just after `{`.
    start: usize,
    /// A map key written, waiting for its value: (member start, name range).
    pending: Option<(usize, usize, usize)>,
    close_variant: bool,
}

impl Object<'_> {
    fn begin_member(&mut self) -> usize {
        if self.st.members.len() > self.base {
            self.st.out.push(b',');
        }
        self.st.out.len()
    }

    fn value<T: Serialize + ?Sized>(
        &mut self,
        (start, name_start, name_end): (usize, usize, usize),
        value: &T,
    ) -> Result<(), Unsupported> {
        value.serialize(Writer {
            st: self.st,
            depth: self.depth,
        })?;
        self.st.members.push(Member {
            name_start,
            name_end,
            start,
            end: self.st.out.len(),
        });
        Ok(())
    }

    fn finish(self) -> Result<(), Unsupported> {
        if self.pending.is_some() {
            return Err(Unsupported);
        }
        self.st.close_object(self.base, self.start)?;
        if self.close_variant {
            self.st.out.push(b'}');
        }
        Ok(())
    }
}

impl ser::SerializeMap for Object<'_> {
    type Ok = ();
    type Error = Unsupported;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), Unsupported> {
        if self.pending.is_some() {
            return Err(Unsupported);
        }
        let start = self.begin_member();
        let name = key.serialize(KeyWriter)?;
        let (name_start, name_end) = self.st.write_name(&name)?;
        self.pending = Some((start, name_start, name_end));
        Ok(())
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Unsupported> {
        let pending = self.pending.take().ok_or(Unsupported)?;
        self.value(pending, value)
    }
    fn end(self) -> Result<(), Unsupported> {
        self.finish()
    }
}

impl ser::SerializeStruct for Object<'_> {
    type Ok = ();
    type Error = Unsupported;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        name: &'static str,
        value: &T,
    ) -> Result<(), Unsupported> {
        let start = self.begin_member();
        let (name_start, name_end) = self.st.write_name(name)?;
        self.value((start, name_start, name_end), value)
    }
    fn end(self) -> Result<(), Unsupported> {
        self.finish()
    }
}

impl ser::SerializeStructVariant for Object<'_> {
    type Ok = ();
    type Error = Unsupported;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        name: &'static str,
        value: &T,
    ) -> Result<(), Unsupported> {
        ser::SerializeStruct::serialize_field(self, name, value)
    }
    fn end(self) -> Result<(), Unsupported> {
        self.finish()
    }
}

/// Integer map keys are written in decimal, as serde_json does.
macro_rules! integer_keys {
    ($($method:ident: $t:ty),* $(,)?) => {
        $(fn $method(self, v: $t) -> Result<String, Unsupported> {
            Ok(v.to_string())
        })*
    };
}

/// Turns a map key into its name, as serde_json does for the keys it
/// accepts that this writer also handles: strings, characters, unit
/// variants and integers.
struct KeyWriter;

impl ser::Serializer for KeyWriter {
    type Ok = String;
    type Error = Unsupported;
    type SerializeSeq = Impossible<String, Unsupported>;
    type SerializeTuple = Impossible<String, Unsupported>;
    type SerializeTupleStruct = Impossible<String, Unsupported>;
    type SerializeTupleVariant = Impossible<String, Unsupported>;
    type SerializeMap = Impossible<String, Unsupported>;
    type SerializeStruct = Impossible<String, Unsupported>;
    type SerializeStructVariant = Impossible<String, Unsupported>;

    fn serialize_str(self, v: &str) -> Result<String, Unsupported> {
        Ok(v.to_owned())
    }
    fn serialize_char(self, v: char) -> Result<String, Unsupported> {
        Ok(v.to_string())
    }
    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
    ) -> Result<String, Unsupported> {
        Ok(variant.to_owned())
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<String, Unsupported> {
        value.serialize(self)
    }
    integer_keys!(
        serialize_i8: i8,
        serialize_i16: i16,
        serialize_i32: i32,
        serialize_i64: i64,
        serialize_u8: u8,
        serialize_u16: u16,
        serialize_u32: u32,
        serialize_u64: u64,
    );
    fn serialize_bool(self, _: bool) -> Result<String, Unsupported> {
        Err(Unsupported)
    }
    fn serialize_f32(self, _: f32) -> Result<String, Unsupported> {
        Err(Unsupported)
    }
    fn serialize_f64(self, _: f64) -> Result<String, Unsupported> {
        Err(Unsupported)
    }
    fn serialize_bytes(self, _: &[u8]) -> Result<String, Unsupported> {
        Err(Unsupported)
    }
    fn serialize_none(self) -> Result<String, Unsupported> {
        Err(Unsupported)
    }
    fn serialize_some<T: Serialize + ?Sized>(self, _: &T) -> Result<String, Unsupported> {
        Err(Unsupported)
    }
    fn serialize_unit(self) -> Result<String, Unsupported> {
        Err(Unsupported)
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<String, Unsupported> {
        Err(Unsupported)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<String, Unsupported> {
        Err(Unsupported)
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq, Unsupported> {
        Err(Unsupported)
    }
    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, Unsupported> {
        Err(Unsupported)
    }
    fn serialize_tuple_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleStruct, Unsupported> {
        Err(Unsupported)
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, Unsupported> {
        Err(Unsupported)
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap, Unsupported> {
        Err(Unsupported)
    }
    fn serialize_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStruct, Unsupported> {
        Err(Unsupported)
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, Unsupported> {
        Err(Unsupported)
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use serde_json::{Map, Value, json};

    use super::*;
    use crate::canonical::{canonicalize, canonicalize_value};

    /// The general path: ordinary JSON, read back canonically.
    fn general<T: Serialize>(value: &T) -> Vec<u8> {
        canonicalize(&serde_json::to_vec(value).unwrap()).unwrap()
    }

    #[test]
    fn sorts_nested_members_and_writes_canonical_scalars() {
        let v = json!({"b": [1, 2.5, -0.0, 1e21, "x\u{1f}\"\\"], "a": {"z": null, "é": true, "y": false}, "": 0});
        let fast = to_canonical_vec(&v).unwrap();
        assert_eq!(
            String::from_utf8(fast.clone()).unwrap(),
            r#"{"":0,"a":{"y":false,"z":null,"é":true},"b":[1,2.5,0,1e+21,"x\u001f\"\\"]}"#
        );
        assert_eq!(fast, general(&v));
    }

    #[test]
    fn names_in_utf16_order_not_byte_order() {
        // By UTF-8 bytes U+FB01 (EF AC 81) comes before U+1F600 (F0 9F 98
        // 80); by UTF-16 code units the surrogate 0xD83D comes before 0xFB01.
        let v = json!({"\u{fb01}": 1, "\u{1f600}": 2});
        assert_eq!(
            String::from_utf8(to_canonical_vec(&v).unwrap()).unwrap(),
            "{\"\u{1f600}\":2,\"\u{fb01}\":1}"
        );
    }

    #[test]
    fn hands_over_what_it_does_not_handle() {
        assert!(to_canonical_vec(&json!({"a\nb": 1})).is_err());
        assert!(to_canonical_vec(&json!(9_007_199_254_740_993_u64)).is_err());
        assert!(to_canonical_vec(&1.5f32).is_err());
        let mut deep = json!(1);
        for _ in 0..=MAX_DEPTH {
            deep = json!([deep]);
        }
        assert!(to_canonical_vec(&deep).is_err());
        // Up to the limit it is handled.
        let mut ok = json!(1);
        for _ in 0..MAX_DEPTH {
            ok = json!([ok]);
        }
        assert_eq!(to_canonical_vec(&ok).unwrap(), canonicalize_value(&ok));
    }

    #[test]
    fn duplicate_names_are_handed_over() {
        #[derive(Serialize)]
        struct Twice {
            a: u8,
            #[serde(flatten)]
            more: Map<String, Value>,
        }
        let mut more = Map::new();
        more.insert("a".to_owned(), json!(2));
        assert!(to_canonical_vec(&Twice { a: 1, more }).is_err());
    }

    #[test]
    fn enums_structs_and_maps_match_serde_json() {
        #[derive(Serialize)]
        #[serde(tag = "type", rename_all = "kebab-case")]
        enum Tagged {
            Person { name: String, born: Option<u16> },
            Place { lat: f64, lon: f64 },
        }
        #[derive(Serialize)]
        enum External {
            Unit,
            New(i32),
            Tuple(u8, String),
            Struct { z: bool, a: Vec<u8> },
        }
        #[derive(Serialize)]
        struct All {
            tagged: Vec<Tagged>,
            external: Vec<External>,
            map: std::collections::BTreeMap<u32, char>,
            bytes: serde_bytes_like::Bytes,
            unit: (),
        }
        mod serde_bytes_like {
            pub(super) struct Bytes(pub(super) Vec<u8>);
            impl serde::Serialize for Bytes {
                fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                    s.serialize_bytes(&self.0)
                }
            }
        }
        let v = All {
            tagged: vec![
                Tagged::Person {
                    name: "Ana".into(),
                    born: Some(1980),
                },
                Tagged::Person {
                    name: "B".into(),
                    born: None,
                },
                Tagged::Place {
                    lat: 48.85,
                    lon: -2.0e-7,
                },
            ],
            external: vec![
                External::Unit,
                External::New(-5),
                External::Tuple(1, "t".into()),
                External::Struct {
                    z: true,
                    a: vec![3],
                },
            ],
            map: [(10, 'x'), (9, 'y')].into_iter().collect(),
            bytes: serde_bytes_like::Bytes(vec![0, 255]),
            unit: (),
        };
        assert_eq!(to_canonical_vec(&v).unwrap(), general(&v));
    }

    fn any_value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(|i| json!(i)),
            any::<u64>().prop_map(|u| json!(u)),
            any::<f64>()
                .prop_filter("finite", |f| f.is_finite())
                .prop_map(|f| json!(f)),
            any::<String>().prop_map(Value::String),
        ];
        leaf.prop_recursive(5, 64, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
                prop::collection::vec((any::<String>(), inner), 0..6)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest! {
        #[test]
        fn equals_the_general_path_whenever_it_answers(v in any_value()) {
            if let Ok(fast) = to_canonical_vec(&v) {
                prop_assert_eq!(fast, canonicalize_value(&v));
            }
        }
    }
}
