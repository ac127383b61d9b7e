//! The signed-in user's own account.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use kredit_core::identity::mask_phone;
use kredit_store::{SessionId, UserId};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::{AnyUser, Authorized};
use crate::error::{ApiError, Problem};
use crate::extract::{ApiJson, ApiPath};
use crate::state::SharedState;
use kredit_app::audit::Audit;
use kredit_app::password;
use kredit_app::throttle;

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

/// Change the password. Every session of the user ends at once, this one
/// included: sign in again with the new password. Attempts are throttled
/// per user (429 `too_many_attempts`).
#[utoipa::path(post, path = "/api/v1/me/password", tag = "me", security(("bearer" = [])),
    request_body = PasswordChange,
    responses(
        (status = 204, description = "Changed"),
        (status = 401, description = "`wrong_password`: the current password is wrong", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "`too_many_attempts`: wait `Retry-After` seconds", body = Problem, content_type = "application/problem+json",
            headers(("Retry-After" = i64, description = "Seconds until the next attempt is allowed"))),
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
    let now = kredit_store::now();
    if let Some(throttled) =
        throttle::password_attempt(&state, &state.policy.throttle, user.id, now).await?
    {
        return Err(ApiError::TooManyAttempts {
            retry_after_seconds: throttled.retry_after_seconds,
        });
    }
    if !password::verify(change.current_password, Some(user.password_hash)).await? {
        return Err(ApiError::WrongPassword);
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
    throttle::password_succeeded(&state, user.id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A live session of the signed-in user.
#[derive(Serialize, Deserialize, ToSchema)]
pub struct SessionView {
    pub id: SessionId,
    pub created_at: DateTime<Utc>,
    /// When its refresh token was last used (or it started).
    pub last_seen_at: DateTime<Utc>,
    /// The trusted client address at sign-in or last refresh.
    #[schema(example = "203.0.113.9")]
    pub client_address: String,
    /// Truncated to 120 characters.
    pub user_agent: String,
    /// The session of the token making this request.
    pub current: bool,
}

#[derive(Serialize, Deserialize, ToSchema)]
pub struct SessionList {
    /// Newest first.
    pub items: Vec<SessionView>,
}

/// The signed-in user's live sessions, the current one marked.
#[utoipa::path(get, path = "/api/v1/me/sessions", tag = "me", security(("bearer" = [])),
    responses((status = 200, body = SessionList)))]
pub async fn sessions(
    State(state): State<SharedState>,
    auth: Authorized<AnyUser>,
) -> Result<Json<SessionList>, ApiError> {
    let items = state
        .repository
        .sessions()
        .live_sessions(auth.user_id())
        .await?
        .into_iter()
        .map(|session| SessionView {
            current: session.id == auth.principal.session,
            id: session.id,
            created_at: session.created_at,
            last_seen_at: session.last_seen_at,
            client_address: session.client_address,
            user_agent: session.user_agent,
        })
        .collect();
    Ok(Json(SessionList { items }))
}

/// End one of one's own sessions (its tokens stop working at once; audited).
#[utoipa::path(delete, path = "/api/v1/me/sessions/{id}", tag = "me", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Session id")),
    responses((status = 204, description = "Ended"),
        (status = 404, description = "`not_found`: no live session of yours", body = Problem, content_type = "application/problem+json")))]
pub async fn revoke_session(
    State(state): State<SharedState>,
    auth: Authorized<AnyUser>,
    ApiPath(id): ApiPath<SessionId>,
) -> Result<StatusCode, ApiError> {
    let audit = Audit {
        actor: Some(auth.user_id()),
        action: "session.revoke",
        entity_type: "session",
        entity_id: Some(id.to_string()),
    };
    let revoked = state
        .repository
        .sessions()
        .revoke_session(
            auth.user_id(),
            id,
            kredit_store::now(),
            audit.entry(None, None),
        )
        .await?;
    if !revoked {
        return Err(ApiError::NotFound);
    }
    Ok(StatusCode::NO_CONTENT)
}

/// End every session of the signed-in user, this one included (audited).
#[utoipa::path(post, path = "/api/v1/me/sessions/logout-all", tag = "me", security(("bearer" = [])),
    responses((status = 204, description = "Every session ended")))]
pub async fn logout_all(
    State(state): State<SharedState>,
    auth: Authorized<AnyUser>,
) -> Result<StatusCode, ApiError> {
    let audit = Audit {
        actor: Some(auth.user_id()),
        action: "session.revoke_all",
        entity_type: "user",
        entity_id: Some(auth.user_id().to_string()),
    };
    state
        .repository
        .sessions()
        .revoke_all_sessions(auth.user_id(), kredit_store::now(), audit.entry(None, None))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
