//! The outbox: domain events written in the transaction of the change
//! that caused them (see `LoanChange::domain_events`), read back in id
//! order by the dispatcher, and each subscriber's cursor; and the
//! integrators' webhooks.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use kredit_core::ids::{DomainEventId, LoanId, UserId, WebhookId};
use sqlx::{Postgres, Sqlite};

use crate::repository::{SqlRepository, StoreResult};

/// An event to write with a change: `kind` (`loan.disbursed`, …) and its
/// JSON payload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewDomainEvent {
    pub kind: String,
    pub payload: String,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct DomainEventRecord {
    pub id: DomainEventId,
    pub kind: String,
    pub subject: String,
    pub loan_id: Option<LoanId>,
    pub payload: String,
    pub occurred_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct CursorRecord {
    pub subscriber: String,
    pub last_event_id: DomainEventId,
    pub attempts: i64,
    pub last_error: Option<String>,
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct WebhookRecord {
    pub id: WebhookId,
    pub url: String,
    pub secret_encrypted: Vec<u8>,
    pub description: String,
    pub active: bool,
    pub created_by: Option<UserId>,
    pub created_at: DateTime<Utc>,
}

#[async_trait]
pub trait OutboxStore: Send + Sync {
    /// Up to `limit` events with ids above `after`, in id order.
    async fn events_after(
        &self,
        after: DomainEventId,
        limit: i64,
    ) -> StoreResult<Vec<DomainEventRecord>>;
    /// The highest event id (0 with none).
    async fn last_event_id(&self) -> StoreResult<DomainEventId>;
    /// The subscriber's cursor, created at 0 if it has none.
    async fn cursor(&self, subscriber: &str, now: DateTime<Utc>) -> StoreResult<CursorRecord>;
    async fn cursors(&self) -> StoreResult<Vec<CursorRecord>>;
    /// Moves the cursor to `to` and clears its failures, if it is still at
    /// `from`; `false` if another dispatcher moved it.
    async fn advance_cursor(
        &self,
        subscriber: &str,
        from: DomainEventId,
        to: DomainEventId,
        now: DateTime<Utc>,
    ) -> StoreResult<bool>;
    /// A failed delivery: the cursor stays, the next attempt waits.
    async fn record_failure(
        &self,
        subscriber: &str,
        error: &str,
        retry_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> StoreResult<()>;

    async fn create_webhook(
        &self,
        url: &str,
        secret_encrypted: &[u8],
        description: &str,
        created_by: Option<UserId>,
        now: DateTime<Utc>,
    ) -> StoreResult<WebhookId>;
    async fn webhooks(&self) -> StoreResult<Vec<WebhookRecord>>;
    async fn set_webhook_active(&self, id: WebhookId, active: bool) -> StoreResult<bool>;
    /// Writes one event that no stored change carries (a policy's
    /// evaluation of a payment, which changes nothing but is a fact).
    async fn record_event(
        &self,
        event: &NewDomainEvent,
        subject: &str,
        loan_id: Option<LoanId>,
        at: DateTime<Utc>,
    ) -> StoreResult<()>;
    /// The newest event of `kind` about `subject`.
    async fn last_event_of(
        &self,
        subject: &str,
        kind: &str,
    ) -> StoreResult<Option<DomainEventRecord>>;
}

const CURSOR_COLUMNS: &str = "SELECT subscriber, last_event_id, attempts, last_error, next_attempt_at, updated_at FROM event_cursors";

pub(crate) const INSERT_DOMAIN_EVENT: &str = "INSERT INTO domain_events (kind, subject, loan_id, payload, occurred_at) VALUES ($1, $2, $3, $4, $5)";

macro_rules! sql_outbox_store {
    ($db:ty) => {
        impl SqlRepository<$db> {
            /// Writes `events` in the caller's transaction, about `subject`
            /// (`loan:7`, `application:3`, …) and, where there is one, a loan.
            pub(crate) async fn insert_domain_events(
                connection: &mut <$db as sqlx::Database>::Connection,
                events: &[NewDomainEvent],
                subject: &str,
                loan_id: Option<LoanId>,
                now: DateTime<Utc>,
            ) -> StoreResult<()> {
                for event in events {
                    sqlx::query(INSERT_DOMAIN_EVENT)
                    .bind(&event.kind)
                    .bind(subject)
                    .bind(loan_id)
                    .bind(&event.payload)
                    .bind(now)
                    .execute(&mut *connection)
                    .await?;
                }
                Ok(())
            }
        }

        #[async_trait]
        impl OutboxStore for SqlRepository<$db> {
            async fn record_event(
                &self,
                event: &NewDomainEvent,
                subject: &str,
                loan_id: Option<LoanId>,
                at: DateTime<Utc>,
            ) -> StoreResult<()> {
                let mut connection = self.pool.acquire().await?;
                Self::insert_domain_events(
                    &mut connection,
                    std::slice::from_ref(event),
                    subject,
                    loan_id,
                    at,
                )
                .await
            }

            async fn last_event_of(
                &self,
                subject: &str,
                kind: &str,
            ) -> StoreResult<Option<DomainEventRecord>> {
                Ok(sqlx::query_as(
                    "SELECT id, kind, subject, loan_id, payload, occurred_at FROM domain_events
                     WHERE subject = $1 AND kind = $2 ORDER BY id DESC LIMIT 1",
                )
                .bind(subject)
                .bind(kind)
                .fetch_optional(&self.pool)
                .await?)
            }

            async fn events_after(
                &self,
                after: DomainEventId,
                limit: i64,
            ) -> StoreResult<Vec<DomainEventRecord>> {
                Ok(sqlx::query_as(
                    "SELECT id, kind, subject, loan_id, payload, occurred_at FROM domain_events
                     WHERE id > $1 ORDER BY id LIMIT $2",
                )
                .bind(after)
                .bind(limit)
                .fetch_all(&self.pool)
                .await?)
            }

            async fn last_event_id(&self) -> StoreResult<DomainEventId> {
                Ok(sqlx::query_scalar(
                    "SELECT CAST(COALESCE(MAX(id), 0) AS BIGINT) FROM domain_events",
                )
                .fetch_one(&self.pool)
                .await?)
            }

            async fn cursor(
                &self,
                subscriber: &str,
                now: DateTime<Utc>,
            ) -> StoreResult<CursorRecord> {
                sqlx::query(
                    "INSERT INTO event_cursors (subscriber, updated_at) VALUES ($1, $2)
                     ON CONFLICT (subscriber) DO NOTHING",
                )
                .bind(subscriber)
                .bind(now)
                .execute(&self.pool)
                .await?;
                let sql = format!("{CURSOR_COLUMNS} WHERE subscriber = $1");
                Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
                    .bind(subscriber)
                    .fetch_one(&self.pool)
                    .await?)
            }

            async fn cursors(&self) -> StoreResult<Vec<CursorRecord>> {
                let sql = format!("{CURSOR_COLUMNS} ORDER BY subscriber");
                Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
                    .fetch_all(&self.pool)
                    .await?)
            }

            async fn advance_cursor(
                &self,
                subscriber: &str,
                from: DomainEventId,
                to: DomainEventId,
                now: DateTime<Utc>,
            ) -> StoreResult<bool> {
                let moved = sqlx::query(
                    "UPDATE event_cursors SET last_event_id = $1, attempts = 0, last_error = NULL,
                         next_attempt_at = NULL, updated_at = $2
                     WHERE subscriber = $3 AND last_event_id = $4",
                )
                .bind(to)
                .bind(now)
                .bind(subscriber)
                .bind(from)
                .execute(&self.pool)
                .await?
                .rows_affected();
                Ok(moved == 1)
            }

            async fn record_failure(
                &self,
                subscriber: &str,
                error: &str,
                retry_at: DateTime<Utc>,
                now: DateTime<Utc>,
            ) -> StoreResult<()> {
                sqlx::query(
                    "UPDATE event_cursors SET attempts = attempts + 1, last_error = $1,
                         next_attempt_at = $2, updated_at = $3
                     WHERE subscriber = $4",
                )
                .bind(error)
                .bind(retry_at)
                .bind(now)
                .bind(subscriber)
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn create_webhook(
                &self,
                url: &str,
                secret_encrypted: &[u8],
                description: &str,
                created_by: Option<UserId>,
                now: DateTime<Utc>,
            ) -> StoreResult<WebhookId> {
                Ok(sqlx::query_scalar(
                    "INSERT INTO webhooks (url, secret_encrypted, description, active, created_by, created_at)
                     VALUES ($1, $2, $3, TRUE, $4, $5) RETURNING id",
                )
                .bind(url)
                .bind(secret_encrypted)
                .bind(description)
                .bind(created_by)
                .bind(now)
                .fetch_one(&self.pool)
                .await?)
            }

            async fn webhooks(&self) -> StoreResult<Vec<WebhookRecord>> {
                Ok(sqlx::query_as(
                    "SELECT id, url, secret_encrypted, description, active, created_by, created_at
                     FROM webhooks ORDER BY id",
                )
                .fetch_all(&self.pool)
                .await?)
            }

            async fn set_webhook_active(&self, id: WebhookId, active: bool) -> StoreResult<bool> {
                let changed = sqlx::query("UPDATE webhooks SET active = $1 WHERE id = $2")
                    .bind(active)
                    .bind(id)
                    .execute(&self.pool)
                    .await?
                    .rows_affected();
                Ok(changed == 1)
            }
        }
    };
}

sql_outbox_store!(Sqlite);
sql_outbox_store!(Postgres);
