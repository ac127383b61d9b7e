//! The hot path of a decision on SQLite, without sqlx's thread hand-offs.
//!
//! sqlx runs every SQLite statement on the connection's own thread and
//! hands the outcome back through a channel: two thread switches per
//! statement. A decision made about a dozen (five reads, then a write
//! transaction of six statements holding SQLite's only write lock), and the
//! switches, not SQLite, were most of its cost (docs/benchmarks.md).
//! - [`write`] locks the writer's handle out of sqlx's thread once and runs
//!   the whole transaction here through rusqlite on the same handle, so it
//!   keeps the connection's settings (WAL, busy timeout, foreign keys) and
//!   its place as the one writer.
//! - [`Readers`] are rusqlite connections of their own for the hot reads,
//!   run on the calling thread: a WAL reader never waits for the writer, so
//!   a read is a few microseconds of work with no hand-off at all.
//!
//! The SQL is the same text the sqlx paths bind (`$n` parameters are
//! numbered in order of first use, which is how both drivers bind them).

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use chrono::{DateTime, SecondsFormat, Utc};
use kredit_core::ids::{ApplicationId, LoanId};
use rusqlite::{OpenFlags, Transaction, TransactionBehavior, params};
use sqlx::SqlitePool;
use tokio::runtime::{Handle, RuntimeFlavor};

use crate::model::IdempotentReply;
use crate::models::{INSERT_MODEL_SCORE, NewModelScore};
use crate::outbox::{INSERT_DOMAIN_EVENT, NewDomainEvent};
use crate::repository::{INSERT_IDEMPOTENT_REPLY, StoreError, StoreResult};

/// Runs `body` in one `BEGIN IMMEDIATE` transaction on the pool's (only)
/// writer connection, committed if `body` succeeds and rolled back if not.
#[allow(unsafe_code)]
pub(crate) async fn write<T>(
    pool: &SqlitePool,
    body: impl FnOnce(&Transaction<'_>) -> StoreResult<T>,
) -> StoreResult<T> {
    let mut connection = pool.acquire().await?;
    let mut locked = connection.lock_handle().await?;
    let raw = locked.as_raw_handle();
    let run = move || {
        // SAFETY: sqlx's worker leaves the handle alone while `locked` lives,
        // which outlives this rusqlite connection; a connection made from a
        // borrowed handle never closes it.
        let mut direct = unsafe { rusqlite::Connection::from_handle(raw.as_ptr()) }?;
        let transaction = direct.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let value = body(&transaction)?;
        transaction.commit()?;
        Ok(value)
    };
    // The transaction is short, but waiting for another process's write
    // lock (the busy timeout) must not stall the runtime's other tasks.
    let result = match Handle::current().runtime_flavor() {
        RuntimeFlavor::MultiThread => tokio::task::block_in_place(run),
        _ => run(),
    };
    drop(locked);
    result
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
        transaction.execute(
            INSERT_MODEL_SCORE,
            params![
                application_id,
                i64::from(score.model_version_id),
                score.role.as_str(),
                score.score,
                score.pd_units,
                score.reasons,
                score.features,
                timestamp(score.scored_at),
            ],
        )?;
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
        transaction.execute(
            INSERT_DOMAIN_EVENT,
            params![
                event.kind,
                subject,
                loan_id.map(i64::from),
                event.payload,
                timestamp(now)
            ],
        )?;
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
    transaction.execute(
        INSERT_IDEMPOTENT_REPLY,
        params![
            i64::from(reply.user_id),
            reply.key,
            reply.request_hash,
            i32::from(reply.status),
            body,
            timestamp(now),
        ],
    )?;
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

/// Read-only connections to a database file for the hot reads, opened as
/// needed and kept for reuse (at most one per thread reading at once, since
/// a read never awaits).
pub(crate) struct Readers {
    path: PathBuf,
    idle: Mutex<Vec<rusqlite::Connection>>,
}

impl Readers {
    /// `None` for a database with no file (in memory): its reads go through
    /// sqlx.
    pub(crate) fn for_file(path: &Path) -> Option<Self> {
        path.is_file().then(|| Readers {
            path: path.to_owned(),
            idle: Mutex::new(Vec::new()),
        })
    }

    pub(crate) fn read<T>(
        &self,
        body: impl FnOnce(&rusqlite::Connection) -> rusqlite::Result<T>,
    ) -> StoreResult<T> {
        let reused = self.idle.lock().map_err(poisoned)?.pop();
        let connection = match reused {
            Some(connection) => connection,
            None => self.open()?,
        };
        let value = body(&connection)?;
        self.idle.lock().map_err(poisoned)?.push(connection);
        Ok(value)
    }

    fn open(&self) -> StoreResult<rusqlite::Connection> {
        let connection = rusqlite::Connection::open_with_flags(
            &self.path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        connection.busy_timeout(crate::connect::SQLITE_BUSY_TIMEOUT)?;
        Ok(connection)
    }
}

fn poisoned<T>(_: std::sync::PoisonError<T>) -> StoreError {
    StoreError::Invariant("the SQLite reader list was poisoned".to_owned())
}

/// A stored text that is not one of its enum's values.
pub(crate) fn conversion<E: Into<Box<dyn std::error::Error + Send + Sync>>>(
    column: usize,
) -> impl FnOnce(E) -> rusqlite::Error {
    move |error| {
        rusqlite::Error::FromSqlConversionFailure(column, rusqlite::types::Type::Text, error.into())
    }
}

/// How often the WAL is checkpointed into the database file.
const CHECKPOINT_EVERY: std::time::Duration = std::time::Duration::from_millis(250);

/// Checkpoints the WAL from a connection of its own for as long as
/// `readers` (the repository) lives, so that commits do not: the commit
/// that crosses the automatic checkpoint's threshold runs the checkpoint and
/// its two fsyncs while holding the write lock, and every write queued
/// behind it waits (the latency tail on a busy disk; connect.rs). A passive
/// checkpoint waits for no reader or writer.
pub(crate) fn spawn_checkpointer(readers: &Arc<Readers>) {
    let readers = Arc::downgrade(readers);
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(CHECKPOINT_EVERY);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut connection: Option<rusqlite::Connection> = None;
        loop {
            ticks.tick().await;
            let Some(path) = readers.upgrade().map(|readers| readers.path.clone()) else {
                return;
            };
            let checkpointed = tokio::task::spawn_blocking(move || {
                let connection = match connection {
                    Some(connection) => connection,
                    None => rusqlite::Connection::open(&path)?,
                };
                connection.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()))?;
                Ok::<_, rusqlite::Error>(connection)
            })
            .await;
            connection = match checkpointed {
                Ok(Ok(connection)) => Some(connection),
                Ok(Err(error)) => {
                    tracing::warn!(%error, "WAL checkpoint failed; retrying");
                    None
                }
                Err(error) => {
                    tracing::warn!(%error, "WAL checkpoint task failed; retrying");
                    None
                }
            };
        }
    });
}
