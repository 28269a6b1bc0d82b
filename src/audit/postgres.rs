//! The PostgreSQL store (feature `postgres`): one audit chain and one
//! replay window shared by every instance of an agency's service.
//!
//! The schema is `migrations/0001_exchange_state.sql`, run by
//! [`PostgresStore::connect`]. Each [`transact`](AuditStore::transact) is
//! one database transaction: it takes `liaison_audit` in `SHARE ROW
//! EXCLUSIVE` mode (writers take turns, readers go on), reads the last
//! entry, checks parcels against `liaison_replay`, inserts the entries and
//! the accepted parcels, and commits. A parcel (its sender and id) is
//! accepted at most once by the primary key of `liaison_replay`; the chain
//! is checked by a trigger on insert,
//! and a trigger refuses every `UPDATE`, `DELETE` and `TRUNCATE` of
//! `liaison_audit` and of `liaison_replay`.
//!
//! The ids of accepted parcels are never deleted here: every instance of
//! the service relies on them, each with its own replay window and clock,
//! so no one instance may decide that an id can be forgotten. Pruning is a
//! no-op on this store.

use std::fmt;
use std::io;
use std::sync::{Mutex, MutexGuard, PoisonError};

use liaison_record::{AgencyId, Timestamp};
use uuid::Uuid;

use super::AuditError;
use super::entry::ChainHead;
use super::store::{AuditStore, Step, StoredLine, StoredLines, Transaction, check_no_line_feed};

/// An advisory lock key taken while the migration runs ("liaison" in ASCII).
const MIGRATION_LOCK: i64 = 0x006c_6961_6973_6f6e;

/// Audit lines and accepted parcel ids in a PostgreSQL database.
pub struct PostgresStore {
    client: Mutex<postgres::Client>,
    statements: Statements,
    /// The URL without its password, for messages.
    shown: String,
}

/// The statements of a durable step, prepared once per connection.
struct Statements {
    head: postgres::Statement,
    accepted: postgres::Statement,
    insert_entry: postgres::Statement,
    insert_id: postgres::Statement,
}

impl Statements {
    fn prepare(client: &mut postgres::Client) -> Result<Self, AuditError> {
        Ok(Self {
            head: client
                .prepare("SELECT seq, hash FROM liaison_audit ORDER BY seq DESC LIMIT 1")
                .map_err(db_error)?,
            accepted: client
                .prepare("SELECT 1 FROM liaison_replay WHERE sender = $1 AND parcel = $2::text::uuid")
                .map_err(db_error)?,
            insert_entry: client
                .prepare("INSERT INTO liaison_audit (seq, hash, prev, line) VALUES ($1, $2, $3, $4)")
                .map_err(db_error)?,
            insert_id: client
                .prepare(
                    "INSERT INTO liaison_replay (sender, parcel, received_at) VALUES ($1, $2::text::uuid, $3::text::timestamptz)",
                )
                .map_err(db_error)?,
        })
    }
}

impl fmt::Debug for PostgresStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PostgresStore")
            .field("url", &self.shown)
            .finish_non_exhaustive()
    }
}

fn db_error(e: postgres::Error) -> AuditError {
    AuditError::Store {
        source: io::Error::other(describe(&e)),
    }
}

/// The error with the server's message, which `Display` leaves out.
fn describe(e: &postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => format!("{e}: {} ({})", db.message(), db.code().code()),
        None => e.to_string(),
    }
}

/// `url` with any password replaced by `***`.
fn without_password(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let users = url.get(scheme.saturating_add(3)..at).unwrap_or_default();
            match users.split_once(':') {
                Some((user, _)) => format!(
                    "{}{user}:***{}",
                    url.get(..scheme.saturating_add(3)).unwrap_or_default(),
                    url.get(at..).unwrap_or_default()
                ),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

impl PostgresStore {
    /// The schema migration, as in `migrations/0001_exchange_state.sql`.
    pub const MIGRATION: &'static str = include_str!("../../migrations/0001_exchange_state.sql");

    /// Connects to the database at `url` (`postgres://USER@HOST:PORT/DB`,
    /// any form the `postgres` crate reads), without TLS (use a local
    /// socket, or a network the agency controls), and runs the migration.
    ///
    /// # Errors
    ///
    /// [`AuditError::Store`] when the server cannot be reached or the
    /// migration fails.
    pub fn connect(url: &str) -> Result<Self, AuditError> {
        let shown = without_password(url);
        let mut client = postgres::Client::connect(url, postgres::NoTls).map_err(|e| {
            AuditError::Store {
                source: io::Error::other(format!(
                    "cannot connect to `{shown}` ({e}); check that the server runs and the URL is right"
                )),
            }
        })?;
        let mut tx = client.transaction().map_err(db_error)?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
            .map_err(db_error)?;
        tx.batch_execute(Self::MIGRATION).map_err(db_error)?;
        tx.commit().map_err(db_error)?;
        let statements = Statements::prepare(&mut client)?;
        Ok(Self {
            statements,
            client: Mutex::new(client),
            shown,
        })
    }

    fn client(&self) -> MutexGuard<'_, postgres::Client> {
        // A client is left in a usable state by a failed call (its
        // transaction is rolled back when dropped).
        self.client.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

struct PgTransaction<'a, 'b> {
    tx: &'a mut postgres::Transaction<'b>,
    accepted: &'a postgres::Statement,
    head: Option<ChainHead>,
}

impl Transaction for PgTransaction<'_, '_> {
    fn head(&self) -> Option<&ChainHead> {
        self.head.as_ref()
    }

    fn is_accepted(&mut self, sender: &AgencyId, parcel: &Uuid) -> Result<bool, AuditError> {
        let row = self
            .tx
            .query_opt(
                self.accepted,
                &[&sender.as_str(), &parcel.hyphenated().to_string()],
            )
            .map_err(db_error)?;
        Ok(row.is_some())
    }

    /// Keeps every id: the ids are shared by instances whose windows and
    /// clocks differ, so none of them may forget one (see the module).
    fn prune(&mut self, _before: Timestamp) -> Result<(), AuditError> {
        Ok(())
    }
}

impl AuditStore for PostgresStore {
    fn transact(&mut self, step: &mut Step<'_>) -> Result<Option<ChainHead>, AuditError> {
        let mut client = self.client.lock().unwrap_or_else(PoisonError::into_inner);
        let mut tx = client.transaction().map_err(db_error)?;
        // The shared advisory lock keeps appends out of a migration that
        // another instance may be running; the table lock makes writers
        // take turns while readers go on.
        tx.batch_execute(&format!(
            "SELECT pg_advisory_xact_lock_shared({MIGRATION_LOCK}); LOCK TABLE liaison_audit IN SHARE ROW EXCLUSIVE MODE"
        ))
        .map_err(db_error)?;
        let statements = &self.statements;
        let head = tx
            .query_opt(&statements.head, &[])
            .map_err(db_error)?
            .map(|row| -> Result<ChainHead, AuditError> {
                let seq: i64 = row.try_get(0).map_err(db_error)?;
                Ok(ChainHead {
                    seq: u64::try_from(seq).map_err(|_| AuditError::Full)?,
                    hash: row.try_get(1).map_err(db_error)?,
                })
            })
            .transpose()?;
        let lines = step(&mut PgTransaction {
            tx: &mut tx,
            accepted: &statements.accepted,
            head: head.clone(),
        })?;
        check_no_line_feed(&lines)?;
        let Some(last) = lines.last().map(|l| ChainHead {
            seq: l.seq,
            hash: l.hash.clone(),
        }) else {
            tx.commit().map_err(db_error)?;
            return Ok(head);
        };
        let (insert_entry, insert_id) = (&statements.insert_entry, &statements.insert_id);
        for line in &lines {
            let seq = i64::try_from(line.seq).map_err(|_| AuditError::Full)?;
            let text = std::str::from_utf8(&line.bytes).map_err(|e| AuditError::Store {
                source: io::Error::new(io::ErrorKind::InvalidInput, e),
            })?;
            tx.execute(insert_entry, &[&seq, &line.hash, &line.prev, &text])
                .map_err(db_error)?;
            if let Some(accepted) = &line.accepted {
                tx.execute(
                    insert_id,
                    &[
                        &accepted.sender.as_str(),
                        &accepted.parcel.hyphenated().to_string(),
                        &accepted.at.to_string(),
                    ],
                )
                .map_err(db_error)?;
            }
        }
        tx.commit().map_err(db_error)?;
        Ok(Some(last))
    }

    fn line(&self, index: u64) -> io::Result<Option<StoredLine>> {
        // Sequence numbers start at 1; one past what a BIGINT holds is no
        // line.
        let Some(seq) = index.checked_add(1).and_then(|s| i64::try_from(s).ok()) else {
            return Ok(None);
        };
        let row = self
            .client()
            .query_opt("SELECT line FROM liaison_audit WHERE seq = $1", &[&seq])
            .map_err(|e| io::Error::other(describe(&e)))?;
        row.map(|row| {
            let text: String = row.try_get(0).map_err(|e| io::Error::other(describe(&e)))?;
            Ok(StoredLine {
                bytes: text.into_bytes(),
                complete: true,
            })
        })
        .transpose()
    }

    fn lines(&self) -> io::Result<StoredLines<'_>> {
        let rows = self
            .client()
            .query("SELECT line FROM liaison_audit ORDER BY seq", &[])
            .map_err(|e| io::Error::other(describe(&e)))?;
        let mut lines = Vec::with_capacity(rows.len());
        for row in rows {
            let text: String = row.try_get(0).map_err(|e| io::Error::other(describe(&e)))?;
            lines.push(StoredLine {
                bytes: text.into_bytes(),
                complete: true,
            });
        }
        Ok(Box::new(lines.into_iter().map(Ok)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_not_shown() {
        assert_eq!(
            without_password("postgres://audit:hunter2@db.example:5432/liaison"),
            "postgres://audit:***@db.example:5432/liaison"
        );
        assert_eq!(
            without_password("postgres://audit@db/liaison"),
            "postgres://audit@db/liaison"
        );
    }
}
