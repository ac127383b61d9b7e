//! Personal-information rights over HTTP: a borrower's consents, export,
//! phone correction and erasure request; the staff's queue of requests.
//! The rules are `kredit_app::data_rights`'s; these handlers authorise,
//! confirm the password where the request hands over or removes data, call
//! it and render.

use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use chrono::{DateTime, NaiveDate, Utc};
use kredit_app::data_rights::consents::{self, ConsentState};
use kredit_app::data_rights::{self, erasure, export};
use kredit_app::password;
use kredit_app::throttle;
use kredit_core::consent::{ConsentAction, ConsentKind};
use kredit_core::data_rights::{RefusalReason, RequestKind, RequestStatus};
use kredit_store::data_rights::{ConsentRecord, RequestFilter, RequestRecord};
use kredit_store::{DataRightsRequestId, User, UserId};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};

use crate::auth::{AdminOnly, AuditReaders, Authorized, BorrowerOnly};
use crate::client::ClientAddress;
use crate::error::{ApiError, Problem};
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::routes::admin::{AuditEntryView, entry_view};
use crate::state::{AppState, SharedState};

/// The routes of this module, under `/api/v1`.
pub fn router() -> Router<SharedState> {
    Router::new()
        .route("/me/consents", get(my_consents))
        .route("/me/consents/{kind}", put(change_consent))
        .route("/me/data-export", post(export_data))
        .route("/me/phone", put(correct_phone))
        .route("/me/erasure-requests", post(request_erasure))
        .route("/me/data-rights-requests", get(my_requests))
        .route("/admin/data-rights-requests", get(requests))
        .route("/admin/data-rights-requests/{id}", get(request_detail))
        .route("/admin/data-rights-requests/{id}/complete", post(complete))
        .route("/admin/data-rights-requests/{id}/refuse", post(refuse))
}

#[derive(OpenApi)]
#[openapi(paths(
    my_consents,
    change_consent,
    export_data,
    correct_phone,
    request_erasure,
    my_requests,
    requests,
    request_detail,
    complete,
    refuse
))]
pub struct DataRightsApi;

/// A consent: the text in force and where the borrower stands.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ConsentView {
    pub kind: ConsentKind,
    /// Needed for the service: withdrawn only by asking for erasure.
    pub required: bool,
    #[schema(example = "2026-12")]
    pub current_version: String,
    pub given: bool,
    /// The version of the latest record (given or withdrawn), if any.
    pub version: Option<String>,
    pub at: Option<DateTime<Utc>>,
    pub text_zh: String,
    pub text_en: String,
}

/// One consent record.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ConsentRecordView {
    pub kind: ConsentKind,
    pub version: String,
    pub action: ConsentAction,
    pub at: DateTime<Utc>,
    /// The trusted client address it came from.
    pub client_address: Option<String>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ConsentOverview {
    pub consents: Vec<ConsentView>,
    /// Every record, oldest first.
    pub history: Vec<ConsentRecordView>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConsentChange {
    pub given: bool,
    /// The version of the text shown (required to match when giving).
    pub version: String,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ExportFormat {
    Json,
    Html,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExportRequest {
    pub password: String,
    pub format: ExportFormat,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PhoneCorrection {
    pub password: String,
    #[schema(example = "13912345678")]
    pub phone: String,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct PhoneCorrected {
    #[schema(example = "139****5678")]
    pub phone_masked: String,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordConfirmation {
    pub password: String,
}

/// A data-rights request and where it stands.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct RequestView {
    pub id: DataRightsRequestId,
    pub user_id: UserId,
    pub kind: RequestKind,
    pub status: RequestStatus,
    pub received_at: DateTime<Utc>,
    /// 15 working days after receipt.
    pub due_on: NaiveDate,
    pub decided_at: Option<DateTime<Utc>>,
    /// The member of staff who decided (absent when done by the borrower).
    pub decided_by: Option<UserId>,
    /// A refusal's reason.
    pub outcome: Option<RefusalReason>,
    /// Until when an erasure keeps what the law requires.
    pub retain_until: Option<NaiveDate>,
    /// Still received after its due date.
    pub overdue: bool,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct RequestList {
    /// Newest first, at most 500.
    pub requests: Vec<RequestView>,
}

#[derive(Serialize, Deserialize, ToSchema)]
pub struct RequestDetail {
    pub request: RequestView,
    /// Its audit trail, oldest first.
    pub audit: Vec<AuditEntryView>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct RequestQuery {
    pub status: Option<RequestStatus>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Refusal {
    pub reason: RefusalReason,
}

fn consent_view(state: ConsentState) -> ConsentView {
    let given = state.given();
    ConsentView {
        kind: state.text.kind,
        required: state.text.required,
        current_version: state.text.version.to_owned(),
        given,
        version: state
            .latest
            .as_ref()
            .map(|latest| latest.terms_version.clone()),
        at: state.latest.as_ref().map(|latest| latest.at),
        text_zh: state.text.zh.to_owned(),
        text_en: state.text.en.to_owned(),
    }
}

fn record_view(record: ConsentRecord) -> ConsentRecordView {
    ConsentRecordView {
        kind: record.kind,
        version: record.terms_version,
        action: record.action,
        at: record.at,
        client_address: record.client_address,
    }
}

fn request_view(state: &AppState, record: RequestRecord) -> RequestView {
    RequestView {
        overdue: data_rights::overdue(&record, state.time.today()),
        id: record.id,
        user_id: record.user_id,
        kind: record.kind,
        status: record.status,
        received_at: record.received_at,
        due_on: record.due_on,
        decided_at: record.decided_at,
        decided_by: record.decided_by,
        outcome: record.outcome.and_then(|code| code.parse().ok()),
        retain_until: record.retain_until,
    }
}

/// The signed-in user, once their password is confirmed again: a stolen
/// token alone neither downloads nor removes anyone's data. Attempts draw
/// on the password-change bucket (429 `too_many_attempts`).
pub(crate) async fn confirm_password(
    state: &AppState,
    user: UserId,
    password: String,
) -> Result<User, ApiError> {
    let user = state
        .repository
        .user_by_id(user)
        .await?
        .ok_or(ApiError::NotFound)?;
    let now = kredit_store::now();
    if let Some(throttled) =
        throttle::password_attempt(state, &state.policy.throttle, user.id, now).await?
    {
        return Err(ApiError::TooManyAttempts {
            retry_after_seconds: throttled.retry_after_seconds,
        });
    }
    if !password::verify(password, Some(user.password_hash.clone())).await? {
        return Err(ApiError::WrongPassword);
    }
    throttle::password_succeeded(state, user.id).await?;
    Ok(user)
}

/// My consents: each text in force, whether I gave it, and every record.
#[utoipa::path(get, path = "/api/v1/me/consents", tag = "data rights", security(("bearer" = [])),
    responses((status = 200, body = ConsentOverview),
        (status = 403, description = "`forbidden`: borrowers only", body = Problem, content_type = "application/problem+json")))]
pub async fn my_consents(
    State(state): State<SharedState>,
    auth: Authorized<BorrowerOnly>,
) -> Result<Json<ConsentOverview>, ApiError> {
    let (states, history) = consents::overview(&state, auth.user_id()).await?;
    Ok(Json(ConsentOverview {
        consents: states.into_iter().map(consent_view).collect(),
        history: history.into_iter().map(record_view).collect(),
    }))
}

/// Give or withdraw a consent, recorded with the text's version, the time
/// and the client address. Repeating the current state records nothing.
#[utoipa::path(put, path = "/api/v1/me/consents/{kind}", tag = "data rights", security(("bearer" = [])),
    params(("kind" = ConsentKind, Path, description = "Which consent")),
    request_body = ConsentChange,
    responses((status = 200, body = ConsentView),
        (status = 404, description = "`not_found`: no such consent", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`consent_required_for_service`: ask for erasure instead", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation_failed`: `terms_version`", body = Problem, content_type = "application/problem+json")))]
pub async fn change_consent(
    State(state): State<SharedState>,
    auth: Authorized<BorrowerOnly>,
    client: ClientAddress,
    ApiPath(kind): ApiPath<String>,
    ApiJson(change): ApiJson<ConsentChange>,
) -> Result<Json<ConsentView>, ApiError> {
    let changed = consents::change(
        &state,
        auth.user_id(),
        &kind,
        change.given,
        &change.version,
        Some(client.to_string()),
    )
    .await?;
    Ok(Json(consent_view(changed)))
}

/// Download everything Kredit holds about me, as JSON or as a page to read
/// (password confirmed; recorded as a completed export request).
#[utoipa::path(post, path = "/api/v1/me/data-export", tag = "data rights", security(("bearer" = [])),
    request_body = ExportRequest,
    responses((status = 200, description = "The export as an attachment: JSON, or the page to read",
            content((export::DataExport = "application/json"), (String = "text/html"))),
        (status = 401, description = "`wrong_password`: the password is wrong", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "`too_many_attempts`: wait `Retry-After` seconds", body = Problem, content_type = "application/problem+json")))]
pub async fn export_data(
    State(state): State<SharedState>,
    auth: Authorized<BorrowerOnly>,
    ApiJson(request): ApiJson<ExportRequest>,
) -> Result<Response, ApiError> {
    let user = confirm_password(&state, auth.user_id(), request.password).await?;
    let export = export::export(&state, user.id).await?;
    let day = export.generated_at.format("%Y%m%d");
    let (content_type, body, extension) = match request.format {
        ExportFormat::Json => (
            "application/json",
            serde_json::to_string_pretty(&export).map_err(ApiError::internal)?,
            "json",
        ),
        ExportFormat::Html => (
            "text/html; charset=utf-8",
            crate::export_page::render(&export)?,
            "html",
        ),
    };
    let disposition = format!(
        "attachment; filename=\"kredit-data-{}-{day}.{extension}\"",
        user.id
    );
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_str(&disposition).map_err(ApiError::internal)?,
    );
    Ok(response)
}

/// Correct my phone number (password confirmed). Identity data is
/// corrected by verifying again at `/me/identity`.
#[utoipa::path(put, path = "/api/v1/me/phone", tag = "data rights", security(("bearer" = [])),
    request_body = PhoneCorrection,
    responses((status = 200, body = PhoneCorrected),
        (status = 401, description = "`wrong_password`: the password is wrong", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`phone_taken`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation_failed`: phone format", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "`too_many_attempts`", body = Problem, content_type = "application/problem+json")))]
pub async fn correct_phone(
    State(state): State<SharedState>,
    auth: Authorized<BorrowerOnly>,
    ApiJson(correction): ApiJson<PhoneCorrection>,
) -> Result<Json<PhoneCorrected>, ApiError> {
    let user = confirm_password(&state, auth.user_id(), correction.password).await?;
    let phone_masked = data_rights::correct_phone(&state, user.id, &correction.phone).await?;
    Ok(Json(PhoneCorrected { phone_masked }))
}

/// Ask for my data to be erased (password confirmed). Staff complete or
/// refuse it within 15 working days; while a request is open, asking again
/// returns it (200).
#[utoipa::path(post, path = "/api/v1/me/erasure-requests", tag = "data rights", security(("bearer" = [])),
    request_body = PasswordConfirmation,
    responses((status = 202, description = "Received", body = RequestView),
        (status = 200, description = "Already received", body = RequestView),
        (status = 401, description = "`wrong_password`: the password is wrong", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`loans_outstanding`: a loan is open or owed", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "`too_many_attempts`", body = Problem, content_type = "application/problem+json")))]
pub async fn request_erasure(
    State(state): State<SharedState>,
    auth: Authorized<BorrowerOnly>,
    ApiJson(confirmation): ApiJson<PasswordConfirmation>,
) -> Result<(StatusCode, Json<RequestView>), ApiError> {
    let user = confirm_password(&state, auth.user_id(), confirmation.password).await?;
    let (request, new) = data_rights::request_erasure(&state, user.id).await?;
    let status = if new {
        StatusCode::ACCEPTED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(request_view(&state, request))))
}

/// My data-rights requests, newest first.
#[utoipa::path(get, path = "/api/v1/me/data-rights-requests", tag = "data rights", security(("bearer" = [])),
    responses((status = 200, body = RequestList)))]
pub async fn my_requests(
    State(state): State<SharedState>,
    auth: Authorized<BorrowerOnly>,
) -> Result<Json<RequestList>, ApiError> {
    let filter = RequestFilter {
        user: Some(auth.user_id()),
        status: None,
    };
    let records = data_rights::requests(&state, filter).await?;
    Ok(Json(RequestList {
        requests: records
            .into_iter()
            .map(|r| request_view(&state, r))
            .collect(),
    }))
}

/// Every borrower's data-rights requests, newest first, optionally of one
/// status (admin and auditor).
#[utoipa::path(get, path = "/api/v1/admin/data-rights-requests", tag = "data rights", security(("bearer" = [])),
    params(RequestQuery),
    responses((status = 200, body = RequestList),
        (status = 403, description = "`forbidden`: admins and auditors", body = Problem, content_type = "application/problem+json")))]
pub async fn requests(
    State(state): State<SharedState>,
    _auth: Authorized<AuditReaders>,
    ApiQuery(query): ApiQuery<RequestQuery>,
) -> Result<Json<RequestList>, ApiError> {
    let filter = RequestFilter {
        user: None,
        status: query.status,
    };
    let records = data_rights::requests(&state, filter).await?;
    Ok(Json(RequestList {
        requests: records
            .into_iter()
            .map(|r| request_view(&state, r))
            .collect(),
    }))
}

/// A request with its audit trail (admin and auditor).
#[utoipa::path(get, path = "/api/v1/admin/data-rights-requests/{id}", tag = "data rights", security(("bearer" = [])),
    params(("id" = i64, Path, description = "The request's id")),
    responses((status = 200, body = RequestDetail),
        (status = 404, description = "`not_found`", body = Problem, content_type = "application/problem+json")))]
pub async fn request_detail(
    State(state): State<SharedState>,
    _auth: Authorized<AuditReaders>,
    ApiPath(id): ApiPath<DataRightsRequestId>,
) -> Result<Json<RequestDetail>, ApiError> {
    let (request, audit) = data_rights::request(&state, id).await?;
    Ok(Json(RequestDetail {
        request: request_view(&state, request),
        audit: audit.into_iter().map(entry_view).collect(),
    }))
}

/// Carry out a received erasure (admin): what no law requires is erased
/// now, the rest is kept sealed until the retention period ends.
#[utoipa::path(post, path = "/api/v1/admin/data-rights-requests/{id}/complete", tag = "data rights", security(("bearer" = [])),
    params(("id" = i64, Path, description = "The request's id")),
    responses((status = 200, body = RequestView),
        (status = 404, description = "`not_found`: no such erasure request", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`request_closed`, `loans_outstanding`", body = Problem, content_type = "application/problem+json")))]
pub async fn complete(
    State(state): State<SharedState>,
    auth: Authorized<AdminOnly>,
    ApiPath(id): ApiPath<DataRightsRequestId>,
) -> Result<Json<RequestView>, ApiError> {
    let done = erasure::complete(&state, auth.user_id(), id).await?;
    Ok(Json(request_view(&state, done)))
}

/// Refuse a received request, saying why (admin).
#[utoipa::path(post, path = "/api/v1/admin/data-rights-requests/{id}/refuse", tag = "data rights", security(("bearer" = [])),
    params(("id" = i64, Path, description = "The request's id")),
    request_body = Refusal,
    responses((status = 200, body = RequestView),
        (status = 404, description = "`not_found`", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`request_closed`", body = Problem, content_type = "application/problem+json")))]
pub async fn refuse(
    State(state): State<SharedState>,
    auth: Authorized<AdminOnly>,
    ApiPath(id): ApiPath<DataRightsRequestId>,
    ApiJson(refusal): ApiJson<Refusal>,
) -> Result<Json<RequestView>, ApiError> {
    let refused = data_rights::refuse(&state, auth.user_id(), id, refusal.reason.as_str()).await?;
    Ok(Json(request_view(&state, refused)))
}
