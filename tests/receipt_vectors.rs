//! Receipt vectors (`tests/data/receipts/`, `docs/audit.md` section 6):
//! receipts made once by a receiver and kept as files, each checked here
//! as a sender would, with the card and parcel id that `vectors.txt`
//! names and the outcome it expects. Failure vectors: a receipt for
//! another parcel, a receipt checked with another agency's card, an edited
//! receipt note, an edited entry line, the receipt's checkpoint signed by
//! another key under the receiver's name, and receipt notes signed by the
//! receiver that are malformed: an acceptance with reasons, a refusal with
//! obligations; and a receipt checked with a card of the receiver whose
//! validity window ended before the receipt's time.
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
    assert!(count >= 11, "{count} vectors");
}

/// Signs `text` as a note with the Ed25519 key of `identity` under the key
/// name `name`.
fn signed(text: &str, name: &str, identity: &liaison::Identity) -> String {
    struct As<'a>(&'a str, &'a liaison::Identity);
    impl liaison_tlog::NoteSigner for As<'_> {
        fn name(&self) -> &str {
            self.0
        }
        fn public_key(&self) -> [u8; 32] {
            self.1.card().ed25519_public()
        }
        fn sign(&self, message: &[u8]) -> Result<[u8; 64], liaison_tlog::SignError> {
            self.1
                .sign_note(message)
                .map_err(|e| liaison_tlog::SignError(e.to_string()))
        }
    }
    let mut note = liaison::audit::Note::new(text).unwrap();
    note.sign(&As(name, identity)).unwrap();
    note.to_text()
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
    let card = identity(&pair.bpol).card().to_json();
    write("receiver.card.json", &card);
    // The receiver's card with its window ended before the receipts' time.
    let ended = card.replace(
        "\"not_after\": \"2027-01-01T00:00:00Z\"",
        "\"not_after\": \"2026-06-01T00:00:00Z\"",
    );
    assert_ne!(ended, card);
    write("receiver_ended.card.json", &ended);
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
    // The receipt's own checkpoint (same origin, size and root) signed by
    // the sender's key under the receiver's name: only the key differs.
    let kmar = identity(&pair.kmar);
    let bpol_id = identity(&pair.bpol);
    let forged = signed(accepted.checkpoint.text(), "DEU-BPOL", &kmar);
    let mut v: serde_json::Value = serde_json::from_str(&json).unwrap();
    v["checkpoint"] = serde_json::Value::String(forged);
    write("accepted_checkpoint_other_key.json", &format!("{v}\n"));
    // Validly signed by the receiver, but an acceptance that gives reasons
    // and a refusal that carries obligations: malformed receipt notes.
    let text = accepted.note.text();
    assert!(text.contains("\ntime "), "{text}");
    let with_reason = text.replacen("\ntime ", "\nreason \"replayed\"\ntime ", 1);
    let mut v: serde_json::Value = serde_json::from_str(&json).unwrap();
    v["receipt"] = serde_json::Value::String(signed(&with_reason, "DEU-BPOL", &bpol_id));
    write("accepted_with_reason.json", &format!("{v}\n"));
    let refused_json = refused.to_json();
    let text = refused.note.text();
    assert!(text.contains("\nreason "), "{text}");
    let with_obligations = text.replacen("\nreason ", "\nobligations {}\nreason ", 1);
    let mut v: serde_json::Value = serde_json::from_str(&refused_json).unwrap();
    v["receipt"] = serde_json::Value::String(signed(&with_obligations, "DEU-BPOL", &bpol_id));
    write("refused_with_obligations.json", &format!("{v}\n"));
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
             accepted_checkpoint_other_key.json receiver.card.json {parcel} invalid -\n\
             accepted_with_reason.json receiver.card.json {parcel} invalid -\n\
             refused_with_obligations.json receiver.card.json {parcel} invalid -\n\
             accepted.json receiver_ended.card.json {parcel} invalid -\n"
        ),
    );
}
