//! The audit log as a transparency log (`docs/audit.md`): checkpoints and
//! proofs on every store, the witness, and tail truncation detected by
//! whoever holds a checkpoint that left the agency.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "test code: a failing unwrap is a failing test"
)]

mod common;

use std::path::Path;

use common::{Pair, identity, now, postgres_url};
use liaison::audit::{
    AuditEvent, AuditLog, AuditOutcome, ConsistencyEvidence, EntryKind, EntryProof, EvidenceError,
    Note, ProofError, TransparencyError, WitnessFailure, WitnessStore, check_consistency,
    check_entry_proof,
};
use liaison::{Identity, Timestamp};

fn event(i: u64) -> AuditEvent {
    let at = Timestamp::from_offset_date_time(
        now().to_offset_date_time() + time::Duration::seconds(i as i64),
    );
    let mut e = AuditEvent::new(EntryKind::Decision, AuditOutcome::Denied, at);
    e.reasons = vec![format!("reason {i}")];
    e
}

/// Appends `events` to a fresh log file at `path`: a log whose chain is
/// intact, as a rewritten log would be.
fn log_of(path: &Path, events: impl IntoIterator<Item = AuditEvent>) -> AuditLog {
    let log = AuditLog::open(path).unwrap();
    for e in events {
        log.append(e).unwrap();
    }
    log
}

/// What every store does: checkpoints that verify with the card, a proof
/// of every entry against every size that holds it, consistency between
/// every pair of sizes, and appends by other handles of the store seen.
fn suite(location: &str, kmar: &Identity) {
    let card = kmar.card();
    let log = AuditLog::open_location(location).unwrap();
    for i in 0..12 {
        log.append(event(i)).unwrap();
    }
    assert_eq!(log.tree_size().unwrap(), 12);
    let held = log.checkpoint(kmar).unwrap();
    for size in [1u64, 5, 12] {
        for seq in 1..=size {
            let proof = log.prove_entry(seq, Some(size), Some(kmar)).unwrap();
            let back = EntryProof::from_json(proof.to_json().as_bytes()).unwrap();
            let proven = check_entry_proof(&back, &card).unwrap();
            assert_eq!(proven.entry.seq, seq);
            assert_eq!(proven.checkpoint.size, size);
        }
    }
    // Another handle of the same store appends; this one sees it.
    let other = AuditLog::open_location(location).unwrap();
    for i in 12..20 {
        other.append(event(i)).unwrap();
    }
    log.append(event(20)).unwrap();
    assert_eq!(log.tree_size().unwrap(), 21);
    assert_eq!(log.root_at(21).unwrap(), other.root_at(21).unwrap());
    let newer = log.checkpoint(kmar).unwrap();
    let proof = other.prove_consistency(12, 21).unwrap();
    let (old, new) = check_consistency(&held, &newer, &proof, &card).unwrap();
    assert_eq!((old.size, new.size), (12, 21));
    for old in 1..=21 {
        let proof = log.prove_consistency(old, 21).unwrap();
        let held = log.checkpoint_at(old, kmar).unwrap();
        let evidence = ConsistencyEvidence::new(proof, Some(newer.clone()));
        let evidence = ConsistencyEvidence::from_json(evidence.to_json().as_bytes()).unwrap();
        evidence.check(&held, &card).unwrap();
    }
    // Questions beyond the log are errors, not proofs.
    assert!(matches!(
        log.prove_entry(22, None, None),
        Err(TransparencyError::OutOfRange { .. })
    ));
    assert!(matches!(
        log.prove_consistency(0, 5),
        Err(TransparencyError::OutOfRange { .. })
    ));
}

#[test]
fn the_file_store_gives_checkpoints_and_proofs() {
    let pair = Pair::new();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("audit.jsonl");
    suite(path.to_str().unwrap(), &identity(&pair.kmar));
}

#[test]
fn the_postgres_store_gives_checkpoints_and_proofs() {
    let Some(url) = postgres_url("the_postgres_store_gives_checkpoints_and_proofs") else {
        return;
    };
    let pair = Pair::new();
    suite(&common::fresh_schema(&url), &identity(&pair.kmar));
}

#[test]
fn the_memory_store_gives_the_file_stores_roots() {
    let pair = Pair::new();
    let kmar = identity(&pair.kmar);
    let dir = tempfile::tempdir().unwrap();
    let file = log_of(&dir.path().join("a.jsonl"), (0..9).map(event));
    let memory = AuditLog::in_memory();
    for i in 0..9 {
        memory.append(event(i)).unwrap();
    }
    assert_eq!(file.root_at(9).unwrap(), memory.root_at(9).unwrap());
    // The leaves are the stored lines.
    let lines = std::fs::read(dir.path().join("a.jsonl")).unwrap();
    let mut tree = liaison_tlog::Tree::new();
    for line in lines.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
        tree.push(line);
    }
    assert_eq!(tree.root(), file.root_at(9).unwrap());
    let note = file.checkpoint(&kmar).unwrap();
    assert!(note.text().starts_with("NLD-KMAR\n9\n"), "{}", note.text());
}

/// A checkpoint has left the agency (`held`). Afterwards the agency
/// removes or edits an entry it covers, or cuts the log below its size,
/// each time leaving a log whose hash chain is intact. Whoever holds the
/// checkpoint asks for a consistency proof to the agency's new checkpoint:
/// it fails every time, or the log cannot even make one.
#[test]
fn removing_or_editing_any_entry_a_held_checkpoint_covers_is_detected() {
    let pair = Pair::new();
    let kmar = identity(&pair.kmar);
    let card = kmar.card();
    let dir = tempfile::tempdir().unwrap();
    let n = 8u64;
    let honest = log_of(&dir.path().join("honest.jsonl"), (0..n).map(event));
    let held = Note::parse(honest.checkpoint(&kmar).unwrap().to_text().as_bytes()).unwrap();
    // The honest log grows and proves it.
    honest.append(event(100)).unwrap();
    let proof = honest.prove_consistency(n, n + 1).unwrap();
    check_consistency(&held, &honest.checkpoint(&kmar).unwrap(), &proof, &card).unwrap();

    let detected = |tampered: &AuditLog, what: &str| {
        assert!(
            tampered.verify().is_ok(),
            "{what}: the chain still verifies"
        );
        let size = tampered.tree_size().unwrap();
        if size < n {
            // The log is shorter than the held checkpoint: it has no tree
            // of that size, so no proof.
            assert!(
                matches!(
                    tampered.prove_consistency(n, size),
                    Err(TransparencyError::OutOfRange { .. })
                ),
                "{what}"
            );
            return;
        }
        let newer = tampered.checkpoint(&kmar).unwrap();
        let proof = tampered.prove_consistency(n, size).unwrap();
        let err = check_consistency(&held, &newer, &proof, &card).unwrap_err();
        assert!(
            matches!(err, EvidenceError::Proof(ProofError::Mismatch)),
            "{what}: {err}"
        );
    };

    for i in 0..n {
        // Entry i removed, the chain recomputed, and one more appended so
        // the log is as long as before.
        let path = dir.path().join(format!("removed-{i}.jsonl"));
        let events = (0..n).filter(|&j| j != i).map(event).chain([event(200)]);
        detected(&log_of(&path, events), &format!("entry {} removed", i + 1));
        // Entry i edited.
        let path = dir.path().join(format!("edited-{i}.jsonl"));
        let events = (0..n).map(|j| {
            let mut e = event(j);
            if j == i {
                e.reasons = vec!["another reason".to_owned()];
            }
            e
        });
        detected(&log_of(&path, events), &format!("entry {} edited", i + 1));
    }
    for cut in 1..n {
        // The log cut to `cut` entries: as it is, and regrown past the
        // held size.
        let path = dir.path().join(format!("cut-{cut}.jsonl"));
        let log = log_of(&path, (0..cut).map(event));
        detected(&log, &format!("cut to {cut}"));
        for i in 0..(n - cut + 2) {
            log.append(event(300 + i)).unwrap();
        }
        detected(&log, &format!("cut to {cut} and regrown"));
    }
    // The cut file itself: the last line removed under a closed log.
    let path = dir.path().join("honest-copy.jsonl");
    let bytes = std::fs::read(dir.path().join("honest.jsonl")).unwrap();
    let keep: Vec<&[u8]> = bytes
        .split_inclusive(|&b| b == b'\n')
        .take(n as usize - 1)
        .collect();
    std::fs::write(&path, keep.concat()).unwrap();
    detected(
        &AuditLog::open(&path).unwrap(),
        "last line cut from the file",
    );
}

#[test]
fn an_entry_proof_fails_for_another_key_another_entry_or_a_changed_line() {
    let pair = Pair::new();
    let kmar = identity(&pair.kmar);
    let bpol = identity(&pair.bpol);
    let log = AuditLog::in_memory();
    for i in 0..5 {
        log.append(event(i)).unwrap();
    }
    let proof = log.prove_entry(3, None, Some(&kmar)).unwrap();
    check_entry_proof(&proof, &kmar.card()).unwrap();
    // Checked with another agency's card.
    assert!(matches!(
        check_entry_proof(&proof, &bpol.card()),
        Err(EvidenceError::Checkpoint(_))
    ));
    // Signed by another key: a checkpoint of the same log by BPOL's key.
    let mut forged = proof.clone();
    forged.checkpoint = Some(log.checkpoint(&bpol).unwrap());
    assert!(check_entry_proof(&forged, &kmar.card()).is_err());
    // Another entry's line under this proof.
    let mut other = proof.clone();
    other.entry = log.prove_entry(4, None, None).unwrap().entry;
    assert!(matches!(
        check_entry_proof(&other, &kmar.card()),
        Err(EvidenceError::NotTheEntry { seq: 3 })
    ));
    // One byte of the line changed.
    let mut changed = proof.clone();
    let text = String::from_utf8(changed.entry)
        .unwrap()
        .replace("reason 2", "reason 9");
    changed.entry = text.into_bytes();
    assert!(check_entry_proof(&changed, &kmar.card()).is_err());
    // No checkpoint.
    let bare = log.prove_entry(3, None, None).unwrap();
    assert!(matches!(
        check_entry_proof(&bare, &kmar.card()),
        Err(EvidenceError::NoCheckpoint)
    ));
}

#[test]
fn a_witness_cosigns_growth_and_refuses_rollback_and_rewrites() {
    let pair = Pair::new();
    let kmar = identity(&pair.kmar);
    let bpol = identity(&pair.bpol);
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("witness");
    std::fs::create_dir(&state).unwrap();
    let witness = WitnessStore::open(&state).unwrap();
    let log = log_of(&dir.path().join("kmar.jsonl"), (0..5).map(event));
    let first = log.checkpoint(&kmar).unwrap().to_text();
    let cosigned = witness
        .cosign(&bpol, &kmar.card(), first.as_bytes(), None, 1_800_000_000)
        .unwrap();
    let verifier = liaison::audit::cosigner_verifier(&bpol.card()).unwrap();
    assert_eq!(
        cosigned.verify(&verifier).unwrap().timestamp,
        Some(1_800_000_000)
    );
    assert_eq!(witness.state("NLD-KMAR").unwrap().unwrap().size, 5);

    for i in 5..9 {
        log.append(event(i)).unwrap();
    }
    let grown = log.checkpoint(&kmar).unwrap().to_text();
    let refused = witness.cosign(&bpol, &kmar.card(), grown.as_bytes(), None, 1_800_000_001);
    assert!(
        matches!(refused, Err(WitnessFailure::Refused(_))),
        "{refused:?}"
    );
    let proof = log.prove_consistency(5, 9).unwrap();
    witness
        .cosign(
            &bpol,
            &kmar.card(),
            grown.as_bytes(),
            Some(&proof),
            1_800_000_002,
        )
        .unwrap();
    // Back to size 5: a rollback.
    let refused = witness.cosign(&bpol, &kmar.card(), first.as_bytes(), None, 1_800_000_003);
    assert!(matches!(refused, Err(WitnessFailure::Refused(_))));
    // A rewritten log of 12 entries: its own proof from 9 does not hold.
    let rewritten = log_of(
        &dir.path().join("rewritten.jsonl"),
        (0..12).map(|i| event(if i == 2 { 50 } else { i })),
    );
    let proof = rewritten.prove_consistency(9, 12).unwrap();
    let note = rewritten.checkpoint(&kmar).unwrap().to_text();
    let refused = witness.cosign(
        &bpol,
        &kmar.card(),
        note.as_bytes(),
        Some(&proof),
        1_800_000_004,
    );
    assert!(matches!(refused, Err(WitnessFailure::Refused(_))));
    // A checkpoint signed by another key is not the log's.
    let forged = log.checkpoint(&bpol).unwrap().to_text();
    let refused = witness.cosign(&bpol, &kmar.card(), forged.as_bytes(), None, 1_800_000_005);
    assert!(matches!(refused, Err(WitnessFailure::Refused(_))));
    assert_eq!(witness.state("NLD-KMAR").unwrap().unwrap().size, 9);
}

/// Witnesses sharing a state folder take turns: many cosign at once, each
/// a different checkpoint of a growing log with a proof from the first
/// cosigned size. Whatever order they run in, the state never goes back: it
/// ends at the largest size any of them cosigned, and it is a whole state
/// file.
#[test]
fn witnesses_running_at_once_never_move_the_state_back() {
    let pair = Pair::new();
    let kmar = identity(&pair.kmar);
    let bpol = identity(&pair.bpol);
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("witness");
    std::fs::create_dir(&state).unwrap();
    let log = log_of(&dir.path().join("kmar.jsonl"), (0..4).map(event));
    let first = log.checkpoint(&kmar).unwrap().to_text();
    WitnessStore::open(&state)
        .unwrap()
        .cosign(&bpol, &kmar.card(), first.as_bytes(), None, 1_800_000_000)
        .unwrap();
    let mut asks = Vec::new();
    for i in 4..16 {
        log.append(event(i)).unwrap();
        let size = log.tree_size().unwrap();
        asks.push((
            size,
            log.checkpoint(&kmar).unwrap().to_text(),
            log.prove_consistency(4, size).unwrap(),
        ));
    }
    let cosigned: Vec<u64> = std::thread::scope(|scope| {
        let runs: Vec<_> = asks
            .iter()
            .map(|(size, note, proof)| {
                let (state, kmar, bpol) = (&state, &kmar, &bpol);
                scope.spawn(move || {
                    let witness = WitnessStore::open(state).unwrap();
                    match witness.cosign(bpol, &kmar.card(), note.as_bytes(), Some(proof), 1) {
                        Ok(_) => Some(*size),
                        Err(WitnessFailure::Refused(_)) => None,
                        Err(e) => panic!("size {size}: {e}"),
                    }
                })
            })
            .collect();
        runs.into_iter().filter_map(|r| r.join().unwrap()).collect()
    });
    assert!(!cosigned.is_empty());
    let last = WitnessStore::open(&state)
        .unwrap()
        .state("NLD-KMAR")
        .unwrap()
        .unwrap();
    assert_eq!(
        Some(last.size),
        cosigned.iter().copied().max(),
        "{cosigned:?}"
    );
    assert_eq!(last.root, log.root_at(last.size).unwrap());
    // Nothing but the lock and the state file is left in the folder.
    let mut names: Vec<String> = std::fs::read_dir(&state)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, [".lock", "NLD-KMAR.state"]);
}
