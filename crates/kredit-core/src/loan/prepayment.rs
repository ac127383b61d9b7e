//! Paying ahead of schedule: partial prepayment with re-amortisation, and
//! full payoff against a quote for any date.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::allocation::{Parts, allocate};
use super::{Allocation, InstallmentState, Loan, ServicingError, level_of, post, post_settlement};
use crate::ledger::{Account, Discard, EntryKind, PostingSink};
use crate::money::{Money, div_round_half_up};
use crate::schedule::{Amortisation, AmortisationTarget, RepaymentMethod, amortise};

/// What a partial prepayment keeps and what it lowers.
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReamortiseMode {
    /// Keep the term, lower every remaining instalment.
    ReduceInstallment,
    /// Keep the instalment, finish sooner.
    ReduceTerm,
}

/// Everything it takes to close the loan on a date.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PayoffQuote {
    pub date: NaiveDate,
    /// Principal, interest to date (or the whole period, by policy), fees and
    /// penalty owed.
    pub owed: Parts,
    /// The product's prepayment fee on the principal not yet due.
    pub prepayment_fee: Money,
    /// Credit balance used towards the payoff.
    pub credit_applied: Money,
    /// What the borrower pays: zero when the credit balance covers
    /// everything (close the loan with [`Loan::close_from_credit`]).
    pub amount: Money,
    /// `None` when the loan can be paid off on `date`; otherwise the first
    /// date [`Loan::pay_off`] accepts: the end of the prepayment lock-in, or
    /// the last due date (when all principal is due anyway) for a product
    /// that does not allow prepayment, whichever comes first. A quote is
    /// given for any date on or after the business date either way.
    #[serde(default)]
    pub allowed_from: Option<NaiveDate>,
}

impl Loan {
    fn check_prepayment_policy(&self, date: NaiveDate) -> Result<(), ServicingError> {
        if !self.terms.prepayment.allowed {
            return Err(ServicingError::PrepaymentNotAllowed);
        }
        let from = self.prepayment_allowed_from();
        if date < from {
            return Err(ServicingError::PrepaymentLockedIn(from));
        }
        Ok(())
    }

    /// Instalments not yet due on the business date start here.
    fn first_unbilled(&self) -> usize {
        self.billed_count()
    }

    fn unbilled_principal(&self) -> Money {
        let from = self.first_unbilled();
        Money::from_fen(
            self.installments[from..]
                .iter()
                .map(|i| i.outstanding().principal.fen())
                .sum(),
        )
    }

    fn prepayment_fee_on(&self, principal: Money) -> Money {
        self.terms
            .prepayment
            .fee_rate
            .apply(principal)
            .unwrap_or(Money::MAX)
    }

    /// Why paying principal ahead on `date` is refused, if it is: the
    /// product's policy applies while any principal is not yet due.
    /// `self` must be advanced to `date`.
    fn prepayment_policy_on(&self, date: NaiveDate) -> Result<(), ServicingError> {
        if self.unbilled_principal().is_positive() {
            self.check_prepayment_policy(date)
        } else {
            Ok(())
        }
    }

    /// A mode the repayment method cannot honour: interest-first and bullet
    /// loans have no level instalment to keep, so they cannot shorten their
    /// term.
    pub(super) fn check_mode(&self, mode: ReamortiseMode) -> Result<(), ServicingError> {
        let method = self.terms.schedule.method;
        if mode == ReamortiseMode::ReduceTerm
            && matches!(
                method,
                RepaymentMethod::InterestFirst | RepaymentMethod::Bullet
            )
        {
            return Err(ServicingError::CannotShortenTerm(method.as_str()));
        }
        Ok(())
    }

    /// The quote to close the loan on `date`, for any date on or after the
    /// business date, during a prepayment lock-in too (see
    /// [`PayoffQuote::allowed_from`]). Errors only for a backdated date or a
    /// loan that is no longer active.
    pub fn payoff_quote(&self, date: NaiveDate) -> Result<PayoffQuote, ServicingError> {
        self.quote_with_policy(date).map(|(quote, _)| quote)
    }

    /// The quote, and whether the policy lets the loan be paid off that day.
    pub(super) fn quote_with_policy(
        &self,
        date: NaiveDate,
    ) -> Result<(PayoffQuote, Result<(), ServicingError>), ServicingError> {
        let mut loan = self.clone();
        loan.ensure_can_transact(date, &mut Discard)?;
        let policy = loan.prepayment_policy_on(date);
        let last_due = loan.installments.last().map_or(date, |i| i.due_date);
        let allowed_from = match policy {
            Ok(()) => None,
            Err(ServicingError::PrepaymentLockedIn(from)) => Some(from.min(last_due)),
            Err(_) => Some(last_due),
        };
        let unbilled = loan.unbilled_principal();
        let prepayment_fee = loan.prepayment_fee_on(unbilled);
        loan.settle_future_for_payoff(date, prepayment_fee, &mut Discard);
        let mut owed = Parts::default();
        for inst in &loan.installments {
            owed.add(&inst.outstanding());
        }
        // The prepayment fee was folded into the current instalment's fee.
        owed.fee = Money::from_fen(owed.fee.fen() - prepayment_fee.fen());
        let total = owed.total().fen() + prepayment_fee.fen();
        let credit_applied = Money::from_fen(loan.credit_balance.fen().min(total));
        let quote = PayoffQuote {
            date,
            owed,
            prepayment_fee,
            credit_applied,
            amount: Money::from_fen(total - credit_applied.fen()),
            allowed_from,
        };
        Ok((quote, policy))
    }

    /// Turns every instalment not yet due into what a payoff today owes:
    /// the current period's interest to date (or in full, by policy), the
    /// prepayment fee, all principal, and nothing of later periods' interest
    /// and fees.
    fn settle_future_for_payoff(
        &mut self,
        date: NaiveDate,
        prepayment_fee: Money,
        sink: &mut impl PostingSink,
    ) {
        let from = self.first_unbilled();
        let full_period = self.terms.prepayment.full_period_interest;
        for (offset, inst) in self.installments[from..].iter_mut().enumerate() {
            let current = offset == 0 && inst.period_start < date;
            if current && full_period {
                let rest = inst.owed.interest.fen() - inst.interest_accrued.fen();
                post(
                    sink,
                    date,
                    EntryKind::InterestAccrual,
                    Account::InterestReceivable,
                    Account::InterestIncome,
                    Money::from_fen(rest),
                );
                inst.interest_accrued = inst.owed.interest;
            } else {
                inst.owed.interest = inst.interest_accrued;
            }
            inst.owed.fee = if offset == 0 {
                prepayment_fee
            } else {
                Money::ZERO
            };
            inst.fee_charged = true;
        }
        post(
            sink,
            date,
            EntryKind::FeeCharge,
            Account::FeeReceivable,
            Account::FeeIncome,
            prepayment_fee,
        );
    }

    /// Closes the loan on `date`. `amount` must cover the quote; anything
    /// beyond it stays as credit balance to refund. The credit balance is
    /// used first, so when it covers the whole quote (quote amount 0.00) an
    /// `amount` of zero closes the loan ([`Loan::close_from_credit`]); a
    /// zero amount is refused otherwise. Refused during a prepayment lock-in
    /// (and, for a product without prepayment, while principal is not yet
    /// due), before anything changes.
    ///
    /// The allocation lists everything the payoff settled, per component
    /// (from the credit balance and the payment together; `fee` includes the
    /// prepayment fee), and `credit` is what the payment changed the credit
    /// balance by: positive when money was left over, negative when credit
    /// was used. So its components always sum to `amount`.
    pub fn pay_off(
        &mut self,
        date: NaiveDate,
        amount: Money,
        sink: &mut impl PostingSink,
    ) -> Result<Allocation, ServicingError> {
        if amount.is_negative() {
            return Err(ServicingError::NonPositiveAmount(amount));
        }
        let (quote, policy) = self.quote_with_policy(date)?;
        policy?;
        if amount < quote.amount {
            return Err(ServicingError::InsufficientForPayoff {
                date,
                required: quote.amount,
                offered: amount,
            });
        }
        self.advance_to(date, sink);
        self.settle_future_for_payoff(date, quote.prepayment_fee, sink);
        let order = self.terms.allocation;
        let from_credit = allocate(&mut self.installments, &order, self.credit_balance);
        self.credit_balance = self.credit_balance.checked_sub(from_credit.total())?;
        post_settlement(
            sink,
            date,
            EntryKind::Payoff,
            Account::BorrowerCredit,
            &from_credit,
        );
        let from_bank = allocate(&mut self.installments, &order, amount);
        post_settlement(sink, date, EntryKind::Payoff, Account::Bank, &from_bank);
        self.keep_as_credit(
            date,
            amount.checked_sub(from_bank.total())?,
            EntryKind::Payoff,
            sink,
        );
        self.close_if_settled();
        debug_assert_eq!(self.status, super::LoanStatus::PaidOff);
        let mut parts = from_credit;
        parts.add(&from_bank);
        Ok(Allocation {
            parts,
            credit: amount.checked_sub(parts.total())?,
        })
    }

    /// Closes a loan whose credit balance covers its whole payoff quote
    /// (quote amount 0.00) on `date`, without any payment: the same as
    /// [`Loan::pay_off`] with an amount of zero, and recorded as
    /// `LoanEvent::Payoff { amount: 0.00 }`. The credit used settles every
    /// receivable; what credit is left stays as credit balance, refundable
    /// with [`Loan::refund_credit`]. Refused with `InsufficientForPayoff`
    /// when the credit does not cover the quote, and like any payoff during
    /// a lock-in.
    pub fn close_from_credit(
        &mut self,
        date: NaiveDate,
        sink: &mut impl PostingSink,
    ) -> Result<Allocation, ServicingError> {
        self.pay_off(date, Money::ZERO, sink)
    }

    /// A partial prepayment on `date`: first settles what is due, then pays
    /// principal ahead (less the product's prepayment fee) and re-amortises
    /// the rest by `mode`. An amount that covers the payoff quote pays the
    /// loan off. Refused, before anything changes, during a lock-in or for a
    /// product without prepayment (while principal is not yet due), and for
    /// `ReduceTerm` on an interest-first or bullet loan, whatever the amount
    /// (`CannotShortenTerm`). [`Loan::check_payment`] says the same before
    /// any money moves.
    pub fn prepay(
        &mut self,
        date: NaiveDate,
        amount: Money,
        mode: ReamortiseMode,
        sink: &mut impl PostingSink,
    ) -> Result<Allocation, ServicingError> {
        if !amount.is_positive() {
            return Err(ServicingError::NonPositiveAmount(amount));
        }
        let (quote, policy) = self.quote_with_policy(date)?;
        policy?;
        self.check_mode(mode)?;
        if amount >= quote.amount {
            return self.pay_off(date, amount, sink);
        }
        let mut allocation = self.repay_due_only(date, amount, sink)?;
        let left = amount.checked_sub(allocation.parts.total())?;
        let unbilled = self.unbilled_principal();
        let principal = self.principal_affordable(left, unbilled);
        debug_assert!(principal <= unbilled);
        let fee = self.prepayment_fee_on(principal);
        if principal.is_positive() {
            post(
                sink,
                date,
                EntryKind::FeeCharge,
                Account::FeeReceivable,
                Account::FeeIncome,
                fee,
            );
            post(
                sink,
                date,
                EntryKind::Prepayment,
                Account::Bank,
                Account::FeeReceivable,
                fee,
            );
            post(
                sink,
                date,
                EntryKind::Prepayment,
                Account::Bank,
                Account::PrincipalReceivable,
                principal,
            );
            self.principal_prepaid = self.principal_prepaid.checked_add(principal)?;
            self.reamortise(date, unbilled.checked_sub(principal)?, mode);
            allocation.parts.principal = allocation.parts.principal.checked_add(principal)?;
            allocation.parts.fee = allocation.parts.fee.checked_add(fee)?;
        }
        let rest = left.checked_sub(principal)?.checked_sub(fee)?;
        allocation.credit = self.keep_as_credit(date, rest, EntryKind::Prepayment, sink);
        Ok(allocation)
    }

    /// Settles what is due with `amount` and returns the split, keeping
    /// nothing as credit.
    fn repay_due_only(
        &mut self,
        date: NaiveDate,
        amount: Money,
        sink: &mut impl PostingSink,
    ) -> Result<Allocation, ServicingError> {
        self.ensure_can_transact(date, sink)?;
        let billed = self.billed_count();
        let allocated = allocate(
            &mut self.installments[..billed],
            &self.terms.allocation,
            amount,
        );
        post_settlement(sink, date, EntryKind::Repayment, Account::Bank, &allocated);
        Ok(Allocation {
            parts: allocated,
            credit: Money::ZERO,
        })
    }

    /// The most principal `available` pays together with its prepayment fee:
    /// the largest `p ≤ unbilled` with `p + round(p × fee rate) ≤ available`
    /// (half-up, as [`Rate::apply`](crate::rate::Rate::apply) rounds), exact.
    pub(super) fn principal_affordable(&self, available: Money, unbilled: Money) -> Money {
        let rate = self.terms.prepayment.fee_rate;
        let cap = unbilled.fen().max(0);
        let fits = |p: i64| {
            rate.apply(Money::from_fen(p))
                .is_ok_and(|fee| p as i128 + fee.fen() as i128 <= available.fen() as i128)
        };
        // With S = RATE_SCALE and r the rate's units (0 ≤ r < S, as product
        // validation requires), round(p·r/S) = ⌊(p·r + S/2) / S⌋, so
        // p + round(p·r/S) ≤ a  ⟺  p·(S + r) + S/2 < (a + 1)·S
        //                       ⟺  p ≤ ⌊((a + 1)·S − S/2 − 1) / (S + r)⌋.
        let s = crate::rate::RATE_SCALE as i128;
        let r = rate.units() as i128;
        let a = available.fen().max(0) as i128;
        let exact = if s + r > 0 {
            ((a + 1) * s - s / 2 - 1).div_euclid(s + r)
        } else {
            a
        };
        let mut p = exact.clamp(0, cap as i128) as i64;
        // The bound is exact for the rates a product allows; these steps
        // only guard the invariant should a rate outside them get here.
        while p > 0 && !fits(p) {
            p -= 1;
        }
        while p < cap && fits(p + 1) {
            p += 1;
        }
        Money::from_fen(p)
    }

    /// Rebuilds the instalments not yet due around the new `balance`.
    fn reamortise(&mut self, date: NaiveDate, balance: Money, mode: ReamortiseMode) {
        let from = self.first_unbilled();
        let method = self.terms.schedule.method;
        let current = &self.installments[from];
        let target = match mode {
            ReamortiseMode::ReduceInstallment => AmortisationTarget::KeepTerm,
            ReamortiseMode::ReduceTerm => AmortisationTarget::KeepInstallment(self.level),
        };
        let plan = Amortisation {
            balance,
            annual_rate: self.terms.schedule.annual_rate,
            method,
            fee_per_period: current.owed.fee,
            loan_start: self.terms.schedule.start_date,
            first_n: if method == RepaymentMethod::Bullet {
                1
            } else {
                current.n
            },
            last_n: self.installments.last().map_or(current.n, |i| i.n),
            target,
        };
        let mut fresh = Vec::with_capacity(self.installments.len() - from);
        amortise(&plan, &mut fresh).expect("a smaller balance amortises wherever the original did");
        if mode == ReamortiseMode::ReduceInstallment
            && let Some(first) = fresh.first()
        {
            self.level = level_of(method, first);
        }
        // The current period: interest accrued so far stays; the rest of the
        // period accrues on the new balance.
        let day_count = self.terms.day_count;
        let old = self.installments[from].clone();
        let whole = day_count
            .year_fraction(old.period_start, old.due_date)
            .numerator
            .max(1);
        let remaining = day_count
            .year_fraction(date.max(old.period_start), old.due_date)
            .numerator
            .clamp(0, whole);
        let replaced: Vec<InstallmentState> = fresh
            .iter()
            .enumerate()
            .map(|(k, i)| {
                let (interest, anchor, accrued) = if k == 0 {
                    let rest = div_round_half_up(
                        i.interest.fen() as i128 * remaining as i128,
                        whole as i128,
                    ) as i64;
                    (
                        Money::from_fen(old.interest_accrued.fen() + rest),
                        date.max(old.period_start),
                        old.interest_accrued,
                    )
                } else {
                    (i.interest, i.period_start, Money::ZERO)
                };
                InstallmentState {
                    n: i.n,
                    period_start: if k == 0 {
                        old.period_start
                    } else {
                        i.period_start
                    },
                    due_date: i.due_date,
                    owed: Parts {
                        penalty: Money::ZERO,
                        fee: i.fee,
                        interest,
                        principal: i.principal,
                    },
                    paid: Parts::default(),
                    interest_accrued: accrued,
                    fee_charged: false,
                    pending_penalty: Money::ZERO,
                    accrual_anchor: anchor,
                    accrued_at_anchor: accrued,
                }
            })
            .collect();
        self.installments.truncate(from);
        self.installments.extend(replaced);
    }
}
