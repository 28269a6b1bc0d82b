//! Receipt vectors (`tests/data/receipts/`, `docs/audit.md` section 6):
//! receipts made once by a receiver and kept as files, each checked here
//! as a sender would, with the card and parcel id that `vectors.txt`
//! names and the outcome it expects. Failure vectors: a receipt for
//! another parcel, a receipt checked with another agency's card, an edited
//! receipt note, an edited entry line, a checkpoint signed by another key.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "test code: a failing unwrap is a failing test"
)]

mod common;

use std::path::{Path, PathBuf};

use liaison::Card;
use liaison::receipt::Receipt;

fn data() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/receipts")
}

fn card(name: &str) -> Card {
    Card::from_json(&std::fs::read_to_string(data().join(name)).unwrap()).unwrap()
}

/// Each line of `vectors.txt`: `FILE CARD PARCEL|- valid|invalid OUTCOME|-`.
#[test]
fn receipt_vectors_check_as_they_say() {
    let list = std::fs::read_to_string(data().join("vectors.txt")).unwrap();
    let mut count = 0;
    for line in list
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
    {
        let [file, card_name, parcel, expect, outcome] =
            line.split_whitespace().collect::<Vec<_>>()[..]
        else {
            panic!("bad vector line `{line}`");
        };
        let receipt = Receipt::from_json(&std::fs::read(data().join(file)).unwrap()).unwrap();
        let parcel = (parcel != "-").then(|| parcel.parse().unwrap());
        let checked = receipt.check(&card(card_name), parcel);
        match expect {
            "valid" => {
                let checked = checked.unwrap_or_else(|e| panic!("{file}: {e}"));
                let said = if checked.text.accepted {
                    "accepted"
                } else {
                    "refused"
                };
                assert_eq!(said, outcome, "{file}");
            }
            "invalid" => assert!(checked.is_err(), "{file} with {card_name} holds"),
            other => panic!("bad expectation `{other}`"),
        }
        count += 1;
    }
    assert!(count >= 7, "{count} vectors");
}

/// Writes the vectors again (run with `--ignored` after a change of the
/// receipt format, then review the diff): an accepted receipt and a
/// refusal by DEU-BPOL of parcels from NLD-KMAR, and edited copies.
#[test]
#[ignore = "writes the vector files"]
fn write_receipt_vectors() {
    use common::{Pair, identity, now, parcels, receiver};
    let pair = Pair::new();
    let dir = tempfile::tempdir().unwrap();
    let bpol = receiver(
        &pair.bpol,
        &pair.kmar,
        dir.path().join("b.jsonl").to_str().unwrap(),
    );
    let sent = parcels(&pair, 1, now());
    let accepted = bpol.receive_receipted_at(&sent[0], now()).receipt.unwrap();
    let refused = bpol.receive_receipted_at(&sent[0], now()).receipt.unwrap();
    let out = data();
    let write = |name: &str, text: &str| std::fs::write(out.join(name), text).unwrap();
    write("receiver.card.json", &identity(&pair.bpol).card().to_json());
    write("sender.card.json", &identity(&pair.kmar).card().to_json());
    write("accepted.json", &accepted.to_json());
    write("refused.json", &refused.to_json());
    let json = accepted.to_json();
    write(
        "accepted_note_edited.json",
        &json.replace("outcome accepted", "outcome refused"),
    );
    let mut v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let entry = v["entry"]
        .as_str()
        .unwrap()
        .replace("\"accepted\"", "\"refused\"");
    v["entry"] = serde_json::Value::String(entry);
    write("accepted_entry_edited.json", &format!("{v}\n"));
    // The checkpoint replaced by one of the same log signed by the sender's
    // key under the receiver's name is not the receiver's.
    let log = liaison::audit::AuditLog::open(dir.path().join("b.jsonl")).unwrap();
    let forged = log.checkpoint(&identity(&pair.kmar)).unwrap();
    let mut v: serde_json::Value = serde_json::from_str(&json).unwrap();
    v["checkpoint"] = serde_json::Value::String(forged.to_text());
    write("accepted_checkpoint_other_key.json", &format!("{v}\n"));
    let parcel = accepted
        .check(&identity(&pair.bpol).card(), None)
        .unwrap()
        .text
        .parcel;
    write(
        "vectors.txt",
        &format!(
            "# FILE CARD PARCEL|- valid|invalid OUTCOME|-\n\
             accepted.json receiver.card.json {parcel} valid accepted\n\
             refused.json receiver.card.json {parcel} valid refused\n\
             accepted.json receiver.card.json 6398cd7d-0000-4000-8000-000000000000 invalid -\n\
             accepted.json sender.card.json - invalid -\n\
             refused.json sender.card.json {parcel} invalid -\n\
             accepted_note_edited.json receiver.card.json {parcel} invalid -\n\
             accepted_entry_edited.json receiver.card.json {parcel} invalid -\n\
             accepted_checkpoint_other_key.json receiver.card.json {parcel} invalid -\n"
        ),
    );
}
