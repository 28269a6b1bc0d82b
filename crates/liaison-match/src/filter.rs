//! The compact index of one kind: a binary fuse filter (`xorf`) over the
//! 64-bit filter keys of the holder's OPRF outputs.
//!
//! A filter key is the first 8 bytes of an OPRF output read as a big-endian
//! integer. A key that was put in the filter is always found; any other key
//! is found with probability about 2^-w, w the fingerprint width (8, 16 or
//! 32 bits). Stored, a filter is its descriptor and its fingerprints; the
//! lookup rule is in `docs/match.md` (section 5).

use xorf::{BinaryFuse8, BinaryFuse16, BinaryFuse32, Descriptor, Filter as _};

use crate::format::{ParseError, Reader, Writer};
use crate::oprf::OUTPUT_LEN;

/// The most entries one section (one kind) of an index holds.
pub const MAX_SECTION_ENTRIES: usize = 1 << 30;

/// The filter's fingerprint width, which sets the false-positive rate and
/// the size: about `1.125 * bits / 8` bytes per distinct key (a little more
/// for small sections).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum FilterWidth {
    /// 8-bit fingerprints: false-positive rate 2^-8 (0.39 %), about 1.1
    /// bytes per key.
    Bits8,
    /// 16-bit fingerprints: false-positive rate 2^-16 (1.5 in 100,000),
    /// about 2.3 bytes per key.
    Bits16,
    /// 32-bit fingerprints: false-positive rate 2^-32 (2.3 in 10^10), about
    /// 4.5 bytes per key. The default.
    #[default]
    Bits32,
}

impl FilterWidth {
    /// The fingerprint width in bits: 8, 16 or 32.
    pub const fn bits(self) -> u8 {
        match self {
            FilterWidth::Bits8 => 8,
            FilterWidth::Bits16 => 16,
            FilterWidth::Bits32 => 32,
        }
    }

    /// The width of `bits` bits, if it is 8, 16 or 32.
    pub const fn from_bits(bits: u8) -> Option<Self> {
        match bits {
            8 => Some(FilterWidth::Bits8),
            16 => Some(FilterWidth::Bits16),
            32 => Some(FilterWidth::Bits32),
            _ => None,
        }
    }

    /// The probability that a key not in the index is reported as a hit,
    /// for one lookup: 2^-bits.
    pub fn false_positive_rate(self) -> f64 {
        (-f64::from(self.bits())).exp2()
    }

    fn bytes(self) -> usize {
        usize::from(self.bits() / 8)
    }
}

/// A binary fuse filter of one of the three widths.
#[derive(Debug, Clone)]
pub(crate) enum Filter {
    B8(BinaryFuse8),
    B16(BinaryFuse16),
    B32(BinaryFuse32),
}

/// The filter key of an OPRF output.
pub(crate) fn filter_key(output: &[u8; OUTPUT_LEN]) -> u64 {
    let mut first = [0u8; 8];
    first.copy_from_slice(output.get(..8).unwrap_or(&[0u8; 8]));
    u64::from_be_bytes(first)
}

impl Filter {
    /// Builds the filter of `keys` (sorted and deduplicated here).
    pub(crate) fn build(width: FilterWidth, keys: &mut Vec<u64>) -> Result<Self, &'static str> {
        keys.sort_unstable();
        keys.dedup();
        let keys = keys.as_slice();
        Ok(match width {
            FilterWidth::Bits8 => Filter::B8(BinaryFuse8::try_from(keys)?),
            FilterWidth::Bits16 => Filter::B16(BinaryFuse16::try_from(keys)?),
            FilterWidth::Bits32 => Filter::B32(BinaryFuse32::try_from(keys)?),
        })
    }

    pub(crate) fn contains(&self, key: u64) -> bool {
        match self {
            Filter::B8(f) => f.contains(&key),
            Filter::B16(f) => f.contains(&key),
            Filter::B32(f) => f.contains(&key),
        }
    }

    pub(crate) fn width(&self) -> FilterWidth {
        match self {
            Filter::B8(_) => FilterWidth::Bits8,
            Filter::B16(_) => FilterWidth::Bits16,
            Filter::B32(_) => FilterWidth::Bits32,
        }
    }

    fn descriptor(&self) -> &Descriptor {
        match self {
            Filter::B8(f) => &f.descriptor,
            Filter::B16(f) => &f.descriptor,
            Filter::B32(f) => &f.descriptor,
        }
    }

    /// The number of fingerprints.
    pub(crate) fn fingerprints(&self) -> usize {
        match self {
            Filter::B8(f) => f.fingerprints.len(),
            Filter::B16(f) => f.fingerprints.len(),
            Filter::B32(f) => f.fingerprints.len(),
        }
    }

    /// The length of [`Filter::write`]'s output.
    pub(crate) fn encoded_len(&self) -> usize {
        24 + self.fingerprints() * self.width().bytes()
    }

    /// `seed (8) || segment_length (4) || segment_length_mask (4) ||
    /// segment_count_length (4) || fingerprint count (4) || fingerprints`,
    /// each fingerprint big-endian in `bits / 8` bytes.
    pub(crate) fn write(&self, w: &mut Writer) {
        let d = self.descriptor();
        w.u64(d.seed);
        w.u32(d.segment_length);
        w.u32(d.segment_length_mask);
        w.u32(d.segment_count_length);
        w.count32(self.fingerprints());
        match self {
            Filter::B8(f) => w.bytes(&f.fingerprints),
            Filter::B16(f) => f.fingerprints.iter().for_each(|x| w.u16(*x)),
            Filter::B32(f) => f.fingerprints.iter().for_each(|x| w.u32(*x)),
        }
    }

    /// Reads what [`Filter::write`] wrote, checking that every lookup stays
    /// inside the fingerprints: the segment length is a power of two, the
    /// mask is one less, the segment count length is a non-zero multiple of
    /// the segment length, and there are exactly `segment_count_length + 2 *
    /// segment_length` fingerprints.
    pub(crate) fn read(r: &mut Reader<'_>, width: FilterWidth) -> Result<Self, ParseError> {
        let seed = r.u64("filter seed")?;
        let at = r.pos();
        let segment_length = r.u32("segment length")?;
        if !segment_length.is_power_of_two() {
            return Err(r.invalid(at, "segment length", "is not a power of two"));
        }
        let at = r.pos();
        let segment_length_mask = r.u32("segment length mask")?;
        if segment_length_mask != segment_length - 1 {
            return Err(r.invalid(
                at,
                "segment length mask",
                "is not the segment length minus one",
            ));
        }
        let at = r.pos();
        let segment_count_length = r.u32("segment count length")?;
        if segment_count_length == 0 || segment_count_length % segment_length != 0 {
            return Err(r.invalid(
                at,
                "segment count length",
                "is not a non-zero multiple of the segment length",
            ));
        }
        let at = r.pos();
        let count = r.count32("fingerprint count", width.bytes())?;
        let expected = u64::from(segment_count_length) + 2 * u64::from(segment_length);
        if u64::try_from(count).ok() != Some(expected) {
            return Err(r.invalid(
                at,
                "fingerprint count",
                format!("is {count}, the descriptor needs {expected}"),
            ));
        }
        let descriptor = Descriptor {
            seed,
            segment_length,
            segment_length_mask,
            segment_count_length,
        };
        let bytes = r.take(count * width.bytes(), "fingerprints")?;
        Ok(match width {
            FilterWidth::Bits8 => Filter::B8(BinaryFuse8 {
                descriptor,
                fingerprints: bytes.into(),
            }),
            FilterWidth::Bits16 => Filter::B16(BinaryFuse16 {
                descriptor,
                fingerprints: bytes
                    .chunks_exact(2)
                    .map(|c| {
                        let mut b = [0u8; 2];
                        b.copy_from_slice(c);
                        u16::from_be_bytes(b)
                    })
                    .collect(),
            }),
            FilterWidth::Bits32 => Filter::B32(BinaryFuse32 {
                descriptor,
                fingerprints: bytes
                    .chunks_exact(4)
                    .map(|c| {
                        let mut b = [0u8; 4];
                        b.copy_from_slice(c);
                        u32::from_be_bytes(b)
                    })
                    .collect(),
            }),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::Message;

    fn keys(n: u64, salt: u64) -> Vec<u64> {
        (0..n)
            .map(|i| {
                (i ^ salt)
                    .wrapping_mul(0x9e37_79b9_7f4a_7c15)
                    .rotate_left(17)
            })
            .collect()
    }

    #[test]
    fn every_size_keeps_the_layout_the_reader_checks() {
        for width in [FilterWidth::Bits8, FilterWidth::Bits16, FilterWidth::Bits32] {
            for n in [0u64, 1, 2, 3, 5, 17, 100, 1000, 4097, 20_000] {
                let mut k = keys(n, 1);
                let f = Filter::build(width, &mut k).unwrap();
                for key in &k {
                    assert!(f.contains(*key), "{n} keys, width {}", width.bits());
                }
                let mut w = crate::format::Writer::new(Message::Index, 0);
                f.write(&mut w);
                let bytes = w.into_bytes();
                assert_eq!(bytes.len(), 6 + f.encoded_len());
                let mut r = Reader::open(&bytes, Message::Index).unwrap();
                let back = Filter::read(&mut r, width).unwrap();
                r.finish().unwrap();
                for key in &k {
                    assert!(back.contains(*key));
                }
                assert_eq!(back.fingerprints(), f.fingerprints());
            }
        }
    }

    #[test]
    fn the_reader_refuses_descriptors_that_would_look_outside() {
        let mut k = keys(1000, 2);
        let f = Filter::build(FilterWidth::Bits8, &mut k).unwrap();
        let mut w = crate::format::Writer::new(Message::Index, 0);
        f.write(&mut w);
        let good = w.into_bytes();
        // segment length (offset 6 + 8), mask, count length, count
        for (offset, value) in [(14usize, 3u32), (18, 0), (22, 1), (26, 7)] {
            let mut bad = good.clone();
            bad[offset..offset + 4].copy_from_slice(&value.to_be_bytes());
            let mut r = Reader::open(&bad, Message::Index).unwrap();
            let err = Filter::read(&mut r, FilterWidth::Bits8).unwrap_err();
            assert_eq!(err.offset, offset, "{err}");
        }
    }
}
