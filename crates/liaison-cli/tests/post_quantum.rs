//! Post-quantum recipients from the command line: `keygen --post-quantum`,
//! `seal --post-quantum` / `--classical` and the refusals that keep an
//! envelope from being downgraded silently, `inspect` naming the suite and
//! the stanza types, `open` with the right and the wrong identity.
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    reason = "test code: a failed unwrap is a failed test"
)]

use std::io::Write;
use std::path::Path;
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
        let _ = input.write_all(bytes);
    }
    drop(input);
    child.wait_with_output().unwrap()
}

fn code(out: &Output) -> i32 {
    out.status.code().unwrap()
}

fn err(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn keygen(dir: &Path, agency: &str, post_quantum: bool) {
    let mut args = vec!["keygen", "--agency", agency, "--out", dir.to_str().unwrap()];
    if post_quantum {
        args.push("--post-quantum");
    }
    let out = liaison(&args, None);
    assert_eq!(code(&out), 0, "{}", err(&out));
}

fn file(dir: &Path, name: &str) -> String {
    dir.join(name).to_str().unwrap().to_owned()
}

fn seal(dir: &Path, to: &[&str], flags: &[&str]) -> Output {
    let identity = file(dir, "FRA-DGSI.identity.json");
    let cards: Vec<String> = to
        .iter()
        .map(|a| file(dir, &format!("{a}.card.json")))
        .collect();
    let mut args = vec!["seal", "--identity", identity.as_str()];
    for card in &cards {
        args.extend(["--to", card.as_str()]);
    }
    args.extend(flags);
    liaison(&args, Some(b"the report"))
}

fn inspect(envelope: &[u8]) -> serde_json::Value {
    let out = liaison(&["inspect"], Some(envelope));
    assert_eq!(code(&out), 0, "{}", err(&out));
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn keygen_post_quantum_writes_both_keys_in_version_2_files() {
    let dir = tempfile::tempdir().unwrap();
    keygen(dir.path(), "DEU-BFV", true);
    keygen(dir.path(), "ITA-AISE", false);
    let card: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("DEU-BFV.card.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(card["version"], 2);
    assert_eq!(card["xwing_public"].as_str().unwrap().len(), 1624);
    assert_eq!(card["xwing_key_id"].as_str().unwrap().len(), 16);
    assert_eq!(card["x25519_public"].as_str().unwrap().len(), 44);
    // The ML-DSA-65 key: every envelope of this agency is signed with
    // Ed25519 and ML-DSA-65.
    assert_eq!(card["mldsa65_public"].as_str().unwrap().len(), 2604);
    assert_eq!(card["mldsa65_key_id"].as_str().unwrap().len(), 16);
    let identity = std::fs::read_to_string(dir.path().join("DEU-BFV.identity.json")).unwrap();
    assert!(identity.contains("\"xwing_secret\""));
    assert!(identity.contains("\"mldsa65_secret\""));
    assert!(identity.contains("\"x25519_secret\""));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(dir.path().join("DEU-BFV.identity.json"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let classical = std::fs::read_to_string(dir.path().join("ITA-AISE.card.json")).unwrap();
    assert!(!classical.contains("xwing"), "{classical}");
    let help = liaison(&["keygen", "--help"], None);
    assert!(String::from_utf8_lossy(&help.stdout).contains("--post-quantum"));
}

#[test]
fn seal_picks_the_suite_refuses_a_downgrade_and_inspect_names_it() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    keygen(d, "FRA-DGSI", false);
    keygen(d, "DEU-BFV", true);
    keygen(d, "ITA-AISE", false);

    let pq = seal(d, &["DEU-BFV"], &["--post-quantum"]);
    assert_eq!(code(&pq), 0, "{}", err(&pq));
    let json = inspect(&pq.stdout);
    assert_eq!(json["suite"], 3);
    assert_eq!(json["post_quantum"], true);
    assert_eq!(json["recipients"][0]["kind"], "xwing");
    let card: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(d.join("DEU-BFV.card.json")).unwrap())
            .unwrap();
    assert_eq!(json["recipients"][0]["key_id"], card["xwing_key_id"]);
    let opened = liaison(
        &[
            "open",
            "--identity",
            &file(d, "DEU-BFV.identity.json"),
            "--from",
            &file(d, "FRA-DGSI.card.json"),
        ],
        Some(&pq.stdout),
    );
    assert_eq!(code(&opened), 0, "{}", err(&opened));
    assert_eq!(opened.stdout, b"the report");

    // Every card post-quantum: post-quantum without asking.
    let auto = seal(d, &["DEU-BFV"], &[]);
    assert_eq!(inspect(&auto.stdout)["suite"], 3);

    // A card without an X-Wing key: refused when post-quantum is asked for,
    // refused in a mix unless a choice is made; nothing on standard output.
    let refused = seal(d, &["DEU-BFV", "ITA-AISE"], &["--post-quantum"]);
    assert_eq!(code(&refused), 2);
    assert!(refused.stdout.is_empty());
    assert!(
        err(&refused).contains("`ITA-AISE` has no post-quantum (X-Wing) key"),
        "{}",
        err(&refused)
    );
    let mixed = seal(d, &["DEU-BFV", "ITA-AISE"], &[]);
    assert_eq!(code(&mixed), 2);
    assert!(mixed.stdout.is_empty());
    assert!(err(&mixed).contains("choose explicitly"), "{}", err(&mixed));
    let classical = seal(d, &["DEU-BFV", "ITA-AISE"], &["--classical"]);
    assert_eq!(code(&classical), 0, "{}", err(&classical));
    let json = inspect(&classical.stdout);
    assert_eq!(json["suite"], 2);
    assert_eq!(json["post_quantum"], false);
    assert_eq!(json["recipients"][0]["kind"], "x25519");
    assert_eq!(json["recipients"][1]["kind"], "x25519");
    let both = liaison(
        &[
            "seal",
            "--identity",
            &file(d, "FRA-DGSI.identity.json"),
            "--to",
            &file(d, "DEU-BFV.card.json"),
            "--post-quantum",
            "--classical",
        ],
        Some(b"x"),
    );
    assert_eq!(code(&both), 2);

    // A post-quantum envelope and an identity without an X-Wing key: told
    // why, exit 1, nothing written.
    let other = liaison(
        &[
            "open",
            "--identity",
            &file(d, "ITA-AISE.identity.json"),
            "--from",
            &file(d, "FRA-DGSI.card.json"),
        ],
        Some(&pq.stdout),
    );
    assert_eq!(code(&other), 1);
    assert!(other.stdout.is_empty());
    assert!(
        err(&other).contains("no post-quantum (X-Wing) key"),
        "{}",
        err(&other)
    );
}

#[test]
fn keygen_upgrade_adds_an_x_wing_key_and_keeps_opening_old_envelopes() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    keygen(d, "FRA-DGSI", false);
    keygen(d, "DEU-BFV", false);
    let old = seal(d, &["DEU-BFV"], &[]);
    assert_eq!(inspect(&old.stdout)["suite"], 2);
    let new_dir = d.join("rotated");
    let upgraded = liaison(
        &[
            "keygen",
            "--agency",
            "DEU-BFV",
            "--out",
            new_dir.to_str().unwrap(),
            "--post-quantum",
            "--upgrade",
            &file(d, "DEU-BFV.identity.json"),
        ],
        None,
    );
    assert_eq!(code(&upgraded), 0, "{}", err(&upgraded));
    let card: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(new_dir.join("DEU-BFV.card.json")).unwrap())
            .unwrap();
    let old_card: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(d.join("DEU-BFV.card.json")).unwrap())
            .unwrap();
    assert_eq!(card["version"], 2);
    for same in ["x25519_public", "ed25519_public", "not_before", "not_after"] {
        assert_eq!(card[same], old_card[same], "{same}");
    }
    let opened = liaison(
        &[
            "open",
            "--identity",
            &file(&new_dir, "DEU-BFV.identity.json"),
            "--from",
            &file(d, "FRA-DGSI.card.json"),
        ],
        Some(&old.stdout),
    );
    assert_eq!(code(&opened), 0, "{}", err(&opened));
    assert_eq!(opened.stdout, b"the report");
    // Another agency's identity, or --upgrade without --post-quantum: refused.
    let wrong = liaison(
        &[
            "keygen",
            "--agency",
            "ITA-AISE",
            "--out",
            d.join("x").to_str().unwrap(),
            "--post-quantum",
            "--upgrade",
            &file(d, "DEU-BFV.identity.json"),
        ],
        None,
    );
    assert_eq!(code(&wrong), 2);
    assert!(err(&wrong).contains("not of `ITA-AISE`"), "{}", err(&wrong));
    let alone = liaison(
        &[
            "keygen",
            "--agency",
            "DEU-BFV",
            "--out",
            d.join("y").to_str().unwrap(),
            "--upgrade",
            &file(d, "DEU-BFV.identity.json"),
        ],
        None,
    );
    assert_eq!(code(&alone), 2);
}

#[test]
fn a_post_quantum_agency_signs_hybrid_and_its_new_card_refuses_a_classical_signature() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    keygen(d, "FRA-DGSI", false);
    keygen(d, "DEU-BFV", true);
    let before = seal(d, &["DEU-BFV"], &[]);
    assert_eq!(code(&before), 0, "{}", err(&before));
    // The sender moves to post-quantum keys, keeping its Ed25519 key.
    let new_dir = d.join("rotated");
    let upgraded = liaison(
        &[
            "keygen",
            "--agency",
            "FRA-DGSI",
            "--out",
            new_dir.to_str().unwrap(),
            "--post-quantum",
            "--upgrade",
            &file(d, "FRA-DGSI.identity.json"),
        ],
        None,
    );
    assert_eq!(code(&upgraded), 0, "{}", err(&upgraded));
    let new_card: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(new_dir.join("FRA-DGSI.card.json")).unwrap())
            .unwrap();
    let after = liaison(
        &[
            "seal",
            "--identity",
            &file(&new_dir, "FRA-DGSI.identity.json"),
            "--to",
            &file(d, "DEU-BFV.card.json"),
        ],
        Some(b"the report"),
    );
    assert_eq!(code(&after), 0, "{}", err(&after));
    let json = inspect(&after.stdout);
    assert_eq!(
        json["layers"][0]["post_quantum_signer_key_id"],
        new_card["mldsa65_key_id"]
    );
    assert_eq!(
        inspect(&before.stdout)["layers"][0]["post_quantum_signer_key_id"],
        serde_json::Value::Null
    );
    let open_with = |envelope: &[u8], card: &str| {
        liaison(
            &[
                "open",
                "--identity",
                &file(d, "DEU-BFV.identity.json"),
                "--from",
                card,
            ],
            Some(envelope),
        )
    };
    let new = file(&new_dir, "FRA-DGSI.card.json");
    let old = file(d, "FRA-DGSI.card.json");
    let ok = open_with(&after.stdout, &new);
    assert_eq!(code(&ok), 0, "{}", err(&ok));
    assert_eq!(ok.stdout, b"the report");
    // The new card refuses what the agency signed with Ed25519 alone; the
    // old card, which vouches for no ML-DSA-65 key, refuses the hybrid one.
    let downgrade = open_with(&before.stdout, &new);
    assert_eq!(code(&downgrade), 1, "{}", err(&downgrade));
    assert!(
        err(&downgrade).contains("only an Ed25519 signature"),
        "{}",
        err(&downgrade)
    );
    assert!(downgrade.stdout.is_empty());
    let stale = open_with(&after.stdout, &old);
    assert_eq!(code(&stale), 1, "{}", err(&stale));
    assert!(err(&stale).contains("ML-DSA-65 key"), "{}", err(&stale));
    let still = open_with(&before.stdout, &old);
    assert_eq!(code(&still), 0, "{}", err(&still));
}
