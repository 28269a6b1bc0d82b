//! A holder with a small index of three kinds, shared by the tests.

#![allow(
    dead_code,
    clippy::unwrap_used,
    reason = "test fixtures: each test file uses a different part, and a failure is a failed test"
)]

use liaison_match::{Built, FilterWidth, HolderKey, IndexBuilder, KeyKind};

pub(crate) fn kind(s: &str) -> KeyKind {
    KeyKind::new(s).unwrap()
}

pub(crate) fn document(i: u32) -> Vec<u8> {
    format!("NLD|P|X{i:07}").into_bytes()
}

pub(crate) fn plate(i: u32) -> Vec<u8> {
    format!("D|B-AB{i:04}").into_bytes()
}

pub(crate) fn person(i: u32) -> Vec<u8> {
    format!("JANSSEN<<PIETER{i}|1980-01-{:02}", i % 28 + 1).into_bytes()
}

pub(crate) fn record(i: u32) -> Vec<u8> {
    format!("record-{i}").into_bytes()
}

/// 300 documents, 200 plates, 100 persons; document 7 is also in record 1007.
pub(crate) fn holder(width: FilterWidth) -> (HolderKey, Built) {
    let key = HolderKey::generate().unwrap();
    let mut b = IndexBuilder::new(width);
    for i in 0..300 {
        b.insert(&kind("travel-document"), &document(i), &record(i))
            .unwrap();
    }
    for i in 0..200 {
        b.insert(&kind("vehicle"), &plate(i), &record(i + 300))
            .unwrap();
    }
    for i in 0..100 {
        b.insert(&kind("person-dob"), &person(i), &record(i + 500))
            .unwrap();
    }
    b.insert(&kind("travel-document"), &document(7), &record(1007))
        .unwrap();
    let built = b.build(&key).unwrap();
    (key, built)
}
