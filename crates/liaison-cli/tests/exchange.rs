//! `liaison share`, `receive` and `audit verify`, run as a user would: three
//! agencies with keys from `liaison keygen`, partner folders of card files,
//! agreement files.
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
classes = ["identity", "alert", "association"]
[clause.obligations]
retention_days = 90
onward = "forbidden"
notify_on_use = true
"#;

const RECORD: &str = r#"{
  "schema_version": "1.0",
  "id": "3f9c2c1e-7a44-4c1b-9d0e-5b8a6f2e1d34",
  "version": 1,
  "originator": "NLD-KMAR",
  "created": "2026-11-20T06:41:12.000Z",
  "modified": "2026-11-20T06:41:12.000Z",
  "marking": { "classification": "restricted", "tlp": "amber" },
  "entities": [
    { "kind": "person", "id": "d23f0824-128b-4f33-8c5c-7fd0a6a3a450",
      "names": [{ "given": "Pieter", "family": "de Vries" }] },
    { "kind": "biometric", "id": "9531985d-5d9d-49f8-9818-e811892f902b", "modality": "face",
      "format": "ISO/IEC 19794-5",
      "sha256": "3f1c0e5a9b7d2c4e6f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6",
      "pointer": "https://bio.kmar.example.nl/samples/1" }
  ]
}"#;

const NOW: &str = "2026-11-26T09:00:00Z";

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

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// Keys, partner folders, agreements and a record, in a temporary folder.
struct Setup {
    dir: tempfile::TempDir,
}

impl Setup {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        for agency in ["NLD-KMAR", "DEU-BPOL", "POL-SG"] {
            let keys = dir.path().join(agency);
            let out = liaison(&[
                "keygen",
                "--agency",
                agency,
                "--out",
                s(&keys),
                "--not-before",
                "2026-01-01T00:00:00Z",
                "--not-after",
                "2027-01-01T00:00:00Z",
            ]);
            assert_eq!(code(&out), 0, "{}", stderr(&out));
        }
        let setup = Self { dir };
        for (agency, partners) in [
            ("NLD-KMAR", ["DEU-BPOL", "POL-SG"]),
            ("DEU-BPOL", ["NLD-KMAR", "POL-SG"]),
            ("POL-SG", ["NLD-KMAR", "DEU-BPOL"]),
        ] {
            let folder = setup.partners(agency);
            fs::create_dir_all(&folder).unwrap();
            for p in partners {
                let card = setup.path(p).join(format!("{p}.card.json"));
                fs::copy(card, folder.join(format!("{p}.card.json"))).unwrap();
            }
        }
        fs::write(setup.path("agreement.toml"), AGREEMENT).unwrap();
        fs::write(setup.path("record.json"), RECORD).unwrap();
        setup
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn identity(&self, agency: &str) -> PathBuf {
        self.path(agency).join(format!("{agency}.identity.json"))
    }

    fn partners(&self, agency: &str) -> PathBuf {
        self.path(&format!("{agency}.partners"))
    }

    fn audit(&self, agency: &str) -> PathBuf {
        self.path(agency).join(format!("{agency}.audit.jsonl"))
    }

    /// `share` from NLD-KMAR to DEU-BPOL for border control at `NOW`,
    /// before the arguments that differ.
    fn share_prefix(&self) -> Vec<String> {
        [
            "share",
            "--identity",
            s(&self.identity("NLD-KMAR")),
            "--directory",
            s(&self.partners("NLD-KMAR")),
            "--agreements",
            s(&self.path("agreement.toml")),
            "--to",
            "DEU-BPOL",
            "--purpose",
            "border-control",
            "--at",
            NOW,
        ]
        .map(str::to_owned)
        .to_vec()
    }

    /// Runs [`Setup::share_prefix`] followed by `rest`.
    fn share_with(&self, rest: &[&str]) -> Output {
        let mut args = self.share_prefix();
        args.extend(rest.iter().map(|a| (*a).to_owned()));
        Command::new(env!("CARGO_BIN_EXE_liaison"))
            .args(args)
            .output()
            .unwrap()
    }

    fn share(&self, purpose: &str, out: &str) -> Output {
        liaison(&[
            "share",
            "--identity",
            s(&self.identity("NLD-KMAR")),
            "--directory",
            s(&self.partners("NLD-KMAR")),
            "--agreements",
            s(&self.path("agreement.toml")),
            "--to",
            "DEU-BPOL",
            "--purpose",
            purpose,
            "--at",
            NOW,
            "-o",
            s(&self.path(out)),
            s(&self.path("record.json")),
        ])
    }

    fn receive(&self, agency: &str, parcel: &str, out: &str) -> Output {
        liaison(&[
            "receive",
            "--identity",
            s(&self.identity(agency)),
            "--directory",
            s(&self.partners(agency)),
            "--at",
            NOW,
            "-o",
            s(&self.path(out)),
            s(&self.path(parcel)),
        ])
    }
}

#[test]
fn share_then_receive_writes_the_record_and_its_obligations() {
    let setup = Setup::new();
    let out = setup.share("border-control", "parcel.bin");
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(out.stdout.is_empty());
    let parcel = fs::read(setup.path("parcel.bin")).unwrap();
    assert!(!parcel.windows(5).any(|w| w == b"Vries"));

    let out = setup.receive("DEU-BPOL", "parcel.bin", "received.json");
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let received: serde_json::Value =
        serde_json::from_slice(&fs::read(setup.path("received.json")).unwrap()).unwrap();
    assert_eq!(received["from"], "NLD-KMAR");
    assert_eq!(received["purpose"], "border-control");
    assert_eq!(received["obligations"]["onward"]["rule"], "forbidden");
    assert_eq!(received["obligations"]["notify_on_use"], true);
    assert_eq!(
        received["obligations"]["retain_until"],
        "2027-02-24T09:00:00.000Z"
    );
    assert_eq!(
        received["record"]["id"],
        "3f9c2c1e-7a44-4c1b-9d0e-5b8a6f2e1d34"
    );
    // The biometric reference was withheld.
    assert_eq!(received["record"]["entities"].as_array().unwrap().len(), 1);
    assert_eq!(received["withheld"], serde_json::json!(["/entities/1"]));

    // Both audit logs, in their default place beside the identities, verify.
    for agency in ["NLD-KMAR", "DEU-BPOL"] {
        let out = liaison(&["audit", "verify", s(&setup.audit(agency))]);
        assert_eq!(code(&out), 0, "{}", stderr(&out));
        assert!(String::from_utf8_lossy(&out.stdout).starts_with("intact: 1 entry;"));
    }
}

#[test]
fn a_refused_share_exits_1_with_the_reasons_and_writes_nothing() {
    let setup = Setup::new();
    let out = setup.share("tax-collection", "parcel.bin");
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("is refused"), "{err}");
    assert!(err.lines().count() >= 2, "{err}");
    assert!(out.stdout.is_empty());
    assert!(!setup.path("parcel.bin").exists());
    // The refusal is in the audit log.
    let log = fs::read_to_string(setup.audit("NLD-KMAR")).unwrap();
    assert_eq!(log.lines().count(), 1);
    assert!(log.contains("\"kind\":\"refusal\""));
}

#[test]
fn a_share_on_request_is_decided_in_its_context() {
    let setup = Setup::new();
    // The agreement releases only in answer to a request.
    fs::write(
        setup.path("agreement.toml"),
        AGREEMENT.replace(
            "entity_kinds = [\"person\"]",
            "entity_kinds = [\"person\"]\nrequest_kinds = [\"on-request\"]",
        ),
    )
    .unwrap();
    let parcel = setup.path("parcel.bin");
    let record = setup.path("record.json");
    let out = setup.share_with(&["-o", s(&parcel), s(&record)]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert!(!parcel.exists());
    let out = setup.share_with(&[
        "--on-request",
        "--urgency",
        "urgent",
        "--received-at",
        "2026-11-26T08:00:00Z",
        "--case-reference",
        "DEU-BPOL-2026-4471",
        "-o",
        s(&parcel),
        s(&record),
    ]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(parcel.exists());
    // A request received after the share is no context to decide in.
    fs::remove_file(&parcel).unwrap();
    let out = setup.share_with(&[
        "--on-request",
        "--received-at",
        "2026-11-27T08:00:00Z",
        "-o",
        s(&parcel),
        s(&record),
    ]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert!(stderr(&out).contains("request context"), "{}", stderr(&out));
    assert!(!parcel.exists());
}

#[test]
fn a_replay_window_beyond_ten_years_is_refused_without_a_panic() {
    let setup = Setup::new();
    assert_eq!(code(&setup.share("border-control", "parcel.bin")), 0);
    for days in ["4294967295", "3651"] {
        let out = liaison(&[
            "receive",
            "--identity",
            s(&setup.identity("DEU-BPOL")),
            "--directory",
            s(&setup.partners("DEU-BPOL")),
            "--replay-window-days",
            days,
            "--at",
            NOW,
            s(&setup.path("parcel.bin")),
        ]);
        assert_eq!(code(&out), 2, "{}", stderr(&out));
        assert!(stderr(&out).contains("3650"), "{}", stderr(&out));
    }
    // The longest window allowed works.
    let out = liaison(&[
        "receive",
        "--identity",
        s(&setup.identity("DEU-BPOL")),
        "--directory",
        s(&setup.partners("DEU-BPOL")),
        "--replay-window-days",
        "3650",
        "--at",
        NOW,
        s(&setup.path("parcel.bin")),
    ]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
}

#[test]
fn sharing_a_record_held_by_another_agency_is_a_refusal_exit_1() {
    let setup = Setup::new();
    assert_eq!(code(&setup.share("border-control", "parcel.bin")), 0);
    let out = setup.receive("DEU-BPOL", "parcel.bin", "received.json");
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let received: serde_json::Value =
        serde_json::from_slice(&fs::read(setup.path("received.json")).unwrap()).unwrap();
    // The copy DEU-BPOL holds, shared again by NLD-KMAR: not its to share.
    fs::write(
        setup.path("record.json"),
        serde_json::to_vec(&received["record"]).unwrap(),
    )
    .unwrap();
    let out = setup.share("border-control", "again.bin");
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("held by `DEU-BPOL`"),
        "{}",
        stderr(&out)
    );
    assert!(!setup.path("again.bin").exists());
}

#[test]
fn an_audit_path_that_is_not_a_regular_file_is_refused() {
    use std::os::unix::fs::FileTypeExt as _;

    // A device that takes every write and reads as empty, like `/dev/null`.
    let device = "/dev/zero";
    assert!(fs::metadata(device).unwrap().file_type().is_char_device());
    let setup = Setup::new();
    assert_eq!(code(&setup.share("border-control", "parcel.bin")), 0);
    let out = liaison(&[
        "receive",
        "--identity",
        s(&setup.identity("DEU-BPOL")),
        "--directory",
        s(&setup.partners("DEU-BPOL")),
        "--audit",
        device,
        "--at",
        NOW,
        s(&setup.path("parcel.bin")),
    ]);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("not a regular file"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_replayed_tampered_or_misdirected_parcel_exits_1() {
    let setup = Setup::new();
    assert_eq!(code(&setup.share("border-control", "parcel.bin")), 0);
    assert_eq!(
        code(&setup.receive("DEU-BPOL", "parcel.bin", "first.json")),
        0
    );

    // Replayed: the default replay store beside the identity remembers it.
    let out = setup.receive("DEU-BPOL", "parcel.bin", "second.json");
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert!(stderr(&out).contains("received before"), "{}", stderr(&out));
    assert!(!setup.path("second.json").exists());

    // Tampered.
    let mut bytes = fs::read(setup.path("parcel.bin")).unwrap();
    let last = bytes.len() - 10;
    bytes[last] ^= 0x40;
    fs::write(setup.path("tampered.bin"), &bytes).unwrap();
    let out = setup.receive("DEU-BPOL", "tampered.bin", "t.json");
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert!(!setup.path("t.json").exists());

    // Not addressed to POL-SG.
    let out = setup.receive("POL-SG", "parcel.bin", "p.json");
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert!(stderr(&out).contains("not addressed"), "{}", stderr(&out));

    // Not a parcel at all: unusable input.
    fs::write(setup.path("junk.bin"), b"hello").unwrap();
    let out = setup.receive("DEU-BPOL", "junk.bin", "j.json");
    assert_eq!(code(&out), 2, "{}", stderr(&out));

    // Every refusal is logged: accepted, replayed, tampered, junk.
    let log = fs::read_to_string(setup.audit("DEU-BPOL")).unwrap();
    assert_eq!(log.lines().count(), 4);
}

#[test]
fn audit_verify_names_the_first_bad_entry() {
    let setup = Setup::new();
    for _ in 0..3 {
        assert_eq!(code(&setup.share("border-control", "parcel.bin")), 0);
    }
    let log = setup.audit("NLD-KMAR");
    let out = liaison(&["audit", "verify", s(&log)]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let stdout = String::from_utf8(out.stdout).unwrap();
    let head = stdout.split("head ").nth(1).unwrap().trim().to_owned();

    let original = fs::read_to_string(&log).unwrap();
    let lines: Vec<&str> = original.lines().collect();

    // Edited.
    fs::write(
        &log,
        format!(
            "{}\n{}\n{}\n",
            lines[0],
            lines[1].replace("DEU-BPOL", "DEU-BKA"),
            lines[2]
        ),
    )
    .unwrap();
    let out = liaison(&["audit", "verify", s(&log)]);
    assert_eq!(code(&out), 1);
    assert!(stderr(&out).contains("line 2 (seq 2)"), "{}", stderr(&out));
    assert!(out.stdout.is_empty());

    // Reordered.
    fs::write(&log, format!("{}\n{}\n{}\n", lines[0], lines[2], lines[1])).unwrap();
    let out = liaison(&["audit", "verify", s(&log)]);
    assert_eq!(code(&out), 1);
    assert!(stderr(&out).contains("line 2 (seq 3)"), "{}", stderr(&out));

    // The last entry removed: found only against the trusted head.
    fs::write(&log, format!("{}\n{}\n", lines[0], lines[1])).unwrap();
    assert_eq!(code(&liaison(&["audit", "verify", s(&log)])), 0);
    let out = liaison(&["audit", "verify", "--head", &head, s(&log)]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("removed from the end"),
        "{}",
        stderr(&out)
    );

    // A torn last line is a finding (exit 1), named with its line.
    fs::write(&log, format!("{}\n{}\n{{\"agree", lines[0], lines[1])).unwrap();
    let out = liaison(&["audit", "verify", s(&log)]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("line 3 is unterminated"),
        "{}",
        stderr(&out)
    );
    // So is a last entry whose line feed alone was removed.
    fs::write(&log, format!("{}\n{}", lines[0], lines[1])).unwrap();
    let out = liaison(&["audit", "verify", s(&log)]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("line 2 is unterminated"),
        "{}",
        stderr(&out)
    );

    // Missing file, malformed head: unusable.
    let out = liaison(&["audit", "verify", s(&setup.path("nope.jsonl"))]);
    assert_eq!(code(&out), 2);
    let out = liaison(&["audit", "verify", "--head", "3", s(&log)]);
    assert_eq!(code(&out), 2);
}

#[test]
fn a_bundle_makes_one_parcel_per_released_record() {
    let setup = Setup::new();
    let record: serde_json::Value = serde_json::from_str(RECORD).unwrap();
    let ids = [
        "3f9c2c1e-7a44-4c1b-9d0e-5b8a6f2e1d31",
        "3f9c2c1e-7a44-4c1b-9d0e-5b8a6f2e1d32",
        "3f9c2c1e-7a44-4c1b-9d0e-5b8a6f2e1d33",
    ];
    let mut bundle = Vec::new();
    for (i, id) in ids.iter().enumerate() {
        let mut r = record.clone();
        r["id"] = serde_json::json!(id);
        if i == 1 {
            // Not releasable to Germany: refused.
            r["marking"]["releasable_to"] = serde_json::json!(["FRA"]);
        }
        bundle.push(r);
    }
    fs::write(
        setup.path("bundle.json"),
        serde_json::to_vec(&bundle).unwrap(),
    )
    .unwrap();
    let parcels = setup.path("parcels");
    let out = setup.share_with(&[
        "--report",
        s(&setup.path("report.json")),
        "-o",
        s(&parcels),
        s(&setup.path("bundle.json")),
    ]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert!(stderr(&out).contains(ids[1]), "{}", stderr(&out));
    // One line per refusal, then the count of each outcome.
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 2, "{err}");
    assert!(
        err.lines()
            .nth(1)
            .unwrap()
            .starts_with("error: 3 records of "),
        "{err}"
    );
    assert!(err.ends_with(": 2 shared, 1 refused, 0 failed\n"), "{err}");
    let report: serde_json::Value =
        serde_json::from_slice(&fs::read(setup.path("report.json")).unwrap()).unwrap();
    assert_eq!(report["shared"].as_array().unwrap().len(), 2);
    assert_eq!(report["shared"][0]["record"], ids[0]);
    assert!(
        report["shared"][0]["parcel"]
            .as_str()
            .unwrap()
            .ends_with(&format!("{}.parcel", ids[0]))
    );
    assert_eq!(report["refused"][0]["record"], ids[1]);
    assert!(
        !report["refused"][0]["reasons"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    assert_eq!(report["failed"], serde_json::json!([]));
    let mut written: Vec<String> = fs::read_dir(&parcels)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    written.sort();
    assert_eq!(
        written,
        [format!("{}.parcel", ids[0]), format!("{}.parcel", ids[2])]
    );
    let log = fs::read_to_string(setup.audit("NLD-KMAR")).unwrap();
    assert_eq!(log.lines().count(), 3);
    // Each parcel is received.
    for id in [ids[0], ids[2]] {
        let out = setup.receive("DEU-BPOL", &format!("parcels/{id}.parcel"), "r.json");
        assert_eq!(code(&out), 0, "{}", stderr(&out));
    }
}

#[test]
fn a_receipt_into_a_missing_folder_records_nothing_accepted_and_can_be_retried() {
    let setup = Setup::new();
    assert_eq!(code(&setup.share("border-control", "parcel.bin")), 0);
    let out = setup.receive("DEU-BPOL", "parcel.bin", "nodir/received.json");
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert!(stderr(&out).contains("not accepted"), "{}", stderr(&out));
    let log = fs::read_to_string(setup.audit("DEU-BPOL")).unwrap();
    assert!(!log.contains("\"accepted\""), "{log}");
    assert!(log.contains("output-not-written"), "{log}");
    // The retry is no replay: the parcel was never accepted.
    let out = setup.receive("DEU-BPOL", "parcel.bin", "received.json");
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = fs::metadata(setup.path("received.json"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "the record is plaintext");
    }
}

#[test]
fn an_output_path_that_is_not_a_regular_file_is_refused_and_nothing_is_recorded() {
    use std::os::unix::fs::FileTypeExt as _;

    let setup = Setup::new();
    // A named pipe stands for every folder entry that is not a regular file
    // (`/dev/null`, `/dev/stdout`): renaming over it would replace it.
    let fifo = setup.path("pipe");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    let out = setup.share("border-control", "pipe");
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("not a regular file"),
        "{}",
        stderr(&out)
    );
    // Refused before anything is recorded, not even a failed release.
    assert!(!setup.audit("NLD-KMAR").exists());
    assert!(fs::symlink_metadata(&fifo).unwrap().file_type().is_fifo());

    // A symbolic link is not followed, nor replaced.
    fs::write(setup.path("elsewhere.bin"), b"kept").unwrap();
    std::os::unix::fs::symlink(setup.path("elsewhere.bin"), setup.path("link.bin")).unwrap();
    let out = setup.share("border-control", "link.bin");
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert!(stderr(&out).contains("symbolic link"), "{}", stderr(&out));
    assert_eq!(fs::read(setup.path("elsewhere.bin")).unwrap(), b"kept");

    // The same for a received record: no receipt is accepted, and the
    // parcel can be received afterwards.
    assert_eq!(code(&setup.share("border-control", "parcel.bin")), 0);
    let out = setup.receive("DEU-BPOL", "parcel.bin", "pipe");
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("not a regular file"),
        "{}",
        stderr(&out)
    );
    assert!(!setup.audit("DEU-BPOL").exists());
    assert!(fs::symlink_metadata(&fifo).unwrap().file_type().is_fifo());
    assert_eq!(
        code(&setup.receive("DEU-BPOL", "parcel.bin", "received.json")),
        0
    );
    let leftovers: Vec<_> = fs::read_dir(setup.dir.path())
        .unwrap()
        .filter_map(|e| {
            let name = e.unwrap().file_name().to_string_lossy().into_owned();
            name.contains("liaison-").then_some(name)
        })
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn a_parcel_is_written_readable_by_its_owner_only() {
    use std::os::unix::fs::PermissionsExt as _;

    let setup = Setup::new();
    assert_eq!(code(&setup.share("border-control", "parcel.bin")), 0);
    let mode = fs::metadata(setup.path("parcel.bin"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
}

#[test]
fn a_share_into_a_missing_folder_records_no_release() {
    let setup = Setup::new();
    let out = setup.share("border-control", "nodir/parcel.bin");
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    let log = fs::read_to_string(setup.audit("NLD-KMAR")).unwrap();
    assert_eq!(log.lines().count(), 1);
    assert!(!log.contains("\"release\""), "{log}");
    assert!(log.contains("output-not-written"), "{log}");
}

#[test]
fn an_interrupted_receipt_is_finished_by_the_next_run() {
    let setup = Setup::new();
    assert_eq!(code(&setup.share("border-control", "parcel.bin")), 0);
    assert_eq!(code(&setup.receive("DEU-BPOL", "parcel.bin", "a.json")), 0);
    // What a run killed after recording the receipt but before the rename
    // leaves: the staged record, under its temporary name.
    let staged = setup.path(".b.json.0123456789abcdef0123456789abcdef.liaison-tmp");
    fs::rename(setup.path("a.json"), &staged).unwrap();
    // And a leftover of a run killed before anything was recorded.
    let junk = setup.path(".b.json.fedcba9876543210fedcba9876543210.liaison-tmp");
    fs::write(
        &junk,
        b"{\"parcel\":\"00000000-0000-0000-0000-000000000000\"}",
    )
    .unwrap();
    // The operator tries again: the record is put in place from the staged
    // file, and that is the receipt of this very parcel: done.
    let out = setup.receive("DEU-BPOL", "parcel.bin", "b.json");
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("interrupted receipt"),
        "{}",
        stderr(&out)
    );
    assert!(setup.path("b.json").exists());
    assert!(!staged.exists() && !junk.exists());
}

#[test]
fn a_planted_staged_record_of_an_accepted_parcel_is_not_put_in_place() {
    use std::os::unix::fs::PermissionsExt as _;

    let setup = Setup::new();
    assert_eq!(code(&setup.share("border-control", "parcel.bin")), 0);
    assert_eq!(code(&setup.receive("DEU-BPOL", "parcel.bin", "a.json")), 0);
    let genuine: serde_json::Value =
        serde_json::from_slice(&fs::read(setup.path("a.json")).unwrap()).unwrap();
    // A forged record under a staged name, claiming the accepted parcel.
    let mut forged = genuine.clone();
    forged["record"]["entities"][0]["names"][0]["family"] = "Forged".into();
    let planted = setup.path(".b.json.0123456789abcdef0123456789abcdef.liaison-tmp");
    fs::write(&planted, serde_json::to_vec(&forged).unwrap()).unwrap();
    fs::set_permissions(&planted, fs::Permissions::from_mode(0o600)).unwrap();
    // The genuine content, but readable by everyone.
    let open = setup.path(".b.json.fedcba9876543210fedcba9876543210.liaison-tmp");
    fs::write(&open, serde_json::to_vec(&genuine).unwrap()).unwrap();
    fs::set_permissions(&open, fs::Permissions::from_mode(0o644)).unwrap();

    // A failing run (a replay) puts neither in place, and says so.
    let out = setup.receive("DEU-BPOL", "parcel.bin", "b.json");
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert!(!setup.path("b.json").exists());
    assert!(stderr(&out).contains("digests differ"), "{}", stderr(&out));
    assert!(stderr(&out).contains("not 600"), "{}", stderr(&out));
    assert!(planted.exists() && open.exists());
}

#[test]
fn a_kept_parcel_whose_release_is_recorded_survives_the_next_share() {
    let setup = Setup::new();
    // What a run killed after recording the release but before the rename
    // leaves: the parcel under its temporary name, its release recorded.
    let out = setup.share("border-control", "parcel.bin");
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let kept = [setup.path(".parcel.bin.0123456789abcdef0123456789abcdef.liaison-tmp")];
    fs::rename(setup.path("parcel.bin"), &kept[0]).unwrap();
    let log = fs::read_to_string(setup.audit("NLD-KMAR")).unwrap();
    assert!(log.contains("\"release\""), "{log}");

    // The next run keeps it and says so; only an unrecorded leftover goes.
    let junk = setup.path(".parcel.bin.00112233445566778899aabbccddeeff.liaison-tmp");
    fs::write(&junk, b"half a parcel").unwrap();
    let out = setup.share("border-control", "parcel.bin");
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(kept[0].exists());
    assert!(!junk.exists());
    assert!(
        stderr(&out).contains("release the audit log records"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_killed_run_leaves_no_temporary_file_for_the_next() {
    let setup = Setup::new();
    let leftover = setup.path(".parcel.bin.00112233445566778899aabbccddeeff.liaison-tmp");
    fs::write(&leftover, b"half a parcel").unwrap();
    assert_eq!(code(&setup.share("border-control", "parcel.bin")), 0);
    assert!(!leftover.exists());
    let names: Vec<_> = fs::read_dir(setup.dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".liaison-tmp"))
        .collect();
    assert!(names.is_empty(), "{names:?}");
}

#[test]
fn the_audit_option_takes_a_postgres_url() {
    let url = match std::env::var("LIAISON_TEST_POSTGRES") {
        Ok(url) if !url.is_empty() => url,
        _ if std::env::var_os("CI").is_some_and(|v| !v.is_empty()) => {
            panic!("CI is set but LIAISON_TEST_POSTGRES is not: .ci/run must start a server")
        }
        _ => {
            eprintln!(
                "the_audit_option_takes_a_postgres_url: skipped, no PostgreSQL server (set LIAISON_TEST_POSTGRES)"
            );
            return;
        }
    };
    let schema = format!("cli_{}", std::process::id());
    postgres::Client::connect(&url, postgres::NoTls)
        .unwrap_or_else(|e| panic!("the PostgreSQL server at `{url}` cannot be reached: {e}"))
        .batch_execute(&format!("CREATE SCHEMA IF NOT EXISTS {schema}"))
        .unwrap();
    let joiner = if url.contains('?') { '&' } else { '?' };
    let audit = format!("{url}{joiner}options=-csearch_path%3D{schema}");
    let setup = Setup::new();
    assert_eq!(code(&setup.share("border-control", "parcel.bin")), 0);
    let receive = |out: &str| {
        liaison(&[
            "receive",
            "--identity",
            s(&setup.identity("DEU-BPOL")),
            "--directory",
            s(&setup.partners("DEU-BPOL")),
            "--audit",
            &audit,
            "--at",
            NOW,
            "-o",
            s(&setup.path(out)),
            s(&setup.path("parcel.bin")),
        ])
    };
    let out = receive("one.json");
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let out = receive("two.json");
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert!(stderr(&out).contains("received before"), "{}", stderr(&out));
    let out = liaison(&["audit", "verify", &audit]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("intact: 2 entries"));

    // A row edited behind the triggers' back is a broken log: exit 1, as
    // for a file.
    let mut client = postgres::Client::connect(&audit, postgres::NoTls).unwrap();
    client
        .batch_execute(
            "ALTER TABLE liaison_audit DISABLE TRIGGER USER; \
             UPDATE liaison_audit SET line = replace(line, 'replayed', 'accepted') WHERE seq = 2; \
             ALTER TABLE liaison_audit ENABLE TRIGGER USER",
        )
        .unwrap();
    let out = liaison(&["audit", "verify", &audit]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert!(stderr(&out).contains("entry at line 2"), "{}", stderr(&out));
}

#[test]
fn open_refuses_a_parcel_and_points_to_receive_unless_asked_for_the_raw_envelope() {
    let setup = Setup::new();
    assert_eq!(code(&setup.share("border-control", "parcel.bin")), 0);
    let card = setup.partners("DEU-BPOL").join("NLD-KMAR.card.json");
    let open = |extra: &[&str], out: &str| {
        let mut args = vec![
            "open",
            "--identity",
            s(&setup.identity("DEU-BPOL")).to_owned().leak(),
            "--from",
            s(&card).to_owned().leak(),
            "-o",
            s(&setup.path(out)).to_owned().leak(),
        ];
        args.extend_from_slice(extra);
        args.push(s(&setup.path("parcel.bin")).to_owned().leak());
        liaison(&args)
    };
    let out = open(&[], "opened.json");
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert!(stderr(&out).contains("liaison receive"), "{}", stderr(&out));
    assert!(stderr(&out).contains("--raw-envelope"), "{}", stderr(&out));
    assert!(!setup.path("opened.json").exists());
    // To standard output too, nothing is written.
    let out = liaison(&[
        "open",
        "--identity",
        s(&setup.identity("DEU-BPOL")),
        "--from",
        s(&card),
        s(&setup.path("parcel.bin")),
    ]);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert!(out.stdout.is_empty());

    let out = open(&["--raw-envelope"], "raw.json");
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let raw: serde_json::Value =
        serde_json::from_slice(&fs::read(setup.path("raw.json")).unwrap()).unwrap();
    assert_eq!(raw["id"], "3f9c2c1e-7a44-4c1b-9d0e-5b8a6f2e1d34");
    // The parcel can still be received: open recorded nothing.
    let out = setup.receive("DEU-BPOL", "parcel.bin", "received.json");
    assert_eq!(code(&out), 0, "{}", stderr(&out));
}

#[test]
fn stix_objects_are_imported_shared_received_and_exported() {
    let setup = Setup::new();
    let bundle =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples/records/stix-bundle.json");
    let out = liaison(&["stix", "import", "--originator", "NLD-KMAR", s(&bundle)]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let records: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let indicator = records
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r.to_string().contains("203.0.113.47"))
        .unwrap();
    fs::write(setup.path("indicator.json"), indicator.to_string()).unwrap();
    fs::write(
        setup.path("cyber.toml"),
        r#"
id = "test.nld-kmar.deu-bpol.cyber"
version = 1
provider = "NLD-KMAR"
recipients = ["DEU-BPOL"]
valid_from = 2026-01-01T00:00:00Z
legal_basis = "Test arrangement"
purposes = ["cyber-defence"]
max_classification = "restricted"

[[clause]]
id = "indicators"
effect = "release"
[clause.when]
entity_kinds = ["indicator"]
[clause.release]
classes = ["indicator"]
"#,
    )
    .unwrap();
    let out = liaison(&[
        "share",
        "--identity",
        s(&setup.identity("NLD-KMAR")),
        "--directory",
        s(&setup.partners("NLD-KMAR")),
        "--agreements",
        s(&setup.path("cyber.toml")),
        "--to",
        "DEU-BPOL",
        "--purpose",
        "cyber-defence",
        "--at",
        NOW,
        "-o",
        s(&setup.path("indicator.parcel")),
        s(&setup.path("indicator.json")),
    ]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let out = setup.receive("DEU-BPOL", "indicator.parcel", "received.json");
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let received: serde_json::Value =
        serde_json::from_slice(&fs::read(setup.path("received.json")).unwrap()).unwrap();
    assert_eq!(received["from"], "NLD-KMAR");
    fs::write(setup.path("record.json"), received["record"].to_string()).unwrap();
    let out = liaison(&["stix", "export", s(&setup.path("record.json"))]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let exported: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let objects = exported["objects"].as_array().unwrap();
    assert!(
        objects
            .iter()
            .any(|o| o["type"] == "indicator"
                && o["pattern"] == "[ipv4-addr:value = '203.0.113.47']")
    );
}

#[test]
fn an_output_path_naming_the_audit_log_or_the_identity_is_refused() {
    let setup = Setup::new();
    assert_eq!(code(&setup.share("border-control", "parcel.bin")), 0);
    let log = fs::read(setup.audit("NLD-KMAR")).unwrap();
    let identity = fs::read(setup.identity("NLD-KMAR")).unwrap();
    for target in [setup.audit("NLD-KMAR"), setup.identity("NLD-KMAR")] {
        let relative = target.strip_prefix(setup.dir.path()).unwrap();
        let out = setup.share("border-control", s(relative));
        assert_eq!(code(&out), 2, "{}", stderr(&out));
        assert!(
            stderr(&out).contains("would destroy it"),
            "{}",
            stderr(&out)
        );
    }
    assert_eq!(fs::read(setup.audit("NLD-KMAR")).unwrap(), log);
    assert_eq!(fs::read(setup.identity("NLD-KMAR")).unwrap(), identity);

    // The receiver's log, given by --audit, and the parcel itself.
    let out = setup.receive("DEU-BPOL", "parcel.bin", "parcel.bin");
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    let relative = setup.audit("DEU-BPOL");
    let relative = relative.strip_prefix(setup.dir.path()).unwrap();
    let out = setup.receive("DEU-BPOL", "parcel.bin", s(relative));
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert!(stderr(&out).contains("the audit log"), "{}", stderr(&out));
    assert!(!setup.audit("DEU-BPOL").exists());
    assert_eq!(
        code(&setup.receive("DEU-BPOL", "parcel.bin", "received.json")),
        0
    );
}

#[test]
fn a_recovered_record_is_never_written_over_nor_removed() {
    let setup = Setup::new();
    assert_eq!(code(&setup.share("border-control", "a.bin")), 0);
    assert_eq!(code(&setup.share("border-control", "b.bin")), 0);
    // What a receipt killed after its record but before its rename leaves.
    assert_eq!(code(&setup.receive("DEU-BPOL", "a.bin", "in.json")), 0);
    let a_record = fs::read(setup.path("in.json")).unwrap();
    let staged = setup.path(".in.json.0123456789abcdef0123456789abcdef.liaison-tmp");
    fs::rename(setup.path("in.json"), &staged).unwrap();

    // The next receipt to that path finishes A's, and stops there.
    let out = setup.receive("DEU-BPOL", "b.bin", "in.json");
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("was not received"),
        "{}",
        stderr(&out)
    );
    assert_eq!(fs::read(setup.path("in.json")).unwrap(), a_record);
    // B was not received, so it can be, elsewhere.
    assert_eq!(code(&setup.receive("DEU-BPOL", "b.bin", "b.json")), 0);

    // When the path already exists, the staged record is kept, not removed.
    fs::rename(setup.path("in.json"), &staged).unwrap();
    fs::write(setup.path("in.json"), b"something else").unwrap();
    assert_eq!(code(&setup.share("border-control", "c.bin")), 0);
    let out = setup.receive("DEU-BPOL", "c.bin", "in.json");
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("move this file elsewhere"),
        "{}",
        stderr(&out)
    );
    assert_eq!(fs::read(&staged).unwrap(), a_record);
}

#[test]
fn a_bundle_whose_report_cannot_be_written_shares_nothing() {
    let setup = Setup::new();
    let record: serde_json::Value = serde_json::from_str(RECORD).unwrap();
    fs::write(
        setup.path("bundle.json"),
        serde_json::to_vec(&serde_json::json!([record])).unwrap(),
    )
    .unwrap();
    let out = setup.share_with(&[
        "-o",
        s(&setup.path("parcels")),
        "--report",
        s(&setup.path("nodir/report.json")),
        s(&setup.path("bundle.json")),
    ]);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert!(!setup.audit("NLD-KMAR").exists());
    assert!(!setup.path("parcels").exists());
}

#[test]
fn output_that_standard_output_cannot_take_is_kept_once_recorded() {
    let full = Path::new("/dev/full");
    if !full.exists() {
        return;
    }
    let setup = Setup::new();
    let sink = || fs::OpenOptions::new().write(true).open(full).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_liaison"))
        .current_dir(setup.dir.path())
        .args(setup.share_prefix())
        .args([s(&setup.path("record.json"))])
        .stdout(sink())
        .output()
        .unwrap();
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert!(stderr(&out).contains("is kept in"), "{}", stderr(&out));
    let kept: Vec<PathBuf> = fs::read_dir(setup.dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().contains("liaison-unwritten-"))
        .collect();
    assert_eq!(kept.len(), 1, "{kept:?}");
    fs::rename(&kept[0], setup.path("parcel.bin")).unwrap();

    // The kept parcel is the recorded one: it is received, to standard
    // output that fails, and the record is kept in turn.
    let out = Command::new(env!("CARGO_BIN_EXE_liaison"))
        .current_dir(setup.dir.path())
        .args([
            "receive",
            "--identity",
            s(&setup.identity("DEU-BPOL")),
            "--directory",
            s(&setup.partners("DEU-BPOL")),
            "--at",
            NOW,
            s(&setup.path("parcel.bin")),
        ])
        .stdout(sink())
        .output()
        .unwrap();
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("receipt of parcel"),
        "{}",
        stderr(&out)
    );
    let kept: Vec<PathBuf> = fs::read_dir(setup.dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.to_string_lossy().ends_with(".json")
                && p.to_string_lossy().contains("liaison-unwritten-")
        })
        .collect();
    assert_eq!(kept.len(), 1, "{kept:?}");
    let text = fs::read_to_string(&kept[0]).unwrap();
    assert!(text.contains("Pieter"), "{text}");
}

#[test]
fn audit_verify_refuses_what_is_not_a_regular_file() {
    let setup = Setup::new();
    let fifo = setup.path("pipe");
    assert!(
        Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    for log in [s(&fifo), "/dev/null"] {
        let out = liaison(&["audit", "verify", log]);
        assert_eq!(code(&out), 2, "{log}: {}", stderr(&out));
        assert!(
            stderr(&out).contains("not a regular file"),
            "{}",
            stderr(&out)
        );
    }
}

#[test]
fn an_output_path_spelled_otherwise_or_inside_a_folder_read_is_refused() {
    let setup = Setup::new();
    fs::create_dir(setup.path("sub")).unwrap();
    std::os::unix::fs::symlink(".", setup.path("lnk")).unwrap();
    let share_with = |audit: &str, out: &str| {
        setup.share_with(&[
            "--audit",
            s(&setup.path(audit)),
            "-o",
            s(&setup.path(out)),
            s(&setup.path("record.json")),
        ])
    };
    // A log that does not exist yet, named through `..` or a link.
    for (audit, out) in [
        ("new1.jsonl", "sub/../new1.jsonl"),
        ("sub/../new2.jsonl", "new2.jsonl"),
        ("lnk/new3.jsonl", "new3.jsonl"),
        ("new4.jsonl", "lnk/new4.jsonl.quarantine"),
    ] {
        let out = share_with(audit, out);
        assert_eq!(code(&out), 2, "{audit}: {}", stderr(&out));
        assert!(
            stderr(&out).contains("would destroy it"),
            "{}",
            stderr(&out)
        );
    }
    // A card in the partner directory the command reads.
    let out = share_with("log.jsonl", "NLD-KMAR.partners/DEU-BPOL.card.json");
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert!(stderr(&out).contains("lies inside it"), "{}", stderr(&out));
    // A path that names a folder to be.
    let out = share_with("log.jsonl", "later/");
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert!(stderr(&out).contains("path separator"), "{}", stderr(&out));
    for log in [
        "new1.jsonl",
        "new2.jsonl",
        "new3.jsonl",
        "new4.jsonl",
        "log.jsonl",
    ] {
        assert!(!setup.path(log).exists(), "{log} was written");
    }
}

#[test]
fn a_head_numbered_zero_is_a_usage_error() {
    let setup = Setup::new();
    assert_eq!(code(&setup.share("border-control", "parcel.bin")), 0);
    let head = format!("0:{}", "0".repeat(64));
    let out = liaison(&[
        "audit",
        "verify",
        "--head",
        &head,
        s(&setup.audit("NLD-KMAR")),
    ]);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("is not `SEQ:HASH`"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_stripped_post_quantum_signature_or_another_ml_dsa_key_is_refused_by_name() {
    let setup = Setup::new();
    // NLD-KMAR moves to post-quantum keys twice over (its Ed25519 key kept
    // each time), into two folders.
    for folder in ["kmar-pq", "kmar-pq-other"] {
        let out = liaison(&[
            "keygen",
            "--agency",
            "NLD-KMAR",
            "--out",
            s(&setup.path(folder)),
            "--post-quantum",
            "--upgrade",
            s(&setup.identity("NLD-KMAR")),
        ]);
        assert_eq!(code(&out), 0, "{}", stderr(&out));
    }
    let partner_card = setup.partners("DEU-BPOL").join("NLD-KMAR.card.json");
    let use_card = |folder: &str| {
        fs::copy(setup.path(folder).join("NLD-KMAR.card.json"), &partner_card).unwrap();
    };
    let card_key = |folder: &str| -> String {
        let card: serde_json::Value = serde_json::from_slice(
            &fs::read(setup.path(folder).join("NLD-KMAR.card.json")).unwrap(),
        )
        .unwrap();
        card["mldsa65_key_id"].as_str().unwrap().to_owned()
    };

    // Shared with Ed25519 alone, received with the new card: a refusal
    // (exit 1) that names the downgrade.
    assert_eq!(code(&setup.share("border-control", "classical.bin")), 0);
    use_card("kmar-pq");
    let out = setup.receive("DEU-BPOL", "classical.bin", "c.json");
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("only an Ed25519 signature of `NLD-KMAR`")
            && stderr(&out).contains("stripped (a downgrade)"),
        "{}",
        stderr(&out)
    );
    assert!(!setup.path("c.json").exists());

    // Shared with the first post-quantum identity, received with the card
    // of the other: a refusal naming both ML-DSA-65 keys.
    fs::copy(
        setup.path("kmar-pq").join("NLD-KMAR.identity.json"),
        setup.identity("NLD-KMAR"),
    )
    .unwrap();
    assert_eq!(code(&setup.share("border-control", "hybrid.bin")), 0);
    use_card("kmar-pq-other");
    let out = setup.receive("DEU-BPOL", "hybrid.bin", "h.json");
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert!(
        stderr(&out).contains(&format!("the ML-DSA-65 key `{}`", card_key("kmar-pq")))
            && stderr(&out).contains(&format!(
                "whose ML-DSA-65 key is `{}`",
                card_key("kmar-pq-other")
            )),
        "{}",
        stderr(&out)
    );
    assert!(!setup.path("h.json").exists());

    // Both refusals are logged by their codes; the right card accepts.
    let log = fs::read_to_string(setup.audit("DEU-BPOL")).unwrap();
    assert!(log.contains("\"signature-downgrade\""), "{log}");
    assert!(log.contains("\"signing-key-mismatch\""), "{log}");
    use_card("kmar-pq");
    let out = setup.receive("DEU-BPOL", "hybrid.bin", "h.json");
    assert_eq!(code(&out), 0, "{}", stderr(&out));
}
