//! Loan products as data: what may be borrowed, for how long, at what price,
//! repaid how, and how the loan is serviced. Validation names every problem
//! with the field it concerns, and a product whose costliest offer would break
//! the rate cap is refused.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::apr::{self, AprDisclosure, AprError, RateCap};
use crate::calendar::DayCount;
use crate::lifecycle::string_enum;
use crate::money::Money;
use crate::rate::Rate;
use crate::schedule::{self, RepaymentMethod, Schedule, ScheduleError, ScheduleTerms};

string_enum! {
    /// What a loan is for.
    pub enum ProductKind ("product kind") {
        Consumer = "consumer",
        Education = "education",
        Medical = "medical",
    }
}

/// A fee taken from the proceeds at disbursement.
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", content = "value", rename_all = "snake_case")]
pub enum UpfrontFee {
    #[default]
    None,
    Flat(Money),
    /// A rate of the principal, half-up to the fen.
    Percent(Rate),
}

impl UpfrontFee {
    pub fn amount(self, principal: Money) -> Money {
        match self {
            UpfrontFee::None => Money::ZERO,
            UpfrontFee::Flat(fee) => fee,
            UpfrontFee::Percent(rate) => rate.apply(principal).unwrap_or(Money::MAX),
        }
    }
}

/// The annual rate charged on overdue principal.
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", content = "value", rename_all = "snake_case")]
pub enum PenaltyRate {
    /// The contract rate plus this fraction of it: 0.5 is "contract rate + 50%".
    Markup(Rate),
    /// A fixed annual rate.
    Fixed(Rate),
}

impl Default for PenaltyRate {
    fn default() -> Self {
        PenaltyRate::Markup(Rate::from_bps(5000))
    }
}

impl PenaltyRate {
    pub fn annual(self, contract_rate: Rate) -> Rate {
        match self {
            PenaltyRate::Markup(markup) => contract_rate
                .checked_add(contract_rate.scale(markup.units(), crate::rate::RATE_SCALE))
                .unwrap_or(Rate::from_units(i64::MAX)),
            PenaltyRate::Fixed(rate) => rate,
        }
    }
}

/// A part of what a borrower owes, in the order repayments settle them.
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Component {
    Penalty,
    Fee,
    Interest,
    Principal,
}

/// How a repayment is spread over what is owed. Past-due instalments always
/// come before the current one; `components` orders the parts.
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AllocationOrder {
    pub components: [Component; 4],
    /// `true`: settle each instalment whole, oldest first, before the next
    /// ("vertical"). `false`: settle the first component across every owed
    /// instalment, oldest first, then the next component ("horizontal").
    pub installment_first: bool,
}

impl Default for AllocationOrder {
    fn default() -> Self {
        AllocationOrder {
            components: [
                Component::Penalty,
                Component::Fee,
                Component::Interest,
                Component::Principal,
            ],
            installment_first: true,
        }
    }
}

/// What prepaying costs.
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrepaymentPolicy {
    pub allowed: bool,
    /// Months after disbursement before prepayment is allowed.
    pub lock_in_months: u32,
    /// Fee as a rate of the principal prepaid, half-up to the fen.
    pub fee_rate: Rate,
    /// Interest for the current period on payoff: `true` charges the whole
    /// period, `false` only what has accrued to the payoff date.
    pub full_period_interest: bool,
}

impl Default for PrepaymentPolicy {
    fn default() -> Self {
        PrepaymentPolicy {
            allowed: true,
            lock_in_months: 0,
            fee_rate: Rate::ZERO,
            full_period_interest: false,
        }
    }
}

/// A loan product. Unknown fields are refused: a misspelt field in a
/// catalogue must not silently take its default.
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoanProduct {
    pub code: String,
    pub name: String,
    pub kind: ProductKind,
    pub min_amount: Money,
    pub max_amount: Money,
    pub min_term_months: u32,
    pub max_term_months: u32,
    pub min_annual_rate: Rate,
    pub max_annual_rate: Rate,
    pub repayment_methods: Vec<RepaymentMethod>,
    #[serde(default)]
    pub upfront_fee: UpfrontFee,
    #[serde(default)]
    pub monthly_fee_rate: Rate,
    #[serde(default)]
    pub penalty_rate: PenaltyRate,
    #[serde(default)]
    pub grace_days: u32,
    #[serde(default)]
    pub allocation: AllocationOrder,
    #[serde(default)]
    pub prepayment: PrepaymentPolicy,
    #[serde(default)]
    pub day_count: DayCount,
}

/// One thing wrong with a product or an offer, naming the field.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("{field}: {message}")]
pub struct FieldError {
    pub field: &'static str,
    pub message: String,
}

/// The most characters of a product's name.
pub const MAX_NAME_CHARS: usize = 100;

fn problem(field: &'static str, message: impl Into<String>) -> FieldError {
    FieldError {
        field,
        message: message.into(),
    }
}

impl LoanProduct {
    /// Every problem with the product; empty when it is valid under `cap`.
    pub fn validate(&self, cap: RateCap) -> Vec<FieldError> {
        let mut errors = Vec::new();
        if self.code.trim().is_empty() {
            errors.push(problem("code", "must not be empty"));
        }
        match crate::text::free_text(&self.name, MAX_NAME_CHARS) {
            Err(crate::text::TextError::Empty) => errors.push(problem("name", "must not be empty")),
            // Names are shown to borrowers: what is stored is already the
            // normalised text, so a product cannot hide characters in one.
            Ok(name) if name == self.name => {}
            _ => errors.push(problem(
                "name",
                format!("at most {MAX_NAME_CHARS} characters of trimmed NFC text without control, bidirectional or invisible characters"),
            )),
        }
        if !self.min_amount.is_positive() {
            errors.push(problem("min_amount", "must be positive"));
        }
        if self.max_amount < self.min_amount {
            errors.push(problem("max_amount", "must not be below min_amount"));
        }
        if self.max_amount > schedule::MAX_PRINCIPAL {
            errors.push(problem(
                "max_amount",
                format!("must be at most {}", schedule::MAX_PRINCIPAL),
            ));
        }
        if self.min_term_months == 0 {
            errors.push(problem("min_term_months", "must be at least 1"));
        }
        if self.max_term_months < self.min_term_months
            || self.max_term_months > schedule::MAX_TERM_MONTHS
        {
            errors.push(problem(
                "max_term_months",
                format!(
                    "must be between min_term_months and {}",
                    schedule::MAX_TERM_MONTHS
                ),
            ));
        }
        if self.min_annual_rate.is_negative() {
            errors.push(problem("min_annual_rate", "must not be negative"));
        }
        if self.max_annual_rate < self.min_annual_rate {
            errors.push(problem(
                "max_annual_rate",
                "must not be below min_annual_rate",
            ));
        }
        if self.repayment_methods.is_empty() {
            errors.push(problem("repayment_methods", "name at least one method"));
        }
        if self.repayment_methods.contains(&RepaymentMethod::FlatFee)
            && !self.max_annual_rate.is_zero()
        {
            errors.push(problem(
                "repayment_methods",
                "flat-fee charges a fee instead of interest: a flat-fee product's rates must be 0",
            ));
        }
        if self.monthly_fee_rate.is_negative() {
            errors.push(problem("monthly_fee_rate", "must not be negative"));
        }
        match self.upfront_fee {
            UpfrontFee::Flat(fee) if fee.is_negative() || fee >= self.min_amount => errors.push(
                problem("upfront_fee", "must be at least 0 and below min_amount"),
            ),
            UpfrontFee::Percent(rate) if rate.is_negative() || rate >= Rate::ONE => {
                errors.push(problem("upfront_fee", "must be at least 0 and below 1"))
            }
            _ => {}
        }
        let penalty = match self.penalty_rate {
            PenaltyRate::Markup(rate) | PenaltyRate::Fixed(rate) => rate,
        };
        if penalty.is_negative() {
            errors.push(problem("penalty_rate", "must not be negative"));
        }
        if self.prepayment.fee_rate.is_negative() || self.prepayment.fee_rate >= Rate::ONE {
            errors.push(problem(
                "prepayment.fee_rate",
                "must be at least 0 and below 1",
            ));
        }
        if errors.is_empty()
            && let Some(error) = self.costliest_offer_error(cap)
        {
            errors.push(error);
        }
        errors
    }

    /// The rate cap must hold for every offer the product can make: try the
    /// highest rate at the corners of the amount and term ranges, where fees
    /// weigh most.
    fn costliest_offer_error(&self, cap: RateCap) -> Option<FieldError> {
        let start = NaiveDate::from_ymd_opt(2026, 1, 1).expect("valid date");
        for &method in &self.repayment_methods {
            for amount in [self.min_amount, self.max_amount] {
                for term in [self.min_term_months, self.max_term_months] {
                    let request = OfferRequest {
                        amount,
                        term_months: term,
                        method,
                        start_date: start,
                    };
                    if let Err(error) = self.quote(&request, self.max_annual_rate, cap) {
                        return Some(problem("max_annual_rate", error.to_string()));
                    }
                }
            }
        }
        None
    }

    /// The schedule terms of an offer at `annual_rate`.
    pub fn schedule_terms(&self, request: &OfferRequest, annual_rate: Rate) -> ScheduleTerms {
        ScheduleTerms {
            principal: request.amount,
            annual_rate,
            term_months: request.term_months,
            method: request.method,
            start_date: request.start_date,
            monthly_fee_rate: self.monthly_fee_rate,
        }
    }

    /// Prices an offer: checks it against the product's limits and the cap,
    /// and returns its schedule and APR disclosure.
    pub fn quote(
        &self,
        request: &OfferRequest,
        annual_rate: Rate,
        cap: RateCap,
    ) -> Result<Quote, OfferError> {
        if request.amount < self.min_amount || request.amount > self.max_amount {
            return Err(OfferError::AmountOutOfRange {
                min: self.min_amount,
                max: self.max_amount,
            });
        }
        if request.term_months < self.min_term_months || request.term_months > self.max_term_months
        {
            return Err(OfferError::TermOutOfRange {
                min: self.min_term_months,
                max: self.max_term_months,
            });
        }
        if !self.repayment_methods.contains(&request.method) {
            return Err(OfferError::MethodNotOffered(request.method.as_str()));
        }
        if annual_rate < self.min_annual_rate || annual_rate > self.max_annual_rate {
            return Err(OfferError::RateOutOfRange {
                min: self.min_annual_rate,
                max: self.max_annual_rate,
            });
        }
        let schedule = schedule::generate(&self.schedule_terms(request, annual_rate))?;
        let upfront_fee = self.upfront_fee.amount(request.amount);
        let net_proceeds = request.amount.saturating_sub_to_zero(upfront_fee);
        let apr = apr::disclose(&schedule, net_proceeds)?;
        cap.check(&apr)?;
        Ok(Quote {
            annual_rate,
            upfront_fee,
            net_proceeds,
            schedule,
            apr,
        })
    }
}

/// What a borrower asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OfferRequest {
    pub amount: Money,
    pub term_months: u32,
    pub method: RepaymentMethod,
    pub start_date: NaiveDate,
}

/// A priced offer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Quote {
    pub annual_rate: Rate,
    pub upfront_fee: Money,
    pub net_proceeds: Money,
    pub schedule: Schedule,
    pub apr: AprDisclosure,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum OfferError {
    #[error("amount must be between {min} and {max}")]
    AmountOutOfRange { min: Money, max: Money },
    #[error("term must be between {min} and {max} months")]
    TermOutOfRange { min: u32, max: u32 },
    #[error("repayment method {0} is not offered by this product")]
    MethodNotOffered(&'static str),
    #[error("annual rate must be between {min} and {max}")]
    RateOutOfRange { min: Rate, max: Rate },
    #[error(transparent)]
    Schedule(#[from] ScheduleError),
    #[error(transparent)]
    Apr(#[from] AprError),
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn consumer_product() -> LoanProduct {
        LoanProduct {
            code: "CONSUMER-01".into(),
            name: "Everyday consumer loan".into(),
            kind: ProductKind::Consumer,
            min_amount: Money::yuan(1_000),
            max_amount: Money::yuan(200_000),
            min_term_months: 3,
            max_term_months: 36,
            min_annual_rate: Rate::from_bps(600),
            max_annual_rate: Rate::from_bps(1800),
            repayment_methods: vec![
                RepaymentMethod::EqualInstallment,
                RepaymentMethod::EqualPrincipal,
            ],
            upfront_fee: UpfrontFee::None,
            monthly_fee_rate: Rate::ZERO,
            penalty_rate: PenaltyRate::default(),
            grace_days: 3,
            allocation: AllocationOrder::default(),
            prepayment: PrepaymentPolicy::default(),
            day_count: DayCount::Actual365,
        }
    }

    #[test]
    fn a_sound_product_validates() {
        assert_eq!(consumer_product().validate(RateCap::default()), vec![]);
    }

    #[test]
    fn every_problem_is_named() {
        let mut p = consumer_product();
        p.code = " ".into();
        p.max_amount = Money::yuan(10);
        p.repayment_methods.clear();
        let fields: Vec<_> = p
            .validate(RateCap::default())
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(fields, ["code", "max_amount", "repayment_methods"]);
    }

    #[test]
    fn a_product_whose_fees_break_the_cap_is_refused() {
        let mut p = consumer_product();
        p.upfront_fee = UpfrontFee::Percent(Rate::from_bps(500));
        let errors = p.validate(RateCap::default());
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].field, "max_annual_rate");
        assert!(
            errors[0].message.contains("cap of 24.00%"),
            "{}",
            errors[0].message
        );
    }

    #[test]
    fn penalty_defaults_to_contract_rate_plus_half() {
        assert_eq!(
            PenaltyRate::default().annual(Rate::from_bps(435)),
            "0.06525".parse().unwrap()
        );
    }

    #[test]
    fn quotes_check_the_limits() {
        let p = consumer_product();
        let request = OfferRequest {
            amount: Money::yuan(10_000),
            term_months: 12,
            method: RepaymentMethod::EqualInstallment,
            start_date: NaiveDate::from_ymd_opt(2026, 1, 31).unwrap(),
        };
        let quote = p
            .quote(&request, Rate::from_bps(1200), RateCap::default())
            .unwrap();
        assert_eq!(
            quote.schedule.installments[0].payment,
            "888.49".parse().unwrap()
        );
        assert_eq!(quote.net_proceeds, Money::yuan(10_000));
        let too_much = OfferRequest {
            amount: Money::yuan(300_000),
            ..request
        };
        assert!(matches!(
            p.quote(&too_much, Rate::from_bps(1200), RateCap::default()),
            Err(OfferError::AmountOutOfRange { .. })
        ));
        assert!(matches!(
            p.quote(&request, Rate::from_bps(1900), RateCap::default()),
            Err(OfferError::RateOutOfRange { .. })
        ));
        let bullet = OfferRequest {
            method: RepaymentMethod::Bullet,
            ..request
        };
        assert!(matches!(
            p.quote(&bullet, Rate::from_bps(1200), RateCap::default()),
            Err(OfferError::MethodNotOffered("bullet"))
        ));
    }

    #[test]
    fn products_round_trip_through_json() {
        let p = consumer_product();
        let json = serde_json::to_string(&p).unwrap();
        assert!(json.contains("\"min_amount\":\"1000.00\""), "{json}");
        assert_eq!(serde_json::from_str::<LoanProduct>(&json).unwrap(), p);
    }
}
