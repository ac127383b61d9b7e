//! A loan from disbursement to its end: daily accrual, due and overdue
//! transitions, penalty interest, repayments, prepayments, payoff, write-off.
//! Every change of money state posts balanced entries to a [`PostingSink`],
//! and the loan's receivables always equal its ledger accounts
//! ([`Loan::receivables`]). Rules: docs/interest.md and docs/ledger.md.

mod acceptance;
mod allocation;
mod history;
mod opening;
mod prepayment;

use chrono::{Days, NaiveDate};
use serde::{Deserialize, Serialize};

pub use acceptance::PaymentKind;
pub use allocation::Parts;
pub use history::{DatedEvent, HistoryError, LoanEvent, LoanHistory};
pub use opening::{OpeningBalances, OpeningError};
pub use prepayment::{PayoffQuote, ReamortiseMode};

use crate::calendar::{DayCount, add_months};
use crate::delinquency::{Bucket, Classification, ClassificationThresholds};
use crate::ledger::{Account, EntryKind, Posting, PostingSink};
use crate::lifecycle::string_enum;
use crate::money::{Money, MoneyError, div_round_half_up};
use crate::product::{AllocationOrder, Component, LoanProduct, PrepaymentPolicy, Quote};
use crate::rate::Rate;
use crate::schedule::{self, RepaymentMethod, ScheduleError, ScheduleTerms};
use allocation::{COMPONENTS, Payable, allocate};

/// Everything about a loan that is fixed when it is disbursed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoanTerms {
    pub schedule: ScheduleTerms,
    pub upfront_fee: Money,
    pub penalty_annual_rate: Rate,
    pub grace_days: u32,
    pub allocation: AllocationOrder,
    pub prepayment: PrepaymentPolicy,
    pub day_count: DayCount,
}

impl LoanTerms {
    /// The terms of a loan made from `product` at a priced `quote`.
    pub fn from_quote(product: &LoanProduct, quote: &Quote, terms: ScheduleTerms) -> LoanTerms {
        LoanTerms {
            schedule: terms,
            upfront_fee: quote.upfront_fee,
            penalty_annual_rate: product.penalty_rate.annual(quote.annual_rate),
            grace_days: product.grace_days,
            allocation: product.allocation,
            prepayment: product.prepayment,
            day_count: product.day_count,
        }
    }
}

string_enum! {
    /// A loan's lifecycle: made at acceptance awaiting its disbursement,
    /// active once the bank confirms it (or never, if the bank refuses),
    /// then closed by being paid off or written off. A serviced [`Loan`]
    /// is one of the last three.
    pub enum LoanStatus ("loan status") {
        PendingDisbursement = "pending_disbursement",
        DisbursementFailed = "disbursement_failed",
        Active = "active",
        PaidOff = "paid_off",
        WrittenOff = "written_off",
    }
}

/// One instalment as it is being serviced.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InstallmentState {
    pub n: u32,
    pub period_start: NaiveDate,
    pub due_date: NaiveDate,
    /// Contractual principal, interest and fee; penalty as recognised so far.
    pub owed: Parts,
    pub paid: Parts,
    /// Interest recognised into income so far (reaches `owed.interest` on the
    /// due date).
    pub interest_accrued: Money,
    /// Whether the fee has been charged (on the due date).
    pub fee_charged: bool,
    /// Penalty accrued during the grace days: recognised only if the grace
    /// days pass unpaid, forgiven if the instalment is paid within them.
    pub pending_penalty: Money,
    /// The remaining interest of the period accrues straight-line (by the
    /// day count) from this date and amount: the period start and zero,
    /// or the date of a prepayment that changed the balance mid-period.
    pub accrual_anchor: NaiveDate,
    pub accrued_at_anchor: Money,
}

impl InstallmentState {
    /// What is still to pay of it, per component.
    pub fn outstanding(&self) -> Parts {
        self.owed.minus(&self.paid)
    }

    pub fn is_settled(&self) -> bool {
        self.outstanding().total().is_zero()
    }

    pub fn payment(&self) -> Money {
        Money::from_fen(self.owed.principal.fen() + self.owed.interest.fen() + self.owed.fee.fen())
    }
}

impl Payable for InstallmentState {
    fn owed(&self) -> Parts {
        self.owed
    }
    fn paid(&self) -> Parts {
        self.paid
    }
    fn paid_mut(&mut self) -> &mut Parts {
        &mut self.paid
    }
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ServicingError {
    #[error("amount must be positive, got {0}")]
    NonPositiveAmount(Money),
    #[error("the upfront fee {0} must be at least 0 and below the principal")]
    UpfrontFeeNotBelowPrincipal(Money),
    #[error(
        "{date} is before the loan's business date {as_of}; record it through the loan history"
    )]
    Backdated { date: NaiveDate, as_of: NaiveDate },
    #[error("the loan is {0:?}: no more repayments or charges")]
    NotActive(LoanStatus),
    #[error("this product does not allow prepayment")]
    PrepaymentNotAllowed,
    #[error("prepayment is allowed from {0}")]
    PrepaymentLockedIn(NaiveDate),
    /// A `reduce_term` prepayment on an interest-first or bullet loan.
    #[error("{0} cannot shorten its term: choose to lower the instalment")]
    CannotShortenTerm(&'static str),
    /// More than [`Loan::max_acceptable`] for the payment (from
    /// [`Loan::check_payment`] only: money that has arrived is never refused
    /// for being too much).
    #[error("a {kind} on {date} takes at most {maximum}, got {offered}")]
    AboveMaximum {
        kind: PaymentKind,
        date: NaiveDate,
        maximum: Money,
        offered: Money,
    },
    #[error("paying off on {date} takes {required}, got {offered}")]
    InsufficientForPayoff {
        date: NaiveDate,
        required: Money,
        offered: Money,
    },
    #[error("the credit balance is {available}, cannot refund {requested}")]
    RefundAboveCredit { available: Money, requested: Money },
    #[error(transparent)]
    Schedule(#[from] ScheduleError),
    #[error(transparent)]
    Money(#[from] MoneyError),
    #[error(transparent)]
    Opening(#[from] OpeningError),
}

/// Where a loan stands on its business date.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Delinquency {
    pub dpd: u32,
    pub bucket: Bucket,
    pub classification: Classification,
}

/// A loan being serviced.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Loan {
    pub terms: LoanTerms,
    pub installments: Vec<InstallmentState>,
    /// The business date the state is advanced to.
    pub as_of: NaiveDate,
    pub status: LoanStatus,
    /// Money received beyond what was owed: a liability to the borrower,
    /// applied to instalments as they fall due, refundable.
    pub credit_balance: Money,
    /// Principal repaid ahead of schedule (not part of any instalment).
    pub principal_prepaid: Money,
    /// Receivables written off.
    pub written_off: Parts,
    /// The level amount a shortened term keeps: the payment (excluding fee)
    /// for equal-installment, the principal part for equal-principal and
    /// flat-fee.
    pub level: Money,
}

fn post(
    sink: &mut impl PostingSink,
    date: NaiveDate,
    kind: EntryKind,
    debit: Account,
    credit: Account,
    amount: Money,
) {
    if amount.is_positive() {
        sink.post(Posting {
            date,
            kind,
            debit,
            credit,
            amount,
        });
    }
}

/// The amount a shortened term keeps level: the payment before fees for
/// equal-installment, the principal part otherwise.
fn level_of(method: RepaymentMethod, first: &schedule::Installment) -> Money {
    match method {
        RepaymentMethod::EqualInstallment => {
            Money::from_fen(first.principal.fen() + first.interest.fen())
        }
        _ => first.principal,
    }
}

fn receivable(component: Component) -> Account {
    match component {
        Component::Penalty => Account::PenaltyReceivable,
        Component::Fee => Account::FeeReceivable,
        Component::Interest => Account::InterestReceivable,
        Component::Principal => Account::PrincipalReceivable,
    }
}

/// Posts the settlement of `allocated` from `source` (the bank or the
/// borrower's credit balance).
fn post_settlement(
    sink: &mut impl PostingSink,
    date: NaiveDate,
    kind: EntryKind,
    source: Account,
    allocated: &Parts,
) {
    for component in COMPONENTS {
        post(
            sink,
            date,
            kind,
            source,
            receivable(component),
            allocated.get(component),
        );
    }
}

impl Loan {
    /// Disburses a loan on its start date: generates the schedule and posts
    /// the principal receivable against the bank and any upfront fee.
    pub fn disburse(terms: LoanTerms, sink: &mut impl PostingSink) -> Result<Loan, ServicingError> {
        let schedule = schedule::generate(&terms.schedule)?;
        let start = terms.schedule.start_date;
        let principal = terms.schedule.principal;
        if terms.upfront_fee.is_negative() || terms.upfront_fee >= principal {
            return Err(ServicingError::UpfrontFeeNotBelowPrincipal(
                terms.upfront_fee,
            ));
        }
        let installments: Vec<InstallmentState> = schedule
            .installments
            .iter()
            .map(|i| InstallmentState {
                n: i.n,
                period_start: i.period_start,
                due_date: i.due_date,
                owed: Parts {
                    penalty: Money::ZERO,
                    fee: i.fee,
                    interest: i.interest,
                    principal: i.principal,
                },
                paid: Parts::default(),
                interest_accrued: Money::ZERO,
                fee_charged: false,
                pending_penalty: Money::ZERO,
                accrual_anchor: i.period_start,
                accrued_at_anchor: Money::ZERO,
            })
            .collect();
        let level = level_of(terms.schedule.method, &schedule.installments[0]);
        post(
            sink,
            start,
            EntryKind::Disbursement,
            Account::PrincipalReceivable,
            Account::Bank,
            principal.checked_sub(terms.upfront_fee)?,
        );
        post(
            sink,
            start,
            EntryKind::Disbursement,
            Account::PrincipalReceivable,
            Account::FeeIncome,
            terms.upfront_fee,
        );
        Ok(Loan {
            terms,
            installments,
            as_of: start,
            status: LoanStatus::Active,
            credit_balance: Money::ZERO,
            principal_prepaid: Money::ZERO,
            written_off: Parts::default(),
            level,
        })
    }

    /// Moves the business date forward to `date`, day by day: accrues the
    /// current period's interest, charges fees and applies the credit balance
    /// on due dates, and accrues penalty interest on overdue principal.
    /// A date at or before `as_of` changes nothing.
    pub fn advance_to(&mut self, date: NaiveDate, sink: &mut impl PostingSink) {
        while self.as_of < date {
            if !sink.needs_daily_postings()
                && let Some(quiet_until) = self.quiet_until(date)
            {
                // Only interest accrues until then; accrual is cumulative, so
                // one step lands exactly where day-by-day steps would.
                self.accrue_interest(quiet_until, sink);
                self.as_of = quiet_until;
                continue;
            }
            let day = self.as_of + Days::new(1);
            if self.status == LoanStatus::Active {
                self.accrue_penalty(day, sink);
                self.accrue_interest(day, sink);
                self.fall_due(day, sink);
            }
            self.as_of = day;
        }
    }

    /// The last day before `date` up to which nothing but interest accrual
    /// can happen: no instalment falls due and no principal is overdue (so no
    /// penalty runs). `None` when that is not at least two days ahead.
    fn quiet_until(&self, date: NaiveDate) -> Option<NaiveDate> {
        if self.status != LoanStatus::Active {
            return Some(date);
        }
        let billed = self.billed_count();
        if self.installments[..billed]
            .iter()
            .any(|inst| inst.outstanding().principal.is_positive())
        {
            return None;
        }
        let until = match self.installments.get(billed) {
            Some(next) => date.min(next.due_date - Days::new(1)),
            None => date,
        };
        (until > self.as_of + Days::new(1)).then_some(until)
    }

    /// Index of the instalment whose period contains `day` (start exclusive,
    /// due date inclusive).
    fn current_index(&self, day: NaiveDate) -> Option<usize> {
        let i = self
            .installments
            .partition_point(|inst| inst.due_date < day);
        (i < self.installments.len() && self.installments[i].period_start < day).then_some(i)
    }

    fn accrue_interest(&mut self, day: NaiveDate, sink: &mut impl PostingSink) {
        let Some(i) = self.current_index(day) else {
            return;
        };
        let day_count = self.terms.day_count;
        let inst = &mut self.installments[i];
        let span = day_count
            .year_fraction(inst.accrual_anchor, inst.due_date)
            .numerator;
        let elapsed = day_count
            .year_fraction(inst.accrual_anchor, day)
            .numerator
            .clamp(0, span.max(0));
        let to_spread = inst.owed.interest.fen() - inst.accrued_at_anchor.fen();
        let target = if span <= 0 {
            inst.owed.interest.fen()
        } else {
            inst.accrued_at_anchor.fen()
                + div_round_half_up(to_spread as i128 * elapsed as i128, span as i128) as i64
        };
        let increment = target - inst.interest_accrued.fen();
        if increment > 0 {
            inst.interest_accrued = Money::from_fen(target);
            post(
                sink,
                day,
                EntryKind::InterestAccrual,
                Account::InterestReceivable,
                Account::InterestIncome,
                Money::from_fen(increment),
            );
        }
    }

    fn accrue_penalty(&mut self, day: NaiveDate, sink: &mut impl PostingSink) {
        let fraction = self.terms.day_count.year_fraction(day - Days::new(1), day);
        let rate = self.terms.penalty_annual_rate;
        let grace = self.terms.grace_days as i64;
        let overdue = self
            .installments
            .partition_point(|inst| inst.due_date < day);
        let mut recognised = 0_i64;
        for inst in &mut self.installments[..overdue] {
            let principal_due = inst.outstanding().principal;
            if !principal_due.is_positive() {
                continue;
            }
            let daily = rate
                .apply_fraction(principal_due, fraction.numerator, fraction.denominator)
                .unwrap_or(Money::ZERO);
            if (day - inst.due_date).num_days() <= grace {
                inst.pending_penalty = Money::from_fen(inst.pending_penalty.fen() + daily.fen());
            } else {
                let amount = daily.fen() + inst.pending_penalty.fen();
                inst.pending_penalty = Money::ZERO;
                inst.owed.penalty = Money::from_fen(inst.owed.penalty.fen() + amount);
                recognised += amount;
            }
        }
        post(
            sink,
            day,
            EntryKind::PenaltyAccrual,
            Account::PenaltyReceivable,
            Account::PenaltyIncome,
            Money::from_fen(recognised),
        );
    }

    fn fall_due(&mut self, day: NaiveDate, sink: &mut impl PostingSink) {
        let first = self
            .installments
            .partition_point(|inst| inst.due_date < day);
        let mut any = false;
        for inst in self.installments[first..]
            .iter_mut()
            .take_while(|inst| inst.due_date == day)
        {
            inst.fee_charged = true;
            post(
                sink,
                day,
                EntryKind::FeeCharge,
                Account::FeeReceivable,
                Account::FeeIncome,
                inst.owed.fee,
            );
            any = true;
        }
        if any {
            self.apply_credit(day, sink);
        }
    }

    /// Number of instalments due on or before the business date.
    fn billed_count(&self) -> usize {
        self.installments
            .partition_point(|inst| inst.due_date <= self.as_of)
    }

    /// Uses the credit balance to settle what is due.
    fn apply_credit(&mut self, day: NaiveDate, sink: &mut impl PostingSink) {
        if !self.credit_balance.is_positive() {
            return;
        }
        let billed = self
            .installments
            .partition_point(|inst| inst.due_date <= day);
        let allocated = allocate(
            &mut self.installments[..billed],
            &self.terms.allocation,
            self.credit_balance,
        );
        self.credit_balance = self
            .credit_balance
            .saturating_sub_to_zero(allocated.total());
        post_settlement(
            sink,
            day,
            EntryKind::CreditApplied,
            Account::BorrowerCredit,
            &allocated,
        );
        self.close_if_settled();
    }

    fn close_if_settled(&mut self) {
        if self.status == LoanStatus::Active
            && self.installments.iter().all(InstallmentState::is_settled)
        {
            self.status = LoanStatus::PaidOff;
        }
    }

    fn ensure_can_transact(
        &mut self,
        date: NaiveDate,
        sink: &mut impl PostingSink,
    ) -> Result<(), ServicingError> {
        if date < self.as_of {
            return Err(ServicingError::Backdated {
                date,
                as_of: self.as_of,
            });
        }
        self.advance_to(date, sink);
        match self.status {
            LoanStatus::Active => Ok(()),
            other => Err(ServicingError::NotActive(other)),
        }
    }

    /// A repayment of any amount on `date`: settles what is due in the
    /// product's order (past-due first); the rest becomes credit balance.
    pub fn repay(
        &mut self,
        date: NaiveDate,
        amount: Money,
        sink: &mut impl PostingSink,
    ) -> Result<Allocation, ServicingError> {
        if !amount.is_positive() {
            return Err(ServicingError::NonPositiveAmount(amount));
        }
        self.ensure_can_transact(date, sink)?;
        let billed = self.billed_count();
        let allocated = allocate(
            &mut self.installments[..billed],
            &self.terms.allocation,
            amount,
        );
        post_settlement(sink, date, EntryKind::Repayment, Account::Bank, &allocated);
        let credit = self.keep_as_credit(
            date,
            amount.checked_sub(allocated.total())?,
            EntryKind::Repayment,
            sink,
        );
        self.close_if_settled();
        Ok(Allocation {
            parts: allocated,
            credit,
        })
    }

    fn keep_as_credit(
        &mut self,
        date: NaiveDate,
        amount: Money,
        kind: EntryKind,
        sink: &mut impl PostingSink,
    ) -> Money {
        post(
            sink,
            date,
            kind,
            Account::Bank,
            Account::BorrowerCredit,
            amount,
        );
        self.credit_balance = Money::from_fen(self.credit_balance.fen() + amount.fen());
        amount
    }

    /// Pays out (part of) the credit balance to the borrower.
    pub fn refund_credit(
        &mut self,
        date: NaiveDate,
        amount: Money,
        sink: &mut impl PostingSink,
    ) -> Result<(), ServicingError> {
        if !amount.is_positive() {
            return Err(ServicingError::NonPositiveAmount(amount));
        }
        if date < self.as_of {
            return Err(ServicingError::Backdated {
                date,
                as_of: self.as_of,
            });
        }
        self.advance_to(date, sink);
        if amount > self.credit_balance {
            return Err(ServicingError::RefundAboveCredit {
                available: self.credit_balance,
                requested: amount,
            });
        }
        self.credit_balance = self.credit_balance.checked_sub(amount)?;
        post(
            sink,
            date,
            EntryKind::CreditRefund,
            Account::BorrowerCredit,
            Account::Bank,
            amount,
        );
        Ok(())
    }

    /// Writes off every receivable on `date`; the loan stops accruing.
    pub fn write_off(
        &mut self,
        date: NaiveDate,
        sink: &mut impl PostingSink,
    ) -> Result<Parts, ServicingError> {
        self.ensure_can_transact(date, sink)?;
        let amounts = self.receivables();
        for component in COMPONENTS {
            post(
                sink,
                date,
                EntryKind::WriteOff,
                Account::WriteOffExpense,
                receivable(component),
                amounts.get(component),
            );
        }
        self.written_off.add(&amounts);
        for inst in &mut self.installments {
            inst.pending_penalty = Money::ZERO;
        }
        self.status = LoanStatus::WrittenOff;
        Ok(amounts)
    }

    /// What the borrower owes and the lender has recognised, per component:
    /// always equal to the loan's receivable accounts in the ledger.
    pub fn receivables(&self) -> Parts {
        let mut recognised = Parts::default();
        for inst in &self.installments {
            let fee = if inst.fee_charged {
                inst.owed.fee
            } else {
                Money::ZERO
            };
            recognised.add(&Parts {
                penalty: inst.owed.penalty,
                fee,
                interest: inst.interest_accrued,
                principal: inst.owed.principal,
            });
            recognised = recognised.minus(&inst.paid);
        }
        recognised.minus(&self.written_off)
    }

    /// Principal still owed, due or not.
    pub fn principal_outstanding(&self) -> Money {
        self.receivables().principal
    }

    /// What is due now: every instalment due on or before the business date,
    /// less what is paid.
    pub fn amount_due(&self) -> Money {
        let mut due = Parts::default();
        for inst in &self.installments[..self.billed_count()] {
            due.add(&inst.outstanding());
        }
        due.total()
    }

    /// Days past due: since the oldest instalment still unpaid after its due
    /// date.
    pub fn dpd(&self) -> u32 {
        if self.status != LoanStatus::Active {
            return 0;
        }
        self.installments
            .iter()
            .find(|inst| inst.due_date < self.as_of && !inst.is_settled())
            .map_or(0, |inst| (self.as_of - inst.due_date).num_days() as u32)
    }

    pub fn delinquency(&self, thresholds: &ClassificationThresholds) -> Delinquency {
        let dpd = self.dpd();
        Delinquency {
            dpd,
            bucket: Bucket::from_dpd(dpd),
            classification: thresholds.classify(dpd),
        }
    }

    /// The date from which prepayment is allowed.
    pub fn prepayment_allowed_from(&self) -> NaiveDate {
        add_months(
            self.terms.schedule.start_date,
            self.terms.prepayment.lock_in_months,
        )
    }
}

/// How a payment was split. Its components and `credit` always sum to the
/// payment's amount.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Allocation {
    /// What the event settled, per component. For a repayment or
    /// prepayment, all from the payment (`fee` includes any prepayment fee);
    /// for a payoff, from the credit balance and the payment together.
    #[serde(flatten)]
    pub parts: Parts,
    /// What the payment changed the credit balance by: money kept as credit
    /// (positive), or, for a payoff, credit used beyond the payment
    /// (negative).
    pub credit: Money,
}

#[cfg(test)]
mod tests;
