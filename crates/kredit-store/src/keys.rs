//! Storage of envelope encryption's keys: wrapped data keys, the KEKs the
//! database has seen, and `kredit keys rotate`'s progress.
//!
//! The store never sees a key in clear: it keeps what kredit_app::keys
//! wrapped. Every write a rotation makes is a compare-and-set on what it
//! read (the KEK a data key was under, the ciphertext a column held), so a
//! request writing at the same moment is never overwritten, and each batch
//! records the rotation's progress in its own transaction.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use kredit_core::ids::UserId;
use sqlx::{Postgres, Row as _, Sqlite};

use crate::repository::{SqlRepository, StoreError, StoreResult};

/// The owner of a borrower's or staff member's data key.
#[must_use]
pub fn user_owner(user: UserId) -> String {
    format!("user:{user}")
}

/// The owner of the data key sealing what an erasure keeps of a user for
/// the retention period: destroyed on its own when that period ends.
#[must_use]
pub fn retained_owner(user: UserId) -> String {
    format!("retained:{user}")
}

/// The owner of the data key sealing the platform's own secrets (webhook
/// signing secrets).
pub const SYSTEM_OWNER: &str = "system";

/// A data key to insert, already wrapped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewDataKey {
    /// 32 hex digits.
    pub id: String,
    pub kek_id: String,
    pub wrapped: Vec<u8>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct DataKeyRecord {
    pub id: String,
    pub owner: String,
    /// `None` once destroyed.
    pub kek_id: Option<String>,
    pub wrapped: Option<Vec<u8>>,
    pub created_at: DateTime<Utc>,
    pub destroyed_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct KekRecord {
    pub id: String,
    /// `active`, `retiring` (a rotation away from it is under way) or
    /// `retired`.
    pub status: String,
    pub activated_at: DateTime<Utc>,
    pub retired_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct RotationRecord {
    pub id: i64,
    pub target_kek: String,
    /// Where it stands: `data_keys`, then one phase per table holding
    /// ciphertexts (`users`, …), then `sweep`, then `done`.
    pub phase: String,
    /// The last key done within the phase.
    pub cursor: String,
    pub rewrapped: i64,
    pub migrated: i64,
    pub started_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
}

/// One data key re-wrapped: written only if it is still under `old_kek`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rewrap {
    pub id: String,
    pub old_kek: String,
    pub wrapped: Vec<u8>,
}

/// The tables holding sealed personal data, with whose data key seals each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CipherTable {
    Users,
    Identities,
    Feedback,
    Webhooks,
    TotpFactors,
}

impl CipherTable {
    pub const ALL: [CipherTable; 5] = [
        CipherTable::Users,
        CipherTable::Identities,
        CipherTable::Feedback,
        CipherTable::Webhooks,
        CipherTable::TotpFactors,
    ];

    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            CipherTable::Users => "users",
            CipherTable::Identities => "identities",
            CipherTable::Feedback => "feedback",
            CipherTable::Webhooks => "webhooks",
            CipherTable::TotpFactors => "totp_factors",
        }
    }

    #[must_use]
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|table| table.name() == name)
    }

    fn key_column(self) -> &'static str {
        match self {
            CipherTable::Identities | CipherTable::TotpFactors => "user_id",
            _ => "id",
        }
    }

    /// The user whose data key seals the row (`NULL`: the system's).
    fn owner_column(self) -> &'static str {
        match self {
            CipherTable::Users => "id",
            CipherTable::Identities | CipherTable::TotpFactors => "user_id",
            CipherTable::Feedback => "borrower_id",
            CipherTable::Webhooks => "CAST(NULL AS BIGINT)",
        }
    }

    #[must_use]
    pub fn columns(self) -> &'static [&'static str] {
        match self {
            CipherTable::Users => &["phone_encrypted"],
            CipherTable::Identities => &[
                "real_name_encrypted",
                "id_number_encrypted",
                "bank_card_encrypted",
                "bank_phone_encrypted",
            ],
            CipherTable::Feedback => &["message_encrypted", "reply_encrypted"],
            CipherTable::Webhooks | CipherTable::TotpFactors => &["secret_encrypted"],
        }
    }
}

/// A row's sealed columns, in [`CipherTable::columns`] order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CipherRow {
    pub key: i64,
    /// `None`: sealed under the system's data key.
    pub owner: Option<UserId>,
    pub values: Vec<Option<Vec<u8>>>,
}

/// One column re-sealed: written only if it still holds `old`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CipherUpdate {
    pub key: i64,
    /// Index into [`CipherTable::columns`].
    pub column: usize,
    pub old: Vec<u8>,
    pub new: Vec<u8>,
}

#[async_trait]
pub trait KeyStore: Send + Sync {
    /// Inserts a data key for `owner`. `Conflict` if the owner has a live
    /// one already (read it instead).
    async fn insert_data_key(&self, key: &NewDataKey, owner: &str) -> StoreResult<()>;
    async fn data_key(&self, id: &str) -> StoreResult<Option<DataKeyRecord>>;
    /// The owner's live (not destroyed) data key.
    async fn live_data_key(&self, owner: &str) -> StoreResult<Option<DataKeyRecord>>;
    /// Forgets the wrapped bytes of every data key of `owner`: whatever they
    /// sealed can never be decrypted again. Returns how many were live.
    async fn destroy_data_keys(&self, owner: &str, now: DateTime<Utc>) -> StoreResult<u64>;
    /// Live data keys with ids above `after`, in id order.
    async fn data_keys_page(&self, after: &str, limit: i64) -> StoreResult<Vec<DataKeyRecord>>;
    /// Live data keys wrapped by another KEK than `kek`, in id order.
    async fn data_keys_not_under(&self, kek: &str, limit: i64) -> StoreResult<Vec<DataKeyRecord>>;
    /// Live data keys per KEK, and destroyed ones under `None`.
    async fn data_key_counts(&self) -> StoreResult<Vec<(Option<String>, i64)>>;

    async fn keks(&self) -> StoreResult<Vec<KekRecord>>;
    async fn active_kek(&self) -> StoreResult<Option<String>>;
    /// Makes `kek` the active KEK; the previously active one becomes
    /// `retiring`. Nothing changes if `kek` is active already.
    async fn activate_kek(&self, kek: &str, now: DateTime<Utc>) -> StoreResult<()>;

    /// The rotation under way, if any.
    async fn running_rotation(&self) -> StoreResult<Option<RotationRecord>>;
    async fn latest_rotation(&self) -> StoreResult<Option<RotationRecord>>;
    /// `Conflict` if one is under way.
    async fn start_rotation(
        &self,
        target_kek: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<RotationRecord>;
    /// Writes the re-wrapped keys still under their old KEK, moves the
    /// rotation's cursor, in one transaction. Returns how many were written.
    async fn rewrap_batch(
        &self,
        rotation: i64,
        target_kek: &str,
        rewraps: &[Rewrap],
        cursor: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<u64>;
    async fn set_rotation_phase(
        &self,
        rotation: i64,
        phase: &str,
        cursor: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<()>;
    /// Rows of `table` with keys above `after`, in key order.
    async fn cipher_page(
        &self,
        table: CipherTable,
        after: i64,
        limit: i64,
    ) -> StoreResult<Vec<CipherRow>>;
    /// Writes the re-sealed columns that still hold what was read, moves the
    /// cursor, in one transaction. Returns how many were written.
    async fn replace_ciphertexts(
        &self,
        rotation: i64,
        table: CipherTable,
        updates: &[CipherUpdate],
        cursor: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<u64>;
    /// Marks the rotation done and retires every `retiring` KEK no live data
    /// key is wrapped by, in one transaction.
    async fn finish_rotation(&self, rotation: i64, now: DateTime<Utc>) -> StoreResult<()>;
}

const DATA_KEY_COLUMNS: &str = "id, owner, kek_id, wrapped, created_at, destroyed_at";
const ROTATION_COLUMNS: &str =
    "id, target_kek, phase, cursor, rewrapped, migrated, started_at, updated_at, finished_at";

macro_rules! sql_key_store {
    ($db:ty) => {
        #[async_trait]
        impl KeyStore for SqlRepository<$db> {
            async fn insert_data_key(&self, key: &NewDataKey, owner: &str) -> StoreResult<()> {
                sqlx::query(
                    "INSERT INTO data_keys (id, owner, kek_id, wrapped, created_at)
                     VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(&key.id)
                .bind(owner)
                .bind(&key.kek_id)
                .bind(&key.wrapped)
                .bind(key.created_at)
                .execute(&self.pool)
                .await
                .map_err(StoreError::from_write)?;
                Ok(())
            }

            async fn data_key(&self, id: &str) -> StoreResult<Option<DataKeyRecord>> {
                let sql = format!("SELECT {DATA_KEY_COLUMNS} FROM data_keys WHERE id = $1");
                Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await?)
            }

            async fn live_data_key(&self, owner: &str) -> StoreResult<Option<DataKeyRecord>> {
                let sql = format!(
                    "SELECT {DATA_KEY_COLUMNS} FROM data_keys
                     WHERE owner = $1 AND destroyed_at IS NULL"
                );
                Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
                    .bind(owner)
                    .fetch_optional(&self.pool)
                    .await?)
            }

            async fn destroy_data_keys(&self, owner: &str, now: DateTime<Utc>) -> StoreResult<u64> {
                Ok(sqlx::query(
                    "UPDATE data_keys SET kek_id = NULL, wrapped = NULL, destroyed_at = $1
                     WHERE owner = $2 AND destroyed_at IS NULL",
                )
                .bind(now)
                .bind(owner)
                .execute(&self.pool)
                .await?
                .rows_affected())
            }

            async fn data_keys_page(
                &self,
                after: &str,
                limit: i64,
            ) -> StoreResult<Vec<DataKeyRecord>> {
                let sql = format!(
                    "SELECT {DATA_KEY_COLUMNS} FROM data_keys
                     WHERE id > $1 AND destroyed_at IS NULL ORDER BY id LIMIT $2"
                );
                Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
                    .bind(after)
                    .bind(limit)
                    .fetch_all(&self.pool)
                    .await?)
            }

            async fn data_keys_not_under(
                &self,
                kek: &str,
                limit: i64,
            ) -> StoreResult<Vec<DataKeyRecord>> {
                let sql = format!(
                    "SELECT {DATA_KEY_COLUMNS} FROM data_keys
                     WHERE kek_id <> $1 AND destroyed_at IS NULL ORDER BY id LIMIT $2"
                );
                Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
                    .bind(kek)
                    .bind(limit)
                    .fetch_all(&self.pool)
                    .await?)
            }

            async fn data_key_counts(&self) -> StoreResult<Vec<(Option<String>, i64)>> {
                Ok(sqlx::query_as(
                    "SELECT kek_id, COUNT(*) FROM data_keys GROUP BY kek_id ORDER BY kek_id",
                )
                .fetch_all(&self.pool)
                .await?)
            }

            async fn keks(&self) -> StoreResult<Vec<KekRecord>> {
                Ok(sqlx::query_as(
                    "SELECT id, status, activated_at, retired_at FROM keks ORDER BY activated_at, id",
                )
                .fetch_all(&self.pool)
                .await?)
            }

            async fn active_kek(&self) -> StoreResult<Option<String>> {
                Ok(
                    sqlx::query_scalar("SELECT id FROM keks WHERE status = 'active'")
                        .fetch_optional(&self.pool)
                        .await?,
                )
            }

            async fn activate_kek(&self, kek: &str, now: DateTime<Utc>) -> StoreResult<()> {
                let mut tx = self.pool.begin().await?;
                sqlx::query("UPDATE keks SET status = 'retiring' WHERE status = 'active' AND id <> $1")
                    .bind(kek)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query(
                    "INSERT INTO keks (id, status, activated_at) VALUES ($1, 'active', $2)
                     ON CONFLICT (id) DO UPDATE SET status = 'active', retired_at = NULL",
                )
                .bind(kek)
                .bind(now)
                .execute(&mut *tx)
                .await
                .map_err(StoreError::from_write)?;
                tx.commit().await?;
                Ok(())
            }

            async fn running_rotation(&self) -> StoreResult<Option<RotationRecord>> {
                let sql = format!(
                    "SELECT {ROTATION_COLUMNS} FROM key_rotations WHERE finished_at IS NULL"
                );
                Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
                    .fetch_optional(&self.pool)
                    .await?)
            }

            async fn latest_rotation(&self) -> StoreResult<Option<RotationRecord>> {
                let sql = format!(
                    "SELECT {ROTATION_COLUMNS} FROM key_rotations ORDER BY id DESC LIMIT 1"
                );
                Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
                    .fetch_optional(&self.pool)
                    .await?)
            }

            async fn start_rotation(
                &self,
                target_kek: &str,
                now: DateTime<Utc>,
            ) -> StoreResult<RotationRecord> {
                let sql = format!(
                    "INSERT INTO key_rotations
                         (target_kek, phase, cursor, rewrapped, migrated, started_at, updated_at)
                     VALUES ($1, 'data_keys', '', 0, 0, $2, $2) RETURNING {ROTATION_COLUMNS}"
                );
                sqlx::query_as(sqlx::AssertSqlSafe(sql))
                    .bind(target_kek)
                    .bind(now)
                    .fetch_one(&self.pool)
                    .await
                    .map_err(StoreError::from_write)
            }

            async fn rewrap_batch(
                &self,
                rotation: i64,
                target_kek: &str,
                rewraps: &[Rewrap],
                cursor: &str,
                now: DateTime<Utc>,
            ) -> StoreResult<u64> {
                let mut tx = self.pool.begin().await?;
                let mut written = 0;
                for rewrap in rewraps {
                    written += sqlx::query(
                        "UPDATE data_keys SET kek_id = $1, wrapped = $2
                         WHERE id = $3 AND kek_id = $4 AND destroyed_at IS NULL",
                    )
                    .bind(target_kek)
                    .bind(&rewrap.wrapped)
                    .bind(&rewrap.id)
                    .bind(&rewrap.old_kek)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                }
                sqlx::query(
                    "UPDATE key_rotations SET cursor = $1, rewrapped = rewrapped + $2, updated_at = $3
                     WHERE id = $4",
                )
                .bind(cursor)
                .bind(i64::try_from(written).unwrap_or(i64::MAX))
                .bind(now)
                .bind(rotation)
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(written)
            }

            async fn set_rotation_phase(
                &self,
                rotation: i64,
                phase: &str,
                cursor: &str,
                now: DateTime<Utc>,
            ) -> StoreResult<()> {
                sqlx::query(
                    "UPDATE key_rotations SET phase = $1, cursor = $2, updated_at = $3 WHERE id = $4",
                )
                .bind(phase)
                .bind(cursor)
                .bind(now)
                .bind(rotation)
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn cipher_page(
                &self,
                table: CipherTable,
                after: i64,
                limit: i64,
            ) -> StoreResult<Vec<CipherRow>> {
                let key = table.key_column();
                let sql = format!(
                    "SELECT {key}, {owner}, {columns} FROM {name} WHERE {key} > $1
                     ORDER BY {key} LIMIT $2",
                    owner = table.owner_column(),
                    columns = table.columns().join(", "),
                    name = table.name(),
                );
                let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
                    .bind(after)
                    .bind(limit)
                    .fetch_all(&self.pool)
                    .await?;
                rows.iter()
                    .map(|row| {
                        let values = (0..table.columns().len())
                            .map(|i| row.try_get::<Option<Vec<u8>>, _>(i + 2))
                            .collect::<Result<_, _>>()?;
                        Ok(CipherRow {
                            key: row.try_get(0)?,
                            owner: row.try_get::<Option<i64>, _>(1)?.map(UserId),
                            values,
                        })
                    })
                    .collect::<Result<_, sqlx::Error>>()
                    .map_err(StoreError::from)
            }

            async fn replace_ciphertexts(
                &self,
                rotation: i64,
                table: CipherTable,
                updates: &[CipherUpdate],
                cursor: &str,
                now: DateTime<Utc>,
            ) -> StoreResult<u64> {
                let mut tx = self.pool.begin().await?;
                let mut written = 0;
                for update in updates {
                    let column = table.columns()[update.column];
                    let sql = format!(
                        "UPDATE {name} SET {column} = $1 WHERE {key} = $2 AND {column} = $3",
                        name = table.name(),
                        key = table.key_column(),
                    );
                    written += sqlx::query(sqlx::AssertSqlSafe(sql))
                        .bind(&update.new)
                        .bind(update.key)
                        .bind(&update.old)
                        .execute(&mut *tx)
                        .await?
                        .rows_affected();
                }
                sqlx::query(
                    "UPDATE key_rotations SET phase = $1, cursor = $2, migrated = migrated + $3,
                         updated_at = $4
                     WHERE id = $5",
                )
                .bind(table.name())
                .bind(cursor)
                .bind(i64::try_from(written).unwrap_or(i64::MAX))
                .bind(now)
                .bind(rotation)
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(written)
            }

            async fn finish_rotation(&self, rotation: i64, now: DateTime<Utc>) -> StoreResult<()> {
                let mut tx = self.pool.begin().await?;
                sqlx::query(
                    "UPDATE key_rotations SET phase = 'done', finished_at = $1, updated_at = $1
                     WHERE id = $2",
                )
                .bind(now)
                .bind(rotation)
                .execute(&mut *tx)
                .await?;
                sqlx::query(
                    "UPDATE keks SET status = 'retired', retired_at = $1
                     WHERE status = 'retiring' AND NOT EXISTS
                         (SELECT 1 FROM data_keys WHERE data_keys.kek_id = keks.id)",
                )
                .bind(now)
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(())
            }
        }
    };
}

sql_key_store!(Sqlite);
sql_key_store!(Postgres);
