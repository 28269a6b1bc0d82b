//! A partner rotates its keys.
//!
//! The German Federal Police (DEU-BPOL) replaces its key pair every year,
//! with a month of overlap. The Royal Netherlands Marechaussee (NLD-KMAR)
//! holds both of its cards. A parcel sealed before the rotation still opens
//! afterwards (DEU-BPOL keeps its old key for that); parcels made after the
//! new card took effect use the new key; and once the old card's window has
//! closed, nothing is sealed to it any more: a sender that missed the
//! rotation is refused and told to fetch the current card, and a parcel
//! that claims to have been sealed to the old key after its window is
//! refused on receipt.
//!
//! Run it with `cargo run --release --example key_rotation`.

use std::error::Error;

use liaison::audit::AuditLog;
use liaison::{Agency, Directory, Identity, Parcel, PolicySet, Purpose, Record, Timestamp};
use time::macros::datetime;

const AGREEMENT: &str = r#"
id = "nld-kmar.deu-bpol.documents"
version = 1
provider = "NLD-KMAR"
recipients = ["DEU-BPOL"]
valid_from = 2026-01-01T00:00:00Z
legal_basis = "Prüm Convention art. 39"
purposes = ["border-control"]
max_classification = "restricted"

[[clause]]
id = "stolen-documents"
effect = "release"
[clause.when]
entity_kinds = ["travel-document"]
[clause.release]
classes = ["travel-document", "alert"]
[clause.obligations]
retention_days = 180
"#;

fn main() -> Result<(), Box<dyn Error>> {
    let at = |s: &str| s.parse::<Timestamp>();
    let border_control: Purpose = "border-control".parse()?;

    println!("== DEU-BPOL's keys");
    let bpol_2026 = Identity::generate(
        "DEU-BPOL",
        datetime!(2026-01-01 0:00 UTC),
        datetime!(2026-07-01 0:00 UTC),
    )?;
    let bpol_2027 = Identity::generate(
        "DEU-BPOL",
        datetime!(2026-06-01 0:00 UTC),
        datetime!(2027-07-01 0:00 UTC),
    )?;
    for (name, card) in [("old", bpol_2026.card()), ("new", bpol_2027.card())] {
        println!(
            "   {name} card: key {} valid {} to {}",
            card.encryption_key_id(),
            Timestamp::from_offset_date_time(card.not_before()),
            Timestamp::from_offset_date_time(card.not_after())
        );
    }
    let (old_card, new_card) = (bpol_2026.card(), bpol_2027.card());

    let kmar_keys = Identity::generate(
        "NLD-KMAR",
        datetime!(2026-01-01 0:00 UTC),
        datetime!(2027-12-31 0:00 UTC),
    )?;
    let kmar_card = kmar_keys.card();
    // Copies of two identities, for the hand-made parcel at the end.
    let kmar_copy = Identity::from_json(&kmar_keys.to_json())?;
    let bpol_new_copy = Identity::from_json(&bpol_2027.to_json())?;
    let mut kmar_partners = Directory::new();
    kmar_partners.add(old_card.clone())?;
    kmar_partners.add(new_card.clone())?;
    let agreements = || -> Result<PolicySet, Box<dyn Error>> {
        let a = liaison::policy::parse_agreement(
            AGREEMENT,
            liaison::policy::Format::Toml,
            "agreement.toml",
        )?;
        Ok(PolicySet::new(vec![a]))
    };
    let kmar = Agency::builder(kmar_keys)
        .directory(kmar_partners)
        .agreements(agreements()?)
        .audit_log(AuditLog::in_memory())
        .build()?;
    let mut bpol_partners = Directory::new();
    bpol_partners.add(kmar_card.clone())?;
    let bpol = Agency::builder(bpol_2026)
        .identity(bpol_2027)
        .directory(bpol_partners)
        .audit_log(AuditLog::in_memory())
        .build()?;

    println!();
    println!("== NLD-KMAR shares a stolen passport alert in April, and another in June");
    let april = kmar.share_at(
        &stolen_passport("2026-04-10T08:00:00.000Z", "NX1111111")?,
        bpol.id(),
        &border_control,
        at("2026-04-10T09:00:00.000Z")?,
    )?;
    let june = kmar.share_at(
        &stolen_passport("2026-06-15T08:00:00.000Z", "NX2222222")?,
        bpol.id(),
        &border_control,
        at("2026-06-15T09:00:00.000Z")?,
    )?;
    println!("   April parcel sealed to key {}", sealed_to(&april)?);
    println!(
        "   June parcel sealed to key  {} (the newest valid card)",
        sealed_to(&june)?
    );

    println!();
    println!("== In August, after the old card expired, DEU-BPOL opens both");
    let august = at("2026-08-01T09:00:00.000Z")?;
    for (name, parcel) in [("April", &april), ("June", &june)] {
        let received = bpol.receive_at(parcel.as_bytes(), august)?;
        println!(
            "   {name} parcel: accepted, record {} sealed at {}",
            received.record.id, received.sealed_at
        );
    }

    println!();
    println!("== A sender that missed the rotation (it holds only the old card)");
    let stale_keys = Identity::generate(
        "NLD-KMAR",
        datetime!(2026-01-01 0:00 UTC),
        datetime!(2027-12-31 0:00 UTC),
    )?;
    let mut stale_partners = Directory::new();
    stale_partners.add(old_card.clone())?;
    let stale = Agency::builder(stale_keys)
        .directory(stale_partners)
        .agreements(agreements()?)
        .audit_log(AuditLog::in_memory())
        .build()?;
    match stale.share_at(
        &stolen_passport("2026-07-30T08:00:00.000Z", "NX3333333")?,
        bpol.id(),
        &border_control,
        august,
    ) {
        Ok(_) => return Err("a parcel for a retired key should have been refused".into()),
        Err(e) => println!("   refused: {e}"),
    }

    println!();
    println!("== A parcel sealed to the old key in August, by a sender whose clock says May");
    // Only software other than Liaison makes such a parcel: the label (which
    // records the real sealing time) and the envelope's own card check
    // disagree. It is built here by hand from a genuine parcel's label.
    let genuine = kmar.share_at(
        &stolen_passport("2026-07-30T08:00:00.000Z", "NX4444444")?,
        bpol.id(),
        &border_control,
        august,
    )?;
    let opened = liaison_envelope::open(
        genuine.as_bytes(),
        &bpol_new_copy,
        &[kmar_card],
        august.to_offset_date_time(),
    )?;
    let forged = liaison_envelope::Sealer::new(&kmar_copy)
        .recipient(&old_card)
        .label(&opened.label)
        .at(datetime!(2026-05-01 0:00 UTC))
        .seal(&opened.payload)?;
    match bpol.receive_at(&forged, august) {
        Ok(_) => return Err("a parcel sealed to a retired key should have been refused".into()),
        Err(e) => println!("   refused: {e}"),
    }

    println!();
    let report = bpol.audit().verify()?;
    println!(
        "== DEU-BPOL's audit log: {} entries, chain intact",
        report.entries
    );
    for e in bpol.audit().entries()? {
        println!(
            "   #{} {} {} parcel {}",
            e.seq,
            word(&e.kind),
            word(&e.outcome),
            e.parcel
                .map(|p| p.to_string())
                .unwrap_or_else(|| "-".into())
        );
    }
    Ok(())
}

/// The key id a parcel is sealed to, as anyone can read it.
fn sealed_to(parcel: &Parcel) -> Result<String, Box<dyn Error>> {
    let inspection = liaison_envelope::inspect(parcel.as_bytes())?;
    Ok(inspection
        .recipients
        .first()
        .and_then(|r| r.key_id)
        .map(|k| k.to_string())
        .unwrap_or_default())
}

fn stolen_passport(created: &str, number: &str) -> Result<Record, Box<dyn Error>> {
    let country = "NLD".parse()?;
    let document = liaison::record::ids::travel_document_id(
        country,
        liaison::record::DocumentType::Passport,
        number,
    );
    let json = format!(
        r#"{{"schema_version":"1.0","id":"{id}","version":1,"originator":"NLD-KMAR",
  "created":"{created}","modified":"{created}",
  "marking":{{"classification":"restricted","tlp":"amber"}},
  "entities":[{{"kind":"travel-document","id":"{document}","document_type":"passport",
    "issuing_state":"NLD","number":"{number}","status":"stolen"}}]}}"#,
        id = uuid::Uuid::new_v4(),
    );
    Ok(Record::from_json(json.as_bytes())?)
}

/// A value's JSON word (`receipt`, `accepted`).
fn word<T: serde::Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => s,
        _ => "?".to_owned(),
    }
}
