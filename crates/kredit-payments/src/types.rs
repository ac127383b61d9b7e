//! The values exchanged with a payment provider.

use chrono::{DateTime, Utc};
use kredit_core::Money;
use serde::{Deserialize, Serialize};

/// Which way money moves, seen from the lender: the core's
/// [`PaymentDirection`](kredit_core::payment::PaymentDirection), so the
/// lender's records and the provider's instructions share one concept (and
/// one wire name each).
pub use kredit_core::payment::PaymentDirection as Direction;

/// One payment Kredit asks the provider to make.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentInstruction {
    /// Kredit's own id for this payment, unique per payment. It is the
    /// idempotency key: submitting it again never pays twice.
    pub merchant_reference: String,
    pub direction: Direction,
    /// Always positive.
    pub amount: Money,
    pub card_number: String,
    pub account_name: String,
    /// Where the provider POSTs signed [`PaymentCallback`]s.
    pub callback_url: String,
}

/// The provider's receipt for an accepted instruction. Acceptance is not
/// payment: the outcome arrives later by callback (or by [`query`]).
///
/// [`query`]: crate::PaymentProvider::query
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Submitted {
    pub provider_reference: String,
    pub accepted_at: DateTime<Utc>,
}

/// Where a payment stands. `Succeeded` and `Failed` are final.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum PaymentStatus {
    Pending,
    Succeeded,
    /// `code` is stable and machine-readable (`insufficient_funds`, …);
    /// `message` is for people.
    Failed {
        code: String,
        message: String,
    },
}

impl PaymentStatus {
    pub fn is_final(&self) -> bool {
        !matches!(self, PaymentStatus::Pending)
    }
}

/// A status notice from the provider, as carried in a callback body.
///
/// On the wire the status is flattened into the object:
/// `{"provider_reference": …, "status": "failed", "code": …, "message": …, …}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentCallback {
    pub provider_reference: String,
    pub merchant_reference: String,
    #[serde(flatten)]
    pub status: PaymentStatus,
    pub amount: Money,
    /// Starts at 1 and increases with every new status of this payment; a
    /// redelivered notice repeats its sequence. See [`decide_callback`].
    ///
    /// [`decide_callback`]: crate::decide_callback
    pub sequence: u64,
    pub occurred_at: DateTime<Utc>,
}

/// How to name a payment when asking the provider about it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum PaymentReference {
    Provider(String),
    Merchant(String),
}

/// The provider's current view of a payment, as returned by
/// [`query`](crate::PaymentProvider::query).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentState {
    pub provider_reference: String,
    pub merchant_reference: String,
    pub amount: Money,
    pub status: PaymentStatus,
    /// The sequence of the notice that carries `status`, or 0 while the
    /// provider has recorded nothing since accepting the payment. A receiver
    /// that applies a queried status stores this as its last applied sequence.
    pub sequence: u64,
}
