//! The error model: every failure leaves as RFC 9457 `application/problem+json`
//! with a stable machine-readable `code`; clients branch on `code`, people
//! read `title` and `detail`.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use kredit_app::second_factor::Refusal;
use serde::Serialize;
use utoipa::ToSchema;

/// One field-level problem inside a `validation_failed` response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct FieldError {
    pub field: String,
    pub code: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: &str, code: &str, message: impl Into<String>) -> Self {
        Self {
            field: field.to_owned(),
            code: code.to_owned(),
            message: message.into(),
        }
    }
}

/// An RFC 9457 problem document.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Problem {
    /// A URI naming the problem type: `/problems/{code}`.
    #[serde(rename = "type")]
    pub problem_type: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// Stable machine-readable code, e.g. `validation_failed`.
    pub code: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApiError {
    /// The body is not JSON of the expected shape (syntax, types, missing fields).
    MalformedBody(String),
    /// A path segment is not of the route's type (`/loans/abc`).
    InvalidPath {
        detail: String,
        errors: Vec<FieldError>,
    },
    /// The body parsed but its values break a rule.
    Validation {
        detail: String,
        errors: Vec<FieldError>,
    },
    /// A date outside the range the API takes at all (`crate::dates`).
    DateOutOfRange {
        detail: String,
        errors: Vec<FieldError>,
    },
    /// The body is larger than the configured limit (`crate::hardening`).
    PayloadTooLarge {
        limit: usize,
    },
    Unauthorized(&'static str),
    /// A signed-in user's password, asked for again, is wrong (401
    /// `wrong_password`: the session is fine, unlike `unauthorized`).
    WrongPassword,
    /// The password was right and the second factor is missing or wrong
    /// (401) or must be set up first (403).
    SecondFactor(kredit_app::second_factor::Refusal),
    Forbidden,
    NotFound,
    MethodNotAllowed,
    Conflict {
        code: &'static str,
        detail: String,
    },
    /// A throttled login or password change; `Retry-After` says when.
    TooManyAttempts {
        retry_after_seconds: i64,
    },
    IdempotencyConflict,
    IdempotencyInProgress,
    Internal,
}

impl ApiError {
    /// A validation failure on a single field.
    pub fn field(field: &str, code: &str, message: impl Into<String>) -> Self {
        let error = FieldError::new(field, code, message);
        ApiError::Validation {
            detail: error.message.clone(),
            errors: vec![error],
        }
    }

    /// Logs the cause (which may be sensitive or technical) and answers 500
    /// without it.
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        tracing::error!(error = %cause, "internal error");
        ApiError::Internal
    }

    fn parts(&self) -> (StatusCode, &'static str, &'static str, String) {
        match self {
            ApiError::MalformedBody(detail) => (
                StatusCode::BAD_REQUEST,
                "validation_failed",
                "The request body is malformed",
                detail.clone(),
            ),
            ApiError::InvalidPath { detail, .. } => (
                StatusCode::BAD_REQUEST,
                "invalid_path",
                "The request path is not valid",
                detail.clone(),
            ),
            ApiError::Validation { detail, .. } => (
                StatusCode::UNPROCESSABLE_ENTITY,
                "validation_failed",
                "The request is not valid",
                detail.clone(),
            ),
            ApiError::DateOutOfRange { detail, .. } => (
                StatusCode::BAD_REQUEST,
                "date_out_of_range",
                "A date is out of range",
                detail.clone(),
            ),
            ApiError::PayloadTooLarge { limit } => (
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                "The request body is too large",
                format!("the body exceeds the limit of {limit} bytes"),
            ),
            ApiError::Unauthorized(detail) => (
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                "Authentication required",
                (*detail).to_owned(),
            ),
            ApiError::WrongPassword => (
                StatusCode::UNAUTHORIZED,
                "wrong_password",
                "Wrong password",
                "the password is wrong".to_owned(),
            ),
            ApiError::SecondFactor(refusal) => (
                match refusal {
                    Refusal::EnrolmentRequired => StatusCode::FORBIDDEN,
                    Refusal::Required | Refusal::Invalid => StatusCode::UNAUTHORIZED,
                },
                refusal.code(),
                "Second factor needed",
                refusal.detail().to_owned(),
            ),
            ApiError::Forbidden => (
                StatusCode::FORBIDDEN,
                "forbidden",
                "Not allowed",
                "your role does not allow this operation".to_owned(),
            ),
            ApiError::NotFound => (
                StatusCode::NOT_FOUND,
                "not_found",
                "Not found",
                "no such resource".to_owned(),
            ),
            ApiError::MethodNotAllowed => (
                StatusCode::METHOD_NOT_ALLOWED,
                "method_not_allowed",
                "Method not allowed",
                "this path does not support this HTTP method".to_owned(),
            ),
            ApiError::Conflict { code, detail } => {
                (StatusCode::CONFLICT, code, "Conflict", detail.clone())
            }
            ApiError::TooManyAttempts { .. } => (
                StatusCode::TOO_MANY_REQUESTS,
                "too_many_attempts",
                "Too many attempts",
                "too many attempts; retry after the time given in Retry-After".to_owned(),
            ),
            ApiError::IdempotencyConflict => (
                StatusCode::CONFLICT,
                "idempotency_conflict",
                "Idempotency key reused",
                "this Idempotency-Key was used with a different request".to_owned(),
            ),
            ApiError::IdempotencyInProgress => (
                StatusCode::CONFLICT,
                "idempotency_in_progress",
                "Request in progress",
                "a request with this Idempotency-Key is still being processed; retry shortly"
                    .to_owned(),
            ),
            ApiError::Internal => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal_error",
                "Internal error",
                "the server could not complete the request".to_owned(),
            ),
        }
    }

    pub fn problem(&self) -> Problem {
        let (status, code, title, detail) = self.parts();
        let errors = match self {
            ApiError::Validation { errors, .. }
            | ApiError::InvalidPath { errors, .. }
            | ApiError::DateOutOfRange { errors, .. } => errors.clone(),
            _ => Vec::new(),
        };
        Problem {
            problem_type: format!("/problems/{code}"),
            title: title.to_owned(),
            status: status.as_u16(),
            detail,
            code: code.to_owned(),
            errors,
        }
    }
}

/// Each refusal of a use case has one status and code.
impl From<kredit_app::AppError> for ApiError {
    fn from(error: kredit_app::AppError) -> Self {
        use kredit_app::AppError;
        match error {
            AppError::Validation { detail, errors } => ApiError::Validation {
                detail,
                errors: errors
                    .into_iter()
                    .map(|e| FieldError {
                        field: e.field,
                        code: e.code,
                        message: e.message,
                    })
                    .collect(),
            },
            AppError::NotFound => ApiError::NotFound,
            AppError::Conflict { code, detail } => ApiError::Conflict { code, detail },
            AppError::Internal => ApiError::Internal,
        }
    }
}

impl From<kredit_store::StoreError> for ApiError {
    fn from(error: kredit_store::StoreError) -> Self {
        ApiError::internal(error)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let problem = self.problem();
        let retry_after = match &self {
            ApiError::TooManyAttempts {
                retry_after_seconds,
            } => Some(*retry_after_seconds),
            _ => None,
        };
        let status =
            StatusCode::from_u16(problem.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut response = (status, axum::Json(problem)).into_response();
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        if status == StatusCode::UNAUTHORIZED {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        if let Some(seconds) = retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds.max(1)));
        }
        response
    }
}
