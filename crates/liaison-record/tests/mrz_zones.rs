//! ICAO Doc 9303 machine-readable zones: the specimens, every format, and
//! every check digit failing in turn.

#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "test helpers may panic like the tests that call them"
)]

use liaison_record::mrz::{self, MrzError, MrzField, MrzFormat, check_digit};
use liaison_record::{CalendarDate, CodeKind, DocumentType, Sex};

const SPECIMENS: &str = include_str!("data/mrz/icao-specimens.txt");

fn reference() -> CalendarDate {
    "2026-11-26".parse().unwrap()
}

fn read(text: &str) -> Result<mrz::Mrz, MrzError> {
    mrz::parse_with_reference(text, reference())
}

/// The zones of the specimen file: blocks of lines separated by comments
/// and blank lines.
fn specimens() -> Vec<String> {
    let mut blocks = Vec::new();
    let mut current = Vec::new();
    for line in SPECIMENS.lines() {
        if line.trim().is_empty() || line.starts_with('#') {
            if !current.is_empty() {
                blocks.push(current.join("\n"));
                current.clear();
            }
        } else {
            current.push(line);
        }
    }
    if !current.is_empty() {
        blocks.push(current.join("\n"));
    }
    blocks
}

const TD3: [&str; 2] = [
    "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
    "L898902C36UTO7408122F1204159ZE184226B<<<<<10",
];
const TD1: [&str; 3] = [
    "I<UTOD231458907<<<<<<<<<<<<<<<",
    "7408122F1204159UTO<<<<<<<<<<<6",
    "ERIKSSON<<ANNA<MARIA<<<<<<<<<<",
];
const TD2: [&str; 2] = [
    "I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<",
    "D231458907UTO7408122F1204159<<<<<<<6",
];

#[test]
fn the_icao_specimens_parse() {
    let blocks = specimens();
    assert_eq!(blocks.len(), 2);
    for block in &blocks {
        let m = mrz::parse(block).unwrap();
        assert_eq!(m.issuing_state.as_str(), "UTO");
        assert_eq!(m.issuing_state.kind(), CodeKind::Specimen);
        assert_eq!(m.primary_identifier, "ERIKSSON");
        assert_eq!(m.secondary_identifier, "ANNA MARIA");
        assert_eq!(m.sex, Sex::Female);
        assert_eq!(m.birth_date.unwrap().to_string(), "1974-08-12");
    }
    let td3 = read(&blocks[0]).unwrap();
    assert_eq!(td3.format, MrzFormat::Td3);
    assert_eq!(td3.document_code, "P");
    assert_eq!(td3.document_type(), DocumentType::Passport);
    assert_eq!(td3.document_number, "L898902C3");
    assert_eq!(td3.expiry_date.unwrap().to_string(), "2012-04-15");
    assert_eq!(td3.optional_data, vec!["ZE184226B".to_owned()]);
    let td1 = read(&blocks[1]).unwrap();
    assert_eq!(td1.format, MrzFormat::Td1);
    assert_eq!(td1.document_type(), DocumentType::IdentityCard);
    assert_eq!(td1.document_number, "D23145890");
    assert_eq!(td1.optional_data, vec![String::new(), String::new()]);
}

#[test]
fn surrounding_whitespace_and_crlf_are_tolerated() {
    let text = format!("\r\n  {}\r\n\r\n{}  \r\n\n", TD3[0], TD3[1]);
    assert_eq!(read(&text).unwrap().lines, TD3.to_vec());
}

#[test]
fn td2_and_visas() {
    let m = read(&TD2.join("\n")).unwrap();
    assert_eq!(m.format, MrzFormat::Td2);
    assert_eq!(m.document_number, "D23145890");
    let mrv_a = read(
        "V<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL8988901C4XXX4009078F96121096ZE184226B<<<<<<",
    )
    .unwrap();
    assert_eq!(mrv_a.format, MrzFormat::MrvA);
    assert_eq!(mrv_a.document_type(), DocumentType::Visa);
    assert_eq!(mrv_a.nationality.as_str(), "XXX");
    assert_eq!(mrv_a.birth_date.unwrap().to_string(), "1940-09-07");
    assert_eq!(mrv_a.expiry_date.unwrap().to_string(), "1996-12-10");
    assert_eq!(mrv_a.optional_data, vec!["6ZE184226B".to_owned()]);
    let mrv_b =
        read("V<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<\nL8988901C4XXX4009078F9612109<<<<<<<<").unwrap();
    assert_eq!(mrv_b.format, MrzFormat::MrvB);
    assert_eq!(mrv_b.document_number, "L8988901C");
}

#[test]
fn long_document_numbers_continue_in_the_optional_data() {
    let td1 = read(
        "I<UTOD23145890<7349<<<<<<<<<<<\n3407127M9507122UTO<<<<<<<<<<<2\nSMITH<<JOHN<<<<<<<<<<<<<<<<<<<",
    )
    .unwrap();
    assert_eq!(td1.document_number, "D23145890734");
    assert_eq!(td1.optional_data, vec![String::new(), String::new()]);
    assert_eq!(td1.birth_date.unwrap().to_string(), "1934-07-12");
    assert_eq!(td1.sex, Sex::Male);
    assert_eq!(td1.secondary_identifier, "JOHN");

    let td2 =
        read("I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<\nD23145890<UTO7408122F1204159735<<<<0").unwrap();
    assert_eq!(td2.document_number, "D2314589073");

    // The overflow's own check digit is checked.
    let e = read(
        "I<UTOD23145890<7348<<<<<<<<<<<\n3407127M9507122UTO<<<<<<<<<<<2\nSMITH<<JOHN<<<<<<<<<<<<<<<<<<<",
    )
    .unwrap_err();
    assert!(
        matches!(
            e,
            MrzError::CheckDigit {
                field: MrzField::DocumentNumber,
                line: 1,
                column: 19,
                found: '8',
                computed: '9'
            }
        ),
        "{e}"
    );
    // A `<` check digit with nothing after it is not a long number.
    let e = read(
        "I<UTOD23145890<<<<<<<<<<<<<<<<\n3407127M9507122UTO<<<<<<<<<<<2\nSMITH<<JOHN<<<<<<<<<<<<<<<<<<<",
    )
    .unwrap_err();
    assert!(
        matches!(
            e,
            MrzError::Field {
                field: MrzField::DocumentNumber,
                ..
            }
        ),
        "{e}"
    );
}

/// Replaces the character at `line`, `column` (from 1).
fn with_char(lines: &[&str], line: usize, column: usize, c: char) -> String {
    let mut owned: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
    owned[line - 1].replace_range(column - 1..column, &c.to_string());
    owned.join("\n")
}

fn expect_check(text: &str, field: MrzField, line: usize, column: usize) {
    match read(text) {
        Err(e @ MrzError::CheckDigit { .. }) => {
            let MrzError::CheckDigit {
                field: f,
                line: l,
                column: c,
                ..
            } = e
            else {
                unreachable!()
            };
            assert_eq!((f, l, c), (field, line, column), "{e}");
            assert!(
                e.to_string()
                    .contains(&format!("check digit of the {field}")),
                "{e}"
            );
        }
        other => panic!("expected a failed {field} check at {line}:{column}, got {other:?}"),
    }
}

#[test]
fn each_td3_check_digit_failure_is_named() {
    for (field, column) in [
        (MrzField::DocumentNumber, 10),
        (MrzField::BirthDate, 20),
        (MrzField::ExpiryDate, 28),
        (MrzField::OptionalData, 43),
        (MrzField::Composite, 44),
    ] {
        let printed = TD3[1].as_bytes()[column - 1] as char;
        let wrong = if printed == '9' { '8' } else { '9' };
        expect_check(&with_char(&TD3, 2, column, wrong), field, 2, column);
    }
    // Changing the data instead of the digit fails the same check.
    expect_check(&with_char(&TD3, 2, 1, 'M'), MrzField::DocumentNumber, 2, 10);
    expect_check(&with_char(&TD3, 2, 15, '5'), MrzField::BirthDate, 2, 20);
    expect_check(&with_char(&TD3, 2, 23, '3'), MrzField::ExpiryDate, 2, 28);
    expect_check(&with_char(&TD3, 2, 30, 'F'), MrzField::OptionalData, 2, 43);
    // The personal number is covered by the composite too.
    let changed = with_char(&TD3, 2, 30, 'F');
    let line2 = changed.lines().nth(1).unwrap();
    let fixed = char::from(b'0' + check_digit(&line2[28..42]));
    let lines: Vec<&str> = changed.lines().collect();
    expect_check(&with_char(&lines, 2, 43, fixed), MrzField::Composite, 2, 44);
    // Nationality is under no check digit, but must be a known code.
    let e = read(&with_char(&TD3, 2, 11, 'N')).unwrap_err();
    assert!(
        matches!(
            e,
            MrzError::Field {
                field: MrzField::Nationality,
                line: 2,
                column: 11,
                ..
            }
        ),
        "{e}"
    );
}

#[test]
fn each_td1_check_digit_failure_is_named() {
    expect_check(
        &with_char(&TD1, 1, 15, '8'),
        MrzField::DocumentNumber,
        1,
        15,
    );
    expect_check(&with_char(&TD1, 2, 7, '9'), MrzField::BirthDate, 2, 7);
    expect_check(&with_char(&TD1, 2, 15, '8'), MrzField::ExpiryDate, 2, 15);
    expect_check(&with_char(&TD1, 2, 30, '7'), MrzField::Composite, 2, 30);
    // Optional data is covered by the composite.
    expect_check(&with_char(&TD1, 1, 20, 'B'), MrzField::Composite, 2, 30);
    expect_check(&with_char(&TD1, 2, 20, 'B'), MrzField::Composite, 2, 30);
}

#[test]
fn each_td2_check_digit_failure_is_named() {
    expect_check(
        &with_char(&TD2, 2, 10, '8'),
        MrzField::DocumentNumber,
        2,
        10,
    );
    expect_check(&with_char(&TD2, 2, 20, '9'), MrzField::BirthDate, 2, 20);
    expect_check(&with_char(&TD2, 2, 28, '8'), MrzField::ExpiryDate, 2, 28);
    expect_check(&with_char(&TD2, 2, 36, '7'), MrzField::Composite, 2, 36);
}

#[test]
fn optional_data_check_digit_may_be_a_filler_only_when_there_is_no_data() {
    let empty = "L898902C36UTO7408122F1204159<<<<<<<<<<<<<<<4";
    let composite = {
        let l = empty.as_bytes();
        let data: String = [&empty[0..10], &empty[13..20], &empty[21..43]].concat();
        assert_eq!(l.len(), 44);
        check_digit(&data)
    };
    let line2 = format!("{}{}", &empty[..43], composite);
    let ok = read(&format!("{}\n{}", TD3[0], line2)).unwrap();
    assert_eq!(ok.optional_data, vec![String::new()]);
    let filler = format!(
        "{}<{}",
        &empty[..42],
        check_digit(&[&empty[0..10], &empty[13..20], &empty[21..42], "<"].concat())
    );
    assert!(read(&format!("{}\n{}", TD3[0], filler)).is_ok());
    // With data, `<` is not a check digit.
    let bad = with_char(&TD3, 2, 43, '<');
    expect_check(&bad, MrzField::OptionalData, 2, 43);
}

#[test]
fn layout_character_and_field_errors() {
    let e = read(TD3[0]).unwrap_err();
    assert_eq!(
        e.to_string(),
        "expected 3 lines of 30 characters (TD1), 2 lines of 36 (TD2, MRV-B) or 2 lines of 44 (TD3, MRV-A); found 1 line of 44 characters"
    );
    let e = read(&format!("{}\n{}", TD3[0], &TD3[1][..43])).unwrap_err();
    assert!(
        e.to_string()
            .ends_with("found 2 lines of 44, 43 characters"),
        "{e}"
    );
    assert!(matches!(read("").unwrap_err(), MrzError::Layout { .. }));

    let e = read(&with_char(&TD3, 2, 5, 'a')).unwrap_err();
    assert_eq!(
        e,
        MrzError::Character {
            line: 2,
            column: 5,
            found: 'a'
        }
    );
    let e = read(&with_char(&TD3, 1, 3, 'Q')).unwrap_err();
    assert!(
        matches!(
            e,
            MrzError::Field {
                field: MrzField::IssuingState,
                line: 1,
                column: 3,
                ..
            }
        ),
        "{e}"
    );
    assert!(e.to_string().contains("`QTO`"), "{e}");
    let e = read(&with_char(&TD3, 1, 1, '<')).unwrap_err();
    assert!(
        matches!(
            e,
            MrzError::Field {
                field: MrzField::DocumentCode,
                ..
            }
        ),
        "{e}"
    );
    let e = read(&with_char(&TD3, 2, 21, 'Z')).unwrap_err();
    assert!(
        matches!(
            e,
            MrzError::Field {
                field: MrzField::Sex,
                column: 21,
                ..
            }
        ),
        "{e}"
    );
}

#[test]
fn germany_and_partial_birth_dates() {
    // A German passport writes `D<<`; an unknown day and month are `<<`.
    let line1 = "P<D<<MUSTERMANN<<ERIKA<<<<<<<<<<<<<<<<<<<<<<";
    let digit = |s: &str| char::from(b'0' + check_digit(s));
    let mut line2 = format!("C01X00T47{}", digit("C01X00T47"));
    line2 += "D<<";
    line2 += &format!("64<<<<{}", digit("64<<<<"));
    line2 += "F";
    line2 += &format!("271031{}", digit("271031"));
    line2 += "<<<<<<<<<<<<<<<";
    let composite = digit(&[&line2[0..10], &line2[13..20], &line2[21..43]].concat());
    line2.push(composite);
    assert_eq!(line2.len(), 44);
    let m = read(&format!("{line1}\n{line2}")).unwrap();
    assert_eq!(m.issuing_state.as_str(), "DEU");
    assert_eq!(m.nationality.as_str(), "DEU");
    assert_eq!(m.birth_date.unwrap().to_string(), "1964");
    assert_eq!(m.expiry_date.unwrap().to_string(), "2027-10-31");
    assert_eq!(m.secondary_identifier, "ERIKA");
}

#[test]
fn check_digits_of_the_standard_examples() {
    // ICAO Doc 9303 Part 3 works through these.
    assert_eq!(check_digit("520727"), 3);
    assert_eq!(check_digit("L898902C3"), 6);
    assert_eq!(check_digit("<<<<<<"), 0);
    assert_eq!(check_digit(""), 0);
}

#[test]
fn serializes_for_printing() {
    let m = read(&TD3.join("\n")).unwrap();
    let json = serde_json::to_value(&m).unwrap();
    assert_eq!(json["format"], "td3");
    assert_eq!(json["issuing_state"], "UTO");
    assert_eq!(json["birth_date"], "1974-08-12");
    assert_eq!(json["sex"], "female");
}

#[test]
fn document_and_holder_entities() {
    let m = read(&TD3.join("\n")).unwrap();
    let doc = m.travel_document();
    assert_eq!(doc.id.to_string(), "1e7a2530-957a-5930-9a5b-5f18c9cbad38");
    assert_eq!(doc.number, "L898902C3");
    assert_eq!(doc.mrz, TD3.to_vec());
    assert_eq!(doc.expires_on.unwrap().to_string(), "2012-04-15");
    let holder = m.holder();
    assert_eq!(
        holder.id.to_string(),
        "66888c70-fb2d-5667-905f-f1817f3ee9d1"
    );
    assert_eq!(holder.names[0].family.as_deref(), Some("ERIKSSON"));
    assert_eq!(holder.names[0].given.as_deref(), Some("ANNA MARIA"));
    assert_eq!(holder.nationalities[0].as_str(), "UTO");
    assert_eq!(holder.sex, Some(Sex::Female));
}
