//! Collecting from a borrower's card: repay any amount, prepay principal,
//! or pay the loan off. Everything the money could not do is refused
//! before the card is charged, under the loan's lock ([`crate::loan_lock`]),
//! so ten payoffs sent at once charge the card once:
//! - a payoff or prepayment while any collection of the loan is open, and
//!   a repayment while a payoff or prepayment is open: 409
//!   `payment_in_progress`;
//! - an amount above what the loan can take (the core's
//!   `Loan::max_acceptable`), counting what is already on its way: 422
//!   `exceeds_balance`; a payoff pays exactly its quote (`amount_mismatch`);
//!   what the core would refuse when the money arrives (a lock-in, a
//!   `reduce_term` prepayment of an interest-first loan): 409
//!   `prepayment_not_allowed`.
//!
//! A payoff its credit covers closes the loan at once, with no card charged.
//! Suspense is left for money the bank sends unasked.

use chrono::NaiveDate;
use kredit_core::Money;
use kredit_core::ledger::Discard;
use kredit_core::loan::{LoanStatus, PaymentKind, PayoffQuote, ReamortiseMode, ServicingError};
use kredit_core::payment::{PaymentDirection, PaymentPurpose};
use kredit_store::LoanId;
use kredit_store::lending::{NewPayment, PaymentRecord};
use serde::{Deserialize, Serialize};

use crate::servicing;
use crate::{App, AppError, AppResult};

/// The largest single collection accepted (a typing slip guard).
pub const MAX_COLLECTION: Money = Money::from_fen(10_000_000 * 100);

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CollectionKind {
    Repayment,
    Prepayment,
    Payoff,
}

impl CollectionKind {
    /// The payment's `purpose`.
    pub fn purpose(self) -> PaymentPurpose {
        match self {
            CollectionKind::Repayment => PaymentPurpose::Repayment,
            CollectionKind::Prepayment => PaymentPurpose::Prepayment,
            CollectionKind::Payoff => PaymentPurpose::Payoff,
        }
    }
}

/// What the borrower asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CollectionRequest {
    pub kind: CollectionKind,
    /// Optional for a payoff: the quote's total is taken.
    pub amount: Option<Money>,
    /// Required for a prepayment.
    pub mode: Option<ReamortiseMode>,
}

/// A collection not yet settled (created, authorised or submitted): its
/// money may still arrive.
fn is_open_collection(payment: &PaymentRecord) -> bool {
    payment.direction == PaymentDirection::Collection && !payment.status.is_final()
}

impl CollectionRequest {
    fn payment_kind(self) -> AppResult<PaymentKind> {
        match (self.kind, self.mode) {
            (CollectionKind::Repayment, _) => Ok(PaymentKind::Repayment),
            (CollectionKind::Payoff, _) => Ok(PaymentKind::Payoff),
            (CollectionKind::Prepayment, Some(mode)) => Ok(PaymentKind::Prepayment(mode)),
            (CollectionKind::Prepayment, None) => Err(AppError::field(
                "mode",
                "mode_required",
                "a prepayment keeps the term (reduce_installment) or the instalment (reduce_term)",
            )),
        }
    }
}

/// What the core's pre-payment check refuses, as the borrower is told it.
fn refusal(error: ServicingError) -> AppError {
    match error {
        ServicingError::PrepaymentNotAllowed
        | ServicingError::PrepaymentLockedIn(_)
        | ServicingError::CannotShortenTerm(_) => {
            AppError::conflict("prepayment_not_allowed", error.to_string())
        }
        ServicingError::NotActive(_) => AppError::conflict("not_active", error.to_string()),
        ServicingError::AboveMaximum { maximum, .. } => AppError::field(
            "amount",
            "exceeds_balance",
            format!("the loan can take at most {maximum} now"),
        ),
        ServicingError::InsufficientForPayoff { date, required, .. } => AppError::field(
            "amount",
            "amount_mismatch",
            format!("a payoff on {date} pays its quote, {required}"),
        ),
        ServicingError::NonPositiveAmount(_) => AppError::field(
            "amount",
            "out_of_range",
            "the amount must be positive and at most 10,000,000.00",
        ),
        other => AppError::internal(other),
    }
}

/// What became of a collection request.
#[derive(Debug, Clone)]
pub enum Collection {
    /// The payment is written; hand it to the provider.
    Pending(Box<PaymentRecord>),
    /// A payoff the loan's credit covered whole: the loan closed from its
    /// credit and no card was charged.
    ClosedFromCredit,
}

/// Checks the request against the loan and what is already on its way,
/// and writes the pending payment (or closes the loan from its credit).
/// The caller has checked that the loan is the borrower's; a pending
/// payment is then handed to the provider ([`crate::payments::submit`]).
pub async fn request(
    app: &App,
    loan_id: LoanId,
    request: CollectionRequest,
) -> AppResult<Collection> {
    let kind = request.payment_kind()?;
    crate::loan_lock::with_loan(app, loan_id, async {
        let loaded = servicing::load(app, loan_id)
            .await?
            .ok_or(AppError::NotFound)?;
        let Some(mut loan) = loaded
            .loan
            .clone()
            .filter(|_| loaded.record.status == LoanStatus::Active)
        else {
            return Err(AppError::conflict(
                "not_active",
                "only an active loan can be repaid",
            ));
        };
        let today = app.business_date().await?.max(loan.as_of);
        loan.advance_to(today, &mut Discard);
        let store = app.repository.lending();
        let open: Vec<PaymentRecord> = store
            .loan_payments(loan_id)
            .await?
            .into_iter()
            .filter(is_open_collection)
            .collect();
        let open_exclusive = open.iter().any(|p| p.purpose.is_exclusive());
        if (kind != PaymentKind::Repayment && !open.is_empty()) || open_exclusive {
            return Err(AppError::conflict(
                "payment_in_progress",
                "a payment of this loan is still being processed; try again once it has settled",
            ));
        }
        let maximum = loan.max_acceptable(kind, today).map_err(refusal)?;
        let amount = match (kind, request.amount) {
            (_, Some(amount)) => amount,
            (PaymentKind::Payoff, None) => maximum,
            _ => {
                return Err(AppError::field(
                    "amount",
                    "amount_required",
                    "say how much to pay",
                ));
            }
        };
        if amount > MAX_COLLECTION {
            return Err(AppError::field(
                "amount",
                "out_of_range",
                "the amount must be positive and at most 10,000,000.00",
            ));
        }
        loan.check_payment(kind, today, amount).map_err(refusal)?;
        // Repayments may queue, each within what the loan can take once
        // those before it are in.
        let on_its_way = Money::checked_sum(open.iter().map(|p| Money::from_fen(p.amount_fen)))
            .map_err(AppError::internal)?;
        if on_its_way.checked_add(amount).map_err(AppError::internal)? > maximum {
            let room = maximum.checked_sub(on_its_way).unwrap_or(Money::ZERO);
            return Err(AppError::field(
                "amount",
                "exceeds_balance",
                format!("the loan can take at most {} now", room.max(Money::ZERO)),
            ));
        }
        if amount.is_zero() {
            servicing::close_from_credit(app, loaded, today).await?;
            return Ok(Collection::ClosedFromCredit);
        }
        let payment_id = store
            .create_payment(&NewPayment {
                merchant_reference: format!("KR-C-{loan_id}-{}", crate::ids::random_reference()),
                loan_id,
                direction: request.kind.purpose().direction(),
                purpose: request.kind.purpose(),
                mode: match kind {
                    PaymentKind::Prepayment(ReamortiseMode::ReduceInstallment) => {
                        Some("reduce_installment".to_owned())
                    }
                    PaymentKind::Prepayment(ReamortiseMode::ReduceTerm) => {
                        Some("reduce_term".to_owned())
                    }
                    _ => None,
                },
                amount_fen: amount.fen(),
            })
            .await?;
        screen_repayment(app, loaded.record.borrower_id, loan_id, payment_id, amount).await?;
        Ok(Collection::Pending(Box::new(
            store.payment(payment_id).await?.ok_or(AppError::Internal)?,
        )))
    })
    .await
}

/// The repayment point of fraud and AML (docs/fraud.md, docs/aml.md): the
/// scenario decides over the repayment (recorded and alerted; money coming
/// in is not refused), and the amount joins the borrower's same-day total
/// of money in, which may create a large-value report. Counted when the
/// collection is requested, before the card is charged.
async fn screen_repayment(
    app: &App,
    borrower: kredit_store::UserId,
    loan_id: LoanId,
    payment_id: kredit_store::PaymentId,
    amount: Money,
) -> AppResult<()> {
    use crate::risk;
    let reference = format!("payment:{payment_id}");
    let subject = risk::Subject {
        borrower,
        reference: reference.clone(),
        application_id: None,
        loan_id: Some(loan_id),
    };
    let plain = kredit_risk::expr::Features::from([(
        "amount".to_owned(),
        kredit_risk::expr::Value::Money(amount.fen()),
    )]);
    let identifiers = risk::Identifiers {
        device: None,
        ip: kredit_store::origin::client_address(),
    };
    risk::check(
        app,
        risk::Checkpoint::Repayment,
        &subject,
        &identifiers,
        plain,
    )
    .await?;
    risk::aml::record_movement(
        app,
        borrower,
        risk::aml::Direction::In,
        amount.fen(),
        &reference,
    )
    .await?;
    Ok(())
}

/// What paying the loan off on `date` (the business date when `None`)
/// would take. Quotes are for any date from the loan's business date on,
/// also during a prepayment lock-in (the quote says from when it may be
/// paid).
pub async fn payoff_quote(
    app: &App,
    loaded: &servicing::LoadedLoan,
    date: Option<NaiveDate>,
) -> AppResult<(NaiveDate, PayoffQuote)> {
    let Some(loan) = loaded
        .loan
        .as_ref()
        .filter(|_| loaded.record.status == LoanStatus::Active)
    else {
        return Err(AppError::conflict(
            "not_active",
            "only an active loan has a payoff quote",
        ));
    };
    let date = match date {
        Some(date) => date,
        None => app.business_date().await?,
    };
    if date < loan.as_of {
        return Err(AppError::field(
            "date",
            "out_of_range",
            format!("quotes start from the loan's business date {}", loan.as_of),
        ));
    }
    let quote = loan
        .payoff_quote(date)
        .map_err(|error| AppError::conflict("not_active", error.to_string()))?;
    Ok((date, quote))
}
