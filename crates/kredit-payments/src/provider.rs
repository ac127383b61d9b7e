//! The contract every bank or PSP integration fulfils.

use async_trait::async_trait;
use http::HeaderMap;

use crate::{
    CallbackError, PaymentCallback, PaymentInstruction, PaymentReference, PaymentState,
    ProviderError, Submitted,
};

/// A bank or PSP that moves money for Kredit. Object-safe: the server holds
/// an `Arc<dyn PaymentProvider>`.
#[async_trait]
pub trait PaymentProvider: Send + Sync {
    /// Hands the payment to the provider. Returns once it is *accepted*; the
    /// outcome comes later by callback to `instruction.callback_url`.
    ///
    /// Idempotent by `merchant_reference`: submitting an identical
    /// instruction again returns the same [`Submitted`] and never pays twice,
    /// so after a timeout or a crash it is always safe to resubmit with the
    /// same reference. The same reference with different details is
    /// [`ProviderError::ReferenceConflict`].
    async fn submit(&self, instruction: PaymentInstruction) -> Result<Submitted, ProviderError>;

    /// The provider's current view of a payment: for reconciling payments
    /// whose callback has not arrived.
    async fn query(&self, reference: &PaymentReference) -> Result<PaymentState, ProviderError>;

    /// Authenticates a callback request (its headers and its raw, unparsed
    /// body) and decodes it. Anything that fails here must be ignored.
    fn verify_callback(
        &self,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Result<PaymentCallback, CallbackError>;
}
