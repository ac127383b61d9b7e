//! Errors of the provider contract. Each has a stable `code()` the server can
//! put into its problem+json responses and logs.

/// Why the provider did not accept or could not answer a request.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ProviderError {
    /// The instruction is malformed; nothing was submitted.
    #[error("invalid payment instruction: {0}")]
    InvalidInstruction(String),
    /// The merchant reference was already used for a different payment.
    /// Nothing new was submitted; the earlier payment is unaffected.
    #[error(
        "merchant reference '{merchant_reference}' was already submitted with different details"
    )]
    ReferenceConflict { merchant_reference: String },
    #[error("no payment is known under that reference")]
    NotFound,
    /// The provider could not be reached or failed internally. For `submit`
    /// the outcome is unknown: query, or resubmit with the *same* reference.
    #[error("payment provider unavailable: {0}")]
    Unavailable(String),
}

impl ProviderError {
    pub fn code(&self) -> &'static str {
        match self {
            ProviderError::InvalidInstruction(_) => "payment_instruction_invalid",
            ProviderError::ReferenceConflict { .. } => "payment_reference_conflict",
            ProviderError::NotFound => "payment_not_found",
            ProviderError::Unavailable(_) => "payment_provider_unavailable",
        }
    }
}

/// Why a callback was rejected. Every variant means "do not trust this body".
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CallbackError {
    #[error("the callback has no signature header")]
    MissingSignature,
    #[error("the callback's signature header is malformed: {0}")]
    MalformedSignature(String),
    #[error("the callback's signature does not match its body")]
    SignatureMismatch,
    /// Authentic but too old (or from the future): possibly a replay.
    #[error("the callback's timestamp is {age_seconds} s away from now, outside the tolerance")]
    TimestampOutsideTolerance { age_seconds: i64 },
    /// Correctly signed but not a callback this crate understands.
    #[error("the callback body is not a payment notice: {0}")]
    MalformedBody(String),
}

impl CallbackError {
    pub fn code(&self) -> &'static str {
        match self {
            CallbackError::MissingSignature => "callback_signature_missing",
            CallbackError::MalformedSignature(_) => "callback_signature_malformed",
            CallbackError::SignatureMismatch => "callback_signature_mismatch",
            CallbackError::TimestampOutsideTolerance { .. } => {
                "callback_timestamp_out_of_tolerance"
            }
            CallbackError::MalformedBody(_) => "callback_body_malformed",
        }
    }
}
