//! The forms partial dates take in machine-readable zones, Interpol data and
//! NIEM documents.

use crate::{CalendarDate, ParseError, PartialDate};

/// How a two-digit MRZ year is given its century, relative to a reference
/// date (usually the day the zone is read).
///
/// - [`CenturyPivot::not_after`], for dates of birth: the latest date that
///   is not after the reference date. With the reference date 2026-11-26,
///   `740812` is 1974-08-12, `261126` is 2026-11-26 and `261127` is
///   1926-11-27. A partial date is compared on the parts it has: `2611<<`
///   is 2026-11, `2612<<` is 1926-12.
/// - [`CenturyPivot::around`], for dates of expiry and issue: the year
///   from 50 years before to 49 years after the reference year. With the
///   reference year 2026 the window is 1976 to 2075: `76` is 1976, `75` is
///   2075.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CenturyPivot {
    reference: CalendarDate,
    not_after: bool,
}

impl CenturyPivot {
    /// The rule for dates of birth: the latest date not after `reference`.
    pub fn not_after(reference: CalendarDate) -> Self {
        Self {
            reference,
            not_after: true,
        }
    }

    /// The rule for dates of expiry and issue: the year from 50 years
    /// before to 49 years after the year of `reference`.
    pub fn around(reference: CalendarDate) -> Self {
        Self {
            reference,
            not_after: false,
        }
    }

    /// The full year for two digits `yy`, given the month and day when known.
    fn year(&self, yy: u16, month: Option<u8>, day: Option<u8>) -> i32 {
        let reference = self.reference.to_date();
        let ref_year = reference.year();
        let yy = i32::from(yy);
        if self.not_after {
            let mut year = ref_year - (ref_year - yy).rem_euclid(100);
            if year == ref_year {
                let ref_month = u8::from(reference.month());
                let after = match (month, day) {
                    (Some(m), Some(d)) => (m, d) > (ref_month, reference.day()),
                    (Some(m), None) => m > ref_month,
                    _ => false,
                };
                if after {
                    year -= 100;
                }
            }
            year
        } else {
            let low = ref_year - 50;
            low + (yy - low).rem_euclid(100)
        }
    }
}

/// Which NIEM (XML Schema) type a partial date is written as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NiemDateType {
    /// `xs:gYear`, element `nc:YearDate`: `1985`.
    Year,
    /// `xs:gYearMonth`, element `nc:YearMonthDate`: `1985-07`.
    YearMonth,
    /// `xs:date`, element `nc:Date`: `1985-07-14`.
    Date,
}

impl NiemDateType {
    /// The NIEM Core element that holds this type.
    pub fn element(self) -> &'static str {
        match self {
            NiemDateType::Year => "nc:YearDate",
            NiemDateType::YearMonth => "nc:YearMonthDate",
            NiemDateType::Date => "nc:Date",
        }
    }
}

const MRZ_EXPECTED: &str = "an MRZ date `YYMMDD`, with `<<` for an unknown month or day";
const INTERPOL_EXPECTED: &str = "an Interpol date `YYYY-MM-DD` or `YYYY/MM/DD` with `00` for an unknown month or day, or `YYYY`";
const NIEM_EXPECTED: &str = "an XML Schema `gYear`, `gYearMonth` or `date` (`1985`, `1985-07`, `1985-07-14`), optionally with a time zone";

/// Two ASCII digits as a number.
fn two_digits(s: &str) -> Option<u8> {
    match s.as_bytes() {
        &[a, b] if a.is_ascii_digit() && b.is_ascii_digit() => Some((a - b'0') * 10 + (b - b'0')),
        _ => None,
    }
}

/// Four ASCII digits as a number.
fn four_digits(s: &str) -> Option<u16> {
    if s.len() == 4 && s.bytes().all(|b| b.is_ascii_digit()) {
        s.parse().ok()
    } else {
        None
    }
}

impl PartialDate {
    /// Reads an MRZ date field, `YYMMDD`, where an unknown day or month and
    /// day are written `<<` (ICAO Doc 9303 Part 3), giving the year its
    /// century by `pivot`.
    ///
    /// ```
    /// use liaison_record::{CalendarDate, CenturyPivot, PartialDate};
    ///
    /// let today: CalendarDate = "2026-11-26".parse()?;
    /// let born = PartialDate::from_mrz("740812", CenturyPivot::not_after(today))?;
    /// assert_eq!(born.to_string(), "1974-08-12");
    /// let year_only = PartialDate::from_mrz("74<<<<", CenturyPivot::not_after(today))?;
    /// assert_eq!(year_only.to_string(), "1974");
    /// assert_eq!(year_only.to_mrz(), "74<<<<");
    /// let expiry = PartialDate::from_mrz("320415", CenturyPivot::around(today))?;
    /// assert_eq!(expiry.to_string(), "2032-04-15");
    /// # Ok::<(), liaison_record::ParseError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// When the field is not six characters of this form, the year is
    /// unknown, a day is known without its month, or the date does not
    /// exist.
    pub fn from_mrz(field: &str, pivot: CenturyPivot) -> Result<Self, ParseError> {
        let err = || ParseError::new(field, MRZ_EXPECTED);
        if field.len() != 6 || !field.is_ascii() {
            return Err(err());
        }
        let part = |range: std::ops::Range<usize>| -> Result<Option<u8>, ParseError> {
            match field.get(range) {
                Some("<<") => Ok(None),
                Some(p) => two_digits(p).map(Some).ok_or_else(err),
                None => Err(err()),
            }
        };
        let yy = part(0..2)?.ok_or_else(err)?;
        let month = part(2..4)?;
        let day = part(4..6)?;
        let year = pivot.year(u16::from(yy), month, day);
        let year = u16::try_from(year).map_err(|_| err())?;
        Self::new(year, month, day).map_err(|_| err())
    }

    /// The MRZ form `YYMMDD`, with `<<` for an unknown month or day.
    pub fn to_mrz(&self) -> String {
        let part = |p: Option<u8>| p.map_or_else(|| "<<".to_owned(), |v| format!("{v:02}"));
        format!(
            "{:02}{}{}",
            self.year() % 100,
            part(self.month()),
            part(self.day())
        )
    }

    /// Reads a date as Interpol notices give it: `YYYY-MM-DD` or
    /// `YYYY/MM/DD`, where `00` stands for an unknown month or day, or a
    /// bare `YYYY`.
    ///
    /// ```
    /// use liaison_record::PartialDate;
    ///
    /// assert_eq!(PartialDate::from_interpol("1985-00-00")?.to_string(), "1985");
    /// assert_eq!(PartialDate::from_interpol("1985/07/00")?.to_string(), "1985-07");
    /// assert_eq!(PartialDate::from_interpol("1985")?.to_interpol(), "1985-00-00");
    /// # Ok::<(), liaison_record::ParseError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// When the text has another form, a day is known without its month,
    /// or the date does not exist.
    pub fn from_interpol(s: &str) -> Result<Self, ParseError> {
        let err = || ParseError::new(s, INTERPOL_EXPECTED);
        if let Some(year) = four_digits(s) {
            return Self::new(year, None, None).map_err(|_| err());
        }
        let sep = match s.as_bytes().get(4) {
            Some(b'-') => '-',
            Some(b'/') => '/',
            _ => return Err(err()),
        };
        let mut parts = s.split(sep);
        let (Some(y), Some(m), Some(d), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(err());
        };
        let year = four_digits(y).ok_or_else(err)?;
        let known = |v: u8| (v != 0).then_some(v);
        let month = two_digits(m).ok_or_else(err).map(known)?;
        let day = two_digits(d).ok_or_else(err).map(known)?;
        Self::new(year, month, day).map_err(|_| err())
    }

    /// The Interpol form `YYYY-MM-DD`, with `00` for an unknown month or
    /// day.
    pub fn to_interpol(&self) -> String {
        format!(
            "{:04}-{:02}-{:02}",
            self.year(),
            self.month().unwrap_or(0),
            self.day().unwrap_or(0)
        )
    }

    /// Reads a NIEM date: an XML Schema `gYear`, `gYearMonth` or `date`
    /// value. A time zone suffix (`Z`, `+01:00`) is allowed and dropped.
    ///
    /// ```
    /// use liaison_record::{NiemDateType, PartialDate};
    ///
    /// let d = PartialDate::from_niem("1985-07Z")?;
    /// assert_eq!(d.to_niem(), "1985-07");
    /// assert_eq!(d.niem_type().element(), "nc:YearMonthDate");
    /// # Ok::<(), liaison_record::ParseError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// When the text is none of the three types, or the date does not
    /// exist (years before 1 and after 9999 included).
    pub fn from_niem(s: &str) -> Result<Self, ParseError> {
        let err = || ParseError::new(s, NIEM_EXPECTED);
        let body = strip_time_zone(s).ok_or_else(err)?;
        body.parse::<PartialDate>()
            .ok()
            .filter(|d| d.year() > 0)
            .ok_or_else(err)
    }

    /// The NIEM form, which is the canonical form (`1985`, `1985-07`,
    /// `1985-07-14`); [`PartialDate::niem_type`] says which type it is.
    pub fn to_niem(&self) -> String {
        self.to_string()
    }

    /// The XML Schema type of [`PartialDate::to_niem`].
    pub fn niem_type(&self) -> NiemDateType {
        match (self.month(), self.day()) {
            (Some(_), Some(_)) => NiemDateType::Date,
            (Some(_), None) => NiemDateType::YearMonth,
            _ => NiemDateType::Year,
        }
    }
}

/// `s` without an XML Schema time zone suffix; `None` when the suffix is
/// malformed.
fn strip_time_zone(s: &str) -> Option<&str> {
    if let Some(body) = s.strip_suffix('Z') {
        return Some(body);
    }
    let n = s.len();
    if n > 6
        && let Some(tz) = s.get(n - 6..)
        && matches!(tz.as_bytes().first(), Some(b'+' | b'-'))
        && tz.as_bytes().get(3) == Some(&b':')
    {
        let hours = two_digits(tz.get(1..3)?)?;
        let minutes = two_digits(tz.get(4..6)?)?;
        if hours > 14 || minutes > 59 || (hours == 14 && minutes > 0) {
            return None;
        }
        // `1985-07-14` itself ends in `-07-14`: a zone needs its colon.
        return s.get(..n - 6);
    }
    Some(s)
}
