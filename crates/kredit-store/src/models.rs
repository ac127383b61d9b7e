//! The model registry: versions of trained credit-risk models and their
//! lifecycle (draft → champion / challenger → retired), the scores each gave
//! live applications, and stability alerts.
//!
//! Like [`crate::Repository`], written once in SQL both dialects share and
//! instantiated for SQLite and PostgreSQL by [`sql_model_registry!`]. The
//! database itself enforces one champion and at most one challenger (partial
//! unique indexes in `0003_models.sql`); status changes demote the previous
//! holder and write their audit entry in the same transaction.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use kredit_core::ids::{ApplicationId, ModelVersionId, UserId};
use serde::{Deserialize, Serialize};
use sqlx::{Postgres, Sqlite};

use crate::model::AuditEntry;
use crate::repository::{SqlRepository, StoreError, StoreResult};

/// Where a model version is in its lifecycle.
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ModelStatus {
    /// Uploaded, not scoring.
    Draft,
    /// Decides applications (one at a time).
    Champion,
    /// Scores every application in the shadow of the champion, without
    /// deciding (at most one at a time).
    Challenger,
    /// No longer scoring; may be activated again (rollback).
    Retired,
}

impl ModelStatus {
    pub const ALL: [ModelStatus; 4] = [
        ModelStatus::Draft,
        ModelStatus::Champion,
        ModelStatus::Challenger,
        ModelStatus::Retired,
    ];

    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            ModelStatus::Draft => "draft",
            ModelStatus::Champion => "champion",
            ModelStatus::Challenger => "challenger",
            ModelStatus::Retired => "retired",
        }
    }
}

impl TryFrom<String> for ModelStatus {
    type Error = String;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        ModelStatus::ALL
            .into_iter()
            .find(|status| status.as_str() == value)
            .ok_or_else(|| format!("unknown model status {value:?}"))
    }
}

/// Which part a model played for an application.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScoreRole {
    Champion,
    Challenger,
}

impl ScoreRole {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            ScoreRole::Champion => "champion",
            ScoreRole::Challenger => "challenger",
        }
    }
}

impl TryFrom<String> for ScoreRole {
    type Error = String;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        match value.as_str() {
            "champion" => Ok(ScoreRole::Champion),
            "challenger" => Ok(ScoreRole::Challenger),
            _ => Err(format!("unknown score role {value:?}")),
        }
    }
}

/// A model to register. Its version number is assigned at insert.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewModelVersion {
    pub name: String,
    /// `scorecard` or `gbm`.
    pub kind: String,
    /// The artefact JSON, already validated by the caller.
    pub artefact: String,
    /// Validation metrics JSON.
    pub metrics: String,
    pub uploaded_by: Option<UserId>,
    pub created_at: DateTime<Utc>,
}

/// A registered model version without its artefact.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ModelVersionInfo {
    pub id: ModelVersionId,
    pub name: String,
    pub version: i64,
    pub kind: String,
    pub metrics: String,
    #[sqlx(try_from = "String")]
    pub status: ModelStatus,
    pub uploaded_by: Option<UserId>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A registered model version with its artefact.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ModelVersion {
    #[sqlx(flatten)]
    pub info: ModelVersionInfo,
    pub artefact: String,
}

/// The result of a status change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusChange {
    pub model: ModelVersionInfo,
    pub previous_status: ModelStatus,
    /// The version that held the status before and was retired, if any.
    pub demoted: Option<ModelVersionId>,
}

/// One model's score of one application.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewModelScore {
    pub application_id: ApplicationId,
    pub model_version_id: ModelVersionId,
    pub role: ScoreRole,
    pub score: i32,
    /// Rate units (10⁻¹⁰).
    pub pd_units: i64,
    /// JSON array of `{code, points}`.
    pub reasons: String,
    /// JSON object of the model inputs.
    pub features: String,
    pub scored_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ModelScoreRecord {
    pub id: i64,
    pub application_id: ApplicationId,
    pub model_version_id: ModelVersionId,
    #[sqlx(try_from = "String")]
    pub role: ScoreRole,
    pub score: i32,
    #[sqlx(rename = "pd")]
    pub pd_units: i64,
    pub reasons: String,
    pub features: String,
    pub scored_at: DateTime<Utc>,
}

/// A population-stability alert of a model version on one metric (`score`
/// or a feature); repeated checks update the same alert.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct ModelAlert {
    pub id: i64,
    pub model_version_id: ModelVersionId,
    pub metric: String,
    pub psi: f64,
    pub threshold: f64,
    pub applications: i64,
    pub first_raised_at: DateTime<Utc>,
    pub last_raised_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct NewModelAlert {
    pub model_version_id: ModelVersionId,
    pub metric: String,
    pub psi: f64,
    pub threshold: f64,
    pub applications: i64,
    pub at: DateTime<Utc>,
}

#[async_trait]
pub trait ModelRegistry: Send + Sync {
    /// Registers a draft as the next version of its name, with its audit
    /// entry (whose `entity_id` is set to the new id) in one transaction.
    async fn insert_model_version(
        &self,
        model: &NewModelVersion,
        audit: AuditEntry,
    ) -> StoreResult<ModelVersionInfo>;
    /// Every version, newest first, without artefacts.
    async fn model_versions(&self) -> StoreResult<Vec<ModelVersionInfo>>;
    async fn model_version(&self, id: ModelVersionId) -> StoreResult<Option<ModelVersion>>;
    /// Moves a version to `to`. To `champion` or `challenger`: the version
    /// holding that status is retired first. In one transaction with the
    /// audit entry (`entity_id`, `before` and `after` filled in here).
    /// `None` if the version does not exist; no change (and no audit) if it
    /// already has the status. `to` must not be `draft` (`Conflict`).
    async fn change_model_status(
        &self,
        id: ModelVersionId,
        to: ModelStatus,
        audit: AuditEntry,
    ) -> StoreResult<Option<StatusChange>>;

    /// Records the scores of one application (champion and shadow) together.
    async fn record_model_scores(&self, scores: &[NewModelScore]) -> StoreResult<()>;
    /// The scores a version gave, oldest first, at most `limit` of the newest.
    async fn model_scores(
        &self,
        id: ModelVersionId,
        limit: i64,
    ) -> StoreResult<Vec<ModelScoreRecord>>;

    /// Raises an alert, or updates the open one of the same version and metric.
    async fn raise_model_alert(&self, alert: &NewModelAlert) -> StoreResult<ModelAlert>;
    async fn model_alerts(&self, id: ModelVersionId) -> StoreResult<Vec<ModelAlert>>;
}

const VERSION_COLUMNS: &str =
    "id, name, version, kind, metrics, status, uploaded_by, created_at, updated_at";

pub(crate) const INSERT_MODEL_SCORE: &str =
    "INSERT INTO model_scores (application_id, model_version_id, role, score, pd,
         reasons, features, scored_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";

macro_rules! sql_model_registry {
    ($db:ty) => {
        impl SqlRepository<$db> {
            /// Inserts scores in `tx`, for `application_id` when given (a new
            /// application's id, not known when the scores were made).
            pub(crate) async fn insert_model_scores(
                tx: &mut sqlx::Transaction<'_, $db>,
                application_id: Option<ApplicationId>,
                scores: &[NewModelScore],
            ) -> StoreResult<()> {
                for score in scores {
                    sqlx::query(INSERT_MODEL_SCORE)
                    .bind(application_id.unwrap_or(score.application_id))
                    .bind(score.model_version_id)
                    .bind(score.role.as_str())
                    .bind(score.score)
                    .bind(score.pd_units)
                    .bind(&score.reasons)
                    .bind(&score.features)
                    .bind(score.scored_at)
                    .execute(&mut **tx)
                    .await
                    .map_err(StoreError::from_write)?;
                }
                Ok(())
            }
        }

        #[async_trait]
        impl ModelRegistry for SqlRepository<$db> {
            async fn insert_model_version(
                &self,
                model: &NewModelVersion,
                mut audit: AuditEntry,
            ) -> StoreResult<ModelVersionInfo> {
                let mut tx = self.pool.begin().await?;
                let sql = format!(
                    "INSERT INTO model_versions
                         (name, version, kind, artefact, metrics, status, uploaded_by, created_at, updated_at)
                     SELECT $1, COALESCE(MAX(version), 0) + 1, $2, $3, $4, 'draft', $5, $6, $6
                     FROM model_versions WHERE name = $1
                     RETURNING {VERSION_COLUMNS}"
                );
                let info: ModelVersionInfo = sqlx::query_as(sqlx::AssertSqlSafe(sql))
                    .bind(&model.name)
                    .bind(&model.kind)
                    .bind(&model.artefact)
                    .bind(&model.metrics)
                    .bind(model.uploaded_by)
                    .bind(model.created_at)
                    .fetch_one(&mut *tx)
                    .await
                    .map_err(StoreError::from_write)?;
                audit.entity_id = Some(info.id.to_string());
                Self::insert_audit(&mut tx, &audit).await?;
                tx.commit().await?;
                Ok(info)
            }

            async fn model_versions(&self) -> StoreResult<Vec<ModelVersionInfo>> {
                let sql = format!("SELECT {VERSION_COLUMNS} FROM model_versions ORDER BY id DESC");
                Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
                    .fetch_all(&self.pool)
                    .await?)
            }

            async fn model_version(
                &self,
                id: ModelVersionId,
            ) -> StoreResult<Option<ModelVersion>> {
                let sql =
                    format!("SELECT {VERSION_COLUMNS}, artefact FROM model_versions WHERE id = $1");
                Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await?)
            }

            async fn change_model_status(
                &self,
                id: ModelVersionId,
                to: ModelStatus,
                mut audit: AuditEntry,
            ) -> StoreResult<Option<StatusChange>> {
                if to == ModelStatus::Draft {
                    return Err(StoreError::Conflict);
                }
                let at = audit.at;
                let mut tx = self.pool.begin().await?;
                // Writing first takes the write lock at once (SQLite) and
                // locks the row (PostgreSQL) before anything is read.
                let touched = sqlx::query("UPDATE model_versions SET updated_at = updated_at WHERE id = $1")
                    .bind(id)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                if touched == 0 {
                    return Ok(None);
                }
                let previous: String =
                    sqlx::query_scalar("SELECT status FROM model_versions WHERE id = $1")
                        .bind(id)
                        .fetch_one(&mut *tx)
                        .await?;
                let previous_status =
                    ModelStatus::try_from(previous).map_err(|e| StoreError::Database(sqlx::Error::Decode(e.into())))?;
                if previous_status == to {
                    let sql = format!("SELECT {VERSION_COLUMNS} FROM model_versions WHERE id = $1");
                    let model = sqlx::query_as(sqlx::AssertSqlSafe(sql))
                        .bind(id)
                        .fetch_one(&mut *tx)
                        .await?;
                    return Ok(Some(StatusChange { model, previous_status, demoted: None }));
                }
                let demoted: Option<ModelVersionId> = if to == ModelStatus::Retired {
                    None
                } else {
                    sqlx::query_scalar(
                        "UPDATE model_versions SET status = 'retired', updated_at = $1
                         WHERE status = $2 AND id <> $3 RETURNING id",
                    )
                    .bind(at)
                    .bind(to.as_str())
                    .bind(id)
                    .fetch_optional(&mut *tx)
                    .await?
                };
                let sql = format!(
                    "UPDATE model_versions SET status = $1, updated_at = $2 WHERE id = $3
                     RETURNING {VERSION_COLUMNS}"
                );
                let model: ModelVersionInfo = sqlx::query_as(sqlx::AssertSqlSafe(sql))
                    .bind(to.as_str())
                    .bind(at)
                    .bind(id)
                    .fetch_one(&mut *tx)
                    .await
                    .map_err(StoreError::from_write)?;
                audit.entity_id = Some(id.to_string());
                audit.before = Some(format!(r#"{{"status":"{}"}}"#, previous_status.as_str()));
                audit.after = Some(match demoted {
                    Some(other) => format!(
                        r#"{{"status":"{}","retired_previous":{other}}}"#,
                        to.as_str()
                    ),
                    None => format!(r#"{{"status":"{}"}}"#, to.as_str()),
                });
                Self::insert_audit(&mut tx, &audit).await?;
                tx.commit().await?;
                Ok(Some(StatusChange { model, previous_status, demoted }))
            }

            async fn record_model_scores(&self, scores: &[NewModelScore]) -> StoreResult<()> {
                let mut tx = self.pool.begin().await?;
                Self::insert_model_scores(&mut tx, None, scores).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn model_scores(
                &self,
                id: ModelVersionId,
                limit: i64,
            ) -> StoreResult<Vec<ModelScoreRecord>> {
                let mut scores: Vec<ModelScoreRecord> = sqlx::query_as(
                    "SELECT id, application_id, model_version_id, role, score, pd, reasons, features,
                            scored_at
                     FROM model_scores WHERE model_version_id = $1 ORDER BY id DESC LIMIT $2",
                )
                .bind(id)
                .bind(limit)
                .fetch_all(&self.pool)
                .await?;
                scores.reverse();
                Ok(scores)
            }

            async fn raise_model_alert(&self, alert: &NewModelAlert) -> StoreResult<ModelAlert> {
                Ok(sqlx::query_as(
                    "INSERT INTO model_alerts (model_version_id, metric, psi, threshold, applications,
                         first_raised_at, last_raised_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $6)
                     ON CONFLICT (model_version_id, metric) DO UPDATE SET
                         psi = excluded.psi,
                         threshold = excluded.threshold,
                         applications = excluded.applications,
                         last_raised_at = excluded.last_raised_at
                     RETURNING id, model_version_id, metric, psi, threshold, applications,
                               first_raised_at, last_raised_at",
                )
                .bind(alert.model_version_id)
                .bind(&alert.metric)
                .bind(alert.psi)
                .bind(alert.threshold)
                .bind(alert.applications)
                .bind(alert.at)
                .fetch_one(&self.pool)
                .await
                .map_err(StoreError::from_write)?)
            }

            async fn model_alerts(&self, id: ModelVersionId) -> StoreResult<Vec<ModelAlert>> {
                Ok(sqlx::query_as(
                    "SELECT id, model_version_id, metric, psi, threshold, applications,
                            first_raised_at, last_raised_at
                     FROM model_alerts WHERE model_version_id = $1 ORDER BY metric",
                )
                .bind(id)
                .fetch_all(&self.pool)
                .await?)
            }
        }
    };
}

sql_model_registry!(Sqlite);
sql_model_registry!(Postgres);
