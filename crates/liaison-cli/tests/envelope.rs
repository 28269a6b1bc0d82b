//! `liaison keygen`, `seal`, `open` and `inspect`, run as a user would.
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    reason = "test code: a failed unwrap is a failed test"
)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn liaison(args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_liaison"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    if let Some(bytes) = stdin {
        // The command may exit before reading everything.
        let _ = input.write_all(bytes);
    }
    drop(input);
    child.wait_with_output().unwrap()
}

fn code(out: &Output) -> i32 {
    out.status.code().unwrap()
}

struct Agencies {
    dir: tempfile::TempDir,
}

impl Agencies {
    fn new(names: &[&str]) -> Self {
        let dir = tempfile::tempdir().unwrap();
        for name in names {
            let out = liaison(&["keygen", "--agency", name, "--out", s(dir.path())], None);
            assert_eq!(code(&out), 0, "{}", String::from_utf8_lossy(&out.stderr));
        }
        Agencies { dir }
    }

    fn identity(&self, name: &str) -> String {
        s(&self.dir.path().join(format!("{name}.identity.json"))).to_owned()
    }

    fn card(&self, name: &str) -> String {
        s(&self.dir.path().join(format!("{name}.card.json"))).to_owned()
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn keygen_refuses_an_agency_id_later_commands_would_refuse_and_names_its_files() {
    let dir = tempfile::tempdir().unwrap();
    for bad in ["nld-kmar", "NL-KMAR", "NLD", "NLD-K", "../NLD-KMAR"] {
        let out = liaison(&["keygen", "--agency", bad, "--out", s(dir.path())], None);
        assert_eq!(code(&out), 2, "{bad}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("such as `NLD-KMAR`"), "{bad}: {err}");
    }
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    let out = liaison(
        &["keygen", "--agency", "NLD-KMAR", "--out", s(dir.path())],
        None,
    );
    assert_eq!(code(&out), 0);
    assert!(out.stdout.is_empty());
    let err = String::from_utf8_lossy(&out.stderr);
    for file in ["NLD-KMAR.identity.json", "NLD-KMAR.card.json"] {
        let path = dir.path().join(file);
        assert!(path.exists());
        assert!(err.contains(&format!("wrote {}", path.display())), "{err}");
    }
    let help = liaison(&["keygen", "--help"], None);
    let help = String::from_utf8_lossy(&help.stdout);
    assert!(help.contains("--agency <CCC-CODE>"), "{help}");
    assert!(help.contains("such as `NLD-KMAR`"), "{help}");
}

#[test]
fn keygen_writes_a_private_identity_and_a_public_card() {
    let a = Agencies::new(&["FRA-DGSI"]);
    let identity = std::fs::read_to_string(a.identity("FRA-DGSI")).unwrap();
    let card = std::fs::read_to_string(a.card("FRA-DGSI")).unwrap();
    assert!(identity.contains("\"liaison-identity\""));
    assert!(card.contains("\"liaison-card\"") && !card.contains("secret"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(a.identity("FRA-DGSI"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    // Never overwrites.
    let again = liaison(
        &["keygen", "--agency", "FRA-DGSI", "--out", s(a.dir.path())],
        None,
    );
    assert_eq!(code(&again), 2);
    assert_eq!(
        std::fs::read_to_string(a.identity("FRA-DGSI")).unwrap(),
        identity
    );
    // Explicit validity window.
    let out = liaison(
        &[
            "keygen",
            "--agency",
            "DEU-BFV",
            "--out",
            s(a.dir.path()),
            "--not-before",
            "2026-01-01T00:00:00Z",
            "--not-after",
            "2027-01-01T00:00:00Z",
        ],
        None,
    );
    assert_eq!(code(&out), 0);
    let card = std::fs::read_to_string(a.card("DEU-BFV")).unwrap();
    assert!(card.contains("\"2027-01-01T00:00:00Z\""), "{card}");
}

#[test]
fn seal_then_open_through_files_and_pipes() {
    let a = Agencies::new(&["FRA-DGSI", "DEU-BFV", "ITA-AISE"]);
    std::fs::write(a.path("payload"), b"the report").unwrap();
    std::fs::write(a.path("label"), b"SECRET//REL DEU ITA").unwrap();
    let sealed = a.path("sealed.env");
    let out = liaison(
        &[
            "seal",
            "--identity",
            &a.identity("FRA-DGSI"),
            "--to",
            &a.card("DEU-BFV"),
            "--to",
            &a.card("ITA-AISE"),
            "--label",
            s(&a.path("label")),
            "-o",
            s(&sealed),
            s(&a.path("payload")),
        ],
        None,
    );
    assert_eq!(code(&out), 0, "{}", String::from_utf8_lossy(&out.stderr));
    assert!(out.stdout.is_empty());
    for reader in ["DEU-BFV", "ITA-AISE"] {
        let label_out = a.path(&format!("label.{reader}"));
        let out = liaison(
            &[
                "open",
                "--identity",
                &a.identity(reader),
                "--from",
                &a.card("FRA-DGSI"),
                "--label-out",
                s(&label_out),
                s(&sealed),
            ],
            None,
        );
        assert_eq!(code(&out), 0, "{}", String::from_utf8_lossy(&out.stderr));
        assert_eq!(out.stdout, b"the report");
        assert_eq!(std::fs::read(&label_out).unwrap(), b"SECRET//REL DEU ITA");
    }
    // Pipes and armor.
    let armored = liaison(
        &[
            "seal",
            "--identity",
            &a.identity("FRA-DGSI"),
            "--to",
            &a.card("DEU-BFV"),
            "--armor",
        ],
        Some(b"piped"),
    );
    assert_eq!(code(&armored), 0);
    assert!(
        armored
            .stdout
            .starts_with(b"-----BEGIN LIAISON ENVELOPE-----\n")
    );
    let opened = liaison(
        &[
            "open",
            "--identity",
            &a.identity("DEU-BFV"),
            "--from",
            &a.card("FRA-DGSI"),
        ],
        Some(&armored.stdout),
    );
    assert_eq!(
        code(&opened),
        0,
        "{}",
        String::from_utf8_lossy(&opened.stderr)
    );
    assert_eq!(opened.stdout, b"piped");
}

#[test]
fn refusals_exit_1_and_write_nothing() {
    let a = Agencies::new(&["FRA-DGSI", "DEU-BFV", "XXA-TEST"]);
    let sealed = liaison(
        &[
            "seal",
            "--identity",
            &a.identity("FRA-DGSI"),
            "--to",
            &a.card("DEU-BFV"),
        ],
        Some(b"secret"),
    );
    assert_eq!(code(&sealed), 0);
    let env = a.path("env");
    std::fs::write(&env, &sealed.stdout).unwrap();
    let mut damaged = sealed.stdout.clone();
    let n = damaged.len();
    damaged[n - 100] ^= 1;
    let bad = a.path("bad");
    std::fs::write(&bad, &damaged).unwrap();
    let cases: [(&str, &str, &Path, &str); 3] = [
        ("XXA-TEST", "FRA-DGSI", &env, "not a recipient"),
        (
            "DEU-BFV",
            "XXA-TEST",
            &env,
            "not among the trusted sender cards",
        ),
        ("DEU-BFV", "FRA-DGSI", &bad, "cannot be opened"),
    ];
    for (reader, from, input, message) in cases {
        let out_file = a.path("out");
        let label_file = a.path("label-out");
        let out = liaison(
            &[
                "open",
                "--identity",
                &a.identity(reader),
                "--from",
                &a.card(from),
                "-o",
                s(&out_file),
                "--label-out",
                s(&label_file),
                s(input),
            ],
            None,
        );
        assert_eq!(code(&out), 1, "{message}");
        assert!(out.stdout.is_empty());
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(message), "{stderr}");
        assert!(!out_file.exists() && !label_file.exists());
        let leftovers = std::fs::read_dir(a.dir.path()).unwrap().filter(|e| {
            e.as_ref()
                .unwrap()
                .file_name()
                .to_string_lossy()
                .ends_with(".tmp")
        });
        assert_eq!(leftovers.count(), 0);
    }
    // The same to standard output: nothing on it.
    let out = liaison(
        &[
            "open",
            "--identity",
            &a.identity("DEU-BFV"),
            "--from",
            &a.card("FRA-DGSI"),
        ],
        Some(&damaged),
    );
    assert_eq!(code(&out), 1);
    assert!(out.stdout.is_empty());
}

#[test]
fn unusable_input_exits_2() {
    let a = Agencies::new(&["FRA-DGSI", "DEU-BFV"]);
    let out = liaison(
        &[
            "open",
            "--identity",
            &a.identity("DEU-BFV"),
            "--from",
            &a.card("FRA-DGSI"),
        ],
        Some(b"not an envelope"),
    );
    assert_eq!(code(&out), 2);
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a liaison envelope"));
    let out = liaison(
        &[
            "open",
            "--identity",
            &a.card("DEU-BFV"),
            "--from",
            &a.card("FRA-DGSI"),
        ],
        Some(b"x"),
    );
    assert_eq!(code(&out), 2, "a card is not an identity");
    assert!(String::from_utf8_lossy(&out.stderr).contains("line"));
    let out = liaison(
        &[
            "seal",
            "--identity",
            &a.identity("FRA-DGSI"),
            "--to",
            "/nonexistent/card.json",
        ],
        Some(b"x"),
    );
    assert_eq!(code(&out), 2);
    let out = liaison(&["seal", "--identity", &a.identity("FRA-DGSI")], Some(b"x"));
    assert_eq!(code(&out), 2, "--to is required");
    let armored = "-----BEGIN LIAISON ENVELOPE-----\nAR==\n-----END LIAISON ENVELOPE-----\n";
    let out = liaison(&["inspect"], Some(armored.as_bytes()));
    assert_eq!(code(&out), 2);
    assert!(out.stdout.is_empty());
}

#[test]
fn inspect_shows_what_needs_no_key() {
    let a = Agencies::new(&["FRA-DGSI", "DEU-BFV"]);
    let sealed = liaison(
        &[
            "seal",
            "--identity",
            &a.identity("FRA-DGSI"),
            "--to",
            &a.card("DEU-BFV"),
        ],
        Some(b"12345"),
    );
    let out = liaison(&["inspect"], Some(&sealed.stdout));
    assert_eq!(code(&out), 0, "{}", String::from_utf8_lossy(&out.stderr));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let card: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(a.card("DEU-BFV")).unwrap()).unwrap();
    let sender: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(a.card("FRA-DGSI")).unwrap()).unwrap();
    assert_eq!(json["version"], 2);
    assert_eq!(json["suite"], 2);
    assert_eq!(json["payload_len"], 5);
    assert_eq!(json["sender_key_id"], sender["ed25519_key_id"]);
    assert_eq!(json["recipients"][0]["key_id"], card["x25519_key_id"]);
    // It says plainly that none of it is verified, and so does its help.
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("nothing here has been checked"), "{err}");
    let help = liaison(&["inspect", "--help"], None);
    assert!(String::from_utf8_lossy(&help.stdout).contains("nothing it prints has been verified"));
}

#[test]
fn large_payloads_stream_and_a_late_failure_still_writes_nothing() {
    let a = Agencies::new(&["FRA-DGSI", "DEU-BFV"]);
    // Four chunks and a part: the command streams chunk by chunk.
    let payload: Vec<u8> = (0..300_000u32).map(|i| (i * 7 % 251) as u8).collect();
    let input = a.path("payload");
    std::fs::write(&input, &payload).unwrap();
    let env = a.path("env");
    let sealed = liaison(
        &[
            "seal",
            "--identity",
            &a.identity("FRA-DGSI"),
            "--to",
            &a.card("DEU-BFV"),
            "-o",
            s(&env),
            s(&input),
        ],
        None,
    );
    assert_eq!(
        code(&sealed),
        0,
        "{}",
        String::from_utf8_lossy(&sealed.stderr)
    );
    assert!(sealed.stdout.is_empty());
    let sealed_bytes = std::fs::read(&env).unwrap();
    // The same envelope shape through a pipe.
    let piped = liaison(
        &[
            "seal",
            "--identity",
            &a.identity("FRA-DGSI"),
            "--to",
            &a.card("DEU-BFV"),
        ],
        Some(&payload),
    );
    assert_eq!(code(&piped), 0);
    assert_eq!(piped.stdout.len(), sealed_bytes.len());

    let open_to = |input: &Path, out_file: Option<&Path>| {
        let mut args = vec![
            "open".to_owned(),
            "--identity".to_owned(),
            a.identity("DEU-BFV"),
            "--from".to_owned(),
            a.card("FRA-DGSI"),
        ];
        if let Some(o) = out_file {
            args.extend(["-o".to_owned(), s(o).to_owned()]);
        }
        args.push(s(input).to_owned());
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        liaison(&args, None)
    };
    let out_file = a.path("out");
    let opened = open_to(&env, Some(&out_file));
    assert_eq!(
        code(&opened),
        0,
        "{}",
        String::from_utf8_lossy(&opened.stderr)
    );
    assert_eq!(std::fs::read(&out_file).unwrap(), payload);
    let opened = open_to(&env, None);
    assert_eq!(opened.stdout, payload);
    std::fs::remove_file(&out_file).unwrap();

    // Damage in the last chunk (earlier chunks verify and are written to
    // the pending output first), and truncation at a chunk boundary.
    let mut damaged = sealed_bytes.clone();
    let n = damaged.len();
    damaged[n - 200] ^= 0x40;
    let header = sealed_bytes.len() - 64 - (payload.len() + 5 * 16);
    let truncated = sealed_bytes[..header + 2 * (65_536 + 16)].to_vec();
    for (name, bytes) in [("damaged", damaged), ("truncated", truncated)] {
        let bad = a.path(name);
        std::fs::write(&bad, &bytes).unwrap();
        for target in [Some(out_file.as_path()), None] {
            let out = open_to(&bad, target);
            assert_eq!(code(&out), 1, "{name}");
            assert!(out.stdout.is_empty(), "{name}");
            assert!(!out_file.exists(), "{name}");
            let leftovers = std::fs::read_dir(a.dir.path()).unwrap().filter(|e| {
                e.as_ref()
                    .unwrap()
                    .file_name()
                    .to_string_lossy()
                    .ends_with(".tmp")
            });
            assert_eq!(leftovers.count(), 0, "{name}");
        }
    }
}
