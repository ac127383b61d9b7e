//! What a use case can refuse, independent of any transport: the HTTP
//! layer maps each variant to one problem+json status and code, the CLI
//! prints it.

use std::fmt;

/// One field-level problem of a refused command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldProblem {
    pub field: String,
    pub code: String,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AppError {
    /// The command's values break a rule (HTTP 422 `validation_failed`).
    Validation {
        detail: String,
        errors: Vec<FieldProblem>,
    },
    NotFound,
    /// The command cannot apply to the current state (HTTP 409 with `code`).
    Conflict {
        code: &'static str,
        detail: String,
    },
    /// A fault of ours or of a system we depend on, already logged.
    Internal,
}

impl AppError {
    /// A validation failure on a single field.
    pub fn field(field: &str, code: &str, message: impl Into<String>) -> Self {
        let message = message.into();
        AppError::Validation {
            detail: message.clone(),
            errors: vec![FieldProblem {
                field: field.to_owned(),
                code: code.to_owned(),
                message,
            }],
        }
    }

    pub fn conflict(code: &'static str, detail: impl Into<String>) -> Self {
        AppError::Conflict {
            code,
            detail: detail.into(),
        }
    }

    /// Logs the cause (which may be sensitive or technical) and keeps only
    /// the fact that something failed.
    pub fn internal(cause: impl fmt::Display) -> Self {
        tracing::error!(error = %cause, "internal error");
        AppError::Internal
    }
}

impl fmt::Display for AppError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AppError::Validation { detail, .. } => write!(f, "invalid: {detail}"),
            AppError::NotFound => f.write_str("not found"),
            AppError::Conflict { code, detail } => write!(f, "{code}: {detail}"),
            AppError::Internal => f.write_str("internal error (see the log)"),
        }
    }
}

impl std::error::Error for AppError {}

impl From<kredit_store::StoreError> for AppError {
    fn from(error: kredit_store::StoreError) -> Self {
        AppError::internal(error)
    }
}

pub type AppResult<T> = Result<T, AppError>;
