//! The hot path of a decision on SQLite, without sqlx's thread hand-offs.
//!
//! sqlx runs every SQLite statement on the connection's own thread and
//! hands the outcome back through a channel: two thread switches per
//! statement, and a ping (another round trip) each time a connection leaves
//! or returns to the pool. A decision made about a dozen (five reads, then a
//! write transaction of six statements holding SQLite's only write lock),
//! and the switches, not SQLite, were most of its cost (docs/benchmarks.md).
//! [`Direct`] keeps rusqlite connections of its own to the database file,
//! used on the calling thread:
//! - read-only ones for the hot reads: a WAL reader never waits for the
//!   writer, so a read is a few microseconds of work with no hand-off;
//! - one writer for the decision's transaction. sqlx's one connection stays
//!   the process's write gate: the direct writer holds it, untouched, while
//!   it writes, so it never meets an sqlx write of this process at SQLite's
//!   lock (whose busy handler sleeps).
//!
//! The SQL is the same text the sqlx paths bind (`$n` parameters are
//! numbered in order of first use, which is how both drivers bind them).

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};
use kredit_core::ids::{ApplicationId, LoanId};
use rusqlite::{ErrorCode, OpenFlags, Transaction, TransactionBehavior, params};
use sqlx::SqlitePool;
use tokio::runtime::{Handle, RuntimeFlavor};

use crate::connect::SQLITE_BUSY_TIMEOUT;
use crate::model::IdempotentReply;
use crate::models::{INSERT_MODEL_SCORE, NewModelScore};
use crate::outbox::{INSERT_DOMAIN_EVENT, NewDomainEvent};
use crate::repository::{INSERT_IDEMPOTENT_REPLY, StoreError, StoreResult};

/// Connections of their own to one SQLite file (see the module's text).
pub(crate) struct Direct {
    path: PathBuf,
    idle_readers: Mutex<Vec<rusqlite::Connection>>,
    writer: Mutex<Option<rusqlite::Connection>>,
}

impl Direct {
    /// `None` for a database with no file (in memory): it is reached through
    /// sqlx alone.
    pub(crate) fn for_file(path: &Path) -> Option<Self> {
        path.is_file().then(|| Direct {
            path: path.to_owned(),
            idle_readers: Mutex::new(Vec::new()),
            writer: Mutex::new(None),
        })
    }

    /// Runs `body` in one `BEGIN IMMEDIATE` transaction, committed if `body`
    /// succeeds and rolled back if not, while holding `pool`'s connection so
    /// no sqlx write of this process runs meanwhile.
    pub(crate) async fn write<T>(
        &self,
        pool: &SqlitePool,
        body: impl FnOnce(&Transaction<'_>) -> StoreResult<T>,
    ) -> StoreResult<T> {
        let _gate = pool.acquire().await?;
        let mut writer = self.writer.lock().map_err(poisoned)?;
        let connection = match &mut *writer {
            Some(connection) => connection,
            None => writer.insert(self.open_writer()?),
        };
        // No wait at the lock on the runtime's thread: only another process
        // can hold it, and waiting for that one (the busy timeout) must not
        // stall the runtime's other tasks.
        match connection.transaction_with_behavior(TransactionBehavior::Immediate) {
            Ok(transaction) => return commit(transaction, body),
            Err(error) if error.sqlite_error_code() == Some(ErrorCode::DatabaseBusy) => {}
            Err(error) => return Err(error.into()),
        }
        off_the_runtime(|| {
            connection.busy_timeout(SQLITE_BUSY_TIMEOUT)?;
            let begun = connection.transaction_with_behavior(TransactionBehavior::Immediate);
            let result = begun
                .map_err(StoreError::from)
                .and_then(|tx| commit(tx, body));
            connection.busy_timeout(Duration::ZERO)?;
            result
        })
    }

    pub(crate) fn read<T>(
        &self,
        body: impl FnOnce(&rusqlite::Connection) -> rusqlite::Result<T>,
    ) -> StoreResult<T> {
        let reused = self.idle_readers.lock().map_err(poisoned)?.pop();
        let connection = match reused {
            Some(connection) => connection,
            None => self.open_reader()?,
        };
        let value = body(&connection)?;
        self.idle_readers.lock().map_err(poisoned)?.push(connection);
        Ok(value)
    }

    fn open_reader(&self) -> StoreResult<rusqlite::Connection> {
        let connection = self.open(OpenFlags::SQLITE_OPEN_READ_ONLY)?;
        connection.busy_timeout(SQLITE_BUSY_TIMEOUT)?;
        Ok(connection)
    }

    /// The settings of sqlx's connection (connect.rs) that are per
    /// connection; WAL mode belongs to the file.
    fn open_writer(&self) -> StoreResult<rusqlite::Connection> {
        let connection = self.open(OpenFlags::SQLITE_OPEN_READ_WRITE)?;
        connection.busy_timeout(Duration::ZERO)?;
        connection.pragma_update(None, "foreign_keys", true)?;
        connection.pragma_update(None, "synchronous", "NORMAL")?;
        connection.pragma_update(
            None,
            "wal_autocheckpoint",
            crate::connect::SQLITE_AUTOCHECKPOINT_PAGES,
        )?;
        Ok(connection)
    }

    /// Used by one thread at a time (a connection is taken from its list or
    /// lock), so SQLite's own mutex is not needed.
    fn open(&self, access: OpenFlags) -> rusqlite::Result<rusqlite::Connection> {
        rusqlite::Connection::open_with_flags(&self.path, access | OpenFlags::SQLITE_OPEN_NO_MUTEX)
    }
}

fn commit<T>(
    transaction: Transaction<'_>,
    body: impl FnOnce(&Transaction<'_>) -> StoreResult<T>,
) -> StoreResult<T> {
    let value = body(&transaction)?;
    transaction.commit()?;
    Ok(value)
}

fn off_the_runtime<T>(run: impl FnOnce() -> T) -> T {
    match Handle::try_current().map(|handle| handle.runtime_flavor()) {
        Ok(RuntimeFlavor::MultiThread) => tokio::task::block_in_place(run),
        _ => run(),
    }
}

/// A timestamp as sqlx writes `DateTime<Utc>` to SQLite, so both paths'
/// rows read back alike.
pub(crate) fn timestamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::AutoSi, false)
}

pub(crate) fn insert_model_scores(
    transaction: &Transaction<'_>,
    application_id: ApplicationId,
    scores: &[NewModelScore],
) -> StoreResult<()> {
    let application_id = i64::from(application_id);
    for score in scores {
        transaction
            .prepare_cached(INSERT_MODEL_SCORE)?
            .execute(params![
                application_id,
                i64::from(score.model_version_id),
                score.role.as_str(),
                score.score,
                score.pd_units,
                score.reasons,
                score.features,
                timestamp(score.scored_at),
            ])?;
    }
    Ok(())
}

pub(crate) fn insert_domain_events(
    transaction: &Transaction<'_>,
    events: &[NewDomainEvent],
    subject: &str,
    loan_id: Option<LoanId>,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    for event in events {
        transaction
            .prepare_cached(INSERT_DOMAIN_EVENT)?
            .execute(params![
                event.kind,
                subject,
                loan_id.map(i64::from),
                event.payload,
                timestamp(now)
            ])?;
    }
    Ok(())
}

/// `Conflict` if a twin took the key first, as on the sqlx path.
pub(crate) fn insert_idempotent_reply<R>(
    transaction: &Transaction<'_>,
    reply: &IdempotentReply<'_, R>,
    row: &R,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    let body = (reply.body)(row).map_err(StoreError::Invariant)?;
    transaction
        .prepare_cached(INSERT_IDEMPOTENT_REPLY)?
        .execute(params![
            i64::from(reply.user_id),
            reply.key,
            reply.request_hash,
            i32::from(reply.status),
            body,
            timestamp(now),
        ])?;
    Ok(())
}

impl From<rusqlite::Error> for StoreError {
    fn from(error: rusqlite::Error) -> Self {
        use rusqlite::ffi::{SQLITE_CONSTRAINT_PRIMARYKEY, SQLITE_CONSTRAINT_UNIQUE};
        match &error {
            rusqlite::Error::SqliteFailure(failure, _)
                if matches!(
                    failure.extended_code,
                    SQLITE_CONSTRAINT_UNIQUE | SQLITE_CONSTRAINT_PRIMARYKEY
                ) =>
            {
                StoreError::Conflict
            }
            _ => StoreError::Sqlite(error.to_string()),
        }
    }
}

fn poisoned<T>(_: std::sync::PoisonError<T>) -> StoreError {
    StoreError::Invariant("a direct SQLite connection's lock was poisoned".to_owned())
}

/// A stored text that is not one of its enum's values.
pub(crate) fn conversion<E: Into<Box<dyn std::error::Error + Send + Sync>>>(
    column: usize,
) -> impl FnOnce(E) -> rusqlite::Error {
    move |error| {
        rusqlite::Error::FromSqlConversionFailure(column, rusqlite::types::Type::Text, error.into())
    }
}

/// How often the WAL's written pages are sent to disk. Keeping little of it
/// unwritten keeps a checkpoint's sync of the WAL short: while that sync
/// writes a page out, the commit appending to the same page waits for it,
/// and with 250 ms of WAL behind each sync that wait was the decisions' p99
/// on disk (docs/benchmarks.md). `fdatasync` from a handle of our own
/// changes nothing SQLite relies on (its locks are on the database and
/// `-shm` files).
const WAL_FLUSH_EVERY: Duration = Duration::from_millis(20);

/// Every fifth tick checkpoints the WAL into the database file instead
/// (every 100 ms); a checkpoint syncs the WAL itself.
const TICKS_PER_CHECKPOINT: u32 = 5;

/// Checkpoints the WAL, and flushes it between checkpoints, from handles of
/// its own for as long as `direct` (the repository) lives, so that commits
/// do not: the commit that crosses the automatic checkpoint's threshold runs
/// the checkpoint and its two fsyncs while holding the write lock, and every
/// write queued behind it waits (the latency tail on a busy disk;
/// connect.rs). A passive checkpoint waits for no reader or writer.
pub(crate) fn spawn_checkpointer(direct: &Arc<Direct>) {
    let direct = Arc::downgrade(direct);
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(WAL_FLUSH_EVERY);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut handles = Housekeeping::default();
        for tick in 0u32.. {
            ticks.tick().await;
            let Some(path) = direct.upgrade().map(|direct| direct.path.clone()) else {
                return;
            };
            let checkpoint = tick % TICKS_PER_CHECKPOINT == 0;
            let outcome = tokio::task::spawn_blocking(move || {
                let done = if checkpoint {
                    handles.checkpoint(&path)
                } else {
                    handles.flush_wal(&path)
                };
                (handles, done)
            })
            .await;
            handles = match outcome {
                Ok((kept, Ok(()))) => kept,
                Ok((_, Err(error))) => {
                    tracing::warn!(%error, checkpoint, "WAL housekeeping failed; retrying");
                    Housekeeping::default()
                }
                Err(error) => {
                    tracing::warn!(%error, "WAL housekeeping task failed; retrying");
                    Housekeeping::default()
                }
            };
        }
    });
}

/// The checkpointer's connection and WAL handle, opened when first needed
/// and opened afresh after an error.
#[derive(Default)]
struct Housekeeping {
    connection: Option<rusqlite::Connection>,
    wal: Option<std::fs::File>,
}

impl Housekeeping {
    fn checkpoint(&mut self, database: &Path) -> Result<(), String> {
        let connection = match &self.connection {
            Some(connection) => connection,
            None => self
                .connection
                .insert(rusqlite::Connection::open(database).map_err(|e| e.to_string())?),
        };
        connection
            .query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()))
            .map_err(|error| error.to_string())
    }

    fn flush_wal(&mut self, database: &Path) -> Result<(), String> {
        let wal = match &self.wal {
            Some(wal) => wal,
            None => {
                let mut path = database.as_os_str().to_owned();
                path.push("-wal");
                match std::fs::OpenOptions::new().write(true).open(path) {
                    Ok(wal) => self.wal.insert(wal),
                    // No write yet: nothing to flush.
                    Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(()),
                    Err(error) => return Err(error.to_string()),
                }
            }
        };
        wal.sync_data().map_err(|error| error.to_string())
    }
}
