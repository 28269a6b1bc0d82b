//! `liaison audit checkpoint|prove|consistency|check-proof|check-receipt|witness`
//! and `receive --receipt`, run as a user would.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "test helpers: a failing unwrap is a failing test"
)]

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const AGREEMENT: &str = r#"
id = "test.nld-kmar.deu-bpol"
version = 1
provider = "NLD-KMAR"
recipients = ["DEU-BPOL"]
valid_from = 2026-01-01T00:00:00Z
legal_basis = "Prüm Convention art. 39"
purposes = ["border-control"]
max_classification = "restricted"

[[clause]]
id = "persons"
effect = "release"
[clause.when]
entity_kinds = ["person"]
[clause.release]
classes = ["identity"]
"#;

fn record(id: &str) -> String {
    format!(
        r#"{{"schema_version":"1.0","id":"{id}","version":1,"originator":"NLD-KMAR",
  "created":"2026-11-20T06:41:12.000Z","modified":"2026-11-20T06:41:12.000Z",
  "marking":{{"classification":"restricted","tlp":"amber"}},
  "entities":[{{"kind":"person","id":"d23f0824-128b-4f33-8c5c-7fd0a6a3a450","names":[{{"family":"de Vries"}}]}}]}}"#
    )
}

const NOW: &str = "2026-11-26T09:00:00Z";

/// The end of the test cards' validity: signing checks the card against
/// the current time, so it lies far ahead.
const LATER: &str = "2036-01-01T00:00:00Z";

fn liaison(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_liaison"))
        .args(args)
        .output()
        .unwrap()
}

fn code(out: &Output) -> i32 {
    out.status.code().unwrap()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

struct Setup {
    dir: tempfile::TempDir,
}

impl Setup {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        for agency in ["NLD-KMAR", "DEU-BPOL", "POL-SG"] {
            let out = liaison(&[
                "keygen",
                "--agency",
                agency,
                "--out",
                s(&dir.path().join(agency)),
                "--not-before",
                "2026-01-01T00:00:00Z",
                "--not-after",
                LATER,
            ]);
            assert_eq!(code(&out), 0, "{}", stderr(&out));
        }
        let setup = Self { dir };
        for (agency, partner) in [("NLD-KMAR", "DEU-BPOL"), ("DEU-BPOL", "NLD-KMAR")] {
            let folder = setup.path(&format!("{agency}.partners"));
            fs::create_dir_all(&folder).unwrap();
            fs::copy(
                setup.card(partner),
                folder.join(format!("{partner}.card.json")),
            )
            .unwrap();
        }
        fs::write(setup.path("agreement.toml"), AGREEMENT).unwrap();
        setup
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn identity(&self, agency: &str) -> PathBuf {
        self.path(agency).join(format!("{agency}.identity.json"))
    }

    fn card(&self, agency: &str) -> PathBuf {
        self.path(agency).join(format!("{agency}.card.json"))
    }

    fn audit(&self, agency: &str) -> PathBuf {
        self.path(agency).join(format!("{agency}.audit.jsonl"))
    }

    /// Shares a record from NLD-KMAR to DEU-BPOL and receives it, writing
    /// the receipt to `receipt`.
    fn exchange(&self, n: u32, receipt: &str) -> Output {
        let rec = self.path(&format!("record-{n}.json"));
        fs::write(
            &rec,
            record(&format!("3f9c2c1e-7a44-4c1b-9d0e-5b8a6f2e1d{n:02}")),
        )
        .unwrap();
        let parcel = self.path(&format!("parcel-{n}.bin"));
        let out = liaison(&[
            "share",
            "--identity",
            s(&self.identity("NLD-KMAR")),
            "--directory",
            s(&self.path("NLD-KMAR.partners")),
            "--agreements",
            s(&self.path("agreement.toml")),
            "--to",
            "DEU-BPOL",
            "--purpose",
            "border-control",
            "--at",
            NOW,
            "-o",
            s(&parcel),
            s(&rec),
        ]);
        assert_eq!(code(&out), 0, "{}", stderr(&out));
        self.receive(&parcel, receipt)
    }

    fn receive(&self, parcel: &Path, receipt: &str) -> Output {
        liaison(&[
            "receive",
            "--identity",
            s(&self.identity("DEU-BPOL")),
            "--directory",
            s(&self.path("DEU-BPOL.partners")),
            "--at",
            NOW,
            "--receipt",
            s(&self.path(receipt)),
            "-o",
            s(&self.path(&format!("{receipt}.record.json"))),
            s(parcel),
        ])
    }

    /// Runs `args` and writes its standard output to `name`.
    fn to_file(&self, name: &str, args: &[&str]) -> Output {
        let out = liaison(args);
        fs::write(self.path(name), &out.stdout).unwrap();
        out
    }
}

#[test]
fn a_receipt_is_written_and_checked_by_the_sender() {
    let setup = Setup::new();
    let out = setup.exchange(1, "receipt.json");
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let card = setup.card("DEU-BPOL");
    let out = liaison(&[
        "audit",
        "check-receipt",
        "--card",
        s(&card),
        s(&setup.path("receipt.json")),
    ]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(
        stdout(&out).contains("accepted by `DEU-BPOL` in entry 1"),
        "{}",
        stdout(&out)
    );
    // Checked by its sender for its parcel: holds, and names the sender.
    let receipt: serde_json::Value =
        serde_json::from_slice(&fs::read(setup.path("receipt.json")).unwrap()).unwrap();
    let entry: serde_json::Value =
        serde_json::from_str(receipt["entry"].as_str().unwrap()).unwrap();
    let parcel = entry["parcel"].as_str().unwrap();
    let receipt_path = setup.path("receipt.json");
    let check_with = |extra: &[&str]| {
        let mut args = vec!["audit", "check-receipt", "--card", s(&card)];
        args.extend_from_slice(extra);
        args.push(s(&receipt_path));
        liaison(&args)
    };
    let check = |parcel: &str, from: &str| check_with(&["--parcel", parcel, "--from", from]);
    let out = check(parcel, "NLD-KMAR");
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(
        stdout(&out).contains("from `NLD-KMAR` accepted"),
        "{}",
        stdout(&out)
    );
    // For another parcel, for the same id from another sender, without
    // the sender, or with the sender's own card: refused.
    let out = check("6398cd7d-0000-4000-8000-000000000000", "NLD-KMAR");
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let out = check(parcel, "POL-SG");
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("sender `NLD-KMAR`"),
        "{}",
        stderr(&out)
    );
    let out = check_with(&["--parcel", parcel]);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    let out = liaison(&[
        "audit",
        "check-receipt",
        "--card",
        s(&setup.card("NLD-KMAR")),
        s(&setup.path("receipt.json")),
    ]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    // The same parcel again: refused (exit 1), with a signed refusal receipt.
    let out = setup.receive(&setup.path("parcel-1.bin"), "refusal.json");
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let out = liaison(&[
        "audit",
        "check-receipt",
        "--card",
        s(&card),
        s(&setup.path("refusal.json")),
    ]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(
        stdout(&out).contains("refused") && stdout(&out).contains("replayed"),
        "{}",
        stdout(&out)
    );

    // Later the sender asks for a consistency proof from the receipt's
    // checkpoint (size 1) to the receiver's newer log, and checks it with
    // the receipt it holds.
    let out = setup.exchange(2, "receipt-2.json");
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let log = setup.audit("DEU-BPOL");
    let bpol_id = setup.identity("DEU-BPOL");
    let out = setup.to_file(
        "since-receipt.json",
        &[
            "audit",
            "consistency",
            "--from",
            "1",
            "--to",
            "3",
            "--identity",
            s(&bpol_id),
            s(&log),
        ],
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let check = |proof: &str| {
        liaison(&[
            "audit",
            "check-proof",
            "--card",
            s(&card),
            "--since",
            s(&setup.path("receipt.json")),
            s(&setup.path(proof)),
        ])
    };
    let out = check("since-receipt.json");
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(stdout(&out).contains("consistent"), "{}", stdout(&out));
    // The receiver rewrites its log below the receipt: three other
    // entries in place of the three it held, chained afresh so that the
    // chain verifies; no proof from the receipt's checkpoint holds.
    fs::write(&log, b"").unwrap();
    let rewritten = liaison::audit::AuditLog::open(&log).unwrap();
    for i in 0..3 {
        let mut event = liaison::audit::AuditEvent::new(
            liaison::audit::EntryKind::Decision,
            liaison::audit::AuditOutcome::Denied,
            NOW.parse::<liaison::Timestamp>().unwrap(),
        );
        event.reasons = vec![format!("rewritten {i}")];
        rewritten.append(event).unwrap();
    }
    assert!(rewritten.verify().is_ok());
    drop(rewritten);
    let out = setup.to_file(
        "since-receipt-rewritten.json",
        &[
            "audit",
            "consistency",
            "--from",
            "1",
            "--to",
            "3",
            "--identity",
            s(&bpol_id),
            s(&log),
        ],
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let out = check("since-receipt-rewritten.json");
    assert_eq!(code(&out), 1, "{}", stderr(&out));
}

#[test]
fn checkpoints_proofs_and_a_witness_from_the_command_line() {
    let setup = Setup::new();
    for n in 1..=3 {
        let out = setup.exchange(n, &format!("receipt-{n}.json"));
        assert_eq!(code(&out), 0, "{}", stderr(&out));
    }
    let log = setup.audit("DEU-BPOL");
    let id = setup.identity("DEU-BPOL");
    let card = setup.card("DEU-BPOL");
    let out = setup.to_file(
        "held.note",
        &["audit", "checkpoint", "--identity", s(&id), s(&log)],
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(
        stdout(&out).starts_with("DEU-BPOL\n3\n"),
        "{}",
        stdout(&out)
    );

    let out = setup.to_file(
        "proof.json",
        &[
            "audit",
            "prove",
            "--entry",
            "2",
            "--identity",
            s(&id),
            s(&log),
        ],
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let out = liaison(&[
        "audit",
        "check-proof",
        "--card",
        s(&card),
        s(&setup.path("proof.json")),
    ]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(stdout(&out).contains("entry 2 is in the log of `DEU-BPOL` of size 3"));
    // The wrong card.
    let out = liaison(&[
        "audit",
        "check-proof",
        "--card",
        s(&setup.card("NLD-KMAR")),
        s(&setup.path("proof.json")),
    ]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));

    // The witness cosigns the first checkpoint it sees.
    let state = setup.path("witness-state");
    fs::create_dir(&state).unwrap();
    let witness = |checkpoint: &str, proof: Option<&str>| {
        let mut args = vec![
            "audit".to_owned(),
            "witness".to_owned(),
            "--identity".to_owned(),
            s(&setup.identity("POL-SG")).to_owned(),
            "--card".to_owned(),
            s(&card).to_owned(),
            "--state".to_owned(),
            s(&state).to_owned(),
        ];
        if let Some(p) = proof {
            args.extend(["--proof".to_owned(), s(&setup.path(p)).to_owned()]);
        }
        args.push(s(&setup.path(checkpoint)).to_owned());
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        liaison(&args)
    };
    let out = witness("held.note", None);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(
        stdout(&out).contains("\u{2014} POL-SG "),
        "{}",
        stdout(&out)
    );
    // and says that it trusted it on first use.
    assert!(
        stderr(&out).contains("trusted on first use"),
        "{}",
        stderr(&out)
    );

    // The log grows; a consistency proof from the held size checks.
    let out = setup.exchange(4, "receipt-4.json");
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let out = setup.to_file(
        "consistency.json",
        &[
            "audit",
            "consistency",
            "--from",
            "3",
            "--to",
            "4",
            "--identity",
            s(&id),
            s(&log),
        ],
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let check = |proof: &str| {
        liaison(&[
            "audit",
            "check-proof",
            "--card",
            s(&card),
            "--since",
            s(&setup.path("held.note")),
            s(&setup.path(proof)),
        ])
    };
    let out = check("consistency.json");
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(
        stdout(&out).contains("at size 4 extends its size 3"),
        "{}",
        stdout(&out)
    );
    let out = setup.to_file(
        "new.note",
        &["audit", "checkpoint", "--identity", s(&id), s(&log)],
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    // Without the proof the witness refuses the larger checkpoint; with it, it cosigns.
    assert_eq!(code(&witness("new.note", None)), 1);
    let out = witness("new.note", Some("consistency.json"));
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(!stderr(&out).contains("first use"), "{}", stderr(&out));
    // And refuses to go back.
    let out = witness("held.note", None);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert!(stderr(&out).contains("went back"), "{}", stderr(&out));

    // The receiver cuts its log back to 2 entries (the chain still
    // verifies) and regrows it: the held checkpoint catches it.
    let bytes = fs::read(&log).unwrap();
    let kept: Vec<&[u8]> = bytes.split_inclusive(|&b| b == b'\n').take(2).collect();
    fs::write(&log, kept.concat()).unwrap();
    assert_eq!(code(&liaison(&["audit", "verify", s(&log)])), 0);
    let out = liaison(&["audit", "consistency", "--from", "3", "--to", "2", s(&log)]);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    for n in 5..=7 {
        let out = setup.exchange(n, &format!("receipt-{n}.json"));
        assert_eq!(code(&out), 0, "{}", stderr(&out));
    }
    let out = setup.to_file(
        "regrown.json",
        &[
            "audit",
            "consistency",
            "--from",
            "3",
            "--to",
            "5",
            "--identity",
            s(&id),
            s(&log),
        ],
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let out = check("regrown.json");
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    // The sender kept receipt 3, whose checkpoint is of size 3: the same
    // proof fails against it.
    let receipt: serde_json::Value =
        serde_json::from_slice(&fs::read(setup.path("receipt-3.json")).unwrap()).unwrap();
    let held = receipt["checkpoint"].as_str().unwrap();
    assert!(held.starts_with("DEU-BPOL\n3\n"), "{held}");
    fs::write(setup.path("receipt-3.note"), held).unwrap();
    let out = liaison(&[
        "audit",
        "check-proof",
        "--card",
        s(&card),
        "--since",
        s(&setup.path("receipt-3.note")),
        s(&setup.path("regrown.json")),
    ]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
}

#[test]
fn reading_commands_refuse_a_torn_tail_and_leave_the_log_as_it_is() {
    let setup = Setup::new();
    let out = setup.exchange(1, "receipt.json");
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let log = setup.audit("DEU-BPOL");
    let id = setup.identity("DEU-BPOL");
    let mut bytes = fs::read(&log).unwrap();
    bytes.extend_from_slice(b"{\"at\":\"2026-11-26T09:");
    fs::write(&log, &bytes).unwrap();
    for args in [
        vec!["audit", "checkpoint", "--identity", s(&id), s(&log)],
        vec!["audit", "prove", "--entry", "1", s(&log)],
        vec!["audit", "consistency", "--from", "1", "--to", "1", s(&log)],
    ] {
        let out = liaison(&args);
        assert_eq!(code(&out), 2, "{args:?}: {}", stderr(&out));
        assert!(
            stderr(&out).contains("incomplete line 2")
                && stderr(&out).contains("liaison audit verify"),
            "{}",
            stderr(&out)
        );
        assert!(out.stdout.is_empty());
        assert_eq!(fs::read(&log).unwrap(), bytes, "{args:?} changed the log");
        assert!(!liaison::audit::quarantine_path(&log).exists());
    }
    // Once a writer has recovered the tail, the same commands work.
    let opened = liaison::audit::AuditLog::open(&log).unwrap();
    assert_eq!(opened.len(), 2);
    drop(opened);
    let out = liaison(&["audit", "checkpoint", "--identity", s(&id), s(&log)]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(
        stdout(&out).starts_with("DEU-BPOL\n2\n"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn card_windows_bound_signing_proofs_and_receipts() {
    let setup = Setup::new();
    let out = setup.exchange(1, "receipt.json");
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let log = setup.audit("DEU-BPOL");
    // An identity whose card expired signs no checkpoint, and cosigns
    // nothing.
    for agency in ["DEU-BPOL", "POL-SG"] {
        let out = liaison(&[
            "keygen",
            "--agency",
            agency,
            "--out",
            s(&setup.path("expired")),
            "--not-before",
            "2026-01-01T00:00:00Z",
            "--not-after",
            "2026-06-01T00:00:00Z",
        ]);
        assert_eq!(code(&out), 0, "{}", stderr(&out));
    }
    let expired = |agency: &str| {
        setup
            .path("expired")
            .join(format!("{agency}.identity.json"))
    };
    let out = liaison(&[
        "audit",
        "checkpoint",
        "--identity",
        s(&expired("DEU-BPOL")),
        s(&log),
    ]);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert!(stderr(&out).contains("not valid now"), "{}", stderr(&out));
    let out = setup.to_file(
        "held.note",
        &[
            "audit",
            "checkpoint",
            "--identity",
            s(&setup.identity("DEU-BPOL")),
            s(&log),
        ],
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let state = setup.path("witness-state");
    fs::create_dir(&state).unwrap();
    let out = liaison(&[
        "audit",
        "witness",
        "--identity",
        s(&expired("POL-SG")),
        "--card",
        s(&setup.card("DEU-BPOL")),
        "--state",
        s(&state),
        s(&setup.path("held.note")),
    ]);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert!(stderr(&out).contains("not valid now"), "{}", stderr(&out));
    assert_eq!(fs::read_dir(&state).unwrap().count(), 0);

    // The receiver's card as it would read had it ended before the
    // receipt's time (2026-11-26): the receipt is refused.
    let card = fs::read_to_string(setup.card("DEU-BPOL")).unwrap();
    let ended = card.replace(
        &format!("\"not_after\": \"{LATER}\""),
        "\"not_after\": \"2026-06-01T00:00:00Z\"",
    );
    assert_ne!(card, ended);
    fs::write(setup.path("ended.card.json"), ended).unwrap();
    let out = liaison(&[
        "audit",
        "check-receipt",
        "--card",
        s(&setup.path("ended.card.json")),
        s(&setup.path("receipt.json")),
    ]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert!(stderr(&out).contains("validity window"), "{}", stderr(&out));

    // A proof is checked against a card valid now, or at --at.
    let out = setup.to_file(
        "proof.json",
        &[
            "audit",
            "prove",
            "--entry",
            "1",
            "--identity",
            s(&setup.identity("DEU-BPOL")),
            s(&log),
        ],
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let check = |card: &Path, at: Option<&str>| {
        let mut args = vec!["audit", "check-proof", "--card", s(card)];
        if let Some(at) = at {
            args.extend(["--at", at]);
        }
        let proof = setup.path("proof.json");
        args.push(s(&proof));
        liaison(&args)
    };
    let ended = setup.path("ended.card.json");
    let out = check(&ended, None);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert!(stderr(&out).contains("not valid at"), "{}", stderr(&out));
    let out = check(&ended, Some("2026-03-01T00:00:00Z"));
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let out = check(&setup.card("DEU-BPOL"), None);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let out = check(&setup.card("DEU-BPOL"), Some("yesterday"));
    assert_eq!(code(&out), 2, "{}", stderr(&out));
}

#[test]
fn malformed_receipts_and_proofs_exit_2() {
    let setup = Setup::new();
    fs::write(setup.path("junk.json"), b"{\"type\":\"liaison-receipt\"}\n").unwrap();
    for command in ["check-receipt", "check-proof"] {
        let out = liaison(&[
            "audit",
            command,
            "--card",
            s(&setup.card("DEU-BPOL")),
            s(&setup.path("junk.json")),
        ]);
        assert_eq!(code(&out), 2, "{command}: {}", stderr(&out));
    }
}
