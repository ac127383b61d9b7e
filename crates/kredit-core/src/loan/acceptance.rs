//! What a loan will take, asked before any money moves: the server checks a
//! borrower's request here before it charges a card, so nothing it accepts
//! is refused (or silently kept as credit) when the money arrives.

use std::fmt;

use chrono::NaiveDate;

use super::{Loan, LoanEvent, ReamortiseMode, ServicingError};
use crate::ledger::Discard;
use crate::money::Money;

/// A payment a borrower asks to make.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PaymentKind {
    /// Settles what is due; the rest is kept as credit for the next due date.
    Repayment,
    /// Pays principal ahead and re-amortises by the mode.
    Prepayment(ReamortiseMode),
    /// Closes the loan against its payoff quote.
    Payoff,
}

impl PaymentKind {
    pub fn as_str(self) -> &'static str {
        match self {
            PaymentKind::Repayment => "repayment",
            PaymentKind::Prepayment(_) => "prepayment",
            PaymentKind::Payoff => "payoff",
        }
    }

    /// The loan event that applies this payment of `amount`.
    pub fn event(self, amount: Money) -> LoanEvent {
        match self {
            PaymentKind::Repayment => LoanEvent::Repayment { amount },
            PaymentKind::Prepayment(mode) => LoanEvent::Prepayment { amount, mode },
            PaymentKind::Payoff => LoanEvent::Payoff { amount },
        }
    }
}

impl fmt::Display for PaymentKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Loan {
    /// The most money a payment of `kind` on `date` (on or after the
    /// business date) can take without becoming credit the loan cannot use:
    /// - repayment: what is due on `date` plus the next instalment not yet
    ///   due, in full, less the credit balance (that much is kept as credit
    ///   and settles the next instalment when it falls due; more is a
    ///   prepayment);
    /// - prepayment and payoff: the payoff quote's amount (a prepayment of
    ///   that much pays the loan off).
    ///
    /// Errors with what applying the payment would error with: a backdated
    /// date, a loan no longer active, a prepayment or payoff the product's
    /// policy refuses on `date` (lock-in, prepayment not allowed), or a mode
    /// the repayment method cannot honour (`CannotShortenTerm`).
    pub fn max_acceptable(
        &self,
        kind: PaymentKind,
        date: NaiveDate,
    ) -> Result<Money, ServicingError> {
        let mut loan = self.clone();
        loan.ensure_can_transact(date, &mut Discard)?;
        match kind {
            PaymentKind::Repayment => {
                let next = loan
                    .installments
                    .get(loan.billed_count())
                    .map_or(Money::ZERO, |inst| inst.outstanding().total());
                Ok(loan
                    .amount_due()
                    .checked_add(next.saturating_sub_to_zero(loan.credit_balance))?)
            }
            PaymentKind::Prepayment(mode) => {
                let (quote, policy) = loan.quote_with_policy(date)?;
                policy?;
                loan.check_mode(mode)?;
                Ok(quote.amount)
            }
            PaymentKind::Payoff => {
                let (quote, policy) = loan.quote_with_policy(date)?;
                policy?;
                Ok(quote.amount)
            }
        }
    }

    /// Whether a payment of `kind` and `amount` on `date` is accepted,
    /// without changing the loan. Anything accepted here is applied by
    /// [`Loan::apply`] (`kind.event(amount)`) on that date without error and
    /// without creating credit beyond what the rules keep: a repayment's
    /// credit at most the next instalment, a prepayment's at most the one fen
    /// its fee rounding can leave (or, when it prepays all the principal
    /// without covering the quote, what the current period still owes), a
    /// payoff's none.
    ///
    /// Stricter than applying: money that has already arrived is never
    /// refused for being too much (it becomes credit), but here an amount
    /// above [`Loan::max_acceptable`] is refused with `AboveMaximum`. A
    /// payoff must be exactly the quote's amount (less is
    /// `InsufficientForPayoff`), zero when credit covers the quote. Any
    /// other amount must be positive.
    pub fn check_payment(
        &self,
        kind: PaymentKind,
        date: NaiveDate,
        amount: Money,
    ) -> Result<(), ServicingError> {
        let zero_allowed = kind == PaymentKind::Payoff;
        if amount.is_negative() || (amount.is_zero() && !zero_allowed) {
            return Err(ServicingError::NonPositiveAmount(amount));
        }
        let maximum = self.max_acceptable(kind, date)?;
        if kind == PaymentKind::Payoff && amount < maximum {
            return Err(ServicingError::InsufficientForPayoff {
                date,
                required: maximum,
                offered: amount,
            });
        }
        if amount > maximum {
            return Err(ServicingError::AboveMaximum {
                kind,
                date,
                maximum,
                offered: amount,
            });
        }
        Ok(())
    }

    /// [`Loan::check_payment`] for a prepayment in `mode`.
    pub fn check_prepayment(
        &self,
        date: NaiveDate,
        amount: Money,
        mode: ReamortiseMode,
    ) -> Result<(), ServicingError> {
        self.check_payment(PaymentKind::Prepayment(mode), date, amount)
    }
}
