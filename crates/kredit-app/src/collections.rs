//! Collecting from a borrower's card: repay any amount, prepay principal,
//! or pay the loan off. Everything the money could not do is refused
//! before the card is charged, under the loan's lock ([`crate::loan_lock`]),
//! so ten payoffs sent at once charge the card once:
//! - a payoff or prepayment while any collection of the loan is open, and
//!   a repayment while a payoff or prepayment is open: 409
//!   `payment_in_progress`;
//! - an amount above what the loan can take, counting what is already on
//!   its way: 422 `exceeds_balance` (a payoff pays exactly its quote).
//!
//! Suspense is left for money the bank sends unasked.

use kredit_core::Money;
use kredit_core::ledger::Discard;
use kredit_core::loan::{Loan, ReamortiseMode};
use kredit_store::lending::{NewPayment, PaymentRecord};
use serde::{Deserialize, Serialize};

use crate::servicing::{self, LoadedLoan};
use crate::{App, AppError, AppResult};

/// The largest single collection accepted (a typing slip guard).
pub const MAX_COLLECTION: Money = Money::from_fen(10_000_000 * 100);

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum CollectionKind {
    Repayment,
    Prepayment,
    Payoff,
}

impl CollectionKind {
    /// The payment's `purpose`.
    pub fn as_str(self) -> &'static str {
        match self {
            CollectionKind::Repayment => "repayment",
            CollectionKind::Prepayment => "prepayment",
            CollectionKind::Payoff => "payoff",
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

fn is_open_collection(payment: &PaymentRecord) -> bool {
    payment.direction == "collection" && payment.status == "pending"
}

/// The most a loan can take on `date`: what closes it, or where it cannot
/// be closed yet (a prepayment lock-in), everything its schedule still
/// asks, less its credit.
pub fn capacity(loan: &Loan, date: chrono::NaiveDate) -> Money {
    if let Ok(quote) = loan.payoff_quote(date) {
        return quote.amount;
    }
    let scheduled = Money::checked_sum(loan.installments.iter().map(|i| i.outstanding().total()))
        .unwrap_or(Money::MAX);
    scheduled
        .checked_sub(loan.credit_balance)
        .unwrap_or(Money::ZERO)
        .max(Money::ZERO)
}

/// Checks the request against the loan and what is already on its way,
/// and writes the pending payment. The caller has checked that the loan
/// is the borrower's; the payment is then handed to the provider
/// ([`crate::payments::submit`]).
pub async fn request(
    app: &App,
    loan_id: i64,
    request: CollectionRequest,
) -> AppResult<PaymentRecord> {
    crate::loan_lock::with_loan(app, loan_id, async {
        let LoadedLoan { record, loan, .. } = servicing::load(app, loan_id)
            .await?
            .ok_or(AppError::NotFound)?;
        let Some(mut loan) = loan.filter(|_| record.status == "active") else {
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
        let open_exclusive = open
            .iter()
            .any(|p| p.purpose == "payoff" || p.purpose == "prepayment");
        if (request.kind != CollectionKind::Repayment && !open.is_empty()) || open_exclusive {
            return Err(AppError::conflict(
                "payment_in_progress",
                "a payment of this loan is still being processed; try again once it has settled",
            ));
        }
        let quote = loan.payoff_quote(today);
        if request.kind != CollectionKind::Repayment
            && let Err(error) = &quote
        {
            return Err(AppError::conflict(
                "prepayment_not_allowed",
                error.to_string(),
            ));
        }
        let amount = match (request.kind, request.amount, &quote) {
            (CollectionKind::Payoff, None, Ok(quote)) => quote.amount,
            (_, Some(amount), _) => amount,
            _ => {
                return Err(AppError::field(
                    "amount",
                    "amount_required",
                    "say how much to pay",
                ));
            }
        };
        if !amount.is_positive() || amount > MAX_COLLECTION {
            return Err(AppError::field(
                "amount",
                "out_of_range",
                "the amount must be positive and at most 10,000,000.00",
            ));
        }
        let mode = match (request.kind, request.mode) {
            (CollectionKind::Prepayment, Some(mode)) => Some(mode),
            (CollectionKind::Prepayment, None) => {
                return Err(AppError::field(
                    "mode",
                    "mode_required",
                    "a prepayment keeps the term (reduce_installment) or the instalment (reduce_term)",
                ));
            }
            _ => None,
        };
        let on_its_way = Money::checked_sum(open.iter().map(|p| Money::from_fen(p.amount_fen)))
            .map_err(AppError::internal)?;
        let room = capacity(&loan, today)
            .checked_sub(on_its_way)
            .unwrap_or(Money::ZERO)
            .max(Money::ZERO);
        match request.kind {
            CollectionKind::Payoff if amount != room => {
                return Err(AppError::field(
                    "amount",
                    "amount_mismatch",
                    format!("a payoff on {today} pays its quote, {room}"),
                ));
            }
            _ if amount > room => {
                return Err(AppError::field(
                    "amount",
                    "exceeds_balance",
                    format!("the loan can take at most {room} now"),
                ));
            }
            _ => {}
        }
        let payment_id = store
            .create_payment(&NewPayment {
                merchant_reference: format!(
                    "KR-C-{loan_id}-{}",
                    crate::ids::random_reference()
                ),
                loan_id,
                direction: "collection".to_owned(),
                purpose: request.kind.as_str().to_owned(),
                mode: mode.map(|m| match m {
                    ReamortiseMode::ReduceInstallment => "reduce_installment".to_owned(),
                    ReamortiseMode::ReduceTerm => "reduce_term".to_owned(),
                }),
                amount_fen: amount.fen(),
            })
            .await?;
        store.payment(payment_id).await?.ok_or(AppError::Internal)
    })
    .await
}
