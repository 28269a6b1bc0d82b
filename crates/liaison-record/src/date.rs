//! Timestamps, calendar dates and partial dates.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use time::format_description::well_known::Rfc3339;
use time::{Date, OffsetDateTime, UtcOffset};

use crate::ParseError;

mod forms;

pub use forms::{CenturyPivot, NiemDateType};

/// A point in time, RFC 3339 in UTC (`Z`), written with millisecond
/// precision (more digits are kept when given).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
#[serde(try_from = "String")]
pub struct Timestamp(OffsetDateTime);

impl Serialize for Timestamp {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        // Records are full of timestamps: write them without the
        // formatting machinery or an allocation (same text as `Display`).
        let mut buf = [0u8; 30];
        match self.write_ascii(&mut buf) {
            Some(text) => serializer.serialize_str(text),
            None => serializer.collect_str(self),
        }
    }
}

impl Timestamp {
    /// Writes the `Display` form into `buf`, for years 0 to 9999.
    fn write_ascii(self, buf: &mut [u8; 30]) -> Option<&str> {
        let t = self.0;
        let year = u32::try_from(t.year()).ok().filter(|y| *y <= 9999)?;
        let nanos = t.nanosecond();
        let (fraction, width) = if nanos.is_multiple_of(1_000_000) {
            (nanos / 1_000_000, 3)
        } else if nanos.is_multiple_of(1_000) {
            (nanos / 1_000, 6)
        } else {
            (nanos, 9)
        };
        let mut n = 0;
        let mut put = |value: u32, digits: u32, after: u8| {
            for i in (0..digits).rev() {
                if let Some(b) = buf.get_mut(n) {
                    *b = b'0' + ((value / 10u32.pow(i)) % 10) as u8;
                }
                n += 1;
            }
            if let Some(b) = buf.get_mut(n) {
                *b = after;
            }
            n += 1;
        };
        put(year, 4, b'-');
        put(u8::from(t.month()).into(), 2, b'-');
        put(t.day().into(), 2, b'T');
        put(t.hour().into(), 2, b':');
        put(t.minute().into(), 2, b':');
        put(t.second().into(), 2, b'.');
        put(fraction, width, b'Z');
        std::str::from_utf8(buf.get(..n)?).ok()
    }
}

impl Timestamp {
    /// The current time.
    pub fn now() -> Self {
        Self(OffsetDateTime::now_utc())
    }

    /// The time as a [`time::OffsetDateTime`] in UTC.
    pub fn to_offset_date_time(self) -> OffsetDateTime {
        self.0
    }

    /// Builds a timestamp from any offset date-time, converted to UTC.
    pub fn from_offset_date_time(t: OffsetDateTime) -> Self {
        Self(t.to_offset(UtcOffset::UTC))
    }
}

impl FromStr for Timestamp {
    type Err = ParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let expected =
            "an RFC 3339 timestamp in UTC ending in `Z`, such as `2026-11-26T08:30:00.000Z`";
        if !s.ends_with('Z') || s.as_bytes().get(10) != Some(&b'T') {
            return Err(ParseError::new(s, expected));
        }
        // A leap second (`23:59:60`) would be read as the last instant of
        // the second before it and written back so: the data would change.
        if s.get(17..19) == Some("60") {
            return Err(ParseError::new(
                s,
                "a timestamp without a leap second (seconds 00 to 59): write `23:59:59.999Z` or the next day's `00:00:00.000Z`",
            ));
        }
        OffsetDateTime::parse(s, &Rfc3339)
            .map(Self)
            .map_err(|_| ParseError::new(s, expected))
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let t = self.0;
        let nanos = t.nanosecond();
        write!(
            f,
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
            t.year(),
            u8::from(t.month()),
            t.day(),
            t.hour(),
            t.minute(),
            t.second()
        )?;
        if nanos.is_multiple_of(1_000_000) {
            write!(f, ".{:03}Z", nanos / 1_000_000)
        } else if nanos.is_multiple_of(1_000) {
            write!(f, ".{:06}Z", nanos / 1_000)
        } else {
            write!(f, ".{nanos:09}Z")
        }
    }
}

impl TryFrom<String> for Timestamp {
    type Error = ParseError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<Timestamp> for String {
    fn from(t: Timestamp) -> Self {
        t.to_string()
    }
}

/// A full calendar date, `YYYY-MM-DD`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
#[serde(try_from = "String")]
pub struct CalendarDate(Date);

impl CalendarDate {
    /// The date as a [`time::Date`].
    pub fn to_date(self) -> Date {
        self.0
    }

    /// Wraps a [`time::Date`].
    pub fn from_date(d: Date) -> Self {
        Self(d)
    }
}

impl FromStr for CalendarDate {
    type Err = ParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let format = time::macros::format_description!("[year]-[month]-[day]");
        if s.len() != 10 {
            return Err(ParseError::new(s, "a date `YYYY-MM-DD`"));
        }
        Date::parse(s, &format)
            .map(Self)
            .map_err(|_| ParseError::new(s, "a date `YYYY-MM-DD`"))
    }
}

impl fmt::Display for CalendarDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = self.0;
        write!(
            f,
            "{:04}-{:02}-{:02}",
            d.year(),
            u8::from(d.month()),
            d.day()
        )
    }
}

impl TryFrom<String> for CalendarDate {
    type Error = ParseError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl Serialize for CalendarDate {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl From<CalendarDate> for String {
    fn from(d: CalendarDate) -> Self {
        d.to_string()
    }
}

/// A date of which only the year, or the year and month, may be known:
/// written `YYYY`, `YYYY-MM` or `YYYY-MM-DD` (ISO 8601 reduced precision).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
#[serde(try_from = "String")]
pub struct PartialDate {
    year: u16,
    month: Option<u8>,
    day: Option<u8>,
}

impl PartialDate {
    /// The year.
    pub fn year(&self) -> u16 {
        self.year
    }

    /// The month (1 to 12), when known.
    pub fn month(&self) -> Option<u8> {
        self.month
    }

    /// The day of the month, when known (only with a month).
    pub fn day(&self) -> Option<u8> {
        self.day
    }

    /// The same date reduced to its year.
    pub fn year_only(&self) -> Self {
        Self {
            year: self.year,
            month: None,
            day: None,
        }
    }

    /// Builds a partial date, checking that the parts form a real date.
    ///
    /// # Errors
    ///
    /// When the month is outside 1 to 12, a day is given without a month, or
    /// the day does not exist in that month.
    pub fn new(year: u16, month: Option<u8>, day: Option<u8>) -> Result<Self, ParseError> {
        let text = || match (month, day) {
            (Some(m), Some(d)) => format!("{year:04}-{m:02}-{d:02}"),
            (Some(m), None) => format!("{year:04}-{m:02}"),
            (None, Some(d)) => format!("{year:04}-??-{d:02}"),
            (None, None) => format!("{year:04}"),
        };
        match (month, day) {
            (None, Some(_)) => return Err(ParseError::new(&text(), "a day only with a month")),
            (Some(m), d) => {
                let month = time::Month::try_from(m)
                    .map_err(|_| ParseError::new(&text(), "a month from 01 to 12"))?;
                if let Some(d) = d {
                    Date::from_calendar_date(i32::from(year), month, d)
                        .map_err(|_| ParseError::new(&text(), "a day that exists in that month"))?;
                }
            }
            (None, None) => {}
        }
        if year > 9999 {
            return Err(ParseError::new(&text(), "a four-digit year"));
        }
        Ok(Self { year, month, day })
    }
}

impl FromStr for PartialDate {
    type Err = ParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let expected = "a date `YYYY`, `YYYY-MM` or `YYYY-MM-DD`";
        let num = |part: &str, len: usize| -> Result<u16, ParseError> {
            if part.len() == len && part.bytes().all(|b| b.is_ascii_digit()) {
                part.parse().map_err(|_| ParseError::new(s, expected))
            } else {
                Err(ParseError::new(s, expected))
            }
        };
        let mut parts = s.split('-');
        let year = num(parts.next().unwrap_or_default(), 4)?;
        let month = parts.next().map(|p| num(p, 2)).transpose()?;
        let day = parts.next().map(|p| num(p, 2)).transpose()?;
        if parts.next().is_some() {
            return Err(ParseError::new(s, expected));
        }
        let narrow = |v: u16| u8::try_from(v).map_err(|_| ParseError::new(s, expected));
        Self::new(
            year,
            month.map(narrow).transpose()?,
            day.map(narrow).transpose()?,
        )
    }
}

impl fmt::Display for PartialDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}", self.year)?;
        if let Some(m) = self.month {
            write!(f, "-{m:02}")?;
            if let Some(d) = self.day {
                write!(f, "-{d:02}")?;
            }
        }
        Ok(())
    }
}

impl TryFrom<String> for PartialDate {
    type Error = ParseError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl Serialize for PartialDate {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl From<PartialDate> for String {
    fn from(d: PartialDate) -> Self {
        d.to_string()
    }
}
