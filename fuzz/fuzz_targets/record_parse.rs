//! Record parsing and validation on arbitrary bytes: never a panic, a
//! record that parses writes a form that parses back to the same record,
//! and its canonical form is the same whether written straight from the
//! record or by canonicalizing its ordinary JSON.
#![no_main]

use liaison_record::Record;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(record) = Record::from_json(data) {
        let again = Record::from_json(&record.to_json());
        assert_eq!(again.as_ref(), Ok(&record));
        if let Ok(general) = liaison_record::canonicalize(&record.to_json()) {
            assert_eq!(record.canonical_json(), general);
        }
    }
});
