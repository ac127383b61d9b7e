//! The lender's funding account: the `FundingSource` port the disbursement
//! policy's `funding_available` condition reads (docs/disbursement-policy.md),
//! and the sandbox's account with a configured balance.

use async_trait::async_trait;

use crate::AppResult;

/// Where the money lent comes from. Asked at every evaluation of a policy
/// naming `funding_available`; an error leaves the payment held and asked
/// again (the authoriser's errors never send money unchecked).
#[async_trait]
pub trait FundingSource: Send + Sync {
    /// The account's balance available for disbursements now, in fen.
    async fn available_fen(&self) -> AppResult<i64>;
}

/// The sandbox's funding account (`KREDIT_FUNDING_BALANCE`): a fixed
/// balance, as a treasury system would report it. It is not debited by the
/// disbursements it allows — the sandbox PSP pays out of thin air — so a
/// balance below a loan's proceeds holds that loan until the configured
/// balance is raised and the server restarted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SandboxFunding {
    pub balance_fen: i64,
}

#[async_trait]
impl FundingSource for SandboxFunding {
    async fn available_fen(&self) -> AppResult<i64> {
        Ok(self.balance_fen)
    }
}
