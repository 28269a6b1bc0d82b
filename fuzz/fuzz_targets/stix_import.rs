//! Importing any bytes as a STIX bundle never panics, strict or lenient,
//! and neither does exporting what was imported.
#![no_main]

use liaison_stix::{ExportOptions, ImportOptions, export_bundle, import_bundle};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = import_bundle(data, &ImportOptions::default());
    if let Ok(import) = import_bundle(data, &ImportOptions::lenient()) {
        let _ = export_bundle(&import.records, &ExportOptions::default());
    }
});
