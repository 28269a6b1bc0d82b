//! Receipts (`docs/audit.md`, section 6): signed by the receiver, with a
//! checkpoint that already holds the receipt's entry; checked by the
//! sender against the receiver's card; later, a consistency proof from the
//! receipt's checkpoint fails if the receiver rewrote or cut its log.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "test code: a failing unwrap is a failing test"
)]

mod common;

use common::{Pair, identity, now, parcels, postgres_url, receiver};
use liaison::audit::{AuditLog, Checkpoint, EvidenceError, check_consistency};
use liaison::receipt::{Receipt, ReceiptError};

fn suite(location: &str) {
    let pair = Pair::new();
    let bpol_card = identity(&pair.bpol).card();
    let sent = parcels(&pair, 2, now());
    let bpol = receiver(&pair.bpol, &pair.kmar, location);

    // Accepted: a receipt the sender checks and keeps.
    let out = bpol.receive_receipted_at(&sent[0], now());
    let received = out.result.unwrap();
    let receipt = Receipt::from_json(out.receipt.unwrap().to_json().as_bytes()).unwrap();
    let checked = receipt.check(&bpol_card, Some(received.parcel)).unwrap();
    assert!(checked.text.accepted);
    assert_eq!(checked.text.parcel, received.parcel);
    assert_eq!(
        checked.text.from.as_ref().map(|a| a.as_str()),
        Some("NLD-KMAR")
    );
    assert!(
        checked
            .text
            .obligations
            .as_deref()
            .unwrap()
            .contains("\"onward\"")
    );
    assert_eq!(
        checked.checkpoint.size, checked.entry.seq,
        "the checkpoint ends with the receipt"
    );

    // The same parcel again: a signed refusal with the reason code.
    let out = bpol.receive_receipted_at(&sent[0], now());
    assert!(out.result.is_err());
    let refusal = out
        .receipt
        .unwrap()
        .check(&bpol_card, Some(received.parcel))
        .unwrap();
    assert!(!refusal.text.accepted);
    assert_eq!(refusal.text.reasons, vec!["replayed".to_owned()]);

    // Checked by its sender for its parcel; for the same id from another
    // sender, or another parcel: refused.
    let kmar: liaison::AgencyId = "NLD-KMAR".parse().unwrap();
    let polsg: liaison::AgencyId = "POL-SG".parse().unwrap();
    receipt
        .check_parcel(&bpol_card, &kmar, received.parcel)
        .unwrap();
    let err = receipt
        .check_parcel(&bpol_card, &polsg, received.parcel)
        .unwrap_err();
    assert!(matches!(err, ReceiptError::Other { .. }), "{err}");
    assert!(err.to_string().contains("sender `NLD-KMAR`"), "{err}");
    let err = receipt
        .check_parcel(&bpol_card, &kmar, uuid::Uuid::new_v4())
        .unwrap_err();
    assert!(matches!(err, ReceiptError::Other { .. }), "{err}");

    // A receipt for another parcel than the one asked about.
    let err = receipt
        .check(&bpol_card, Some(uuid::Uuid::new_v4()))
        .unwrap_err();
    assert!(matches!(err, ReceiptError::Other { .. }), "{err}");
    // Checked with the sender's own card: not the receiver's signature.
    let err = receipt
        .check(&identity(&pair.kmar).card(), None)
        .unwrap_err();
    assert!(matches!(err, ReceiptError::Signature(_)), "{err}");

    // Later: the receiver's log grew; the sender checks the newer
    // checkpoint against the receipt's.
    bpol.receive_at(&sent[1], now()).unwrap();
    let log = AuditLog::open_location(location).unwrap();
    let newer = log.checkpoint(&identity(&pair.bpol)).unwrap();
    let size = log.tree_size().unwrap();
    let proof = log
        .prove_consistency(checked.checkpoint.size, size)
        .unwrap();
    check_consistency(&receipt.checkpoint, &newer, &proof, &bpol_card).unwrap();
}

#[test]
fn receipts_on_the_file_store() {
    let dir = tempfile::tempdir().unwrap();
    suite(dir.path().join("bpol.jsonl").to_str().unwrap());
}

#[test]
fn receipts_on_postgres() {
    let Some(url) = postgres_url("receipts_on_postgres") else {
        return;
    };
    suite(&common::fresh_schema(&url));
}

#[test]
fn a_tampered_receipt_fails() {
    let pair = Pair::new();
    let bpol_card = identity(&pair.bpol).card();
    let sent = parcels(&pair, 1, now());
    let dir = tempfile::tempdir().unwrap();
    let bpol = receiver(
        &pair.bpol,
        &pair.kmar,
        dir.path().join("b.jsonl").to_str().unwrap(),
    );
    let receipt = bpol.receive_receipted_at(&sent[0], now()).receipt.unwrap();
    let json = receipt.to_json();
    // The outcome changed in the receipt text: the signature breaks.
    let forged = json.replace("outcome accepted", "outcome refused");
    let err = Receipt::from_json(forged.as_bytes())
        .unwrap()
        .check(&bpol_card, None)
        .unwrap_err();
    assert!(matches!(err, ReceiptError::Signature(_)), "{err}");
    // The entry line changed: the inclusion proof breaks.
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let entry = v["entry"]
        .as_str()
        .unwrap()
        .replace("\"accepted\"", "\"refused\"");
    let mut v2 = v.clone();
    v2["entry"] = serde_json::Value::String(entry);
    let err = Receipt::from_json(v2.to_string().as_bytes())
        .unwrap()
        .check(&bpol_card, None)
        .unwrap_err();
    assert!(matches!(err, ReceiptError::Evidence(_)), "{err}");
}

/// The receiver cuts its log back below the receipt's checkpoint and
/// regrows it: the sender holding the receipt finds out.
#[test]
fn a_receiver_that_cuts_its_log_below_a_receipt_is_caught() {
    let pair = Pair::new();
    let bpol_id = identity(&pair.bpol);
    let bpol_card = bpol_id.card();
    let sent = parcels(&pair, 3, now());
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("b.jsonl");
    let bpol = receiver(&pair.bpol, &pair.kmar, path.to_str().unwrap());
    bpol.receive_at(&sent[0], now()).unwrap();
    let receipt = bpol.receive_receipted_at(&sent[1], now()).receipt.unwrap();
    let held = receipt.check(&bpol_card, None).unwrap().checkpoint;
    assert_eq!(held.size, 2);
    drop(bpol);
    // Cut the receipt's entry off the file; the chain still verifies.
    let bytes = std::fs::read(&path).unwrap();
    let first: Vec<&[u8]> = bytes.split_inclusive(|&b| b == b'\n').take(1).collect();
    std::fs::write(&path, first.concat()).unwrap();
    let log = AuditLog::open(&path).unwrap();
    assert_eq!(log.verify().unwrap().entries, 1);
    assert!(log.prove_consistency(2, 1).is_err());
    // Regrown with another receipt in its place.
    let bpol = receiver(&pair.bpol, &pair.kmar, path.to_str().unwrap());
    bpol.receive_at(&sent[2], now()).unwrap();
    let log = AuditLog::open(&path).unwrap();
    let newer = log.checkpoint(&bpol_id).unwrap();
    let proof = log.prove_consistency(2, log.tree_size().unwrap()).unwrap();
    let err = check_consistency(&receipt.checkpoint, &newer, &proof, &bpol_card).unwrap_err();
    assert!(matches!(err, EvidenceError::Proof(_)), "{err}");
}

/// Shared parcels carry the sender's checkpoint, so the receiver holds
/// evidence of the sender's log too; one signed by another key is refused.
#[test]
fn a_parcel_carries_the_senders_checkpoint() {
    let pair = Pair::new();
    let kmar = identity(&pair.kmar);
    let sender = pair.sender();
    let to = "DEU-BPOL".parse().unwrap();
    let purpose = "border-control".parse().unwrap();
    let later = |seconds: i64| {
        liaison::Timestamp::from_offset_date_time(
            now().to_offset_date_time() + time::Duration::seconds(seconds),
        )
    };
    let share = |family: &str, at| {
        sender
            .share_at(&common::record(family), &to, &purpose, at)
            .unwrap()
    };
    // Within a minute of sharing the sender reuses its checkpoint; then it
    // signs a new one, which holds the releases since.
    let parcels = [
        (share("Vries 1", now()), 0),
        (share("Vries 2", later(30)), 0),
        (share("Vries 3", later(61)), 2),
        (share("Vries 4", later(122)), 3),
    ];
    let dir = tempfile::tempdir().unwrap();
    let bpol = receiver(
        &pair.bpol,
        &pair.kmar,
        dir.path().join("b.jsonl").to_str().unwrap(),
    );
    let verifier = liaison::audit::note_verifier(&kmar.card()).unwrap();
    let mut held = Vec::new();
    for (parcel, size) in &parcels {
        let received = bpol.receive_at(parcel.as_bytes(), later(130)).unwrap();
        let text = received.sender_checkpoint.unwrap();
        let (checkpoint, note) = Checkpoint::open(text.as_bytes(), &verifier).unwrap();
        assert_eq!(checkpoint.size, *size);
        assert_eq!(checkpoint.origin, "NLD-KMAR");
        held.push(note);
    }
    // The sender's log later proves it kept what those checkpoints cover.
    let newer = sender.audit().checkpoint(&kmar).unwrap();
    let proof = sender.audit().prove_consistency(2, 4).unwrap();
    check_consistency(&held[2], &newer, &proof, &kmar.card()).unwrap();

    // The label's checkpoint replaced by one signed with BPOL's key.
    let bpol_id = identity(&pair.bpol);
    let parcel = share("Vries 5", later(125));
    let opened = liaison_envelope::open(
        parcel.as_bytes(),
        &bpol_id,
        &[kmar.card()],
        later(125).to_offset_date_time(),
    )
    .unwrap();
    let mut label: serde_json::Value = serde_json::from_slice(&opened.label).unwrap();
    let forged = sender.audit().checkpoint(&bpol_id).unwrap().to_text();
    label["checkpoint"] = serde_json::Value::String(forged);
    let label = liaison::record::canonicalize_value(&label);
    let resealed = liaison_envelope::Sealer::new(&kmar)
        .recipient(&bpol_id.card())
        .label(&label)
        .at(later(125).to_offset_date_time())
        .seal(&opened.payload)
        .unwrap();
    let err = bpol.receive_at(&resealed, later(130)).unwrap_err();
    assert!(
        matches!(
            err,
            liaison::ReceiveError::LabelMismatch {
                field: "checkpoint"
            }
        ),
        "{err}"
    );
}

/// A parcel refused for another reason than a replay (here, received
/// by a clock a day behind its seal, so sealed in the future) still gets a
/// signed refusal receipt, with the entry's reason code, for the parcel
/// named in its label.
#[test]
fn a_parcel_sealed_in_the_future_gets_a_signed_refusal() {
    let pair = Pair::new();
    let bpol_card = identity(&pair.bpol).card();
    let sent = parcels(&pair, 1, now());
    let dir = tempfile::tempdir().unwrap();
    let bpol = receiver(
        &pair.bpol,
        &pair.kmar,
        dir.path().join("b.jsonl").to_str().unwrap(),
    );
    let yesterday: liaison::Timestamp = "2026-11-25T09:00:00.000Z".parse().unwrap();
    let out = bpol.receive_receipted_at(&sent[0], yesterday);
    let error = out.result.unwrap_err();
    let refusal = out.receipt.unwrap().check(&bpol_card, None).unwrap();
    assert!(!refusal.text.accepted);
    assert_eq!(refusal.text.reasons, vec![error.code().to_owned()]);
    assert_ne!(refusal.text.reasons, vec!["replayed".to_owned()]);
    assert_eq!(refusal.text.reasons, refusal.entry.reasons);
    assert!(refusal.text.obligations.is_none());
    // Received at the right time, the parcel is accepted, under a receipt
    // of its own for the same parcel id.
    let out = bpol.receive_receipted_at(&sent[0], now());
    let received = out.result.unwrap();
    assert_eq!(received.parcel, refusal.text.parcel);
    let accepted = out
        .receipt
        .unwrap()
        .check(&bpol_card, Some(received.parcel))
        .unwrap();
    assert!(accepted.text.accepted);
    assert_eq!(accepted.entry.seq, refusal.entry.seq + 1);
}
