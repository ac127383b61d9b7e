//! The transparency log's storage: entries, hash tiles and signed
//! checkpoints (migration 0016). The store holds bytes; the Merkle math
//! and the formats are `kredit-tlog`'s, the sequencing `kredit_app::tlog`'s.
//! A batch of entries, the tiles they change and the checkpoint over the
//! new tree are written in one transaction that first checks the tree is
//! still the size the batch was computed on, so two sequencers can never
//! interleave and no checkpoint covers a tree that is not stored.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::{Postgres, Sqlite};

use kredit_core::ids::{DomainEventId, LoanId};

use crate::outbox::DomainEventRecord;
use crate::repository::{SqlRepository, StoreError, StoreResult};

/// Domain events the log looks back over for ones not yet logged. On
/// PostgreSQL an event's id is taken when its transaction inserts it, not
/// when it commits, so a lower id can become visible after a higher one
/// was logged; the window catches those (SQLite has one writer: none).
pub const LOOKBACK_EVENTS: i64 = 10_000;

/// Entries per INSERT statement (six parameters each, well inside both
/// databases' limits).
const INSERT_ROWS: usize = 1_000;

/// One entry to append.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewLogEntry {
    /// The domain event recorded; `None` for an entry migrated from the
    /// evidence chain.
    pub event_id: Option<DomainEventId>,
    pub subject: String,
    pub kind: String,
    pub loan_id: Option<LoanId>,
    /// The leaf's exact bytes.
    pub data: Vec<u8>,
}

/// A hash tile: `width` hashes of 32 bytes at `level`, tile `index`.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct TileRecord {
    pub level: i64,
    pub idx: i64,
    pub width: i64,
    pub data: Vec<u8>,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct CheckpointRecord {
    pub size: i64,
    pub root: Vec<u8>,
    /// The C2SP signed note.
    pub note: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct LogEntryRecord {
    pub idx: i64,
    pub event_id: Option<DomainEventId>,
    pub subject: String,
    pub kind: String,
    pub loan_id: Option<LoanId>,
    pub data: Vec<u8>,
}

/// What one sequencing round writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogAppend {
    /// The tree size the batch was computed on: the write is refused
    /// (`Conflict`) unless the latest checkpoint is still that size.
    pub old_size: i64,
    pub entries: Vec<NewLogEntry>,
    /// Every tile the new entries change (new full tiles, grown partial
    /// ones), replacing the stored tile at the same level and index.
    pub tiles: Vec<TileRecord>,
    pub checkpoint: CheckpointRecord,
}

#[async_trait]
pub trait LogStore: Send + Sync {
    /// The newest checkpoint.
    async fn latest_checkpoint(&self) -> StoreResult<Option<CheckpointRecord>>;
    async fn checkpoint(&self, size: i64) -> StoreResult<Option<CheckpointRecord>>;
    /// Replaces a checkpoint's note (the same body with cosignatures
    /// added); `false` if there is no checkpoint of that size.
    async fn update_checkpoint_note(&self, size: i64, note: &str) -> StoreResult<bool>;
    /// The domain events not yet in the log, in id order: those after
    /// the newest logged one, and any in the [`LOOKBACK_EVENTS`] window
    /// before it that committed late.
    async fn unlogged_events(&self, limit: i64) -> StoreResult<Vec<DomainEventRecord>>;
    async fn tile(&self, level: i64, index: i64) -> StoreResult<Option<TileRecord>>;
    /// Entries `from..to` (indexes), in order.
    async fn entries(&self, from: i64, to: i64) -> StoreResult<Vec<LogEntryRecord>>;
    /// The newest entry of this subject and kind (`contract:7`,
    /// `contract.signed`).
    async fn entry_of(&self, subject: &str, kind: &str) -> StoreResult<Option<LogEntryRecord>>;
    /// The index of the newest entry about this loan.
    async fn last_entry_of_loan(&self, loan: LoanId) -> StoreResult<Option<i64>>;
    /// Writes the batch in one transaction; `Conflict` if the tree is no
    /// longer `old_size` or an event is logged already.
    async fn append(&self, batch: &LogAppend) -> StoreResult<()>;
}

macro_rules! sql_log_store {
    ($db:ty) => {
        #[async_trait]
        impl LogStore for SqlRepository<$db> {
            async fn latest_checkpoint(&self) -> StoreResult<Option<CheckpointRecord>> {
                Ok(sqlx::query_as(
                    "SELECT size, root, note, created_at FROM tlog_checkpoints
                     ORDER BY size DESC LIMIT 1",
                )
                .fetch_optional(&self.pool)
                .await?)
            }

            async fn checkpoint(&self, size: i64) -> StoreResult<Option<CheckpointRecord>> {
                Ok(sqlx::query_as(
                    "SELECT size, root, note, created_at FROM tlog_checkpoints WHERE size = $1",
                )
                .bind(size)
                .fetch_optional(&self.pool)
                .await?)
            }

            async fn update_checkpoint_note(&self, size: i64, note: &str) -> StoreResult<bool> {
                Ok(
                    sqlx::query("UPDATE tlog_checkpoints SET note = $2 WHERE size = $1")
                        .bind(size)
                        .bind(note)
                        .execute(&self.pool)
                        .await?
                        .rows_affected()
                        == 1,
                )
            }

            async fn unlogged_events(&self, limit: i64) -> StoreResult<Vec<DomainEventRecord>> {
                Ok(sqlx::query_as(
                    "SELECT e.id, e.kind, e.subject, e.loan_id, e.payload, e.occurred_at
                     FROM domain_events e
                     WHERE e.id > (SELECT COALESCE(MAX(event_id), 0) - $1 FROM tlog_entries)
                       AND NOT EXISTS (SELECT 1 FROM tlog_entries t WHERE t.event_id = e.id)
                     ORDER BY e.id LIMIT $2",
                )
                .bind(LOOKBACK_EVENTS)
                .bind(limit)
                .fetch_all(&self.pool)
                .await?)
            }

            async fn tile(&self, level: i64, index: i64) -> StoreResult<Option<TileRecord>> {
                Ok(sqlx::query_as(
                    "SELECT level, idx, width, data FROM tlog_tiles WHERE level = $1 AND idx = $2",
                )
                .bind(level)
                .bind(index)
                .fetch_optional(&self.pool)
                .await?)
            }

            async fn entries(&self, from: i64, to: i64) -> StoreResult<Vec<LogEntryRecord>> {
                Ok(sqlx::query_as(
                    "SELECT idx, event_id, subject, kind, loan_id, data FROM tlog_entries
                     WHERE idx >= $1 AND idx < $2 ORDER BY idx",
                )
                .bind(from)
                .bind(to)
                .fetch_all(&self.pool)
                .await?)
            }

            async fn entry_of(
                &self,
                subject: &str,
                kind: &str,
            ) -> StoreResult<Option<LogEntryRecord>> {
                Ok(sqlx::query_as(
                    "SELECT idx, event_id, subject, kind, loan_id, data FROM tlog_entries
                     WHERE subject = $1 AND kind = $2 ORDER BY idx DESC LIMIT 1",
                )
                .bind(subject)
                .bind(kind)
                .fetch_optional(&self.pool)
                .await?)
            }

            async fn last_entry_of_loan(&self, loan: LoanId) -> StoreResult<Option<i64>> {
                Ok(
                    sqlx::query_scalar("SELECT MAX(idx) FROM tlog_entries WHERE loan_id = $1")
                        .bind(loan)
                        .fetch_one(&self.pool)
                        .await?,
                )
            }

            async fn append(&self, batch: &LogAppend) -> StoreResult<()> {
                let mut tx = self.pool.begin().await?;
                let size: i64 = sqlx::query_scalar(
                    "SELECT CAST(COALESCE(MAX(size), 0) AS BIGINT) FROM tlog_checkpoints",
                )
                .fetch_one(&mut *tx)
                .await?;
                if size != batch.old_size
                    || batch.checkpoint.size != batch.old_size + batch.entries.len() as i64
                {
                    return Err(StoreError::Conflict);
                }
                // Multi-row inserts: one statement per chunk, not per entry.
                for (chunk_number, chunk) in batch.entries.chunks(INSERT_ROWS).enumerate() {
                    let first = batch.old_size + (chunk_number * INSERT_ROWS) as i64;
                    let mut insert = sqlx::QueryBuilder::<$db>::new(
                        "INSERT INTO tlog_entries (idx, event_id, subject, kind, loan_id, data) ",
                    );
                    insert.push_values(chunk.iter().enumerate(), |mut row, (offset, entry)| {
                        row.push_bind(first + offset as i64)
                            .push_bind(entry.event_id)
                            .push_bind(&entry.subject)
                            .push_bind(&entry.kind)
                            .push_bind(entry.loan_id)
                            .push_bind(&entry.data);
                    });
                    insert
                        .build()
                        .execute(&mut *tx)
                        .await
                        .map_err(StoreError::from_write)?;
                }
                for tile in &batch.tiles {
                    sqlx::query(
                        "INSERT INTO tlog_tiles (level, idx, width, data) VALUES ($1, $2, $3, $4)
                         ON CONFLICT (level, idx) DO UPDATE
                             SET width = excluded.width, data = excluded.data
                             WHERE tlog_tiles.width < excluded.width",
                    )
                    .bind(tile.level)
                    .bind(tile.idx)
                    .bind(tile.width)
                    .bind(&tile.data)
                    .execute(&mut *tx)
                    .await?;
                }
                let checkpoint = &batch.checkpoint;
                sqlx::query(
                    "INSERT INTO tlog_checkpoints (size, root, note, created_at)
                     VALUES ($1, $2, $3, $4)",
                )
                .bind(checkpoint.size)
                .bind(&checkpoint.root)
                .bind(&checkpoint.note)
                .bind(checkpoint.created_at)
                .execute(&mut *tx)
                .await
                .map_err(StoreError::from_write)?;
                tx.commit().await?;
                Ok(())
            }
        }
    };
}

sql_log_store!(Sqlite);
sql_log_store!(Postgres);
