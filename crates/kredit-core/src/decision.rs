//! Automated credit decisions: hard policy rules, a risk score, and a grade
//! table that turns the score into a price and a limit. Pure: the caller
//! gathers the applicant's profile and a [`RiskAssessment`] (from the
//! transparent [`RulesScorecard`] here or a trained model), and gets back a
//! decision that always carries its reasons.

use serde::{Deserialize, Serialize};

use crate::apr::RateCap;
use crate::money::Money;
use crate::product::{LoanProduct, OfferError, OfferRequest, Quote};
use crate::rate::{RATE_SCALE, Rate};

/// What the platform knows about an applicant when it decides.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApplicantProfile {
    pub identity_verified: bool,
    /// Age in whole years on the application date.
    pub age: u32,
    /// Loans not yet paid off or written off.
    pub open_loans: u32,
    /// Principal outstanding across all of the applicant's loans.
    pub total_outstanding: Money,
    /// Whether any of the applicant's loans is past due now.
    pub has_overdue: bool,
    /// Worst days past due the applicant has reached on any loan.
    pub worst_dpd_ever: u32,
    /// Loans the applicant has repaid in full.
    pub loans_repaid: u32,
    /// Whether the bank card failed its Luhn check (a warning, not a rejection).
    pub card_warning: bool,
}

/// A reason for a decision: a stable code and the facts behind it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reason {
    pub code: String,
    /// How much this reason moved the score, where it comes from a score.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub points: Option<i32>,
}

impl Reason {
    pub fn code(code: &str) -> Reason {
        Reason {
            code: code.to_owned(),
            points: None,
        }
    }
}

/// A risk score with its most adverse reasons, from any model.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RiskAssessment {
    /// Points: higher is safer (600 at odds 50:1, 20 points to double the odds).
    pub score: i32,
    /// The probability of default, where the model estimates one.
    pub probability_of_default: Option<Rate>,
    /// Most adverse first.
    pub reasons: Vec<Reason>,
    /// Which model produced it, for the audit trail.
    pub model: String,
}

#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Grade {
    A,
    B,
    C,
    D,
    E,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BandAction {
    Approve,
    Refer,
    Decline,
}

/// One band of the grade table: scores at or above `min_score` (and below
/// the next band's) get this grade, price and limit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GradeBand {
    pub grade: Grade,
    pub min_score: i32,
    /// Where the rate sits in the product's range: 0 = its minimum, 1 = its maximum.
    pub rate_position: Rate,
    /// The most this grade may borrow.
    pub max_amount: Money,
    pub action: BandAction,
}

/// Score → grade → rate and limit, or decline. Configurable.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GradeTable {
    /// Highest `min_score` first.
    pub bands: Vec<GradeBand>,
}

impl Default for GradeTable {
    fn default() -> Self {
        GradeTable::from_rows(&[
            (Grade::A, 680, 0, 200_000, BandAction::Approve),
            (Grade::B, 640, 2_500, 100_000, BandAction::Approve),
            (Grade::C, 600, 5_000, 50_000, BandAction::Approve),
            (Grade::D, 570, 8_000, 20_000, BandAction::Refer),
            (Grade::E, i32::MIN, 10_000, 0, BandAction::Decline),
        ])
    }
}

impl GradeTable {
    /// A table from rows of (grade, minimum score, rate position in basis
    /// points of the product's range, maximum amount in yuan, action).
    #[must_use]
    pub fn from_rows(rows: &[(Grade, i32, i64, i64, BandAction)]) -> Self {
        GradeTable {
            bands: rows
                .iter()
                .map(
                    |&(grade, min_score, position_bps, max_yuan, action)| GradeBand {
                        grade,
                        min_score,
                        rate_position: Rate::from_bps(position_bps),
                        max_amount: Money::yuan(max_yuan),
                        action,
                    },
                )
                .collect(),
        }
    }

    /// Bands must fall strictly in score, and positions stay within 0..=1.
    pub fn validate(&self) -> Result<(), String> {
        if self.bands.is_empty() {
            return Err("the grade table needs at least one band".into());
        }
        if !self
            .bands
            .windows(2)
            .all(|w| w[0].min_score > w[1].min_score)
        {
            return Err("grade bands must be ordered by falling min_score".into());
        }
        if self
            .bands
            .iter()
            .any(|b| b.rate_position.is_negative() || b.rate_position > Rate::ONE)
        {
            return Err("rate_position must be between 0 and 1".into());
        }
        Ok(())
    }

    /// The band of `score`; below every band, the last.
    pub fn band(&self, score: i32) -> &GradeBand {
        self.bands
            .iter()
            .find(|b| score >= b.min_score)
            .unwrap_or_else(|| self.bands.last().expect("validated: at least one band"))
    }
}

/// The hard rules every application must pass, whatever its score.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DecisionPolicy {
    pub min_age: u32,
    pub max_age: u32,
    /// Cap on principal outstanding across a borrower's loans, this one included.
    pub max_total_outstanding: Money,
    pub max_open_loans: u32,
    pub grades: GradeTable,
    pub rate_cap: RateCap,
}

impl Default for DecisionPolicy {
    fn default() -> Self {
        DecisionPolicy {
            min_age: 18,
            max_age: 60,
            max_total_outstanding: Money::yuan(200_000),
            max_open_loans: 3,
            grades: GradeTable::default(),
            rate_cap: RateCap::default(),
        }
    }
}

#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Approved,
    Declined,
    Referred,
}

/// An automated decision with everything it was based on.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Decision {
    pub outcome: Outcome,
    pub reasons: Vec<Reason>,
    pub score: Option<i32>,
    pub grade: Option<Grade>,
    pub annual_rate: Option<Rate>,
    pub approved_amount: Option<Money>,
    /// The priced offer (approved and referred decisions).
    pub quote: Option<Quote>,
}

/// Stable reason codes of the policy rules.
pub mod codes {
    /// The prefix of a trained model's reason codes: `feature:<name>`.
    pub const FEATURE_PREFIX: &str = "feature:";

    /// The reason code of a model feature that lowered the score.
    pub fn feature_code(feature: &str) -> String {
        format!("{FEATURE_PREFIX}{feature}")
    }

    pub const IDENTITY_NOT_VERIFIED: &str = "identity_not_verified";
    pub const AGE_OUT_OF_POLICY: &str = "age_out_of_policy";
    pub const EXISTING_OVERDUE: &str = "existing_overdue";
    pub const TOO_MANY_OPEN_LOANS: &str = "too_many_open_loans";
    pub const OUTSTANDING_LIMIT: &str = "outstanding_limit_reached";
    pub const SCORE_TOO_LOW: &str = "score_too_low";
    pub const SCORE_NEEDS_REVIEW: &str = "score_needs_review";
    pub const AMOUNT_REDUCED: &str = "amount_reduced";
    pub const BELOW_PRODUCT_MINIMUM: &str = "approved_amount_below_product_minimum";
    pub const RATE_CAP: &str = "offer_above_rate_cap";
    /// An underwriter declined a referred application.
    pub const UNDERWRITER_DECLINED: &str = "underwriter_declined";
}

fn declined(
    reasons: Vec<Reason>,
    assessment: Option<&RiskAssessment>,
    grade: Option<Grade>,
) -> Decision {
    Decision {
        outcome: Outcome::Declined,
        reasons,
        score: assessment.map(|a| a.score),
        grade,
        annual_rate: None,
        approved_amount: None,
        quote: None,
    }
}

/// The hard policy rules that fail for this applicant and request.
pub fn policy_failures(policy: &DecisionPolicy, profile: &ApplicantProfile) -> Vec<Reason> {
    let mut reasons = Vec::new();
    if !profile.identity_verified {
        reasons.push(Reason::code(codes::IDENTITY_NOT_VERIFIED));
    }
    if profile.age < policy.min_age || profile.age > policy.max_age {
        reasons.push(Reason::code(codes::AGE_OUT_OF_POLICY));
    }
    if profile.has_overdue {
        reasons.push(Reason::code(codes::EXISTING_OVERDUE));
    }
    if profile.open_loans >= policy.max_open_loans {
        reasons.push(Reason::code(codes::TOO_MANY_OPEN_LOANS));
    }
    if profile.total_outstanding >= policy.max_total_outstanding {
        reasons.push(Reason::code(codes::OUTSTANDING_LIMIT));
    }
    reasons
}

/// Decides an application: policy rules first (any failure declines), then
/// the score's grade sets the action, the rate within the product's range and
/// the most that may be lent; the offer must fit the product and the cap.
pub fn decide(
    policy: &DecisionPolicy,
    product: &LoanProduct,
    profile: &ApplicantProfile,
    request: &OfferRequest,
    assessment: &RiskAssessment,
) -> Decision {
    let failures = policy_failures(policy, profile);
    if !failures.is_empty() {
        return declined(failures, Some(assessment), None);
    }
    let band = *policy.grades.band(assessment.score);
    let mut reasons = Vec::new();
    if band.action == BandAction::Decline {
        reasons.push(Reason::code(codes::SCORE_TOO_LOW));
        reasons.extend(assessment.reasons.iter().cloned());
        return declined(reasons, Some(assessment), Some(band.grade));
    }

    let headroom = policy
        .max_total_outstanding
        .saturating_sub_to_zero(profile.total_outstanding);
    let amount = request
        .amount
        .min(band.max_amount)
        .min(headroom)
        .min(product.max_amount);
    if amount < request.amount {
        reasons.push(Reason::code(if amount == headroom {
            codes::OUTSTANDING_LIMIT
        } else {
            codes::AMOUNT_REDUCED
        }));
    }
    if amount < product.min_amount {
        reasons.push(Reason::code(codes::BELOW_PRODUCT_MINIMUM));
        return declined(reasons, Some(assessment), Some(band.grade));
    }
    let annual_rate = rate_for(product, band.rate_position);
    let offer = OfferRequest { amount, ..*request };
    let quote = match product.quote(&offer, annual_rate, policy.rate_cap) {
        Ok(quote) => quote,
        Err(OfferError::Apr(_)) => {
            reasons.push(Reason::code(codes::RATE_CAP));
            return declined(reasons, Some(assessment), Some(band.grade));
        }
        Err(other) => {
            reasons.push(Reason {
                code: format!("offer_invalid: {other}"),
                points: None,
            });
            return declined(reasons, Some(assessment), Some(band.grade));
        }
    };
    let outcome = match band.action {
        BandAction::Approve => Outcome::Approved,
        _ => {
            reasons.push(Reason::code(codes::SCORE_NEEDS_REVIEW));
            reasons.extend(assessment.reasons.iter().cloned());
            Outcome::Referred
        }
    };
    Decision {
        outcome,
        reasons,
        score: Some(assessment.score),
        grade: Some(band.grade),
        annual_rate: Some(annual_rate),
        approved_amount: Some(amount),
        quote: Some(quote),
    }
}

/// The product's minimum rate plus `position` of its range, to the 0.01%
/// (rounded half-up to a basis point so offered rates read cleanly).
pub fn rate_for(product: &LoanProduct, position: Rate) -> Rate {
    let span = product.max_annual_rate.units() - product.min_annual_rate.units();
    let exact = product.min_annual_rate.units() as i128
        + span as i128 * position.units() as i128 / RATE_SCALE as i128;
    let bp = (RATE_SCALE / 10_000) as i128;
    let rounded = crate::money::div_round_half_up(exact, bp) * bp;
    Rate::from_units((rounded as i64).clamp(
        product.min_annual_rate.units(),
        product.max_annual_rate.units(),
    ))
}

/// A transparent rules-based scorecard: a base score and documented points
/// per fact, used until a trained model is activated. Its reasons are the
/// facts that cost points, worst first.
#[derive(Clone, Copy, Debug, Default)]
pub struct RulesScorecard;

impl RulesScorecard {
    pub const NAME: &'static str = "rules-scorecard-v1";
    const BASE: i32 = 640;

    pub fn assess(
        &self,
        profile: &ApplicantProfile,
        request: &OfferRequest,
        product: &LoanProduct,
    ) -> RiskAssessment {
        let mut adjustments: Vec<(&str, i32)> = Vec::new();
        let age_points = match profile.age {
            0..=21 => -30,
            22..=25 => -15,
            26..=45 => 10,
            _ => 0,
        };
        adjustments.push(("age", age_points));
        adjustments.push((
            "repayment_history",
            (profile.loans_repaid.min(5) as i32) * 12,
        ));
        let dpd_points = match profile.worst_dpd_ever {
            0 => 10,
            1..=7 => -15,
            8..=30 => -45,
            31..=90 => -90,
            _ => -160,
        };
        adjustments.push(("worst_days_past_due", dpd_points));
        adjustments.push(("open_loans", -(profile.open_loans as i32) * 15));
        // Borrowing close to the product's ceiling or over long terms is riskier.
        let share = request.amount.fen() as i128 * 100 / product.max_amount.fen().max(1) as i128;
        adjustments.push((
            "amount_to_product_limit",
            if share > 75 {
                -35
            } else if share > 40 {
                -15
            } else {
                5
            },
        ));
        adjustments.push(("term", if request.term_months > 24 { -20 } else { 0 }));
        if profile.card_warning {
            adjustments.push(("bank_card_check", -25));
        }
        let score = Self::BASE + adjustments.iter().map(|(_, p)| p).sum::<i32>();
        let mut adverse: Vec<Reason> = adjustments
            .iter()
            .filter(|(_, points)| *points < 0)
            .map(|(code, points)| Reason {
                code: (*code).to_owned(),
                points: Some(*points),
            })
            .collect();
        adverse.sort_by_key(|r| r.points);
        RiskAssessment {
            score,
            probability_of_default: None,
            reasons: adverse,
            model: Self::NAME.to_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::DayCount;
    use crate::product::{AllocationOrder, PenaltyRate, PrepaymentPolicy, ProductKind, UpfrontFee};
    use crate::schedule::RepaymentMethod;
    use chrono::NaiveDate;

    fn product() -> LoanProduct {
        LoanProduct {
            code: "C1".into(),
            name: "Consumer".into(),
            kind: ProductKind::Consumer,
            min_amount: Money::yuan(1_000),
            max_amount: Money::yuan(100_000),
            min_term_months: 3,
            max_term_months: 36,
            min_annual_rate: Rate::from_bps(720),
            max_annual_rate: Rate::from_bps(1800),
            repayment_methods: vec![RepaymentMethod::EqualInstallment],
            upfront_fee: UpfrontFee::None,
            monthly_fee_rate: Rate::ZERO,
            penalty_rate: PenaltyRate::default(),
            grace_days: 3,
            allocation: AllocationOrder::default(),
            prepayment: PrepaymentPolicy::default(),
            day_count: DayCount::Actual365,
        }
    }

    fn good_profile() -> ApplicantProfile {
        ApplicantProfile {
            identity_verified: true,
            age: 32,
            open_loans: 0,
            total_outstanding: Money::ZERO,
            has_overdue: false,
            worst_dpd_ever: 0,
            loans_repaid: 2,
            card_warning: false,
        }
    }

    fn request(amount: i64) -> OfferRequest {
        OfferRequest {
            amount: Money::yuan(amount),
            term_months: 12,
            method: RepaymentMethod::EqualInstallment,
            start_date: NaiveDate::from_ymd_opt(2026, 3, 1).unwrap(),
        }
    }

    fn decide_with(profile: &ApplicantProfile, amount: i64) -> Decision {
        let assessment = RulesScorecard.assess(profile, &request(amount), &product());
        decide(
            &DecisionPolicy::default(),
            &product(),
            profile,
            &request(amount),
            &assessment,
        )
    }

    #[test]
    fn a_good_applicant_is_approved_at_a_graded_rate() {
        let d = decide_with(&good_profile(), 20_000);
        assert_eq!(d.outcome, Outcome::Approved, "{d:?}");
        assert_eq!(d.grade, Some(Grade::A));
        assert_eq!(d.annual_rate, Some(Rate::from_bps(720)));
        assert_eq!(d.approved_amount, Some(Money::yuan(20_000)));
        assert!(d.quote.unwrap().apr.apr_nominal <= Rate::from_bps(2400));
    }

    #[test]
    fn policy_failures_decline_with_every_reason() {
        let profile = ApplicantProfile {
            identity_verified: false,
            age: 17,
            has_overdue: true,
            ..good_profile()
        };
        let d = decide_with(&profile, 20_000);
        assert_eq!(d.outcome, Outcome::Declined);
        let codes: Vec<_> = d.reasons.iter().map(|r| r.code.as_str()).collect();
        assert_eq!(
            codes,
            [
                codes::IDENTITY_NOT_VERIFIED,
                codes::AGE_OUT_OF_POLICY,
                codes::EXISTING_OVERDUE
            ]
        );
    }

    #[test]
    fn the_outstanding_cap_limits_the_amount() {
        let profile = ApplicantProfile {
            total_outstanding: Money::yuan(190_000),
            open_loans: 1,
            ..good_profile()
        };
        let d = decide_with(&profile, 20_000);
        assert_eq!(d.approved_amount, Some(Money::yuan(10_000)), "{d:?}");
        assert_eq!(d.reasons[0].code, codes::OUTSTANDING_LIMIT);
        let full = ApplicantProfile {
            total_outstanding: Money::yuan(200_000),
            open_loans: 1,
            ..good_profile()
        };
        assert_eq!(decide_with(&full, 20_000).outcome, Outcome::Declined);
    }

    #[test]
    fn a_poor_history_is_referred_or_declined_with_reasons() {
        let shaky = ApplicantProfile {
            worst_dpd_ever: 20,
            loans_repaid: 0,
            age: 23,
            ..good_profile()
        };
        let d = decide_with(&shaky, 20_000);
        assert_eq!(d.outcome, Outcome::Referred, "{d:?}");
        assert!(d.reasons.iter().any(|r| r.code == "worst_days_past_due"));
        let bad = ApplicantProfile {
            worst_dpd_ever: 120,
            ..shaky
        };
        let d = decide_with(&bad, 20_000);
        assert_eq!(d.outcome, Outcome::Declined);
        assert_eq!(d.reasons[0].code, codes::SCORE_TOO_LOW);
        assert_eq!(d.reasons[1].code, "worst_days_past_due");
    }

    #[test]
    fn rates_sit_inside_the_product_range() {
        let p = product();
        assert_eq!(rate_for(&p, Rate::ZERO), p.min_annual_rate);
        assert_eq!(rate_for(&p, Rate::ONE), p.max_annual_rate);
        assert_eq!(rate_for(&p, Rate::from_bps(5000)), Rate::from_bps(1260));
        assert!(GradeTable::default().validate().is_ok());
    }
}
