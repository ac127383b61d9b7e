//! Operational endpoints: liveness, readiness, metrics.

use axum::extract::{Request, State};

use crate::error::{ApiError, Problem};
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;

use crate::state::SharedState;

/// The process is up.
#[utoipa::path(get, path = "/healthz", tag = "ops",
    responses((status = 200, description = "ok", body = String, content_type = "text/plain")))]
pub async fn healthz() -> &'static str {
    "ok"
}

/// The database answers; load balancers route traffic only when ready.
#[utoipa::path(get, path = "/readyz", tag = "ops",
    responses((status = 200, description = "ready", body = String, content_type = "text/plain"),
        (status = 503, description = "database unreachable", body = String, content_type = "text/plain")))]
pub async fn readyz(State(state): State<SharedState>) -> (StatusCode, &'static str) {
    match state.repository.ping().await {
        Ok(()) => (StatusCode::OK, "ready"),
        Err(error) => {
            tracing::warn!(%error, "readiness check failed");
            (StatusCode::SERVICE_UNAVAILABLE, "database unreachable")
        }
    }
}

/// Prometheus text exposition, to the holder of the metrics token
/// (`KREDIT_METRICS_TOKEN`); without one configured, to loopback clients
/// in development only.
#[utoipa::path(get, path = "/metrics", tag = "ops", security(("bearer" = [])),
    responses((status = 200, description = "Prometheus metrics", body = String, content_type = "text/plain; version=0.0.4"),
        (status = 401, description = "`unauthorized`: a token is configured and was not presented", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not_found`: no token is configured (production), or the client is not on loopback (development)", body = Problem, content_type = "application/problem+json")))]
pub async fn metrics(
    State(state): State<SharedState>,
    request: Request,
) -> Result<impl IntoResponse, ApiError> {
    crate::hardening::metrics_access(&state.hardening, &request)?;
    Ok((
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        crate::metrics::handle().render(),
    ))
}
