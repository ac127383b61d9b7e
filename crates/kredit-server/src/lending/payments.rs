//! Sending payments to the provider and reconciling those whose notice has
//! not arrived. The database row is written first, so a crash between the
//! two leaves a pending payment that reconciliation resubmits (the provider
//! is idempotent by merchant reference) rather than money with no record.

use std::time::Duration;

use chrono::Utc;
use kredit_core::Money;
use kredit_payments::{
    Direction, PaymentCallback, PaymentInstruction, PaymentReference, ProviderError,
};
use kredit_store::lending::PaymentRecord;

use crate::error::ApiError;
use crate::state::AppState;

use super::servicing;

/// The borrower's bank card and the name on it, decrypted for the provider.
pub async fn card_of(state: &AppState, borrower: i64) -> Result<(String, String), ApiError> {
    let identity = state
        .repository
        .identity(borrower)
        .await?
        .ok_or(ApiError::Conflict {
            code: "identity_not_verified",
            detail: "verify your identity and bank card first".to_owned(),
        })?;
    let card = state
        .pii
        .decrypt(&identity.bank_card_encrypted)
        .map_err(ApiError::internal)?;
    let name = state
        .pii
        .decrypt(&identity.real_name_encrypted)
        .map_err(ApiError::internal)?;
    Ok((card, name))
}

/// Hands a stored payment to the provider. A provider failure is logged and
/// left to reconciliation: the payment stays pending, never half sent.
pub async fn submit(
    state: &AppState,
    payment: &PaymentRecord,
    borrower: i64,
) -> Result<(), ApiError> {
    let (card_number, account_name) = card_of(state, borrower).await?;
    let instruction = PaymentInstruction {
        merchant_reference: payment.merchant_reference.clone(),
        direction: if payment.direction == "disbursement" {
            Direction::Disbursement
        } else {
            Direction::Collection
        },
        amount: Money::from_fen(payment.amount_fen),
        card_number,
        account_name,
        callback_url: state.payments.callback_url.clone(),
    };
    if let Err(error) = state.payments.provider.submit(instruction).await {
        tracing::warn!(payment = payment.id, %error, "payment submission failed; reconciliation will retry");
    }
    Ok(())
}

/// Asks the provider about pending payments older than `age` and applies
/// what it says as if its notice had arrived.
pub async fn reconcile(state: &AppState, age: Duration) -> Result<usize, ApiError> {
    let before = Utc::now() - chrono::Duration::from_std(age).map_err(ApiError::internal)?;
    let pending = state
        .repository
        .lending()
        .pending_payments(before, 200)
        .await?;
    let mut applied = 0;
    for payment in pending {
        let reference = PaymentReference::Merchant(payment.merchant_reference.clone());
        match state.payments.provider.query(&reference).await {
            Ok(seen) if seen.status.is_final() => {
                let notice = PaymentCallback {
                    provider_reference: seen.provider_reference,
                    merchant_reference: seen.merchant_reference,
                    status: seen.status,
                    amount: seen.amount,
                    sequence: seen.sequence,
                    occurred_at: Utc::now(),
                };
                if servicing::apply_notice(state, &notice).await?
                    == servicing::NoticeOutcome::Applied
                {
                    applied += 1;
                }
            }
            Ok(_) => {}
            Err(ProviderError::NotFound) => {
                // Never reached the provider: send it again.
                let Some(loan) = state.repository.lending().loan(payment.loan_id).await? else {
                    continue;
                };
                submit(state, &payment, loan.borrower_id).await?;
            }
            Err(error) => {
                tracing::warn!(payment = payment.id, %error, "reconciliation query failed")
            }
        }
    }
    Ok(applied)
}

/// Reconciles every minute for as long as the server runs.
pub async fn reconciliation_loop(state: std::sync::Arc<AppState>) {
    let mut tick = tokio::time::interval(Duration::from_secs(60));
    loop {
        tick.tick().await;
        if let Err(error) = reconcile(&state, Duration::from_secs(60)).await {
            tracing::warn!(?error, "payment reconciliation failed");
        }
    }
}
