//! The signed-in user's own account.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use kredit_core::identity::mask_phone;
use kredit_store::UserId;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::{AnyUser, Authorized};
use crate::error::{ApiError, Problem};
use crate::extract::ApiJson;
use crate::state::SharedState;
use kredit_app::audit::Audit;
use kredit_app::password;

#[derive(Serialize, Deserialize, ToSchema)]
pub struct Me {
    pub user_id: UserId,
    /// Masked: `138****5678`.
    #[schema(example = "138****5678")]
    pub phone: String,
    #[schema(example = "borrower")]
    pub role: kredit_store::Role,
    pub created_at: DateTime<Utc>,
}

/// The current user.
#[utoipa::path(get, path = "/api/v1/me", tag = "me", security(("bearer" = [])),
    responses((status = 200, body = Me), (status = 401, body = Problem, content_type = "application/problem+json")))]
pub async fn me(
    State(state): State<SharedState>,
    auth: Authorized<AnyUser>,
) -> Result<Json<Me>, ApiError> {
    let user = state
        .repository
        .user_by_id(auth.user_id())
        .await?
        .ok_or(ApiError::NotFound)?;
    let phone = state
        .pii
        .open(&user.phone_encrypted)
        .await
        .map_err(ApiError::internal)?;
    Ok(Json(Me {
        user_id: user.id,
        phone: mask_phone(&phone),
        role: user.role,
        created_at: user.created_at,
    }))
}

#[derive(Deserialize, ToSchema)]
pub struct PasswordChange {
    pub current_password: String,
    pub new_password: String,
}

/// Change the password. Every refresh token of the user is revoked, so
/// other sessions end when their access tokens expire.
#[utoipa::path(post, path = "/api/v1/me/password", tag = "me", security(("bearer" = [])),
    request_body = PasswordChange,
    responses(
        (status = 204, description = "Changed"),
        (status = 401, description = "`unauthorized`: current password wrong", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation_failed`: password policy", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn change_password(
    State(state): State<SharedState>,
    auth: Authorized<AnyUser>,
    ApiJson(change): ApiJson<PasswordChange>,
) -> Result<StatusCode, ApiError> {
    let user = state
        .repository
        .user_by_id(auth.user_id())
        .await?
        .ok_or(ApiError::NotFound)?;
    if !password::verify(change.current_password, Some(user.password_hash)).await? {
        return Err(ApiError::Unauthorized("the current password is wrong"));
    }
    let phone = state
        .pii
        .open(&user.phone_encrypted)
        .await
        .map_err(ApiError::internal)?;
    password::check_policy(&change.new_password, &phone)?;
    let new_hash = password::hash(change.new_password).await?;
    let audit = Audit {
        actor: Some(user.id),
        action: "user.password_change",
        entity_type: "user",
        entity_id: Some(user.id.to_string()),
    };
    state
        .repository
        .change_password(user.id, &new_hash, audit.entry(None, None))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
