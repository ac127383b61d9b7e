//! One error type for everything that can go wrong with data or models.
//! Each variant renders as one line a risk analyst can act on.

use thiserror::Error;

/// Why loading data, training, evaluating or loading a model failed.
#[derive(Debug, Error)]
pub enum ScoringError {
    #[error("cannot read the CSV: {0}")]
    Csv(String),
    #[error("the CSV has no header row")]
    NoHeader,
    #[error("the CSV header repeats column '{0}'")]
    DuplicateColumn(String),
    #[error("line {line}: not valid UTF-8 in column '{column}'")]
    NotUtf8 { line: u64, column: String },
    #[error("line {line}: expected {expected} fields like the header, found {found}")]
    RaggedRow {
        line: u64,
        expected: usize,
        found: usize,
    },
    #[error("target column '{target}' not found (columns: {available})")]
    MissingTargetColumn { target: String, available: String },
    #[error("line {line}: the target '{target}' is empty or missing")]
    MissingTargetValue { line: u64, target: String },
    #[error("target column '{target}' never takes the bad value '{bad}' (values seen: {seen})")]
    BadValueNotFound {
        target: String,
        bad: String,
        seen: String,
    },
    #[error(
        "target column '{target}' has only one class ({class}); a model needs both goods and bads"
    )]
    OneClass { target: String, class: &'static str },
    #[error("the data has no rows")]
    NoRows,
    #[error("column '{0}' is required by the model but missing from the data")]
    MissingFeatureColumn(String),
    #[error("no usable feature: {0}")]
    NoUsableFeature(String),
    #[error("invalid configuration: {0}")]
    InvalidConfig(String),
    #[error("invalid model artefact: {0}")]
    InvalidModel(String),
}

pub type Result<T, E = ScoringError> = std::result::Result<T, E>;
