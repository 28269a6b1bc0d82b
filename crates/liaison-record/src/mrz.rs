//! Machine-readable zones of travel documents (ICAO Doc 9303): TD1 identity
//! cards (3 lines of 30), TD2 cards (2 lines of 36), TD3 passports (2 lines
//! of 44), and MRV-A and MRV-B visas (2 lines of 44 and 36), with every
//! check digit verified.
//!
//! ```
//! use liaison_record::mrz::{self, MrzFormat};
//!
//! let zone = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\n\
//!             L898902C36UTO7408122F1204159ZE184226B<<<<<10";
//! let mrz = mrz::parse(zone)?;
//! assert_eq!(mrz.format, MrzFormat::Td3);
//! assert_eq!(mrz.document_number, "L898902C3");
//! assert_eq!(mrz.primary_identifier, "ERIKSSON");
//! assert_eq!(mrz.secondary_identifier, "ANNA MARIA");
//! assert_eq!(mrz.birth_date.map(|d| d.to_string()).as_deref(), Some("1974-08-12"));
//!
//! // One character changed: the error names the check that fails.
//! let bad = zone.replace("7408122F", "7408132F");
//! let err = mrz::parse(&bad).unwrap_err();
//! assert_eq!(err.to_string(), "line 2, column 20: check digit of the date of birth is `2`, the data gives `3`");
//! # Ok::<(), liaison_record::mrz::MrzError>(())
//! ```

use std::fmt;

use serde::Serialize;

use crate::{CalendarDate, CountryCode, DocumentType, PartialDate, Sex};

mod entities;
mod layout;

/// The layout of a machine-readable zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum MrzFormat {
    /// Identity card, 3 lines of 30 characters.
    Td1,
    /// Card or document of TD2 size, 2 lines of 36 characters.
    Td2,
    /// Passport, 2 lines of 44 characters.
    Td3,
    /// Visa of TD3 size, 2 lines of 44 characters, document code `V`.
    MrvA,
    /// Visa of TD2 size, 2 lines of 36 characters, document code `V`.
    MrvB,
}

/// The fields of a machine-readable zone that can be wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum MrzField {
    /// The document code (`P<`, `I<`, `V<`, ...).
    DocumentCode,
    /// The issuing state or organization.
    IssuingState,
    /// The document number.
    DocumentNumber,
    /// The name of the holder.
    Name,
    /// The nationality of the holder.
    Nationality,
    /// The date of birth.
    BirthDate,
    /// The sex of the holder.
    Sex,
    /// The date of expiry.
    ExpiryDate,
    /// The optional data (a personal number in TD3 passports).
    OptionalData,
    /// The composite check digit over the other fields.
    Composite,
}

impl fmt::Display for MrzField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            MrzField::DocumentCode => "document code",
            MrzField::IssuingState => "issuing state",
            MrzField::DocumentNumber => "document number",
            MrzField::Name => "name",
            MrzField::Nationality => "nationality",
            MrzField::BirthDate => "date of birth",
            MrzField::Sex => "sex",
            MrzField::ExpiryDate => "date of expiry",
            MrzField::OptionalData => "optional data",
            MrzField::Composite => "composite of the zone",
        })
    }
}

/// Why a machine-readable zone could not be read. Lines and columns count
/// from 1, over the zone's lines once blank lines and surrounding
/// whitespace are removed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MrzError {
    /// The number of lines or their lengths match no format.
    #[error(
        "expected 3 lines of 30 characters (TD1), 2 lines of 36 (TD2, MRV-B) or 2 lines of 44 (TD3, MRV-A); found {found}"
    )]
    Layout {
        /// The lengths found, such as `2 lines of 44 and 43 characters`.
        found: String,
    },
    /// A character that no machine-readable zone holds.
    #[error(
        "line {line}, column {column}: `{found}` is not allowed in a machine-readable zone (only `A` to `Z`, `0` to `9` and `<`)"
    )]
    Character {
        /// The line, from 1.
        line: usize,
        /// The column, from 1.
        column: usize,
        /// The character.
        found: char,
    },
    /// A check digit does not match the data it protects.
    #[error(
        "line {line}, column {column}: check digit of the {field} is `{found}`, the data gives `{computed}`"
    )]
    CheckDigit {
        /// The field the check digit protects.
        field: MrzField,
        /// The line of the check digit, from 1.
        line: usize,
        /// The column of the check digit, from 1.
        column: usize,
        /// The check digit as printed.
        found: char,
        /// The check digit computed from the data.
        computed: char,
    },
    /// A field does not have the form it must have.
    #[error("line {line}, column {column}: {field} `{value}` is not {expected}")]
    Field {
        /// The field.
        field: MrzField,
        /// The line where the field starts, from 1.
        line: usize,
        /// The column where the field starts, from 1.
        column: usize,
        /// The field as printed.
        value: String,
        /// What it should be.
        expected: &'static str,
    },
}

/// A machine-readable zone, read and checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Mrz {
    /// The layout.
    pub format: MrzFormat,
    /// The document code without fillers: `P`, `PD`, `I`, `ID`, `V`, ...
    pub document_code: String,
    /// The issuing state or organization.
    pub issuing_state: CountryCode,
    /// The document number, without fillers (long TD1 and TD2 numbers
    /// joined from their two parts).
    pub document_number: String,
    /// The primary identifier (usually the family name), fillers as spaces.
    pub primary_identifier: String,
    /// The secondary identifier (usually the given names), fillers as spaces.
    pub secondary_identifier: String,
    /// The holder's nationality.
    pub nationality: CountryCode,
    /// The date of birth; `None` when the zone says it is unknown.
    pub birth_date: Option<PartialDate>,
    /// The sex: `M`, `F`, or `X`/`<` unspecified.
    pub sex: Sex,
    /// The date of expiry; `None` when the document does not expire.
    pub expiry_date: Option<PartialDate>,
    /// The optional data fields, trailing fillers removed: one in TD2 and
    /// TD3 (the personal number), two in TD1 (lines 1 and 2).
    pub optional_data: Vec<String>,
    /// The lines as read.
    pub lines: Vec<String>,
}

impl Mrz {
    /// The kind of travel document the document code stands for.
    pub fn document_type(&self) -> DocumentType {
        match self.document_code.as_bytes().first() {
            Some(b'P') => DocumentType::Passport,
            Some(b'I' | b'A' | b'C') => DocumentType::IdentityCard,
            Some(b'V') => DocumentType::Visa,
            _ => DocumentType::Other,
        }
    }
}

/// Reads a machine-readable zone, with today's date (UTC) as the reference
/// for two-digit years (see [`parse_with_reference`]).
///
/// # Errors
///
/// [`MrzError`] naming the line, column and field, or the check digit, that
/// is wrong.
pub fn parse(text: &str) -> Result<Mrz, MrzError> {
    let today = CalendarDate::from_date(time::OffsetDateTime::now_utc().date());
    parse_with_reference(text, today)
}

/// Reads a machine-readable zone. Surrounding whitespace, blank lines and
/// CR LF line ends are allowed. Two-digit years are given their century
/// relative to `reference`: dates of birth by
/// [`crate::CenturyPivot::not_after`], dates of expiry by [`crate::CenturyPivot::around`].
///
/// # Errors
///
/// [`MrzError`] naming the line, column and field, or the check digit, that
/// is wrong.
pub fn parse_with_reference(text: &str, reference: CalendarDate) -> Result<Mrz, MrzError> {
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let lengths: Vec<usize> = lines.iter().map(|l| l.chars().count()).collect();
    let format = match lengths.as_slice() {
        [30, 30, 30] => MrzFormat::Td1,
        [36, 36] if lines.first().is_some_and(|l| l.starts_with('V')) => MrzFormat::MrvB,
        [36, 36] => MrzFormat::Td2,
        [44, 44] if lines.first().is_some_and(|l| l.starts_with('V')) => MrzFormat::MrvA,
        [44, 44] => MrzFormat::Td3,
        _ => {
            return Err(MrzError::Layout {
                found: describe_lengths(&lengths),
            });
        }
    };
    for (i, line) in lines.iter().enumerate() {
        if let Some((column, found)) = line
            .chars()
            .enumerate()
            .find(|(_, c)| !matches!(c, 'A'..='Z' | '0'..='9' | '<'))
        {
            return Err(MrzError::Character {
                line: i + 1,
                column: column + 1,
                found,
            });
        }
    }
    layout::read(format, &lines, reference)
}

fn describe_lengths(lengths: &[usize]) -> String {
    match lengths {
        [] => "no lines".to_owned(),
        [n] => format!("1 line of {n} characters"),
        _ => {
            let all_same = lengths.windows(2).all(|w| w.first() == w.get(1));
            let count = lengths.len();
            if all_same {
                let n = lengths.first().copied().unwrap_or_default();
                format!("{count} lines of {n} characters")
            } else {
                let list: Vec<String> = lengths.iter().map(usize::to_string).collect();
                format!("{count} lines of {} characters", list.join(", "))
            }
        }
    }
}

/// The ICAO Doc 9303 check digit of `data`: characters valued `0`-`9` as
/// digits, `A`-`Z` as 10-35 and `<` as 0, weighted 7, 3, 1 in turn, summed
/// modulo 10.
pub fn check_digit(data: &str) -> u8 {
    let sum: u32 = data
        .bytes()
        .zip([7u32, 3, 1].iter().cycle())
        .map(|(b, w)| {
            let v = match b {
                b'0'..=b'9' => u32::from(b - b'0'),
                b'A'..=b'Z' => u32::from(b - b'A') + 10,
                _ => 0,
            };
            v * w
        })
        .sum();
    // `sum % 10` is below 10.
    u8::try_from(sum % 10).unwrap_or(0)
}
