//! Reading arbitrary bytes as a signed note, a checkpoint, a proof, a
//! verifier key or a witness state never panics, and what reads writes back
//! the same.
#![no_main]

use libfuzzer_sys::fuzz_target;
use liaison_tlog::{Checkpoint, ConsistencyProof, InclusionProof, Note, NoteVerifier, WitnessState};

fuzz_target!(|data: &[u8]| {
    if let Ok(note) = Note::parse(data) {
        assert_eq!(note.to_text().as_bytes(), data);
        if let Ok(c) = Checkpoint::from_text(note.text()) {
            assert_eq!(c.to_text(), note.text());
        }
    }
    if let Ok(p) = InclusionProof::from_text(data) {
        assert_eq!(p.to_text().as_bytes(), data);
    }
    if let Ok(p) = ConsistencyProof::from_text(data) {
        assert_eq!(p.to_text().as_bytes(), data);
    }
    let _ = WitnessState::from_text(data);
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = Checkpoint::from_text(text);
        let _ = NoteVerifier::from_vkey(text);
    }
});
