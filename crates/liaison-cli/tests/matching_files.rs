//! `liaison match` and the files it writes: an output that names a file
//! the command reads or keeps, or a place that cannot be written, is
//! refused before anything is charged or recorded.
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    reason = "test helpers: a failing unwrap is a failing test"
)]

mod matching_support;

use std::fs;

use matching_support::*;

fn audit_lines(t: &Setup, agency: &str) -> usize {
    fs::read_to_string(t.path(agency).join(format!("{agency}.audit.jsonl")))
        .map(|text| text.lines().count())
        .unwrap_or(0)
}

/// Indexes the held records and makes one query; returns the query's path.
fn index_and_query(t: &Setup) -> String {
    ok(&t.index("kmar.match-key", "kmar.resolver", "index.parcel"));
    ok(&t.query("index.parcel", "bpol.pending", "query.parcel"));
    s(&t.path("query.parcel")).to_owned()
}

fn answer_to(t: &Setup, output: &str) -> std::process::Output {
    t.answer("kmar.ledger", output, "query.parcel")
}

#[test]
fn an_output_that_names_a_kept_file_is_refused_and_nothing_is_charged() {
    let t = Setup::new();
    let p = |n: &str| s(&t.path(n)).to_owned();
    let query = index_and_query(&t);
    let key = fs::read(t.path("kmar.match-key")).unwrap();
    let resolver = fs::read(t.path("kmar.resolver")).unwrap();
    let identity = t.path("NLD-KMAR").join("NLD-KMAR.identity.json");
    let audit = t.path("NLD-KMAR").join("NLD-KMAR.audit.jsonl");
    let logged = audit_lines(&t, "NLD-KMAR");
    for kept in [
        p("kmar.match-key"),
        p("kmar.resolver"),
        p("agreement.toml"),
        query.clone(),
        s(&identity).to_owned(),
        s(&audit).to_owned(),
        s(&t.path("NLD-KMAR.partners").join("answer.parcel")).to_owned(),
    ] {
        let out = answer_to(&t, &kept);
        assert_eq!(out.status.code(), Some(2), "{kept}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("would destroy it"),
            "{kept}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    // The ledger itself: not made, not charged.
    let out = answer_to(&t, &p("kmar.ledger"));
    assert_eq!(out.status.code(), Some(2));
    assert!(!t.path("kmar.ledger").exists());
    assert_eq!(fs::read(t.path("kmar.match-key")).unwrap(), key);
    assert_eq!(fs::read(t.path("kmar.resolver")).unwrap(), resolver);
    assert_eq!(audit_lines(&t, "NLD-KMAR"), logged);
    // Nothing was charged: the same query is answered, not refused as a
    // replay.
    ok(&answer_to(&t, &p("answer.parcel")));
    assert_eq!(audit_lines(&t, "NLD-KMAR"), logged + 1);
    // Every match output is a parcel, a secret or holds hit references.
    #[cfg(unix)]
    for written in [
        "index.parcel",
        "query.parcel",
        "answer.parcel",
        "bpol.pending",
    ] {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = fs::metadata(t.path(written)).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "{written}");
    }

    // The querier's outputs: the pending state and the query may not be
    // one file, nor an input.
    let logged = audit_lines(&t, "DEU-BPOL");
    for (pending, output) in [
        ("same.bin", "same.bin"),
        ("index.parcel", "q2.parcel"),
        ("p2.pending", "asked.json"),
    ] {
        let out = t.query("index.parcel", pending, output);
        assert_eq!(out.status.code(), Some(2), "{pending} {output}");
    }
    assert!(!t.path("same.bin").exists() && !t.path("p2.pending").exists());
    assert_eq!(audit_lines(&t, "DEU-BPOL"), logged);
    // Finishing into the pending state would lose the outcomes.
    let out = t.run(
        "finish",
        "DEU-BPOL",
        &[
            "--index",
            &p("index.parcel"),
            "--pending",
            &p("bpol.pending"),
            "-o",
            &p("bpol.pending"),
            &p("answer.parcel"),
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(audit_lines(&t, "DEU-BPOL"), logged);
}

#[test]
fn an_output_that_cannot_be_written_stops_the_command_before_anything_is_recorded() {
    let t = Setup::new();
    let p = |n: &str| s(&t.path(n)).to_owned();
    index_and_query(&t);
    fs::create_dir(t.path("folder")).unwrap();
    let logged = audit_lines(&t, "NLD-KMAR");
    for place in [
        p("missing/answer.parcel"),
        p("folder"),
        p("folder/"),
        "/dev/full".to_owned(),
    ] {
        let out = answer_to(&t, &place);
        assert_eq!(out.status.code(), Some(2), "{place}");
        assert!(!t.path("kmar.ledger").exists(), "{place}");
        assert_eq!(audit_lines(&t, "NLD-KMAR"), logged, "{place}");
    }
    ok(&answer_to(&t, &p("answer.parcel")));

    // A query that cannot be written leaves no pending state and no entry.
    let logged = audit_lines(&t, "DEU-BPOL");
    let out = t.query("index.parcel", "q2.pending", "missing/q2.parcel");
    assert_eq!(out.status.code(), Some(2));
    assert!(!t.path("q2.pending").exists());
    assert_eq!(audit_lines(&t, "DEU-BPOL"), logged);

    // An index that cannot be written leaves no resolver and no new key.
    let logged = audit_lines(&t, "NLD-KMAR");
    let out = t.index("new.match-key", "new.resolver", "missing/index.parcel");
    assert_eq!(out.status.code(), Some(2));
    assert!(!t.path("new.match-key").exists() && !t.path("new.resolver").exists());
    assert_eq!(audit_lines(&t, "NLD-KMAR"), logged);
}

#[test]
fn references_resolve_one_by_one_and_the_output_names_each() {
    let t = Setup::new();
    let p = |n: &str| s(&t.path(n)).to_owned();
    index_and_query(&t);
    ok(&answer_to(&t, &p("answer.parcel")));
    ok(&t.run(
        "finish",
        "DEU-BPOL",
        &[
            "--index",
            &p("index.parcel"),
            "--pending",
            &p("bpol.pending"),
            "-o",
            &p("outcomes.json"),
            &p("answer.parcel"),
        ],
    ));
    let outcomes: serde_json::Value =
        serde_json::from_slice(&fs::read(t.path("outcomes.json")).unwrap()).unwrap();
    let known = outcomes["outcomes"]
        .as_array()
        .unwrap()
        .iter()
        .find_map(|o| o["reference"].as_str())
        .unwrap()
        .to_owned();
    let unknown = "ab".repeat(32);
    let out = t.run(
        "resolve",
        "NLD-KMAR",
        &[
            "--agreements",
            &p("agreement.toml"),
            "--resolver",
            &p("kmar.resolver"),
            "--from",
            "DEU-BPOL",
            "--purpose",
            "border-control",
            "-o",
            &p("resolved.json"),
            &known,
            &unknown,
        ],
    );
    // One refused: exit 1, and the output still says what resolved, as
    // the audit log records it.
    assert_eq!(out.status.code(), Some(1));
    let resolved: serde_json::Value =
        serde_json::from_slice(&fs::read(t.path("resolved.json")).unwrap()).unwrap();
    assert_eq!(resolved[0]["reference"], known.as_str());
    assert_eq!(resolved[0]["records"].as_array().unwrap().len(), 1);
    assert_eq!(resolved[1]["reference"], unknown.as_str());
    assert!(
        resolved[1]["refused"]
            .as_str()
            .unwrap()
            .contains("no entry")
    );
    let audit = fs::read_to_string(t.path("NLD-KMAR").join("NLD-KMAR.audit.jsonl")).unwrap();
    let last: serde_json::Value = serde_json::from_str(audit.lines().last().unwrap()).unwrap();
    assert!(
        last["agreements"].as_array().is_none_or(Vec::is_empty),
        "a reference the holder does not know names no agreement: {last}"
    );
}

#[test]
fn the_ledger_and_its_lock_are_kept_files_too() {
    let t = Setup::new();
    let p = |n: &str| s(&t.path(n)).to_owned();
    index_and_query(&t);
    let logged = audit_lines(&t, "NLD-KMAR");
    // The answer into the ledger's lock.
    let out = answer_to(&t, &p("kmar.ledger.lock"));
    assert_eq!(out.status.code(), Some(2));
    // A new ledger inside the partner directory, or on the holder key.
    for ledger in ["NLD-KMAR.partners/ledger", "kmar.match-key"] {
        let out = t.answer(ledger, &p("answer.parcel"), "query.parcel");
        assert_eq!(out.status.code(), Some(2), "{ledger}");
    }
    // Refused before anything is made: not the ledger, not its lock.
    let partners = t.path("NLD-KMAR.partners");
    assert!(!partners.join("ledger").exists() && !partners.join("ledger.lock").exists());
    assert_eq!(audit_lines(&t, "NLD-KMAR"), logged);
}

/// Runs `liaison match COMMAND` for `agency` in `n` processes at once;
/// returns how many succeeded.
fn at_once(t: &Setup, n: usize, command: &str, agency: &str, rest: &[String]) -> usize {
    let children: Vec<_> = (0..n)
        .map(|_| {
            let mut args = vec!["match".to_owned(), command.to_owned()];
            args.extend(t.agency(agency));
            args.extend(rest.iter().cloned());
            std::process::Command::new(env!("CARGO_BIN_EXE_liaison"))
                .args(args)
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .spawn()
                .unwrap()
        })
        .collect();
    children
        .into_iter()
        .map(|mut c| c.wait().unwrap())
        .filter(std::process::ExitStatus::success)
        .count()
}

#[test]
fn one_pending_state_is_finished_once_and_one_new_key_is_made_once_however_many_run() {
    let t = Setup::new();
    let p = |n: &str| s(&t.path(n)).to_owned();
    index_and_query(&t);
    ok(&answer_to(&t, &p("answer.parcel")));
    let logged = audit_lines(&t, "DEU-BPOL");
    let finished = at_once(
        &t,
        6,
        "finish",
        "DEU-BPOL",
        &[
            "--index".to_owned(),
            p("index.parcel"),
            "--pending".to_owned(),
            p("bpol.pending"),
            p("answer.parcel"),
        ],
    );
    assert_eq!(finished, 1);
    assert_eq!(audit_lines(&t, "DEU-BPOL"), logged + 1);

    // Indexes made at once with a new key: one makes it, the others stop,
    // so that no index is sealed under a key that is not on the disk.
    let made = at_once(
        &t,
        4,
        "index",
        "NLD-KMAR",
        &[
            "--key".to_owned(),
            p("fresh.match-key"),
            "--to".to_owned(),
            "DEU-BPOL".to_owned(),
            "--resolver".to_owned(),
            p("fresh.resolver"),
            "-o".to_owned(),
            p("fresh.parcel"),
            p("held.json"),
        ],
    );
    assert!(made >= 1);
    // Whatever ran, the index on disk answers under the key on disk.
    ok(&t.query("fresh.parcel", "fresh.pending", "fresh-query.parcel"));
    ok(&t.answer_with(
        "fresh.match-key",
        "fresh.resolver",
        "fresh.ledger",
        &p("fresh-answer.parcel"),
        "fresh-query.parcel",
    ));
}
