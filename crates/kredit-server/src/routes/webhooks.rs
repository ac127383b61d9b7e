//! Integrators' webhooks: every domain event, signed, in order
//! (`kredit_app::outbox`). Admin only; creating one is audited.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use kredit_app::outbox::{self, WebhookStatus};
use kredit_core::text::TextError;
use kredit_store::WebhookId;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::{AdminOnly, Authorized};
use crate::error::{ApiError, Problem};
use crate::extract::ApiJson;
use crate::idempotency::{self, IdempotencyKey};
use crate::state::SharedState;

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewWebhook {
    /// Where events are POSTed: an absolute http(s) URL.
    pub url: String,
    #[serde(default)]
    pub description: String,
}

#[derive(Serialize, ToSchema)]
pub struct WebhookCreated {
    pub id: WebhookId,
    pub url: String,
    /// Signs every delivery (`Kredit-Signature`); shown only here.
    pub secret: String,
}

/// Register a webhook for every domain event from now on.
#[utoipa::path(post, path = "/api/v1/admin/webhooks", tag = "admin", security(("bearer" = [])),
    request_body = NewWebhook,
    params(("Idempotency-Key" = Option<String>, Header, description = "Optional; replays the first response")),
    responses((status = 201, description = "The webhook and its signing secret (shown once)", body = WebhookCreated),
        (status = 403, description = "`forbidden`: admins only", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation_failed` (`invalid_url`, `too_long`, `forbidden_character`)", body = Problem, content_type = "application/problem+json")))]
pub async fn create(
    State(state): State<SharedState>,
    auth: Authorized<AdminOnly>,
    key: IdempotencyKey,
    ApiJson(request): ApiJson<NewWebhook>,
) -> Result<Response, ApiError> {
    let admin = auth.user_id();
    let operation = async {
        // Optional free text: empty stays empty, anything else is held to
        // the one free-text rule (normalised, nothing invisible).
        let description = match kredit_core::text::free_text(&request.description, 200) {
            Ok(text) => text,
            Err(TextError::Empty) => String::new(),
            Err(error) => {
                return Err(kredit_app::text::refusal(
                    error,
                    "description",
                    "too_long",
                    "a description has at most 200 characters",
                )
                .into());
            }
        };
        let (id, secret) =
            outbox::register_webhook(&state, &request.url, &description, admin).await?;
        Ok((
            StatusCode::CREATED,
            WebhookCreated {
                id,
                url: request.url.clone(),
                secret,
            },
        ))
    };
    idempotency::run(
        &state,
        admin,
        key,
        "POST /api/v1/admin/webhooks",
        &request,
        operation,
    )
    .await
}

/// Every webhook with its delivery state: the last event delivered, how
/// many are waiting, the last error and the next attempt.
#[utoipa::path(get, path = "/api/v1/admin/webhooks", tag = "admin", security(("bearer" = [])),
    responses((status = 200, description = "Webhooks and their delivery state", body = Vec<WebhookStatus>),
        (status = 403, description = "`forbidden`: admins only", body = Problem, content_type = "application/problem+json")))]
pub async fn list(
    State(state): State<SharedState>,
    _auth: Authorized<AdminOnly>,
) -> Result<Json<Vec<WebhookStatus>>, ApiError> {
    Ok(Json(outbox::webhooks(&state).await?))
}
