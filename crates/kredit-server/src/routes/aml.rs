//! The large-value report queue (docs/aml.md): list, maker-checker
//! review (a risk officer or admin prepares, another approves; audited)
//! and the CSV export (`?format=csv`).

use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{DateTime, NaiveDate, Utc};
use kredit_app::risk::aml::{self, Step};
use kredit_core::Money;
use kredit_store::risk::AmlReportRecord;
use kredit_store::{Role, UserId};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};

use crate::auth::{Authorized, Policy};
use crate::error::{ApiError, Problem};
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::routes::applications::Items;
use crate::routes::risk::RiskReaders;
use crate::state::SharedState;

/// Staff who review reports: never auditors, who only read.
pub struct AmlReviewers;
impl Policy for AmlReviewers {
    const ROLES: &'static [Role] = &[Role::RiskOfficer, Role::Admin];
}

/// The routes of this module, under `/api/v1`.
pub fn router() -> Router<SharedState> {
    Router::new()
        .route("/aml/reports", get(list))
        .route("/aml/reports/{id}/review", post(review))
}

#[derive(OpenApi)]
#[openapi(paths(list, review))]
pub struct AmlApi;

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct AmlReportView {
    pub id: i64,
    pub customer_id: UserId,
    /// `individual` or `non_individual`.
    pub customer_kind: String,
    /// The day of the transactions, in the lender's time zone.
    pub day: NaiveDate,
    /// `cash`, `domestic_transfer` or `cross_border_transfer`.
    pub channel: String,
    /// `in` (repayments) or `out` (disbursements).
    pub direction: String,
    pub total: Money,
    pub threshold: Money,
    /// What reached the threshold: `payment:{id}`.
    pub trigger: String,
    pub due_on: NaiveDate,
    /// `open`, `prepared` or `approved`.
    pub status: String,
    pub created_at: DateTime<Utc>,
    pub prepared_by: Option<UserId>,
    pub prepared_at: Option<DateTime<Utc>>,
    pub approved_by: Option<UserId>,
    pub approved_at: Option<DateTime<Utc>>,
}

fn view(r: AmlReportRecord) -> AmlReportView {
    AmlReportView {
        id: r.id,
        customer_id: r.borrower_id,
        customer_kind: r.customer_kind,
        day: r.day,
        channel: r.channel,
        direction: r.direction,
        total: Money::from_fen(r.total_fen),
        threshold: Money::from_fen(r.threshold_fen),
        trigger: r.trigger_ref,
        due_on: r.due_on,
        status: r.status,
        created_at: r.created_at,
        prepared_by: r.prepared_by,
        prepared_at: r.prepared_at,
        approved_by: r.approved_by,
        approved_at: r.approved_at,
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ReportQuery {
    /// Only reports with this status (`open`, `prepared`, `approved`).
    pub status: Option<String>,
    /// `json` (the default) or `csv`.
    pub format: Option<String>,
}

fn status_of(query: &ReportQuery) -> Result<Option<&str>, ApiError> {
    match query.status.as_deref() {
        None => Ok(None),
        Some(s @ ("open" | "prepared" | "approved")) => Ok(Some(s)),
        Some(_) => Err(kredit_app::AppError::field(
            "status",
            "invalid_status",
            "open, prepared or approved",
        )
        .into()),
    }
}

/// The large-value report queue, by due date: JSON, or with
/// `?format=csv` the export (docs/aml.md, *Export*).
#[utoipa::path(get, path = "/api/v1/aml/reports", tag = "aml", security(("bearer" = [])),
    params(ReportQuery),
    responses((status = 200, description = "The reports; `text/csv` with `format=csv`",
            content((Items<AmlReportView> = "application/json"), (String = "text/csv"))),
        (status = 403, description = "`forbidden`: risk officers, admins, auditors", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation_failed`: `invalid_status`, `invalid_format`", body = Problem, content_type = "application/problem+json")))]
pub async fn list(
    State(state): State<SharedState>,
    _auth: Authorized<RiskReaders>,
    ApiQuery(query): ApiQuery<ReportQuery>,
) -> Result<Response, ApiError> {
    let records = aml::reports(&state, status_of(&query)?).await?;
    match query.format.as_deref() {
        None | Some("json") => Ok(Json(Items {
            items: records.into_iter().map(view).collect::<Vec<_>>(),
        })
        .into_response()),
        Some("csv") => {
            let mut response = aml::export_csv(&records).into_response();
            response.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/csv; charset=utf-8"),
            );
            Ok(response)
        }
        Some(_) => {
            Err(kredit_app::AppError::field("format", "invalid_format", "json or csv").into())
        }
    }
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReviewRequest {
    /// `prepare` (the maker) or `approve` (the checker, someone else).
    pub step: String,
}

/// A review step on a report (audited): prepared by one member of staff,
/// approved by another.
#[utoipa::path(post, path = "/api/v1/aml/reports/{id}/review", tag = "aml", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Report id")),
    request_body = ReviewRequest,
    responses((status = 200, body = AmlReportView),
        (status = 403, description = "`forbidden`: risk officers and admins", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not_found`", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`wrong_report_status`, `same_reviewer`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation_failed`: `invalid_step`", body = Problem, content_type = "application/problem+json")))]
pub async fn review(
    State(state): State<SharedState>,
    auth: Authorized<AmlReviewers>,
    ApiPath(id): ApiPath<i64>,
    ApiJson(request): ApiJson<ReviewRequest>,
) -> Result<Json<AmlReportView>, ApiError> {
    let step = match request.step.as_str() {
        "prepare" => Step::Prepare,
        "approve" => Step::Approve,
        _ => {
            return Err(
                kredit_app::AppError::field("step", "invalid_step", "prepare or approve").into(),
            );
        }
    };
    let record = aml::review(&state, auth.user_id(), id, step).await?;
    Ok(Json(view(record)))
}
