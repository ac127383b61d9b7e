//! Borrower feedback (意见反馈) and the staff's replies.
//!
//! The store keeps message and reply as the caller sealed them (personal
//! data may be in them: kredit_app::feedback encrypts both); it knows nothing of
//! their text. A reply is written at most once, with its audit entry, in
//! one transaction.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::{Postgres, Sqlite};

use kredit_core::ids::{FeedbackId, LoanId, UserId};

use crate::model::AuditEntry;
use crate::repository::{SqlRepository, StoreResult};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewFeedback {
    pub borrower_id: UserId,
    /// `question`, `complaint` or `suggestion`.
    pub category: String,
    pub message_encrypted: Vec<u8>,
    pub loan_id: Option<LoanId>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct FeedbackRecord {
    pub id: FeedbackId,
    pub borrower_id: UserId,
    pub category: String,
    pub message_encrypted: Vec<u8>,
    pub loan_id: Option<LoanId>,
    /// `open` or `answered`.
    pub status: String,
    pub reply_encrypted: Option<Vec<u8>>,
    pub replied_by: Option<UserId>,
    pub replied_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

/// What happened to a reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReplyOutcome {
    Replied(FeedbackRecord),
    /// Someone replied first; the stored reply is unchanged.
    AlreadyAnswered,
    NotFound,
}

#[async_trait]
pub trait FeedbackStore: Send + Sync {
    async fn insert_feedback(&self, feedback: &NewFeedback) -> StoreResult<FeedbackRecord>;
    async fn feedback(&self, id: FeedbackId) -> StoreResult<Option<FeedbackRecord>>;
    /// Newest first: one borrower's, or everybody's, optionally by status.
    async fn feedback_list(
        &self,
        borrower: Option<UserId>,
        status: Option<&str>,
        limit: i64,
    ) -> StoreResult<Vec<FeedbackRecord>>;
    /// Answers open feedback, with its audit entry (`entity_id` set here).
    async fn reply_to_feedback(
        &self,
        id: FeedbackId,
        reply_encrypted: &[u8],
        replied_by: UserId,
        audit: AuditEntry,
    ) -> StoreResult<ReplyOutcome>;
}

const COLUMNS: &str = "id, borrower_id, category, message_encrypted, loan_id, status, \
                       reply_encrypted, replied_by, replied_at, created_at";

macro_rules! sql_feedback_store {
    ($db:ty) => {
        #[async_trait]
        impl FeedbackStore for SqlRepository<$db> {
            async fn insert_feedback(&self, feedback: &NewFeedback) -> StoreResult<FeedbackRecord> {
                let sql = format!(
                    "INSERT INTO feedback (borrower_id, category, message_encrypted, loan_id, status, created_at)
                     VALUES ($1, $2, $3, $4, 'open', $5) RETURNING {COLUMNS}"
                );
                Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
                    .bind(feedback.borrower_id)
                    .bind(&feedback.category)
                    .bind(&feedback.message_encrypted)
                    .bind(feedback.loan_id)
                    .bind(feedback.created_at)
                    .fetch_one(&self.pool)
                    .await?)
            }

            async fn feedback(&self, id: FeedbackId) -> StoreResult<Option<FeedbackRecord>> {
                let sql = format!("SELECT {COLUMNS} FROM feedback WHERE id = $1");
                Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await?)
            }

            async fn feedback_list(
                &self,
                borrower: Option<UserId>,
                status: Option<&str>,
                limit: i64,
            ) -> StoreResult<Vec<FeedbackRecord>> {
                let sql = format!(
                    "SELECT {COLUMNS} FROM feedback
                     WHERE ($1 IS NULL OR borrower_id = $1) AND ($2 IS NULL OR status = $2)
                     ORDER BY id DESC LIMIT $3"
                );
                Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
                    .bind(borrower)
                    .bind(status)
                    .bind(limit)
                    .fetch_all(&self.pool)
                    .await?)
            }

            async fn reply_to_feedback(
                &self,
                id: FeedbackId,
                reply_encrypted: &[u8],
                replied_by: UserId,
                mut audit: AuditEntry,
            ) -> StoreResult<ReplyOutcome> {
                let mut tx = self.pool.begin().await?;
                let sql = format!(
                    "UPDATE feedback SET status = 'answered', reply_encrypted = $1, replied_by = $2,
                         replied_at = $3
                     WHERE id = $4 AND status = 'open' RETURNING {COLUMNS}"
                );
                let replied: Option<FeedbackRecord> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
                    .bind(reply_encrypted)
                    .bind(replied_by)
                    .bind(audit.at)
                    .bind(id)
                    .fetch_optional(&mut *tx)
                    .await?;
                let Some(record) = replied else {
                    let exists: Option<FeedbackId> =
                        sqlx::query_scalar("SELECT id FROM feedback WHERE id = $1")
                            .bind(id)
                            .fetch_optional(&mut *tx)
                            .await?;
                    return Ok(if exists.is_some() {
                        ReplyOutcome::AlreadyAnswered
                    } else {
                        ReplyOutcome::NotFound
                    });
                };
                audit.entity_id = Some(id.to_string());
                Self::insert_audit(&mut tx, &audit).await?;
                tx.commit().await?;
                Ok(ReplyOutcome::Replied(record))
            }
        }
    };
}

sql_feedback_store!(Sqlite);
sql_feedback_store!(Postgres);
