//! Real-name verification (KYC) of the signed-in borrower.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{DateTime, NaiveDate, Utc};
use kredit_core::identity::{
    BankCard, IdentityError, ResidentId, mask_bank_card, mask_id_number, mask_name, mask_phone,
    validate_mobile, validate_real_name,
};
use kredit_store::{IdentityRecord, IdentityStatus, StoreError, UserId};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::{Authorized, BorrowerOnly};
use crate::error::{ApiError, FieldError, Problem};
use crate::extract::ApiJson;
use crate::idempotency::{self, IdempotencyKey};
use crate::identity_provider::{FourElements, Verification};
use crate::state::{AppState, SharedState};
use kredit_app::audit::Audit;

/// The four elements. Deliberately not `Debug`: it holds personal data in
/// clear and must never reach a log line.
#[derive(Serialize, Deserialize, ToSchema)]
pub struct IdentityRequest {
    #[schema(example = "张三")]
    pub real_name: String,
    /// 18-character resident ID number.
    #[schema(example = "11010519491231002X")]
    pub id_number: String,
    /// 16-19 digits.
    #[schema(example = "6222021234567890123")]
    pub bank_card: String,
    /// Mobile number reserved at the bank.
    #[schema(example = "13812345678")]
    pub bank_phone: String,
}

/// A verification result; every personal field is masked.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct IdentityView {
    #[schema(example = "verified")]
    pub status: IdentityStatus,
    #[schema(example = "张*")]
    pub real_name: String,
    #[schema(example = "110105********002X")]
    pub id_number: String,
    #[schema(example = "622202*********0123")]
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
    Ok(Json(view(&state, &record)?))
}

/// The ID number and card after format validation.
struct Validated {
    id: ResidentId,
    card: BankCard,
}

/// Checks every field's format and reports all failures at once. The age
/// policy is not a format rule: it decides the outcome later.
fn validate(request: &IdentityRequest, today: NaiveDate) -> Result<Validated, ApiError> {
    let mut errors = Vec::new();
    let mut refuse = |field: &str, error: IdentityError| {
        errors.push(FieldError::new(field, error.code(), error.to_string()));
    };
    if let Err(error) = validate_real_name(&request.real_name) {
        refuse("real_name", error);
    }
    let id = match ResidentId::parse(&request.id_number) {
        // Born after today: the number cannot be genuine.
        Ok(id) if id.age_on(today).is_none() => {
            refuse("id_number", IdentityError::IdBirthDate);
            None
        }
        Ok(id) => Some(id),
        Err(error) => {
            refuse("id_number", error);
            None
        }
    };
    let card = BankCard::parse(&request.bank_card)
        .map_err(|error| refuse("bank_card", error))
        .ok();
    if let Err(error) = validate_mobile(&request.bank_phone) {
        refuse("bank_phone", error);
    }
    match (id, card) {
        (Some(id), Some(card)) if errors.is_empty() => Ok(Validated { id, card }),
        _ => Err(ApiError::Validation {
            detail: "one or more identity fields are invalid".to_owned(),
            errors,
        }),
    }
}

/// Validates, checks the ID number is not someone else's, asks the
/// provider and stores the encrypted result with an audit entry. Also used
/// by demo seeding.
pub(crate) async fn verify(
    state: &AppState,
    user: UserId,
    request: &IdentityRequest,
) -> Result<(StatusCode, IdentityView), ApiError> {
    let today = state.time.today();
    let Validated { id, card } = validate(request, today)?;
    let id_number_hash = state.pii.lookup_hash(id.as_str());
    let repository = &state.repository;
    // Checked before asking the provider; the unique index on the hash
    // settles concurrent submissions (see `save_identity` below).
    if repository
        .identity_owner(&id_number_hash)
        .await?
        .is_some_and(|owner| owner != user)
    {
        return Err(identity_in_use());
    }
    if repository
        .identity(user)
        .await?
        .is_some_and(|existing| existing.status == IdentityStatus::Verified)
    {
        return Err(ApiError::Conflict {
            code: "identity_already_verified",
            detail: "your identity is already verified".to_owned(),
        });
    }
    let warnings: Vec<&str> = if card.luhn_valid {
        vec![]
    } else {
        vec!["bank_card_luhn_failed"]
    };
    let (status, reasons) = match state.policy.age.check(&id, today) {
        Err(problem) => (IdentityStatus::Rejected, vec![problem.code()]),
        Ok(_) => {
            let elements = FourElements {
                real_name: request.real_name.clone(),
                id_number: id.as_str().to_owned(),
                bank_card: card.as_str().to_owned(),
                bank_phone: request.bank_phone.clone(),
            };
            ask_provider(state, &elements).await
        }
    };
    let record = IdentityRecord {
        user_id: user,
        status,
        real_name_encrypted: state.pii.encrypt(&request.real_name),
        id_number_encrypted: state.pii.encrypt(id.as_str()),
        id_number_hash,
        bank_card_encrypted: state.pii.encrypt(card.as_str()),
        bank_phone_encrypted: state.pii.encrypt(&request.bank_phone),
        bank_phone_hash: state.pii.lookup_hash(&request.bank_phone),
        birth_date: id.birth_date(),
        warnings: serde_json::to_string(&warnings).map_err(ApiError::internal)?,
        reasons: serde_json::to_string(&reasons).map_err(ApiError::internal)?,
        updated_at: kredit_store::now(),
    };
    match repository.save_identity(&record).await {
        Err(StoreError::Conflict) => return Err(identity_in_use()),
        other => other?,
    }
    let view = view(state, &record)?;
    let audit = Audit {
        actor: Some(user),
        action: "identity.verify",
        entity_type: "identity",
        entity_id: Some(user.to_string()),
    };
    let snapshot = serde_json::to_value(&view).map_err(ApiError::internal)?;
    repository
        .append_audit(&audit.entry(None, Some(snapshot)))
        .await?;
    tracing::info!(user_id = user, id_number = %view.id_number, status = status.as_str(), "identity verification");
    Ok((StatusCode::OK, view))
}

fn identity_in_use() -> ApiError {
    ApiError::Conflict {
        code: "identity_in_use",
        detail: "this ID number is already bound to another account".to_owned(),
    }
}

async fn ask_provider(
    state: &AppState,
    elements: &FourElements,
) -> (IdentityStatus, Vec<&'static str>) {
    let answer = tokio::time::timeout(
        state.policy.identity_provider_timeout,
        state.identity_provider.verify(elements),
    )
    .await;
    match answer {
        Ok(Verification::Matched) => (IdentityStatus::Verified, vec![]),
        Ok(Verification::Mismatched(reasons)) => (IdentityStatus::Rejected, reasons),
        Ok(Verification::Unavailable) => (IdentityStatus::Pending, vec!["provider_unavailable"]),
        Err(_) => (IdentityStatus::Pending, vec!["provider_timeout"]),
    }
}

fn view(state: &AppState, record: &IdentityRecord) -> Result<IdentityView, ApiError> {
    let decrypt = |sealed: &[u8]| state.pii.decrypt(sealed).map_err(ApiError::internal);
    let codes = |json: &str| serde_json::from_str::<Vec<String>>(json).map_err(ApiError::internal);
    Ok(IdentityView {
        status: record.status,
        real_name: mask_name(&decrypt(&record.real_name_encrypted)?),
        id_number: mask_id_number(&decrypt(&record.id_number_encrypted)?),
        bank_card: mask_bank_card(&decrypt(&record.bank_card_encrypted)?),
        bank_phone: mask_phone(&decrypt(&record.bank_phone_encrypted)?),
        warnings: codes(&record.warnings)?,
        reasons: codes(&record.reasons)?,
        updated_at: record.updated_at,
    })
}
