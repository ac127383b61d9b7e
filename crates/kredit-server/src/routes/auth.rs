//! Registration, login, token refresh and logout.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::Utc;
use kredit_core::identity::mask_phone;
use kredit_store::{Role, User, UserId};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use crate::error::{ApiError, Problem};
use crate::extract::ApiJson;
use crate::state::{AppState, SharedState};
use crate::token::{hash_refresh_token, new_refresh_token};
use kredit_app::accounts;
use kredit_app::audit::Audit;
use kredit_app::password;

#[derive(Deserialize, ToSchema)]
pub struct Credentials {
    /// Mainland mobile number, 11 digits.
    #[schema(example = "13812345678")]
    pub phone: String,
    #[schema(example = "s3cret-pass")]
    pub password: String,
}

#[derive(Serialize, Deserialize, ToSchema)]
pub struct UserCreated {
    pub user_id: UserId,
}

#[derive(Serialize, Deserialize, ToSchema)]
pub struct TokenPair {
    /// Short-lived bearer token for `Authorization: Bearer …`.
    pub access_token: String,
    /// Opaque, single-use: exchange it at `/auth/refresh` for a new pair.
    pub refresh_token: String,
    #[schema(example = "Bearer")]
    pub token_type: String,
    /// Seconds until the access token expires.
    pub expires_in: i64,
}

#[derive(Deserialize, ToSchema)]
pub struct RefreshRequest {
    pub refresh_token: String,
}

/// Register a borrower account.
#[utoipa::path(post, path = "/api/v1/auth/register", tag = "auth", request_body = Credentials,
    responses(
        (status = 201, body = UserCreated),
        (status = 409, description = "`phone_taken`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation_failed`: phone format or password policy", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn register(
    State(state): State<SharedState>,
    ApiJson(credentials): ApiJson<Credentials>,
) -> Result<(StatusCode, Json<UserCreated>), ApiError> {
    let user_id = accounts::create(
        state.repository.as_ref(),
        &state.pii,
        &credentials.phone,
        &credentials.password,
        Role::Borrower,
        None,
    )
    .await?;
    tracing::info!(user_id = user_id.0, phone = %mask_phone(&credentials.phone), "borrower registered");
    Ok((StatusCode::CREATED, Json(UserCreated { user_id })))
}

/// Exchange phone and password for tokens. Repeated failures lock the
/// account (423 `account_locked`).
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth", request_body = Credentials,
    responses(
        (status = 200, body = TokenPair),
        (status = 401, description = "`unauthorized`: wrong phone or password", body = Problem, content_type = "application/problem+json"),
        (status = 423, description = "`account_locked`", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn login(
    State(state): State<SharedState>,
    ApiJson(credentials): ApiJson<Credentials>,
) -> Result<Json<TokenPair>, ApiError> {
    accounts::validate_phone(&credentials.phone)?;
    let now = kredit_store::now();
    let user = state
        .repository
        .user_by_phone_hash(&state.pii.lookup_hash(&credentials.phone))
        .await?;
    if user
        .as_ref()
        .and_then(|user| user.locked_until)
        .is_some_and(|until| until > now)
    {
        return Err(ApiError::AccountLocked);
    }
    let stored_hash = user.as_ref().map(|user| user.password_hash.clone());
    let password_matches = password::verify(credentials.password, stored_hash).await?;
    let Some(user) = user else {
        return Err(wrong_credentials());
    };
    if !password_matches {
        return Err(record_failure(&state, &user).await?);
    }
    state.repository.clear_login_failures(user.id).await?;
    if user.role.is_staff() {
        let audit = Audit {
            actor: Some(user.id),
            action: "auth.login",
            entity_type: "user",
            entity_id: Some(user.id.to_string()),
        };
        state
            .repository
            .append_audit(&audit.entry(None, None))
            .await?;
    }
    Ok(Json(issue_tokens(&state, user.id, user.role).await?))
}

fn wrong_credentials() -> ApiError {
    ApiError::Unauthorized("the phone number or password is wrong")
}

/// Counts a failed password; the failure that reaches the limit locks the
/// account and is audited. Returns the error to answer with.
async fn record_failure(state: &AppState, user: &User) -> Result<ApiError, ApiError> {
    let now = kredit_store::now();
    let policy = &state.policy;
    let failures = state
        .repository
        .record_login_failure(user.id, now, now - policy.lockout_window)
        .await?;
    if failures < policy.lockout_max_failures {
        return Ok(wrong_credentials());
    }
    let until = now + policy.lockout_duration;
    let audit = Audit {
        actor: None,
        action: "auth.account_locked",
        entity_type: "user",
        entity_id: Some(user.id.to_string()),
    }
    .entry(
        None,
        Some(json!({ "locked_until": until, "failures": failures })),
    );
    state.repository.lock_user(user.id, until, audit).await?;
    tracing::warn!(user_id = user.id.0, %until, "account locked after repeated login failures");
    Ok(ApiError::AccountLocked)
}

pub(crate) async fn issue_tokens(
    state: &AppState,
    user: UserId,
    role: Role,
) -> Result<TokenPair, ApiError> {
    let now = kredit_store::now();
    let (refresh_token, refresh_hash) = new_refresh_token();
    state
        .repository
        .insert_refresh_token(
            &refresh_hash,
            user,
            now + state.policy.refresh_token_ttl,
            now,
        )
        .await?;
    Ok(token_pair(state, user, role, refresh_token))
}

fn token_pair(state: &AppState, user: UserId, role: Role, refresh_token: String) -> TokenPair {
    TokenPair {
        access_token: state.access_tokens.issue(user, role, Utc::now()),
        refresh_token,
        token_type: "Bearer".to_owned(),
        expires_in: state.access_tokens.ttl().num_seconds(),
    }
}

/// Exchange a refresh token for a new pair. The old refresh token stops
/// working (rotation).
#[utoipa::path(post, path = "/api/v1/auth/refresh", tag = "auth", request_body = RefreshRequest,
    responses(
        (status = 200, body = TokenPair),
        (status = 401, description = "`unauthorized`: unknown, used, revoked or expired refresh token", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn refresh(
    State(state): State<SharedState>,
    ApiJson(request): ApiJson<RefreshRequest>,
) -> Result<Json<TokenPair>, ApiError> {
    let now = kredit_store::now();
    let (new_token, new_hash) = new_refresh_token();
    let old_hash = hash_refresh_token(&request.refresh_token);
    let expires = now + state.policy.refresh_token_ttl;
    let user_id = state
        .repository
        .rotate_refresh_token(&old_hash, &new_hash, expires, now)
        .await?
        .ok_or(ApiError::Unauthorized("the refresh token is not valid"))?;
    let user = state
        .repository
        .user_by_id(user_id)
        .await?
        .ok_or(ApiError::Unauthorized("the refresh token is not valid"))?;
    Ok(Json(token_pair(&state, user.id, user.role, new_token)))
}

/// Revoke a refresh token. Always 204, so the call can be retried.
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth", request_body = RefreshRequest,
    responses((status = 204, description = "The refresh token no longer works")))]
pub async fn logout(
    State(state): State<SharedState>,
    ApiJson(request): ApiJson<RefreshRequest>,
) -> Result<StatusCode, ApiError> {
    let hash = hash_refresh_token(&request.refresh_token);
    if let Some(user_id) = state
        .repository
        .revoke_refresh_token(&hash, kredit_store::now())
        .await?
    {
        tracing::info!(user_id = user_id.0, "refresh token revoked by logout");
    }
    Ok(StatusCode::NO_CONTENT)
}
