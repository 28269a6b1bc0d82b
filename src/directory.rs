//! The partner directory: the public cards of the agencies one shares with.
//!
//! A partner may have several cards: when it rotates its keys it publishes a
//! new card whose validity window overlaps the old one. A new parcel is
//! sealed for the partner's newest card valid at the time of sealing (the one
//! whose window started last); parcels from the partner are accepted when
//! they are signed with any of its cards valid at the time of receipt.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use liaison_envelope::{Card, KeyId};
use liaison_record::{AgencyId, Timestamp};

use crate::error::SetupError;

/// The public cards of an agency's partners.
#[derive(Debug, Clone, Default)]
pub struct Directory {
    cards: BTreeMap<AgencyId, Vec<Card>>,
}

impl Directory {
    /// An empty directory.
    pub fn new() -> Self {
        Self::default()
    }

    /// Loads every card file (`*.json`) of `folder`, in name order. Several
    /// cards of one partner are kept side by side (key rotation).
    ///
    /// # Errors
    ///
    /// [`SetupError::Directory`] when the folder cannot be read, a file is
    /// not a card (with the file and what is wrong), a card's agency id is
    /// not of the form `CCC-CODE`, or the folder holds a secret identity
    /// file (`*.identity.json`), which does not belong with partners' cards.
    pub fn load(folder: impl AsRef<Path>) -> Result<Self, SetupError> {
        let folder = folder.as_ref();
        let problem = |path: &Path, problem: String| SetupError::Directory {
            path: path.to_path_buf(),
            problem,
        };
        let entries = fs::read_dir(folder).map_err(|e| {
            problem(
                folder,
                format!("cannot read the folder ({e}); give a folder of partner card files"),
            )
        })?;
        let mut files: Vec<PathBuf> = entries
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.is_file() && p.extension().is_some_and(|e| e == "json"))
            .collect();
        files.sort();
        let mut directory = Self::new();
        for file in files {
            let name = file
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            if name.ends_with(".identity.json") {
                return Err(problem(
                    &file,
                    "this is a secret identity file; keep it out of the partner directory, which holds public cards only".to_owned(),
                ));
            }
            let text = fs::read_to_string(&file)
                .map_err(|e| problem(&file, format!("cannot read the file ({e})")))?;
            let card = Card::from_json(&text)
                .map_err(|e| problem(&file, format!("not a card file: {e}")))?;
            directory
                .add(card)
                .map_err(|e| problem(&file, e.to_string()))?;
        }
        Ok(directory)
    }

    /// Adds a partner's card. Adding a card already present does nothing.
    ///
    /// # Errors
    ///
    /// [`SetupError::CardAgency`] when the card's agency id is not of the
    /// form `CCC-CODE`; [`SetupError::SharedKey`] when a card of another
    /// agency has the same signing or encryption key (a key belongs to one
    /// agency: a receiver could not tell which of the two signed a parcel,
    /// and a sender would seal for both).
    pub fn add(&mut self, card: Card) -> Result<(), SetupError> {
        let agency: AgencyId =
            card.agency_id()
                .parse()
                .map_err(|e: liaison_record::ParseError| SetupError::CardAgency {
                    agency: card.agency_id().to_owned(),
                    expected: e.expected().to_owned(),
                })?;
        if let Some((other, key)) = self.sharing(&agency, &card) {
            return Err(SetupError::SharedKey {
                agency: agency.to_string(),
                other: other.to_string(),
                key,
            });
        }
        let cards = self.cards.entry(agency).or_default();
        if !cards.contains(&card) {
            cards.push(card);
        }
        Ok(())
    }

    /// The partners, in id order.
    pub fn partners(&self) -> impl Iterator<Item = &AgencyId> {
        self.cards.keys()
    }

    /// Every card of `partner`.
    pub fn cards(&self, partner: &AgencyId) -> &[Card] {
        self.cards.get(partner).map_or(&[], Vec::as_slice)
    }

    /// The card a new parcel for `partner` is sealed for at `at`: of the
    /// cards valid at `at`, the one whose window started last.
    pub fn current_card(&self, partner: &AgencyId, at: Timestamp) -> Option<&Card> {
        let at = at.to_offset_date_time();
        self.cards(partner)
            .iter()
            .filter(|c| c.is_valid_at(at))
            .max_by_key(|c| c.not_before())
    }

    /// The cards of `partner` a parcel signed at `at` is checked against:
    /// one per signing key. A partner that added a post-quantum key to its
    /// identity has an older and a newer card with the same Ed25519 key;
    /// of such cards the one valid at `at` whose window started last is
    /// kept, and of two that started together the one with an ML-DSA-65
    /// key, so that a classical signature is refused as a downgrade rather
    /// than taken on the older card.
    pub(crate) fn signing_cards(&self, partner: &AgencyId, at: Timestamp) -> Vec<Card> {
        let when = at.to_offset_date_time();
        let rank = |c: &Card| {
            (
                c.is_valid_at(when),
                c.not_before(),
                c.post_quantum_signing_key_id().is_some(),
            )
        };
        let mut kept: Vec<&Card> = Vec::new();
        for card in self.cards(partner) {
            match kept
                .iter_mut()
                .find(|k| k.signing_key_id() == card.signing_key_id())
            {
                Some(k) if rank(card) > rank(k) => *k = card,
                Some(_) => {}
                None => kept.push(card),
            }
        }
        kept.into_iter().cloned().collect()
    }

    /// Refuses a directory holding a card of another agency with one of
    /// this agency's own keys (`own`, the cards of the identities of
    /// `us`): that partner would be sealed for, and trusted as, this
    /// agency itself.
    pub(crate) fn check_against_own(&self, us: &AgencyId, own: &[Card]) -> Result<(), SetupError> {
        match own.iter().find_map(|mine| self.sharing(us, mine)) {
            Some((partner, key)) => Err(SetupError::SharedKey {
                agency: partner.to_string(),
                other: us.to_string(),
                key,
            }),
            None => Ok(()),
        }
    }

    /// The first agency other than `agency` with a card sharing a key with
    /// `card`, and which key (see [`shared_key`]).
    fn sharing(&self, agency: &AgencyId, card: &Card) -> Option<(&AgencyId, &'static str)> {
        self.cards
            .iter()
            .filter(|(other, _)| *other != agency)
            .find_map(|(other, cards)| {
                cards
                    .iter()
                    .find_map(|c| shared_key(c, card))
                    .map(|key| (other, key))
            })
    }

    /// The partner whose card has the signing key id `key_id` (a key
    /// belongs to one agency in a directory: see [`Directory::add`]). It
    /// names the agency a parcel signed with that key claims to be from;
    /// only opening the parcel proves it.
    pub fn partner_with_signing_key(&self, key_id: &KeyId) -> Option<&AgencyId> {
        self.by_signing_key(key_id).map(|(agency, _)| agency)
    }

    /// The partner whose card has the signing key id `key_id`, with all of
    /// that partner's cards.
    pub(crate) fn by_signing_key(&self, key_id: &KeyId) -> Option<(&AgencyId, &[Card])> {
        self.cards.iter().find_map(|(agency, cards)| {
            cards
                .iter()
                .any(|c| &c.signing_key_id() == key_id)
                .then_some((agency, cards.as_slice()))
        })
    }

    /// The card with the signing key id `key_id`.
    pub(crate) fn card_by_signing_key(&self, key_id: &KeyId) -> Option<&Card> {
        self.cards
            .values()
            .flatten()
            .find(|c| &c.signing_key_id() == key_id)
    }
}

/// Which key two cards share, if any: `signing` (Ed25519 or ML-DSA-65) or
/// `encryption` (X25519 or X-Wing).
fn shared_key(a: &Card, b: &Card) -> Option<&'static str> {
    let both = |x: Option<KeyId>, y: Option<KeyId>| x.is_some() && x == y;
    if a.signing_key_id() == b.signing_key_id()
        || both(
            a.post_quantum_signing_key_id(),
            b.post_quantum_signing_key_id(),
        )
    {
        Some("signing")
    } else if a.encryption_key_id() == b.encryption_key_id()
        || both(a.post_quantum_key_id(), b.post_quantum_key_id())
    {
        Some("encryption")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use liaison_envelope::Identity;
    use time::macros::datetime;

    fn identity(id: &str, from: time::OffsetDateTime, to: time::OffsetDateTime) -> Identity {
        Identity::generate(id, from, to).unwrap()
    }

    #[test]
    fn the_newest_valid_card_is_current() {
        let old = identity(
            "DEU-BPOL",
            datetime!(2026-01-01 0:00 UTC),
            datetime!(2026-07-01 0:00 UTC),
        );
        let new = identity(
            "DEU-BPOL",
            datetime!(2026-06-01 0:00 UTC),
            datetime!(2027-06-01 0:00 UTC),
        );
        let mut d = Directory::new();
        d.add(new.card()).unwrap();
        d.add(old.card()).unwrap();
        d.add(old.card()).unwrap();
        let bpol: AgencyId = "DEU-BPOL".parse().unwrap();
        assert_eq!(d.cards(&bpol).len(), 2);
        let at = |s: &str| s.parse::<Timestamp>().unwrap();
        assert_eq!(
            d.current_card(&bpol, at("2026-03-01T00:00:00.000Z")),
            Some(&old.card())
        );
        assert_eq!(
            d.current_card(&bpol, at("2026-06-15T00:00:00.000Z")),
            Some(&new.card())
        );
        assert_eq!(d.current_card(&bpol, at("2028-01-01T00:00:00.000Z")), None);
        assert_eq!(
            d.by_signing_key(&old.signing_key_id()).map(|(a, _)| a),
            Some(&bpol)
        );
    }

    #[test]
    fn a_key_belongs_to_one_agency() {
        let (from, to) = (
            datetime!(2026-01-01 0:00 UTC),
            datetime!(2027-01-01 0:00 UTC),
        );
        let kmar = identity("NLD-KMAR", from, to);
        let card = kmar.card().to_json();
        assert!(card.contains("\"NLD-KMAR\""));
        let copy = Card::from_json(&card.replace("\"NLD-KMAR\"", "\"AUT-BMI\"")).unwrap();
        for (first, second) in [(kmar.card(), copy.clone()), (copy, kmar.card())] {
            let mut d = Directory::new();
            d.add(first).unwrap();
            let err = d.add(second).unwrap_err();
            assert!(
                matches!(err, SetupError::SharedKey { key: "signing", .. }),
                "{err}"
            );
            assert_eq!(d.partners().count(), 1);
        }
        // Another agency's card with one key of the KMar's alone: the
        // X25519 key; on post-quantum cards the ML-DSA-65 or X-Wing key.
        let pq = |agency| Identity::generate_post_quantum(agency, from, to).unwrap();
        let cases = [
            (kmar, identity("AUT-BMI", from, to), "x25519_", "encryption"),
            (pq("NLD-KMAR"), pq("AUT-BMI"), "mldsa65_", "signing"),
            (pq("NLD-KMAR"), pq("AUT-BMI"), "xwing_", "encryption"),
        ];
        for (kmar, other, prefix, key) in cases {
            let kmar_card: serde_json::Value =
                serde_json::from_str(&kmar.card().to_json()).unwrap();
            let mut mixed: serde_json::Value =
                serde_json::from_str(&other.card().to_json()).unwrap();
            let mut replaced = 0;
            for (name, value) in kmar_card.as_object().unwrap() {
                if name.starts_with(prefix) {
                    mixed[name] = value.clone();
                    replaced += 1;
                }
            }
            assert_eq!(replaced, 2, "{prefix}: {kmar_card}");
            let mut d = Directory::new();
            d.add(kmar.card()).unwrap();
            let err = d
                .add(Card::from_json(&mixed.to_string()).unwrap())
                .unwrap_err();
            assert!(
                matches!(err, SetupError::SharedKey { key: k, .. } if k == key),
                "{prefix}: {err}"
            );
        }
    }

    #[test]
    fn loads_a_folder_of_cards_and_refuses_identities() {
        let dir = tempfile::tempdir().unwrap();
        let a = identity(
            "DEU-BPOL",
            datetime!(2026-01-01 0:00 UTC),
            datetime!(2027-01-01 0:00 UTC),
        );
        fs::write(dir.path().join("DEU-BPOL.card.json"), a.card().to_json()).unwrap();
        fs::write(dir.path().join("notes.txt"), "not a card").unwrap();
        let d = Directory::load(dir.path()).unwrap();
        assert_eq!(d.partners().count(), 1);

        fs::write(dir.path().join("bad.json"), "{}").unwrap();
        let err = Directory::load(dir.path()).unwrap_err().to_string();
        assert!(
            err.contains("bad.json") && err.contains("not a card file"),
            "{err}"
        );
        fs::remove_file(dir.path().join("bad.json")).unwrap();

        fs::write(
            dir.path().join("DEU-BPOL.identity.json"),
            a.to_json().as_str(),
        )
        .unwrap();
        let err = Directory::load(dir.path()).unwrap_err().to_string();
        assert!(err.contains("secret identity file"), "{err}");
    }

    #[test]
    fn a_card_with_a_free_form_agency_id_is_refused() {
        let a = identity(
            "Bundespolizei",
            datetime!(2026-01-01 0:00 UTC),
            datetime!(2027-01-01 0:00 UTC),
        );
        let err = Directory::new().add(a.card()).unwrap_err().to_string();
        assert!(err.contains("`Bundespolizei`"), "{err}");
    }
}
