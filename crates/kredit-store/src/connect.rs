//! Opening a repository from a database URL.

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

use crate::repository::{Repository, SqlRepository, StoreError, StoreResult};

/// How long an SQLite writer waits for the lock before giving up: long
/// enough to ride out another writer's transaction under load.
pub(crate) const SQLITE_BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// WAL pages after which a commit checkpoints by itself: a safety net only.
/// Checkpoints run off the writer's path every 100 ms
/// (`sqlite_direct::spawn_checkpointer`), so the WAL stays far below this
/// unless nothing has checkpointed for a long while (SQLite's default, 1,000
/// pages, is a few hundred decisions: the commit that crossed it ran the
/// checkpoint and its fsyncs while holding the write lock).
pub(crate) const SQLITE_AUTOCHECKPOINT_PAGES: &str = "20000";

/// SQLite has one writer: one connection writes, so writers wait in the
/// pool's queue (no sleep) instead of meeting SQLite's busy handler, whose
/// sleeps (1 ms growing to 100 ms) were the tail of the API's latency when
/// several connections wrote (docs/benchmarks.md). A decision's direct
/// writer (`sqlite_direct`) holds this connection while it writes, so it
/// queues alike. The pool is also for reading; the hot reads of a decision and close of business's chunks read
/// through connections of their own, which WAL lets read while the writer
/// writes.
const SQLITE_CONNECTIONS: u32 = 1;
/// Enough for several instances' worth of concurrent requests per instance
/// without crowding the server's default of 100.
const POSTGRES_CONNECTIONS: u32 = 16;

/// Opens a pool for `sqlite://…` (file created if missing) or
/// `postgres://…` / `postgresql://…`. Does not migrate.
pub async fn connect(url: &str) -> StoreResult<Arc<dyn Repository>> {
    if url.starts_with("sqlite:") {
        let options = SqliteConnectOptions::from_str(url)?;
        connect_sqlite(options).await
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        let options = PgConnectOptions::from_str(url)?;
        connect_postgres(options).await
    } else {
        Err(StoreError::UnsupportedUrl(url.to_owned()))
    }
}

/// SQLite in WAL mode (readers never block the writer), with a busy
/// timeout and foreign keys enforced. `synchronous = NORMAL` is the setting
/// WAL is designed for: a commit is atomic and survives a crash of the
/// process; only a power loss or OS crash can lose the last commits (the WAL
/// is synced at checkpoints), never corrupt the database. Production
/// deployments that need every commit on disk run PostgreSQL.
pub async fn connect_sqlite(options: SqliteConnectOptions) -> StoreResult<Arc<dyn Repository>> {
    let options = options
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .busy_timeout(SQLITE_BUSY_TIMEOUT)
        .foreign_keys(true)
        .pragma("wal_autocheckpoint", SQLITE_AUTOCHECKPOINT_PAGES);
    let pool = SqlitePoolOptions::new()
        .max_connections(SQLITE_CONNECTIONS)
        // An embedded database's connection cannot go stale, and the ping
        // is a round trip to sqlx's worker thread on every acquire.
        .test_before_acquire(false)
        .connect_with(options)
        .await?;
    Ok(Arc::new(SqlRepository::sqlite(pool)))
}

pub async fn connect_postgres(options: PgConnectOptions) -> StoreResult<Arc<dyn Repository>> {
    let pool = PgPoolOptions::new()
        .max_connections(POSTGRES_CONNECTIONS)
        .connect_with(options)
        .await?;
    Ok(Arc::new(SqlRepository::new(pool)))
}
