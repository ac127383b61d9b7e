//! Staff administration: creating staff users and reading the audit log.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{DateTime, Utc};
use kredit_store::{AuditRecord, Role, UserId};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

use crate::auth::{AdminOnly, AuditReaders, Authorized};
use crate::error::{ApiError, Problem};
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::idempotency::{self, IdempotencyKey};
use crate::routes::auth::UserCreated;
use crate::state::SharedState;
use kredit_app::accounts;

#[derive(Serialize, Deserialize, ToSchema)]
pub struct NewStaffUser {
    #[schema(example = "13900000001")]
    pub phone: String,
    pub password: String,
    /// `underwriter`, `risk_officer`, `admin` or `auditor`.
    #[schema(example = "underwriter")]
    pub role: Role,
}

/// Create a staff user (admin only; audited).
#[utoipa::path(post, path = "/api/v1/admin/users", tag = "admin", security(("bearer" = [])),
    request_body = NewStaffUser,
    params(("Idempotency-Key" = Option<String>, Header, description = "Optional; replays the first response")),
    responses(
        (status = 201, body = UserCreated),
        (status = 403, description = "`forbidden`", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`phone_taken`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation_failed`", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn create_user(
    State(state): State<SharedState>,
    auth: Authorized<AdminOnly>,
    key: IdempotencyKey,
    ApiJson(request): ApiJson<NewStaffUser>,
) -> Result<Response, ApiError> {
    let admin = auth.user_id();
    let operation = async {
        if !request.role.is_staff() {
            return Err(ApiError::field(
                "role",
                "not_a_staff_role",
                "borrowers register themselves",
            ));
        }
        let user_id = accounts::create(
            state.repository.as_ref(),
            &state.pii,
            &request.phone,
            &request.password,
            request.role,
            Some(admin),
        )
        .await?;
        Ok((StatusCode::CREATED, UserCreated { user_id }))
    };
    idempotency::run(
        &state,
        admin,
        key,
        "POST /api/v1/admin/users",
        &request,
        operation,
    )
    .await
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// Page size, 1-200 (default 50).
    pub limit: Option<i64>,
    /// Only entries with an id below this (the previous page's `next_before`).
    pub before: Option<i64>,
}

#[derive(Serialize, Deserialize, ToSchema)]
pub struct AuditEntryView {
    pub id: i64,
    pub actor_id: Option<UserId>,
    #[schema(example = "user.create")]
    pub action: String,
    pub entity_type: String,
    pub entity_id: Option<String>,
    /// Snapshot before the change (personal fields masked).
    pub before: Option<Value>,
    /// Snapshot after the change (personal fields masked).
    pub after: Option<Value>,
    pub at: DateTime<Utc>,
    /// The trusted client address of the HTTP request that wrote it
    /// (absent for the system and the command line).
    pub client_address: Option<String>,
}

#[derive(Serialize, Deserialize, ToSchema)]
pub struct AuditPage {
    /// Newest first.
    pub items: Vec<AuditEntryView>,
    /// Pass as `before` for the next page; absent on the last page.
    pub next_before: Option<i64>,
}

const DEFAULT_PAGE: i64 = 50;
const MAX_PAGE: i64 = 200;

/// The audit log, newest first (admin and auditor).
#[utoipa::path(get, path = "/api/v1/admin/audit", tag = "admin", security(("bearer" = [])),
    params(AuditQuery),
    responses((status = 200, body = AuditPage),
        (status = 403, description = "`forbidden`: admins and auditors", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation_failed`: `out_of_range`, `invalid_query`", body = Problem, content_type = "application/problem+json")))]
pub async fn audit_log(
    State(state): State<SharedState>,
    _auth: Authorized<AuditReaders>,
    ApiQuery(query): ApiQuery<AuditQuery>,
) -> Result<Json<AuditPage>, ApiError> {
    let limit = query.limit.unwrap_or(DEFAULT_PAGE);
    if !(1..=MAX_PAGE).contains(&limit) {
        return Err(ApiError::field(
            "limit",
            "out_of_range",
            format!("limit is 1 to {MAX_PAGE}"),
        ));
    }
    let records = state.repository.audit_page(query.before, limit).await?;
    let next_before = (records.len() as i64 == limit)
        .then(|| records.last().map(|r| r.id))
        .flatten();
    let items = records.into_iter().map(entry_view).collect();
    Ok(Json(AuditPage { items, next_before }))
}

pub(crate) fn entry_view(record: AuditRecord) -> AuditEntryView {
    let parse = |json: Option<String>| json.and_then(|text| serde_json::from_str(&text).ok());
    let entry = record.entry;
    AuditEntryView {
        id: record.id,
        actor_id: entry.actor_id,
        action: entry.action,
        entity_type: entry.entity_type,
        entity_id: entry.entity_id,
        before: parse(entry.before),
        after: parse(entry.after),
        at: entry.at,
        client_address: record.client_address,
    }
}

#[derive(Serialize, Deserialize, ToSchema)]
pub struct RoleChange {
    #[schema(example = "risk_officer")]
    pub role: Role,
}

/// Change a user's role (admin only; audited). Every session of the user
/// ends at once, since tokens carry the role. Borrowers stay borrowers and
/// staff stay staff; an admin cannot change their own role.
#[utoipa::path(put, path = "/api/v1/admin/users/{id}/role", tag = "admin", security(("bearer" = [])),
    request_body = RoleChange,
    params(("id" = i64, Path, description = "User id")),
    responses(
        (status = 204, description = "Changed; the user's sessions have ended"),
        (status = 403, description = "`forbidden`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not_found`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation_failed`: `not_a_staff_role`, `own_role`", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn change_role(
    State(state): State<SharedState>,
    auth: Authorized<AdminOnly>,
    ApiPath(id): ApiPath<UserId>,
    ApiJson(request): ApiJson<RoleChange>,
) -> Result<StatusCode, ApiError> {
    if id == auth.user_id() {
        return Err(ApiError::field(
            "role",
            "own_role",
            "another admin changes an admin's role",
        ));
    }
    let user = state
        .repository
        .user_by_id(id)
        .await?
        .ok_or(ApiError::NotFound)?;
    if user.role.is_staff() != request.role.is_staff() {
        return Err(ApiError::field(
            "role",
            "not_a_staff_role",
            "staff roles change among themselves; borrowers register themselves",
        ));
    }
    let audit = kredit_app::audit::Audit {
        actor: Some(auth.user_id()),
        action: "user.role_change",
        entity_type: "user",
        entity_id: Some(id.to_string()),
    }
    .entry(
        Some(serde_json::json!({ "role": user.role })),
        Some(serde_json::json!({ "role": request.role })),
    );
    let changed = state
        .repository
        .sessions()
        .change_role(id, request.role, kredit_store::now(), audit)
        .await?;
    if !changed {
        return Err(ApiError::NotFound);
    }
    Ok(StatusCode::NO_CONTENT)
}
