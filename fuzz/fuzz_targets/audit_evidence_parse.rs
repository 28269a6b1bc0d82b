//! Reading arbitrary bytes as a receipt, a receipt's text, an entry proof
//! or a consistency proof file never panics.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = liaison::receipt::Receipt::from_json(data);
    let _ = liaison::audit::EntryProof::from_json(data);
    let _ = liaison::audit::ConsistencyEvidence::from_json(data);
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(r) = liaison::receipt::ReceiptText::from_text(text) {
            assert_eq!(r.to_text(), text);
        }
    }
});
