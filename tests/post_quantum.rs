//! An agreement that requires post-quantum sealing: `share` refuses to seal
//! classically, with the agreement's reason, and seals post-quantum once
//! the partner's card has an X-Wing key; the partner, rotated to a
//! post-quantum identity, receives it. A receiver names a parcel whose
//! post-quantum signature was stripped, or made with another ML-DSA-65 key
//! than the sender's card holds.
#![allow(
    clippy::unwrap_used,
    clippy::panic,
    reason = "test code: a failed unwrap is a failed test"
)]

use liaison::audit::AuditLog;
use liaison::{Agency, Directory, Identity, PolicySet, ReceiveError, Record, ShareError};
use time::macros::datetime;

const AGREEMENT: &str = r#"
id = "nld-kmar.deu-bpol.documents"
version = 1
provider = "NLD-KMAR"
recipients = ["DEU-BPOL"]
valid_from = 2026-01-01T00:00:00Z
legal_basis = "Prüm Convention, art. 39"
purposes = ["border-control"]
max_classification = "secret"

[require_post_quantum]
min_classification = "restricted"

[[clause]]
id = "stolen-documents"
effect = "release"
when = { entity_kinds = ["travel-document"] }
release = { classes = ["travel-document"] }
"#;

fn record(classification: &str) -> Record {
    let json = format!(
        r#"{{
  "schema_version": "1.0",
  "id": "7f1c1a52-5d1b-4c55-9d8e-1f6f4cbb2a10",
  "version": 1,
  "originator": "NLD-KMAR",
  "created": "2026-03-01T10:00:00.000Z",
  "modified": "2026-03-01T10:00:00.000Z",
  "marking": {{ "classification": "{classification}", "tlp": "amber" }},
  "entities": [
    {{ "kind": "travel-document", "id": "0b6f9c52-8a6e-4b8e-9d61-3c3f1f0e2a11",
      "document_type": "passport", "issuing_state": "NLD", "number": "SPECI2014",
      "status": "stolen" }}
  ],
  "source": {{ "source_type": "human", "reference": "NL-HUM-0042" }}
}}"#
    );
    Record::from_json(json.as_bytes()).unwrap()
}

fn suite(parcel: &[u8]) -> u16 {
    liaison_envelope::inspect(parcel).unwrap().suite
}

#[test]
fn share_refuses_to_seal_classically_when_an_agreement_requires_post_quantum() {
    let (from, until) = (
        datetime!(2026-01-01 0:00 UTC),
        datetime!(2027-01-01 0:00 UTC),
    );
    let kmar_keys = Identity::generate("NLD-KMAR", from, until).unwrap();
    let bpol_keys = Identity::generate("DEU-BPOL", from, until).unwrap();
    let kmar_card = kmar_keys.card();
    let kmar_json = kmar_keys.to_json();
    let agreement = liaison::policy::parse_agreement(
        AGREEMENT,
        liaison::policy::Format::Toml,
        "agreement.toml",
    )
    .unwrap();
    let mut partners = Directory::new();
    partners.add(bpol_keys.card()).unwrap();
    let kmar = Agency::builder(kmar_keys)
        .directory(partners)
        .agreements(PolicySet::new(vec![agreement.clone()]))
        .audit_log(AuditLog::in_memory())
        .build()
        .unwrap();
    let at = "2026-03-02T09:00:00.000Z".parse().unwrap();
    let purpose = "border-control".parse().unwrap();
    let bpol_id = "DEU-BPOL".parse().unwrap();

    // Restricted: the agreement requires post-quantum sealing, the card has
    // no X-Wing key: refused, with the agreement named, and audited.
    let err = kmar
        .share_at(&record("restricted"), &bpol_id, &purpose, at)
        .unwrap_err();
    match &err {
        ShareError::PostQuantumRequired { partner, reason } => {
            assert_eq!(partner.as_str(), "DEU-BPOL");
            assert!(reason.contains("nld-kmar.deu-bpol.documents"), "{reason}");
            assert!(reason.contains("`restricted` or above"), "{reason}");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(err.code(), "post-quantum-required");
    assert!(err.to_string().contains("keygen --post-quantum"), "{err}");
    assert_eq!(kmar.audit().verify().unwrap().entries, 1);
    // Unclassified: below the floor, sealed classically for the classical card.
    let parcel = kmar
        .share_at(&record("unclassified"), &bpol_id, &purpose, at)
        .unwrap();
    assert_eq!(suite(parcel.as_bytes()), 2);

    // The partner adds an X-Wing key (keeping its other keys) and gives its
    // new card: the restricted record goes, post-quantum.
    let bpol_rotated = bpol_keys.with_new_post_quantum_key().unwrap();
    let mut partners = Directory::new();
    partners.add(bpol_rotated.card()).unwrap();
    let kmar = Agency::builder(Identity::from_json(&kmar_json).unwrap())
        .directory(partners)
        .agreements(PolicySet::new(vec![agreement]))
        .audit_log(AuditLog::in_memory())
        .build()
        .unwrap();
    let parcel = kmar
        .share_at(&record("restricted"), &bpol_id, &purpose, at)
        .unwrap();
    assert_eq!(suite(parcel.as_bytes()), 3);
    let mut senders = Directory::new();
    senders.add(kmar_card).unwrap();
    let bpol = Agency::builder(bpol_rotated)
        .directory(senders)
        .audit_log(AuditLog::in_memory())
        .build()
        .unwrap();
    let received = bpol.receive_at(parcel.as_bytes(), at).unwrap();
    assert_eq!(received.from.as_str(), "NLD-KMAR");
}

/// A receiving agency for `cards` (all of the sender).
fn receiver(identity: Identity, cards: &[liaison::Card]) -> Agency {
    let mut senders = Directory::new();
    for card in cards {
        senders.add(card.clone()).unwrap();
    }
    Agency::builder(identity)
        .directory(senders)
        .audit_log(AuditLog::in_memory())
        .build()
        .unwrap()
}

#[test]
fn receive_names_a_stripped_post_quantum_signature_and_another_ml_dsa_key() {
    let (from, until) = (
        datetime!(2026-01-01 0:00 UTC),
        datetime!(2027-01-01 0:00 UTC),
    );
    let kmar_classical = Identity::generate("NLD-KMAR", from, until).unwrap();
    let kmar = kmar_classical.with_new_post_quantum_key().unwrap();
    let kmar_other = kmar_classical.with_new_post_quantum_key().unwrap();
    let bpol_keys = Identity::generate_post_quantum("DEU-BPOL", from, until).unwrap();
    let bpol_json = bpol_keys.to_json();
    let bpol_identity = || Identity::from_json(&bpol_json).unwrap();
    let agreement = liaison::policy::parse_agreement(
        AGREEMENT,
        liaison::policy::Format::Toml,
        "agreement.toml",
    )
    .unwrap();
    let at = "2026-03-02T09:00:00.000Z".parse().unwrap();
    let purpose = "border-control".parse().unwrap();
    let bpol_id = "DEU-BPOL".parse().unwrap();
    let parcel_of = |sender: Identity| {
        let mut partners = Directory::new();
        partners.add(bpol_keys.card()).unwrap();
        Agency::builder(sender)
            .directory(partners)
            .agreements(PolicySet::new(vec![agreement.clone()]))
            .audit_log(AuditLog::in_memory())
            .build()
            .unwrap()
            .share_at(&record("restricted"), &bpol_id, &purpose, at)
            .unwrap()
    };
    let classical_parcel = parcel_of(Identity::from_json(&kmar_classical.to_json()).unwrap());
    let hybrid_parcel = parcel_of(Identity::from_json(&kmar.to_json()).unwrap());
    let mldsa_id = |card: &liaison::Card| card.post_quantum_signing_key_id().unwrap().to_string();

    // Signed with Ed25519 alone, received with the card that has an
    // ML-DSA-65 key: a downgrade, named and audited as such.
    let bpol = receiver(bpol_identity(), &[kmar.card()]);
    let err = bpol
        .receive_at(classical_parcel.as_bytes(), at)
        .unwrap_err();
    match &err {
        ReceiveError::SignatureDowngrade { sender } => assert_eq!(sender, "NLD-KMAR"),
        other => panic!("{other:?}"),
    }
    assert_eq!(err.code(), "signature-downgrade");
    assert!(err.to_string().contains("stripped (a downgrade)"), "{err}");
    let entries = bpol.audit().entries().unwrap();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].reasons, vec!["signature-downgrade".to_owned()]);

    // Signed with another ML-DSA-65 key than the card's, or with one where
    // the card has none: named, with both key ids, and audited.
    let bpol = receiver(bpol_identity(), &[kmar_other.card()]);
    let err = bpol.receive_at(hybrid_parcel.as_bytes(), at).unwrap_err();
    match &err {
        ReceiveError::SigningKeyMismatch {
            sender,
            found,
            expected,
        } => {
            assert_eq!(sender, "NLD-KMAR");
            assert_eq!(found, &mldsa_id(&kmar.card()));
            assert_eq!(
                expected.as_deref(),
                Some(mldsa_id(&kmar_other.card()).as_str())
            );
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(err.code(), "signing-key-mismatch");
    assert!(err.to_string().contains(&mldsa_id(&kmar.card())), "{err}");
    assert_eq!(
        bpol.audit().entries().unwrap()[0].reasons,
        vec!["signing-key-mismatch".to_owned()]
    );
    let bpol = receiver(bpol_identity(), &[kmar_classical.card()]);
    let err = bpol.receive_at(hybrid_parcel.as_bytes(), at).unwrap_err();
    match &err {
        ReceiveError::SigningKeyMismatch { expected, .. } => assert_eq!(expected, &None),
        other => panic!("{other:?}"),
    }
    assert!(
        err.to_string().contains("which has no ML-DSA-65 key"),
        "{err}"
    );

    // The card each was signed for accepts it.
    let bpol = receiver(bpol_identity(), &[kmar.card()]);
    assert!(bpol.receive_at(hybrid_parcel.as_bytes(), at).is_ok());
    let bpol = receiver(bpol_identity(), &[kmar_classical.card()]);
    assert!(bpol.receive_at(classical_parcel.as_bytes(), at).is_ok());

    // A directory that still holds the older card beside the newer one,
    // with the same Ed25519 key: the newer card decides, so the hybrid
    // parcel opens and the classical one is a downgrade, never an
    // unexplained failure.
    let bpol = receiver(bpol_identity(), &[kmar_classical.card(), kmar.card()]);
    assert!(bpol.receive_at(hybrid_parcel.as_bytes(), at).is_ok());
    let err = bpol
        .receive_at(classical_parcel.as_bytes(), at)
        .unwrap_err();
    assert_eq!(err.code(), "signature-downgrade", "{err}");
}
