//! Three agencies, one watchlist hit.
//!
//! The Royal Netherlands Marechaussee (NLD-KMAR) stops a traveller at
//! Schiphol who is the subject of a discreet-check alert. It shares the hit
//! with the German Federal Police (DEU-BPOL) under their bilateral
//! border-security agreement: biometrics, the narrative and internal case
//! data are withheld, and the copy travels with its obligations. DEU-BPOL
//! receives it and reads those obligations. DEU-BPOL then tries to pass the
//! record on to the Polish Border Guard (POL-SG) under its own agreement
//! with Poland, and is refused: the KMar said "no onward sharing", and the
//! third-party rule holds along the chain. Both audit logs verify.
//!
//! Run it with `cargo run --release --example cross_border`.

use std::error::Error;
use std::fs;
use std::path::{Path, PathBuf};

use liaison::audit::{self, AuditEntry};
use liaison::{Agency, AgencyId, Directory, Identity, Purpose, Record, ShareError, Timestamp};
use time::{Duration, OffsetDateTime};

fn main() -> Result<(), Box<dyn Error>> {
    let work = tempfile::tempdir()?;
    let now = OffsetDateTime::now_utc();
    let agreements = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/agreements");

    println!("== Three agencies, each with its own keys, partners and agreements");
    let kmar_id = Identity::generate(
        "NLD-KMAR",
        now - Duration::days(30),
        now + Duration::days(335),
    )?;
    let bpol_id = Identity::generate(
        "DEU-BPOL",
        now - Duration::days(30),
        now + Duration::days(335),
    )?;
    let polsg_id = Identity::generate(
        "POL-SG",
        now - Duration::days(30),
        now + Duration::days(335),
    )?;
    let (kmar_card, bpol_card, polsg_card) = (kmar_id.card(), bpol_id.card(), polsg_id.card());

    let kmar = Agency::builder(kmar_id)
        .directory(partner_folder(work.path(), "nld-kmar", &[&bpol_card])?)
        .agreements(liaison::load_agreements(&[
            agreements.join("nld-kmar.deu-bpol.border-security.toml")
        ])?)
        .audit_file(work.path().join("nld-kmar.audit.jsonl"))
        .build()?;
    let bpol = Agency::builder(bpol_id)
        .directory(partner_folder(
            work.path(),
            "deu-bpol",
            &[&kmar_card, &polsg_card],
        )?)
        .agreements(liaison::load_agreements(&[
            agreements.join("deu-bpol.pol-sg.alerts.json")
        ])?)
        .audit_file(work.path().join("deu-bpol.audit.jsonl"))
        .build()?;
    for agency in [&kmar, &bpol] {
        println!(
            "   {}: partners {:?}, agreements {:?}",
            agency.id(),
            agency
                .directory()
                .partners()
                .map(AgencyId::as_str)
                .collect::<Vec<_>>(),
            agency
                .policies()
                .agreements()
                .map(|a| a.id.as_str())
                .collect::<Vec<_>>()
        );
    }
    println!("   POL-SG: partners [\"DEU-BPOL\"] (it holds no agreement with the KMar)");

    println!();
    println!("== NLD-KMAR: a watchlist hit at Schiphol");
    let record = watchlist_hit(now)?;
    println!(
        "   record {} ({}, TLP:{}) with {} entities: {}",
        record.id,
        word(&record.marking.classification),
        word(&record.marking.tlp),
        record.entities.len(),
        record
            .entities
            .iter()
            .map(|e| word(&e.kind()))
            .collect::<Vec<_>>()
            .join(", ")
    );

    println!();
    println!("== NLD-KMAR shares it with DEU-BPOL for border control");
    let border_control: Purpose = "border-control".parse()?;
    let parcel = kmar.share(&record, bpol.id(), &border_control)?;
    println!(
        "   parcel {} sealed for DEU-BPOL: {} bytes, released copy digest {}",
        parcel.id(),
        parcel.as_bytes().len(),
        parcel.record_digest()
    );

    println!();
    println!("== DEU-BPOL receives it");
    let received = bpol.receive(parcel.as_bytes())?;
    println!(
        "   from {} under agreement `{}` version {}, for `{}`",
        received.from, received.agreement.id, received.agreement.version, received.purpose
    );
    println!(
        "   {} entities arrived: {}",
        received.record.entities.len(),
        received
            .record
            .entities
            .iter()
            .map(|e| word(&e.kind()))
            .collect::<Vec<_>>()
            .join(", ")
    );
    println!("   withheld by the KMar: {}", received.withheld.join(", "));
    // The obligations DEU-BPOL must respect, in their own words.
    for line in received.obligations.to_string().lines() {
        println!("   {line}");
    }

    println!();
    println!("== DEU-BPOL tries to pass it on to POL-SG");
    match bpol.share(&received.record, &"POL-SG".parse()?, &border_control) {
        Ok(_) => return Err("the onward release should have been refused".into()),
        Err(ShareError::Refused { refusal }) => {
            println!("   refused (decision {}):", refusal.decision.id);
            for reason in refusal.reasons() {
                println!("     - {reason}");
            }
        }
        Err(other) => return Err(other.into()),
    }

    println!();
    println!("== The audit logs");
    for (agency, file) in [
        (&kmar, "nld-kmar.audit.jsonl"),
        (&bpol, "deu-bpol.audit.jsonl"),
    ] {
        let path = work.path().join(file);
        let report = audit::verify_file(&path)?;
        println!(
            "   {}: {} {}, chain intact, head {}",
            agency.id(),
            report.entries,
            if report.entries == 1 {
                "entry"
            } else {
                "entries"
            },
            report.head.map(|h| h.hash).unwrap_or_default()
        );
        for entry in agency.audit().entries()? {
            println!("     {}", describe(&entry));
        }
    }
    println!();
    println!("   The release and the receipt name the same parcel and digest, so the two");
    println!("   agencies can check each other's logs; neither log holds the record's content.");
    Ok(())
}

/// Writes the cards into the agency's partner folder and loads it.
fn partner_folder(
    work: &Path,
    agency: &str,
    cards: &[&liaison::Card],
) -> Result<Directory, Box<dyn Error>> {
    let folder: PathBuf = work.join(agency).join("partners");
    fs::create_dir_all(&folder)?;
    for card in cards {
        fs::write(
            folder.join(format!("{}.card.json", card.agency_id())),
            card.to_json(),
        )?;
    }
    Ok(Directory::load(&folder)?)
}

fn describe(e: &AuditEntry) -> String {
    format!(
        "#{} {} {} {} {}{}",
        e.seq,
        word(&e.kind),
        word(&e.outcome),
        e.counterparty.as_ref().map(AgencyId::as_str).unwrap_or("-"),
        e.record.map(|r| format!("record {r}")).unwrap_or_default(),
        e.parcel.map(|p| format!(" parcel {p}")).unwrap_or_default()
    )
}

/// A value's JSON word (`person`, `restricted`, `must-not`).
fn word<T: serde::Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => s,
        _ => "?".to_owned(),
    }
}

fn watchlist_hit(now: OffsetDateTime) -> Result<Record, Box<dyn Error>> {
    let t = |ago: Duration| Timestamp::from_offset_date_time(now - ago).to_string();
    let json = format!(
        r#"{{
  "schema_version": "1.0",
  "id": "{id}",
  "version": 1,
  "originator": "NLD-KMAR",
  "created": "{created}",
  "modified": "{created}",
  "marking": {{
    "classification": "restricted",
    "tlp": "green",
    "releasable_to": ["DEU", "POL"],
    "legal_basis": "Regulation (EU) 2018/1862, Article 36",
    "purposes": ["border-control", "criminal-investigation"]
  }},
  "assessment": {{ "source_reliability": "B", "information_credibility": "2", "confidence": 80 }},
  "entities": [
    {{ "kind": "person", "id": "d23f0824-128b-4f33-8c5c-7fd0a6a3a450",
       "names": [{{ "given": "Pieter Jan", "family": "de Vries", "script": "Latn" }}],
       "date_of_birth": "1987-03", "sex": "male", "nationalities": ["NLD"], "place_of_birth": "Rotterdam" }},
    {{ "kind": "travel-document", "id": "f87ddeae-fe51-526e-b78f-395be7e0257e",
       "document_type": "passport", "issuing_state": "NLD", "number": "NX4R81KF6",
       "issued_on": "2019-05-14", "expires_on": "2029-05-13", "status": "valid" }},
    {{ "kind": "biometric", "id": "9531985d-5d9d-49f8-9818-e811892f902b", "modality": "face",
       "format": "ISO/IEC 19794-5",
       "sha256": "3f1c0e5a9b7d2c4e6f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6",
       "pointer": "https://bio.kmar.example.nl/samples/2026/118734" }},
    {{ "kind": "alert", "id": "36f675cc-81e7-4ef5-a8e2-5d940ed90475", "issuing_authority": "NLD-KMAR",
       "category": "sis-article-36", "action": "discreet-check", "reference": "SIS-NL-2026-0048211",
       "valid_from": "{alert_from}" }},
    {{ "kind": "location", "id": "8d116ece-1738-47d9-bd9c-172411e20b8f",
       "name": "Schiphol Airport, border crossing point", "country": "NLD", "locode": "NLAMS" }},
    {{ "kind": "encounter", "id": "6b0d549b-6f03-475a-9600-a35a099950d8", "encounter_type": "border-exit",
       "at": "{seen}", "location": "8d116ece-1738-47d9-bd9c-172411e20b8f", "observed_by": "NLD-KMAR",
       "outcome": "no-action" }}
  ],
  "relationships": [
    {{ "source": "d23f0824-128b-4f33-8c5c-7fd0a6a3a450", "relationship": "holder-of",
       "target": "f87ddeae-fe51-526e-b78f-395be7e0257e" }},
    {{ "source": "9531985d-5d9d-49f8-9818-e811892f902b", "relationship": "biometric-of",
       "target": "d23f0824-128b-4f33-8c5c-7fd0a6a3a450" }},
    {{ "source": "d23f0824-128b-4f33-8c5c-7fd0a6a3a450", "relationship": "subject-of",
       "target": "36f675cc-81e7-4ef5-a8e2-5d940ed90475" }}
  ],
  "narrative": [{{ "lang": "en", "text": "Discreet check hit on departure to Frankfurt; no action taken as the alert requests." }}],
  "source": {{ "source_type": "observation", "reference": "KMAR-SPL-2026-118734" }}
}}"#,
        id = uuid::Uuid::new_v4(),
        created = t(Duration::minutes(20)),
        alert_from = t(Duration::days(60)),
        seen = t(Duration::minutes(45)),
    );
    Ok(Record::from_json(json.as_bytes())?)
}
