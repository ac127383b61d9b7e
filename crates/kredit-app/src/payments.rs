//! A payment's way out to the provider, and reconciliation of those a crash
//! or a lost notice left unfinished. The lifecycle is the core's
//! (`kredit_core::payment`); each step is recorded before the next begins:
//!
//! 1. the payment row is written `created`, with whatever caused it (an
//!    accepted application, a repayment request, a queued auto-debit);
//! 2. the [`PaymentAuthoriser`] allows it (`authorised`) or refuses it
//!    (`failed`, with its code: a refused disbursement fails the loan's
//!    disbursement exactly as the bank refusing it would);
//! 3. it is handed to the provider under its merchant reference, on which
//!    the provider is idempotent, and recorded `submitted`;
//! 4. the provider's notice settles it ([`servicing::apply_notice`]).
//!
//! A crash between two steps leaves a status reconciliation resumes from:
//! a `created` payment is authorised and sent, an `authorised` one the
//! provider has never seen is sent. Nothing unauthorised is ever sent:
//! [`send`] is the one call to the provider and refuses any other status.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use chrono::Utc;
use kredit_core::Money;
use kredit_core::loan::LoanStatus;
use kredit_core::payment::{PaymentDirection, PaymentStatus};
use kredit_payments::{PaymentCallback, PaymentInstruction, PaymentReference, ProviderError};
use kredit_store::UserId;
use kredit_store::lending::{PaymentRecord, PaymentSettlement};

use crate::error::AppError;
use crate::servicing::{self, FailedBy};
use crate::{App, AppResult};

/// What the authoriser says about a payment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Authorisation {
    Authorised,
    /// Not yet: the payment stays `created` and is asked about again by
    /// every reconciliation (each minute) until it is authorised or
    /// refused. `reasons` are stable codes (the disbursement policy's).
    Held {
        reasons: Vec<String>,
    },
    /// Not to be sent. `code` is stable and machine-readable (it becomes
    /// the payment's `failure_code` and the `code` of `payment.failed`);
    /// `reason` is for people.
    Refused {
        code: String,
        reason: String,
    },
}

/// The port every payment passes before it reaches the provider: where a
/// lender's disbursement policy, fraud check or limits plug in. It is asked
/// once per payment, under the loan's lock, with the payment as stored
/// (`created`). An error leaves the payment `created`: it is asked again by
/// the next reconciliation, so an outage of the policy delays money but
/// never sends it unchecked.
#[async_trait]
pub trait PaymentAuthoriser: Send + Sync {
    async fn authorise(&self, app: &App, payment: &PaymentRecord) -> AppResult<Authorisation>;
}

/// Authorises everything: the default until a disbursement policy is
/// plugged in (`Payments::authoriser`).
#[derive(Debug, Clone, Copy, Default)]
pub struct AuthoriseAll;

#[async_trait]
impl PaymentAuthoriser for AuthoriseAll {
    async fn authorise(&self, _: &App, _: &PaymentRecord) -> AppResult<Authorisation> {
        Ok(Authorisation::Authorised)
    }
}

impl AuthoriseAll {
    pub fn shared() -> Arc<dyn PaymentAuthoriser> {
        Arc::new(AuthoriseAll)
    }
}

/// The borrower's bank card and the name on it, decrypted for the provider.
pub async fn card_of(state: &App, borrower: UserId) -> Result<(String, String), AppError> {
    let identity = state
        .repository
        .identity(borrower)
        .await?
        .ok_or(AppError::Conflict {
            code: "identity_not_verified",
            detail: "verify your identity and bank card first".to_owned(),
        })?;
    let card = state.pii.open(&identity.bank_card_encrypted).await?;
    let name = state.pii.open(&identity.real_name_encrypted).await?;
    Ok((card, name))
}

/// Takes a stored payment as far as it goes now: authorised, then handed
/// to the provider. A refusal is recorded (the payment fails); an
/// authoriser or provider failure is logged and left to reconciliation,
/// never half done.
pub async fn submit(state: &App, payment: &PaymentRecord, borrower: UserId) -> AppResult<()> {
    if let Some(authorised) = authorise(state, payment).await? {
        send(state, &authorised, borrower).await?;
    }
    Ok(())
}

/// [`submit`], then the payment as it stands for the borrower who asked
/// (`submitted`, `failed` if refused, still `created` or `authorised` if it
/// must wait, or further on if the provider's notice came first).
pub async fn submit_and_reread(
    state: &App,
    payment: &PaymentRecord,
    borrower: UserId,
) -> AppResult<PaymentRecord> {
    submit(state, payment, borrower).await?;
    state
        .repository
        .lending()
        .payment(payment.id)
        .await?
        .ok_or(AppError::Internal)
}

/// Asks the authoriser about a `created` payment and records its answer;
/// the payment as it now stands if it may be sent, `None` if it was
/// refused (or failed) or must wait (the authoriser failed).
async fn authorise(state: &App, payment: &PaymentRecord) -> AppResult<Option<PaymentRecord>> {
    if payment.status != PaymentStatus::Created {
        return Ok(payment.status.may_be_sent().then(|| payment.clone()));
    }
    // Under the loan's lock: a refused disbursement changes the loan, and
    // another instance reconciling the same payment waits for our answer.
    crate::loan_lock::with_loan(state, payment.loan_id, async {
        let store = state.repository.lending();
        let current = store.payment(payment.id).await?.ok_or(AppError::Internal)?;
        if current.status != PaymentStatus::Created {
            return Ok(current.status.may_be_sent().then_some(current));
        }
        let answer = match state.payments.authoriser.authorise(state, &current).await {
            Ok(answer) => answer,
            Err(error) => {
                tracing::warn!(payment = current.id.0, %error, "payment authorisation failed; reconciliation will ask again");
                return Ok(None);
            }
        };
        match answer {
            Authorisation::Authorised => {
                store
                    .advance_payment(current.id, PaymentStatus::Created, PaymentStatus::Authorised)
                    .await?;
                let now = store.payment(current.id).await?.ok_or(AppError::Internal)?;
                Ok(now.status.may_be_sent().then_some(now))
            }
            Authorisation::Held { reasons } => {
                metrics::counter!("kredit_payments_held_total").increment(1);
                tracing::info!(payment = current.id.0, reasons = %reasons.join(","), "payment held by the authoriser");
                Ok(None)
            }
            Authorisation::Refused { code, reason } => {
                refuse(state, &current, &code, &reason).await?;
                Ok(None)
            }
        }
    })
    .await
}

/// Records a refusal: the payment fails with the authoriser's code, and a
/// refused disbursement fails the loan's disbursement with it (the loan
/// never starts, as when the bank refuses). The caller holds the lock.
async fn refuse(state: &App, payment: &PaymentRecord, code: &str, reason: &str) -> AppResult<()> {
    metrics::counter!("kredit_payments_refused_total").increment(1);
    tracing::warn!(
        payment = payment.id.0,
        code,
        reason,
        "payment refused by the authoriser"
    );
    let settlement = PaymentSettlement {
        payment_id: payment.id,
        sequence: None,
        status: PaymentStatus::Failed,
        failure_code: Some(code.to_owned()),
        provider_reference: None,
        applied: None,
    };
    let failed = FailedBy::Authoriser {
        code: code.to_owned(),
        reason: reason.to_owned(),
    };
    match payment.direction {
        PaymentDirection::Disbursement => {
            servicing::fail_disbursement_retrying(state, payment, settlement, &failed).await
        }
        PaymentDirection::Collection => {
            let event = servicing::payment_failed_event(payment, &failed);
            state
                .repository
                .lending()
                .settle_payment(&settlement, &[event])
                .await?;
            Ok(())
        }
    }
}

/// The one call that hands a payment to the provider, for an authorised
/// (or already submitted: the provider is idempotent) payment only; then
/// records it `submitted`. A provider failure is logged and left to
/// reconciliation.
async fn send(state: &App, payment: &PaymentRecord, borrower: UserId) -> AppResult<()> {
    if !payment.status.may_be_sent() {
        return Err(AppError::internal(format!(
            "payment {} is {}: only an authorised payment is sent",
            payment.id, payment.status
        )));
    }
    let (card_number, account_name) = card_of(state, borrower).await?;
    let instruction = PaymentInstruction {
        merchant_reference: payment.merchant_reference.clone(),
        direction: payment.direction,
        amount: Money::from_fen(payment.amount_fen),
        card_number,
        account_name,
        callback_url: state.payments.callback_url.clone(),
    };
    match state.payments.provider.submit(instruction).await {
        Ok(_) => mark_submitted(state, payment).await?,
        Err(error) => {
            tracing::warn!(payment = payment.id.0, %error, "payment submission failed; reconciliation will retry");
        }
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

/// Turns a queued auto-debit into a collection of what is still due and
/// fits (the borrower may have paid meanwhile), or cancels it: nothing
/// due, or a payoff or prepayment of the loan on its way.
async fn claim_auto_debit(
    state: &App,
    debit: &kredit_store::lending::AutoDebitRecord,
) -> Result<Option<(PaymentRecord, UserId)>, AppError> {
    use kredit_core::payment::PaymentPurpose;
    let store = state.repository.lending();
    let loaded = crate::servicing::load(state, debit.loan_id).await?;
    let open = store.loan_payments(debit.loan_id).await?;
    let exclusive_open = open.iter().any(|p| {
        p.direction == PaymentDirection::Collection
            && !p.status.is_final()
            && p.purpose.is_exclusive()
    });
    let due = loaded
        .as_ref()
        .filter(|l| l.record.status == LoanStatus::Active && !exclusive_open)
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
        direction: PaymentPurpose::AutoDebit.direction(),
        purpose: PaymentPurpose::AutoDebit,
        mode: None,
        amount_fen: amount.fen(),
    };
    let Some(payment_id) = store.claim_auto_debit(debit.id, &payment).await? else {
        return Ok(None);
    };
    let payment = store.payment(payment_id).await?.ok_or(AppError::Internal)?;
    Ok(Some((payment, loaded.record.borrower_id)))
}

/// Finishes the payments not final and older than `age`: a `created` one
/// is authorised first; then the provider is asked about it, and what it
/// says is applied as if its notice had arrived, or, if it has never seen
/// the payment, the payment is sent. Returns the notices applied. A
/// payment that cannot be reconciled now is logged and tried next time.
pub async fn reconcile(state: &App, age: Duration) -> Result<usize, AppError> {
    let before = Utc::now() - chrono::Duration::from_std(age).map_err(AppError::internal)?;
    let open = state
        .repository
        .lending()
        .open_payments(before, 200)
        .await?;
    let mut applied = 0;
    for payment in open {
        match reconcile_one(state, &payment).await {
            Ok(true) => applied += 1,
            Ok(false) => {}
            Err(error) => {
                tracing::warn!(payment = payment.id.0, %error, "reconciliation of a payment failed")
            }
        }
    }
    Ok(applied)
}

async fn reconcile_one(state: &App, payment: &PaymentRecord) -> AppResult<bool> {
    let Some(loan) = state.repository.lending().loan(payment.loan_id).await? else {
        return Ok(false);
    };
    let Some(payment) = authorise(state, payment).await? else {
        return Ok(false);
    };
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
            Ok(servicing::apply_notice(state, &notice).await? == servicing::NoticeOutcome::Applied)
        }
        Ok(_) => {
            // The provider has it: a crash came between its acceptance and
            // our record of it.
            mark_submitted(state, &payment).await?;
            Ok(false)
        }
        Err(ProviderError::NotFound) => {
            // Never reached the provider: send it (again).
            send(state, &payment, loan.borrower_id).await?;
            Ok(false)
        }
        Err(error) => {
            tracing::warn!(payment = payment.id.0, %error, "reconciliation query failed");
            Ok(false)
        }
    }
}

/// Records that the provider holds an authorised payment. Nothing changes
/// if it is already further on (its notice can arrive first and settle it).
async fn mark_submitted(state: &App, payment: &PaymentRecord) -> AppResult<()> {
    if payment.status == PaymentStatus::Authorised {
        state
            .repository
            .lending()
            .advance_payment(
                payment.id,
                PaymentStatus::Authorised,
                PaymentStatus::Submitted,
            )
            .await?;
    }
    Ok(())
}
