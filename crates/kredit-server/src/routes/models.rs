//! The model registry over HTTP: upload a trained model, make it champion
//! or challenger, retire it, and watch its population stability.
//!
//! Risk officers and admins manage models; auditors may read. Every change
//! is audited (`model.upload`, `model.activate`, `model.challenger`,
//! `model.retire`) and reloads the models in service.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use kredit_scoring::Model;
use kredit_store::{ModelStatus, ModelVersionId, ModelVersionInfo, Role, UserId};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{OpenApi, ToSchema};

use crate::auth::{Authorized, Policy};
use crate::error::{ApiError, Problem};
use crate::extract::{ApiJson, ApiPath};
use crate::state::SharedState;
use kredit_app::scoring::{self, Monitoring};

/// Managing models: upload, activate, challenger, retire.
pub struct ModelManagers;
impl Policy for ModelManagers {
    const ROLES: &'static [Role] = &[Role::RiskOfficer, Role::Admin];
}

/// Reading the registry and its monitoring.
pub struct ModelReaders;
impl Policy for ModelReaders {
    const ROLES: &'static [Role] = &[Role::RiskOfficer, Role::Admin, Role::Auditor];
}

/// The routes of this module, under `/api/v1`.
pub fn router() -> Router<SharedState> {
    Router::new()
        .route(
            "/admin/models",
            // Artefacts of large GBMs exceed the body limit of other routes:
            // theirs is `max_model_upload_bytes` (`crate::hardening`).
            get(list).post(upload),
        )
        .route("/admin/models/{id}/activate", post(activate))
        .route("/admin/models/{id}/challenger", post(challenger))
        .route("/admin/models/{id}/retire", post(retire))
        .route("/admin/models/{id}/monitoring", get(monitoring))
}

#[derive(OpenApi)]
#[openapi(paths(list, upload, activate, challenger, retire, monitoring))]
pub struct ModelsApi;

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ModelVersionView {
    pub id: ModelVersionId,
    #[schema(example = "german-credit-scorecard")]
    pub name: String,
    pub version: i64,
    /// `scorecard` or `gbm`.
    pub kind: String,
    /// `draft`, `champion`, `challenger` or `retired`.
    #[schema(example = "champion")]
    pub status: ModelStatus,
    /// Validation metrics at training: auc, gini, ks, brier, log_loss.
    #[schema(value_type = Option<kredit_scoring::model::ValidationMetrics>)]
    pub metrics: Value,
    pub uploaded_by: Option<UserId>,
    pub created_at: DateTime<Utc>,
    /// When the status last changed.
    pub updated_at: DateTime<Utc>,
}

impl From<ModelVersionInfo> for ModelVersionView {
    fn from(info: ModelVersionInfo) -> Self {
        Self {
            id: info.id,
            name: info.name,
            version: info.version,
            kind: info.kind,
            status: info.status,
            metrics: serde_json::from_str(&info.metrics).unwrap_or(Value::Null),
            uploaded_by: info.uploaded_by,
            created_at: info.created_at,
            updated_at: info.updated_at,
        }
    }
}

#[derive(Serialize, Deserialize, ToSchema)]
pub struct ModelList {
    /// Newest first.
    pub items: Vec<ModelVersionView>,
}

/// Every model version, newest first (risk officer, admin, auditor).
#[utoipa::path(get, path = "/api/v1/admin/models", tag = "models", security(("bearer" = [])),
    responses((status = 200, body = ModelList),
        (status = 403, description = "`forbidden`", body = Problem, content_type = "application/problem+json")))]
pub async fn list(
    State(state): State<SharedState>,
    _auth: Authorized<ModelReaders>,
) -> Result<Json<ModelList>, ApiError> {
    let items = state
        .repository
        .model_versions()
        .await?
        .into_iter()
        .map(ModelVersionView::from)
        .collect();
    Ok(Json(ModelList { items }))
}

#[derive(Serialize, Deserialize, ToSchema)]
pub struct ModelUpload {
    /// 1-64 characters: lower-case letters, digits, `-`, `_`, `.`.
    #[schema(example = "german-credit-scorecard")]
    pub name: String,
    /// The artefact written by `kredit model train` (see docs/models.md).
    #[schema(value_type = Object)]
    pub artefact: Value,
}

fn valid_name(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"-_.".contains(&b))
}

/// Register a trained model as a draft (risk officer, admin; audited).
/// The artefact is validated completely; a malformed or tampered one is a
/// 422 with the field error `artefact` / `invalid_model`.
#[utoipa::path(post, path = "/api/v1/admin/models", tag = "models", security(("bearer" = [])),
    request_body = ModelUpload,
    responses((status = 201, body = ModelVersionView),
        (status = 403, description = "`forbidden`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation_failed`", body = Problem, content_type = "application/problem+json")))]
pub async fn upload(
    State(state): State<SharedState>,
    auth: Authorized<ModelManagers>,
    ApiJson(request): ApiJson<ModelUpload>,
) -> Result<(StatusCode, Json<ModelVersionView>), ApiError> {
    if !valid_name(&request.name) {
        return Err(ApiError::field(
            "name",
            "invalid_name",
            "1-64 characters: lower-case letters, digits, '-', '_' or '.'",
        ));
    }
    let model = Model::load(&request.artefact.to_string())
        .map_err(|error| ApiError::field("artefact", "invalid_model", error.to_string()))?;
    let info = scoring::register(
        state.repository.as_ref(),
        &request.name,
        &model,
        Some(auth.user_id()),
    )
    .await
    .map_err(|error| match error {
        kredit_store::StoreError::Conflict => ApiError::Conflict {
            code: "model_version_conflict",
            detail: "another version of this model was registered at the same time; retry"
                .to_owned(),
        },
        other => other.into(),
    })?;
    Ok((StatusCode::CREATED, Json(info.into())))
}

#[derive(Serialize, Deserialize, ToSchema)]
pub struct StatusChanged {
    pub model: ModelVersionView,
    /// The status before this change.
    pub previous_status: ModelStatus,
    /// The version retired to make room (the previous champion or challenger).
    pub retired_previous: Option<ModelVersionId>,
}

async fn change_status(
    state: &SharedState,
    actor: UserId,
    id: ModelVersionId,
    to: ModelStatus,
) -> Result<Json<StatusChanged>, ApiError> {
    let change = state
        .repository
        .change_model_status(id, to, scoring::status_audit(Some(actor), to))
        .await
        .map_err(|error| match error {
            kredit_store::StoreError::Conflict => ApiError::Conflict {
                code: "model_status_conflict",
                detail: "another status change of the models happened at the same time; retry"
                    .to_owned(),
            },
            other => other.into(),
        })?
        .ok_or(ApiError::NotFound)?;
    state.scorer.reload(state.repository.as_ref()).await?;
    Ok(Json(StatusChanged {
        model: change.model.into(),
        previous_status: change.previous_status,
        retired_previous: change.demoted,
    }))
}

/// Make a version the champion that decides applications; the previous
/// champion is retired in the same transaction (risk officer, admin; audited).
#[utoipa::path(post, path = "/api/v1/admin/models/{id}/activate", tag = "models", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Model version id")),
    responses((status = 200, body = StatusChanged),
        (status = 403, description = "`forbidden`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not_found`", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`model_status_conflict`", body = Problem, content_type = "application/problem+json")))]
pub async fn activate(
    State(state): State<SharedState>,
    auth: Authorized<ModelManagers>,
    ApiPath(id): ApiPath<ModelVersionId>,
) -> Result<Json<StatusChanged>, ApiError> {
    change_status(&state, auth.user_id(), id, ModelStatus::Champion).await
}

/// Make a version the challenger, scored in the champion's shadow; a
/// previous challenger is retired (risk officer, admin; audited).
#[utoipa::path(post, path = "/api/v1/admin/models/{id}/challenger", tag = "models", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Model version id")),
    responses((status = 200, body = StatusChanged),
        (status = 403, description = "`forbidden`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not_found`", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`model_status_conflict`", body = Problem, content_type = "application/problem+json")))]
pub async fn challenger(
    State(state): State<SharedState>,
    auth: Authorized<ModelManagers>,
    ApiPath(id): ApiPath<ModelVersionId>,
) -> Result<Json<StatusChanged>, ApiError> {
    change_status(&state, auth.user_id(), id, ModelStatus::Challenger).await
}

/// Retire a version; retiring the champion leaves decisions to the rules
/// scorecard (risk officer, admin; audited).
#[utoipa::path(post, path = "/api/v1/admin/models/{id}/retire", tag = "models", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Model version id")),
    responses((status = 200, body = StatusChanged),
        (status = 403, description = "`forbidden`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not_found`", body = Problem, content_type = "application/problem+json")))]
pub async fn retire(
    State(state): State<SharedState>,
    auth: Authorized<ModelManagers>,
    ApiPath(id): ApiPath<ModelVersionId>,
) -> Result<Json<StatusChanged>, ApiError> {
    change_status(&state, auth.user_id(), id, ModelStatus::Retired).await
}

/// Population stability (PSI) of the score and of every feature over the
/// version's recent live applications against its training data; metrics
/// above 0.25 raise an alert (risk officer, admin, auditor).
#[utoipa::path(get, path = "/api/v1/admin/models/{id}/monitoring", tag = "models", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Model version id")),
    responses((status = 200, body = Monitoring),
        (status = 403, description = "`forbidden`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not_found`", body = Problem, content_type = "application/problem+json")))]
pub async fn monitoring(
    State(state): State<SharedState>,
    _auth: Authorized<ModelReaders>,
    ApiPath(id): ApiPath<ModelVersionId>,
) -> Result<Json<Monitoring>, ApiError> {
    scoring::monitor(state.repository.as_ref(), id)
        .await?
        .map(Json)
        .ok_or(ApiError::NotFound)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn model_names_are_plain() {
        assert!(valid_name("german-credit.scorecard_2"));
        for bad in ["", "German", "a b", "ü", &"x".repeat(65)] {
            assert!(!valid_name(bad), "{bad:?}");
        }
    }
}
