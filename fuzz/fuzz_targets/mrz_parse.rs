//! Reading a machine-readable zone never panics on any text.
#![no_main]

use liaison_record::mrz;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data)
        && let Ok(zone) = mrz::parse(text)
    {
        let _ = (zone.travel_document(), zone.holder());
    }
});
