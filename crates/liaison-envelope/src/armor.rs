//! The armored text form: canonical standard base64 between fixed
//! `BEGIN`/`END` lines, 64 characters per line, `\n` line ends. Decoding is
//! strict: exactly one text encodes a given envelope, and anything else
//! (other line lengths, `\r`, spaces, missing padding, non-zero trailing
//! bits, text before or after) is rejected.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use crate::error::ArmorError;

/// The first line.
pub const BEGIN: &str = "-----BEGIN LIAISON ENVELOPE-----";
/// The last line.
pub const END: &str = "-----END LIAISON ENVELOPE-----";
/// Base64 characters per line (every line but the last is full).
pub const LINE_LEN: usize = 64;

/// Whether `bytes` start like an armored envelope.
#[must_use]
pub fn is_armored(bytes: &[u8]) -> bool {
    bytes.starts_with(BEGIN.as_bytes())
}

/// Armors binary envelope bytes.
#[must_use]
pub fn armor(envelope: &[u8]) -> String {
    let b64 = STANDARD.encode(envelope);
    let mut out = String::with_capacity(b64.len() + b64.len() / LINE_LEN + 80);
    out.push_str(BEGIN);
    out.push('\n');
    let mut rest = b64.as_str();
    while !rest.is_empty() {
        let (line, tail) = rest.split_at(rest.len().min(LINE_LEN));
        out.push_str(line);
        out.push('\n');
        rest = tail;
    }
    out.push_str(END);
    out.push('\n');
    out
}

/// Decodes an armored envelope, strictly.
///
/// # Errors
///
/// [`ArmorError::Malformed`] with the line of the first deviation from the
/// canonical form.
pub fn dearmor(text: &[u8]) -> Result<Vec<u8>, ArmorError> {
    let bad = |line: usize, problem: &str| ArmorError::Malformed {
        line,
        problem: problem.to_owned(),
    };
    let Some(body) = text.strip_suffix(b"\n") else {
        return Err(bad(
            1,
            "the text must end with a line feed after the END line",
        ));
    };
    let lines: Vec<&[u8]> = body.split(|b| *b == b'\n').collect();
    let count = lines.len();
    if lines.first() != Some(&BEGIN.as_bytes()) {
        return Err(bad(1, &format!("expected the line `{BEGIN}`")));
    }
    if count < 3 || lines.last() != Some(&END.as_bytes()) {
        return Err(bad(count, &format!("expected the line `{END}`")));
    }
    let data = lines.get(1..count - 1).unwrap_or_default();
    let mut b64 = Vec::with_capacity(data.len() * LINE_LEN);
    for (i, line) in data.iter().enumerate() {
        let last = i + 1 == data.len();
        let ok = if last {
            !line.is_empty() && line.len() <= LINE_LEN
        } else {
            line.len() == LINE_LEN
        };
        if !ok {
            return Err(bad(
                i + 2,
                &format!(
                    "every base64 line but the last must have exactly {LINE_LEN} characters, the last 1 to {LINE_LEN}"
                ),
            ));
        }
        b64.extend_from_slice(line);
    }
    STANDARD.decode(&b64).map_err(|e| {
        bad(
            2,
            &format!("not canonical standard base64 with padding: {e}"),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_rejects_variants() {
        for len in [1, 47, 48, 49, 200] {
            let bytes: Vec<u8> = (0..len).map(|i| i as u8).collect();
            let text = armor(&bytes);
            assert_eq!(dearmor(text.as_bytes()).unwrap(), bytes);
            assert!(dearmor(text.replace('\n', "\r\n").as_bytes()).is_err());
            assert!(dearmor(text.trim_end().as_bytes()).is_err());
            assert!(dearmor(format!("{text}\n").as_bytes()).is_err());
            assert!(dearmor(format!(" {text}").as_bytes()).is_err());
        }
        // Non-zero trailing bits: "AQ==" is canonical for [1], "AR==" is not.
        let text = format!("{BEGIN}\nAR==\n{END}\n");
        assert!(dearmor(text.as_bytes()).is_err());
        let text = format!("{BEGIN}\nAQ==\n{END}\n");
        assert_eq!(dearmor(text.as_bytes()).unwrap(), vec![1]);
        let text = format!("{BEGIN}\nAQ\n{END}\n");
        assert!(dearmor(text.as_bytes()).is_err());
    }
}
