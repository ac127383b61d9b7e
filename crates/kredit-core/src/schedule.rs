//! Repayment schedules for the five methods. Every rule is in docs/interest.md:
//! periodic rate r = annual / 12; due date k = start + k months (clamped to the
//! month's end); amounts rounded half-up to the fen; the last instalment takes
//! whatever principal remains, so the principal parts always sum to the loan.

use chrono::NaiveDate;
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};

use crate::calendar::add_months;
use crate::money::{Money, MoneyError};
use crate::rate::Rate;

/// How the principal and the charges are spread over the instalments.
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RepaymentMethod {
    /// 等额本息: the same payment every month.
    EqualInstallment,
    /// 等额本金: the same principal every month, interest on the balance.
    EqualPrincipal,
    /// 先息后本: interest every month, the principal with the last.
    InterestFirst,
    /// 一次性还本付息: everything in one payment at the end.
    Bullet,
    /// 分期手续费: equal principal plus a fixed monthly fee on the original
    /// principal; no interest.
    FlatFee,
}

impl RepaymentMethod {
    pub const ALL: [RepaymentMethod; 5] = [
        RepaymentMethod::EqualInstallment,
        RepaymentMethod::EqualPrincipal,
        RepaymentMethod::InterestFirst,
        RepaymentMethod::Bullet,
        RepaymentMethod::FlatFee,
    ];

    /// The method's wire name, e.g. `equal-installment`.
    pub fn as_str(self) -> &'static str {
        match self {
            RepaymentMethod::EqualInstallment => "equal-installment",
            RepaymentMethod::EqualPrincipal => "equal-principal",
            RepaymentMethod::InterestFirst => "interest-first",
            RepaymentMethod::Bullet => "bullet",
            RepaymentMethod::FlatFee => "flat-fee",
        }
    }
}

impl std::str::FromStr for RepaymentMethod {
    type Err = ScheduleError;

    fn from_str(text: &str) -> Result<Self, ScheduleError> {
        RepaymentMethod::ALL
            .into_iter()
            .find(|m| m.as_str() == text)
            .ok_or_else(|| ScheduleError::UnknownMethod(text.to_owned()))
    }
}

/// What a schedule is generated from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScheduleTerms {
    pub principal: Money,
    pub annual_rate: Rate,
    pub term_months: u32,
    pub method: RepaymentMethod,
    pub start_date: NaiveDate,
    /// Monthly instalment fee as a rate on the original principal (0 for none).
    pub monthly_fee_rate: Rate,
}

/// Longest term a schedule may have: 50 years.
pub const MAX_TERM_MONTHS: u32 = 600;

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ScheduleError {
    #[error("principal must be positive, got {0}")]
    NonPositivePrincipal(Money),
    #[error("term must be 1 to {MAX_TERM_MONTHS} months, got {0}")]
    InvalidTerm(u32),
    #[error("annual rate must not be negative, got {0}")]
    NegativeRate(Rate),
    #[error("annual rate must be at most 1.00 (100%), got {0}")]
    RateTooHigh(Rate),
    #[error("monthly fee rate must not be negative, got {0}")]
    NegativeFeeRate(Rate),
    #[error(
        "the flat-fee method charges a monthly fee instead of interest: set the annual rate to 0"
    )]
    FlatFeeWithInterest,
    #[error(
        "unknown repayment method '{0}': use equal-installment, equal-principal, interest-first, bullet or flat-fee"
    )]
    UnknownMethod(String),
    #[error(transparent)]
    Money(#[from] MoneyError),
}

/// One scheduled instalment. `payment` is always `principal + interest + fee`
/// and `remaining` the principal still owed after it.
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Installment {
    pub n: u32,
    /// The day interest for this instalment starts accruing from (exclusive).
    pub period_start: NaiveDate,
    pub due_date: NaiveDate,
    pub principal: Money,
    pub interest: Money,
    pub fee: Money,
    pub payment: Money,
    pub remaining: Money,
}

/// A generated schedule.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Schedule {
    pub installments: Vec<Installment>,
}

impl Schedule {
    pub fn total_principal(&self) -> Money {
        sum(self.installments.iter().map(|i| i.principal))
    }

    pub fn total_interest(&self) -> Money {
        sum(self.installments.iter().map(|i| i.interest))
    }

    pub fn total_fees(&self) -> Money {
        sum(self.installments.iter().map(|i| i.fee))
    }

    pub fn total_payments(&self) -> Money {
        sum(self.installments.iter().map(|i| i.payment))
    }
}

/// Sums of schedule parts cannot overflow: each part is bounded by a
/// validated loan far below `i64::MAX`.
fn sum(parts: impl Iterator<Item = Money>) -> Money {
    Money::checked_sum(parts).expect("schedule totals fit in i64")
}

/// Largest principal a schedule accepts: 10¹⁴ fen (a trillion yuan), which
/// keeps every intermediate product far inside 128 bits.
pub const MAX_PRINCIPAL: Money = Money::from_fen(100_000_000_000_000);

/// Highest annual rate a schedule accepts: 100%. Far above any lawful
/// consumer loan, and it keeps (1 + r)^600 inside 28-digit decimals.
pub const MAX_ANNUAL_RATE: Rate = Rate::ONE;

/// Generates the schedule for `terms`.
pub fn generate(terms: &ScheduleTerms) -> Result<Schedule, ScheduleError> {
    validate(terms)?;
    let fee_per_period = terms.monthly_fee_rate.apply(terms.principal)?;
    let mut installments = Vec::with_capacity(terms.term_months as usize);
    amortise(
        &Amortisation {
            balance: terms.principal,
            annual_rate: terms.annual_rate,
            method: terms.method,
            fee_per_period,
            loan_start: terms.start_date,
            first_n: 1,
            last_n: terms.term_months,
            target: AmortisationTarget::KeepTerm,
        },
        &mut installments,
    )?;
    Ok(Schedule { installments })
}

fn validate(terms: &ScheduleTerms) -> Result<(), ScheduleError> {
    if !terms.principal.is_positive() {
        return Err(ScheduleError::NonPositivePrincipal(terms.principal));
    }
    if terms.principal > MAX_PRINCIPAL {
        return Err(ScheduleError::Money(MoneyError::Overflow));
    }
    if terms.term_months == 0 || terms.term_months > MAX_TERM_MONTHS {
        return Err(ScheduleError::InvalidTerm(terms.term_months));
    }
    if terms.annual_rate.is_negative() {
        return Err(ScheduleError::NegativeRate(terms.annual_rate));
    }
    if terms.annual_rate > MAX_ANNUAL_RATE {
        return Err(ScheduleError::RateTooHigh(terms.annual_rate));
    }
    if terms.monthly_fee_rate.is_negative() {
        return Err(ScheduleError::NegativeFeeRate(terms.monthly_fee_rate));
    }
    if terms.method == RepaymentMethod::FlatFee && !terms.annual_rate.is_zero() {
        return Err(ScheduleError::FlatFeeWithInterest);
    }
    Ok(())
}

/// What a re-amortisation keeps fixed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum AmortisationTarget {
    /// Spread the balance over instalments `first_n..=last_n`.
    KeepTerm,
    /// Keep paying this much per instalment (equal-installment: the whole
    /// payment; equal-principal and flat-fee: the principal part) until the
    /// balance is gone, at most until `last_n`.
    KeepInstallment(Money),
}

/// A balance to spread over a run of instalments of a loan that started on
/// `loan_start`: the first schedule, or what remains after a prepayment.
pub(crate) struct Amortisation {
    pub balance: Money,
    pub annual_rate: Rate,
    pub method: RepaymentMethod,
    pub fee_per_period: Money,
    pub loan_start: NaiveDate,
    pub first_n: u32,
    pub last_n: u32,
    pub target: AmortisationTarget,
}

/// `balance × annual / 12`, half-up to the fen.
pub(crate) fn monthly_interest(balance: Money, annual_rate: Rate) -> Result<Money, MoneyError> {
    annual_rate.apply_fraction(balance, 1, 12)
}

pub(crate) fn amortise(plan: &Amortisation, out: &mut Vec<Installment>) -> Result<(), MoneyError> {
    let periods = plan.last_n - plan.first_n + 1;
    let mut remaining = plan.balance;
    // Each period starts on the previous due date (a bullet's one period
    // spans the whole run), so every date is computed once.
    let mut period_start = add_months(plan.loan_start, plan.first_n - 1);
    let mut push = |n: u32, principal: Money, interest: Money, fee: Money, remaining: Money| {
        let due_date = add_months(plan.loan_start, n);
        out.push(Installment {
            n,
            period_start: std::mem::replace(&mut period_start, due_date),
            due_date,
            principal,
            interest,
            fee,
            payment: Money::from_fen(principal.fen() + interest.fen() + fee.fen()),
            remaining,
        });
    };

    if plan.method == RepaymentMethod::Bullet {
        // One instalment at the end carrying every month's interest and fee.
        let n = plan.last_n;
        let months = (n - plan.first_n + 1) as i64;
        let interest = plan.annual_rate.apply_fraction(remaining, months, 12)?;
        let fee = Money::from_fen(plan.fee_per_period.fen() * months);
        push(n, remaining, interest, fee, Money::ZERO);
        return Ok(());
    }

    // The part each method holds constant.
    let level = match (plan.method, plan.target) {
        (_, AmortisationTarget::KeepInstallment(level)) => level,
        (RepaymentMethod::EqualInstallment, AmortisationTarget::KeepTerm) => {
            annuity_payment(remaining, plan.annual_rate, periods)
        }
        (_, AmortisationTarget::KeepTerm) => remaining.mul_div_round(1, periods as i128)?,
    };

    for n in plan.first_n..=plan.last_n {
        let interest = monthly_interest(remaining, plan.annual_rate)?;
        let principal = if n == plan.last_n {
            remaining
        } else {
            let part = match plan.method {
                RepaymentMethod::EqualInstallment => level.saturating_sub_to_zero(interest),
                RepaymentMethod::InterestFirst => Money::ZERO,
                _ => level,
            };
            part.min(remaining)
        };
        remaining = Money::from_fen(remaining.fen() - principal.fen());
        push(n, principal, interest, plan.fee_per_period, remaining);
        if remaining.is_zero() && matches!(plan.target, AmortisationTarget::KeepInstallment(_)) {
            break;
        }
    }
    Ok(())
}

/// The equal instalment A = B·r / (1 − (1+r)^−m), r = annual / 12, half-up
/// to the fen. At a zero rate, B / m.
///
/// A fast estimate in f64 (through `ln_1p`/`exp_m1`, relative error well
/// under 1e-13) is accepted only when it lies clearly away from a half-fen
/// rounding boundary, where it rounds to the same fen as the exact value;
/// otherwise A is computed in 28-significant-digit decimals. Either way the
/// result is the correctly rounded fen.
pub(crate) fn annuity_payment(balance: Money, annual_rate: Rate, periods: u32) -> Money {
    if annual_rate.is_zero() {
        return balance
            .mul_div_round(1, periods as i128)
            .expect("a share of the balance fits");
    }
    let b = balance.fen() as f64;
    let r = annual_rate.units() as f64 / (12.0 * crate::rate::RATE_SCALE as f64);
    let estimate = b * r / -(-(periods as f64) * r.ln_1p()).exp_m1();
    let margin = estimate.abs() * 1e-12 + 1e-9;
    let distance_to_half = (estimate.fract() - 0.5).abs();
    if estimate.is_finite() && distance_to_half > margin {
        return Money::from_fen(estimate.round() as i64);
    }
    annuity_payment_decimal(balance, annual_rate, periods)
}

/// [`annuity_payment`] in 28-significant-digit decimals.
fn annuity_payment_decimal(balance: Money, annual_rate: Rate, periods: u32) -> Money {
    let b = Decimal::from(balance.fen());
    let r = annual_rate.to_decimal() / Decimal::from(12);
    let growth = power(Decimal::ONE + r, periods);
    // The factor first: r·g / (g − 1) is below 1 + r, so B × factor cannot overflow.
    let payment = b * (r * growth / (growth - Decimal::ONE));
    let fen = payment.round_dp_with_strategy(0, RoundingStrategy::MidpointAwayFromZero);
    // Bounded by the balance (≤ MAX_PRINCIPAL) times at most (1 + r): fits.
    Money::from_fen(fen.to_i64().expect("an instalment fits in i64"))
}

/// `base^exponent` by repeated squaring.
fn power(base: Decimal, mut exponent: u32) -> Decimal {
    let (mut result, mut square) = (Decimal::ONE, base);
    while exponent > 0 {
        if exponent & 1 == 1 {
            result *= square;
        }
        exponent >>= 1;
        if exponent > 0 {
            square *= square;
        }
    }
    result
}

#[cfg(test)]
mod tests;
