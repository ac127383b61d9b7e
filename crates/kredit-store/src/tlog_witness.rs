//! What the log knows of its witnesses (migration 0018): per witness, the
//! size it holds for this log and the last call's outcome; per checkpoint,
//! when it reached its quorum and became the published one. The protocol
//! is `kredit_app::tlog::witnessing`'s.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::{Postgres, Sqlite};

use crate::repository::{SqlRepository, StoreResult};
use crate::tlog::CheckpointRecord;

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct WitnessRecord {
    /// The witness's verifier key line.
    pub witness: String,
    /// The size the witness holds for this log: the old size of the next
    /// `add-checkpoint`.
    pub size: i64,
    /// The largest checkpoint it cosigned for this log.
    pub cosigned_size: Option<i64>,
    /// Why the last call failed; `None` after a success.
    pub last_error: Option<String>,
    pub updated_at: DateTime<Utc>,
}

#[async_trait]
pub trait WitnessStore: Send + Sync {
    async fn witnesses(&self) -> StoreResult<Vec<WitnessRecord>>;
    /// Inserts or replaces the witness's row.
    async fn save_witness(&self, record: &WitnessRecord) -> StoreResult<()>;
    /// Records that checkpoint `size` reached its quorum (once: the first
    /// time stays).
    async fn publish_checkpoint(&self, size: i64, at: DateTime<Utc>) -> StoreResult<()>;
    /// The newest checkpoint that reached its quorum.
    async fn latest_published_checkpoint(&self) -> StoreResult<Option<CheckpointRecord>>;
}

macro_rules! sql_witness_store {
    ($db:ty) => {
        #[async_trait]
        impl WitnessStore for SqlRepository<$db> {
            async fn witnesses(&self) -> StoreResult<Vec<WitnessRecord>> {
                Ok(sqlx::query_as(
                    "SELECT witness, size, cosigned_size, last_error, updated_at
                     FROM tlog_witnesses ORDER BY witness",
                )
                .fetch_all(&self.pool)
                .await?)
            }

            async fn save_witness(&self, record: &WitnessRecord) -> StoreResult<()> {
                sqlx::query(
                    "INSERT INTO tlog_witnesses (witness, size, cosigned_size, last_error, updated_at)
                     VALUES ($1, $2, $3, $4, $5)
                     ON CONFLICT (witness) DO UPDATE SET size = excluded.size,
                         cosigned_size = excluded.cosigned_size,
                         last_error = excluded.last_error, updated_at = excluded.updated_at",
                )
                .bind(&record.witness)
                .bind(record.size)
                .bind(record.cosigned_size)
                .bind(&record.last_error)
                .bind(record.updated_at)
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn publish_checkpoint(&self, size: i64, at: DateTime<Utc>) -> StoreResult<()> {
                sqlx::query(
                    "UPDATE tlog_checkpoints SET published_at = $2
                     WHERE size = $1 AND published_at IS NULL",
                )
                .bind(size)
                .bind(at)
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn latest_published_checkpoint(&self) -> StoreResult<Option<CheckpointRecord>> {
                Ok(sqlx::query_as(
                    "SELECT size, root, note, created_at FROM tlog_checkpoints
                     WHERE published_at IS NOT NULL ORDER BY size DESC LIMIT 1",
                )
                .fetch_optional(&self.pool)
                .await?)
            }
        }
    };
}

sql_witness_store!(Sqlite);
sql_witness_store!(Postgres);
