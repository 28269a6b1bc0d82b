//! The audit and replay store suite, run against the JSON Lines file and
//! against PostgreSQL: restarts, several instances, several processes,
//! and writers killed in the middle of appends.
//!
//! The tests that need several processes run this test binary again as a
//! child, with the `LIAISON_CHILD` variable saying what the child does (see
//! `child_receiver` and `child_appender`, which do nothing without it).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "test code: a failing unwrap is a failing test"
)]

mod common;

use std::collections::{HashMap, HashSet};
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Stdio};

use common::{Pair, now, parcels, postgres_url, receiver};
use liaison::audit::{AuditEvent, AuditLog, AuditOutcome, EntryKind};
use liaison::{ReceiveError, Timestamp};
use uuid::Uuid;

/// Where a test keeps its store: a file in `dir`, or a fresh schema.
enum Backend {
    File(tempfile::TempDir),
    Postgres(String),
}

impl Backend {
    fn file() -> Self {
        Self::File(tempfile::tempdir().unwrap())
    }

    fn postgres(test: &str) -> Option<Self> {
        postgres_url(test).map(|url| Self::Postgres(common::fresh_schema(&url)))
    }

    fn location(&self) -> String {
        match self {
            Self::File(dir) => dir
                .path()
                .join("deu-bpol.audit.jsonl")
                .to_string_lossy()
                .into_owned(),
            Self::Postgres(url) => url.clone(),
        }
    }
}

/// The suite every store passes.
fn suite(backend: &Backend) {
    let pair = Pair::new();
    let location = backend.location();
    let sent = parcels(&pair, 3, now());

    // Restart: accepted, the agency dropped and rebuilt, the same parcel refused.
    receiver(&pair.bpol, &pair.kmar, &location)
        .receive_at(&sent[0], now())
        .unwrap();
    let rebuilt = receiver(&pair.bpol, &pair.kmar, &location);
    let err = rebuilt.receive_at(&sent[0], now()).unwrap_err();
    assert!(matches!(err, ReceiveError::Replayed { .. }), "{err}");

    // Two instances at once share the replay ids.
    let other = receiver(&pair.bpol, &pair.kmar, &location);
    rebuilt.receive_at(&sent[1], now()).unwrap();
    let err = other.receive_at(&sent[1], now()).unwrap_err();
    assert!(matches!(err, ReceiveError::Replayed { .. }), "{err}");

    // A parcel older than the window is refused with a reason that says so.
    let later = Timestamp::from_offset_date_time(
        now().to_offset_date_time() + liaison::DEFAULT_REPLAY_WINDOW + time::Duration::hours(1),
    );
    let err = other.receive_at(&sent[2], later).unwrap_err();
    assert!(matches!(err, ReceiveError::TooOld { .. }), "{err}");
    assert!(err.to_string().contains("older than the replay window"));
    // ... and the first parcel, now pruned, is still refused by its age.
    let err = other.receive_at(&sent[0], later).unwrap_err();
    assert!(matches!(err, ReceiveError::TooOld { .. }), "{err}");

    // Four instances appending from four threads: one intact chain.
    let logs: Vec<AuditLog> = (0..4)
        .map(|_| AuditLog::open_location(&location).unwrap())
        .collect();
    std::thread::scope(|s| {
        for log in &logs {
            s.spawn(move || {
                for _ in 0..50 {
                    log.append(AuditEvent::new(
                        EntryKind::Decision,
                        AuditOutcome::Denied,
                        now(),
                    ))
                    .unwrap();
                }
            });
        }
    });
    let report = AuditLog::open_location(&location)
        .unwrap()
        .verify()
        .unwrap();
    // Six receipts (two accepted, two replays, two too old), 200 appends.
    assert_eq!(report.entries, 6 + 200);
}

#[test]
fn the_file_store_passes_the_suite() {
    suite(&Backend::file());
}

#[test]
fn the_postgres_store_passes_the_suite() {
    if let Some(backend) = Backend::postgres("the_postgres_store_passes_the_suite") {
        suite(&backend);
    }
}

#[test]
fn a_short_window_or_a_late_clock_on_one_instance_lets_no_replay_in_on_postgres() {
    let Some(Backend::Postgres(url)) = Backend::postgres(
        "a_short_window_or_a_late_clock_on_one_instance_lets_no_replay_in_on_postgres",
    ) else {
        return;
    };
    let pair = Pair::new();
    let sent = parcels(&pair, 1, now());
    let main = receiver(&pair.bpol, &pair.kmar, &url);
    main.receive_at(&sent[0], now()).unwrap();

    // Another instance, with a one-day window and a clock two days ahead,
    // accepts a parcel of its own time.
    let ahead =
        Timestamp::from_offset_date_time(now().to_offset_date_time() + time::Duration::days(2));
    let mut directory = liaison::Directory::new();
    directory.add(common::identity(&pair.kmar).card()).unwrap();
    let short = liaison::Agency::builder(common::identity(&pair.bpol))
        .directory(directory)
        .audit_location(url.as_str())
        .replay_window(time::Duration::days(1))
        .build()
        .unwrap();
    short
        .receive_at(&parcels(&pair, 1, ahead)[0], ahead)
        .unwrap();

    // The first instance still refuses the replay.
    let err = main.receive_at(&sent[0], now()).unwrap_err();
    assert!(matches!(err, ReceiveError::Replayed { .. }), "{err}");
    let err = receiver(&pair.bpol, &pair.kmar, &url)
        .receive_at(&sent[0], now())
        .unwrap_err();
    assert!(matches!(err, ReceiveError::Replayed { .. }), "{err}");
}

#[test]
fn the_postgres_store_is_append_only_and_parcels_are_unique() {
    let Some(Backend::Postgres(url)) =
        Backend::postgres("the_postgres_store_is_append_only_and_parcels_are_unique")
    else {
        return;
    };
    let log = AuditLog::open_location(&url).unwrap();
    let mut event = AuditEvent::new(EntryKind::Decision, AuditOutcome::Denied, now());
    event.reasons.push("no-agreement".to_owned());
    log.append(event.clone()).unwrap();
    log.append(event).unwrap();
    let mut client = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    for sql in [
        "UPDATE liaison_audit SET line = line WHERE seq = 1",
        "DELETE FROM liaison_audit WHERE seq = 2",
        "TRUNCATE liaison_audit",
    ] {
        let err = client.batch_execute(sql).unwrap_err();
        let message = err.as_db_error().unwrap().message();
        assert!(message.contains("append-only"), "{sql}: {message}");
    }
    // A forked or gapped chain is refused by the database itself.
    let err = client
        .execute(
            "INSERT INTO liaison_audit (seq, hash, prev, line) VALUES (4, repeat('a', 64), repeat('b', 64), '{}')",
            &[],
        )
        .unwrap_err();
    let message = err.as_db_error().unwrap().message();
    assert!(message.contains("does not chain"), "{message}");
    // A parcel (its sender and id) is accepted once; the same id from
    // another sender is another parcel.
    let id = Uuid::new_v4().to_string();
    let insert = "INSERT INTO liaison_replay (sender, parcel, received_at) VALUES ($1, $2::text::uuid, now())";
    client.execute(insert, &[&"NLD-KMAR", &id]).unwrap();
    assert!(client.execute(insert, &[&"NLD-KMAR", &id]).is_err());
    client.execute(insert, &[&"POL-SG", &id]).unwrap();
    // The replay ids cannot be changed or removed either.
    for sql in [
        "UPDATE liaison_replay SET received_at = now()",
        "DELETE FROM liaison_replay",
        "TRUNCATE liaison_replay",
    ] {
        let err = client.batch_execute(sql).unwrap_err();
        let message = err.as_db_error().unwrap().message();
        assert!(message.contains("append-only"), "{sql}: {message}");
    }
    assert_eq!(log.verify().unwrap().entries, 2);
}

/// Four processes receive the same 2,500 parcels each, in different
/// orders, against the store at `location`.
fn four_processes(location: &str) {
    const PARCELS: usize = 2_500;
    let dir = tempfile::tempdir().unwrap();
    let pair = Pair::new();
    let sent = parcels(&pair, PARCELS, now());
    common::write_parcels(&dir.path().join("parcels"), &sent);
    std::fs::write(dir.path().join("bpol.json"), &pair.bpol).unwrap();
    std::fs::write(dir.path().join("kmar.json"), &pair.kmar).unwrap();
    let children: Vec<_> = (0..4u64)
        .map(|i| {
            Command::new(std::env::current_exe().unwrap())
                .args([
                    "child_receiver",
                    "--exact",
                    "--nocapture",
                    "--test-threads=1",
                ])
                .env("LIAISON_CHILD", "receiver")
                .env("LIAISON_CHILD_DIR", dir.path())
                .env("LIAISON_CHILD_SEED", i.to_string())
                .env("LIAISON_CHILD_AUDIT", location)
                .stdout(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let mut accepted = 0;
    let mut refused = 0;
    for child in children {
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "a receiver failed: {out:?}");
        let text = String::from_utf8(out.stdout).unwrap();
        let line = text
            .lines()
            .find_map(|l| l.split_once("receiver: ").map(|(_, count)| count))
            .unwrap_or_else(|| panic!("no count from a receiver: {text}"));
        let (a, r) = line.trim().split_once(' ').unwrap();
        accepted += a.parse::<usize>().unwrap();
        refused += r.parse::<usize>().unwrap();
    }
    assert_eq!((accepted, refused), (PARCELS, 3 * PARCELS));

    let log = AuditLog::open_location(location).unwrap();
    let report = log.verify().unwrap();
    assert_eq!(report.entries, 4 * PARCELS as u64);
    let mut acceptances: HashMap<Uuid, usize> = HashMap::new();
    let mut replays = 0;
    for entry in log.entries().unwrap() {
        assert_eq!(entry.kind, EntryKind::Receipt);
        match entry.outcome {
            AuditOutcome::Accepted => *acceptances.entry(entry.parcel.unwrap()).or_default() += 1,
            AuditOutcome::Refused => {
                assert_eq!(entry.reasons, vec!["replayed".to_owned()]);
                replays += 1;
            }
            other => panic!("unexpected outcome {other:?}"),
        }
    }
    assert_eq!(acceptances.len(), PARCELS);
    assert!(acceptances.values().all(|&n| n == 1));
    assert_eq!(replays, 3 * PARCELS);
}

#[test]
fn four_processes_accept_each_parcel_once_with_the_file_store() {
    let backend = Backend::file();
    four_processes(&backend.location());
}

#[test]
fn four_processes_accept_each_parcel_once_with_postgres() {
    if let Some(backend) = Backend::postgres("four_processes_accept_each_parcel_once_with_postgres")
    {
        four_processes(&backend.location());
    }
}

/// A child of `four_processes`: receives every parcel in its own order and
/// prints `receiver: ACCEPTED REFUSED`. Without `LIAISON_CHILD` it does
/// nothing (it is not a test of its own).
#[test]
fn child_receiver() {
    if std::env::var("LIAISON_CHILD").as_deref() != Ok("receiver") {
        return;
    }
    let dir = std::path::PathBuf::from(std::env::var("LIAISON_CHILD_DIR").unwrap());
    let seed: u64 = std::env::var("LIAISON_CHILD_SEED")
        .unwrap()
        .parse()
        .unwrap();
    let location = std::env::var("LIAISON_CHILD_AUDIT").unwrap();
    let bpol = std::fs::read_to_string(dir.join("bpol.json")).unwrap();
    let kmar = std::fs::read_to_string(dir.join("kmar.json")).unwrap();
    let agency = receiver(&bpol, &kmar, &location);
    let sent = common::read_parcels(&dir.join("parcels"));
    let (mut accepted, mut refused) = (0, 0);
    for i in common::shuffled(sent.len(), seed) {
        match agency.receive_at(&sent[i], now()) {
            Ok(_) => accepted += 1,
            Err(ReceiveError::Replayed { .. }) => refused += 1,
            Err(e) => panic!("parcel {i}: {e}"),
        }
    }
    println!("receiver: {accepted} {refused}");
}

/// A writer killed with SIGKILL at random points of its appends, 100
/// times: after each recovery the log verifies, every acknowledged entry
/// is there, and every torn tail is in the quarantine file.
#[test]
fn a_writer_killed_in_the_middle_of_appends_loses_nothing_acknowledged() {
    let mut rng = 0x2545_F491_4F6C_DD1Du64;
    let mut next = move || {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng
    };
    let (mut kills, mut torn_total, mut acked_total) = (0, 0, 0);
    // Twenty logs, each killed into five times, so that verifying stays quick.
    for log_no in 0..20 {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("audit.jsonl");
        let mut acknowledged: Vec<(u64, String)> = Vec::new();
        let mut torn_tails = 0;
        for round in 0..5 {
            let round = log_no * 5 + round;
            kills += 1;
            let mut child = Command::new(std::env::current_exe().unwrap())
                .args([
                    "child_appender",
                    "--exact",
                    "--nocapture",
                    "--test-threads=1",
                ])
                .env("LIAISON_CHILD", "appender")
                .env("LIAISON_CHILD_AUDIT", &path)
                .env("LIAISON_CHILD_SEED", next().to_string())
                .stdout(Stdio::piped())
                .spawn()
                .unwrap();
            let mut out = BufReader::new(child.stdout.take().unwrap());
            // Wait until the child has opened the log, then let it append
            // for a random while.
            let mut line = String::new();
            while out.read_line(&mut line).unwrap() > 0 && !line.trim_end().ends_with("opened") {
                line.clear();
            }
            std::thread::sleep(std::time::Duration::from_micros(next() % 20_000));
            child.kill().unwrap();
            child.wait().unwrap();
            for line in out.lines() {
                if let Some(ack) = line.unwrap().trim().strip_prefix("ack ") {
                    let (seq, hash) = ack.split_once(' ').unwrap();
                    acknowledged.push((seq.parse().unwrap(), hash.to_owned()));
                }
            }
            // What the crash left, before any writer recovers it.
            let before = liaison::audit::verify_file(&path)
                .unwrap_or_else(|e| panic!("round {round}: the log does not verify: {e}"));
            let size = std::fs::metadata(&path).unwrap().len();
            let log = AuditLog::open(&path).unwrap();
            if let Some(torn) = &before.torn_tail {
                torn_tails += 1;
                let recovery = log.entries().unwrap().pop().unwrap();
                assert_eq!(recovery.kind, EntryKind::Recovery, "round {round}");
                let r = recovery.recovered.unwrap();
                assert_eq!(r.bytes, torn.bytes, "round {round}");
                assert_eq!(r.offset, size - torn.bytes, "round {round}");
            }
            // What `liaison audit verify` checks: intact, no unterminated line.
            let after = liaison::audit::verify_file(&path).unwrap();
            assert!(after.torn_tail.is_none(), "round {round}");
            let stored: HashMap<u64, String> = log
                .entries()
                .unwrap()
                .into_iter()
                .map(|e| (e.seq, e.hash))
                .collect();
            for (seq, hash) in &acknowledged {
                assert_eq!(
                    stored.get(seq),
                    Some(hash),
                    "round {round}: entry {seq} lost"
                );
            }
        }
        // Every torn tail is in quarantine, each with its recovery entry.
        let log = AuditLog::open(&path).unwrap();
        let recoveries: HashSet<(u64, String)> = log
            .entries()
            .unwrap()
            .into_iter()
            .filter_map(|e| e.recovered)
            .map(|r| (r.offset, r.sha256))
            .collect();
        assert_eq!(recoveries.len(), torn_tails);
        assert_eq!(
            quarantine_records(&dir.path().join("audit.jsonl.quarantine")),
            recoveries
        );
        torn_total += torn_tails;
        acked_total += acknowledged.len();
    }
    assert_eq!(kills, 100);
    println!(
        "{acked_total} acknowledged entries kept, {torn_total} torn tails quarantined in {kills} kills"
    );
}

/// The `(offset, sha256)` of each record of a quarantine file, read as
/// `docs/exchange.md` specifies it.
fn quarantine_records(path: &Path) -> HashSet<(u64, String)> {
    let bytes = std::fs::read(path).unwrap_or_default();
    let mut rest = bytes.as_slice();
    let mut found = HashSet::new();
    while !rest.is_empty() {
        let end = rest.iter().position(|&b| b == b'\n').unwrap();
        let header: serde_json::Value = serde_json::from_slice(&rest[..end]).unwrap();
        let len = header["bytes"].as_u64().unwrap() as usize;
        let body = &rest[end + 1..end + 1 + len];
        let digest = liaison::record::sha256(body).to_string();
        assert_eq!(header["sha256"].as_str().unwrap(), digest);
        found.insert((header["offset"].as_u64().unwrap(), digest));
        assert_eq!(rest[end + 1 + len], b'\n');
        rest = &rest[end + 2 + len..];
    }
    found
}

/// A child of the crash test: appends batches of entries of random sizes
/// for ever, printing `ack SEQ HASH` for the last entry of each batch once
/// the append has returned. Without `LIAISON_CHILD` it does nothing.
#[test]
fn child_appender() {
    if std::env::var("LIAISON_CHILD").as_deref() != Ok("appender") {
        return;
    }
    let path = std::env::var("LIAISON_CHILD_AUDIT").unwrap();
    let mut rng: u64 = std::env::var("LIAISON_CHILD_SEED")
        .unwrap()
        .parse()
        .unwrap();
    rng |= 1;
    // Lines written in small pieces, as a slow disk takes them, so that a
    // kill lands inside a write often enough to tear it.
    let store = liaison::audit::FileStore::open(&path)
        .unwrap()
        .write_in_pieces(512);
    let log = AuditLog::with_store(store).unwrap();
    let mut out = std::io::stdout().lock();
    writeln!(out, "opened").unwrap();
    out.flush().unwrap();
    loop {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        let n = 1 + (rng % 200) as usize;
        let events = (0..n)
            .map(|i| {
                let mut e = AuditEvent::new(EntryKind::Decision, AuditOutcome::Denied, now());
                e.reasons.push(format!("no-agreement {i}"));
                e
            })
            .collect();
        let entries = log.append_all(events).unwrap();
        for e in &entries {
            writeln!(out, "ack {} {}", e.seq, e.hash).unwrap();
        }
        out.flush().unwrap();
    }
}
