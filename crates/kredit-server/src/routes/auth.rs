//! Registration, login, token refresh and logout.

use axum::Json;
use axum::extract::State;
use axum::http::header::USER_AGENT;
use axum::http::{HeaderMap, StatusCode};
use chrono::Utc;
use kredit_core::identity::mask_phone;
use kredit_store::{NewSession, Refreshed, Role, SessionId, UserId};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use crate::client::ClientAddress;
use crate::error::{ApiError, Problem};
use crate::extract::ApiJson;
use crate::state::{AppState, SharedState};
use crate::token::{hash_refresh_token, new_refresh_token};
use kredit_app::accounts;
use kredit_app::audit::Audit;
use kredit_app::password;
use kredit_app::second_factor;
use kredit_app::throttle;

#[derive(Deserialize, ToSchema)]
pub struct Credentials {
    /// Mainland mobile number, 11 digits.
    #[schema(example = "13812345678")]
    pub phone: String,
    #[schema(example = "s3cret-pass")]
    pub password: String,
}

#[derive(Deserialize, ToSchema)]
pub struct LoginRequest {
    /// Mainland mobile number, 11 digits.
    #[schema(example = "13812345678")]
    pub phone: String,
    #[schema(example = "s3cret-pass")]
    pub password: String,
    /// The current 6-digit code of the authenticator app, for staff who
    /// set one up (without it such a login answers 401 `otp_required`).
    #[schema(example = "123456")]
    pub otp: Option<String>,
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
    client: ClientAddress,
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
    // Registering is agreeing to the personal-information text in force,
    // which the sign-up page shows (docs/security.md).
    kredit_app::data_rights::consents::given_at_registration(
        &state,
        user_id,
        Some(client.to_string()),
    )
    .await?;
    tracing::info!(user_id = user_id.0, phone = %mask_phone(&credentials.phone), "borrower registered");
    Ok((StatusCode::CREATED, Json(UserCreated { user_id })))
}

/// Exchange phone and password for tokens, starting a session. Attempts
/// are throttled per client address and per phone (429
/// `too_many_attempts` with `Retry-After`); an unknown phone is answered
/// exactly like a wrong password. Staff with an authenticator app also send
/// its current code (`otp`); a wrong code counts as a failed attempt.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth", request_body = LoginRequest,
    responses(
        (status = 200, body = TokenPair),
        (status = 401, description = "`unauthorized`: wrong phone or password; `otp_required`: the password is right and the account needs its authenticator code; `otp_invalid`: the code is wrong, expired or used", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`otp_enrolment_required`: an admin in production without an authenticator app", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "`too_many_attempts`: wait `Retry-After` seconds", body = Problem, content_type = "application/problem+json",
            headers(("Retry-After" = i64, description = "Seconds until the next attempt is allowed"))),
    ))]
pub async fn login(
    State(state): State<SharedState>,
    client: ClientAddress,
    headers: HeaderMap,
    ApiJson(credentials): ApiJson<LoginRequest>,
) -> Result<Json<TokenPair>, ApiError> {
    accounts::validate_phone(&credentials.phone)?;
    let now = kredit_store::now();
    let address = client.to_string();
    let phone_hash = state.pii.lookup_hash(&credentials.phone);
    let user = state.repository.user_by_phone_hash(&phone_hash).await?;
    let throttled = throttle::login_attempt(
        &state,
        &state.policy.throttle,
        &phone_hash,
        user.as_ref().map(|user| user.id),
        &address,
        now,
    )
    .await?;
    if let Some(throttled) = throttled {
        tracing::warn!(client = %address, "login throttled");
        return Err(ApiError::TooManyAttempts {
            retry_after_seconds: throttled.retry_after_seconds,
        });
    }
    let stored_hash = user.as_ref().map(|user| user.password_hash.clone());
    let password_matches = password::verify(credentials.password, stored_hash).await?;
    let Some(user) = user.filter(|_| password_matches) else {
        return Err(ApiError::Unauthorized(
            "the phone number or password is wrong",
        ));
    };
    // A wrong code leaves the attempt counted, like a wrong password.
    second_factor::check_at_login(
        &state,
        state.policy.second_factor,
        &user,
        credentials.otp.as_deref(),
        now,
    )
    .await?
    .map_err(ApiError::SecondFactor)?;
    throttle::login_succeeded(&state, &phone_hash, &address).await?;
    let audit = user.role.is_staff().then(|| {
        Audit {
            actor: Some(user.id),
            action: "auth.login",
            entity_type: "session",
            entity_id: None,
        }
        .entry(None, None)
    });
    let session = NewSession {
        user_id: user.id,
        client_address: address,
        user_agent: user_agent(&headers),
        now,
    };
    Ok(Json(
        start_session(&state, &session, user.role, audit).await?,
    ))
}

/// The `User-Agent`, printable ASCII only and at most 120 characters: it is
/// shown back to the owner and must not carry much a client chose.
fn user_agent(headers: &HeaderMap) -> String {
    headers
        .get(USER_AGENT)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
        .chars()
        .filter(|c| c.is_ascii_graphic() || *c == ' ')
        .take(120)
        .collect()
}

async fn start_session(
    state: &AppState,
    session: &NewSession,
    role: Role,
    audit: Option<kredit_store::AuditEntry>,
) -> Result<TokenPair, ApiError> {
    let (refresh_token, refresh_hash) = new_refresh_token();
    let id = state
        .repository
        .sessions()
        .create_session(
            session,
            &refresh_hash,
            session.now + state.policy.refresh_token_ttl,
            audit,
        )
        .await?;
    Ok(token_pair(state, session.user_id, role, id, refresh_token))
}

fn token_pair(
    state: &AppState,
    user: UserId,
    role: Role,
    session: SessionId,
    refresh_token: String,
) -> TokenPair {
    TokenPair {
        access_token: state.access_tokens.issue(user, role, session, Utc::now()),
        refresh_token,
        token_type: "Bearer".to_owned(),
        expires_in: state.access_tokens.ttl().num_seconds(),
    }
}

/// Exchange a refresh token for a new pair. The old refresh token stops
/// working (rotation); presenting it again ends its whole session, so a
/// stolen copy and its successors stop working together.
#[utoipa::path(post, path = "/api/v1/auth/refresh", tag = "auth", request_body = RefreshRequest,
    responses(
        (status = 200, body = TokenPair),
        (status = 401, description = "`unauthorized`: unknown, used, revoked or expired refresh token", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn refresh(
    State(state): State<SharedState>,
    client: ClientAddress,
    ApiJson(request): ApiJson<RefreshRequest>,
) -> Result<Json<TokenPair>, ApiError> {
    let now = kredit_store::now();
    let (new_token, new_hash) = new_refresh_token();
    let old_hash = hash_refresh_token(&request.refresh_token);
    let expires = now + state.policy.refresh_token_ttl;
    let invalid = ApiError::Unauthorized("the refresh token is not valid");
    let refreshed = state
        .repository
        .sessions()
        .refresh(&old_hash, &new_hash, expires, &client.to_string(), now)
        .await?;
    let (user_id, session) = match refreshed {
        Refreshed::Rotated { user, session } => (user, session),
        Refreshed::Replayed { user, session } => {
            tracing::warn!(
                user_id = user.0,
                session = session.0,
                "refresh token replayed; session revoked"
            );
            let audit = Audit {
                actor: None,
                action: "session.replay_revoked",
                entity_type: "session",
                entity_id: Some(session.to_string()),
            };
            state
                .repository
                .append_audit(&audit.entry(None, Some(json!({ "user_id": user }))))
                .await?;
            return Err(invalid);
        }
        Refreshed::Invalid => return Err(invalid),
    };
    let user = state.repository.user_by_id(user_id).await?.ok_or(invalid)?;
    Ok(Json(token_pair(
        &state, user.id, user.role, session, new_token,
    )))
}

/// End the session the refresh token belongs to: its access and refresh
/// tokens stop working at once. Always 204, so the call can be retried.
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth", request_body = RefreshRequest,
    responses((status = 204, description = "The session has ended")))]
pub async fn logout(
    State(state): State<SharedState>,
    ApiJson(request): ApiJson<RefreshRequest>,
) -> Result<StatusCode, ApiError> {
    let hash = hash_refresh_token(&request.refresh_token);
    if let Some((user_id, session)) = state
        .repository
        .sessions()
        .revoke_by_refresh_token(&hash, kredit_store::now())
        .await?
    {
        tracing::info!(
            user_id = user_id.0,
            session = session.0,
            "session ended by logout"
        );
    }
    Ok(StatusCode::NO_CONTENT)
}
