//! Kredit's payment provider layer.
//!
//! Loans are disbursed and repayments collected through a [`PaymentProvider`]:
//! a bank or payment service provider (PSP) that accepts an instruction at
//! once and reports its outcome *later*, by a signed HTTP callback. Callbacks
//! can be duplicated, late or out of order, so every callback carries a
//! per-payment sequence number and [`decide_callback`] tells the receiver
//! whether to apply it.
//!
//! [`SandboxProvider`] is an in-memory stand-in for a real bank whose
//! documented test card numbers ([`sandbox::cards`]) trigger every one of
//! those behaviours. The contract is described in `docs/payments.md`.

mod error;
mod provider;
pub mod sandbox;
mod sequence;
pub mod signature;
mod types;
mod validation;

pub use error::{CallbackError, ProviderError};
pub use provider::PaymentProvider;
pub use sandbox::{SandboxConfig, SandboxProvider};
pub use sequence::{CallbackDecision, decide_callback};
pub use signature::{CallbackSecret, SIGNATURE_HEADER};
pub use types::{
    Direction, PaymentCallback, PaymentInstruction, PaymentReference, PaymentState, PaymentStatus,
    Submitted,
};
