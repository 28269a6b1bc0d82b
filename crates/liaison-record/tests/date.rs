//! Partial dates in their MRZ, Interpol and NIEM forms, and timestamps.

#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    reason = "test helpers may panic like the tests that call them"
)]

use liaison_record::{CalendarDate, CenturyPivot, NiemDateType, PartialDate, Timestamp};
use proptest::prelude::*;

fn day(s: &str) -> CalendarDate {
    s.parse().unwrap()
}

fn pd(s: &str) -> PartialDate {
    s.parse().unwrap()
}

#[test]
fn canonical_forms_round_trip() {
    for s in [
        "1985",
        "1985-07",
        "1985-07-14",
        "2000-02-29",
        "0001",
        "9999-12-31",
    ] {
        assert_eq!(pd(s).to_string(), s);
        assert_eq!(serde_json::to_string(&pd(s)).unwrap(), format!("\"{s}\""));
    }
    for bad in [
        "85",
        "1985-7",
        "1985-13",
        "1985-02-30",
        "1900-02-29",
        "1985-07-14-01",
        "1985--14",
        "",
        "abcd",
    ] {
        assert!(bad.parse::<PartialDate>().is_err(), "{bad}");
    }
}

#[test]
fn mrz_birth_dates_take_the_latest_century_not_after_the_reference() {
    let pivot = CenturyPivot::not_after(day("2026-11-26"));
    let cases = [
        ("740812", "1974-08-12"),
        ("000101", "2000-01-01"),
        ("261126", "2026-11-26"),
        ("261127", "1926-11-27"),
        ("2611<<", "2026-11"),
        ("2612<<", "1926-12"),
        ("26<<<<", "2026"),
        ("27<<<<", "1927"),
        ("74<<<<", "1974"),
        ("7408<<", "1974-08"),
        ("990101", "1999-01-01"),
    ];
    for (field, expected) in cases {
        let d = PartialDate::from_mrz(field, pivot).unwrap();
        assert_eq!(d.to_string(), expected, "{field}");
        assert_eq!(d.to_mrz(), field);
    }
}

#[test]
fn mrz_expiry_dates_fall_in_the_window_around_the_reference() {
    let pivot = CenturyPivot::around(day("2026-11-26"));
    for (field, expected) in [
        ("120415", "2012-04-15"),
        ("760101", "1976-01-01"),
        ("751231", "2075-12-31"),
        ("361126", "2036-11-26"),
    ] {
        assert_eq!(
            PartialDate::from_mrz(field, pivot).unwrap().to_string(),
            expected
        );
    }
}

#[test]
fn malformed_mrz_dates_are_rejected() {
    let pivot = CenturyPivot::not_after(day("2026-11-26"));
    for bad in [
        "<<<<<<", "<<0812", "74<<12", "741312", "740230", "74081", "7408122", "74O812", "7408 2",
        "74-8-1", "ééé",
    ] {
        let e = PartialDate::from_mrz(bad, pivot).unwrap_err();
        assert!(e.to_string().contains("YYMMDD"), "{bad}: {e}");
    }
    // 29 February exists only in leap years: the century decides.
    let leap = CenturyPivot::not_after(day("2026-11-26"));
    assert_eq!(
        PartialDate::from_mrz("000229", leap).unwrap().to_string(),
        "2000-02-29"
    );
    assert!(PartialDate::from_mrz("010229", leap).is_err());
}

#[test]
fn interpol_forms() {
    for (input, canonical, back) in [
        ("1985-00-00", "1985", "1985-00-00"),
        ("1985-07-00", "1985-07", "1985-07-00"),
        ("1985-07-14", "1985-07-14", "1985-07-14"),
        ("1985/07/14", "1985-07-14", "1985-07-14"),
        ("1985/00/00", "1985", "1985-00-00"),
        ("1985", "1985", "1985-00-00"),
    ] {
        let d = PartialDate::from_interpol(input).unwrap();
        assert_eq!(d.to_string(), canonical, "{input}");
        assert_eq!(d.to_interpol(), back);
        assert_eq!(PartialDate::from_interpol(&d.to_interpol()).unwrap(), d);
    }
    for bad in [
        "1985-00-14",
        "1985-13-00",
        "1985-02-30",
        "85-07-14",
        "1985-07",
        "1985.07.14",
        "1985-07/14",
    ] {
        assert!(PartialDate::from_interpol(bad).is_err(), "{bad}");
    }
}

#[test]
fn niem_forms() {
    for (input, canonical, ty) in [
        ("1985", "1985", NiemDateType::Year),
        ("1985Z", "1985", NiemDateType::Year),
        ("1985-07", "1985-07", NiemDateType::YearMonth),
        ("1985-07+02:00", "1985-07", NiemDateType::YearMonth),
        ("1985-07-14", "1985-07-14", NiemDateType::Date),
        ("1985-07-14-05:00", "1985-07-14", NiemDateType::Date),
    ] {
        let d = PartialDate::from_niem(input).unwrap();
        assert_eq!(d.to_niem(), canonical, "{input}");
        assert_eq!(d.niem_type(), ty);
        assert_eq!(PartialDate::from_niem(&d.to_niem()).unwrap(), d);
    }
    assert_eq!(NiemDateType::Date.element(), "nc:Date");
    assert_eq!(NiemDateType::Year.element(), "nc:YearDate");
    for bad in [
        "0000",
        "1985-07-14+15:00",
        "1985-07-14+01",
        "1985-7",
        "--07-14",
        "1985-07-14T00:00:00",
    ] {
        assert!(PartialDate::from_niem(bad).is_err(), "{bad}");
    }
}

#[test]
fn timestamps_keep_milliseconds_and_more() {
    for (input, shown) in [
        ("2026-11-26T08:30:00Z", "2026-11-26T08:30:00.000Z"),
        ("2026-11-26T08:30:00.123Z", "2026-11-26T08:30:00.123Z"),
        ("2026-11-26T08:30:00.123456Z", "2026-11-26T08:30:00.123456Z"),
        (
            "2026-11-26T08:30:00.123456789Z",
            "2026-11-26T08:30:00.123456789Z",
        ),
        ("2026-11-26T08:30:00.1Z", "2026-11-26T08:30:00.100Z"),
    ] {
        let t: Timestamp = input.parse().unwrap();
        assert_eq!(t.to_string(), shown);
        assert_eq!(shown.parse::<Timestamp>().unwrap(), t);
    }
    for bad in [
        "2026-11-26T08:30:00+01:00",
        "2026-11-26",
        "2026-11-26 08:30:00Z",
    ] {
        assert!(bad.parse::<Timestamp>().is_err(), "{bad}");
    }
    // A leap second would be written back as another time: refused, and
    // said why.
    let err = "2016-12-31T23:59:60.000Z".parse::<Timestamp>().unwrap_err();
    assert!(err.to_string().contains("leap second"), "{err}");
}

proptest! {
    #[test]
    fn every_form_round_trips(
        year in 1900u16..2100,
        month in proptest::option::of(1u8..=12),
        day_of_month in 1u8..=28,
        with_day in any::<bool>(),
    ) {
        let day_part = month.and(with_day.then_some(day_of_month));
        let d = PartialDate::new(year, month, day_part).unwrap();
        prop_assert_eq!(d.to_string().parse::<PartialDate>().unwrap(), d);
        prop_assert_eq!(PartialDate::from_interpol(&d.to_interpol()).unwrap(), d);
        prop_assert_eq!(PartialDate::from_niem(&d.to_niem()).unwrap(), d);
        // The MRZ keeps two digits of the year: read back around that year.
        let reference = CalendarDate::from_date(
            time::Date::from_calendar_date(i32::from(year), time::Month::January, 1).unwrap(),
        );
        let back = PartialDate::from_mrz(&d.to_mrz(), CenturyPivot::around(reference));
        prop_assert_eq!(back.unwrap(), d);
    }
}

proptest! {
    #[test]
    fn a_timestamp_serializes_as_its_display_form(
        seconds in -62_167_219_200i64..253_402_300_799,
        nanos in prop_oneof![Just(0u32), (0u32..1000).prop_map(|m| m * 1_000_000), (0u32..1_000_000).prop_map(|u| u * 1000), 0u32..1_000_000_000],
    ) {
        let t = time::OffsetDateTime::from_unix_timestamp(seconds).unwrap()
            + time::Duration::nanoseconds(i64::from(nanos));
        let ts = Timestamp::from_offset_date_time(t);
        let json = serde_json::to_string(&ts).unwrap();
        prop_assert_eq!(&json, &format!("\"{ts}\""));
        prop_assert_eq!(serde_json::from_str::<Timestamp>(&json).unwrap(), ts);
    }
}
