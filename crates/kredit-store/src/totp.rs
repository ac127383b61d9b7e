//! Staff's TOTP second factor: one sealed secret per user, unconfirmed
//! until a first code proves the authenticator app holds it, and the newest
//! step accepted (the replay guard). Every step update is a compare-and-set,
//! so two instances given the same code accept it once between them.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::{Postgres, Sqlite};

use kredit_core::ids::UserId;

use crate::model::AuditEntry;
use crate::repository::{SqlRepository, StoreError, StoreResult};

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct TotpFactor {
    pub user_id: UserId,
    /// Sealed under the user's data key (the base32 secret).
    pub secret_encrypted: Vec<u8>,
    pub created_at: DateTime<Utc>,
    pub confirmed_at: Option<DateTime<Utc>>,
    pub last_used_step: Option<i64>,
}

impl TotpFactor {
    #[must_use]
    pub fn confirmed(&self) -> bool {
        self.confirmed_at.is_some()
    }
}

#[async_trait]
pub trait TotpStore: Send + Sync {
    /// Stores a new unconfirmed secret, replacing an unconfirmed one (an
    /// enrolment started again). `Conflict` if a confirmed factor exists:
    /// it must be removed first.
    async fn begin_enrolment(
        &self,
        user: UserId,
        secret_sealed: &[u8],
        at: DateTime<Utc>,
    ) -> StoreResult<()>;
    async fn factor(&self, user: UserId) -> StoreResult<Option<TotpFactor>>;
    /// Confirms the unconfirmed factor with the step of its first code,
    /// with the audit entry; `false` (nothing written) if there is none.
    async fn confirm(
        &self,
        user: UserId,
        step: i64,
        at: DateTime<Utc>,
        audit: AuditEntry,
    ) -> StoreResult<bool>;
    /// Records `step` as used if it is newer than the last one; `false`
    /// if it is not (the code was used already, here or elsewhere).
    async fn use_step(&self, user: UserId, step: i64) -> StoreResult<bool>;
    /// Removes the factor with the audit entry; `false` if there was none.
    async fn remove(&self, user: UserId, audit: AuditEntry) -> StoreResult<bool>;
}

macro_rules! sql_totp_store {
    ($db:ty) => {
        #[async_trait]
        impl TotpStore for SqlRepository<$db> {
            async fn begin_enrolment(
                &self,
                user: UserId,
                secret_sealed: &[u8],
                at: DateTime<Utc>,
            ) -> StoreResult<()> {
                let written = sqlx::query(
                    "INSERT INTO totp_factors (user_id, secret_encrypted, created_at)
                     VALUES ($1, $2, $3)
                     ON CONFLICT (user_id) DO UPDATE
                         SET secret_encrypted = excluded.secret_encrypted,
                             created_at = excluded.created_at,
                             last_used_step = NULL
                         WHERE totp_factors.confirmed_at IS NULL",
                )
                .bind(user)
                .bind(secret_sealed)
                .bind(at)
                .execute(&self.pool)
                .await?
                .rows_affected();
                if written == 0 {
                    return Err(StoreError::Conflict);
                }
                Ok(())
            }

            async fn factor(&self, user: UserId) -> StoreResult<Option<TotpFactor>> {
                Ok(sqlx::query_as(
                    "SELECT user_id, secret_encrypted, created_at, confirmed_at, last_used_step
                     FROM totp_factors WHERE user_id = $1",
                )
                .bind(user)
                .fetch_optional(&self.pool)
                .await?)
            }

            async fn confirm(
                &self,
                user: UserId,
                step: i64,
                at: DateTime<Utc>,
                mut audit: AuditEntry,
            ) -> StoreResult<bool> {
                let mut tx = self.pool.begin().await?;
                let confirmed = sqlx::query(
                    "UPDATE totp_factors SET confirmed_at = $2, last_used_step = $3
                     WHERE user_id = $1 AND confirmed_at IS NULL",
                )
                .bind(user)
                .bind(at)
                .bind(step)
                .execute(&mut *tx)
                .await?
                .rows_affected()
                    == 1;
                if confirmed {
                    audit.entity_id = Some(user.to_string());
                    Self::insert_audit(&mut tx, &audit).await?;
                    tx.commit().await?;
                }
                Ok(confirmed)
            }

            async fn use_step(&self, user: UserId, step: i64) -> StoreResult<bool> {
                Ok(sqlx::query(
                    "UPDATE totp_factors SET last_used_step = $2
                     WHERE user_id = $1 AND confirmed_at IS NOT NULL
                       AND (last_used_step IS NULL OR last_used_step < $2)",
                )
                .bind(user)
                .bind(step)
                .execute(&self.pool)
                .await?
                .rows_affected()
                    == 1)
            }

            async fn remove(&self, user: UserId, mut audit: AuditEntry) -> StoreResult<bool> {
                let mut tx = self.pool.begin().await?;
                let removed = sqlx::query("DELETE FROM totp_factors WHERE user_id = $1")
                    .bind(user)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected()
                    == 1;
                if removed {
                    audit.entity_id = Some(user.to_string());
                    Self::insert_audit(&mut tx, &audit).await?;
                    tx.commit().await?;
                }
                Ok(removed)
            }
        }
    };
}

sql_totp_store!(Sqlite);
sql_totp_store!(Postgres);
