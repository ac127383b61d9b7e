//! Staff's authenticator app over HTTP: where I stand, enrol (password
//! confirmed), confirm with a first code, remove (password and a code);
//! an admin's reset for a colleague who lost their phone. The rules are
//! `kredit_app::second_factor`'s.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use kredit_app::second_factor::{self, Refusal};
use kredit_store::UserId;
use serde::{Deserialize, Serialize};
use utoipa::{OpenApi, ToSchema};

use crate::auth::{AdminOnly, Authorized, StaffOnly};
use crate::error::{ApiError, Problem};
use crate::extract::{ApiJson, ApiPath};
use crate::routes::data_rights::{PasswordConfirmation, confirm_password};
use crate::state::SharedState;

/// The routes of this module, under `/api/v1`.
pub fn router() -> Router<SharedState> {
    Router::new()
        .route("/me/second-factor", get(status))
        .route("/me/second-factor/enrolment", post(enrol))
        .route("/me/second-factor/confirmation", post(confirm))
        .route("/me/second-factor/removal", post(remove))
        .route("/admin/users/{id}/second-factor", delete(reset))
}

#[derive(OpenApi)]
#[openapi(paths(status, enrol, confirm, remove, reset))]
pub struct SecondFactorApi;

/// Where a member of staff's second factor stands.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct SecondFactorStatus {
    /// A confirmed authenticator app is asked for at every login.
    pub enrolled: bool,
    pub enrolled_at: Option<DateTime<Utc>>,
    /// Whether the role must have one (admins in production).
    pub required: bool,
}

/// A started enrolment: shown once. Add it to the app (scan the URI as a
/// QR code or type the secret), then confirm with the code it shows.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct EnrolmentStarted {
    /// Base32 secret.
    pub secret: String,
    /// `otpauth://totp/…`, what the QR code holds.
    pub otpauth_uri: String,
    /// The QR code, an SVG document.
    pub qr_svg: String,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CodeConfirmation {
    /// The 6-digit code the app shows now.
    #[schema(example = "123456")]
    pub code: String,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FactorRemoval {
    pub password: String,
    /// A current code: the password alone does not remove the factor.
    pub code: String,
}

/// My second factor: whether I have one and whether my role needs it.
#[utoipa::path(get, path = "/api/v1/me/second-factor", tag = "auth", security(("bearer" = [])),
    responses((status = 200, body = SecondFactorStatus),
        (status = 403, description = "`forbidden`: staff only", body = Problem, content_type = "application/problem+json")))]
pub async fn status(
    State(state): State<SharedState>,
    auth: Authorized<StaffOnly>,
) -> Result<Json<SecondFactorStatus>, ApiError> {
    let factor = state.repository.totp().factor(auth.user_id()).await?;
    let enrolled_at = factor.and_then(|factor| factor.confirmed_at);
    Ok(Json(SecondFactorStatus {
        enrolled: enrolled_at.is_some(),
        enrolled_at,
        required: state.policy.second_factor.required_for(auth.principal.role),
    }))
}

/// Start setting up an authenticator app (password confirmed). Starting
/// again replaces a secret not yet confirmed.
#[utoipa::path(post, path = "/api/v1/me/second-factor/enrolment", tag = "auth", security(("bearer" = [])),
    request_body = PasswordConfirmation,
    responses((status = 201, body = EnrolmentStarted),
        (status = 401, description = "`wrong_password`: the password is wrong", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`forbidden`: staff only", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`otp_already_enrolled`: remove the current app first", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "`too_many_attempts`", body = Problem, content_type = "application/problem+json")))]
pub async fn enrol(
    State(state): State<SharedState>,
    auth: Authorized<StaffOnly>,
    ApiJson(confirmation): ApiJson<PasswordConfirmation>,
) -> Result<(StatusCode, Json<EnrolmentStarted>), ApiError> {
    let user = confirm_password(&state, auth.user_id(), confirmation.password).await?;
    let enrolment = second_factor::begin(&state, &user, kredit_store::now()).await?;
    Ok((
        StatusCode::CREATED,
        Json(EnrolmentStarted {
            qr_svg: enrolment.qr_svg(),
            secret: enrolment.secret,
            otpauth_uri: enrolment.otpauth_uri,
        }),
    ))
}

/// Finish setting up the app with the code it shows (audited
/// `auth.totp_enrol`); from now on every login asks for a code.
#[utoipa::path(post, path = "/api/v1/me/second-factor/confirmation", tag = "auth", security(("bearer" = [])),
    request_body = CodeConfirmation,
    responses((status = 200, body = SecondFactorStatus),
        (status = 403, description = "`forbidden`: staff only", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`otp_not_enrolling`: no enrolment started", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation_failed` (`otp_invalid`): the code is wrong or expired", body = Problem, content_type = "application/problem+json")))]
pub async fn confirm(
    State(state): State<SharedState>,
    auth: Authorized<StaffOnly>,
    ApiJson(confirmation): ApiJson<CodeConfirmation>,
) -> Result<Json<SecondFactorStatus>, ApiError> {
    let now = kredit_store::now();
    let user = auth.user_id();
    second_factor::confirm(&state, user, &confirmation.code, Some(user), now).await?;
    status(State(state), auth).await
}

/// Remove my authenticator app (password and a current code; audited
/// `auth.totp_remove`). Admins in production must keep one.
#[utoipa::path(post, path = "/api/v1/me/second-factor/removal", tag = "auth", security(("bearer" = [])),
    request_body = FactorRemoval,
    responses((status = 204, description = "Removed"),
        (status = 401, description = "`wrong_password`: the password is wrong", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`forbidden`: staff only", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not_found`: no app is set up", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`otp_required_for_role`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation_failed` (`otp_invalid`): the code is wrong, expired or used", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "`too_many_attempts`", body = Problem, content_type = "application/problem+json")))]
pub async fn remove(
    State(state): State<SharedState>,
    auth: Authorized<StaffOnly>,
    ApiJson(removal): ApiJson<FactorRemoval>,
) -> Result<StatusCode, ApiError> {
    let user = confirm_password(&state, auth.user_id(), removal.password).await?;
    let policy = state.policy.second_factor;
    let now = kredit_store::now();
    // A wrong code is a field of this form (422), not a lost session (401).
    match second_factor::check_at_login(&state, policy, &user, Some(&removal.code), now).await? {
        Ok(()) => {}
        Err(Refusal::EnrolmentRequired) => return Err(ApiError::NotFound),
        Err(refusal) => {
            return Err(ApiError::field("code", refusal.code(), refusal.detail()));
        }
    }
    second_factor::remove(&state, policy, &user, Some(user.id)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Remove a colleague's authenticator app (admin only; audited
/// `auth.totp_remove`), for a lost phone: they set up a new one at their
/// next login, or — an admin in production — with `kredit admin totp-enrol`.
#[utoipa::path(delete, path = "/api/v1/admin/users/{id}/second-factor", tag = "admin", security(("bearer" = [])),
    params(("id" = i64, Path, description = "User id")),
    responses((status = 204, description = "Removed"),
        (status = 403, description = "`forbidden`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not_found`: no such user or no app set up", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation_failed` (`own_factor`): remove your own with your code", body = Problem, content_type = "application/problem+json")))]
pub async fn reset(
    State(state): State<SharedState>,
    auth: Authorized<AdminOnly>,
    ApiPath(id): ApiPath<UserId>,
) -> Result<StatusCode, ApiError> {
    if id == auth.user_id() {
        return Err(ApiError::field(
            "id",
            "own_factor",
            "remove your own authenticator app with your password and a code",
        ));
    }
    let user = state
        .repository
        .user_by_id(id)
        .await?
        .ok_or(ApiError::NotFound)?;
    let policy = state.policy.second_factor;
    second_factor::remove(&state, policy, &user, Some(auth.user_id())).await?;
    Ok(StatusCode::NO_CONTENT)
}
