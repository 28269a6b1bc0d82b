//! The whole exchange between three agencies in one process: the Royal
//! Netherlands Marechaussee (NLD-KMAR) shares with the German Federal Police
//! (DEU-BPOL), which may share on with the Polish Border Guard (POL-SG).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "test helpers: a failing unwrap is a failing test"
)]

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use liaison::audit::{self, AuditOutcome, EntryKind, Problem};
use liaison::{
    Agency, AgencyId, Directory, Identity, OnwardSharing, PolicySet, Purpose, ReceiveError, Record,
    ShareError, Timestamp,
};
use liaison_envelope::{Sealer, open};
use time::OffsetDateTime;
use time::macros::datetime;
use uuid::Uuid;

const KMAR_BPOL: &str = r#"
id = "test.nld-kmar.deu-bpol"
version = 1
provider = "NLD-KMAR"
recipients = ["DEU-BPOL"]
valid_from = 2026-01-01T00:00:00Z
legal_basis = "Prüm Convention art. 39"
purposes = ["border-control"]
max_classification = "restricted"

[[clause]]
id = "persons-at-the-border"
effect = "release"
[clause.when]
entity_kinds = ["person"]
[clause.release]
classes = ["identity", "travel-document", "alert", "association", "assessment"]
[clause.obligations]
retention_days = 90
onward = "forbidden"
notify_on_use = true
"#;

const BPOL_POLSG: &str = r#"
id = "test.deu-bpol.pol-sg"
version = 1
provider = "DEU-BPOL"
recipients = ["POL-SG"]
valid_from = 2026-01-01T00:00:00Z
legal_basis = "Agreement between Germany and Poland on police cooperation, art. 7"
purposes = ["border-control"]
max_classification = "restricted"

[[clause]]
id = "alerts"
effect = "release"
[clause.when]
entity_kinds = ["alert"]
[clause.release]
classes = ["identity", "travel-document", "alert", "association"]
"#;

fn at(s: &str) -> Timestamp {
    s.parse().unwrap()
}

fn now() -> Timestamp {
    at("2026-11-26T09:00:00.000Z")
}

fn border_control() -> Purpose {
    "border-control".parse().unwrap()
}

fn id(s: &str) -> AgencyId {
    s.parse().unwrap()
}

/// A watchlist hit: a person, the passport, a face image reference and the alert.
fn watchlist_hit(n: u32) -> Record {
    let json = format!(
        r#"{{
  "schema_version": "1.0",
  "id": "{record}",
  "version": 1,
  "originator": "NLD-KMAR",
  "created": "2026-06-20T06:41:12.000Z",
  "modified": "2026-06-20T06:41:12.000Z",
  "marking": {{ "classification": "restricted", "tlp": "amber", "purposes": ["border-control"] }},
  "entities": [
    {{ "kind": "person", "id": "{person}", "names": [{{ "given": "Pieter", "family": "de Vries {n}" }}],
       "date_of_birth": "1987-03-12", "nationalities": ["NLD"] }},
    {{ "kind": "biometric", "id": "{bio}", "modality": "face", "format": "ISO/IEC 19794-5",
       "sha256": "3f1c0e5a9b7d2c4e6f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6",
       "pointer": "https://bio.kmar.example.nl/samples/{n}" }},
    {{ "kind": "alert", "id": "{alert}", "issuing_authority": "NLD-KMAR", "category": "sis-article-36",
       "action": "discreet-check", "valid_from": "2026-06-01T00:00:00.000Z" }}
  ],
  "relationships": [
    {{ "source": "{person}", "relationship": "subject-of", "target": "{alert}" }}
  ]
}}"#,
        record = Uuid::new_v4(),
        person = Uuid::new_v4(),
        bio = Uuid::new_v4(),
        alert = Uuid::new_v4(),
    );
    Record::from_json(json.as_bytes()).unwrap()
}

/// A small record for the bulk tests.
fn small_hit() -> Record {
    let json = format!(
        r#"{{"schema_version":"1.0","id":"{}","version":1,"originator":"NLD-KMAR",
  "created":"2026-11-20T06:41:12.000Z","modified":"2026-11-20T06:41:12.000Z",
  "marking":{{"classification":"restricted","tlp":"amber"}},
  "entities":[{{"kind":"person","id":"{}","names":[{{"family":"Vries"}}]}}]}}"#,
        Uuid::new_v4(),
        Uuid::new_v4()
    );
    Record::from_json(json.as_bytes()).unwrap()
}

fn agreement(text: &str) -> liaison::policy::Agreement {
    liaison::policy::parse_agreement(text, liaison::policy::Format::Toml, "test.toml").unwrap()
}

/// The keys of one agency, kept as its identity file so that a test can use
/// them again (identities are not `Clone`, on purpose).
struct Keys {
    json: String,
}

impl Keys {
    fn new(agency: &str, from: OffsetDateTime, until: OffsetDateTime) -> Self {
        let identity = Identity::generate(agency, from, until).unwrap();
        Self {
            json: identity.to_json().to_string(),
        }
    }

    fn year(agency: &str) -> Self {
        Self::new(
            agency,
            datetime!(2026-01-01 0:00 UTC),
            datetime!(2027-01-01 0:00 UTC),
        )
    }

    fn identity(&self) -> Identity {
        Identity::from_json(&self.json).unwrap()
    }

    fn card(&self) -> liaison::Card {
        self.identity().card()
    }
}

struct World {
    dir: tempfile::TempDir,
    kmar_keys: Keys,
    bpol_keys: Keys,
    polsg_keys: Keys,
    kmar: Agency,
    bpol: Agency,
    polsg: Agency,
}

impl World {
    fn new() -> Self {
        Self::with_keys(
            Keys::year("NLD-KMAR"),
            Keys::year("DEU-BPOL"),
            Keys::year("POL-SG"),
        )
    }

    fn with_keys(kmar_keys: Keys, bpol_keys: Keys, polsg_keys: Keys) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let directory = |cards: &[&Keys]| {
            let mut d = Directory::new();
            for k in cards {
                d.add(k.card()).unwrap();
            }
            d
        };
        let kmar = Agency::builder(kmar_keys.identity())
            .directory(directory(&[&bpol_keys, &polsg_keys]))
            .agreements(PolicySet::new(vec![agreement(KMAR_BPOL)]))
            .audit_file(dir.path().join("nld-kmar.audit.jsonl"))
            .build()
            .unwrap();
        let bpol = Agency::builder(bpol_keys.identity())
            .directory(directory(&[&kmar_keys, &polsg_keys]))
            .agreements(PolicySet::new(vec![agreement(BPOL_POLSG)]))
            .audit_file(dir.path().join("deu-bpol.audit.jsonl"))
            .build()
            .unwrap();
        let polsg = Agency::builder(polsg_keys.identity())
            .directory(directory(&[&kmar_keys, &bpol_keys]))
            .audit_file(dir.path().join("pol-sg.audit.jsonl"))
            .build()
            .unwrap();
        Self {
            dir,
            kmar_keys,
            bpol_keys,
            polsg_keys,
            kmar,
            bpol,
            polsg,
        }
    }

    fn log(&self, agency: &str) -> PathBuf {
        self.dir
            .path()
            .join(format!("{}.audit.jsonl", agency.to_lowercase()))
    }

    /// Watchlist hit `n` shared by the KMar with the BPol for border
    /// control now.
    fn hit_for_bpol(&self, n: u32) -> Result<liaison::Parcel, ShareError> {
        self.kmar
            .share_at(&watchlist_hit(n), &id("DEU-BPOL"), &border_control(), now())
    }

    /// Watchlist hit `n` shared by the KMar with the BPol now, and that
    /// parcel opened with the BPol's key (without receiving it).
    fn shared_and_opened(&self, n: u32) -> (liaison::Parcel, liaison_envelope::Opened) {
        let parcel = self.hit_for_bpol(n).unwrap();
        let when = now().to_offset_date_time();
        let opened = open(
            parcel.as_bytes(),
            &self.bpol_keys.identity(),
            &[self.kmar_keys.card()],
            when,
        )
        .unwrap();
        (parcel, opened)
    }

    /// `payload` under `label`, sealed for the BPol and signed by the KMar
    /// itself now, as a partner that writes its own parcels could.
    fn sealed_by_kmar(&self, label: &[u8], payload: &[u8]) -> Vec<u8> {
        Sealer::new(&self.kmar_keys.identity())
            .recipient(&self.bpol_keys.card())
            .label(label)
            .at(now().to_offset_date_time())
            .seal(payload)
            .unwrap()
    }
}

fn entries(agency: &Agency) -> Vec<audit::AuditEntry> {
    agency.audit().entries().unwrap()
}

/// Fails unless `err` is a label mismatch naming `field`.
fn assert_label_mismatch(err: &ReceiveError, field: &str) {
    assert!(
        matches!(err, ReceiveError::LabelMismatch { field: f } if *f == field),
        "{field}: {err}"
    );
}

#[test]
fn a_record_travels_with_biometrics_withheld_and_obligations_attached() {
    let w = World::new();
    let record = watchlist_hit(1);
    let parcel = w
        .kmar
        .share_at(&record, &id("DEU-BPOL"), &border_control(), now())
        .unwrap();
    assert_eq!(parcel.to(), &id("DEU-BPOL"));
    // The parcel never holds the record in the clear.
    let needle = b"de Vries 1";
    assert!(!parcel.as_bytes().windows(needle.len()).any(|w| w == needle));

    let received = w.bpol.receive_at(parcel.as_bytes(), now()).unwrap();
    assert_eq!(received.from, id("NLD-KMAR"));
    assert_eq!(received.parcel, parcel.id());
    assert_eq!(received.record.id, record.id);
    assert_eq!(received.purpose, border_control());
    assert_eq!(received.agreement.id, "test.nld-kmar.deu-bpol");
    // Biometrics are not in the released classes: withheld.
    assert_eq!(received.record.entities.len(), 2);
    assert!(
        received
            .record
            .entities
            .iter()
            .all(|e| !matches!(e, liaison::record::Entity::Biometric(_)))
    );
    assert!(!received.withheld.is_empty());
    // The obligations, typed.
    let o = &received.obligations;
    assert_eq!(o.onward, OnwardSharing::Forbidden);
    assert!(o.notify_on_use);
    assert_eq!(
        o.retain_until,
        Some(Timestamp::from_offset_date_time(
            now().to_offset_date_time() + time::Duration::days(90)
        ))
    );
    assert_eq!(received.record.provenance.len(), 1);
    // Printed in words, stored as JSON, without serde_json.
    let text = received.to_string();
    assert!(
        text.contains("from NLD-KMAR, under agreement `test.nld-kmar.deu-bpol`"),
        "{text}"
    );
    assert!(text.contains("withheld: /entities/"), "{text}");
    assert!(text.contains("  - onward sharing: forbidden\n"), "{text}");
    assert!(
        text.contains("  - tell the originator when the record is acted on\n"),
        "{text}"
    );
    let until = o.retain_until.unwrap();
    assert!(
        text.contains(&format!("  - delete the copy by {until}\n")),
        "{text}"
    );
    let stored: serde_json::Value = serde_json::from_str(&received.to_json().unwrap()).unwrap();
    assert_eq!(stored["from"], "NLD-KMAR");
    assert_eq!(stored["record"]["id"], record.id.to_string());

    // One entry on each side, naming the same parcel and the same digest.
    let sent = entries(&w.kmar);
    let got = entries(&w.bpol);
    assert_eq!((sent.len(), got.len()), (1, 1));
    assert_eq!(sent[0].kind, EntryKind::Release);
    assert_eq!(sent[0].outcome, AuditOutcome::Released);
    assert_eq!(got[0].kind, EntryKind::Receipt);
    assert_eq!(got[0].outcome, AuditOutcome::Accepted);
    assert_eq!(sent[0].parcel, Some(parcel.id()));
    assert_eq!(got[0].parcel, Some(parcel.id()));
    assert_eq!(sent[0].record_digest, got[0].record_digest);
    assert_eq!(
        sent[0].record_digest.as_deref(),
        Some(parcel.record_digest().to_string().as_str())
    );
    assert_eq!(sent[0].decision, got[0].decision);
    assert_eq!(got[0].counterparty, Some(id("NLD-KMAR")));
    // Never the record's content.
    let log = fs::read_to_string(w.log("NLD-KMAR")).unwrap();
    assert!(!log.contains("Vries") && !log.contains("1987"));
    audit::verify_file(w.log("NLD-KMAR")).unwrap();
    audit::verify_file(w.log("DEU-BPOL")).unwrap();
}

#[test]
fn a_refused_share_leaves_no_parcel_and_one_audit_entry() {
    let w = World::new();
    let record = watchlist_hit(2);
    let purpose: Purpose = "tax-collection".parse().unwrap();
    let err = w
        .kmar
        .share_at(&record, &id("DEU-BPOL"), &purpose, now())
        .unwrap_err();
    let refusal = err.refusal().expect("a refusal");
    assert!(!refusal.reasons().is_empty());
    let message = err.to_string();
    assert!(message.contains("tax-collection"), "{message}");
    assert!(message.contains(&record.id.to_string()), "{message}");

    // A dry run is logged as a decision, with nothing released.
    let dry = w
        .kmar
        .decide_at(&record, &id("DEU-BPOL"), &border_control(), now())
        .unwrap();
    assert!(dry.outcome.releases());

    let log = entries(&w.kmar);
    assert_eq!(log.len(), 2);
    assert_eq!(log[1].kind, EntryKind::Decision);
    assert_eq!(log[1].outcome, AuditOutcome::Released);
    assert_eq!(log[1].decision, Some(dry.id));
    assert_eq!(log[1].parcel, None);
    assert_eq!(log[0].kind, EntryKind::Refusal);
    assert_eq!(log[0].outcome, AuditOutcome::Denied);
    assert_eq!(log[0].parcel, None);
    assert_eq!(log[0].record, Some(record.id));
    assert_eq!(log[0].decision, Some(refusal.decision.id));
    // Codes, not the reasons' words (which may quote values).
    assert_eq!(log[0].reasons, vec!["marking-purpose", "no-agreement"]);
    assert!(!refusal.reasons().is_empty());
}

#[test]
fn every_failed_share_leaves_one_audit_entry() {
    let w = World::new();
    let record = watchlist_hit(3);
    // No card for the partner.
    let err = w
        .kmar
        .share_at(&record, &id("FRA-PAF"), &border_control(), now())
        .unwrap_err();
    assert!(
        matches!(
            err,
            ShareError::Refused { .. } | ShareError::UnknownPartner { .. }
        ),
        "{err}"
    );
    // A record this agency does not hold.
    let parcel = w
        .kmar
        .share_at(&record, &id("DEU-BPOL"), &border_control(), now())
        .unwrap();
    let received = w.bpol.receive_at(parcel.as_bytes(), now()).unwrap();
    let err = w
        .kmar
        .share_at(&received.record, &id("DEU-BPOL"), &border_control(), now())
        .unwrap_err();
    assert!(matches!(err, ShareError::NotHolder { .. }), "{err}");
    assert!(err.to_string().contains("held by `DEU-BPOL`"), "{err}");
    let log = entries(&w.kmar);
    assert_eq!(log.len(), 3);
    assert_eq!(
        log.iter().map(|e| e.kind).collect::<Vec<_>>(),
        [EntryKind::Refusal, EntryKind::Release, EntryKind::Refusal]
    );
    assert_eq!(log[2].outcome, AuditOutcome::Failed);
}

#[test]
fn onward_sharing_is_refused_by_the_third_party_rule() {
    let w = World::new();
    let parcel = w.hit_for_bpol(4).unwrap();
    let received = w.bpol.receive_at(parcel.as_bytes(), now()).unwrap();
    // DEU-BPOL's own agreement with POL-SG would release alerts, but the
    // KMar said: no onward sharing.
    let err = w
        .bpol
        .share_at(&received.record, &id("POL-SG"), &border_control(), now())
        .unwrap_err();
    let refusal = err.refusal().expect("a refusal");
    let reasons = refusal.reasons().join("\n");
    assert!(reasons.contains("NLD-KMAR"), "{reasons}");
    let log = entries(&w.bpol);
    assert_eq!(log.len(), 2);
    assert_eq!(log[1].kind, EntryKind::Refusal);
    assert_eq!(log[1].counterparty, Some(id("POL-SG")));
    // POL-SG never got anything.
    assert!(entries(&w.polsg).is_empty());
}

#[test]
fn onward_sharing_goes_through_when_the_chain_allows_it() {
    // The KMar allows onward sharing under this agreement.
    let permissive = KMAR_BPOL.replace("onward = \"forbidden\"", "onward = \"permitted\"");
    let (kmar_keys, bpol_keys, polsg_keys) = (
        Keys::year("NLD-KMAR"),
        Keys::year("DEU-BPOL"),
        Keys::year("POL-SG"),
    );
    let dir = tempfile::tempdir().unwrap();
    let mut d = Directory::new();
    d.add(bpol_keys.card()).unwrap();
    let kmar = Agency::builder(kmar_keys.identity())
        .directory(d)
        .agreements(PolicySet::new(vec![agreement(&permissive)]))
        .audit_file(dir.path().join("kmar.jsonl"))
        .build()
        .unwrap();
    let mut d = Directory::new();
    d.add(kmar_keys.card()).unwrap();
    d.add(polsg_keys.card()).unwrap();
    let bpol = Agency::builder(bpol_keys.identity())
        .directory(d)
        .agreements(PolicySet::new(vec![agreement(BPOL_POLSG)]))
        .audit_file(dir.path().join("bpol.jsonl"))
        .build()
        .unwrap();
    let mut d = Directory::new();
    d.add(bpol_keys.card()).unwrap();
    let polsg = Agency::builder(polsg_keys.identity())
        .directory(d)
        .audit_file(dir.path().join("polsg.jsonl"))
        .build()
        .unwrap();

    // TLP:GREEN: the community may pass it on.
    let mut record = watchlist_hit(5);
    record.marking.tlp = liaison::Tlp::Green;
    let parcel = kmar
        .share_at(&record, &id("DEU-BPOL"), &border_control(), now())
        .unwrap();
    let at_bpol = bpol.receive_at(parcel.as_bytes(), now()).unwrap();
    let onward = bpol
        .share_at(&at_bpol.record, &id("POL-SG"), &border_control(), now())
        .unwrap();
    let at_polsg = polsg.receive_at(onward.as_bytes(), now()).unwrap();
    assert_eq!(at_polsg.from, id("DEU-BPOL"));
    assert_eq!(at_polsg.record.provenance.len(), 2);
    assert_eq!(at_polsg.record.provenance[0].from, id("NLD-KMAR"));
    assert_eq!(at_polsg.record.originator, id("NLD-KMAR"));
}

#[test]
fn a_tampered_parcel_is_refused_and_logged() {
    let w = World::new();
    let parcel = w.hit_for_bpol(6).unwrap();
    let bytes = parcel.as_bytes();
    let positions: Vec<usize> = (0..bytes.len())
        .step_by(97)
        .chain([bytes.len() - 1])
        .collect();
    for &i in &positions {
        let mut tampered = bytes.to_vec();
        tampered[i] ^= 0x01;
        let err = w.bpol.receive_at(&tampered, now()).unwrap_err();
        assert!(
            !matches!(
                err,
                ReceiveError::Replayed { .. } | ReceiveError::Audit { .. }
            ),
            "byte {i}: {err}"
        );
    }
    // Truncated and extended.
    assert!(w.bpol.receive_at(&bytes[..bytes.len() - 1], now()).is_err());
    let mut longer = bytes.to_vec();
    longer.push(0);
    assert!(w.bpol.receive_at(&longer, now()).is_err());

    let log = entries(&w.bpol);
    assert_eq!(log.len(), positions.len() + 2);
    assert!(log.iter().all(|e| e.kind == EntryKind::Receipt
        && e.outcome == AuditOutcome::Refused
        && !e.reasons.is_empty()));
    // The untouched parcel is still accepted: refusals did not mark it as seen.
    w.bpol.receive_at(bytes, now()).unwrap();
}

#[test]
fn a_replayed_parcel_is_refused() {
    let w = World::new();
    let parcel = w.hit_for_bpol(7).unwrap();
    w.bpol.receive_at(parcel.as_bytes(), now()).unwrap();
    let err = w.bpol.receive_at(parcel.as_bytes(), now()).unwrap_err();
    assert!(
        matches!(err, ReceiveError::Replayed { parcel: p } if p == parcel.id()),
        "{err}"
    );
    let log = entries(&w.bpol);
    assert_eq!(log.len(), 2);
    assert_eq!(log[1].outcome, AuditOutcome::Refused);
    assert_eq!(log[1].parcel, Some(parcel.id()));
}

#[test]
fn a_replay_is_refused_after_a_restart_and_an_old_parcel_by_its_age() {
    let w = World::new();
    let parcel = w.hit_for_bpol(8).unwrap();
    let log = w.dir.path().join("restarted.audit.jsonl");
    let build = || {
        let mut d = Directory::new();
        d.add(w.kmar_keys.card()).unwrap();
        Agency::builder(w.bpol_keys.identity())
            .directory(d)
            .audit_file(&log)
            .build()
            .unwrap()
    };
    build().receive_at(parcel.as_bytes(), now()).unwrap();
    // Rebuilt from its file: the parcel id is read back from the log.
    let err = build().receive_at(parcel.as_bytes(), now()).unwrap_err();
    assert!(matches!(err, ReceiveError::Replayed { .. }), "{err}");
    // Past the window (30 days by default) a parcel is refused by its age,
    // whether its id is still known or not.
    let later = Timestamp::from_offset_date_time(
        now().to_offset_date_time() + liaison::DEFAULT_REPLAY_WINDOW + time::Duration::hours(1),
    );
    let fresh = w.hit_for_bpol(9).unwrap();
    let err = build().receive_at(fresh.as_bytes(), later).unwrap_err();
    assert!(matches!(err, ReceiveError::TooOld { .. }), "{err}");
    assert!(
        err.to_string().contains("older than the replay window"),
        "{err}"
    );
    let entries = audit::AuditLog::open(&log).unwrap().entries().unwrap();
    assert_eq!(entries.len(), 3);
    assert_eq!(entries[1].reasons, vec!["replayed".to_owned()]);
    assert_eq!(entries[2].reasons, vec!["too-old".to_owned()]);
}

#[test]
fn a_record_under_another_parcels_label_is_refused() {
    let w = World::new();
    let (a, opened_a) = w.shared_and_opened(9);
    let (b, opened_b) = w.shared_and_opened(10);

    // Record A, sealed and signed by the KMar itself, under parcel B's label.
    let swapped = w.sealed_by_kmar(&opened_b.label, &opened_a.payload);
    let err = w.bpol.receive_at(&swapped, now()).unwrap_err();
    assert!(matches!(err, ReceiveError::LabelMismatch { .. }), "{err}");
    assert!(err.to_string().contains("does not match"), "{err}");

    // A label moved between the bytes of two parcels does not even open.
    let mut spliced = a.as_bytes().to_vec();
    let label_a = find(&spliced, &opened_a.label).expect("label in the clear");
    spliced[label_a..label_a + opened_a.label.len()].copy_from_slice(&opened_b.label);
    let err = w.bpol.receive_at(&spliced, now()).unwrap_err();
    assert!(
        matches!(
            err,
            ReceiveError::CannotOpen | ReceiveError::NotAParcel { .. }
        ),
        "{err}"
    );

    // Both refusals are logged, and both originals are still accepted.
    assert_eq!(entries(&w.bpol).len(), 2);
    w.bpol.receive_at(a.as_bytes(), now()).unwrap();
    w.bpol.receive_at(b.as_bytes(), now()).unwrap();
}

#[test]
fn a_payload_not_in_canonical_form_is_refused() {
    let w = World::new();
    let (parcel, opened) = w.shared_and_opened(11);

    // The same record written another way (a space after the opening
    // brace), under a label whose digest is that of the new bytes, sealed
    // and signed by the KMar itself: the record reads the same, but its
    // digest would no longer be the one the label and the audit log name.
    let mut payload = opened.payload.clone();
    payload.insert(1, b' ');
    let old = liaison::record::sha256(&opened.payload).to_string();
    let new = liaison::record::sha256(&payload).to_string();
    let label = String::from_utf8(opened.label.clone())
        .unwrap()
        .replace(&old, &new);
    assert_ne!(label.as_bytes(), opened.label.as_slice());
    let resealed = w.sealed_by_kmar(label.as_bytes(), &payload);
    let err = w.bpol.receive_at(&resealed, now()).unwrap_err();
    assert!(matches!(err, ReceiveError::NotCanonical), "{err}");
    assert!(err.to_string().contains("canonical form"), "{err}");
    assert_eq!(
        entries(&w.bpol).last().unwrap().reasons,
        vec!["record-not-canonical".to_owned()]
    );
    // The same payload under the genuine label, which names the record's
    // digest: the payload is what is wrong, and is named so.
    let resealed = w.sealed_by_kmar(&opened.label, &payload);
    let err = w.bpol.receive_at(&resealed, now()).unwrap_err();
    assert!(matches!(err, ReceiveError::NotCanonical), "{err}");
    // The original is still accepted.
    w.bpol.receive_at(parcel.as_bytes(), now()).unwrap();
}

#[test]
fn every_label_member_is_checked_against_the_record() {
    let w = World::new();
    let (parcel, opened) = w.shared_and_opened(12);
    let original: serde_json::Value = serde_json::from_slice(&opened.label).unwrap();
    // The label changed by `edit`, written in canonical form, sealed and
    // signed by the KMar itself around the original payload.
    let reseal = |label: &[u8]| w.sealed_by_kmar(label, &opened.payload);
    let edited = |edit: &dyn Fn(&mut serde_json::Value)| {
        let mut label = original.clone();
        edit(&mut label);
        let bytes = liaison::record::canonicalize(&serde_json::to_vec(&label).unwrap()).unwrap();
        assert_ne!(bytes, opened.label);
        reseal(&bytes)
    };
    let other = Uuid::new_v4().to_string();
    let cases: Vec<(&str, Box<Edit<'_>>)> = vec![
        ("sender", Box::new(|l| l["from"] = "POL-SG".into())),
        ("recipient", Box::new(|l| l["to"] = "POL-SG".into())),
        (
            "record id",
            Box::new(|l| l["record"] = other.clone().into()),
        ),
        ("record version", Box::new(|l| l["version"] = 2.into())),
        (
            "record digest",
            Box::new(|l| l["digest"] = liaison::record::sha256(b"x").to_string().into()),
        ),
        ("marking", Box::new(|l| l["marking"]["tlp"] = "red".into())),
        (
            "provenance",
            Box::new(|l| l["decision"] = other.clone().into()),
        ),
        (
            "obligations",
            Box::new(|l| {
                let until = l["obligations"]["retain_until"].as_str().unwrap();
                l["obligations"]["retain_until"] = until.replacen("20", "21", 1).into();
            }),
        ),
        (
            "checkpoint",
            Box::new(|l| {
                // Another tree size under the same signature.
                let text =
                    l["checkpoint"]
                        .as_str()
                        .unwrap()
                        .replacen("NLD-KMAR\n", "NLD-KMAR\n9", 1);
                l["checkpoint"] = text.into();
            }),
        ),
    ];
    let mut refused = 0;
    for (field, edit) in &cases {
        let err = w
            .bpol
            .receive_at(&edited(edit.as_ref()), now())
            .unwrap_err();
        assert_label_mismatch(&err, field);
        refused += 1;
        // The refusal names the parcel the label gave.
        let log = entries(&w.bpol);
        assert_eq!(log.len(), refused);
        assert_eq!(log[refused - 1].parcel, Some(parcel.id()), "{field}");
    }

    // A record whose last release names another recipient, under a label
    // that matches it in every member. (A first release from another agency
    // than the originator is not a valid record.)
    let payload: serde_json::Value = serde_json::from_slice(&opened.payload).unwrap();
    {
        let mut record = payload.clone();
        let releases = record["provenance"].as_array_mut().unwrap();
        releases.last_mut().unwrap()["to"] = "POL-SG".into();
        let record = liaison::record::canonicalize(&serde_json::to_vec(&record).unwrap()).unwrap();
        let label = edited_bytes(&original, |l| {
            l["digest"] = liaison::record::sha256(&record).to_string().into();
        });
        let resealed = w.sealed_by_kmar(&label, &record);
        let err = w.bpol.receive_at(&resealed, now()).unwrap_err();
        assert_label_mismatch(&err, "provenance");
        refused += 1;
    }

    // Not a label: another type or version, not canonical, a member more or
    // less. The refusal names no parcel.
    let spaced = {
        let mut b = opened.label.clone();
        b.insert(1, b' ');
        b
    };
    let bad: Vec<Vec<u8>> = vec![
        edited_bytes(&original, |l| l["type"] = "other".into()),
        edited_bytes(&original, |l| l["v"] = 2.into()),
        spaced,
        edited_bytes(&original, |l| l["extra"] = 1.into()),
        edited_bytes(&original, |l| {
            l.as_object_mut().unwrap().remove("marking");
        }),
        edited_bytes(&original, |l| l["marking"] = "restricted".into()),
        b"SECRET//REL DEU".to_vec(),
    ];
    for label in &bad {
        let err = w.bpol.receive_at(&reseal(label), now()).unwrap_err();
        assert!(matches!(err, ReceiveError::BadLabel { .. }), "{err}");
        refused += 1;
        let log = entries(&w.bpol);
        assert_eq!(log.len(), refused);
        assert_eq!(log[refused - 1].parcel, None);
        assert_eq!(log[refused - 1].record, None);
    }

    // What the sender chooses is its own: a label without the checkpoint
    // is accepted, and so is the original.
    let without = edited_bytes(&original, |l| {
        l.as_object_mut().unwrap().remove("checkpoint");
    });
    let received = w.bpol.receive_at(&reseal(&without), now()).unwrap();
    assert_eq!(received.sender_checkpoint, None);
    let err = w.bpol.receive_at(parcel.as_bytes(), now()).unwrap_err();
    assert!(matches!(err, ReceiveError::Replayed { .. }), "{err}");
    let fresh = w.hit_for_bpol(13).unwrap();
    assert!(
        w.bpol
            .receive_at(fresh.as_bytes(), now())
            .unwrap()
            .sender_checkpoint
            .is_some()
    );
}

/// A change to a label's JSON.
type Edit<'a> = dyn Fn(&mut serde_json::Value) + 'a;

/// `label` changed by `edit`, in canonical form.
fn edited_bytes(label: &serde_json::Value, edit: impl Fn(&mut serde_json::Value)) -> Vec<u8> {
    let mut label = label.clone();
    edit(&mut label);
    liaison::record::canonicalize(&serde_json::to_vec(&label).unwrap()).unwrap()
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[test]
fn an_expired_partner_key_is_refused() {
    // The KMar's card ends on 1 December.
    let kmar_keys = Keys::new(
        "NLD-KMAR",
        datetime!(2026-01-01 0:00 UTC),
        datetime!(2026-12-01 0:00 UTC),
    );
    let w = World::with_keys(kmar_keys, Keys::year("DEU-BPOL"), Keys::year("POL-SG"));
    let parcel = w.hit_for_bpol(11).unwrap();
    let later = at("2026-12-02T08:00:00.000Z");
    let err = w.bpol.receive_at(parcel.as_bytes(), later).unwrap_err();
    assert!(
        matches!(err, ReceiveError::SenderKeyNotValid { .. }),
        "{err}"
    );
    assert!(err.to_string().contains("NLD-KMAR"), "{err}");
    let log = entries(&w.bpol);
    assert_eq!(log.len(), 1);
    assert_eq!(log[0].outcome, AuditOutcome::Refused);
    // Its signatures were not verified, so the entry names no sender: the
    // key id in the envelope is a claim anyone can copy.
    assert_eq!(log[0].counterparty, None);
}

#[test]
fn sharing_with_an_expired_partner_card_is_refused() {
    let bpol_keys = Keys::new(
        "DEU-BPOL",
        datetime!(2026-01-01 0:00 UTC),
        datetime!(2026-11-01 0:00 UTC),
    );
    let w = World::with_keys(Keys::year("NLD-KMAR"), bpol_keys, Keys::year("POL-SG"));
    let err = w.hit_for_bpol(13).unwrap_err();
    assert!(matches!(err, ShareError::NoValidKey { .. }), "{err}");
    assert!(err.to_string().contains("current card"), "{err}");
    assert_eq!(entries(&w.kmar).len(), 1);
}

#[test]
fn key_rotation_old_parcels_open_and_new_ones_use_the_new_key() {
    let old = Keys::new(
        "DEU-BPOL",
        datetime!(2026-01-01 0:00 UTC),
        datetime!(2026-12-31 0:00 UTC),
    );
    let new = Keys::new(
        "DEU-BPOL",
        datetime!(2026-11-01 0:00 UTC),
        datetime!(2027-11-01 0:00 UTC),
    );
    let kmar_keys = Keys::year("NLD-KMAR");
    let mut d = Directory::new();
    d.add(old.card()).unwrap();
    d.add(new.card()).unwrap();
    let kmar = Agency::builder(kmar_keys.identity())
        .directory(d)
        .agreements(PolicySet::new(vec![agreement(KMAR_BPOL)]))
        .audit_log(audit::AuditLog::in_memory())
        .build()
        .unwrap();
    let mut d = Directory::new();
    d.add(kmar_keys.card()).unwrap();
    // A window long enough for a parcel sealed six weeks ago.
    let bpol = Agency::builder(old.identity())
        .identity(new.identity())
        .directory(d)
        .audit_log(audit::AuditLog::in_memory())
        .replay_window(time::Duration::days(90))
        .build()
        .unwrap();

    let october = at("2026-10-15T09:00:00.000Z");
    let before = kmar
        .share_at(
            &watchlist_hit(14),
            &id("DEU-BPOL"),
            &border_control(),
            october,
        )
        .unwrap();
    let after = kmar
        .share_at(
            &watchlist_hit(15),
            &id("DEU-BPOL"),
            &border_control(),
            now(),
        )
        .unwrap();
    let to_key =
        |p: &liaison::Parcel| liaison_envelope::inspect(p.as_bytes()).unwrap().recipients[0].key_id;
    assert_eq!(to_key(&before), Some(old.card().encryption_key_id()));
    assert_eq!(to_key(&after), Some(new.card().encryption_key_id()));
    // The old parcel still opens, with the old key, after the new one took over.
    bpol.receive_at(before.as_bytes(), now()).unwrap();
    bpol.receive_at(after.as_bytes(), now()).unwrap();
    // An agency that no longer holds the old key cannot open it.
    let mut d = Directory::new();
    d.add(kmar_keys.card()).unwrap();
    let new_only = Agency::builder(new.identity())
        .directory(d)
        .audit_log(audit::AuditLog::in_memory())
        .build()
        .unwrap();
    let err = new_only.receive_at(before.as_bytes(), now()).unwrap_err();
    assert!(matches!(err, ReceiveError::NotForUs { .. }), "{err}");
}

#[test]
fn a_parcel_sealed_to_a_retired_key_after_its_window_is_refused() {
    let old = Keys::new(
        "DEU-BPOL",
        datetime!(2026-01-01 0:00 UTC),
        datetime!(2026-11-15 0:00 UTC),
    );
    let new = Keys::year("DEU-BPOL");
    let w = World::with_keys(Keys::year("NLD-KMAR"), new, Keys::year("POL-SG"));
    // A genuine parcel, opened to reuse its label with a later sealing time.
    let (_, opened) = w.shared_and_opened(16);
    let label = String::from_utf8(opened.label).unwrap();
    assert!(label.contains("\"sealed_at\":\"2026-11-26T09:00:00.000Z\""));
    // Sealed to the old key, which expired on 15 November, by a sender
    // whose clock claims 1 November to get past the card check.
    let forged = Sealer::new(&w.kmar_keys.identity())
        .recipient(&old.card())
        .label(label.as_bytes())
        .at(datetime!(2026-11-01 0:00 UTC))
        .seal(&opened.payload)
        .unwrap();
    let bpol = Agency::builder(w.bpol_keys.identity())
        .identity(old.identity())
        .directory({
            let mut d = Directory::new();
            d.add(w.kmar_keys.card()).unwrap();
            d
        })
        .audit_log(audit::AuditLog::in_memory())
        .build()
        .unwrap();
    let err = bpol.receive_at(&forged, now()).unwrap_err();
    assert!(matches!(err, ReceiveError::RetiredKey { .. }), "{err}");
}

#[test]
fn another_partners_parcel_with_the_same_id_is_another_parcel() {
    let w = World::new();
    // The KMar's parcel, whose id anyone on the way can read in its label.
    let (kmar_parcel, _) = w.shared_and_opened(40);
    // The Polish border guard's own parcel for the BPol, sealed again by
    // it under that same id.
    let polsg = Agency::builder(w.polsg_keys.identity())
        .directory({
            let mut d = Directory::new();
            d.add(w.bpol_keys.card()).unwrap();
            d
        })
        .agreements(PolicySet::new(vec![agreement(
            &KMAR_BPOL
                .replace("test.nld-kmar.", "test.pol-sg.")
                .replace("\"NLD-KMAR\"", "\"POL-SG\""),
        )]))
        .audit_log(audit::AuditLog::in_memory())
        .build()
        .unwrap();
    let mut record = small_hit();
    record.originator = id("POL-SG");
    let own = polsg
        .share_at(&record, &id("DEU-BPOL"), &border_control(), now())
        .unwrap();
    let when = now().to_offset_date_time();
    let opened = open(
        own.as_bytes(),
        &w.bpol_keys.identity(),
        &[w.polsg_keys.card()],
        when,
    )
    .unwrap();
    let label = String::from_utf8(opened.label)
        .unwrap()
        .replace(&own.id().to_string(), &kmar_parcel.id().to_string());
    let squatting = Sealer::new(&w.polsg_keys.identity())
        .recipient(&w.bpol_keys.card())
        .label(label.as_bytes())
        .at(when)
        .seal(&opened.payload)
        .unwrap();
    let received = w.bpol.receive_at(&squatting, now()).unwrap();
    assert_eq!(
        (received.from.clone(), received.parcel),
        (id("POL-SG"), kmar_parcel.id())
    );
    // The KMar's parcel is still its own, accepted once.
    let received = w.bpol.receive_at(kmar_parcel.as_bytes(), now()).unwrap();
    assert_eq!(received.from, id("NLD-KMAR"));
    let err = w
        .bpol
        .receive_at(kmar_parcel.as_bytes(), now())
        .unwrap_err();
    assert!(matches!(err, ReceiveError::Replayed { .. }), "{err}");
    let err = w.bpol.receive_at(&squatting, now()).unwrap_err();
    assert!(matches!(err, ReceiveError::Replayed { .. }), "{err}");
    // And after a restart, read back from the log.
    let restarted = Agency::builder(w.bpol_keys.identity())
        .directory({
            let mut d = Directory::new();
            d.add(w.kmar_keys.card()).unwrap();
            d.add(w.polsg_keys.card()).unwrap();
            d
        })
        .audit_file(w.log("DEU-BPOL"))
        .build()
        .unwrap();
    for parcel in [kmar_parcel.as_bytes(), &squatting[..]] {
        let err = restarted.receive_at(parcel, now()).unwrap_err();
        assert!(matches!(err, ReceiveError::Replayed { .. }), "{err}");
    }
}

#[test]
fn a_partner_card_with_this_agencys_own_keys_is_refused() {
    let bpol = Keys::year("DEU-BPOL");
    let card = bpol.card().to_json();
    let posing = liaison::Card::from_json(&card.replace("\"DEU-BPOL\"", "\"FRA-PN\"")).unwrap();
    let mut d = Directory::new();
    d.add(posing).unwrap();
    let err = Agency::builder(bpol.identity())
        .directory(d)
        .audit_log(audit::AuditLog::in_memory())
        .build()
        .unwrap_err();
    assert!(
        matches!(&err, liaison::SetupError::SharedKey { agency, other, .. } if agency == "FRA-PN" && other == "DEU-BPOL"),
        "{err}"
    );
    // Its own card in its own directory is no partner's, and is kept.
    let mut d = Directory::new();
    d.add(bpol.card()).unwrap();
    Agency::builder(bpol.identity())
        .directory(d)
        .audit_log(audit::AuditLog::in_memory())
        .build()
        .unwrap();
}

#[test]
fn a_parcel_for_several_recipients_or_for_an_unnamed_one_is_refused() {
    let w = World::new();
    let (_, opened) = w.shared_and_opened(41);
    let kmar = w.kmar_keys.identity();
    let sealer = || {
        Sealer::new(&kmar)
            .label(&opened.label)
            .at(now().to_offset_date_time())
    };
    let both = sealer()
        .recipient(&w.bpol_keys.card())
        .recipient(&w.polsg_keys.card())
        .seal(&opened.payload)
        .unwrap();
    let unnamed = sealer()
        .recipient(&w.bpol_keys.card())
        .anonymous(true)
        .seal(&opened.payload)
        .unwrap();
    for (parcel, says) in [(both, "2 recipients"), (unnamed, "does not name")] {
        let err = w.bpol.receive_at(&parcel, now()).unwrap_err();
        assert!(matches!(err, ReceiveError::NotAParcel { .. }), "{err}");
        assert!(err.to_string().contains(says), "{err}");
    }
    // Neither refusal names a sender: nothing was verified.
    let log = entries(&w.bpol);
    assert_eq!(log.len(), 2);
    assert!(
        log.iter()
            .all(|e| e.counterparty.is_none() && e.parcel.is_none())
    );
}

#[test]
fn a_parcel_id_that_is_not_random_is_not_a_label() {
    let w = World::new();
    let (parcel, opened) = w.shared_and_opened(42);
    let label = String::from_utf8(opened.label.clone()).unwrap();
    for id in [
        "00000000-0000-0000-0000-000000000000",
        "6ba7b810-9dad-11d1-80b4-00c04fd430c8",
    ] {
        let edited = label.replace(&parcel.id().to_string(), id);
        let err = w
            .bpol
            .receive_at(&w.sealed_by_kmar(edited.as_bytes(), &opened.payload), now())
            .unwrap_err();
        assert!(matches!(err, ReceiveError::BadLabel { .. }), "{err}");
        assert!(err.to_string().contains("version 4"), "{err}");
    }
}

#[test]
fn a_refusal_before_the_signature_is_verified_names_no_sender() {
    let w = World::new();
    let parcel = w.hit_for_bpol(43).unwrap();
    // The last byte is the final signature's.
    let mut damaged = parcel.as_bytes().to_vec();
    *damaged.last_mut().unwrap() ^= 1;
    let err = w.bpol.receive_at(&damaged, now()).unwrap_err();
    assert!(matches!(err, ReceiveError::CannotOpen), "{err}");
    let log = entries(&w.bpol);
    assert_eq!(log.len(), 1);
    assert_eq!(log[0].counterparty, None);
    // The genuine parcel is accepted, and names its sender.
    w.bpol.receive_at(parcel.as_bytes(), now()).unwrap();
    assert_eq!(entries(&w.bpol)[1].counterparty, Some(id("NLD-KMAR")));
}

#[test]
fn a_parcel_for_another_agency_or_from_a_stranger_is_refused() {
    let w = World::new();
    let parcel = w.hit_for_bpol(17).unwrap();
    let err = w.polsg.receive_at(parcel.as_bytes(), now()).unwrap_err();
    assert!(matches!(err, ReceiveError::NotForUs { .. }), "{err}");
    // An agency that does not know the KMar.
    let stranger = Agency::builder(w.polsg_keys.identity())
        .audit_log(audit::AuditLog::in_memory())
        .build()
        .unwrap();
    let err = stranger.receive_at(parcel.as_bytes(), now()).unwrap_err();
    assert!(matches!(err, ReceiveError::UnknownSender { .. }), "{err}");
    let err = stranger.receive_at(b"not a parcel", now()).unwrap_err();
    assert!(matches!(err, ReceiveError::NotAParcel { .. }), "{err}");
    assert_eq!(stranger.audit().len(), 2);
}

#[test]
fn a_batch_is_shared_on_every_core_and_received() {
    let w = World::new();
    let records: Vec<Record> = (0..40).map(|_| small_hit()).collect();
    let parcels = w
        .kmar
        .share_batch_at(&records, &id("DEU-BPOL"), &border_control(), now());
    let parcels: Vec<liaison::Parcel> = parcels.into_iter().map(Result::unwrap).collect();
    for (p, r) in parcels.iter().zip(&records) {
        assert_eq!(p.record_id(), r.id);
    }
    let received = w.bpol.receive_batch_at(
        &parcels
            .iter()
            .map(liaison::Parcel::as_bytes)
            .collect::<Vec<_>>(),
        now(),
    );
    assert!(received.iter().all(Result::is_ok));
    // The audit entries of the batch are in the order of the records.
    let log = entries(&w.kmar);
    assert_eq!(log.len(), 40);
    for (e, r) in log.iter().zip(&records) {
        assert_eq!(e.record, Some(r.id));
    }
    assert_eq!(audit::verify_file(w.log("DEU-BPOL")).unwrap().entries, 40);
}

#[test]
fn edited_deleted_and_reordered_audit_entries_are_found() {
    let w = World::new();
    for n in 0..6 {
        let p = w
            .kmar
            .share_at(
                &watchlist_hit(20 + n),
                &id("DEU-BPOL"),
                &border_control(),
                now(),
            )
            .unwrap();
        w.bpol.receive_at(p.as_bytes(), now()).unwrap();
    }
    let path = w.log("NLD-KMAR");
    let original = fs::read_to_string(&path).unwrap();
    let lines: Vec<&str> = original.lines().collect();
    assert_eq!(lines.len(), 6);
    let write = |lines: &[String]| {
        let mut text = lines.join("\n");
        text.push('\n');
        fs::write(&path, text).unwrap();
    };
    let owned = |l: &[&str]| l.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();

    // Edited: a release turned into a refusal.
    let mut edited = owned(&lines);
    edited[2] = edited[2].replace("\"kind\":\"release\"", "\"kind\":\"refusal\"");
    write(&edited);
    let err = audit::verify_file(&path).unwrap_err();
    assert_eq!(err.line(), Some(3));
    assert!(matches!(
        err,
        audit::AuditVerifyError::Broken {
            problem: Problem::HashMismatch,
            ..
        }
    ));

    // Deleted.
    let mut deleted = owned(&lines);
    deleted.remove(1);
    write(&deleted);
    assert_eq!(audit::verify_file(&path).unwrap_err().line(), Some(2));

    // Reordered.
    let mut reordered = owned(&lines);
    reordered.swap(3, 4);
    write(&reordered);
    assert_eq!(audit::verify_file(&path).unwrap_err().line(), Some(4));

    // Restored, it verifies again.
    write(&owned(&lines));
    assert_eq!(audit::verify_file(&path).unwrap().entries, 6);
}

#[test]
fn four_threads_sharing_ten_thousand_records_leave_ten_thousand_entries() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("audit.jsonl");
    let bpol = Keys::year("DEU-BPOL");
    let mut d = Directory::new();
    d.add(bpol.card()).unwrap();
    let kmar = Arc::new(
        Agency::builder(Keys::year("NLD-KMAR").identity())
            .directory(d)
            .agreements(PolicySet::new(vec![agreement(KMAR_BPOL)]))
            .audit_file(&path)
            .build()
            .unwrap(),
    );
    let records: Arc<Vec<Record>> = Arc::new((0..10_000).map(|_| small_hit()).collect());
    let threads: Vec<_> = (0..4)
        .map(|t| {
            let kmar = Arc::clone(&kmar);
            let records = Arc::clone(&records);
            std::thread::spawn(move || {
                for r in records.iter().skip(t).step_by(4) {
                    kmar.share_at(r, &id("DEU-BPOL"), &border_control(), now())
                        .unwrap();
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    drop(kmar);
    let report = audit::verify_file(&path).unwrap();
    assert_eq!(report.entries, 10_000);
    assert_eq!(report.torn_tail, None);
    let mut logged: Vec<Uuid> = audit::AuditLog::open(&path)
        .unwrap()
        .entries()
        .unwrap()
        .into_iter()
        .map(|e| e.record.unwrap())
        .collect();
    logged.sort();
    logged.dedup();
    assert_eq!(logged.len(), 10_000);
}

#[test]
fn an_agency_reopens_its_audit_log_and_goes_on() {
    let w = World::new();
    w.hit_for_bpol(30).unwrap();
    let head = w.kmar.audit().head().unwrap();
    let path: &Path = &w.log("NLD-KMAR");
    drop(w.kmar);
    let again = Agency::builder(w.kmar_keys.identity())
        .directory({
            let mut d = Directory::new();
            d.add(w.bpol_keys.card()).unwrap();
            d
        })
        .agreements(PolicySet::new(vec![agreement(KMAR_BPOL)]))
        .audit_file(path)
        .build()
        .unwrap();
    again
        .share_at(
            &watchlist_hit(31),
            &id("DEU-BPOL"),
            &border_control(),
            now(),
        )
        .unwrap();
    let report = audit::verify_file_against(path, &head).unwrap();
    assert_eq!(report.entries, 2);
}
