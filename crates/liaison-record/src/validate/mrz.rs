//! Consistency of a travel document's machine-readable zone with its other
//! fields: the format (ICAO Doc 9303 TD1, TD2 or TD3), the document number
//! and its check digit, and the issuing state.

use crate::TravelDocument;

/// The problems with `doc.mrz`, as messages (all at `…/mrz`).
pub(super) fn check(doc: &TravelDocument) -> Vec<String> {
    let mut problems = Vec::new();
    let lines: Vec<&[u8]> = doc.mrz.iter().map(|l| l.as_bytes()).collect();
    let shape = match (lines.len(), lines.first().map(|l| l.len())) {
        (3, Some(30)) => Some(Format::Td1),
        (2, Some(36)) => Some(Format::Td2),
        (2, Some(44)) => Some(Format::Td3),
        _ => None,
    };
    let Some(format) = shape.filter(|f| lines.iter().all(|l| l.len() == f.width())) else {
        problems.push(
            "expected the machine-readable zone as printed: 3 lines of 30 characters (TD1), 2 of 36 (TD2) or 2 of 44 (TD3)"
                .to_owned(),
        );
        return problems;
    };
    if let Some((n, _)) = lines.iter().enumerate().find(|(_, l)| {
        !l.iter()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || *b == b'<')
    }) {
        problems.push(format!(
            "line {} holds characters outside `A`-`Z`, `0`-`9` and `<`: expected the zone as printed",
            n + 1
        ));
        return problems;
    }
    let (line1, line2) = match (lines.first(), lines.get(1)) {
        (Some(a), Some(b)) => (*a, *b),
        _ => return problems,
    };
    let field = |line: &[u8], from: usize, to: usize| -> String {
        line.get(from..to)
            .map(|s| String::from_utf8_lossy(s).into_owned())
            .unwrap_or_default()
    };
    let state = field(line1, 2, 5);
    let (number, check) = match format {
        Format::Td1 => (field(line1, 5, 14), line1.get(14).copied()),
        Format::Td2 | Format::Td3 => (field(line2, 0, 9), line2.get(9).copied()),
    };
    let state_trimmed = state.trim_end_matches('<');
    let state_matches = state_trimmed == doc.issuing_state.as_str()
        || (state_trimmed == "D" && doc.issuing_state.as_str() == "DEU");
    if !state_matches {
        problems.push(format!(
            "the zone names issuing state `{state}` but `issuing_state` is `{}`: expected the same state",
            doc.issuing_state
        ));
    }
    let printed: String = doc
        .number
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_uppercase())
        .collect();
    let zone_number = number.trim_end_matches('<');
    // A TD1 number longer than nine characters continues in the optional
    // data, with `<` in place of the check digit.
    let long_td1 = format == Format::Td1 && check == Some(b'<') && printed.len() > 9;
    let number_matches = if long_td1 {
        printed.get(..9) == Some(zone_number)
    } else {
        printed == zone_number
    };
    if !number_matches {
        problems.push(format!(
            "the zone holds document number `{zone_number}` but `number` is `{}`: expected the same number",
            doc.number.chars().take(35).collect::<String>()
        ));
    }
    if !long_td1 {
        let expected = check_digit(number.as_bytes());
        if check != Some(expected) {
            problems.push(format!(
                "the document number's check digit is `{}`: expected `{}`",
                check.map(char::from).unwrap_or('?'),
                char::from(expected)
            ));
        }
    }
    problems
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Td1,
    Td2,
    Td3,
}

impl Format {
    fn width(self) -> usize {
        match self {
            Format::Td1 => 30,
            Format::Td2 => 36,
            Format::Td3 => 44,
        }
    }
}

/// The ICAO Doc 9303 check digit of `field` (weights 7, 3, 1).
fn check_digit(field: &[u8]) -> u8 {
    let sum: u32 = field
        .iter()
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
    // `sum % 10` is below 10, so the addition stays an ASCII digit.
    b'0' + u8::try_from(sum % 10).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{CountryCode, DocumentStatus, DocumentType};
    use std::collections::BTreeMap;

    fn doc(state: &str, number: &str, mrz: &[&str]) -> TravelDocument {
        TravelDocument {
            id: uuid::Uuid::nil(),
            document_type: DocumentType::Passport,
            issuing_state: state.parse::<CountryCode>().unwrap(),
            number: number.into(),
            issued_on: None,
            expires_on: None,
            status: DocumentStatus::Stolen,
            mrz: mrz.iter().map(|s| s.to_string()).collect(),
            extensions: BTreeMap::new(),
        }
    }

    // ICAO Doc 9303 Part 4 specimen (TD3).
    const TD3: [&str; 2] = [
        "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
        "L898902C36UTO7408122F1204159ZE184226B<<<<<10",
    ];

    #[test]
    fn specimen_is_consistent() {
        assert!(check(&doc("UTO", "L898902C3", &TD3)).is_empty());
    }

    #[test]
    fn inconsistencies_are_named() {
        let p = check(&doc("NLD", "L898902C4", &TD3));
        assert_eq!(p.len(), 2, "{p:?}");
        assert!(p[0].contains("issuing state `UTO`"));
        assert!(p[1].contains("document number `L898902C3`"));
        let bad_digit = [TD3[0], "L898902C37UTO7408122F1204159ZE184226B<<<<<10"];
        let p = check(&doc("UTO", "L898902C3", &bad_digit));
        assert_eq!(
            p,
            vec!["the document number's check digit is `7`: expected `6`".to_owned()]
        );
        let p = check(&doc("UTO", "L898902C3", &["P<UTO"]));
        assert_eq!(p.len(), 1);
        assert!(p[0].contains("3 lines of 30"));
    }

    #[test]
    fn td1_specimen() {
        let td1 = [
            "I<UTOD231458907<<<<<<<<<<<<<<<",
            "7408122F1204159UTO<<<<<<<<<<<6",
            "ERIKSSON<<ANNA<MARIA<<<<<<<<<<",
        ];
        assert!(check(&doc("UTO", "D23145890", &td1)).is_empty());
    }
}
