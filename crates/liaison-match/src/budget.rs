//! Query budgets: every key a partner asks about is one guess it can test,
//! and only the holder can answer it, so the holder counts them per
//! partner, purpose and day, and refuses a batch beyond the agreement's
//! limits. The [`Ledger`] is a value the caller keeps and persists.

use std::collections::{BTreeMap, BTreeSet};

use crate::format::{Message, ParseError, Reader, Writer};
use crate::query::{BatchSummary, SessionId};

/// The limits an agreement sets for one partner and purpose.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Budget {
    /// The most keys in one day (UTC), all batches together.
    pub per_day: u64,
    /// The most keys in one batch.
    pub per_batch: u64,
}

/// Why a batch was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BudgetError {
    /// The batch alone is larger than the per-batch limit.
    #[error("a batch of {keys} keys is more than the {limit} one batch may hold")]
    Batch {
        /// Keys in the batch.
        keys: u64,
        /// The per-batch limit.
        limit: u64,
    },
    /// The batch would take the day beyond its limit.
    #[error("a batch of {keys} keys would exceed the day's budget: {used} of {limit} are used")]
    Day {
        /// Keys in the batch.
        keys: u64,
        /// Keys already answered that day.
        used: u64,
        /// The per-day limit.
        limit: u64,
    },
    /// This session was already charged to the partner, on any day and for
    /// any purpose the ledger still holds: a replayed query.
    #[error("query session {session} was already answered")]
    Replay {
        /// The session.
        session: SessionId,
    },
    /// A partner or purpose name is empty or longer than 255 bytes.
    #[error("the {what} name must be 1 to 255 bytes")]
    Name {
        /// `partner` or `purpose`.
        what: &'static str,
    },
}

/// A batch that was charged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Charge {
    /// Keys used that day, this batch included.
    pub used: u64,
    /// Keys left that day.
    pub left: u64,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct DayUse {
    keys: u64,
    sessions: BTreeSet<SessionId>,
}

/// The keys each partner asked about, per purpose and day (days counted
/// from 1970-01-01 UTC), and the sessions charged.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Ledger {
    days: BTreeMap<(String, String, u32), DayUse>,
}

fn check_name(name: &str, what: &'static str) -> Result<(), BudgetError> {
    if name.is_empty() || name.len() > 255 {
        Err(BudgetError::Name { what })
    } else {
        Ok(())
    }
}

impl Ledger {
    /// An empty ledger.
    pub fn new() -> Self {
        Ledger::default()
    }

    /// Charges `batch` to `partner` for `purpose` on `day`, if `budget`
    /// allows it; nothing is charged if it does not. A session already
    /// charged to `partner` (any day, any purpose) is refused as a replay.
    ///
    /// # Errors
    /// [`BudgetError::Batch`], [`BudgetError::Day`], [`BudgetError::Replay`]
    /// or [`BudgetError::Name`], each saying why.
    pub fn charge(
        &mut self,
        partner: &str,
        purpose: &str,
        day: u32,
        batch: &BatchSummary,
        budget: Budget,
    ) -> Result<Charge, BudgetError> {
        check_name(partner, "partner")?;
        check_name(purpose, "purpose")?;
        let keys = batch.total();
        if keys > budget.per_batch {
            return Err(BudgetError::Batch {
                keys,
                limit: budget.per_batch,
            });
        }
        // A session charged once is a replay whatever the day and the
        // purpose it was charged under.
        if self
            .days
            .iter()
            .any(|((p, _, _), d)| p == partner && d.sessions.contains(&batch.session))
        {
            return Err(BudgetError::Replay {
                session: batch.session,
            });
        }
        let before = self.used(partner, purpose, day);
        let used = before.saturating_add(keys);
        if used > budget.per_day {
            return Err(BudgetError::Day {
                keys,
                used: before,
                limit: budget.per_day,
            });
        }
        // Only now is an entry made: a refusal leaves the ledger as it was.
        let entry = self
            .days
            .entry((partner.to_owned(), purpose.to_owned(), day))
            .or_default();
        entry.keys = used;
        entry.sessions.insert(batch.session);
        Ok(Charge {
            used,
            left: budget.per_day - used,
        })
    }

    /// Keys charged to `partner` for `purpose` on `day`.
    pub fn used(&self, partner: &str, purpose: &str, day: u32) -> u64 {
        self.days
            .get(&(partner.to_owned(), purpose.to_owned(), day))
            .map_or(0, |d| d.keys)
    }

    /// Forgets the days before `day`.
    pub fn prune_before(&mut self, day: u32) {
        self.days.retain(|(_, _, d), _| *d >= day);
    }

    /// Reads a ledger: `"LMBL"`, version 1, suite 1, the entry count (4
    /// bytes), then each entry in strictly ascending order of partner,
    /// purpose and day: the partner and the purpose (each a 1-byte length,
    /// 1 to 255, and UTF-8), the day (4), the keys used (8), the session
    /// count (4) and the sessions (16 bytes each, strictly ascending).
    ///
    /// # Errors
    /// A [`ParseError`] saying where and what is wrong.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, ParseError> {
        let mut r = Reader::open(bytes, Message::Ledger)?;
        let count = r.count32("entry count", 20)?;
        let mut days: BTreeMap<(String, String, u32), DayUse> = BTreeMap::new();
        let mut last: Option<(String, String, u32)> = None;
        for _ in 0..count {
            let at = r.pos();
            let partner = read_name(&mut r, "partner")?;
            let purpose = read_name(&mut r, "purpose")?;
            let day = r.u32("day")?;
            let key = (partner, purpose, day);
            if last.as_ref().is_some_and(|l| *l >= key) {
                return Err(r.invalid(at, "entry", "is not in strictly ascending order"));
            }
            let keys = r.u64("keys used")?;
            let n = r.count32("session count", 16)?;
            let mut sessions = BTreeSet::new();
            let mut previous: Option<SessionId> = None;
            for _ in 0..n {
                let at = r.pos();
                let s = SessionId::from_bytes(r.array::<16>("session")?);
                if previous.is_some_and(|p| p >= s) {
                    return Err(r.invalid(at, "session", "is not in strictly ascending order"));
                }
                previous = Some(s);
                sessions.insert(s);
            }
            last = Some(key.clone());
            days.insert(key, DayUse { keys, sessions });
        }
        r.finish()?;
        Ok(Ledger { days })
    }

    /// The ledger's bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut w = Writer::new(Message::Ledger, 4 + self.days.len() * 64);
        w.count32(self.days.len());
        for ((partner, purpose, day), usage) in &self.days {
            for name in [partner, purpose] {
                w.u8(u8::try_from(name.len()).unwrap_or(u8::MAX));
                w.bytes(name.as_bytes());
            }
            w.u32(*day);
            w.u64(usage.keys);
            w.count32(usage.sessions.len());
            for s in &usage.sessions {
                w.bytes(s.as_bytes());
            }
        }
        w.into_bytes()
    }
}

fn read_name(r: &mut Reader<'_>, field: &'static str) -> Result<String, ParseError> {
    let at = r.pos();
    let len = usize::from(r.u8(field)?);
    if len == 0 {
        return Err(r.invalid(at, field, "is empty"));
    }
    let bytes = r.take(len, field)?;
    String::from_utf8(bytes.to_vec()).map_err(|_| r.invalid(at, field, "is not UTF-8"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::CommitmentId;
    use crate::kind::KeyKind;

    fn batch(session: u8, keys: u32) -> BatchSummary {
        BatchSummary {
            session: SessionId::from_bytes([session; 16]),
            commitment: CommitmentId::from_array([0; 32]),
            kinds: vec![(KeyKind::new("vehicle").unwrap(), keys)],
        }
    }

    #[test]
    fn limits_are_enforced_and_nothing_is_charged_on_refusal() {
        let budget = Budget {
            per_day: 100,
            per_batch: 60,
        };
        let mut l = Ledger::new();
        assert_eq!(
            l.charge("DEU-BKA", "border-control", 20_000, &batch(1, 61), budget),
            Err(BudgetError::Batch {
                keys: 61,
                limit: 60
            })
        );
        let c = l
            .charge("DEU-BKA", "border-control", 20_000, &batch(1, 60), budget)
            .unwrap();
        assert_eq!(c, Charge { used: 60, left: 40 });
        assert_eq!(
            l.charge("DEU-BKA", "border-control", 20_000, &batch(1, 1), budget),
            Err(BudgetError::Replay {
                session: SessionId::from_bytes([1; 16])
            })
        );
        assert_eq!(
            l.charge("DEU-BKA", "border-control", 20_000, &batch(2, 41), budget),
            Err(BudgetError::Day {
                keys: 41,
                used: 60,
                limit: 100
            })
        );
        assert_eq!(l.used("DEU-BKA", "border-control", 20_000), 60);
        // Another purpose, another day: their own budgets.
        assert!(
            l.charge(
                "DEU-BKA",
                "counter-terrorism",
                20_000,
                &batch(3, 60),
                budget
            )
            .is_ok()
        );
        assert!(
            l.charge("DEU-BKA", "border-control", 20_001, &batch(4, 60), budget)
                .is_ok()
        );
        let back = Ledger::from_bytes(&l.to_bytes()).unwrap();
        assert_eq!(back, l);
        // A session charged once is refused on another day and for another
        // purpose too.
        for (purpose, day) in [("counter-terrorism", 20_000), ("border-control", 20_005)] {
            assert_eq!(
                l.charge("DEU-BKA", purpose, day, &batch(1, 1), budget),
                Err(BudgetError::Replay {
                    session: SessionId::from_bytes([1; 16])
                })
            );
        }
        // Another partner's session of the same id is its own.
        assert!(
            l.charge("FRA-DGPN", "border-control", 20_000, &batch(1, 1), budget)
                .is_ok()
        );
        l.prune_before(20_001);
        assert_eq!(l.used("DEU-BKA", "border-control", 20_000), 0);
        assert_eq!(l.used("DEU-BKA", "border-control", 20_001), 60);
    }
}
