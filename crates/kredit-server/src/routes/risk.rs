//! Fraud decisions for staff (docs/fraud.md, *Staff API*): the alerts
//! (decisions other than approve, with their explanation) and the
//! decisions of one application. Risk officers, admins and auditors.

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use kredit_store::risk::FraudDecisionRecord;
use kredit_store::{ApplicationId, Role, UserId};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};

use crate::auth::{Authorized, Policy};
use crate::error::{ApiError, Problem};
use crate::extract::{ApiPath, ApiQuery};
use crate::routes::applications::Items;
use crate::state::SharedState;

/// Staff who read fraud decisions and AML reports.
pub struct RiskReaders;
impl Policy for RiskReaders {
    const ROLES: &'static [Role] = &[Role::RiskOfficer, Role::Admin, Role::Auditor];
}

/// The routes of this module, under `/api/v1`.
pub fn router() -> Router<SharedState> {
    Router::new()
        .route("/risk/alerts", get(alerts))
        .route("/risk/applications/{id}", get(application))
}

#[derive(OpenApi)]
#[openapi(paths(alerts, application))]
pub struct RiskApi;

/// One stored fraud decision with its explanation.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct FraudDecisionView {
    pub id: i64,
    /// `application:{id}`, `payment:{id}`.
    pub subject: String,
    pub application_id: Option<i64>,
    pub borrower_id: UserId,
    /// `application`, `disbursement`, `repayment` or `payee_change`.
    pub checkpoint: String,
    pub scenario: String,
    pub scenario_version: i64,
    /// `approve`, `review`, `block_and_review` or `decline`.
    pub outcome: String,
    pub score: i64,
    /// `sha256:<hex>` of the features decided on.
    pub inputs_sha256: String,
    pub decided_at: DateTime<Utc>,
    /// Each rule's contribution (`rule`, `description`, `fired`, `weight`,
    /// `contribution`), rules that failed, and escalations (a sanctions
    /// hit with its matched entries and list version).
    #[schema(value_type = Object)]
    pub explanation: serde_json::Value,
}

fn view(record: FraudDecisionRecord) -> Result<FraudDecisionView, ApiError> {
    let decision = kredit_app::risk::decision_of(&record.decision)?;
    Ok(FraudDecisionView {
        id: record.id,
        subject: record.subject,
        application_id: record.application_id,
        borrower_id: record.borrower_id,
        checkpoint: record.checkpoint,
        scenario: record.scenario,
        scenario_version: record.scenario_version,
        outcome: record.outcome,
        score: record.score,
        inputs_sha256: record.inputs_sha256,
        decided_at: record.decided_at,
        explanation: serde_json::json!({
            "contributions": decision.contributions,
            "failures": decision.failures,
            "escalations": decision.escalations,
        }),
    })
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AlertQuery {
    /// At most this many, newest first (1-500, default 100).
    pub limit: Option<i64>,
}

/// Fraud alerts: decisions that were review, block_and_review or decline,
/// newest first, with their explanation.
#[utoipa::path(get, path = "/api/v1/risk/alerts", tag = "risk", security(("bearer" = [])),
    params(AlertQuery),
    responses((status = 200, body = Items<FraudDecisionView>),
        (status = 403, description = "`forbidden`: risk officers, admins, auditors", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation_failed`", body = Problem, content_type = "application/problem+json")))]
pub async fn alerts(
    State(state): State<SharedState>,
    _auth: Authorized<RiskReaders>,
    ApiQuery(query): ApiQuery<AlertQuery>,
) -> Result<Json<Items<FraudDecisionView>>, ApiError> {
    let limit = query.limit.unwrap_or(100);
    if !(1..=500).contains(&limit) {
        return Err(kredit_app::AppError::field("limit", "out_of_range", "1 to 500").into());
    }
    let records = state.repository.risk().alerts(limit).await?;
    let items = records.into_iter().map(view).collect::<Result<_, _>>()?;
    Ok(Json(Items { items }))
}

/// The fraud decisions of one application, oldest first.
#[utoipa::path(get, path = "/api/v1/risk/applications/{id}", tag = "risk", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Application id")),
    responses((status = 200, body = Items<FraudDecisionView>),
        (status = 403, description = "`forbidden`: risk officers, admins, auditors", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not_found`: no decision for it", body = Problem, content_type = "application/problem+json")))]
pub async fn application(
    State(state): State<SharedState>,
    _auth: Authorized<RiskReaders>,
    ApiPath(id): ApiPath<ApplicationId>,
) -> Result<Json<Items<FraudDecisionView>>, ApiError> {
    let records = state
        .repository
        .risk()
        .decisions_of_application(id.0)
        .await?;
    if records.is_empty() {
        return Err(kredit_app::AppError::NotFound.into());
    }
    let items = records.into_iter().map(view).collect::<Result<_, _>>()?;
    Ok(Json(Items { items }))
}
