//! Disbursements the policy holds, over HTTP: the staff's list with the
//! reasons, the policy and the approvals, and a member of staff's approval
//! or rejection (`kredit_app::approvals`, docs/disbursement-policy.md).

use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use chrono::{DateTime, Utc};
use kredit_app::approvals::{self, Decision, Held};
use kredit_core::Money;
use kredit_policy::disbursement::ApprovalDecision;
use kredit_store::{PaymentId, UserId};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, OpenApi, ToSchema};

use crate::auth::{Authorized, StaffOnly};
use crate::error::{ApiError, Problem};
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::idempotency::{self, IdempotencyKey};
use crate::routes::loans::PaymentView;
use crate::state::SharedState;

/// The routes of this module, under `/api/v1`.
pub fn router() -> Router<SharedState> {
    Router::new()
        .route("/disbursements/held", get(held))
        .route("/disbursements/{payment_id}/approvals", post(decide))
}

#[derive(OpenApi)]
#[openapi(paths(held, decide))]
pub struct DisbursementsApi;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct HeldQuery {
    /// Page size, 1-200 (default 50).
    pub limit: Option<i64>,
    /// Only payments with an id above this (the previous page's `next_after`).
    pub after: Option<PaymentId>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ApprovalView {
    pub staff_id: UserId,
    /// `approve` or `reject`.
    pub decision: String,
    /// The roles the member of staff held when deciding.
    pub roles: Vec<String>,
    pub comment: Option<String>,
    pub at: DateTime<Utc>,
}

#[derive(Serialize, ToSchema)]
pub struct HeldView {
    pub payment: PaymentView,
    pub principal: Money,
    /// The policy's last evaluation (the `disbursement.evaluated` payload:
    /// `policy` (its content address), `policy_name`, `policy_version`,
    /// `outcome` with its `reasons` in the policy's order, `relied_on`);
    /// null before the first.
    #[schema(value_type = Option<Object>)]
    pub evaluation: Option<Value>,
    /// Every decision so far, oldest first.
    pub approvals: Vec<ApprovalView>,
    /// How many more approvals the policy in force needs.
    pub approvals_needed: u8,
}

#[derive(Serialize, ToSchema)]
pub struct HeldPage {
    /// Oldest first.
    pub items: Vec<HeldView>,
    /// Pass as `after` for the next page; absent on the last page.
    pub next_after: Option<PaymentId>,
}

fn view(held: Held) -> Result<HeldView, ApiError> {
    let approvals = held
        .approvals
        .into_iter()
        .map(|a| {
            Ok(ApprovalView {
                staff_id: a.staff_id,
                decision: a.decision,
                roles: serde_json::from_str(&a.roles).map_err(|_| ApiError::Internal)?,
                comment: a.comment,
                at: a.at,
            })
        })
        .collect::<Result<_, ApiError>>()?;
    Ok(HeldView {
        payment: held.payment.into(),
        principal: Money::from_fen(held.principal_fen),
        evaluation: held.evaluation,
        approvals,
        approvals_needed: held.approvals_needed,
    })
}

const DEFAULT_PAGE: i64 = 50;
const MAX_PAGE: i64 = 200;

/// Disbursements not yet authorised, oldest first, with the policy's
/// reasons and the approvals given (staff).
#[utoipa::path(get, path = "/api/v1/disbursements/held", tag = "loans", security(("bearer" = [])),
    params(HeldQuery),
    responses((status = 200, body = HeldPage),
        (status = 403, description = "`forbidden`: staff only", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation_failed`: `out_of_range`, `invalid_query`", body = Problem, content_type = "application/problem+json")))]
pub async fn held(
    State(state): State<SharedState>,
    _auth: Authorized<StaffOnly>,
    ApiQuery(query): ApiQuery<HeldQuery>,
) -> Result<Json<HeldPage>, ApiError> {
    let limit = query.limit.unwrap_or(DEFAULT_PAGE);
    if !(1..=MAX_PAGE).contains(&limit) {
        return Err(ApiError::field(
            "limit",
            "out_of_range",
            format!("limit is 1 to {MAX_PAGE}"),
        ));
    }
    let records = approvals::held(&state, query.after, limit).await?;
    let next_after = (records.len() as i64 == limit)
        .then(|| records.last().map(|r| r.payment.id))
        .flatten();
    let items = records.into_iter().map(view).collect::<Result<_, _>>()?;
    Ok(Json(HeldPage { items, next_after }))
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApprovalRequest {
    /// `approve` or `reject`.
    #[schema(value_type = String, example = "approve")]
    pub decision: ApprovalDecision,
    /// Why, 1-2000 characters (optional).
    pub comment: Option<String>,
}

/// Approve or reject a held disbursement (staff with a role the policy
/// names; audited, and a transparency-log entry). The payment is evaluated
/// again at once: the last approval needed sends it, a rejection fails it.
/// Requires an `Idempotency-Key`.
#[utoipa::path(post, path = "/api/v1/disbursements/{payment_id}/approvals", tag = "loans", security(("bearer" = [])),
    params(("payment_id" = i64, Path, description = "The disbursement payment"),
        ("Idempotency-Key" = String, Header, description = "Required; replays the first response")),
    request_body = ApprovalRequest,
    responses((status = 200, description = "The disbursement after the decision", body = HeldView),
        (status = 403, description = "`forbidden`: staff only", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not_found`", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`not_held`, `role_not_allowed`, `maker_cannot_approve`, `already_decided`, `idempotency_conflict`, `idempotency_in_progress`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation_failed`: `comment_invalid`", body = Problem, content_type = "application/problem+json")))]
pub async fn decide(
    State(state): State<SharedState>,
    auth: Authorized<StaffOnly>,
    key: IdempotencyKey,
    ApiPath(payment_id): ApiPath<PaymentId>,
    ApiJson(request): ApiJson<ApprovalRequest>,
) -> Result<Response, ApiError> {
    let key = IdempotencyKey(Some(key.require()?));
    let staff = auth.user_id();
    let operation = async {
        let held = approvals::decide(
            &state,
            Decision {
                staff,
                role: auth.principal.role,
                payment: payment_id,
                decision: request.decision,
                comment: request.comment.as_deref(),
            },
        )
        .await?;
        Ok((StatusCode::OK, view(held)?))
    };
    idempotency::run(
        &state,
        staff,
        key,
        &format!("POST /api/v1/disbursements/{payment_id}/approvals"),
        &request,
        operation,
    )
    .await
}
