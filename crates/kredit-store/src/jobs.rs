//! Scheduled work shared by several instances over one database: named
//! leases (only the holder of `close_of_business` runs the scheduled close
//! of business) and the history of close-of-business runs.

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use sqlx::{Postgres, Sqlite};

use crate::repository::{SqlRepository, StoreResult};

/// One close-of-business run, as `kredit cob status` shows it.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct CobRunRecord {
    pub id: i64,
    pub from_date: NaiveDate,
    pub to_date: NaiveDate,
    /// `running` or `done`.
    pub status: String,
    pub chunk_count: i64,
    pub chunks_done: i64,
    pub loans: i64,
    pub started_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
}

/// Who holds a lease, until when.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct LeaseRecord {
    pub name: String,
    pub holder: String,
    pub expires_at: DateTime<Utc>,
}

#[async_trait]
pub trait JobStore: Send + Sync {
    /// Takes or renews the lease `name` for `holder` until `until`: `true`
    /// if `holder` now holds it (it was free, expired before `now`, or
    /// already `holder`'s), `false` if another holder's lease is live.
    async fn acquire_lease(
        &self,
        name: &str,
        holder: &str,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> StoreResult<bool>;
    /// Gives the lease up if `holder` holds it.
    async fn release_lease(&self, name: &str, holder: &str) -> StoreResult<()>;
    async fn lease(&self, name: &str) -> StoreResult<Option<LeaseRecord>>;
    /// The newest close-of-business runs first, with their progress.
    async fn cob_runs(&self, limit: i64) -> StoreResult<Vec<CobRunRecord>>;
}

macro_rules! sql_job_store {
    ($db:ty) => {
        #[async_trait]
        impl JobStore for SqlRepository<$db> {
            async fn acquire_lease(
                &self,
                name: &str,
                holder: &str,
                now: DateTime<Utc>,
                until: DateTime<Utc>,
            ) -> StoreResult<bool> {
                let taken = sqlx::query(
                    "INSERT INTO job_leases (name, holder, expires_at) VALUES ($1, $2, $3)
                     ON CONFLICT (name) DO UPDATE
                         SET holder = excluded.holder, expires_at = excluded.expires_at
                         WHERE job_leases.holder = excluded.holder OR job_leases.expires_at < $4",
                )
                .bind(name)
                .bind(holder)
                .bind(until)
                .bind(now)
                .execute(&self.pool)
                .await?
                .rows_affected();
                Ok(taken == 1)
            }

            async fn release_lease(&self, name: &str, holder: &str) -> StoreResult<()> {
                sqlx::query("DELETE FROM job_leases WHERE name = $1 AND holder = $2")
                    .bind(name)
                    .bind(holder)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn lease(&self, name: &str) -> StoreResult<Option<LeaseRecord>> {
                Ok(sqlx::query_as(
                    "SELECT name, holder, expires_at FROM job_leases WHERE name = $1",
                )
                .bind(name)
                .fetch_optional(&self.pool)
                .await?)
            }

            async fn cob_runs(&self, limit: i64) -> StoreResult<Vec<CobRunRecord>> {
                Ok(sqlx::query_as(
                    "SELECT r.id, r.from_date, r.to_date, r.status, r.chunk_count,
                            COUNT(c.done_at) AS chunks_done,
                            CAST(COALESCE(SUM(c.loans), 0) AS BIGINT) AS loans,
                            r.started_at, r.finished_at
                     FROM cob_runs r LEFT JOIN cob_chunks c ON c.run_id = r.id
                     GROUP BY r.id, r.from_date, r.to_date, r.status, r.chunk_count,
                              r.started_at, r.finished_at
                     ORDER BY r.id DESC LIMIT $1",
                )
                .bind(limit)
                .fetch_all(&self.pool)
                .await?)
            }
        }
    };
}

sql_job_store!(Sqlite);
sql_job_store!(Postgres);
