//! The disbursement policy's stored facts and versions (migration 0020):
//! staff approvals of held disbursements, one per member of staff and
//! payment, and every policy activated, by content address. Each write
//! carries its domain event and audit entry in its own transaction, so an
//! approval or an activation is never stored without entering the
//! transparency log, nor logged without being stored.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::{Postgres, Sqlite};

use kredit_core::ids::{LoanId, PaymentId, UserId};

use crate::lending::{APPLICATION_COLUMNS, ApplicationRecord, PAYMENT_COLUMNS, PaymentRecord};
use crate::model::AuditEntry;
use crate::outbox::NewDomainEvent;
use crate::repository::{SqlRepository, StoreError, StoreResult};

/// The subject of an approval's domain event and log entry.
pub fn approval_subject(id: i64) -> String {
    format!("disbursement_approval:{id}")
}

/// The subject of a policy activation's domain event and log entry.
pub fn policy_subject(address: &str) -> String {
    format!("disbursement_policy:{address}")
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ApprovalRecord {
    pub id: i64,
    pub payment_id: PaymentId,
    pub staff_id: UserId,
    /// `approve` or `reject` (`kredit_policy`'s `ApprovalDecision`).
    pub decision: String,
    /// The roles held when deciding, a JSON array.
    pub roles: String,
    pub comment: Option<String>,
    pub at: DateTime<Utc>,
}

/// A decision to store, with the payment's loan (the event's).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewApproval {
    pub payment_id: PaymentId,
    pub loan_id: LoanId,
    pub staff_id: UserId,
    pub decision: String,
    pub roles: String,
    pub comment: Option<String>,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct PolicyRecord {
    /// `sha256:…`, the policy's content address.
    pub address: String,
    pub name: String,
    pub version: i64,
    /// The policy document, JSON.
    pub document: String,
    pub activated_by: Option<UserId>,
    pub activated_at: DateTime<Utc>,
    pub activation: i64,
}

/// A policy to activate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPolicy {
    pub address: String,
    pub name: String,
    pub version: i64,
    pub document: String,
    pub activated_by: Option<UserId>,
    pub at: DateTime<Utc>,
}

#[async_trait]
pub trait DisbursementStore: Send + Sync {
    /// Stores a decision with its event (subject [`approval_subject`]) and
    /// audit entry; its id. `Conflict` if this member of staff has already
    /// decided on this payment.
    async fn record_approval(
        &self,
        approval: &NewApproval,
        event: &NewDomainEvent,
        audit: AuditEntry,
    ) -> StoreResult<i64>;
    /// Every decision on the payment, in id order.
    async fn approvals(&self, payment: PaymentId) -> StoreResult<Vec<ApprovalRecord>>;
    /// Disbursements not yet authorised (`created`: held by the policy or
    /// about to be asked), oldest first, ids above `after`.
    async fn held_disbursements(
        &self,
        after: Option<PaymentId>,
        limit: i64,
    ) -> StoreResult<Vec<PaymentRecord>>;
    async fn held_disbursement_count(&self) -> StoreResult<i64>;
    /// Makes `policy` the one in force, with its event (subject
    /// [`policy_subject`]) and audit entry; `false` (nothing written) if
    /// it already is. `Conflict` if another activation won a race.
    async fn activate_policy(
        &self,
        policy: &NewPolicy,
        event: &NewDomainEvent,
        audit: AuditEntry,
    ) -> StoreResult<bool>;
    /// The policy in force: the newest activation.
    async fn active_policy(&self) -> StoreResult<Option<PolicyRecord>>;
    async fn policy(&self, address: &str) -> StoreResult<Option<PolicyRecord>>;
    /// Applications made from `from` (inclusive) to `to` (exclusive), in
    /// id order: what a simulation replays.
    async fn applications_between(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> StoreResult<Vec<ApplicationRecord>>;
}

const APPROVAL_COLUMNS: &str =
    "SELECT id, payment_id, staff_id, decision, roles, comment, at FROM disbursement_approvals";
const POLICY_COLUMNS: &str = "SELECT address, name, version, document, activated_by, activated_at, activation FROM disbursement_policies";
const HELD: &str = "direction = 'disbursement' AND status = 'created'";

macro_rules! sql_disbursement_store {
    ($db:ty) => {
        #[async_trait]
        impl DisbursementStore for SqlRepository<$db> {
            async fn record_approval(
                &self,
                approval: &NewApproval,
                event: &NewDomainEvent,
                mut audit: AuditEntry,
            ) -> StoreResult<i64> {
                let mut tx = self.pool.begin().await?;
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO disbursement_approvals
                         (payment_id, staff_id, decision, roles, comment, at)
                     VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                )
                .bind(approval.payment_id)
                .bind(approval.staff_id)
                .bind(&approval.decision)
                .bind(&approval.roles)
                .bind(&approval.comment)
                .bind(approval.at)
                .fetch_one(&mut *tx)
                .await
                .map_err(StoreError::from_write)?;
                Self::insert_domain_events(
                    &mut tx,
                    std::slice::from_ref(event),
                    &approval_subject(id),
                    Some(approval.loan_id),
                    approval.at,
                )
                .await?;
                audit.entity_id = Some(id.to_string());
                Self::insert_audit(&mut tx, &audit).await?;
                tx.commit().await?;
                Ok(id)
            }

            async fn approvals(&self, payment: PaymentId) -> StoreResult<Vec<ApprovalRecord>> {
                let sql = format!("{APPROVAL_COLUMNS} WHERE payment_id = $1 ORDER BY id");
                Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
                    .bind(payment)
                    .fetch_all(&self.pool)
                    .await?)
            }

            async fn held_disbursements(
                &self,
                after: Option<PaymentId>,
                limit: i64,
            ) -> StoreResult<Vec<PaymentRecord>> {
                let sql = format!("{PAYMENT_COLUMNS} WHERE {HELD} AND id > $1 ORDER BY id LIMIT $2");
                Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
                    .bind(after.map_or(0, |id| id.0))
                    .bind(limit)
                    .fetch_all(&self.pool)
                    .await?)
            }

            async fn held_disbursement_count(&self) -> StoreResult<i64> {
                let sql = format!("SELECT COUNT(*) FROM payments WHERE {HELD}");
                Ok(sqlx::query_scalar(sqlx::AssertSqlSafe(sql)).fetch_one(&self.pool).await?)
            }

            async fn activate_policy(
                &self,
                policy: &NewPolicy,
                event: &NewDomainEvent,
                mut audit: AuditEntry,
            ) -> StoreResult<bool> {
                let mut tx = self.pool.begin().await?;
                let active: Option<String> = sqlx::query_scalar(
                    "SELECT address FROM disbursement_policies ORDER BY activation DESC LIMIT 1",
                )
                .fetch_optional(&mut *tx)
                .await?;
                if active.as_deref() == Some(policy.address.as_str()) {
                    return Ok(false);
                }
                let activation: i64 = sqlx::query_scalar(
                    "SELECT COALESCE(MAX(activation), 0) + 1 FROM disbursement_policies",
                )
                .fetch_one(&mut *tx)
                .await?;
                sqlx::query(
                    "INSERT INTO disbursement_policies
                         (address, name, version, document, activated_by, activated_at, activation)
                     VALUES ($1, $2, $3, $4, $5, $6, $7)
                     ON CONFLICT (address) DO UPDATE
                         SET activated_by = excluded.activated_by,
                             activated_at = excluded.activated_at,
                             activation = excluded.activation",
                )
                .bind(&policy.address)
                .bind(&policy.name)
                .bind(policy.version)
                .bind(&policy.document)
                .bind(policy.activated_by)
                .bind(policy.at)
                .bind(activation)
                .execute(&mut *tx)
                .await
                .map_err(StoreError::from_write)?;
                Self::insert_domain_events(
                    &mut tx,
                    std::slice::from_ref(event),
                    &policy_subject(&policy.address),
                    None,
                    policy.at,
                )
                .await?;
                audit.entity_id = Some(policy.address.clone());
                Self::insert_audit(&mut tx, &audit).await?;
                tx.commit().await.map_err(StoreError::from_write)?;
                Ok(true)
            }

            async fn active_policy(&self) -> StoreResult<Option<PolicyRecord>> {
                let sql = format!("{POLICY_COLUMNS} ORDER BY activation DESC LIMIT 1");
                Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql)).fetch_optional(&self.pool).await?)
            }

            async fn policy(&self, address: &str) -> StoreResult<Option<PolicyRecord>> {
                let sql = format!("{POLICY_COLUMNS} WHERE address = $1");
                Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
                    .bind(address)
                    .fetch_optional(&self.pool)
                    .await?)
            }

            async fn applications_between(
                &self,
                from: DateTime<Utc>,
                to: DateTime<Utc>,
            ) -> StoreResult<Vec<ApplicationRecord>> {
                let sql = format!(
                    "{APPLICATION_COLUMNS} WHERE created_at >= $1 AND created_at < $2 ORDER BY id"
                );
                Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
                    .bind(from)
                    .bind(to)
                    .fetch_all(&self.pool)
                    .await?)
            }
        }
    };
}

sql_disbursement_store!(Sqlite);
sql_disbursement_store!(Postgres);
