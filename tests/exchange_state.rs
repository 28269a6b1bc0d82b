//! Nothing recorded that did not happen, nothing happening unrecorded: each
//! failure point of receive and share, and no record content in the log.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "test code: a failing unwrap is a failing test"
)]

mod common;

use std::io;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use common::{Pair, now, parcels, receiver};
use liaison::audit::{
    AuditError, AuditLog, AuditOutcome, AuditStore, ChainHead, EntryKind, MemoryStore, Step,
    StoredLines,
};
use liaison::{
    Agency, Delivery, Directory, FileDelivery, Parcel, ReceiveError, Received, ShareError,
};

fn received_json(received: &Received) -> io::Result<Vec<u8>> {
    serde_json::to_vec(received).map_err(io::Error::other)
}

fn parcel_bytes(parcel: &Parcel) -> io::Result<Vec<u8>> {
    Ok(parcel.as_bytes().to_vec())
}

#[test]
fn a_replay_window_longer_than_the_maximum_is_refused_at_build() {
    let pair = Pair::new();
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("bpol.jsonl").to_string_lossy().into_owned();
    for window in [
        time::Duration::days(4_294_967_295),
        liaison::MAX_REPLAY_WINDOW + time::Duration::days(1),
        time::Duration::days(-1),
    ] {
        let err = Agency::builder(common::identity(&pair.bpol))
            .audit_location(log.as_str())
            .replay_window(window)
            .build()
            .unwrap_err();
        assert!(
            matches!(
                err,
                liaison::SetupError::ReplayWindow { max_days: 3650, .. }
            ),
            "{err}"
        );
    }
    // The longest window allowed receives without overflow.
    let mut d = Directory::new();
    d.add(common::identity(&pair.kmar).card()).unwrap();
    let agency = Agency::builder(common::identity(&pair.bpol))
        .directory(d)
        .audit_location(log.as_str())
        .replay_window(liaison::MAX_REPLAY_WINDOW)
        .build()
        .unwrap();
    let parcel = &parcels(&pair, 1, now())[0];
    agency.receive_at(parcel, now()).unwrap();
}

#[test]
fn an_unwritable_output_accepts_nothing_and_a_retry_works() {
    let pair = Pair::new();
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("bpol.jsonl").to_string_lossy().into_owned();
    let agency = receiver(&pair.bpol, &pair.kmar, &log);
    let parcel = &parcels(&pair, 1, now())[0];

    let missing = dir.path().join("no-such-folder").join("record.json");
    let mut delivery = FileDelivery::new(&missing, true, received_json);
    let err = agency
        .receive_into_at(parcel, now(), &mut delivery)
        .unwrap_err();
    assert!(matches!(err, ReceiveError::Output { .. }), "{err}");
    let entries = agency.audit().entries().unwrap();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].outcome, AuditOutcome::Refused);
    assert_eq!(entries[0].reasons, vec!["output-not-written".to_owned()]);

    // The retry is accepted, and the record is in place, mode 0600.
    let dest = dir.path().join("record.json");
    let mut delivery = FileDelivery::new(&dest, true, received_json);
    let received = agency
        .receive_into_at(parcel, now(), &mut delivery)
        .unwrap();
    let written: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&dest).unwrap()).unwrap();
    assert_eq!(written["parcel"], received.parcel.to_string());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&dest).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    assert_eq!(
        agency.audit().entries().unwrap()[1].outcome,
        AuditOutcome::Accepted
    );
    // And only once.
    let again = dir.path().join("again.json");
    let mut delivery = FileDelivery::new(&again, true, received_json);
    let err = agency
        .receive_into_at(parcel, now(), &mut delivery)
        .unwrap_err();
    assert!(matches!(err, ReceiveError::Replayed { .. }), "{err}");
    assert!(!again.exists());
    assert!(liaison::files::leftovers(&again).unwrap().is_empty());
}

/// A store that fails as a full disk does, while `full` is set.
#[derive(Debug)]
struct FullDisk {
    inner: MemoryStore,
    full: Arc<AtomicBool>,
}

impl AuditStore for FullDisk {
    fn transact(&mut self, step: &mut Step<'_>) -> Result<Option<ChainHead>, AuditError> {
        if self.full.load(Ordering::SeqCst) {
            return Err(AuditError::Store {
                source: io::Error::new(io::ErrorKind::StorageFull, "no space left on device"),
            });
        }
        self.inner.transact(step)
    }

    fn lines(&self) -> io::Result<StoredLines<'_>> {
        self.inner.lines()
    }
}

fn agency_on_full_disk(pair: &Pair, full: &Arc<AtomicBool>) -> Agency {
    let mut d = Directory::new();
    d.add(common::identity(&pair.kmar).card()).unwrap();
    let store = FullDisk {
        inner: MemoryStore::new(),
        full: Arc::clone(full),
    };
    Agency::builder(common::identity(&pair.bpol))
        .directory(d)
        .audit_log(AuditLog::with_store(store).unwrap())
        .build()
        .unwrap()
}

#[test]
fn a_full_disk_accepts_nothing_delivers_nothing_and_a_retry_works() {
    let pair = Pair::new();
    let full = Arc::new(AtomicBool::new(true));
    let agency = agency_on_full_disk(&pair, &full);
    let parcel = &parcels(&pair, 1, now())[0];
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("record.json");

    let mut delivery = FileDelivery::new(&dest, true, received_json);
    let err = agency
        .receive_into_at(parcel, now(), &mut delivery)
        .unwrap_err();
    assert!(matches!(err, ReceiveError::Audit { .. }), "{err}");
    drop(delivery);
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    assert!(
        !agency
            .audit()
            .is_accepted(&"NLD-KMAR".parse().unwrap(), &uuid::Uuid::nil())
            .unwrap_or(false)
    );

    full.store(false, Ordering::SeqCst);
    let mut delivery = FileDelivery::new(&dest, true, received_json);
    agency
        .receive_into_at(parcel, now(), &mut delivery)
        .unwrap();
    assert!(dest.exists());
    assert_eq!(agency.audit().len(), 1);
}

/// A delivery that stages the output and then "crashes": the process
/// would die before the rename, leaving the staged file behind.
struct CrashBeforeRename(FileDelivery<Received>, std::path::PathBuf);

impl Delivery<Received> for CrashBeforeRename {
    fn stage(&mut self, item: &Received) -> io::Result<()> {
        self.0.stage(item)?;
        // What the killed process leaves: the staged file, unlocked.
        let mut staged = liaison::files::StagedFile::create(&self.1, true)?;
        std::io::Write::write_all(&mut staged, &received_json(item)?)?;
        staged.sync()?;
        staged.keep();
        Ok(())
    }

    fn commit(&mut self) -> io::Result<()> {
        Err(io::Error::other("killed"))
    }
}

#[test]
fn a_crash_between_the_record_and_the_rename_keeps_the_record() {
    let pair = Pair::new();
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("bpol.jsonl").to_string_lossy().into_owned();
    let agency = receiver(&pair.bpol, &pair.kmar, &log);
    let parcel = &parcels(&pair, 1, now())[0];
    let dest = dir.path().join("record.json");
    let mut delivery =
        CrashBeforeRename(FileDelivery::new(&dest, true, received_json), dest.clone());
    let err = agency
        .receive_into_at(parcel, now(), &mut delivery)
        .unwrap_err();
    assert!(matches!(err, ReceiveError::NotDelivered { .. }), "{err}");
    drop(delivery);
    // Recorded and remembered (in the log's file, across a restart) ...
    let rebuilt = receiver(&pair.bpol, &pair.kmar, &log);
    let err = rebuilt.receive_at(parcel, now()).unwrap_err();
    assert!(matches!(err, ReceiveError::Replayed { .. }), "{err}");
    // ... and the record is not lost: the staged file is found, and holds
    // the accepted parcel, for the next run to put in place.
    let leftovers = liaison::files::leftovers(&dest).unwrap();
    assert_eq!(leftovers.len(), 1);
    let staged: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&leftovers[0]).unwrap()).unwrap();
    let id: uuid::Uuid = staged["parcel"].as_str().unwrap().parse().unwrap();
    let from: liaison::AgencyId = staged["from"].as_str().unwrap().parse().unwrap();
    assert!(rebuilt.audit().is_accepted(&from, &id).unwrap());
}

#[test]
fn a_release_is_recorded_only_once_its_parcel_is_written() {
    let pair = Pair::new();
    let sender = pair.sender();
    let dir = tempfile::tempdir().unwrap();
    let to = "DEU-BPOL".parse().unwrap();
    let purpose = "border-control".parse().unwrap();
    let record = common::record("Vries");

    let missing = dir.path().join("nodir").join("p.parcel");
    let mut delivery = FileDelivery::new(&missing, false, parcel_bytes);
    let err = sender
        .share_into_at(&record, &to, &purpose, now(), &mut delivery)
        .unwrap_err();
    assert!(matches!(err, ShareError::Output { .. }), "{err}");
    let entries = sender.audit().entries().unwrap();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].kind, EntryKind::Refusal);
    assert_eq!(entries[0].outcome, AuditOutcome::Failed);
    assert_eq!(entries[0].parcel, None);

    let dest = dir.path().join("p.parcel");
    let mut delivery = FileDelivery::new(&dest, false, parcel_bytes);
    let parcel = sender
        .share_into_at(&record, &to, &purpose, now(), &mut delivery)
        .unwrap();
    assert_eq!(std::fs::read(&dest).unwrap(), parcel.as_bytes());
    let entries = sender.audit().entries().unwrap();
    assert_eq!(entries[1].kind, EntryKind::Release);
    assert_eq!(entries[1].parcel, Some(parcel.id()));
}

/// Records whose every free-text string is a unique marker, shared,
/// refused, received, and received broken: no marker reaches either log.
#[test]
fn no_record_content_reaches_the_audit_log() {
    let pair = Pair::new();
    let dir = tempfile::tempdir().unwrap();
    let kmar_log = dir.path().join("kmar.jsonl");
    let bpol_log = dir.path().join("bpol.jsonl");
    let mut d = Directory::new();
    d.add(common::identity(&pair.bpol).card()).unwrap();
    let agreement = liaison::policy::parse_agreement(
        common::AGREEMENT,
        liaison::policy::Format::Toml,
        "test.toml",
    )
    .unwrap();
    let sender = Agency::builder(common::identity(&pair.kmar))
        .directory(d)
        .agreements(liaison::PolicySet::new(vec![agreement]))
        .audit_file(&kmar_log)
        .build()
        .unwrap();
    let bpol = receiver(&pair.bpol, &pair.kmar, &bpol_log.to_string_lossy());
    let markers: Vec<String> = (0..11)
        .map(|i| format!("MRK{}{i}", uuid::Uuid::new_v4().simple()))
        .collect();
    let json = format!(
        r#"{{"schema_version":"1.0","id":"{}","version":1,"originator":"NLD-KMAR",
  "created":"2026-11-20T06:41:12.000Z","modified":"2026-11-20T06:41:12.000Z",
  "marking":{{"classification":"restricted","tlp":"amber"}},
  "entities":[{{"kind":"person","id":"{}","names":[{{"given":"{}","family":"{}"}}],
    "aliases":["{}"]}}],
  "source":{{"source_type":"human","reference":"{}"}}}}"#,
        uuid::Uuid::new_v4(),
        uuid::Uuid::new_v4(),
        markers[0],
        markers[1],
        markers[2],
        markers[3],
    );
    let record = liaison::Record::from_json(json.as_bytes()).unwrap();
    let to = "DEU-BPOL".parse().unwrap();
    let parcel = sender
        .share_at(&record, &to, &"border-control".parse().unwrap(), now())
        .unwrap();
    // Refused shares: a purpose no agreement covers, a partner unknown.
    sender
        .share_at(&record, &to, &"tax-collection".parse().unwrap(), now())
        .unwrap_err();
    sender
        .share_at(
            &record,
            &"FRA-PAF".parse().unwrap(),
            &"border-control".parse().unwrap(),
            now(),
        )
        .unwrap_err();
    sender
        .decide_at(&record, &to, &"tax-collection".parse().unwrap(), now())
        .unwrap();
    bpol.receive_at(parcel.as_bytes(), now()).unwrap();
    bpol.receive_at(parcel.as_bytes(), now()).unwrap_err();

    // The same parcel resealed with an invalid record whose bad values are
    // markers: validation messages quote values, the log must not.
    let opened = liaison_envelope::open(
        parcel.as_bytes(),
        &common::identity(&pair.bpol),
        &[common::identity(&pair.kmar).card()],
        now().to_offset_date_time(),
    )
    .unwrap();
    let mut value: serde_json::Value = serde_json::from_slice(&opened.payload).unwrap();
    value["entities"][0]["date_of_birth"] = serde_json::json!(markers[4]);
    value["marking"]["tlp"] = serde_json::json!(markers[5]);
    // Member names are content too: unknown members named by markers, at
    // the top, in the marking, the provenance, an entity and its extensions.
    value[markers[6].as_str()] = serde_json::json!(1);
    value["marking"][markers[7].as_str()] = serde_json::json!(1);
    value["provenance"][0][markers[8].as_str()] = serde_json::json!(1);
    value["entities"][0][markers[9].as_str()] = serde_json::json!(1);
    value["entities"][0]["extensions"] = serde_json::json!({ markers[10].as_str(): 1 });
    let broken = serde_json::to_vec(&value).unwrap();
    let kmar = common::identity(&pair.kmar);
    let resealed = liaison_envelope::Sealer::new(&kmar)
        .recipient(&common::identity(&pair.bpol).card())
        .label(&opened.label)
        .at(now().to_offset_date_time())
        .seal(&broken)
        .unwrap();
    let err = bpol.receive_at(&resealed, now()).unwrap_err();
    assert!(matches!(err, ReceiveError::InvalidRecord { .. }), "{err}");
    // The error itself may quote the value, for the operator ...
    assert!(
        markers.iter().any(|m| err.to_string().contains(m.as_str())),
        "{err}"
    );

    // ... but neither log holds any marker.
    for log in [&kmar_log, &bpol_log] {
        let text = std::fs::read_to_string(log).unwrap();
        assert!(text.lines().count() >= 2);
        for m in &markers {
            assert!(
                !text.contains(m.as_str()),
                "`{m}` found in {}",
                log.display()
            );
        }
    }
    let last = bpol.audit().entries().unwrap().pop().unwrap();
    assert!(
        last.reasons
            .iter()
            .all(|r| r.starts_with("invalid-record at `/")),
        "{:?}",
        last.reasons
    );
}

#[test]
fn a_parcel_twice_in_one_batch_is_accepted_once() {
    let pair = Pair::new();
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("bpol.jsonl");
    let agency = receiver(&pair.bpol, &pair.kmar, &log.to_string_lossy());
    let sent = parcels(&pair, 2, now());
    let batch = [&sent[0], &sent[1], &sent[0], &sent[0]];
    let results = agency.receive_batch_at(&batch, now());
    assert!(results[0].is_ok() && results[1].is_ok(), "{results:?}");
    for result in &results[2..] {
        assert!(
            matches!(result, Err(ReceiveError::Replayed { .. })),
            "{result:?}"
        );
    }
    let entries = agency.audit().entries().unwrap();
    let accepted = entries
        .iter()
        .filter(|e| e.outcome == AuditOutcome::Accepted)
        .count();
    assert_eq!((entries.len(), accepted), (4, 2));
}
