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

use crate::App;
use crate::error::AppError;

use crate::servicing;

/// The borrower's bank card and the name on it, decrypted for the provider.
pub async fn card_of(state: &App, borrower: i64) -> Result<(String, String), AppError> {
    let identity = state
        .repository
        .identity(borrower)
        .await?
        .ok_or(AppError::Conflict {
            code: "identity_not_verified",
            detail: "verify your identity and bank card first".to_owned(),
        })?;
    let card = state
        .pii
        .decrypt(&identity.bank_card_encrypted)
        .map_err(AppError::internal)?;
    let name = state
        .pii
        .decrypt(&identity.real_name_encrypted)
        .map_err(AppError::internal)?;
    Ok((card, name))
}

/// Hands a stored payment to the provider. A provider failure is logged and
/// left to reconciliation: the payment stays pending, never half sent.
pub async fn submit(state: &App, payment: &PaymentRecord, borrower: i64) -> Result<(), AppError> {
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

/// Sends the auto-debits close of business queued: each collects what is
/// still due on the loan when it is sent (the borrower may have paid
/// meanwhile), under a reference the bank is idempotent on. Returns how
/// many were sent. With auto-debit switched off nothing is sent and the
/// queue is left as it is.
pub async fn submit_auto_debits(state: &App) -> Result<usize, AppError> {
    if !state.payments.auto_debit {
        return Ok(0);
    }
    let store = state.repository.lending();
    let mut sent = 0;
    loop {
        let queue = store.pending_auto_debits(200).await?;
        if queue.is_empty() {
            return Ok(sent);
        }
        for debit in queue {
            let claimed =
                crate::loan_lock::with_loan(state, debit.loan_id, claim_auto_debit(state, &debit))
                    .await?;
            if let Some((payment, borrower)) = claimed {
                submit(state, &payment, borrower).await?;
                sent += 1;
            }
        }
    }
}

/// Turns a queued auto-debit into a pending collection of what is still
/// due and fits (the borrower may have paid meanwhile), or cancels it:
/// nothing due, or a payoff or prepayment of the loan on its way.
async fn claim_auto_debit(
    state: &App,
    debit: &kredit_store::lending::AutoDebitRecord,
) -> Result<Option<(PaymentRecord, i64)>, AppError> {
    let store = state.repository.lending();
    let loaded = crate::servicing::load(state, debit.loan_id).await?;
    let open = store.loan_payments(debit.loan_id).await?;
    let exclusive_open = open.iter().any(|p| {
        p.direction == "collection"
            && p.status == "pending"
            && (p.purpose == "payoff" || p.purpose == "prepayment")
    });
    let due = loaded
        .as_ref()
        .filter(|l| l.record.status == "active" && !exclusive_open)
        .and_then(|l| l.loan.as_ref())
        .map_or(Money::ZERO, kredit_core::loan::Loan::amount_due);
    let amount = due.min(Money::from_fen(debit.amount_fen));
    let Some(loaded) = loaded.filter(|_| amount.is_positive()) else {
        store.cancel_auto_debit(debit.id).await?;
        return Ok(None);
    };
    let payment = kredit_store::lending::NewPayment {
        merchant_reference: format!("KR-A-{}", debit.id),
        loan_id: debit.loan_id,
        direction: "collection".to_owned(),
        purpose: "auto_debit".to_owned(),
        mode: None,
        amount_fen: amount.fen(),
    };
    let Some(payment_id) = store.claim_auto_debit(debit.id, &payment).await? else {
        return Ok(None);
    };
    let payment = store.payment(payment_id).await?.ok_or(AppError::Internal)?;
    Ok(Some((payment, loaded.record.borrower_id)))
}

/// Asks the provider about pending payments older than `age` and applies
/// what it says as if its notice had arrived.
pub async fn reconcile(state: &App, age: Duration) -> Result<usize, AppError> {
    let before = Utc::now() - chrono::Duration::from_std(age).map_err(AppError::internal)?;
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
