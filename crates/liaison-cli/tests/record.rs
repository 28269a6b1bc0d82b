//! `liaison record`: validate, canonical, digest and mrz, run as a user would.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "test helpers: a failing unwrap is a failing test"
)]

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

fn record_data(path: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../liaison-record/tests/data")
        .join(path)
        .display()
        .to_string()
}

fn liaison(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_liaison"))
        .args(args)
        .output()
        .unwrap()
}

fn liaison_with_stdin(args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_liaison"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).unwrap()
}

fn specimens() -> Vec<String> {
    let file = std::fs::read_to_string(record_data("mrz/icao-specimens.txt")).unwrap();
    file.split("\n\n")
        .map(|block| {
            block
                .lines()
                .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
                .collect::<Vec<_>>()
                .join("\n")
        })
        .filter(|b| !b.is_empty())
        .collect()
}

#[test]
fn canonical_of_every_jcs_vector_is_its_expected_output() {
    for name in [
        "arrays",
        "french",
        "structures",
        "unicode",
        "values",
        "weird",
    ] {
        let input = record_data(&format!("jcs/input/{name}.json"));
        let expected = std::fs::read(record_data(&format!("jcs/output/{name}.json"))).unwrap();
        let out = liaison(&["record", "canonical", &input]);
        assert_eq!(out.status.code(), Some(0), "{name}: {}", text(&out.stderr));
        assert_eq!(out.stdout, expected, "{name}");
        assert!(out.stderr.is_empty());
    }
}

#[test]
fn canonical_rejects_duplicate_names_with_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("dup.json");
    std::fs::write(&path, "{\"a\": 1,\n \"a\": 2}").unwrap();
    let out = liaison(&["record", "canonical", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let err = text(&out.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("line 2, column 2"), "{err}");
    assert!(err.contains("duplicate member name `a`"), "{err}");
}

#[test]
fn digest_is_the_sha256_of_the_canonical_form() {
    let input = record_data("jcs/input/arrays.json");
    let out = liaison(&["record", "digest", &input]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let canonical = std::fs::read(record_data("jcs/output/arrays.json")).unwrap();
    let expected = liaison_record::sha256(&canonical).to_string();
    assert_eq!(text(&out.stdout), format!("{expected}\n"));
    // From standard input, with the members in another order.
    let out = liaison_with_stdin(
        &["record", "digest", "-"],
        r#"[56, {"1": [], "d": true, "10": null}]"#,
    );
    assert_eq!(text(&out.stdout), format!("{expected}\n"));
}

#[test]
fn a_records_digest_is_of_the_records_canonical_form() {
    // A record spelled otherwise than this library writes it: a timestamp
    // without its fraction, `revoked` at its default, an empty list.
    let record = r#"{"schema_version":"1.0","id":"6513270e-269e-4d37-b2a7-4de452e6b438",
      "version":1,"revoked":false,"originator":"NLD-KMAR",
      "created":"2026-11-20T06:41:12Z","modified":"2026-11-20T06:41:12.000Z",
      "marking":{"classification":"restricted","tlp":"amber"},"relationships":[]}"#;
    let written = r#"{"created":"2026-11-20T06:41:12.000Z","id":"6513270e-269e-4d37-b2a7-4de452e6b438","marking":{"classification":"restricted","tlp":"amber"},"modified":"2026-11-20T06:41:12.000Z","originator":"NLD-KMAR","schema_version":"1.0","version":1}"#;
    let out = liaison_with_stdin(&["record", "canonical", "--record", "-"], record);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), written);
    let out = liaison_with_stdin(&["record", "digest", "--record", "-"], record);
    let expected = liaison_record::sha256(written.as_bytes()).to_string();
    assert_eq!(text(&out.stdout), format!("{expected}\n"));
    // As JSON alone, the same document keeps its own spelling.
    let out = liaison_with_stdin(&["record", "digest", "-"], record);
    assert_ne!(text(&out.stdout), format!("{expected}\n"));
    // Not a valid record: a usage error that says why.
    let out = liaison_with_stdin(&["record", "digest", "--record", "-"], r#"{"id":1}"#);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("not a valid record"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn the_icao_specimens_parse() {
    let blocks = specimens();
    assert_eq!(blocks.len(), 2);
    for block in blocks {
        let out = liaison_with_stdin(&["record", "mrz"], &format!("{block}\r\n"));
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(json["mrz"]["issuing_state"], "UTO");
        assert_eq!(json["mrz"]["primary_identifier"], "ERIKSSON");
        assert_eq!(json["holder"]["kind"], "person");
        assert_eq!(json["holder"]["date_of_birth"], "1974-08-12");
        assert_eq!(json["document"]["kind"], "travel-document");
        assert_eq!(json["document"]["issuing_state"], "UTO");
    }
}

#[test]
fn mrz_from_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("zone.txt");
    std::fs::write(&path, &specimens()[0]).unwrap();
    let out = liaison(&["record", "mrz", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["mrz"]["format"], "td3");
    assert_eq!(json["document"]["number"], "L898902C3");
    assert_eq!(
        json["document"]["id"],
        "1e7a2530-957a-5930-9a5b-5f18c9cbad38"
    );
}

#[test]
fn a_bad_check_digit_gives_exit_2_and_names_the_check() {
    let zone = specimens()[0].replace("7408122F", "7408132F");
    let out = liaison_with_stdin(&["record", "mrz"], &zone);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let err = text(&out.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains(
            "line 2, column 20: check digit of the date of birth is `2`, the data gives `3`"
        ),
        "{err}"
    );
    let zone = specimens()[1].replace("D231458907", "D231458908");
    let out = liaison_with_stdin(&["record", "mrz"], &zone);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("check digit of the document number"));
}

#[test]
fn validate_accepts_the_example_and_lists_every_problem_of_a_bad_record() {
    let good = record_data("example-record.json");
    let out = liaison(&["record", "validate", &good]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("valid record"));

    let bad = record_data("invalid/many-problems.json");
    let out = liaison(&["record", "validate", &good, &bad]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty(), "nothing on stdout on failure");
    let err = text(&out.stderr);
    let expected = liaison_record::Record::from_json(&std::fs::read(&bad).unwrap())
        .unwrap_err()
        .problems()
        .len();
    assert!(expected > 1);
    assert_eq!(err.lines().count(), expected, "{err}");
    for line in err.lines() {
        assert!(line.starts_with("error: `"), "{line}");
        assert!(line.contains("many-problems.json`: /"), "{line}");
    }
}

#[test]
fn unreadable_input_is_exit_2() {
    let out = liaison(&["record", "canonical", "/nonexistent/file.json"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let out = liaison(&["record", "validate", "/nonexistent/file.json"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn schema_is_the_record_json_schema() {
    let out = liaison(&["record", "schema"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let printed: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(printed, liaison_record::json_schema());
    assert!(text(&out.stdout).ends_with("}\n"));
    assert!(text(&out.stdout).contains("\n  \""), "pretty-printed");
}

#[test]
fn counts_positions_and_a_byte_order_mark_are_worded_alike_everywhere() {
    let dir = tempfile::tempdir().unwrap();
    let one = dir.path().join("one.json");
    let record = std::fs::read_to_string(record_data("example-record.json")).unwrap();
    std::fs::write(&one, format!("[{record}]")).unwrap();
    let out = liaison(&["record", "validate", one.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).ends_with(": 1 valid record\n"),
        "{}",
        text(&out.stdout)
    );

    let bom = dir.path().join("bom.json");
    let mut bytes = b"\xef\xbb\xbf".to_vec();
    bytes.extend_from_slice(record.as_bytes());
    std::fs::write(&bom, bytes).unwrap();
    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, "{\"a\":\n  1,}").unwrap();
    for command in ["validate", "canonical", "digest"] {
        let out = liaison(&["record", command, bom.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(2));
        let err = text(&out.stderr);
        assert!(err.contains("line 1, column 1"), "{command}: {err}");
        assert!(err.contains("byte order mark"), "{command}: {err}");
        let out = liaison(&["record", command, bad.to_str().unwrap()]);
        let err = text(&out.stderr);
        assert!(err.contains("line 2, column 5"), "{command}: {err}");
    }
}
