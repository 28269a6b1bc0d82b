//! A night's watchlist updates: 100,000 records to one partner.
//!
//! The Royal Netherlands Marechaussee (NLD-KMAR) sends 100,000 stolen and
//! lost passport records to the German Federal Police (DEU-BPOL) in one
//! batch, on every core; DEU-BPOL receives and counts them. Both audit logs
//! are files on disk; each batch of entries is written with one flush
//! (group commit). Progress is shown when standard error is a terminal.
//!
//! Run it with `cargo run --release --example bulk_share`.

use std::error::Error;
use std::io::IsTerminal;
use std::time::Instant;

use indicatif::{ProgressBar, ProgressStyle};
use liaison::{Agency, Directory, Identity, Parcel, PolicySet, Purpose, Record, Timestamp};
use time::{Duration, OffsetDateTime};

const RECORDS: usize = 100_000;
const BATCH: usize = 5_000;

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
id = "stolen-and-lost-documents"
effect = "release"
[clause.when]
only_entity_kinds = ["travel-document"]
[clause.release]
classes = ["travel-document"]
[clause.obligations]
retention_days = 180
onward = "with-consent"
"#;

fn main() -> Result<(), Box<dyn Error>> {
    let work = tempfile::tempdir()?;
    let now = OffsetDateTime::now_utc();
    let kmar_keys = Identity::generate(
        "NLD-KMAR",
        now - Duration::days(1),
        now + Duration::days(365),
    )?;
    let bpol_keys = Identity::generate(
        "DEU-BPOL",
        now - Duration::days(1),
        now + Duration::days(365),
    )?;
    let mut partners = Directory::new();
    partners.add(bpol_keys.card())?;
    let agreement = liaison::policy::parse_agreement(
        AGREEMENT,
        liaison::policy::Format::Toml,
        "agreement.toml",
    )?;
    let kmar = Agency::builder(kmar_keys)
        .directory(partners)
        .agreements(PolicySet::new(vec![agreement]))
        .audit_file(work.path().join("nld-kmar.audit.jsonl"))
        .build()?;
    let mut partners = Directory::new();
    partners.add(kmar.card_at(Timestamp::now()).ok_or("no current card")?)?;
    let bpol = Agency::builder(bpol_keys)
        .directory(partners)
        .audit_file(work.path().join("deu-bpol.audit.jsonl"))
        .build()?;

    println!("== Generating {RECORDS} stolen and lost passport records");
    let created = Timestamp::from_offset_date_time(now - Duration::hours(2));
    let records: Vec<Record> = (0..RECORDS)
        .map(|i| passport_record(i, created))
        .collect::<Result<_, _>>()?;
    let bytes: usize = records.iter().map(|r| r.canonical_json().len()).sum();
    println!(
        "   {} records, {:.1} MB of canonical JSON, {} threads",
        records.len(),
        bytes as f64 / 1e6,
        rayon::current_num_threads()
    );

    println!();
    println!("== NLD-KMAR shares them with DEU-BPOL");
    let purpose: Purpose = "border-control".parse()?;
    let bar = progress_bar(RECORDS, "sharing");
    let start = Instant::now();
    let mut parcels: Vec<Parcel> = Vec::with_capacity(RECORDS);
    for chunk in records.chunks(BATCH) {
        for result in kmar.share_batch(chunk, bpol.id(), &purpose) {
            parcels.push(result?);
        }
        bar.inc(chunk.len() as u64);
    }
    bar.finish_and_clear();
    let shared = start.elapsed();
    let parcel_bytes: usize = parcels.iter().map(|p| p.as_bytes().len()).sum();
    println!(
        "   {} parcels ({:.1} MB) in {:.2} s: {:.0} records/s",
        parcels.len(),
        parcel_bytes as f64 / 1e6,
        shared.as_secs_f64(),
        parcels.len() as f64 / shared.as_secs_f64()
    );

    println!();
    println!("== DEU-BPOL receives them");
    let bar = progress_bar(RECORDS, "receiving");
    let start = Instant::now();
    let mut accepted = 0usize;
    let mut refused = 0usize;
    for chunk in parcels.chunks(BATCH) {
        let bytes: Vec<&[u8]> = chunk.iter().map(Parcel::as_bytes).collect();
        for result in bpol.receive_batch_at(&bytes, Timestamp::now()) {
            match result {
                Ok(_) => accepted += 1,
                Err(_) => refused += 1,
            }
        }
        bar.inc(chunk.len() as u64);
    }
    bar.finish_and_clear();
    let received = start.elapsed();
    println!(
        "   {accepted} accepted, {refused} refused in {:.2} s: {:.0} records/s",
        received.as_secs_f64(),
        (accepted + refused) as f64 / received.as_secs_f64()
    );

    println!();
    println!("== The audit logs");
    for (agency, file) in [
        (&kmar, "nld-kmar.audit.jsonl"),
        (&bpol, "deu-bpol.audit.jsonl"),
    ] {
        let start = Instant::now();
        let report = liaison::audit::verify_file(work.path().join(file))?;
        println!(
            "   {}: {} entries, chain intact (verified in {:.2} s)",
            agency.id(),
            report.entries,
            start.elapsed().as_secs_f64()
        );
    }
    if accepted != RECORDS {
        return Err(format!("{accepted} of {RECORDS} parcels were accepted").into());
    }
    Ok(())
}

/// A progress bar on standard error when it is a terminal, hidden otherwise.
fn progress_bar(total: usize, what: &'static str) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(total as u64);
    if let Ok(style) =
        ProgressStyle::with_template("   {msg} {bar:40} {pos}/{len} ({per_sec}, {eta} left)")
    {
        bar.set_style(style);
    }
    bar.set_message(what);
    bar
}

fn passport_record(i: usize, created: Timestamp) -> Result<Record, Box<dyn Error>> {
    let number = format!("NX{i:07}");
    let document = liaison::record::ids::travel_document_id(
        "NLD".parse()?,
        liaison::record::DocumentType::Passport,
        &number,
    );
    let status = if i.is_multiple_of(3) {
        "lost"
    } else {
        "stolen"
    };
    let json = format!(
        r#"{{"schema_version":"1.0","id":"{id}","version":1,"originator":"NLD-KMAR",
  "created":"{created}","modified":"{created}",
  "marking":{{"classification":"restricted","tlp":"amber","purposes":["border-control"]}},
  "entities":[{{"kind":"travel-document","id":"{document}","document_type":"passport",
    "issuing_state":"NLD","number":"{number}","status":"{status}"}}]}}"#,
        id = uuid::Uuid::new_v4(),
    );
    Ok(Record::from_json(json.as_bytes())?)
}
