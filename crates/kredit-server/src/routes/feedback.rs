//! Borrower feedback (意见反馈) and the staff's replies.
//!
//! A borrower sends a question, complaint or suggestion, optionally about
//! one of their loans, and reads the replies; staff list what is open and
//! answer it once (audited). The rules are `kredit_app::feedback`'s; these
//! handlers authorise, call it and render (message and reply decrypted for
//! the reader).

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use kredit_app::feedback::{self, Submission};
use kredit_core::identity::mask_phone;
use kredit_store::feedback::FeedbackRecord;
use kredit_store::{FeedbackId, LoanId, Role, UserId};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};

use crate::auth::{Authorized, BorrowerOnly, Policy, StaffOnly};
use crate::error::{ApiError, Problem};
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::idempotency::{self, IdempotencyKey};
use crate::routes::applications::Items;
use crate::state::{AppState, SharedState};

/// Staff who answer customers.
pub struct FeedbackResponders;
impl Policy for FeedbackResponders {
    const ROLES: &'static [Role] = &[Role::Underwriter, Role::RiskOfficer, Role::Admin];
}

/// The routes of this module, under `/api/v1`.
pub fn router() -> Router<SharedState> {
    Router::new()
        .route("/me/feedback", post(submit).get(mine))
        .route("/admin/feedback", get(list))
        .route("/admin/feedback/{id}/reply", post(reply))
}

#[derive(OpenApi)]
#[openapi(paths(submit, mine, list, reply))]
pub struct FeedbackApi;

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FeedbackRequest {
    /// `question`, `complaint` or `suggestion`.
    pub category: String,
    /// 1-2000 characters.
    pub message: String,
    /// One of the borrower's own loans, if it is about one.
    pub loan_id: Option<LoanId>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReplyRequest {
    /// 1-2000 characters.
    pub reply: String,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// `open` or `answered`.
    pub status: Option<String>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct FeedbackView {
    pub id: FeedbackId,
    pub category: String,
    pub message: String,
    pub loan_id: Option<LoanId>,
    /// `open` or `answered`.
    pub status: String,
    pub reply: Option<String>,
    pub replied_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    /// Staff views only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub borrower_id: Option<UserId>,
    /// Staff views only, masked (`138****0001`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub borrower_phone: Option<String>,
}

async fn view(state: &AppState, record: FeedbackRecord) -> Result<FeedbackView, ApiError> {
    let open = async |sealed: &[u8]| state.pii.open(sealed).await.map_err(ApiError::internal);
    let reply = match record.reply_encrypted.as_deref() {
        Some(sealed) => Some(open(sealed).await?),
        None => None,
    };
    Ok(FeedbackView {
        id: record.id,
        category: record.category,
        message: open(&record.message_encrypted).await?,
        loan_id: record.loan_id,
        status: record.status,
        reply,
        replied_at: record.replied_at,
        created_at: record.created_at,
        borrower_id: None,
        borrower_phone: None,
    })
}

/// The staff's view: with the borrower, phone masked.
async fn staff_view(state: &AppState, record: FeedbackRecord) -> Result<FeedbackView, ApiError> {
    let borrower = record.borrower_id;
    let phone = match state.repository.user_by_id(borrower).await? {
        Some(user) => Some(mask_phone(
            &state
                .pii
                .open(&user.phone_encrypted)
                .await
                .map_err(ApiError::internal)?,
        )),
        None => None,
    };
    Ok(FeedbackView {
        borrower_id: Some(borrower),
        borrower_phone: phone,
        ..view(state, record).await?
    })
}

/// Send feedback (borrower). Requires an `Idempotency-Key`.
#[utoipa::path(post, path = "/api/v1/me/feedback", tag = "feedback", security(("bearer" = [])),
    params(("Idempotency-Key" = String, Header, description = "Required; replays the first response")),
    request_body = FeedbackRequest,
    responses((status = 201, body = FeedbackView),
        (status = 403, description = "`forbidden`: borrowers only", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`idempotency_conflict`, `idempotency_in_progress`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation_failed`", body = Problem, content_type = "application/problem+json")))]
pub async fn submit(
    State(state): State<SharedState>,
    auth: Authorized<BorrowerOnly>,
    key: IdempotencyKey,
    ApiJson(request): ApiJson<FeedbackRequest>,
) -> Result<Response, ApiError> {
    let key = IdempotencyKey(Some(key.require()?));
    let borrower = auth.user_id();
    let operation = async {
        let submission = Submission {
            category: &request.category,
            message: &request.message,
            loan_id: request.loan_id,
        };
        let record = feedback::submit(&state, borrower, submission).await?;
        Ok((StatusCode::CREATED, view(&state, record).await?))
    };
    idempotency::run(
        &state,
        borrower,
        key,
        "POST /api/v1/me/feedback",
        &request,
        operation,
    )
    .await
}

/// The borrower's own feedback with the replies, newest first.
#[utoipa::path(get, path = "/api/v1/me/feedback", tag = "feedback", security(("bearer" = [])),
    responses((status = 200, description = "Newest first", body = Items<FeedbackView>),
        (status = 403, description = "`forbidden`: borrowers only", body = Problem, content_type = "application/problem+json")))]
pub async fn mine(
    State(state): State<SharedState>,
    auth: Authorized<BorrowerOnly>,
) -> Result<Json<Items<FeedbackView>>, ApiError> {
    let records = feedback::list(&state, Some(auth.user_id()), None).await?;
    let mut items = Vec::with_capacity(records.len());
    for record in records {
        items.push(view(&state, record).await?);
    }
    Ok(Json(Items { items }))
}

/// Everybody's feedback, newest first, optionally `?status=open|answered`
/// (staff).
#[utoipa::path(get, path = "/api/v1/admin/feedback", tag = "feedback", security(("bearer" = [])),
    params(ListQuery),
    responses((status = 200, description = "With the borrower, phone masked", body = Items<FeedbackView>),
        (status = 403, description = "`forbidden`: staff only", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation_failed`: `invalid_status`, `invalid_query`", body = Problem, content_type = "application/problem+json")))]
pub async fn list(
    State(state): State<SharedState>,
    _auth: Authorized<StaffOnly>,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> Result<Json<Items<FeedbackView>>, ApiError> {
    let records = feedback::list(&state, None, query.status.as_deref()).await?;
    let mut items = Vec::with_capacity(records.len());
    for record in records {
        items.push(staff_view(&state, record).await?);
    }
    Ok(Json(Items { items }))
}

/// Answer open feedback, once (underwriter, risk officer, admin; audited).
#[utoipa::path(post, path = "/api/v1/admin/feedback/{id}/reply", tag = "feedback", security(("bearer" = [])),
    request_body = ReplyRequest,
    params(("id" = i64, Path, description = "Feedback id")),
    responses((status = 200, body = FeedbackView),
        (status = 403, description = "`forbidden`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not_found`", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`feedback_answered`", body = Problem, content_type = "application/problem+json")))]
pub async fn reply(
    State(state): State<SharedState>,
    auth: Authorized<FeedbackResponders>,
    ApiPath(id): ApiPath<FeedbackId>,
    ApiJson(request): ApiJson<ReplyRequest>,
) -> Result<Json<FeedbackView>, ApiError> {
    let record = feedback::reply(&state, auth.user_id(), id, &request.reply).await?;
    Ok(Json(staff_view(&state, record).await?))
}
