//! Where each field sits in each format, and which check digit covers it.

use super::{Mrz, MrzError, MrzField, MrzFormat, check_digit};
use crate::{CalendarDate, CenturyPivot, CountryCode, PartialDate, Sex};

/// The lines of a zone whose layout and characters are already checked
/// (so every position is an ASCII character).
struct Zone<'a> {
    lines: &'a [&'a str],
}

impl<'a> Zone<'a> {
    /// `len` characters of line `line` from column `start` (both from 0).
    fn get(&self, line: usize, start: usize, len: usize) -> &'a str {
        self.lines
            .get(line)
            .and_then(|l| l.get(start..start + len))
            .unwrap_or_default()
    }

    fn char_at(&self, line: usize, column: usize) -> char {
        self.get(line, column, 1).chars().next().unwrap_or('<')
    }

    /// Checks the digit at `line`, `column` (from 0) against `data`. A
    /// filler `<` passes only when `filler_ok` and the data is all fillers.
    fn verify(
        &self,
        field: MrzField,
        data: &str,
        line: usize,
        column: usize,
        filler_ok: bool,
    ) -> Result<(), MrzError> {
        let found = self.char_at(line, column);
        let computed = check_digit(data);
        let ok = match found {
            '0'..='9' => u32::from(computed) == (found as u32) - ('0' as u32),
            '<' => filler_ok && data.bytes().all(|b| b == b'<'),
            _ => false,
        };
        if ok {
            Ok(())
        } else {
            Err(MrzError::CheckDigit {
                field,
                line: line + 1,
                column: column + 1,
                found,
                computed: char::from(b'0' + computed),
            })
        }
    }

    fn field_error(
        &self,
        field: MrzField,
        line: usize,
        column: usize,
        len: usize,
        expected: &'static str,
    ) -> MrzError {
        MrzError::Field {
            field,
            line: line + 1,
            column: column + 1,
            value: self.get(line, column, len).to_owned(),
            expected,
        }
    }

    fn document_code(&self) -> Result<String, MrzError> {
        let code = self.get(0, 0, 2);
        if !code.starts_with(|c: char| c.is_ascii_uppercase()) {
            return Err(self.field_error(
                MrzField::DocumentCode,
                0,
                0,
                2,
                "a document code starting with a letter, such as `P<`, `I<` or `V<`",
            ));
        }
        Ok(code.trim_end_matches('<').to_owned())
    }

    fn country(
        &self,
        field: MrzField,
        line: usize,
        column: usize,
    ) -> Result<CountryCode, MrzError> {
        CountryCode::from_mrz(self.get(line, column, 3)).map_err(|_| {
            self.field_error(
                field,
                line,
                column,
                3,
                "an ICAO Doc 9303 state or organization code, such as `NLD`, `D<<` or `XXA`",
            )
        })
    }

    fn date(
        &self,
        field: MrzField,
        line: usize,
        column: usize,
        pivot: CenturyPivot,
    ) -> Result<Option<PartialDate>, MrzError> {
        let text = self.get(line, column, 6);
        if text == "<<<<<<" {
            return Ok(None);
        }
        PartialDate::from_mrz(text, pivot).map(Some).map_err(|_| {
            self.field_error(
                field,
                line,
                column,
                6,
                "a date `YYMMDD` that exists, with `<<` for an unknown month or day",
            )
        })
    }

    fn sex(&self, line: usize, column: usize) -> Result<Sex, MrzError> {
        match self.char_at(line, column) {
            'M' => Ok(Sex::Male),
            'F' => Ok(Sex::Female),
            'X' | '<' => Ok(Sex::Unspecified),
            _ => Err(self.field_error(MrzField::Sex, line, column, 1, "`M`, `F`, `X` or `<`")),
        }
    }

    /// The primary and secondary identifiers of the name field.
    fn name(&self, line: usize, column: usize, len: usize) -> Result<(String, String), MrzError> {
        let raw = self.get(line, column, len);
        let (primary, secondary) = raw.split_once("<<").unwrap_or((raw, ""));
        let words = |s: &str| {
            s.split('<')
                .filter(|w| !w.is_empty())
                .collect::<Vec<_>>()
                .join(" ")
        };
        let primary = words(primary);
        if primary.is_empty() {
            return Err(self.field_error(
                MrzField::Name,
                line,
                column,
                len,
                "a name: a primary identifier, `<<`, and secondary identifiers",
            ));
        }
        Ok((primary, words(secondary)))
    }

    /// The document number at `line`, `column` (9 characters, check digit
    /// after it). When `overflow` is given (TD1, TD2) and the check digit is
    /// `<`, the number goes on in that optional data field, followed by its
    /// check digit and a filler. Returns the number and the optional data
    /// left after it.
    fn document_number(
        &self,
        line: usize,
        column: usize,
        overflow: Option<(usize, usize, usize)>,
    ) -> Result<(String, Option<String>), MrzError> {
        let principal = self.get(line, column, 9);
        let check_column = column + 9;
        match overflow {
            Some((o_line, o_column, o_len)) if self.char_at(line, check_column) == '<' => {
                let optional = self.get(o_line, o_column, o_len);
                let end = optional.find('<').unwrap_or(optional.len());
                if end == 0 || principal.contains('<') {
                    return Err(self.field_error(
                        MrzField::DocumentNumber,
                        line,
                        column,
                        10,
                        "a number with its check digit, or 9 characters, `<` and the rest of a long number in the optional data",
                    ));
                }
                let rest = optional.get(..end - 1).unwrap_or_default();
                let number = format!("{principal}{rest}");
                self.verify(
                    MrzField::DocumentNumber,
                    &number,
                    o_line,
                    o_column + end - 1,
                    false,
                )?;
                let left = optional.get(end..).unwrap_or_default();
                Ok((number, Some(left.trim_end_matches('<').to_owned())))
            }
            _ => {
                self.verify(
                    MrzField::DocumentNumber,
                    principal,
                    line,
                    check_column,
                    false,
                )?;
                let number = principal.trim_end_matches('<');
                if number.is_empty() {
                    return Err(self.field_error(
                        MrzField::DocumentNumber,
                        line,
                        column,
                        9,
                        "a document number",
                    ));
                }
                Ok((number.to_owned(), None))
            }
        }
    }
}

fn optional(s: &str) -> String {
    s.trim_end_matches('<').to_owned()
}

/// Reads the fields of a zone of the given format.
pub(super) fn read(
    format: MrzFormat,
    lines: &[&str],
    reference: CalendarDate,
) -> Result<Mrz, MrzError> {
    let z = Zone { lines };
    let born = CenturyPivot::not_after(reference);
    let expires = CenturyPivot::around(reference);
    let document_code = z.document_code()?;
    let issuing_state = z.country(MrzField::IssuingState, 0, 2)?;
    let owned_lines = lines.iter().map(|l| (*l).to_owned()).collect();
    match format {
        MrzFormat::Td1 => {
            let (document_number, left) = z.document_number(0, 5, Some((0, 15, 15)))?;
            z.verify(MrzField::BirthDate, z.get(1, 0, 6), 1, 6, false)?;
            z.verify(MrzField::ExpiryDate, z.get(1, 8, 6), 1, 14, false)?;
            let composite = [
                z.get(0, 5, 25),
                z.get(1, 0, 7),
                z.get(1, 8, 7),
                z.get(1, 18, 11),
            ]
            .concat();
            z.verify(MrzField::Composite, &composite, 1, 29, false)?;
            let (primary_identifier, secondary_identifier) = z.name(2, 0, 30)?;
            Ok(Mrz {
                format,
                document_code,
                issuing_state,
                document_number,
                primary_identifier,
                secondary_identifier,
                nationality: z.country(MrzField::Nationality, 1, 15)?,
                birth_date: z.date(MrzField::BirthDate, 1, 0, born)?,
                sex: z.sex(1, 7)?,
                expiry_date: z.date(MrzField::ExpiryDate, 1, 8, expires)?,
                optional_data: vec![
                    left.unwrap_or_else(|| optional(z.get(0, 15, 15))),
                    optional(z.get(1, 18, 11)),
                ],
                lines: owned_lines,
            })
        }
        MrzFormat::Td2 | MrzFormat::Td3 | MrzFormat::MrvA | MrzFormat::MrvB => {
            let width = if matches!(format, MrzFormat::Td2 | MrzFormat::MrvB) {
                36
            } else {
                44
            };
            let overflow = (format == MrzFormat::Td2).then_some((1, 28, 7));
            let (document_number, left) = z.document_number(1, 0, overflow)?;
            z.verify(MrzField::BirthDate, z.get(1, 13, 6), 1, 19, false)?;
            z.verify(MrzField::ExpiryDate, z.get(1, 21, 6), 1, 27, false)?;
            let optional_data = match format {
                MrzFormat::Td3 => {
                    z.verify(MrzField::OptionalData, z.get(1, 28, 14), 1, 42, true)?;
                    z.verify(
                        MrzField::Composite,
                        &[z.get(1, 0, 10), z.get(1, 13, 7), z.get(1, 21, 22)].concat(),
                        1,
                        43,
                        false,
                    )?;
                    optional(z.get(1, 28, 14))
                }
                MrzFormat::Td2 => {
                    z.verify(
                        MrzField::Composite,
                        &[z.get(1, 0, 10), z.get(1, 13, 7), z.get(1, 21, 14)].concat(),
                        1,
                        35,
                        false,
                    )?;
                    left.unwrap_or_else(|| optional(z.get(1, 28, 7)))
                }
                // Visas have no composite check digit.
                _ => optional(z.get(1, 28, width - 28)),
            };
            let (primary_identifier, secondary_identifier) = z.name(0, 5, width - 5)?;
            Ok(Mrz {
                format,
                document_code,
                issuing_state,
                document_number,
                primary_identifier,
                secondary_identifier,
                nationality: z.country(MrzField::Nationality, 1, 10)?,
                birth_date: z.date(MrzField::BirthDate, 1, 13, born)?,
                sex: z.sex(1, 20)?,
                expiry_date: z.date(MrzField::ExpiryDate, 1, 21, expires)?,
                optional_data: vec![optional_data],
                lines: owned_lines,
            })
        }
    }
}
