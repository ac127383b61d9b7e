//! The witness over HTTP: `POST /add-checkpoint` exactly as C2SP
//! tlog-witness specifies its answers (200 with the cosignature line, 409
//! `text/x.tlog.size` with the size held when the old size is not it, 409
//! for the same size with another root, 422 for a failed consistency
//! proof, 403 without a valid signature of the log, 404 for an unknown
//! origin, 400 for a malformed body), and `GET /healthz`.

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use kredit_tlog::{AddCheckpoint, Checkpoint, WitnessOutcome, witness_add_checkpoint};

use crate::{Witness, state};

pub fn router(witness: Arc<Witness>) -> Router {
    Router::new()
        .route("/add-checkpoint", post(add_checkpoint))
        .route("/healthz", get(|| async { "ok\n" }))
        .with_state(witness)
}

fn plain(status: StatusCode, content_type: &'static str, body: String) -> Response {
    (status, [(header::CONTENT_TYPE, content_type)], body).into_response()
}

fn refused(status: StatusCode, reason: impl std::fmt::Display) -> Response {
    plain(status, "text/plain; charset=utf-8", format!("{reason}\n"))
}

/// The origin line of the request's checkpoint: the witness needs it to
/// pick the log's key and state before anything can be verified.
fn origin_of(request: &AddCheckpoint) -> Result<String, kredit_tlog::Error> {
    // A note's text ends at its first blank line (checkpoint lines are
    // never empty).
    let note = &request.checkpoint_note;
    let text = note.find("\n\n").map_or(note.as_str(), |end| &note[..=end]);
    Ok(Checkpoint::parse(text)?.origin)
}

async fn add_checkpoint(State(witness): State<Arc<Witness>>, body: String) -> Response {
    let request = match AddCheckpoint::parse(&body) {
        Ok(request) => request,
        Err(error) => return refused(StatusCode::BAD_REQUEST, error),
    };
    let origin = match origin_of(&request) {
        Ok(origin) => origin,
        Err(error) => return refused(StatusCode::BAD_REQUEST, error),
    };
    let Some(log) = witness.logs.get(&origin) else {
        return refused(StatusCode::NOT_FOUND, format!("unknown log {origin:?}"));
    };
    let mut held = log.state.lock().await;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs());
    match witness_add_checkpoint(held.as_ref(), &request, &log.key, &witness.signer, now) {
        WitnessOutcome::Cosigned {
            signature_line,
            new_state,
        } => {
            // Durable before answered: a cosignature the witness could
            // forget after a crash would let the log roll back past it.
            let dir = witness.dir.clone();
            let saved = new_state.clone();
            match tokio::task::spawn_blocking(move || state::save(&dir, &saved)).await {
                Ok(Ok(())) => {}
                Ok(Err(error)) => {
                    tracing::error!(%error, "cannot persist the witness state");
                    return refused(StatusCode::INTERNAL_SERVER_ERROR, "cannot persist state");
                }
                Err(error) => {
                    tracing::error!(%error, "persisting the witness state panicked");
                    return refused(StatusCode::INTERNAL_SERVER_ERROR, "cannot persist state");
                }
            }
            tracing::info!(origin = %new_state.origin, size = new_state.size, "cosigned");
            *held = Some(new_state);
            plain(StatusCode::OK, "text/plain; charset=utf-8", signature_line)
        }
        WitnessOutcome::Conflict { size } => plain(
            StatusCode::CONFLICT,
            "text/x.tlog.size",
            format!("{size}\n"),
        ),
        WitnessOutcome::Rejected { status, reason } => {
            tracing::warn!(%origin, status, %reason, "checkpoint refused");
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST);
            refused(status, reason)
        }
    }
}
