//! Safe retries of writes: the `Idempotency-Key` header.
//!
//! The first request with a key reserves it (per user), runs, and stores its
//! successful response. A retry with the same key and the same request gets
//! that response again, marked `Idempotent-Replayed: true`, without running
//! anything. The same key with a different request is 409
//! `idempotency_conflict`; a retry while the first is still running is 409
//! `idempotency_in_progress`. Failed requests (any error) release the key,
//! since they changed nothing and the client may correct and resend. A
//! reservation whose server died before answering is abandoned after
//! [`ABANDONED_AFTER`] and the next retry runs the request.
//!
//! A use case that writes in one transaction can take its reply into that
//! transaction instead ([`prior`], then [`Fresh::reply`]): nothing is
//! reserved first, the change and its reply commit together, and a twin
//! sent at the same moment finds the key taken and replays the reply.
//!
//! Stored replies are sealed under the user's data key like any personal
//! field ([`seal`]): a reply can carry what the request sent (a feedback
//! message with an ID number in it), the table must not become a plaintext
//! copy of it, and erasing the user's key erases their replies too.

use std::future::Future;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use std::sync::Arc;

use kredit_app::keys::Vault;
use kredit_store::pii::DataKey;
use kredit_store::{IdempotencyClaim, IdempotencyRecord, IdempotentReply, StoredResponse, UserId};
use serde::Serialize;

use crate::error::ApiError;
use crate::state::SharedState;

pub const HEADER: &str = "idempotency-key";
/// The start of a sealed stored reply; a reply stored before sealing
/// (plain JSON) still replays.
const SEALED_PREFIX: &str = "sealed.v1.";
pub const REPLAYED_HEADER: &str = "idempotent-replayed";
const MAX_KEY_LENGTH: usize = 255;
/// Far longer than any request takes (they are bounded by the provider and
/// database timeouts): a reservation this old was left by a dead server.
pub const ABANDONED_AFTER: chrono::Duration = chrono::Duration::minutes(2);

/// The request's `Idempotency-Key`, if it sent one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyKey(pub Option<String>);

impl IdempotencyKey {
    /// For routes where retries must be safe (applications, repayments):
    /// a missing key is a validation error.
    pub fn require(self) -> Result<String, ApiError> {
        self.0.ok_or_else(|| {
            ApiError::field(
                "Idempotency-Key",
                "idempotency_key_required",
                "this operation requires an Idempotency-Key header",
            )
        })
    }
}

impl<S: Send + Sync> FromRequestParts<S> for IdempotencyKey {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, ApiError> {
        let Some(value) = parts.headers.get(HEADER) else {
            return Ok(Self(None));
        };
        let key = value.to_str().ok().filter(|key| {
            !key.is_empty()
                && key.len() <= MAX_KEY_LENGTH
                && key.bytes().all(|b| b.is_ascii_graphic())
        });
        match key {
            Some(key) => Ok(Self(Some(key.to_owned()))),
            None => Err(ApiError::field(
                "Idempotency-Key",
                "invalid_idempotency_key",
                "an Idempotency-Key is 1-255 printable ASCII characters",
            )),
        }
    }
}

/// Runs `operation` at most once per (user, key). `route` and `request`
/// identify the request: a retry must repeat both exactly.
pub async fn run<Req, Body, Op>(
    state: &SharedState,
    user: UserId,
    key: IdempotencyKey,
    route: &str,
    request: &Req,
    operation: Op,
) -> Result<Response, ApiError>
where
    Req: Serialize,
    Body: Serialize,
    Op: Future<Output = Result<(StatusCode, Body), ApiError>>,
{
    let Some(key) = key.0 else {
        let (status, body) = operation.await?;
        return Ok((status, axum::Json(body)).into_response());
    };
    let request_hash = request_hash(state, route, request)?;
    let repository = &state.repository;
    let now = kredit_store::now();
    match repository
        .claim_idempotency_key(user, &key, &request_hash, now, now - ABANDONED_AFTER)
        .await?
    {
        IdempotencyClaim::Existing(record) => {
            replay_existing(&state.pii, &record, &request_hash).await
        }
        IdempotencyClaim::Claimed => match operation.await {
            Ok((status, body)) => {
                let body = serde_json::to_string(&body).map_err(ApiError::internal)?;
                let data_key = state
                    .pii
                    .data_key_for(user)
                    .await
                    .map_err(ApiError::internal)?;
                let sealed = StoredResponse {
                    status: status.as_u16(),
                    body: seal(&data_key, &body),
                };
                repository
                    .complete_idempotency_key(user, &key, &sealed)
                    .await?;
                Ok(respond(status, body))
            }
            Err(error) => {
                repository.release_idempotency_key(user, &key).await?;
                Err(error)
            }
        },
    }
}

/// The answer a key used before gets: its reply, or why there is none.
async fn replay_existing(
    vault: &Vault,
    record: &IdempotencyRecord,
    request_hash: &str,
) -> Result<Response, ApiError> {
    if record.request_hash != request_hash {
        return Err(ApiError::IdempotencyConflict);
    }
    match &record.response {
        Some(stored) => Ok(replay(stored.status, open(vault, &stored.body).await?)),
        None => Err(ApiError::IdempotencyInProgress),
    }
}

/// A reply as it is stored: `sealed.v1.` and the base64 of its ciphertext.
fn seal(data_key: &DataKey, body: &str) -> String {
    format!("{SEALED_PREFIX}{}", STANDARD.encode(data_key.seal(body)))
}

/// A stored reply's text: opened if sealed, as it is if stored before
/// sealing.
async fn open(vault: &Vault, stored: &str) -> Result<String, ApiError> {
    let Some(sealed) = stored.strip_prefix(SEALED_PREFIX) else {
        return Ok(stored.to_owned());
    };
    let bytes = STANDARD.decode(sealed).map_err(ApiError::internal)?;
    vault.open(&bytes).await.map_err(ApiError::internal)
}

/// What a key says before a one-transaction operation runs.
pub enum Prior {
    /// Used before: this is the answer.
    Answered(Response),
    /// Not used yet: run the operation with [`Fresh::reply`].
    Fresh(Fresh),
}

/// A key not used yet, and the request it is for.
pub struct Fresh {
    user: UserId,
    key: String,
    request_hash: String,
    /// The user's, sealing the reply inside the operation's transaction.
    data_key: Arc<DataKey>,
}

/// Looks the key up without writing anything (see the module docs).
pub async fn prior(
    state: &SharedState,
    user: UserId,
    key: String,
    route: &str,
    request: &impl Serialize,
) -> Result<Prior, ApiError> {
    let request_hash = request_hash(state, route, request)?;
    match state.repository.idempotency_record(user, &key).await? {
        Some(record) => replay_existing(&state.pii, &record, &request_hash)
            .await
            .map(Prior::Answered),
        None => Ok(Prior::Fresh(Fresh {
            user,
            key,
            request_hash,
            data_key: state
                .pii
                .data_key_for(user)
                .await
                .map_err(ApiError::internal)?,
        })),
    }
}

impl Fresh {
    /// A rendered reply sealed for storing: what the `body` of
    /// [`Fresh::reply`] returns.
    pub fn seal(&self, body: &str) -> String {
        seal(&self.data_key, body)
    }

    /// The reply for the operation's transaction to write; `body` renders
    /// it sealed ([`Fresh::seal`]).
    pub fn reply<'a, R>(
        &'a self,
        status: StatusCode,
        body: &'a (dyn Fn(&R) -> Result<String, String> + Send + Sync),
    ) -> IdempotentReply<'a, R> {
        IdempotentReply {
            user_id: self.user,
            key: &self.key,
            request_hash: &self.request_hash,
            status: status.as_u16(),
            body,
        }
    }

    /// The answer after a twin took the key first: the twin's reply.
    pub async fn answer_of_twin(&self, state: &SharedState) -> Result<Response, ApiError> {
        let record = state
            .repository
            .idempotency_record(self.user, &self.key)
            .await?
            .ok_or_else(|| ApiError::internal("a taken idempotency key vanished"))?;
        replay_existing(&state.pii, &record, &self.request_hash).await
    }
}

/// A fresh JSON answer.
pub fn respond(status: StatusCode, body: String) -> Response {
    json_response(&StoredResponse {
        status: status.as_u16(),
        body,
    })
}

/// Keyed (HMAC) rather than a plain digest: request bodies can carry
/// low-entropy personal data such as ID numbers, which a plain hash would
/// let anyone with database access recover by guessing.
fn request_hash(
    state: &SharedState,
    route: &str,
    request: &impl Serialize,
) -> Result<String, ApiError> {
    let body = serde_json::to_string(request).map_err(ApiError::internal)?;
    Ok(state.pii.lookup_hash(&format!("{route}\n{body}")))
}

fn json_response(stored: &StoredResponse) -> Response {
    let status = StatusCode::from_u16(stored.status).unwrap_or(StatusCode::OK);
    let mut response = (status, stored.body.clone()).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

fn replay(status: u16, body: String) -> Response {
    let mut response = json_response(&StoredResponse { status, body });
    response
        .headers_mut()
        .insert(REPLAYED_HEADER, HeaderValue::from_static("true"));
    response
}

#[cfg(test)]
mod tests {
    use kredit_store::pii::DataKey;

    use super::{SEALED_PREFIX, STANDARD, seal};
    use base64::Engine as _;

    #[test]
    fn stored_replies_are_sealed_under_the_users_key() {
        let key = DataKey::generate();
        let body = r#"{"message":"身份证 110105199001011234"}"#;
        let sealed = seal(&key, body);
        assert!(sealed.starts_with(SEALED_PREFIX) && !sealed.contains("110105"));
        let bytes = STANDARD.decode(&sealed[SEALED_PREFIX.len()..]).unwrap();
        assert_eq!(key.open(&bytes).unwrap(), body);
        assert!(DataKey::generate().open(&bytes).is_err());
    }
}
