//! A trusted partner's parcel with its label and payload edited (or made of
//! arbitrary bytes), sealed and signed by that partner, never makes
//! receiving panic; when it is accepted, the payload is the record's
//! canonical form and the label is the one the sender writes for it; when
//! the label is not a label, the receipt's audit entry names no parcel.
//!
//! The input's first byte chooses the form: even, the rest is a list of
//! edits (three bytes each: where, and which byte to write, insert or
//! delete) applied to the label and payload of a parcel shared once at
//! start; odd, two bytes give the label's length, then the label, then the
//! payload.
#![no_main]

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use liaison::audit::AuditLog;
use liaison::{Agency, AgencyId, Directory, Identity, PolicySet, Purpose, Record, Timestamp};

const AGREEMENT: &str = include_str!("../../examples/agreements/nld-kmar.deu-bpol.border-security.toml");
const RECORD: &[u8] = include_bytes!("../../examples/records/watchlist-hit.json");

struct World {
    kmar: Identity,
    kmar_card: liaison_envelope::Card,
    bpol: Identity,
    label: Vec<u8>,
    payload: Vec<u8>,
}

fn identity(agency: &str) -> Identity {
    let from = time::OffsetDateTime::from_unix_timestamp(1_767_225_600).expect("2026-01-01");
    let to = time::OffsetDateTime::from_unix_timestamp(1_830_297_600).expect("2028-01-01");
    Identity::generate(agency, from, to).expect("an identity")
}

fn at() -> Timestamp {
    "2026-11-26T09:00:00.000Z".parse().expect("a time")
}

static WORLD: LazyLock<World> = LazyLock::new(|| {
    let (kmar, bpol) = (identity("NLD-KMAR"), identity("DEU-BPOL"));
    let agreement = liaison::policy::parse_agreement(
        AGREEMENT,
        liaison::policy::Format::Toml,
        "agreement.toml",
    )
    .expect("the sample agreement");
    let mut directory = Directory::new();
    directory.add(bpol.card()).expect("a card");
    let sender_keys = Identity::from_json(&kmar.to_json()).expect("the identity reads back");
    let sender = Agency::builder(sender_keys)
        .directory(directory)
        .agreements(PolicySet::new(vec![agreement]))
        .audit_log(AuditLog::in_memory())
        .build()
        .expect("the sender");
    let record = Record::from_json(RECORD).expect("the sample record");
    let to: AgencyId = "DEU-BPOL".parse().expect("an agency");
    let purpose: Purpose = "border-control".parse().expect("a purpose");
    let parcel = sender
        .share_at(&record, &to, &purpose, at())
        .expect("the sample record is released");
    let opened = liaison_envelope::open(
        parcel.as_bytes(),
        &bpol,
        &[kmar.card()],
        at().to_offset_date_time(),
    )
    .expect("the parcel opens");
    World {
        kmar_card: kmar.card(),
        kmar,
        bpol,
        label: opened.label,
        payload: opened.payload,
    }
});

/// Applies three-byte edits: the first byte's low bit picks the label or
/// the payload and its next two bits the operation (write, insert, delete);
/// the second byte is the position (scaled to the length), the third the
/// byte written or inserted.
fn edit(label: &mut Vec<u8>, payload: &mut Vec<u8>, edits: &[u8]) {
    for e in edits.chunks_exact(3) {
        let [op, pos, byte] = [e[0], e[1], e[2]];
        let target = if op & 1 == 0 { &mut *label } else { &mut *payload };
        let at = usize::from(pos) * target.len() / 256;
        match (op >> 1) & 3 {
            0 | 3 if at < target.len() => target[at] = byte,
            1 => target.insert(at.min(target.len()), byte),
            2 if at < target.len() => {
                target.remove(at);
            }
            _ => {}
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let world = &*WORLD;
    let Some((&form, rest)) = data.split_first() else {
        return;
    };
    let (label, payload) = if form & 1 == 0 {
        let (mut label, mut payload) = (world.label.clone(), world.payload.clone());
        edit(&mut label, &mut payload, rest);
        (label, payload)
    } else {
        let Some((len, rest)) = rest.split_first_chunk::<2>() else {
            return;
        };
        let len = usize::from(u16::from_be_bytes(*len)).min(rest.len());
        let (label, payload) = rest.split_at(len);
        (label.to_vec(), payload.to_vec())
    };
    let Ok(sealed) = liaison_envelope::Sealer::new(&world.kmar)
        .recipient(&world.bpol.card())
        .label(&label)
        .at(at().to_offset_date_time())
        .seal(&payload)
    else {
        return;
    };

    let mut directory = Directory::new();
    directory.add(world.kmar_card.clone()).expect("a card");
    let bpol = Identity::from_json(&world.bpol.to_json()).expect("the identity reads back");
    let receiver = Agency::builder(bpol)
        .directory(directory)
        .audit_log(AuditLog::in_memory())
        .build()
        .expect("the receiver");
    match receiver.receive_at(&sealed, at()) {
        Ok(received) => {
            assert_eq!(received.record.canonical_json(), payload, "payload not canonical");
            if label != world.label {
                // Only the sender's own members may differ from the
                // genuine label: the parcel id, the sealing time and the
                // checkpoint.
                let ours: serde_json::Value = serde_json::from_slice(&label).expect("json");
                let genuine: serde_json::Value =
                    serde_json::from_slice(&world.label).expect("json");
                for member in ["from", "to", "type", "v", "marking", "obligations"] {
                    if payload == world.payload {
                        assert_eq!(ours[member], genuine[member], "{member} accepted changed");
                    }
                }
            }
        }
        Err(liaison::ReceiveError::BadLabel { .. }) => {
            let entries = receiver.audit().entries().expect("entries");
            let last = entries.last().expect("the refusal is logged");
            assert_eq!(last.parcel, None, "a label that is not a label named a parcel");
        }
        Err(_) => {}
    }
});
