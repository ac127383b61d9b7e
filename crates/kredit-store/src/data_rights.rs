//! Personal-information rights: consent records, borrowers' requests, and
//! the two writes that remove a borrower's data — the erasure (everything
//! no law requires kept) and, when the retention period has passed, the
//! purge of what was kept. Each is one transaction with its audit entry.

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use sqlx::{Postgres, Sqlite};

use kredit_core::consent::{ConsentAction, ConsentKind};
use kredit_core::data_rights::{RefusalReason, RequestKind, RequestStatus};
use kredit_core::ids::{DataRightsRequestId, UserId};

use crate::model::{AuditEntry, AuditRecord};
use crate::repository::{SqlRepository, StoreError, StoreResult};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewConsent {
    pub user_id: UserId,
    pub kind: ConsentKind,
    pub terms_version: String,
    pub action: ConsentAction,
    pub at: DateTime<Utc>,
    pub client_address: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ConsentRecord {
    pub id: i64,
    pub user_id: UserId,
    #[sqlx(try_from = "String")]
    pub kind: ConsentKind,
    pub terms_version: String,
    #[sqlx(try_from = "String")]
    pub action: ConsentAction,
    pub at: DateTime<Utc>,
    pub client_address: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRequest {
    pub user_id: UserId,
    pub kind: RequestKind,
    /// `Completed` for what is done at once, `Received` for an erasure.
    pub status: RequestStatus,
    pub received_at: DateTime<Utc>,
    pub due_on: NaiveDate,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct RequestRecord {
    pub id: DataRightsRequestId,
    pub user_id: UserId,
    #[sqlx(try_from = "String")]
    pub kind: RequestKind,
    #[sqlx(try_from = "String")]
    pub status: RequestStatus,
    pub received_at: DateTime<Utc>,
    pub due_on: NaiveDate,
    pub decided_at: Option<DateTime<Utc>>,
    pub decided_by: Option<UserId>,
    pub outcome: Option<String>,
    pub retain_until: Option<NaiveDate>,
}

/// Which requests to list: newest first.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RequestFilter {
    pub user: Option<UserId>,
    pub status: Option<RequestStatus>,
}

/// What is kept after an erasure: the identity fields (JSON) sealed under
/// the retention key, until `retain_until`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Retained {
    pub sealed: Vec<u8>,
    pub retain_until: NaiveDate,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct RetainedRecord {
    pub user_id: UserId,
    pub sealed: Option<Vec<u8>>,
    pub retain_until: NaiveDate,
    pub retained_at: DateTime<Utc>,
    pub purged_at: Option<DateTime<Utc>>,
}

/// An erasure, as one transaction writes it.
#[derive(Debug, Clone)]
pub struct Erasure {
    pub request: DataRightsRequestId,
    pub user: UserId,
    pub staff: UserId,
    pub at: DateTime<Utc>,
    /// The owner names of the user's data keys, all destroyed
    /// (crypto-shredding whatever sealed copy anything else still holds).
    pub key_owner: String,
    /// `LIKE` patterns of the login-throttle buckets keyed by the phone.
    pub throttle_buckets: Vec<String>,
    pub retained: Option<Retained>,
    pub audit: AuditEntry,
}

/// The purge of a retained record whose period has passed.
#[derive(Debug, Clone)]
pub struct Purge {
    pub user: UserId,
    pub at: DateTime<Utc>,
    pub key_owner: String,
    /// What a purged contract's document becomes (it keeps its digest).
    pub contract_tombstone: String,
    pub audit: AuditEntry,
}

#[async_trait]
pub trait DataRightsStore: Send + Sync {
    /// Adds a consent record, with the completed request (a withdrawal)
    /// and the audit entry, together.
    async fn record_consent(
        &self,
        consent: &NewConsent,
        request: Option<&NewRequest>,
        audit: AuditEntry,
    ) -> StoreResult<ConsentRecord>;
    /// Every consent record of the user, oldest first.
    async fn consents(&self, user: UserId) -> StoreResult<Vec<ConsentRecord>>;

    /// Inserts a request with its audit entry (`entity_id` set here).
    /// `Conflict` if the same kind is already open for the user.
    async fn insert_request(
        &self,
        request: &NewRequest,
        audit: AuditEntry,
    ) -> StoreResult<RequestRecord>;
    async fn request(&self, id: DataRightsRequestId) -> StoreResult<Option<RequestRecord>>;
    async fn requests(&self, filter: RequestFilter, limit: i64) -> StoreResult<Vec<RequestRecord>>;
    /// The request's audit trail, oldest first.
    async fn request_audit(&self, id: DataRightsRequestId) -> StoreResult<Vec<AuditRecord>>;
    /// Refuses a received request; `None` if it is no longer received.
    async fn refuse_request(
        &self,
        id: DataRightsRequestId,
        staff: UserId,
        reason: RefusalReason,
        at: DateTime<Utc>,
        audit: AuditEntry,
    ) -> StoreResult<Option<RequestRecord>>;

    /// A corrected phone: its new lookup hash and sealed value, with the
    /// completed request and the audit entry. `Conflict` if another
    /// account has that phone.
    async fn change_phone(
        &self,
        user: UserId,
        phone_hash: &str,
        phone_sealed: &[u8],
        request: &NewRequest,
        audit: AuditEntry,
    ) -> StoreResult<()>;

    /// Erases a borrower and completes the request; `None` (nothing
    /// written) if the request is no longer received.
    async fn erase(&self, erasure: &Erasure) -> StoreResult<Option<RequestRecord>>;
    async fn retained(&self, user: UserId) -> StoreResult<Option<RetainedRecord>>;
    /// Retained records not purged whose period ended before `today`.
    async fn retained_due(&self, today: NaiveDate, limit: i64) -> StoreResult<Vec<RetainedRecord>>;
    /// Purges a retained record; `false` if it was purged already.
    async fn purge(&self, purge: &Purge) -> StoreResult<bool>;
}

const CONSENT_COLUMNS: &str = "id, user_id, kind, terms_version, action, at, client_address";
const REQUEST_COLUMNS: &str = "id, user_id, kind, status, received_at, due_on, decided_at, \
                               decided_by, outcome, retain_until";

macro_rules! sql_data_rights_store {
    ($db:ty, $connection:ty) => {
        impl SqlRepository<$db> {
            async fn insert_request_in(
                connection: &mut $connection,
                request: &NewRequest,
            ) -> StoreResult<RequestRecord> {
                let sql = format!(
                    "INSERT INTO data_rights_requests (user_id, kind, status, received_at, due_on, decided_at)
                     VALUES ($1, $2, $3, $4, $5, $6) RETURNING {REQUEST_COLUMNS}"
                );
                let decided_at =
                    (request.status != RequestStatus::Received).then_some(request.received_at);
                sqlx::query_as(sqlx::AssertSqlSafe(sql))
                    .bind(request.user_id)
                    .bind(request.kind.as_str())
                    .bind(request.status.as_str())
                    .bind(request.received_at)
                    .bind(request.due_on)
                    .bind(decided_at)
                    .fetch_one(&mut *connection)
                    .await
                    .map_err(StoreError::from_write)
            }

            async fn audit_request(
                connection: &mut $connection,
                request: DataRightsRequestId,
                mut audit: AuditEntry,
            ) -> StoreResult<()> {
                audit.entity_type = "data_rights_request".to_owned();
                audit.entity_id = Some(request.to_string());
                Self::insert_audit(connection, &audit).await?;
                Ok(())
            }

            /// Closes a received request; `None` if it was not received.
            async fn decide_request_in(
                connection: &mut $connection,
                id: DataRightsRequestId,
                status: RequestStatus,
                staff: UserId,
                at: DateTime<Utc>,
                outcome: Option<&str>,
                retain_until: Option<NaiveDate>,
            ) -> StoreResult<Option<RequestRecord>> {
                let sql = format!(
                    "UPDATE data_rights_requests
                     SET status = $2, decided_by = $3, decided_at = $4, outcome = $5, retain_until = $6
                     WHERE id = $1 AND status = 'received' RETURNING {REQUEST_COLUMNS}"
                );
                Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
                    .bind(id)
                    .bind(status.as_str())
                    .bind(staff)
                    .bind(at)
                    .bind(outcome)
                    .bind(retain_until)
                    .fetch_optional(&mut *connection)
                    .await?)
            }
        }

        #[async_trait]
        impl DataRightsStore for SqlRepository<$db> {
            async fn record_consent(
                &self,
                consent: &NewConsent,
                request: Option<&NewRequest>,
                mut audit: AuditEntry,
            ) -> StoreResult<ConsentRecord> {
                let mut tx = self.pool.begin().await?;
                let sql = format!(
                    "INSERT INTO consents (user_id, kind, terms_version, action, at, client_address)
                     VALUES ($1, $2, $3, $4, $5, $6) RETURNING {CONSENT_COLUMNS}"
                );
                let record: ConsentRecord = sqlx::query_as(sqlx::AssertSqlSafe(sql))
                    .bind(consent.user_id)
                    .bind(consent.kind.as_str())
                    .bind(&consent.terms_version)
                    .bind(consent.action.as_str())
                    .bind(consent.at)
                    .bind(&consent.client_address)
                    .fetch_one(&mut *tx)
                    .await?;
                match request {
                    Some(request) => {
                        let request = Self::insert_request_in(&mut tx, request).await?;
                        Self::audit_request(&mut tx, request.id, audit).await?;
                    }
                    None => {
                        audit.entity_id = Some(consent.user_id.to_string());
                        Self::insert_audit(&mut tx, &audit).await?;
                    }
                }
                tx.commit().await?;
                Ok(record)
            }

            async fn consents(&self, user: UserId) -> StoreResult<Vec<ConsentRecord>> {
                let sql =
                    format!("SELECT {CONSENT_COLUMNS} FROM consents WHERE user_id = $1 ORDER BY id");
                Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
                    .bind(user)
                    .fetch_all(&self.pool)
                    .await?)
            }

            async fn insert_request(
                &self,
                request: &NewRequest,
                audit: AuditEntry,
            ) -> StoreResult<RequestRecord> {
                let mut tx = self.pool.begin().await?;
                let record = Self::insert_request_in(&mut tx, request).await?;
                Self::audit_request(&mut tx, record.id, audit).await?;
                tx.commit().await?;
                Ok(record)
            }

            async fn request(&self, id: DataRightsRequestId) -> StoreResult<Option<RequestRecord>> {
                let sql =
                    format!("SELECT {REQUEST_COLUMNS} FROM data_rights_requests WHERE id = $1");
                Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await?)
            }

            async fn requests(
                &self,
                filter: RequestFilter,
                limit: i64,
            ) -> StoreResult<Vec<RequestRecord>> {
                let sql = format!(
                    "SELECT {REQUEST_COLUMNS} FROM data_rights_requests
                     WHERE ($1 IS NULL OR user_id = $1) AND ($2 IS NULL OR status = $2)
                     ORDER BY id DESC LIMIT $3"
                );
                Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
                    .bind(filter.user)
                    .bind(filter.status.map(RequestStatus::as_str))
                    .bind(limit)
                    .fetch_all(&self.pool)
                    .await?)
            }

            async fn request_audit(
                &self,
                id: DataRightsRequestId,
            ) -> StoreResult<Vec<AuditRecord>> {
                Ok(sqlx::query_as(
                    "SELECT id, actor_id, action, entity_type, entity_id, before, after, at, client_address
                     FROM audit_log WHERE entity_type = 'data_rights_request' AND entity_id = $1
                     ORDER BY id",
                )
                .bind(id.to_string())
                .fetch_all(&self.pool)
                .await?)
            }

            async fn refuse_request(
                &self,
                id: DataRightsRequestId,
                staff: UserId,
                reason: RefusalReason,
                at: DateTime<Utc>,
                audit: AuditEntry,
            ) -> StoreResult<Option<RequestRecord>> {
                let mut tx = self.pool.begin().await?;
                let refused = Self::decide_request_in(
                    &mut tx,
                    id,
                    RequestStatus::Refused,
                    staff,
                    at,
                    Some(reason.as_str()),
                    None,
                )
                .await?;
                if refused.is_some() {
                    Self::audit_request(&mut tx, id, audit).await?;
                    tx.commit().await?;
                }
                Ok(refused)
            }

            async fn change_phone(
                &self,
                user: UserId,
                phone_hash: &str,
                phone_sealed: &[u8],
                request: &NewRequest,
                audit: AuditEntry,
            ) -> StoreResult<()> {
                let mut tx = self.pool.begin().await?;
                sqlx::query(
                    "UPDATE users SET phone_hash = $2, phone_encrypted = $3
                     WHERE id = $1 AND erased_at IS NULL",
                )
                .bind(user)
                .bind(phone_hash)
                .bind(phone_sealed)
                .execute(&mut *tx)
                .await
                .map_err(StoreError::from_write)?;
                let request = Self::insert_request_in(&mut tx, request).await?;
                Self::audit_request(&mut tx, request.id, audit).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn erase(&self, erasure: &Erasure) -> StoreResult<Option<RequestRecord>> {
                let mut tx = self.pool.begin().await?;
                let user = erasure.user;
                let Some(done) = Self::decide_request_in(
                    &mut tx,
                    erasure.request,
                    RequestStatus::Completed,
                    erasure.staff,
                    erasure.at,
                    None,
                    erasure.retained.as_ref().map(|kept| kept.retain_until),
                )
                .await?
                else {
                    return Ok(None);
                };
                // What is erased outright: identity, feedback, sessions,
                // stored replies; the questionnaire of applications that
                // never became a loan.
                for sql in [
                    "DELETE FROM identities WHERE user_id = $1",
                    "DELETE FROM feedback WHERE borrower_id = $1",
                    "DELETE FROM refresh_tokens WHERE user_id = $1",
                    "DELETE FROM sessions WHERE user_id = $1",
                    "DELETE FROM idempotency_keys WHERE user_id = $1",
                    "UPDATE applications SET profile = '{}'
                     WHERE borrower_id = $1 AND id NOT IN
                         (SELECT application_id FROM loans WHERE application_id IS NOT NULL AND borrower_id = $1)",
                ] {
                    sqlx::query(sql).bind(user).execute(&mut *tx).await?;
                }
                for pattern in &erasure.throttle_buckets {
                    sqlx::query("DELETE FROM login_throttle WHERE bucket LIKE $1")
                        .bind(pattern)
                        .execute(&mut *tx)
                        .await?;
                }
                // The account stays (loans and the ledger refer to it), with
                // a phone hash nobody's phone has, so the number can register
                // again, and a password hash no password matches.
                sqlx::query(
                    "UPDATE users SET phone_hash = $2, phone_encrypted = $3, password_hash = '!',
                         erased_at = $4
                     WHERE id = $1",
                )
                .bind(user)
                .bind(format!("erased:{user}"))
                .bind(Vec::<u8>::new())
                .bind(erasure.at)
                .execute(&mut *tx)
                .await?;
                sqlx::query(
                    "UPDATE data_keys SET kek_id = NULL, wrapped = NULL, destroyed_at = $1
                     WHERE owner = $2 AND destroyed_at IS NULL",
                )
                .bind(erasure.at)
                .bind(&erasure.key_owner)
                .execute(&mut *tx)
                .await?;
                if let Some(kept) = &erasure.retained {
                    sqlx::query(
                        "INSERT INTO retained_personal_data (user_id, sealed, retain_until, retained_at)
                         VALUES ($1, $2, $3, $4)",
                    )
                    .bind(user)
                    .bind(&kept.sealed)
                    .bind(kept.retain_until)
                    .bind(erasure.at)
                    .execute(&mut *tx)
                    .await?;
                }
                Self::audit_request(&mut tx, erasure.request, erasure.audit.clone()).await?;
                tx.commit().await?;
                Ok(Some(done))
            }

            async fn retained(&self, user: UserId) -> StoreResult<Option<RetainedRecord>> {
                Ok(sqlx::query_as(
                    "SELECT user_id, sealed, retain_until, retained_at, purged_at
                     FROM retained_personal_data WHERE user_id = $1",
                )
                .bind(user)
                .fetch_optional(&self.pool)
                .await?)
            }

            async fn retained_due(
                &self,
                today: NaiveDate,
                limit: i64,
            ) -> StoreResult<Vec<RetainedRecord>> {
                Ok(sqlx::query_as(
                    "SELECT user_id, sealed, retain_until, retained_at, purged_at
                     FROM retained_personal_data
                     WHERE purged_at IS NULL AND retain_until < $1
                     ORDER BY retain_until, user_id LIMIT $2",
                )
                .bind(today)
                .bind(limit)
                .fetch_all(&self.pool)
                .await?)
            }

            async fn purge(&self, purge: &Purge) -> StoreResult<bool> {
                let mut tx = self.pool.begin().await?;
                let purged = sqlx::query(
                    "UPDATE retained_personal_data SET sealed = NULL, purged_at = $2
                     WHERE user_id = $1 AND purged_at IS NULL",
                )
                .bind(purge.user)
                .bind(purge.at)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                if purged == 0 {
                    return Ok(false);
                }
                sqlx::query(
                    "UPDATE data_keys SET kek_id = NULL, wrapped = NULL, destroyed_at = $1
                     WHERE owner = $2 AND destroyed_at IS NULL",
                )
                .bind(purge.at)
                .bind(&purge.key_owner)
                .execute(&mut *tx)
                .await?;
                // The contracts keep their digests (and the log its
                // entries); their documents, with the masked name, ID number
                // and consent addresses, go; so do the questionnaires and
                // the consent records.
                sqlx::query("UPDATE contracts SET document = $2 WHERE borrower_id = $1")
                    .bind(purge.user)
                    .bind(&purge.contract_tombstone)
                    .execute(&mut *tx)
                    .await?;
                for sql in [
                    "UPDATE applications SET profile = '{}' WHERE borrower_id = $1",
                    "DELETE FROM consents WHERE user_id = $1",
                ] {
                    sqlx::query(sql).bind(purge.user).execute(&mut *tx).await?;
                }
                let mut audit = purge.audit.clone();
                audit.entity_id = Some(purge.user.to_string());
                Self::insert_audit(&mut tx, &audit).await?;
                tx.commit().await?;
                Ok(true)
            }
        }
    };
}

sql_data_rights_store!(Sqlite, sqlx::SqliteConnection);
sql_data_rights_store!(Postgres, sqlx::PgConnection);
