//! Fraud and AML storage (migration 0021): velocity events counted in SQL
//! so every instance sees the same exact counts, scenarios, decisions,
//! same-day AML totals and the large-value report queue with its
//! maker-checker review.

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use sqlx::{Postgres, Sqlite};

use kredit_core::ids::UserId;

use crate::model::AuditEntry;
use crate::repository::{SqlRepository, StoreResult};

/// One identifier of a checked event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRiskEvent {
    pub key_kind: &'static str,
    pub key_value: String,
    pub borrower_id: UserId,
    pub at: i64,
    pub checkpoint: &'static str,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewFraudDecision {
    pub subject: String,
    pub application_id: Option<i64>,
    pub borrower_id: UserId,
    pub checkpoint: String,
    pub scenario: String,
    pub scenario_version: i64,
    pub outcome: String,
    pub score: i64,
    pub inputs_sha256: String,
    /// The decision's JSON (contributions, failures, escalations).
    pub decision: String,
    pub decided_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct FraudDecisionRecord {
    pub id: i64,
    pub subject: String,
    pub application_id: Option<i64>,
    pub borrower_id: UserId,
    pub checkpoint: String,
    pub scenario: String,
    pub scenario_version: i64,
    pub outcome: String,
    pub score: i64,
    pub inputs_sha256: String,
    pub decision: String,
    pub decided_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ScenarioRecord {
    pub name: String,
    pub version: i64,
    pub status: String,
    pub source: String,
    pub saved_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAmlReport {
    pub borrower_id: UserId,
    pub day: NaiveDate,
    pub channel: String,
    pub direction: String,
    pub customer_kind: String,
    pub total_fen: i64,
    pub threshold_fen: i64,
    pub trigger_ref: String,
    pub due_on: NaiveDate,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct AmlReportRecord {
    pub id: i64,
    pub borrower_id: UserId,
    pub day: NaiveDate,
    pub channel: String,
    pub direction: String,
    pub customer_kind: String,
    pub total_fen: i64,
    pub threshold_fen: i64,
    pub trigger_ref: String,
    pub due_on: NaiveDate,
    pub status: String,
    pub created_at: DateTime<Utc>,
    pub prepared_by: Option<UserId>,
    pub prepared_at: Option<DateTime<Utc>>,
    pub approved_by: Option<UserId>,
    pub approved_at: Option<DateTime<Utc>>,
}

/// Why a review step was not taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReviewRefusal {
    NotFound,
    /// Not in the status the step starts from.
    WrongStatus,
    /// The approver prepared it.
    SameStaff,
}

#[async_trait]
pub trait RiskStore: Send + Sync {
    async fn record_events(&self, events: &[NewRiskEvent]) -> StoreResult<()>;
    /// Events of a key value with `from < at <= to`: their number and the
    /// number of different borrowers among them.
    async fn window_counts(
        &self,
        key_kind: &str,
        key_value: &str,
        from: i64,
        to: i64,
    ) -> StoreResult<(i64, i64)>;
    /// Saves a scenario version unless it is there already.
    async fn save_scenario(&self, scenario: &ScenarioRecord) -> StoreResult<()>;
    /// The newest live scenario.
    async fn live_scenario(&self) -> StoreResult<Option<ScenarioRecord>>;
    async fn insert_decision(&self, decision: &NewFraudDecision) -> StoreResult<i64>;
    async fn decisions_of_application(
        &self,
        application_id: i64,
    ) -> StoreResult<Vec<FraudDecisionRecord>>;
    async fn latest_decision(&self, subject: &str) -> StoreResult<Option<FraudDecisionRecord>>;
    /// Decisions other than approve, newest first.
    async fn alerts(&self, limit: i64) -> StoreResult<Vec<FraudDecisionRecord>>;
    /// Adds to a customer's day total atomically; the new total.
    async fn add_to_day_total(
        &self,
        borrower: UserId,
        day: NaiveDate,
        channel: &str,
        direction: &str,
        amount_fen: i64,
    ) -> StoreResult<i64>;
    /// Creates the day's report; `None` if it exists already.
    async fn insert_report(&self, report: &NewAmlReport) -> StoreResult<Option<i64>>;
    async fn reports(&self, status: Option<&str>) -> StoreResult<Vec<AmlReportRecord>>;
    async fn report(&self, id: i64) -> StoreResult<Option<AmlReportRecord>>;
    /// open → prepared by `staff`, with the audit entry.
    async fn prepare_report(
        &self,
        id: i64,
        staff: UserId,
        at: DateTime<Utc>,
        audit: AuditEntry,
    ) -> StoreResult<Result<(), ReviewRefusal>>;
    /// prepared → approved by another member of staff, with the audit entry.
    async fn approve_report(
        &self,
        id: i64,
        staff: UserId,
        at: DateTime<Utc>,
        audit: AuditEntry,
    ) -> StoreResult<Result<(), ReviewRefusal>>;
}

// Column lists as macros, so each query stays one static string.
macro_rules! decision_columns {
    () => {
        "id, subject, application_id, borrower_id, checkpoint, scenario, scenario_version,
         outcome, score, inputs_sha256, decision, decided_at"
    };
}

macro_rules! report_columns {
    () => {
        "id, borrower_id, day, channel, direction, customer_kind, total_fen, threshold_fen, trigger_ref,
         due_on, status, created_at, prepared_by, prepared_at, approved_by, approved_at"
    };
}

macro_rules! sql_risk_store {
    ($db:ty) => {
        impl SqlRepository<$db> {
            /// One review step as a compare-and-set on the status, so two
            /// reviewers at once take it once between them.
            async fn review_step(
                &self,
                id: i64,
                staff: UserId,
                at: DateTime<Utc>,
                mut audit: AuditEntry,
                approve: bool,
            ) -> StoreResult<Result<(), ReviewRefusal>> {
                let mut tx = self.pool.begin().await?;
                let current: Option<(String, Option<UserId>)> =
                    sqlx::query_as("SELECT status, prepared_by FROM aml_reports WHERE id = $1")
                        .bind(id)
                        .fetch_optional(&mut *tx)
                        .await?;
                let Some((status, prepared_by)) = current else {
                    return Ok(Err(ReviewRefusal::NotFound));
                };
                let (from, sql) = if approve {
                    (
                        "prepared",
                        "UPDATE aml_reports SET status = 'approved', approved_by = $2, approved_at = $3
                         WHERE id = $1 AND status = 'prepared' AND prepared_by <> $2",
                    )
                } else {
                    (
                        "open",
                        "UPDATE aml_reports SET status = 'prepared', prepared_by = $2, prepared_at = $3
                         WHERE id = $1 AND status = 'open'",
                    )
                };
                if status != from {
                    return Ok(Err(ReviewRefusal::WrongStatus));
                }
                if approve && prepared_by == Some(staff) {
                    return Ok(Err(ReviewRefusal::SameStaff));
                }
                let changed = sqlx::query(sql)
                    .bind(id)
                    .bind(staff)
                    .bind(at)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                if changed != 1 {
                    return Ok(Err(ReviewRefusal::WrongStatus));
                }
                audit.entity_id = Some(id.to_string());
                Self::insert_audit(&mut tx, &audit).await?;
                tx.commit().await?;
                Ok(Ok(()))
            }
        }

        #[async_trait]
        impl RiskStore for SqlRepository<$db> {
            async fn record_events(&self, events: &[NewRiskEvent]) -> StoreResult<()> {
                let mut tx = self.pool.begin().await?;
                for event in events {
                    sqlx::query(
                        "INSERT INTO risk_events (key_kind, key_value, borrower_id, at, checkpoint)
                         VALUES ($1, $2, $3, $4, $5)",
                    )
                    .bind(event.key_kind)
                    .bind(&event.key_value)
                    .bind(event.borrower_id)
                    .bind(event.at)
                    .bind(event.checkpoint)
                    .execute(&mut *tx)
                    .await?;
                }
                tx.commit().await?;
                Ok(())
            }

            async fn window_counts(
                &self,
                key_kind: &str,
                key_value: &str,
                from: i64,
                to: i64,
            ) -> StoreResult<(i64, i64)> {
                Ok(sqlx::query_as(
                    "SELECT COUNT(*), COUNT(DISTINCT borrower_id) FROM risk_events
                     WHERE key_kind = $1 AND key_value = $2 AND at > $3 AND at <= $4",
                )
                .bind(key_kind)
                .bind(key_value)
                .bind(from)
                .bind(to)
                .fetch_one(&self.pool)
                .await?)
            }

            async fn save_scenario(&self, scenario: &ScenarioRecord) -> StoreResult<()> {
                sqlx::query(
                    "INSERT INTO fraud_scenarios (name, version, status, source, saved_at)
                     VALUES ($1, $2, $3, $4, $5) ON CONFLICT (name, version) DO NOTHING",
                )
                .bind(&scenario.name)
                .bind(scenario.version)
                .bind(&scenario.status)
                .bind(&scenario.source)
                .bind(scenario.saved_at)
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn live_scenario(&self) -> StoreResult<Option<ScenarioRecord>> {
                Ok(sqlx::query_as(
                    "SELECT name, version, status, source, saved_at FROM fraud_scenarios
                     WHERE status = 'live' ORDER BY saved_at DESC, version DESC LIMIT 1",
                )
                .fetch_optional(&self.pool)
                .await?)
            }

            async fn insert_decision(&self, d: &NewFraudDecision) -> StoreResult<i64> {
                Ok(sqlx::query_scalar(
                    "INSERT INTO fraud_decisions (subject, application_id, borrower_id, checkpoint,
                         scenario, scenario_version, outcome, score, inputs_sha256, decision, decided_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
                )
                .bind(&d.subject)
                .bind(d.application_id)
                .bind(d.borrower_id)
                .bind(&d.checkpoint)
                .bind(&d.scenario)
                .bind(d.scenario_version)
                .bind(&d.outcome)
                .bind(d.score)
                .bind(&d.inputs_sha256)
                .bind(&d.decision)
                .bind(d.decided_at)
                .fetch_one(&self.pool)
                .await?)
            }

            async fn decisions_of_application(
                &self,
                application_id: i64,
            ) -> StoreResult<Vec<FraudDecisionRecord>> {
                Ok(sqlx::query_as(concat!(
                    "SELECT " , decision_columns!(), " FROM fraud_decisions
                     WHERE application_id = $1 ORDER BY id"
                ))
                .bind(application_id)
                .fetch_all(&self.pool)
                .await?)
            }

            async fn latest_decision(
                &self,
                subject: &str,
            ) -> StoreResult<Option<FraudDecisionRecord>> {
                Ok(sqlx::query_as(concat!(
                    "SELECT " , decision_columns!(), " FROM fraud_decisions
                     WHERE subject = $1 ORDER BY id DESC LIMIT 1"
                ))
                .bind(subject)
                .fetch_optional(&self.pool)
                .await?)
            }

            async fn alerts(&self, limit: i64) -> StoreResult<Vec<FraudDecisionRecord>> {
                Ok(sqlx::query_as(concat!(
                    "SELECT " , decision_columns!(), " FROM fraud_decisions
                     WHERE outcome <> 'approve' ORDER BY id DESC LIMIT $1"
                ))
                .bind(limit)
                .fetch_all(&self.pool)
                .await?)
            }

            async fn add_to_day_total(
                &self,
                borrower: UserId,
                day: NaiveDate,
                channel: &str,
                direction: &str,
                amount_fen: i64,
            ) -> StoreResult<i64> {
                Ok(sqlx::query_scalar(
                    "INSERT INTO aml_day_totals (borrower_id, day, channel, direction, total_fen)
                     VALUES ($1, $2, $3, $4, $5)
                     ON CONFLICT (borrower_id, day, channel, direction)
                         DO UPDATE SET total_fen = aml_day_totals.total_fen + excluded.total_fen
                     RETURNING total_fen",
                )
                .bind(borrower)
                .bind(day)
                .bind(channel)
                .bind(direction)
                .bind(amount_fen)
                .fetch_one(&self.pool)
                .await?)
            }

            async fn insert_report(&self, r: &NewAmlReport) -> StoreResult<Option<i64>> {
                Ok(sqlx::query_scalar(
                    "INSERT INTO aml_reports (borrower_id, day, channel, direction, customer_kind,
                         total_fen, threshold_fen, trigger_ref, due_on, status, created_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'open', $10)
                     ON CONFLICT (borrower_id, day, channel, direction) DO NOTHING RETURNING id",
                )
                .bind(r.borrower_id)
                .bind(r.day)
                .bind(&r.channel)
                .bind(&r.direction)
                .bind(&r.customer_kind)
                .bind(r.total_fen)
                .bind(r.threshold_fen)
                .bind(&r.trigger_ref)
                .bind(r.due_on)
                .bind(r.created_at)
                .fetch_optional(&self.pool)
                .await?)
            }

            async fn reports(&self, status: Option<&str>) -> StoreResult<Vec<AmlReportRecord>> {
                Ok(sqlx::query_as(concat!(
                    "SELECT " , report_columns!(), " FROM aml_reports
                     WHERE $1 IS NULL OR status = $1 ORDER BY due_on, id"
                ))
                .bind(status)
                .fetch_all(&self.pool)
                .await?)
            }

            async fn report(&self, id: i64) -> StoreResult<Option<AmlReportRecord>> {
                Ok(sqlx::query_as(concat!(
                    "SELECT " , report_columns!(), " FROM aml_reports WHERE id = $1"
                ))
                .bind(id)
                .fetch_optional(&self.pool)
                .await?)
            }

            async fn prepare_report(
                &self,
                id: i64,
                staff: UserId,
                at: DateTime<Utc>,
                audit: AuditEntry,
            ) -> StoreResult<Result<(), ReviewRefusal>> {
                self.review_step(id, staff, at, audit, false).await
            }

            async fn approve_report(
                &self,
                id: i64,
                staff: UserId,
                at: DateTime<Utc>,
                audit: AuditEntry,
            ) -> StoreResult<Result<(), ReviewRefusal>> {
                self.review_step(id, staff, at, audit, true).await
            }
        }
    };
}

sql_risk_store!(Sqlite);
sql_risk_store!(Postgres);
