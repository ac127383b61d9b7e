//! The repository: every query the platform runs, behind one trait.
//!
//! Both backends run the *same* SQL text: it sticks to what SQLite and
//! PostgreSQL share (`$n` parameters, `RETURNING`, `ON CONFLICT`), and the
//! column types differ only in the per-dialect migrations. The
//! implementation is therefore written once, in [`sql_repository!`], and
//! instantiated for each pool type; the shared integration tests in
//! `tests/` prove the two behave the same.

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use kredit_core::ids::UserId;
use rusqlite::{OptionalExtension as _, params};
use sqlx::{Pool, Postgres, Sqlite};
use thiserror::Error;

use crate::model::{
    AuditEntry, AuditRecord, IdempotencyClaim, IdempotencyRecord, IdempotentReply, IdentityRecord,
    IdentityStatus, NewUser, StoredResponse, User,
};
use crate::models::ModelRegistry;
use crate::sqlite_direct::{Direct, conversion};

#[derive(Debug, Error)]
pub enum StoreError {
    /// A uniqueness rule was violated (e.g. the phone is already registered).
    #[error("the record already exists")]
    Conflict,
    #[error("unsupported database URL {0:?}: use sqlite://… or postgres://…")]
    UnsupportedUrl(String),
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// Stored data that breaks an invariant the code relies on.
    #[error("stored data is inconsistent: {0}")]
    Invariant(String),
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// A call through SQLite's own driver (close of business's reads, the
    /// decision's write) failed.
    #[error("SQLite failed: {0}")]
    Sqlite(String),
}

impl StoreError {
    pub(crate) fn from_write(error: sqlx::Error) -> Self {
        match &error {
            sqlx::Error::Database(db) if db.is_unique_violation() => StoreError::Conflict,
            _ => StoreError::Database(error),
        }
    }
}

pub type StoreResult<T> = Result<T, StoreError>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

#[async_trait]
pub trait Repository: ModelRegistry + Send + Sync + 'static {
    fn backend(&self) -> Backend;
    /// Close-of-business storage (runs, chunks, bulk loading).
    fn cob(&self) -> &dyn crate::cob::CobStore;
    /// Loans taken over from another system, written a batch at a time.
    fn import(&self) -> &dyn crate::import::ImportStore;
    /// Applies the embedded migrations of this backend's dialect.
    async fn migrate(&self) -> StoreResult<()>;
    /// A round trip to the database, for readiness checks.
    async fn ping(&self) -> StoreResult<()>;
    /// Every value in every table (tests proving personal data is nowhere
    /// in plaintext).
    #[cfg(feature = "testing")]
    async fn scan_values(&self) -> StoreResult<Vec<crate::scan::StoredValue>>;
    /// Runs one statement as it is, behind every invariant's back (tests
    /// that tamper with stored rows, as an intruder with database access
    /// would); the rows it changed.
    #[cfg(feature = "testing")]
    async fn tamper(&self, sql: &str) -> StoreResult<u64>;
    /// Products, applications, loans, payments and the ledger.
    fn lending(&self) -> &dyn crate::lending::LendingStore;
    /// Borrower feedback and the staff's replies.
    fn feedback(&self) -> &dyn crate::feedback::FeedbackStore;
    /// Staff views of borrowers' unmasked personal data.
    fn personal_data(&self) -> &dyn crate::personal_data::PersonalDataStore;
    /// Consents, data-rights requests, erasure and the retained records.
    fn data_rights(&self) -> &dyn crate::data_rights::DataRightsStore;
    /// Leases for scheduled work and the close-of-business history.
    fn jobs(&self) -> &dyn crate::jobs::JobStore;
    /// Domain events, subscribers' cursors and webhooks.
    fn outbox(&self) -> &dyn crate::outbox::OutboxStore;
    /// Sessions, refresh tokens and the login throttle.
    fn sessions(&self) -> &dyn crate::sessions::SessionStore;
    /// Wrapped data keys, KEKs and key rotations.
    fn keys(&self) -> &dyn crate::keys::KeyStore;
    /// Staff's TOTP second factors.
    fn totp(&self) -> &dyn crate::totp::TotpStore;
    /// Staff approvals of held disbursements and the policies activated.
    fn disbursement(&self) -> &dyn crate::disbursement::DisbursementStore;
    /// Fraud decisions, velocity events and the AML report queue.
    fn risk(&self) -> &dyn crate::risk::RiskStore;
    /// The transparency log: entries, tiles, checkpoints.
    fn log(&self) -> &dyn crate::tlog::LogStore;
    /// The log's witnesses and which checkpoints reached their quorum.
    fn witnesses(&self) -> &dyn crate::tlog_witness::WitnessStore;

    /// Inserts a user and, in the same transaction, the audit entry (whose
    /// `entity_id` is set to the new user's id). `Conflict` if the phone hash
    /// is taken.
    async fn create_user(&self, user: &NewUser, audit: Option<AuditEntry>) -> StoreResult<UserId>;
    async fn user_by_id(&self, id: UserId) -> StoreResult<Option<User>>;
    async fn user_by_phone_hash(&self, phone_hash: &str) -> StoreResult<Option<User>>;
    /// Sets a new password hash, revokes every session (and refresh token)
    /// of the user and records the audit entry, atomically.
    async fn change_password(
        &self,
        id: UserId,
        password_hash: &str,
        audit: AuditEntry,
    ) -> StoreResult<()>;

    /// Inserts or replaces the user's identity. `Conflict` if another user's
    /// identity has the same ID-number hash.
    async fn save_identity(&self, identity: &IdentityRecord) -> StoreResult<()>;
    async fn identity(&self, user: UserId) -> StoreResult<Option<IdentityRecord>>;
    /// The user whose identity carries this ID-number hash, if any (unique).
    async fn identity_owner(&self, id_number_hash: &str) -> StoreResult<Option<UserId>>;

    /// Reserves `key` for this request, or returns what was stored for it.
    /// A reservation made before `abandoned_before` that never completed
    /// (its server died mid-request) is taken over as if it were free.
    async fn claim_idempotency_key(
        &self,
        user: UserId,
        key: &str,
        request_hash: &str,
        now: DateTime<Utc>,
        abandoned_before: DateTime<Utc>,
    ) -> StoreResult<IdempotencyClaim>;
    async fn complete_idempotency_key(
        &self,
        user: UserId,
        key: &str,
        response: &StoredResponse,
    ) -> StoreResult<()>;
    /// The key's record, if it was used; writes nothing.
    async fn idempotency_record(
        &self,
        user: UserId,
        key: &str,
    ) -> StoreResult<Option<IdempotencyRecord>>;
    /// Frees a reservation whose request failed, so the client may retry.
    async fn release_idempotency_key(&self, user: UserId, key: &str) -> StoreResult<()>;

    async fn append_audit(&self, entry: &AuditEntry) -> StoreResult<i64>;
    /// Newest first, ids strictly below `before_id` (keyset pagination).
    async fn audit_page(&self, before_id: Option<i64>, limit: i64)
    -> StoreResult<Vec<AuditRecord>>;
}

/// A repository over sqlx pools; see the module docs.
#[derive(Clone)]
pub struct SqlRepository<DB: sqlx::Database> {
    /// Every write and transaction, and the reads `direct` does not take.
    pub(crate) pool: Pool<DB>,
    /// On an SQLite file, the hot path of a decision: its reads (business
    /// date, product, identity, exposure, idempotency) through connections
    /// of their own that never queue behind the one writer (WAL readers do
    /// not block), and its write transaction, neither handing off to sqlx's
    /// threads ([`crate::sqlite_direct`]).
    pub(crate) direct: Option<Arc<Direct>>,
}

impl<DB: sqlx::Database> SqlRepository<DB> {
    #[must_use]
    pub fn new(pool: Pool<DB>) -> Self {
        Self { pool, direct: None }
    }
}

impl SqlRepository<Sqlite> {
    /// With direct connections and a checkpointer when the database is a file
    /// (call inside a Tokio runtime).
    #[must_use]
    pub(crate) fn sqlite(pool: Pool<Sqlite>) -> Self {
        let direct = Direct::for_file(pool.connect_options().get_filename()).map(Arc::new);
        if let Some(direct) = &direct {
            crate::sqlite_direct::spawn_checkpointer(direct);
        }
        Self { pool, direct }
    }
}

const USER_COLUMNS: &str =
    "SELECT id, phone_hash, phone_encrypted, password_hash, role, created_at FROM users";

const IDENTITY: &str = "SELECT user_id, status, real_name_encrypted, id_number_encrypted,
        id_number_hash, bank_card_encrypted, bank_phone_encrypted, bank_phone_hash, birth_date,
        warnings, reasons, updated_at
     FROM identities WHERE user_id = $1";
const IDEMPOTENCY_RECORD: &str =
    "SELECT request_hash, response_status, response_body FROM idempotency_keys
     WHERE user_id = $1 AND idempotency_key = $2";

pub(crate) const INSERT_IDEMPOTENT_REPLY: &str = "INSERT INTO idempotency_keys
         (user_id, idempotency_key, request_hash, response_status, response_body, created_at)
     VALUES ($1, $2, $3, $4, $5, $6)";

macro_rules! sql_repository {
    ($db:ty, $connection:ty, $backend:expr, $migrations:literal) => {
        impl SqlRepository<$db> {
            /// Writes a retriable request's reply in the caller's transaction;
            /// `Conflict` if the key was taken meanwhile.
            pub(crate) async fn insert_idempotent_reply<R>(
                connection: &mut $connection,
                reply: &IdempotentReply<'_, R>,
                row: &R,
                now: DateTime<Utc>,
            ) -> StoreResult<()> {
                let body = (reply.body)(row).map_err(StoreError::Invariant)?;
                sqlx::query(INSERT_IDEMPOTENT_REPLY)
                    .bind(reply.user_id)
                    .bind(reply.key)
                    .bind(reply.request_hash)
                    .bind(i32::from(reply.status))
                    .bind(body)
                    .bind(now)
                    .execute(&mut *connection)
                    .await
                    .map_err(StoreError::from_write)?;
                Ok(())
            }

            pub(crate) async fn insert_audit(
                connection: &mut $connection,
                entry: &AuditEntry,
            ) -> StoreResult<i64> {
                let id = sqlx::query_scalar(
                    "INSERT INTO audit_log (actor_id, action, entity_type, entity_id, before, after, at,
                         client_address)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
                )
                .bind(entry.actor_id)
                .bind(&entry.action)
                .bind(&entry.entity_type)
                .bind(&entry.entity_id)
                .bind(&entry.before)
                .bind(&entry.after)
                .bind(entry.at)
                .bind(crate::origin::client_address())
                .fetch_one(connection)
                .await?;
                Ok(id)
            }
        }

        #[async_trait]
        impl Repository for SqlRepository<$db> {
            fn backend(&self) -> Backend {
                $backend
            }

            fn cob(&self) -> &dyn crate::cob::CobStore {
                self
            }

            fn import(&self) -> &dyn crate::import::ImportStore {
                self
            }

            async fn migrate(&self) -> StoreResult<()> {
                sqlx::migrate!($migrations).run(&self.pool).await?;
                Ok(())
            }

            fn lending(&self) -> &dyn crate::lending::LendingStore {
                self
            }

            fn feedback(&self) -> &dyn crate::feedback::FeedbackStore {
                self
            }

            fn personal_data(&self) -> &dyn crate::personal_data::PersonalDataStore {
                self
            }

            fn data_rights(&self) -> &dyn crate::data_rights::DataRightsStore {
                self
            }

            fn keys(&self) -> &dyn crate::keys::KeyStore {
                self
            }

            fn disbursement(&self) -> &dyn crate::disbursement::DisbursementStore {
                self
            }

            fn totp(&self) -> &dyn crate::totp::TotpStore {
                self
            }

            fn risk(&self) -> &dyn crate::risk::RiskStore {
                self
            }

            fn log(&self) -> &dyn crate::tlog::LogStore {
                self
            }

            fn witnesses(&self) -> &dyn crate::tlog_witness::WitnessStore {
                self
            }

            fn jobs(&self) -> &dyn crate::jobs::JobStore {
                self
            }

            fn outbox(&self) -> &dyn crate::outbox::OutboxStore {
                self
            }

            fn sessions(&self) -> &dyn crate::sessions::SessionStore {
                self
            }

            async fn ping(&self) -> StoreResult<()> {
                sqlx::query("SELECT 1").execute(&self.pool).await?;
                Ok(())
            }

            #[cfg(feature = "testing")]
            async fn scan_values(&self) -> StoreResult<Vec<crate::scan::StoredValue>> {
                SqlRepository::<$db>::scan_values(self).await
            }

            #[cfg(feature = "testing")]
            async fn tamper(&self, sql: &str) -> StoreResult<u64> {
                Ok(sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_owned()))
                    .execute(&self.pool)
                    .await?
                    .rows_affected())
            }

            async fn create_user(
                &self,
                user: &NewUser,
                audit: Option<AuditEntry>,
            ) -> StoreResult<UserId> {
                let mut tx = self.pool.begin().await?;
                let id: UserId = sqlx::query_scalar(
                    "INSERT INTO users (phone_hash, phone_encrypted, password_hash, role, created_at)
                     VALUES ($1, $2, $3, $4, $5) RETURNING id",
                )
                .bind(&user.phone_hash)
                .bind(&user.phone_encrypted)
                .bind(&user.password_hash)
                .bind(user.role.as_str())
                .bind(user.created_at)
                .fetch_one(&mut *tx)
                .await
                .map_err(StoreError::from_write)?;
                // The phone was sealed under a data key made for this user:
                // it belongs to them from the same transaction on.
                if let Some(key) = &user.data_key {
                    sqlx::query(
                        "INSERT INTO data_keys (id, owner, kek_id, wrapped, created_at)
                         VALUES ($1, $2, $3, $4, $5)",
                    )
                    .bind(&key.id)
                    .bind(crate::keys::user_owner(id))
                    .bind(&key.kek_id)
                    .bind(&key.wrapped)
                    .bind(key.created_at)
                    .execute(&mut *tx)
                    .await
                    .map_err(StoreError::from_write)?;
                }
                if let Some(mut entry) = audit {
                    entry.entity_id = Some(id.to_string());
                    Self::insert_audit(&mut tx, &entry).await?;
                }
                tx.commit().await?;
                Ok(id)
            }

            async fn user_by_id(&self, id: UserId) -> StoreResult<Option<User>> {
                let sql = format!("{USER_COLUMNS} WHERE id = $1");
                let user = sqlx::query_as(sqlx::AssertSqlSafe(sql))
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await?;
                Ok(user)
            }

            async fn user_by_phone_hash(&self, phone_hash: &str) -> StoreResult<Option<User>> {
                let sql = format!("{USER_COLUMNS} WHERE phone_hash = $1");
                let user = sqlx::query_as(sqlx::AssertSqlSafe(sql))
                    .bind(phone_hash)
                    .fetch_optional(&self.pool)
                    .await?;
                Ok(user)
            }

            async fn change_password(
                &self,
                id: UserId,
                password_hash: &str,
                audit: AuditEntry,
            ) -> StoreResult<()> {
                let mut tx = self.pool.begin().await?;
                sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
                    .bind(password_hash)
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                Self::revoke_user_sessions(&mut tx, id, audit.at).await?;
                Self::insert_audit(&mut tx, &audit).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn save_identity(&self, identity: &IdentityRecord) -> StoreResult<()> {
                sqlx::query(
                    "INSERT INTO identities (user_id, status, real_name_encrypted, id_number_encrypted,
                         id_number_hash, bank_card_encrypted, bank_phone_encrypted, bank_phone_hash,
                         birth_date, warnings, reasons, updated_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
                     ON CONFLICT (user_id) DO UPDATE SET
                         status = excluded.status,
                         real_name_encrypted = excluded.real_name_encrypted,
                         id_number_encrypted = excluded.id_number_encrypted,
                         id_number_hash = excluded.id_number_hash,
                         bank_card_encrypted = excluded.bank_card_encrypted,
                         bank_phone_encrypted = excluded.bank_phone_encrypted,
                         bank_phone_hash = excluded.bank_phone_hash,
                         birth_date = excluded.birth_date,
                         warnings = excluded.warnings,
                         reasons = excluded.reasons,
                         updated_at = excluded.updated_at",
                )
                .bind(identity.user_id)
                .bind(identity.status.as_str())
                .bind(&identity.real_name_encrypted)
                .bind(&identity.id_number_encrypted)
                .bind(&identity.id_number_hash)
                .bind(&identity.bank_card_encrypted)
                .bind(&identity.bank_phone_encrypted)
                .bind(&identity.bank_phone_hash)
                .bind(identity.birth_date)
                .bind(&identity.warnings)
                .bind(&identity.reasons)
                .bind(identity.updated_at)
                .execute(&self.pool)
                .await
                .map_err(StoreError::from_write)?;
                Ok(())
            }

            async fn identity(&self, user: UserId) -> StoreResult<Option<IdentityRecord>> {
                if let Some(direct) = &self.direct {
                    return direct.read(|c| {
                        c.prepare_cached(IDENTITY)?.query_row([i64::from(user)], |row| {
                            Ok(IdentityRecord {
                                user_id: UserId(row.get(0)?),
                                status: IdentityStatus::try_from(row.get::<_, String>(1)?)
                                    .map_err(conversion(1))?,
                                real_name_encrypted: row.get(2)?,
                                id_number_encrypted: row.get(3)?,
                                id_number_hash: row.get(4)?,
                                bank_card_encrypted: row.get(5)?,
                                bank_phone_encrypted: row.get(6)?,
                                bank_phone_hash: row.get(7)?,
                                birth_date: row.get(8)?,
                                warnings: row.get(9)?,
                                reasons: row.get(10)?,
                                updated_at: row.get(11)?,
                            })
                        })
                        .optional()
                    });
                }
                Ok(sqlx::query_as(IDENTITY).bind(user).fetch_optional(&self.pool).await?)
            }

            async fn identity_owner(&self, id_number_hash: &str) -> StoreResult<Option<UserId>> {
                let owner = sqlx::query_scalar(
                    "SELECT user_id FROM identities WHERE id_number_hash = $1",
                )
                .bind(id_number_hash)
                .fetch_optional(&self.pool)
                .await?;
                Ok(owner)
            }

            async fn claim_idempotency_key(
                &self,
                user: UserId,
                key: &str,
                request_hash: &str,
                now: DateTime<Utc>,
                abandoned_before: DateTime<Utc>,
            ) -> StoreResult<IdempotencyClaim> {
                let inserted = sqlx::query(
                    "INSERT INTO idempotency_keys (user_id, idempotency_key, request_hash, created_at)
                     VALUES ($1, $2, $3, $4)
                     ON CONFLICT (user_id, idempotency_key) DO UPDATE
                         SET request_hash = excluded.request_hash, created_at = excluded.created_at
                         WHERE idempotency_keys.response_status IS NULL
                           AND idempotency_keys.created_at < $5",
                )
                .bind(user)
                .bind(key)
                .bind(request_hash)
                .bind(now)
                .bind(abandoned_before)
                .execute(&self.pool)
                .await?
                .rows_affected();
                if inserted == 1 {
                    return Ok(IdempotencyClaim::Claimed);
                }
                let record = self.idempotency_record(user, key).await?;
                record
                    .map(IdempotencyClaim::Existing)
                    .ok_or_else(|| StoreError::Invariant("an idempotency key vanished".to_owned()))
            }

            async fn idempotency_record(
                &self,
                user: UserId,
                key: &str,
            ) -> StoreResult<Option<IdempotencyRecord>> {
                let row: Option<(String, Option<i32>, Option<String>)> = match &self.direct {
                    Some(direct) => direct.read(|c| {
                        c.prepare_cached(IDEMPOTENCY_RECORD)?
                            .query_row(params![i64::from(user), key], |row| {
                                Ok((row.get(0)?, row.get(1)?, row.get(2)?))
                            })
                            .optional()
                    })?,
                    None => {
                        sqlx::query_as(IDEMPOTENCY_RECORD)
                            .bind(user)
                            .bind(key)
                            .fetch_optional(&self.pool)
                            .await?
                    }
                };
                Ok(row.map(|(request_hash, status, body)| {
                    let response = match (status, body) {
                        (Some(status), Some(body)) => Some(StoredResponse {
                            status: u16::try_from(status).unwrap_or(500),
                            body,
                        }),
                        _ => None,
                    };
                    IdempotencyRecord { request_hash, response }
                }))
            }

            async fn complete_idempotency_key(
                &self,
                user: UserId,
                key: &str,
                response: &StoredResponse,
            ) -> StoreResult<()> {
                sqlx::query(
                    "UPDATE idempotency_keys SET response_status = $1, response_body = $2
                     WHERE user_id = $3 AND idempotency_key = $4",
                )
                .bind(i32::from(response.status))
                .bind(&response.body)
                .bind(user)
                .bind(key)
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn release_idempotency_key(&self, user: UserId, key: &str) -> StoreResult<()> {
                sqlx::query(
                    "DELETE FROM idempotency_keys
                     WHERE user_id = $1 AND idempotency_key = $2 AND response_status IS NULL",
                )
                .bind(user)
                .bind(key)
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn append_audit(&self, entry: &AuditEntry) -> StoreResult<i64> {
                let mut connection = self.pool.acquire().await?;
                Self::insert_audit(&mut connection, entry).await
            }

            async fn audit_page(
                &self,
                before_id: Option<i64>,
                limit: i64,
            ) -> StoreResult<Vec<AuditRecord>> {
                let page = sqlx::query_as(
                    "SELECT id, actor_id, action, entity_type, entity_id, before, after, at,
                         client_address
                     FROM audit_log WHERE id < $1 ORDER BY id DESC LIMIT $2",
                )
                .bind(before_id.unwrap_or(i64::MAX))
                .bind(limit)
                .fetch_all(&self.pool)
                .await?;
                Ok(page)
            }
        }
    };
}

sql_repository!(
    Sqlite,
    sqlx::SqliteConnection,
    Backend::Sqlite,
    "migrations/sqlite"
);
sql_repository!(
    Postgres,
    sqlx::PgConnection,
    Backend::Postgres,
    "migrations/postgres"
);
