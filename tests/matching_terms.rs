//! The holder's terms for matching, through the facade: batches mixing
//! kinds of several match clauses, the strictest limits where clauses
//! overlap, the operator's narrowing, replays and stale queries, the
//! purpose of an answer, narrow filters, and references passed between
//! partners.
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    reason = "test: a failing unwrap is a failing test"
)]

mod matching_fixtures;

use liaison::matching::{
    FilterWidth, HolderKey, IndexOptions, Ledger, MatchError, MatchKey, MatchLimits, build_index,
    build_index_with, match_keys,
};
use liaison::policy::{Format, parse_agreement};
use liaison::record::Entity;
use liaison::{PolicySet, Purpose, Record, Timestamp};
use liaison_envelope::{Sealer, open};
use matching_fixtures::{
    RECORD, agencies, agencies_under, agencies_with_keys, agreement, asked, at, first_hit, refusal,
};

/// KMAR's agreement with three match clauses for DEU-BPOL and border
/// control: documents under a strict budget, vehicles under a looser one,
/// and documents again under the looser one.
const THREE_CLAUSES: &str = r#"
id = "nld-kmar.deu-bpol.matching"
version = 1
provider = "NLD-KMAR"
recipients = ["DEU-BPOL"]
valid_from = 2026-01-01T00:00:00Z
legal_basis = "Prüm Decision 2008/615/JHA"
purposes = ["border-control", "criminal-investigation"]
max_classification = "restricted"

[[clause]]
id = "documents"
effect = "release"
[clause.release]
classes = ["travel-document"]

[[match]]
id = "documents"
partners = ["DEU-BPOL"]
purposes = ["border-control"]
key_kinds = ["travel-document"]
budget = { per_day = 4, per_batch = 3 }
[match.obligations]
retention_days = 30

[[match]]
id = "vehicles"
partners = ["DEU-BPOL"]
purposes = ["border-control"]
key_kinds = ["vehicle"]
budget = { per_day = 100, per_batch = 50 }
[match.obligations]
notify_on_use = true

[[match]]
id = "documents-too"
partners = ["DEU-BPOL"]
purposes = ["border-control"]
key_kinds = ["travel-document"]
budget = { per_day = 100, per_batch = 50 }
"#;

fn policies(text: &str) -> PolicySet {
    PolicySet::new(vec![
        parse_agreement(text, Format::Toml, "matching.toml").unwrap(),
    ])
}

fn border() -> Purpose {
    "border-control".parse().unwrap()
}

/// `n` keys of `kind` that the holder does not have.
fn keys(kind: &str, n: usize) -> Vec<MatchKey> {
    let text: Vec<String> = (0..n)
        .map(|i| match kind {
            "vehicle" => format!(
                r#"{{ "kind": "conveyance", "id": "00000000-0000-4000-8000-{i:012}",
                  "conveyance_type": "vehicle", "identifier": "GV-{i:03}-X",
                  "registration_state": "NLD" }}"#
            ),
            _ => format!(
                r#"{{ "kind": "travel-document", "id": "00000000-0000-4000-8000-{i:012}",
                  "document_type": "passport", "issuing_state": "NLD",
                  "number": "XR{i:07}", "status": "unknown" }}"#
            ),
        })
        .collect();
    let entities: Vec<Entity> = serde_json::from_str(&format!("[{}]", text.join(","))).unwrap();
    entities.iter().flat_map(match_keys).collect()
}

/// The holder's index of [`RECORD`] plus a vehicle, under `key`.
fn holder_index(key: &HolderKey) -> liaison::matching::Built {
    let mut record = Record::from_json(RECORD.as_bytes()).unwrap();
    let vehicle: Entity = serde_json::from_str(
        r#"{ "kind": "conveyance", "id": "0b6f9c52-8a6e-4b8e-9d61-3c3f1f0e2a12",
             "conveyance_type": "vehicle", "identifier": "GV-123-B",
             "registration_state": "NLD" }"#,
    )
    .unwrap();
    record.entities.push(vehicle);
    build_index(&[record], key, FilterWidth::Bits32).unwrap()
}

#[test]
fn a_batch_mixing_kinds_of_two_clauses_is_answered_under_the_strictest_limits() {
    let (kmar, bpol) = agencies_under(policies(THREE_CLAUSES));
    let key = HolderKey::generate().unwrap();
    let built = holder_index(&key);
    let index = &built.index;
    let commitment = index.commitment();
    let ask = |keys: &[MatchKey]| {
        bpol.match_query_at(index, kmar.id(), &border(), keys, at())
            .unwrap()
    };
    let mut ledger = Ledger::new();
    let open = MatchLimits::default();

    // One document and one vehicle: no clause allows both, but each kind
    // is allowed by some clause, so the batch is answered, and the
    // obligations of the clauses that have some travel with it.
    let mixed = [keys("travel-document", 1), keys("vehicle", 1)].concat();
    let (pending, query) = ask(&mixed);
    let answer = kmar
        .match_answer_at(&query, &key, commitment, &open, &mut ledger, at())
        .unwrap();
    let finished = bpol
        .match_finish_at(&answer, &pending, index, kmar.id(), at())
        .unwrap();
    assert_eq!(finished.outcomes.len(), 2);
    let clauses: Vec<_> = finished
        .obligations
        .iter()
        .map(|o| o.clause.as_str())
        .collect();
    assert_eq!(clauses, ["documents", "vehicles"]);
    let entry = kmar.audit().entries().unwrap().pop().unwrap();
    for name in ["obligation:notify_on_use", "obligation:retention_days"] {
        assert!(
            entry.reasons.contains(&name.to_owned()),
            "{:?}",
            entry.reasons
        );
    }

    // Four documents: the looser `documents-too` also names documents,
    // but the strictest batch limit (3) applies.
    let (_, query) = ask(&keys("travel-document", 4));
    let (code, text) = refusal(&kmar, &query, &key, commitment, &open, &mut ledger);
    assert_eq!(code, "match-batch-too-large");
    assert!(
        text.ends_with("more than the 3 a batch may hold under `documents`"),
        "{text}"
    );

    // Three more documents: the strictest day (4) holds 2 used already.
    let (_, query) = ask(&keys("travel-document", 3));
    let (code, text) = refusal(&kmar, &query, &key, commitment, &open, &mut ledger);
    assert_eq!(code, "match-day-budget-exceeded");
    assert!(text.ends_with("2 of 4 are used"), "{text}");

    // Vehicles alone are under their own clause's limits.
    let (_, query) = ask(&keys("vehicle", 20));
    kmar.match_answer_at(&query, &key, commitment, &open, &mut ledger, at())
        .unwrap();
}

#[test]
fn a_day_limit_of_the_operator_is_reported_as_limited() {
    let (kmar, bpol) = agencies();
    let key = HolderKey::generate().unwrap();
    let built = holder_index(&key);
    let (_, query) = bpol
        .match_query_at(&built.index, kmar.id(), &border(), &asked(), at())
        .unwrap();
    let limits = MatchLimits {
        per_day: Some(1),
        ..MatchLimits::default()
    };
    let mut ledger = Ledger::new();
    let (code, text) = refusal(
        &kmar,
        &query,
        &key,
        built.index.commitment(),
        &limits,
        &mut ledger,
    );
    assert_eq!(code, "match-limited");
    assert!(
        text.ends_with("under this answer's narrower limits"),
        "{text}"
    );
    assert_eq!(ledger, Ledger::new());
}

#[test]
fn a_replayed_or_stale_query_is_refused_before_any_charge() {
    let (kmar, bpol) = agencies();
    let key = HolderKey::generate().unwrap();
    let built = holder_index(&key);
    let commitment = built.index.commitment();
    let open = MatchLimits::default();
    let mut ledger = Ledger::new();
    let (_, query) = bpol
        .match_query_at(&built.index, kmar.id(), &border(), &asked()[..1], at())
        .unwrap();
    kmar.match_answer_at(&query, &key, commitment, &open, &mut ledger, at())
        .unwrap();
    // The same query the next day (within the 24 hours): a replay.
    let next_day: Timestamp = "2026-03-03T08:00:00.000Z".parse().unwrap();
    let err = kmar
        .match_answer_at(&query, &key, commitment, &open, &mut ledger, next_day)
        .unwrap_err();
    assert_eq!(err.code(), "match-replayed");

    // Sealed more than 24 hours before the holder's clock.
    let (_, query) = bpol
        .match_query_at(&built.index, kmar.id(), &border(), &asked()[..1], at())
        .unwrap();
    let later: Timestamp = "2026-03-03T09:00:01.000Z".parse().unwrap();
    let before = ledger.clone();
    let err = kmar
        .match_answer_at(&query, &key, commitment, &open, &mut ledger, later)
        .unwrap_err();
    assert_eq!(err.code(), "match-stale");
    assert!(
        err.to_string().ends_with(
            "the query was sealed at 2026-03-02T09:00:00.000Z, more than 24 hours before this holder's clock (2026-03-03T09:00:01.000Z): query again"
        ),
        "{err}"
    );
    // Sealed more than 5 minutes after it.
    let early: Timestamp = "2026-03-02T08:54:59.000Z".parse().unwrap();
    let err = kmar
        .match_answer_at(&query, &key, commitment, &open, &mut ledger, early)
        .unwrap_err();
    assert_eq!(err.code(), "match-stale");
    assert!(
        err.to_string().contains("more than 5 minutes after"),
        "{err}"
    );
    assert_eq!(ledger, before);
    // Made against an older index (another key): refused, not charged.
    let old_key = HolderKey::generate().unwrap();
    let old = holder_index(&old_key);
    let (_, stale_query) = bpol
        .match_query_at(&old.index, kmar.id(), &border(), &asked()[..1], at())
        .unwrap();
    let err = kmar
        .match_answer_at(&stale_query, &key, commitment, &open, &mut ledger, at())
        .unwrap_err();
    assert_eq!(err.code(), "match-cannot-evaluate");
    assert!(err.to_string().contains("fetch the current index"), "{err}");
    assert_eq!(ledger, before);
    // Within both windows, it is answered.
    let edge: Timestamp = "2026-03-03T09:00:00.000Z".parse().unwrap();
    kmar.match_answer_at(&query, &key, commitment, &open, &mut ledger, edge)
        .unwrap();
}

#[test]
fn an_answer_for_another_purpose_is_refused_and_no_hit_is_logged() {
    let (kmar, bpol, keys) = agencies_with_keys(agreement(r#"["travel-document"]"#, true));
    let key = HolderKey::generate().unwrap();
    let built = holder_index(&key);
    let (pending, query) = bpol
        .match_query_at(&built.index, kmar.id(), &border(), &asked(), at())
        .unwrap();
    let answer = kmar
        .match_answer_at(
            &query,
            &key,
            built.index.commitment(),
            &MatchLimits::default(),
            &mut Ledger::new(),
            at(),
        )
        .unwrap();
    // The same answer, relabelled by the holder with another purpose.
    let kmar_card = keys.kmar().card();
    let opened = open(
        &answer,
        &keys.bpol(),
        std::slice::from_ref(&kmar_card),
        at().to_offset_date_time(),
    )
    .unwrap();
    let label = String::from_utf8(opened.label)
        .unwrap()
        .replace("border-control", "criminal-investigation");
    let relabelled = Sealer::new(&keys.kmar())
        .recipient(&keys.bpol().card())
        .label(label.as_bytes())
        .at(at().to_offset_date_time())
        .seal(&opened.payload)
        .unwrap();
    let err = bpol
        .match_finish_at(&relabelled, &pending, &built.index, kmar.id(), at())
        .unwrap_err();
    assert!(matches!(err, MatchError::Answer { .. }), "{err}");
    assert_eq!(
        err.to_string(),
        "the answer is refused: the answer is for the purpose `criminal-investigation`, the query was made for `border-control`"
    );
    let entry = bpol.audit().entries().unwrap().pop().unwrap();
    assert!(entry.reasons.contains(&"match-answer-refused".to_owned()));
    assert!(!entry.reasons.iter().any(|r| r.starts_with("hits:")));
    // The answer as sealed is accepted.
    assert!(
        bpol.match_finish_at(&answer, &pending, &built.index, kmar.id(), at())
            .is_ok()
    );
}

#[test]
fn a_narrow_filter_is_built_and_queried_only_when_allowed() {
    let record = Record::from_json(RECORD.as_bytes()).unwrap();
    let key = HolderKey::generate().unwrap();
    for width in [FilterWidth::Bits8, FilterWidth::Bits16] {
        let err = build_index(std::slice::from_ref(&record), &key, width).unwrap_err();
        assert_eq!(err.code(), "match-narrow-filter");
        assert!(
            err.to_string()
                .contains(&format!("has {}-bit fingerprints", width.bits()))
        );
    }
    let narrow = IndexOptions {
        width: FilterWidth::Bits16,
        min_width: FilterWidth::Bits16,
    };
    let built = build_index_with(std::slice::from_ref(&record), &key, narrow, &|_| {}).unwrap();
    let (kmar, bpol, keys) = agencies_with_keys(agreement(r#"["travel-document"]"#, true));
    let err = bpol
        .match_query_at(&built.index, kmar.id(), &border(), &asked(), at())
        .unwrap_err();
    assert!(
        matches!(
            err,
            MatchError::NarrowFilter {
                bits: 16,
                min_bits: 32
            }
        ),
        "{err}"
    );
    // A querier that allows it knowingly.
    let mut directory = liaison::Directory::new();
    directory.add(keys.kmar().card()).unwrap();
    let allowing = liaison::Agency::builder(keys.bpol())
        .directory(directory)
        .audit_log(liaison::audit::AuditLog::in_memory())
        .match_min_filter_width(FilterWidth::Bits16)
        .build()
        .unwrap();
    assert!(
        allowing
            .match_query_at(&built.index, kmar.id(), &border(), &asked(), at())
            .is_ok()
    );
}

/// KMAR's agreement for FRA-DGPN: `KINDS` and `REVEAL` filled in.
const FOR_DGPN: &str = r#"
id = "nld-kmar.fra-dgpn.matching"
version = 1
provider = "NLD-KMAR"
recipients = ["FRA-DGPN", "DEU-BPOL"]
valid_from = 2026-01-01T00:00:00Z
legal_basis = "Prüm Decision 2008/615/JHA"
purposes = ["border-control"]
max_classification = "restricted"

[[clause]]
id = "documents"
effect = "release"
[clause.release]
classes = ["travel-document"]

[[match]]
id = "bpol"
partners = ["DEU-BPOL"]
purposes = ["border-control"]
key_kinds = ["travel-document"]
reveal_reference = true
budget = { per_day = 10, per_batch = 5 }

[[match]]
id = "dgpn"
partners = ["FRA-DGPN"]
purposes = ["border-control"]
key_kinds = KINDS
reveal_reference = REVEAL
budget = { per_day = 10, per_batch = 5 }
"#;

#[test]
fn a_reference_passed_to_another_partner_resolves_only_under_that_partners_clause() {
    let dgpn = "FRA-DGPN".parse().unwrap();
    let purpose = border();
    let under = |kinds: &str, reveal: bool| {
        policies(
            &FOR_DGPN
                .replace("KINDS", kinds)
                .replace("REVEAL", &reveal.to_string()),
        )
    };
    // DEU-BPOL obtains a reference, and passes it to FRA-DGPN.
    let (kmar, bpol) = agencies_under(under(r#"["travel-document"]"#, true));
    let (built, hit) = first_hit(&kmar, &bpol, &purpose);
    // FRA-DGPN's clause allows the kind and reveals references: it
    // resolves, as if BPOL had told DGPN the key.
    assert_eq!(
        kmar.match_resolve_at(&built.resolver, &hit, &dgpn, &purpose, at())
            .unwrap()
            .len(),
        1
    );
    // Another kind only, or no references revealed: it does not.
    for (kinds, reveal) in [(r#"["vehicle"]"#, true), (r#"["travel-document"]"#, false)] {
        let (kmar, _) = agencies_under(under(kinds, reveal));
        let err = kmar
            .match_resolve_at(&built.resolver, &hit, &dgpn, &purpose, at())
            .unwrap_err();
        assert_eq!(
            err.code(),
            "match-reference-not-resolved",
            "{kinds} {reveal}"
        );
    }
}

#[test]
fn a_clause_that_keeps_references_back_is_not_bypassed_by_a_wider_one() {
    let dgpn = "FRA-DGPN".parse().unwrap();
    let purpose = border();
    // FRA-DGPN's own clause keeps references back; a clause for the whole
    // of France, which includes it, reveals them.
    let wider = format!(
        "{}\n[[match]]\nid = \"france\"\npartners = [\"FRA\"]\npurposes = [\"border-control\"]\nkey_kinds = [\"travel-document\"]\nreveal_reference = true\nbudget = {{ per_day = 10, per_batch = 5 }}\n",
        FOR_DGPN
            .replace("KINDS", r#"["travel-document"]"#)
            .replace("REVEAL", "false")
            .replace(
                r#"recipients = ["FRA-DGPN", "DEU-BPOL"]"#,
                r#"recipients = ["FRA", "DEU-BPOL", "BEL-FPP"]"#
            )
    );
    let (kmar, bpol) = agencies_under(policies(&wider));
    let (built, hit) = first_hit(&kmar, &bpol, &purpose);
    let err = kmar
        .match_resolve_at(&built.resolver, &hit, &dgpn, &purpose, at())
        .unwrap_err();
    assert_eq!(err.code(), "match-reference-not-resolved");
    assert!(err.to_string().contains("strictest"), "{err}");
    // Without the partner's own clause, the wider one resolves it.
    let only_wider = wider.replace("partners = [\"FRA-DGPN\"]", "partners = [\"BEL-FPP\"]");
    let (kmar, _) = agencies_under(policies(&only_wider));
    assert_eq!(
        kmar.match_resolve_at(&built.resolver, &hit, &dgpn, &purpose, at())
            .unwrap()
            .len(),
        1
    );
}
