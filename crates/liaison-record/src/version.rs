//! Versioning: which record may follow which, as STIX 2.1 versions objects.
//!
//! A record keeps its `id`, `originator` and `created` across versions;
//! each new version has a greater `version` and a later `modified`; a
//! revoked record is final.

use crate::{Record, Timestamp};

/// Why a record cannot be the next version of another.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum VersionError {
    /// The records have different ids: they are different records.
    #[error("record id changed from `{previous}` to `{next}`: a new version keeps the record id")]
    IdChanged {
        /// The earlier id.
        previous: uuid::Uuid,
        /// The later id.
        next: uuid::Uuid,
    },
    /// The originator changed: only the originator versions its records.
    #[error(
        "originator changed from `{previous}` to `{next}`: only the originator writes new versions of its records"
    )]
    OriginatorChanged {
        /// The earlier originator.
        previous: String,
        /// The later originator.
        next: String,
    },
    /// `created` changed.
    #[error(
        "created changed from `{previous}` to `{next}`: every version keeps the first version's creation time"
    )]
    CreatedChanged {
        /// The earlier creation time.
        previous: Timestamp,
        /// The later creation time.
        next: Timestamp,
    },
    /// The version number did not increase.
    #[error(
        "version `{next}` does not follow version `{previous}`: expected a greater version number"
    )]
    VersionNotIncreased {
        /// The earlier version.
        previous: u32,
        /// The later version.
        next: u32,
    },
    /// `modified` is not later than the previous version's.
    #[error(
        "modified `{next}` is not after the previous version's `{previous}`: expected a later time"
    )]
    ModifiedNotLater {
        /// The earlier modification time.
        previous: Timestamp,
        /// The later modification time.
        next: Timestamp,
    },
    /// The earlier version revoked the record.
    #[error("version `{previous}` revoked the record: a revoked record has no further versions")]
    AfterRevocation {
        /// The revoking version.
        previous: u32,
    },
}

impl Record {
    /// Checks that `next` may follow `self` as a later version of the same
    /// record: same id, originator and creation time, a greater version, a
    /// later modification time, and `self` not revoked.
    ///
    /// # Errors
    ///
    /// The first rule `next` breaks, as a [`VersionError`].
    pub fn check_successor(&self, next: &Record) -> Result<(), VersionError> {
        if self.id != next.id {
            return Err(VersionError::IdChanged {
                previous: self.id,
                next: next.id,
            });
        }
        if self.originator != next.originator {
            return Err(VersionError::OriginatorChanged {
                previous: self.originator.to_string(),
                next: next.originator.to_string(),
            });
        }
        if self.revoked {
            return Err(VersionError::AfterRevocation {
                previous: self.version,
            });
        }
        if self.created != next.created {
            return Err(VersionError::CreatedChanged {
                previous: self.created,
                next: next.created,
            });
        }
        if next.version <= self.version {
            return Err(VersionError::VersionNotIncreased {
                previous: self.version,
                next: next.version,
            });
        }
        if next.modified <= self.modified {
            return Err(VersionError::ModifiedNotLater {
                previous: self.modified,
                next: next.modified,
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXAMPLE: &[u8] = include_bytes!("../tests/data/example-record.json");

    fn pair() -> (Record, Record) {
        let a = Record::from_json(EXAMPLE).unwrap();
        let mut b = a.clone();
        b.version += 1;
        b.modified = "2026-11-21T10:00:00.000Z".parse().unwrap();
        (a, b)
    }

    #[test]
    fn a_proper_successor_passes() {
        let (a, b) = pair();
        a.check_successor(&b).unwrap();
        let mut revoking = b.clone();
        revoking.revoked = true;
        a.check_successor(&revoking).unwrap();
        let mut jump = b;
        jump.version += 5;
        a.check_successor(&jump).unwrap();
    }

    #[test]
    fn each_rule_is_enforced() {
        let (a, b) = pair();
        let mut x = b.clone();
        x.id = uuid::Uuid::from_u128(0x1234_5678_9abc_4def_8123_4567_89ab_cdef);
        assert!(matches!(
            a.check_successor(&x),
            Err(VersionError::IdChanged { .. })
        ));
        let mut x = b.clone();
        x.originator = "DEU-BPOL".parse().unwrap();
        assert!(matches!(
            a.check_successor(&x),
            Err(VersionError::OriginatorChanged { .. })
        ));
        let mut x = b.clone();
        x.created = x.modified;
        assert!(matches!(
            a.check_successor(&x),
            Err(VersionError::CreatedChanged { .. })
        ));
        let mut x = b.clone();
        x.version = a.version;
        let e = a.check_successor(&x).unwrap_err();
        assert_eq!(
            e.to_string(),
            "version `2` does not follow version `2`: expected a greater version number"
        );
        let mut x = b.clone();
        x.modified = a.modified;
        assert!(matches!(
            a.check_successor(&x),
            Err(VersionError::ModifiedNotLater { .. })
        ));
        let mut revoked = a.clone();
        revoked.revoked = true;
        assert!(matches!(
            revoked.check_successor(&b),
            Err(VersionError::AfterRevocation { previous: 2 })
        ));
        assert!(matches!(
            b.check_successor(&a),
            Err(VersionError::VersionNotIncreased { .. })
        ));
    }
}
