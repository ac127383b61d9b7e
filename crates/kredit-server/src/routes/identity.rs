//! Real-name verification (KYC) of the signed-in borrower.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{DateTime, Utc};
use kredit_app::onboarding::{self, IdentityRequest};
use kredit_core::identity::{mask_bank_card, mask_id_number, mask_name, mask_phone};
use kredit_store::{IdentityRecord, IdentityStatus, UserId};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::{Authorized, BorrowerOnly};
use crate::error::{ApiError, Problem};
use crate::extract::ApiJson;
use crate::idempotency::{self, IdempotencyKey};
use crate::state::{AppState, SharedState};

/// A verification result; every personal field is masked.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct IdentityView {
    #[schema(example = "verified")]
    pub status: IdentityStatus,
    #[schema(example = "张*")]
    pub real_name: String,
    #[schema(example = "110105********002X")]
    pub id_number: String,
    #[schema(example = "622202******0123")]
    pub bank_card: String,
    #[schema(example = "138****5678")]
    pub bank_phone: String,
    /// Accepted but suspicious input, e.g. `bank_card_luhn_failed`.
    pub warnings: Vec<String>,
    /// Why the status is not `verified`, e.g. `name_mismatch`, `provider_timeout`.
    pub reasons: Vec<String>,
    pub updated_at: DateTime<Utc>,
}

/// Submit the four elements for verification. Answers 200 with the outcome
/// (`verified`, `rejected` with reasons, or `pending` if the provider did
/// not answer in time). Format errors are 422 and store nothing. An optional
/// `Idempotency-Key` makes retries safe.
#[utoipa::path(post, path = "/api/v1/me/identity", tag = "identity", security(("bearer" = [])),
    request_body = IdentityRequest,
    params(("Idempotency-Key" = Option<String>, Header, description = "Optional; replays the first response")),
    responses(
        (status = 200, body = IdentityView),
        (status = 409, description = "`identity_in_use`, `identity_already_verified`, `idempotency_conflict`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation_failed` with field errors", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn submit(
    State(state): State<SharedState>,
    auth: Authorized<BorrowerOnly>,
    key: IdempotencyKey,
    ApiJson(request): ApiJson<IdentityRequest>,
) -> Result<Response, ApiError> {
    let user = auth.user_id();
    let operation = verify(&state, user, &request);
    idempotency::run(
        &state,
        user,
        key,
        "POST /api/v1/me/identity",
        &request,
        operation,
    )
    .await
}

/// The current verification result.
#[utoipa::path(get, path = "/api/v1/me/identity", tag = "identity", security(("bearer" = [])),
    responses((status = 200, body = IdentityView), (status = 404, description = "Not submitted yet", body = Problem, content_type = "application/problem+json")))]
pub async fn show(
    State(state): State<SharedState>,
    auth: Authorized<BorrowerOnly>,
) -> Result<Json<IdentityView>, ApiError> {
    let record = state
        .repository
        .identity(auth.user_id())
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(Json(view(&state, &record).await?))
}

/// Verifies and renders; also used by demo seeding.
pub(crate) async fn verify(
    state: &AppState,
    user: UserId,
    request: &IdentityRequest,
) -> Result<(StatusCode, IdentityView), ApiError> {
    let record = onboarding::verify(state, user, request).await?;
    Ok((StatusCode::OK, view(state, &record).await?))
}

async fn view(state: &AppState, record: &IdentityRecord) -> Result<IdentityView, ApiError> {
    let decrypt = async |sealed: &[u8]| state.pii.open(sealed).await.map_err(ApiError::internal);
    let codes = |json: &str| serde_json::from_str::<Vec<String>>(json).map_err(ApiError::internal);
    Ok(IdentityView {
        status: record.status,
        real_name: mask_name(&decrypt(&record.real_name_encrypted).await?),
        id_number: mask_id_number(&decrypt(&record.id_number_encrypted).await?),
        bank_card: mask_bank_card(&decrypt(&record.bank_card_encrypted).await?),
        bank_phone: mask_phone(&decrypt(&record.bank_phone_encrypted).await?),
        warnings: codes(&record.warnings)?,
        reasons: codes(&record.reasons)?,
        updated_at: record.updated_at,
    })
}
