//! Tests of the audit log: tamper detection, torn lines, concurrency.

use std::fs;
use std::io;
use std::path::Path;
use std::sync::Arc;

use proptest::prelude::*;
use uuid::Uuid;

use super::quarantine;
use super::*;

fn event(i: u64) -> AuditEvent {
    let at = liaison_record::Timestamp::from_offset_date_time(
        time::macros::datetime!(2026-11-26 08:00 UTC) + time::Duration::seconds(i as i64),
    );
    let mut e = AuditEvent::new(EntryKind::Release, AuditOutcome::Released, at);
    e.counterparty = Some("DEU-BPOL".parse().unwrap());
    e.purpose = Some("border-control".parse().unwrap());
    e.decision = Some(Uuid::from_u128(u128::from(i) + 1000));
    e.record = Some(Uuid::from_u128(u128::from(i)));
    e.record_digest = Some(format!("{i:064x}"));
    e.reasons = vec![format!("clause `c{i}` releases")];
    e
}

/// Writes a log of `n` entries to `path` and returns its final head.
fn write_log(path: &Path, n: u64) -> ChainHead {
    write_log_from(path, 0, n)
}

/// Writes a log of the events `first..first + n` to `path` and returns its final head.
fn write_log_from(path: &Path, first: u64, n: u64) -> ChainHead {
    let log = AuditLog::open(path).unwrap();
    for i in first..first + n {
        log.append(event(i)).unwrap();
    }
    log.head().unwrap()
}

fn lines_of(path: &Path) -> Vec<Vec<u8>> {
    let bytes = fs::read(path).unwrap();
    let mut lines: Vec<Vec<u8>> = bytes.split(|&b| b == b'\n').map(<[u8]>::to_vec).collect();
    assert_eq!(lines.pop(), Some(Vec::new()));
    lines
}

fn write_lines(path: &Path, lines: &[Vec<u8>]) {
    let mut bytes = Vec::new();
    for l in lines {
        bytes.extend_from_slice(l);
        bytes.push(b'\n');
    }
    fs::write(path, bytes).unwrap();
}

fn broken_at(result: Result<VerifyReport, AuditVerifyError>) -> (u64, Problem) {
    match result {
        Err(AuditVerifyError::Broken { line, problem, .. }) => (line, problem),
        other => panic!("expected a broken log, got {other:?}"),
    }
}

#[test]
fn an_intact_log_verifies_and_reopens() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("audit.jsonl");
    let head = write_log(&path, 5);
    assert_eq!(head.seq, 5);
    let report = verify_file(&path).unwrap();
    assert_eq!(report.entries, 5);
    assert_eq!(report.head.as_ref(), Some(&head));
    assert_eq!(report.torn_tail, None);
    verify_file_against(&path, &head).unwrap();

    let log = AuditLog::open(&path).unwrap();
    assert_eq!(log.head(), Some(head.clone()));
    let sixth = log.append(event(5)).unwrap();
    assert_eq!(sixth.seq, 6);
    assert_eq!(sixth.prev, head.hash);
    let entries = log.entries().unwrap();
    assert_eq!(entries.len(), 6);
    assert_eq!(entries[0].prev, GENESIS_HASH);
    // An older head is still held by the grown log.
    log.verify_against(&head).unwrap();
}

#[test]
fn entries_hold_no_record_content() {
    let log = AuditLog::in_memory();
    let entry = log.append(event(1)).unwrap();
    let line = String::from_utf8(entry.to_line().unwrap()).unwrap();
    let value: serde_json::Value = serde_json::from_str(&line).unwrap();
    let keys: Vec<&str> = value
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    for key in keys {
        assert!(
            [
                "agreements",
                "at",
                "counterparty",
                "decision",
                "hash",
                "kind",
                "outcome",
                "parcel",
                "prev",
                "purpose",
                "reasons",
                "record",
                "record_digest",
                "seq",
                "v"
            ]
            .contains(&key),
            "unexpected member `{key}`"
        );
    }
}

#[test]
fn an_edited_entry_is_found() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("audit.jsonl");
    write_log(&path, 6);
    let mut lines = lines_of(&path);
    let edited = String::from_utf8(lines[3].clone())
        .unwrap()
        .replace("\"released\"", "\"denied\"");
    lines[3] = edited.into_bytes();
    write_lines(&path, &lines);
    let (line, problem) = broken_at(verify_file(&path));
    assert_eq!((line, problem), (4, Problem::HashMismatch));
}

#[test]
fn an_edited_entry_with_a_recomputed_hash_breaks_the_next_link() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("audit.jsonl");
    write_log(&path, 6);
    let mut lines = lines_of(&path);
    let mut entry = AuditEntry::from_line(&lines[2]).unwrap();
    entry.outcome = AuditOutcome::Denied;
    entry.hash = entry.computed_hash().unwrap();
    lines[2] = entry.to_line().unwrap();
    write_lines(&path, &lines);
    let err = verify_file(&path).unwrap_err();
    assert_eq!(err.line(), Some(4));
    assert!(matches!(
        err,
        AuditVerifyError::Broken {
            seq: Some(4),
            problem: Problem::ChainBroken,
            ..
        }
    ));
    assert!(err.to_string().contains("line 4 (seq 4)"), "{err}");
}

#[test]
fn a_deleted_entry_is_found() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("audit.jsonl");
    write_log(&path, 6);
    let mut lines = lines_of(&path);
    lines.remove(2);
    write_lines(&path, &lines);
    let (line, problem) = broken_at(verify_file(&path));
    assert_eq!(line, 3);
    assert_eq!(
        problem,
        Problem::Sequence {
            expected: 3,
            found: 4
        }
    );
}

#[test]
fn a_deleted_first_entry_is_found() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("audit.jsonl");
    write_log(&path, 3);
    let mut lines = lines_of(&path);
    lines.remove(0);
    write_lines(&path, &lines);
    assert_eq!(broken_at(verify_file(&path)).0, 1);
}

#[test]
fn deleted_last_entries_are_found_against_a_trusted_head() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("audit.jsonl");
    let head = write_log(&path, 6);
    let mut lines = lines_of(&path);
    lines.truncate(4);
    write_lines(&path, &lines);
    // Without a trusted head a shorter log is a valid log ...
    assert_eq!(verify_file(&path).unwrap().entries, 4);
    // ... with one, the removal is found.
    let (line, problem) = broken_at(verify_file_against(&path, &head));
    assert_eq!((line, problem), (5, Problem::MissingHead { seq: 6 }));
}

#[test]
fn a_rewritten_chain_is_found_against_a_trusted_head() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("audit.jsonl");
    let head = write_log(&path, 4);
    // Rewrite the whole chain with one entry changed.
    let forged = dir.path().join("forged.jsonl");
    let log = AuditLog::open(&forged).unwrap();
    for i in 0..4 {
        let mut e = event(i);
        if i == 1 {
            e.outcome = AuditOutcome::Denied;
        }
        log.append(e).unwrap();
    }
    drop(log);
    verify_file(&forged).unwrap();
    let (line, problem) = broken_at(verify_file_against(&forged, &head));
    assert_eq!((line, problem), (4, Problem::HeadMismatch));
}

#[test]
fn reordered_entries_are_found() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("audit.jsonl");
    write_log(&path, 6);
    let mut lines = lines_of(&path);
    lines.swap(1, 4);
    write_lines(&path, &lines);
    let (line, problem) = broken_at(verify_file(&path));
    assert_eq!(line, 2);
    assert_eq!(
        problem,
        Problem::Sequence {
            expected: 2,
            found: 5
        }
    );
}

#[test]
fn an_inserted_entry_is_found() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("audit.jsonl");
    write_log(&path, 6);
    // An entry taken from another, valid log with the right sequence number.
    let other = dir.path().join("other.jsonl");
    write_log_from(&other, 100, 4);
    let foreign = lines_of(&other)[3].clone();
    let mut lines = lines_of(&path);
    lines.insert(3, foreign);
    write_lines(&path, &lines);
    let (line, problem) = broken_at(verify_file(&path));
    assert_eq!((line, problem), (4, Problem::ChainBroken));
    // A duplicated line is found too.
    let mut lines = lines_of(&path);
    lines.remove(3);
    let copy = lines[1].clone();
    lines.insert(2, copy);
    write_lines(&path, &lines);
    let (line, problem) = broken_at(verify_file(&path));
    assert_eq!(line, 3);
    assert_eq!(
        problem,
        Problem::Sequence {
            expected: 3,
            found: 2
        }
    );
}

#[test]
fn a_reformatted_entry_is_found() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("audit.jsonl");
    write_log(&path, 3);
    let mut lines = lines_of(&path);
    let value: serde_json::Value = serde_json::from_slice(&lines[1]).unwrap();
    lines[1] = serde_json::to_vec_pretty(&value)
        .unwrap()
        .into_iter()
        .filter(|&b| b != b'\n')
        .collect();
    write_lines(&path, &lines);
    assert_eq!(broken_at(verify_file(&path)), (2, Problem::NotCanonical));
}

#[test]
fn a_torn_last_line_is_reported_apart_and_recovered_on_open() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("audit.jsonl");
    write_log(&path, 3);
    let full = fs::read(&path).unwrap();
    // Simulate a crash in the middle of the fourth append.
    let log = AuditLog::open(&path).unwrap();
    let fourth = log.append(event(3)).unwrap();
    drop(log);
    let mut torn = full.clone();
    let fourth_line = fourth.to_line().unwrap();
    torn.extend_from_slice(&fourth_line[..fourth_line.len() / 2]);
    fs::write(&path, &torn).unwrap();

    let report = verify_file(&path).unwrap();
    assert_eq!(report.entries, 3);
    assert_eq!(
        report.torn_tail,
        Some(TornTail {
            line: 4,
            bytes: (fourth_line.len() / 2) as u64
        })
    );

    // A complete line without its line feed is torn as well.
    let mut no_feed = full.clone();
    no_feed.extend_from_slice(&fourth_line);
    fs::write(&path, &no_feed).unwrap();
    assert_eq!(verify_file(&path).unwrap().torn_tail.unwrap().line, 4);

    // The writer moves the torn line to quarantine, records that, and
    // the chain goes on.
    let log = AuditLog::open(&path).unwrap();
    assert_eq!(log.len(), 4);
    log.append(event(9)).unwrap();
    drop(log);
    let report = verify_file(&path).unwrap();
    assert_eq!(report.entries, 5);
    assert_eq!(report.torn_tail, None);
    let recovery = AuditEntry::from_line(&lines_of(&path)[3]).unwrap();
    assert_eq!(recovery.kind, EntryKind::Recovery);
    let recovered = recovery.recovered.unwrap();
    assert_eq!(recovered.offset, full.len() as u64);
    assert_eq!(recovered.bytes, fourth_line.len() as u64);
    let quarantined = quarantine::read(&quarantine::path_for(&path)).unwrap();
    assert_eq!(quarantined, vec![(recovered, fourth_line)]);
}

#[test]
fn a_crash_between_quarantine_and_recovery_entry_is_finished() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("audit.jsonl");
    write_log(&path, 2);
    let len = fs::metadata(&path).unwrap().len();
    // The tail went to quarantine and the log was cut, then the crash.
    let record = quarantine::describe(len, b"{\"at\":");
    quarantine::append(&quarantine::path_for(&path), &record, b"{\"at\":").unwrap();
    let log = AuditLog::open(&path).unwrap();
    assert_eq!(log.len(), 3);
    let entries = log.entries().unwrap();
    assert_eq!(entries[2].recovered.as_ref(), Some(&record));
    drop(log);
    // Opening again adds nothing more.
    assert_eq!(AuditLog::open(&path).unwrap().len(), 3);
    // A damaged quarantine file is an error, not an empty one.
    let q = quarantine::path_for(&path);
    let mut bytes = fs::read(&q).unwrap();
    bytes.truncate(bytes.len() - 2);
    fs::write(&q, &bytes).unwrap();
    let err = AuditLog::open(&path).unwrap_err();
    assert!(err.to_string().contains("quarantine"), "{err}");
}

#[test]
fn a_fabricated_quarantine_record_becomes_no_recovery_entry() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("audit.jsonl");
    write_log(&path, 2);
    let before = fs::read(&path).unwrap();
    let q = quarantine::path_for(&path);
    // An offset beyond the log's end, one inside it, and an empty tail at
    // its end: none can come from a recovery of this log.
    for offset in [before.len() as u64 + 1_000, 10] {
        let record = quarantine::describe(offset, b"{\"at\":");
        quarantine::append(&q, &record, b"{\"at\":").unwrap();
        let err = AuditLog::open(&path).unwrap_err();
        assert!(err.to_string().contains("no recovery"), "{err}");
        assert_eq!(fs::read(&path).unwrap(), before);
        fs::remove_file(&q).unwrap();
    }
    quarantine::append(&q, &quarantine::describe(before.len() as u64, b""), b"").unwrap();
    let err = AuditLog::open(&path).unwrap_err();
    assert!(err.to_string().contains("no recovery"), "{err}");
    assert_eq!(fs::read(&path).unwrap(), before);
}

#[test]
fn two_writers_of_one_file_share_the_chain_and_the_replay_ids() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("audit.jsonl");
    let a = AuditLog::open(&path).unwrap();
    let b = AuditLog::open(&path).unwrap();
    let parcel = Uuid::from_u128(77);
    let receipt = |i| {
        let mut e = event(i);
        e.kind = EntryKind::Receipt;
        e.outcome = AuditOutcome::Accepted;
        e.parcel = Some(parcel);
        PendingReceipt {
            event: e,
            accepts: Some(parcel),
        }
    };
    for i in 0..5 {
        a.append(event(i)).unwrap();
        b.append(event(100 + i)).unwrap();
    }
    let (_, first) = a.record(vec![receipt(1)], None).unwrap();
    let (entries, second) = b.record(vec![receipt(2)], None).unwrap();
    assert_eq!((first, second), (vec![true], vec![false]));
    assert_eq!(entries[0].outcome, AuditOutcome::Refused);
    assert_eq!(entries[0].reasons, vec![REPLAYED.to_owned()]);
    let bpol: AgencyId = "DEU-BPOL".parse().unwrap();
    assert!(a.is_accepted(&bpol, &parcel).unwrap() && b.is_accepted(&bpol, &parcel).unwrap());
    // The same id from another sender is another parcel: accepted once,
    // and the first sender's parcel stays accepted.
    let polsg: AgencyId = "POL-SG".parse().unwrap();
    assert!(!a.is_accepted(&polsg, &parcel).unwrap());
    let other = |i| {
        let mut r = receipt(i);
        r.event.counterparty = Some(polsg.clone());
        r
    };
    let (_, third) = b.record(vec![other(3), other(4)], None).unwrap();
    assert_eq!(third, vec![true, false]);
    assert!(a.is_accepted(&polsg, &parcel).unwrap() && a.is_accepted(&bpol, &parcel).unwrap());
    assert_eq!(verify_file(&path).unwrap().entries, 14);
    // A fresh open reads the accepted parcels back from the log.
    drop((a, b));
    let c = AuditLog::open(&path).unwrap();
    assert!(c.is_accepted(&bpol, &parcel).unwrap() && c.is_accepted(&polsg, &parcel).unwrap());
    assert!(!c.is_accepted(&bpol, &Uuid::from_u128(78)).unwrap());
    // Pruning forgets ids received before the given time.
    let later = liaison_record::Timestamp::from_offset_date_time(
        time::macros::datetime!(2027-01-01 0:00 UTC),
    );
    c.record(Vec::new(), Some(later)).unwrap();
    assert!(!c.is_accepted(&bpol, &parcel).unwrap());
}

#[test]
fn a_damaged_log_is_not_appended_to() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("audit.jsonl");
    write_log(&path, 3);
    let mut lines = lines_of(&path);
    lines.remove(1);
    write_lines(&path, &lines);
    let before = fs::read(&path).unwrap();
    let err = AuditLog::open(&path).unwrap_err();
    assert!(matches!(err, AuditError::Damaged { .. }), "{err}");
    assert!(err.to_string().contains("line 2"), "{err}");
    assert_eq!(fs::read(&path).unwrap(), before);
}

#[test]
fn a_memory_store_with_a_torn_line_is_refused() {
    #[derive(Debug)]
    struct Torn;
    impl AuditStore for Torn {
        fn transact(&mut self, _: &mut Step<'_>) -> Result<Option<ChainHead>, AuditError> {
            Ok(None)
        }
        fn lines(&self) -> io::Result<StoredLines<'_>> {
            Ok(Box::new(std::iter::once(Ok(StoredLine {
                bytes: b"{".to_vec(),
                complete: false,
            }))))
        }
    }
    assert!(matches!(
        AuditLog::with_store(Torn),
        Err(AuditError::Torn { line: 1 })
    ));
}

#[test]
fn a_failing_store_leaves_the_head_where_it_was() {
    #[derive(Debug, Default)]
    struct Flaky {
        inner: MemoryStore,
        calls: u32,
    }
    impl AuditStore for Flaky {
        fn transact(&mut self, step: &mut Step<'_>) -> Result<Option<ChainHead>, AuditError> {
            self.calls += 1;
            if self.calls == 2 {
                return Err(AuditError::Store {
                    source: io::Error::other("disk full"),
                });
            }
            self.inner.transact(step)
        }
        fn lines(&self) -> io::Result<StoredLines<'_>> {
            self.inner.lines()
        }
    }
    let log = AuditLog::with_store(Flaky::default()).unwrap();
    log.append(event(0)).unwrap();
    let err = log.append(event(1)).unwrap_err();
    assert!(err.to_string().contains("disk full"), "{err}");
    let third = log.append(event(2)).unwrap();
    assert_eq!(third.seq, 2);
    assert_eq!(log.verify().unwrap().entries, 2);
}

#[test]
fn four_threads_lose_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("audit.jsonl");
    let log = Arc::new(AuditLog::open(&path).unwrap());
    let threads: Vec<_> = (0..4u64)
        .map(|t| {
            let log = Arc::clone(&log);
            std::thread::spawn(move || {
                for i in 0..2_500u64 {
                    log.append(event(t * 10_000 + i)).unwrap();
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    drop(log);
    let report = verify_file(&path).unwrap();
    assert_eq!(report.entries, 10_000);
    assert_eq!(lines_of(&path).len(), 10_000);
    // Every thread's every append is there exactly once.
    let log = AuditLog::open(&path).unwrap();
    let mut records: Vec<Uuid> = log
        .entries()
        .unwrap()
        .into_iter()
        .map(|e| e.record.unwrap())
        .collect();
    records.sort();
    records.dedup();
    assert_eq!(records.len(), 10_000);
}

/// A change made to a log file.
#[derive(Debug, Clone)]
enum Tamper {
    FlipByte { at: usize, mask: u8 },
    Delete { line: usize },
    Swap { a: usize, b: usize },
    Duplicate { line: usize, to: usize },
    Truncate { at: usize },
    InsertForeign { to: usize },
}

fn tamper() -> impl Strategy<Value = Tamper> {
    prop_oneof![
        (any::<usize>(), 1u8..=255).prop_map(|(at, mask)| Tamper::FlipByte { at, mask }),
        any::<usize>().prop_map(|line| Tamper::Delete { line }),
        (any::<usize>(), any::<usize>()).prop_map(|(a, b)| Tamper::Swap { a, b }),
        (any::<usize>(), any::<usize>()).prop_map(|(line, to)| Tamper::Duplicate { line, to }),
        any::<usize>().prop_map(|at| Tamper::Truncate { at }),
        any::<usize>().prop_map(|to| Tamper::InsertForeign { to }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    /// Any change to a log is found when it is verified against the head
    /// its writer recorded; changes before the last line are found even
    /// without it.
    #[test]
    fn any_tampering_is_found(n in 1u64..12, change in tamper()) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("audit.jsonl");
        let head = write_log(&path, n);
        let original = fs::read(&path).unwrap();
        let mut lines = lines_of(&path);
        let count = lines.len();
        let mut first_changed_line = 0usize;
        let bytes = match change {
            Tamper::FlipByte { at, mask } => {
                let mut b = original.clone();
                let at = at % b.len();
                b[at] ^= mask;
                first_changed_line = original[..at].iter().filter(|&&c| c == b'\n').count();
                b
            }
            Tamper::Delete { line } => {
                let line = line % count;
                lines.remove(line);
                first_changed_line = line;
                lines.concat_lines()
            }
            Tamper::Swap { a, b } => {
                let (a, b) = (a % count, b % count);
                prop_assume!(a != b);
                lines.swap(a, b);
                first_changed_line = a.min(b);
                lines.concat_lines()
            }
            Tamper::Duplicate { line, to } => {
                let copy = lines[line % count].clone();
                let to = to % (count + 1);
                lines.insert(to, copy);
                first_changed_line = to;
                lines.concat_lines()
            }
            Tamper::Truncate { at } => {
                let mut b = original.clone();
                b.truncate(at % original.len());
                b
            }
            Tamper::InsertForeign { to } => {
                let other = dir.path().join("other.jsonl");
                write_log_from(&other, 1_000, count as u64 + 1);
                let to = to % (count + 1);
                lines.insert(to, lines_of(&other)[to].clone());
                first_changed_line = to;
                lines.concat_lines()
            }
        };
        prop_assert_ne!(&bytes, &original);
        // Bytes in memory and the file on disk verify alike.
        prop_assert_eq!(
            verify_bytes(&bytes, Some(&head)).map_err(|e| e.to_string()),
            {
                fs::write(&path, &bytes).unwrap();
                verify_file_against(&path, &head).map_err(|e| e.to_string())
            }
        );
        prop_assert!(verify_file_against(&path, &head).is_err());
        if first_changed_line + 1 < count && !matches!(change, Tamper::Truncate { .. }) {
            prop_assert!(verify_file(&path).is_err());
        }
    }
}

trait ConcatLines {
    fn concat_lines(&self) -> Vec<u8>;
}

impl ConcatLines for Vec<Vec<u8>> {
    fn concat_lines(&self) -> Vec<u8> {
        let mut bytes = Vec::new();
        for l in self {
            bytes.extend_from_slice(l);
            bytes.push(b'\n');
        }
        bytes
    }
}

#[test]
fn a_receipt_whose_line_feed_was_cut_still_refuses_its_parcel() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("audit.jsonl");
    let parcel = Uuid::from_u128(5);
    let log = AuditLog::open(&path).unwrap();
    let mut e = event(1);
    e.kind = EntryKind::Receipt;
    e.outcome = AuditOutcome::Accepted;
    e.parcel = Some(parcel);
    log.record(
        vec![PendingReceipt {
            event: e,
            accepts: Some(parcel),
        }],
        None,
    )
    .unwrap();
    drop(log);
    let mut bytes = fs::read(&path).unwrap();
    assert_eq!(bytes.pop(), Some(b'\n'));
    fs::write(&path, &bytes).unwrap();
    // An unterminated last line is a finding for a verifier ...
    assert!(verify_file(&path).unwrap().torn_tail.is_some());
    // ... and the writer quarantines it, but never forgets the parcel.
    let log = AuditLog::open(&path).unwrap();
    assert_eq!(log.entries().unwrap()[0].kind, EntryKind::Recovery);
    let bpol: AgencyId = "DEU-BPOL".parse().unwrap();
    assert!(log.is_accepted(&bpol, &parcel).unwrap());
    drop(log);
    assert!(
        AuditLog::open(&path)
            .unwrap()
            .is_accepted(&bpol, &parcel)
            .unwrap()
    );
}
