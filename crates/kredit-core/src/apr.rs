//! APR disclosure: the monthly internal rate of return of what the borrower
//! actually receives against everything they pay, annualised two ways, and
//! the regulatory cap that every product and offer must stay under.
//!
//! The IRR is irrational in general, so it is found numerically (bisection to
//! 1e-15 per month, in f64: it is a rate for disclosure, never money) and then
//! held as an exact [`Rate`] rounded to 10 decimal places.

use serde::{Deserialize, Serialize};

use crate::money::Money;
use crate::rate::{RATE_SCALE, Rate};
use crate::schedule::Schedule;

/// The annualised cost of a loan.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AprDisclosure {
    /// Monthly IRR of the cash flows.
    pub monthly_irr: Rate,
    /// 12 × monthly IRR: the annualised rate the cap is checked against.
    pub apr_nominal: Rate,
    /// (1 + monthly IRR)^12 − 1.
    pub apr_effective: Rate,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AprError {
    #[error("the borrower receives nothing: net proceeds must be positive, got {0}")]
    NoProceeds(Money),
    #[error("the payments ({payments}) are less than the net proceeds ({proceeds})")]
    PaymentsBelowProceeds { payments: Money, proceeds: Money },
    #[error("the APR is beyond 1200% a year and cannot be disclosed meaningfully")]
    OutOfRange,
    #[error("APR {}% is above the cap of {}%", apr.percent(2), cap.percent(2))]
    AboveCap { apr: Rate, cap: Rate },
}

/// The highest APR (nominal, 12 × monthly IRR) a product or offer may carry.
/// China's courts cap the annualised cost of consumer credit at 24%; a lender
/// may configure a lower cap.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RateCap(pub Rate);

impl Default for RateCap {
    fn default() -> Self {
        RateCap(Rate::from_bps(2400))
    }
}

impl RateCap {
    pub fn check(self, disclosure: &AprDisclosure) -> Result<(), AprError> {
        if disclosure.apr_nominal > self.0 {
            return Err(AprError::AboveCap {
                apr: disclosure.apr_nominal,
                cap: self.0,
            });
        }
        Ok(())
    }
}

/// The APR of a schedule when the borrower receives `net_proceeds` on the
/// start date (the principal less any fee deducted at disbursement).
pub fn disclose(schedule: &Schedule, net_proceeds: Money) -> Result<AprDisclosure, AprError> {
    let flows: Vec<(u32, i64)> = schedule
        .installments
        .iter()
        .map(|i| (i.n, i.payment.fen()))
        .collect();
    disclose_flows(net_proceeds, &flows)
}

/// The APR of `net_proceeds` received at month 0 against `payments`, each
/// `(month, fen)`.
pub fn disclose_flows(
    net_proceeds: Money,
    payments: &[(u32, i64)],
) -> Result<AprDisclosure, AprError> {
    if !net_proceeds.is_positive() {
        return Err(AprError::NoProceeds(net_proceeds));
    }
    let total: i64 = payments.iter().map(|&(_, fen)| fen).sum();
    if total < net_proceeds.fen() {
        return Err(AprError::PaymentsBelowProceeds {
            payments: Money::from_fen(total),
            proceeds: net_proceeds,
        });
    }
    let irr = monthly_irr(net_proceeds.fen() as f64, payments)?;
    let to_rate = |value: f64| Rate::from_units((value * RATE_SCALE as f64).round() as i64);
    Ok(AprDisclosure {
        monthly_irr: to_rate(irr),
        apr_nominal: to_rate(12.0 * irr),
        apr_effective: to_rate((1.0 + irr).powi(12) - 1.0),
    })
}

/// Present value of the payments at monthly rate `i`, minus the proceeds.
/// Decreasing in `i`, so the root is bracketed and bisection always converges.
fn net_present_value(proceeds: f64, payments: &[(u32, i64)], i: f64) -> f64 {
    let discount = 1.0 / (1.0 + i);
    payments
        .iter()
        .map(|&(month, fen)| fen as f64 * discount.powi(month as i32))
        .sum::<f64>()
        - proceeds
}

fn monthly_irr(proceeds: f64, payments: &[(u32, i64)]) -> Result<f64, AprError> {
    // Payments ≥ proceeds, so NPV(0) ≥ 0 and the IRR is ≥ 0.
    let (mut low, mut high) = (0.0_f64, 1.0_f64);
    if net_present_value(proceeds, payments, high) > 0.0 {
        return Err(AprError::OutOfRange);
    }
    while high - low > 1e-15 {
        let mid = 0.5 * (low + high);
        if net_present_value(proceeds, payments, mid) > 0.0 {
            low = mid;
        } else {
            high = mid;
        }
    }
    Ok(0.5 * (low + high))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schedule::{RepaymentMethod, ScheduleTerms, generate};
    use chrono::NaiveDate;

    fn schedule(principal: i64, annual: &str, method: RepaymentMethod, fee: &str) -> Schedule {
        generate(&ScheduleTerms {
            principal: Money::yuan(principal),
            annual_rate: annual.parse().unwrap(),
            term_months: 12,
            method,
            start_date: NaiveDate::from_ymd_opt(2026, 1, 31).unwrap(),
            monthly_fee_rate: fee.parse().unwrap(),
        })
        .unwrap()
    }

    #[test]
    fn equal_installment_apr_matches_its_rate() {
        let s = schedule(100_000, "0.0435", RepaymentMethod::EqualInstallment, "0");
        let apr = disclose(&s, Money::yuan(100_000)).unwrap();
        assert_eq!(apr.apr_nominal.format_fixed(6), "0.043500");
        assert_eq!(apr.apr_effective.format_fixed(6), "0.044378");
    }

    #[test]
    fn a_monthly_fee_of_0_6_percent_is_about_13_03_percent_apr() {
        let s = schedule(10_000, "0", RepaymentMethod::FlatFee, "0.006");
        let apr = disclose(&s, Money::yuan(10_000)).unwrap();
        assert_eq!(apr.apr_nominal.format_fixed(4), "0.1303");
        assert!(RateCap::default().check(&apr).is_ok());
    }

    #[test]
    fn an_upfront_fee_raises_the_apr_and_the_cap_rejects_it() {
        let s = schedule(10_000, "0.20", RepaymentMethod::EqualInstallment, "0");
        let apr = disclose(&s, Money::yuan(9_500)).unwrap();
        assert!(apr.apr_nominal > Rate::from_bps(2400));
        let error = RateCap::default().check(&apr).unwrap_err();
        assert!(
            error.to_string().contains("above the cap of 24.00%"),
            "{error}"
        );
    }

    #[test]
    fn zero_cost_loan_has_zero_apr() {
        let s = schedule(1_000, "0", RepaymentMethod::EqualPrincipal, "0");
        let apr = disclose(&s, Money::yuan(1_000)).unwrap();
        assert!(apr.apr_nominal.units().abs() <= 1);
    }

    #[test]
    fn nonsense_flows_are_errors() {
        assert!(matches!(
            disclose_flows(Money::ZERO, &[(1, 100)]),
            Err(AprError::NoProceeds(_))
        ));
        assert!(matches!(
            disclose_flows(Money::from_fen(1000), &[(1, 100)]),
            Err(AprError::PaymentsBelowProceeds { .. })
        ));
        assert_eq!(
            disclose_flows(Money::from_fen(100), &[(1, 100_000)]),
            Err(AprError::OutOfRange)
        );
    }
}
