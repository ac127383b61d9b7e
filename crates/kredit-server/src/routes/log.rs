//! The transparency log over HTTP. Public and read-only, in the C2SP
//! tlog-tiles layout so any tlog client can follow it: `/log/checkpoint`
//! (the signed note), `/log/tile/<L>/<N>[.p/<W>]`,
//! `/log/tile/entries/<N>[.p/<W>]` and `/log/key` (the verifier key).
//! Full tiles never change and are cached for good; the checkpoint and
//! partial tiles are revalidated. And for a contract's borrower (or staff)
//! the proof bundle of its entry; for staff the witnessing status.

use axum::extract::{Path, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use kredit_app::tlog::witnessing::{LogStatus, WitnessStatus};
use kredit_app::tlog::{self, ContractProof};
use kredit_store::ContractId;
use utoipa::OpenApi;

use crate::auth::{AnyUser, Authorized, StaffOnly};
use crate::error::{ApiError, Problem};
use crate::extract::ApiPath;
use crate::routes::applications::check_contract_access;
use crate::state::SharedState;

/// The proof route, under `/api/v1`.
pub fn api_router() -> Router<SharedState> {
    Router::new()
        .route("/contracts/{id}/proof", get(contract_proof))
        .route("/log/status", get(status))
}

/// The public log, at the root.
pub fn public_router() -> Router<SharedState> {
    Router::new()
        .route("/log/checkpoint", get(checkpoint))
        .route("/log/key", get(key))
        .route("/log/tile/{*path}", get(tile))
}

#[derive(OpenApi)]
#[openapi(
    paths(contract_proof, status),
    components(schemas(ContractProof, LogStatus, WitnessStatus))
)]
pub struct LogApi;

/// The contract's entry in the transparency log with its offline proof
/// (a C2SP tlog-proof bundle against the newest signed checkpoint).
#[utoipa::path(get, path = "/api/v1/contracts/{id}/proof", tag = "applications", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Contract id")),
    responses((status = 200, description = "The entry and its proof", body = ContractProof),
        (status = 404, description = "`not_found`: no such contract (or another borrower's), or not logged yet (the log takes it within a second or two)", body = Problem, content_type = "application/problem+json")))]
pub async fn contract_proof(
    State(state): State<SharedState>,
    auth: Authorized<AnyUser>,
    ApiPath(id): ApiPath<ContractId>,
) -> Result<Json<ContractProof>, ApiError> {
    check_contract_access(&state, &auth.principal, id).await?;
    Ok(Json(tlog::contract_proof(&state, id).await?))
}

/// The log's witnessing: the newest checkpoint signed and the newest
/// published (with its quorum of cosignatures), and per witness what it
/// holds and why its last submission failed — a `rollback or fork` error
/// means a witness holds a tree this log does not extend.
#[utoipa::path(get, path = "/api/v1/log/status", tag = "log", security(("bearer" = [])),
    responses((status = 200, description = "The log's witnessing status", body = LogStatus),
        (status = 403, description = "`forbidden`: staff only", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not_found`: this server signs no log", body = Problem, content_type = "application/problem+json")))]
pub async fn status(
    State(state): State<SharedState>,
    _auth: Authorized<StaffOnly>,
) -> Result<Json<LogStatus>, ApiError> {
    let log = state.log.as_ref().ok_or(ApiError::NotFound)?;
    Ok(Json(tlog::witnessing::status(&state, log).await?))
}

const TEXT: &str = "text/plain; charset=utf-8";
const REVALIDATE: &str = "no-cache";
const IMMUTABLE: &str = "public, max-age=31536000, immutable";

fn public(body: impl IntoResponse, content_type: &'static str, cache: &'static str) -> Response {
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    response
}

async fn checkpoint(State(state): State<SharedState>) -> Result<Response, ApiError> {
    let note = tlog::checkpoint(&state).await?.ok_or(ApiError::NotFound)?;
    Ok(public(note, TEXT, REVALIDATE))
}

async fn key(State(state): State<SharedState>) -> Result<Response, ApiError> {
    let settings = state.log.as_ref().ok_or(ApiError::NotFound)?;
    Ok(public(
        format!("{}\n", settings.verifier_key()),
        TEXT,
        REVALIDATE,
    ))
}

async fn tile(
    State(state): State<SharedState>,
    Path(path): Path<String>,
) -> Result<Response, ApiError> {
    let (data, full) = tlog::read_tile(&state, &format!("tile/{path}"))
        .await?
        .ok_or(ApiError::NotFound)?;
    let cache = if full { IMMUTABLE } else { REVALIDATE };
    Ok(public(data, "application/octet-stream", cache))
}
