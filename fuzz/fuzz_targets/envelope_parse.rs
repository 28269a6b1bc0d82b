//! Parsing never panics; a parsed header re-serializes to exactly the bytes
//! read; armor decoding is canonical (re-armoring gives back the input).
#![no_main]

use liaison_envelope::{armor, dearmor, format, inspect};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = inspect(data);
    if let Ok((header, len)) = format::read_header(data) {
        let mut again = Vec::new();
        format::write_header(&header, &mut again);
        assert_eq!(again.as_slice(), &data[..len as usize]);
    }
    if let Ok(bytes) = dearmor(data) {
        assert_eq!(armor(&bytes).as_bytes(), data);
        let _ = inspect(&bytes);
    }
});
