//! Consistency of a travel document's machine-readable zone with its other
//! fields. The zone is read with [`crate::mrz`] (format, characters, every
//! check digit); its issuing state and document number must then be the
//! document's own.

use crate::{CalendarDate, TravelDocument};

/// The problems with `doc.mrz`, as messages (all at `…/mrz`). `reference`
/// gives two-digit years their century (the record's creation date, so that
/// the outcome does not change with the day it is checked).
pub(super) fn check(doc: &TravelDocument, reference: CalendarDate) -> Vec<String> {
    let widths: Vec<usize> = doc.mrz.iter().map(|l| l.len()).collect();
    let exact = matches!(widths.as_slice(), [30, 30, 30] | [36, 36] | [44, 44]);
    if !exact {
        return vec![
            "expected the machine-readable zone as printed, one string per line: 3 lines of 30 characters (TD1), 2 of 36 (TD2) or 2 of 44 (TD3)"
                .to_owned(),
        ];
    }
    let zone = match crate::mrz::parse_with_reference(&doc.mrz.join("\n"), reference) {
        Ok(zone) => zone,
        Err(e) => return vec![format!("{e}: expected the zone as printed")],
    };
    let mut problems = Vec::new();
    if zone.issuing_state != doc.issuing_state {
        problems.push(format!(
            "the zone names issuing state `{}` but `issuing_state` is `{}`: expected the same state",
            zone.issuing_state, doc.issuing_state
        ));
    }
    let printed: String = doc
        .number
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_uppercase())
        .collect();
    if zone.document_number != printed {
        problems.push(format!(
            "the zone holds document number `{}` but `number` is `{}`: expected the same number",
            zone.document_number,
            doc.number.chars().take(35).collect::<String>()
        ));
    }
    problems
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

    fn check(d: &TravelDocument) -> Vec<String> {
        super::check(d, "2026-11-26".parse().unwrap())
    }

    // ICAO Doc 9303 Part 4 specimen (TD3).
    const TD3: [&str; 2] = [
        "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
        "L898902C36UTO7408122F1204159ZE184226B<<<<<10",
    ];

    #[test]
    fn specimen_is_consistent() {
        assert_eq!(check(&doc("UTO", "L898902C3", &TD3)), Vec::<String>::new());
    }

    #[test]
    fn inconsistencies_are_named() {
        let p = check(&doc("NLD", "L898902C4", &TD3));
        assert_eq!(p.len(), 2, "{p:?}");
        assert!(p[0].contains("issuing state `UTO`"));
        assert!(p[1].contains("document number `L898902C3`"));
        let bad_digit = [TD3[0], "L898902C37UTO7408122F1204159ZE184226B<<<<<10"];
        let p = check(&doc("UTO", "L898902C3", &bad_digit));
        assert_eq!(p.len(), 1);
        assert!(p[0].contains("check digit"), "{p:?}");
        let p = check(&doc("UTO", "L898902C3", &["P<UTO"]));
        assert_eq!(p.len(), 1);
        assert!(p[0].contains("3 lines of 30"));
        let padded = [TD3[0], " L898902C36UTO7408122F1204159ZE184226B<<<<<1"];
        assert_eq!(check(&doc("UTO", "L898902C3", &padded)).len(), 1);
    }

    #[test]
    fn td1_specimen() {
        let td1 = [
            "I<UTOD231458907<<<<<<<<<<<<<<<",
            "7408122F1204159UTO<<<<<<<<<<<6",
            "ERIKSSON<<ANNA<MARIA<<<<<<<<<<",
        ];
        assert_eq!(check(&doc("UTO", "D23145890", &td1)), Vec::<String>::new());
    }
}
