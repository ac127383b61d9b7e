//! Origination: from a borrower's request to a signed contract.
//!
//! - [`apply`]: match products to a request, and decide an application at
//!   once (approved, declined or referred, always with reasons);
//! - [`underwrite`]: an underwriter decides a referred application;
//! - [`accept`]: the borrower signs; the contract, the loan awaiting
//!   disbursement and the disbursement are made together.
//!
//! A decision is stored as the core's [`Decision`] with the
//! [`RiskAssessment`] behind it ([`StoredDecision`]); texts for people are
//! rendered when it is read.

pub mod accept;
pub mod apply;
mod features;
pub mod underwrite;

use chrono::{Datelike, NaiveDate};
use kredit_core::decision::{
    self, ApplicantProfile, BandAction, Decision, DecisionPolicy, Grade, GradeTable,
    RiskAssessment, RulesScorecard,
};
use kredit_core::delinquency::ClassificationThresholds;
use kredit_core::product::{LoanProduct, OfferRequest};
use kredit_core::{Money, Rate};
use kredit_scoring::Applicant;
use kredit_store::{IdentityStatus, UserId};
use serde::{Deserialize, Serialize};

use crate::scoring::ScoredApplication;
use crate::{App, AppError, AppResult};

/// The lending rules in force.
#[derive(Debug, Clone)]
pub struct LendingPolicy {
    /// Hard rules, and the grade table for the rules scorecard's points.
    pub policy: DecisionPolicy,
    /// The grade table on a trained model's scale (600 points at odds 50:1,
    /// 20 points to double them), used when a model decides.
    pub model_grades: GradeTable,
    pub thresholds: ClassificationThresholds,
}

impl Default for LendingPolicy {
    fn default() -> Self {
        LendingPolicy {
            policy: DecisionPolicy::default(),
            model_grades: model_grades(),
            thresholds: ClassificationThresholds::default(),
        }
    }
}

/// Bands chosen on the demo model's calibration (German Credit): C's floor
/// sits at the expected-cost cutoff (PD about 1/6 with the default 5:1 cost
/// of accepting a bad), so every automatic approval is worth making; D,
/// up to a PD of about 40%, goes to an underwriter; below, decline.
fn model_grades() -> GradeTable {
    GradeTable::from_rows(&[
        (Grade::A, 560, 0, 200_000, BandAction::Approve),
        (Grade::B, 540, 3_000, 100_000, BandAction::Approve),
        (Grade::C, 535, 6_000, 50_000, BandAction::Approve),
        (Grade::D, 490, 9_000, 20_000, BandAction::Refer),
        (Grade::E, i32::MIN, 10_000, 0, BandAction::Decline),
    ])
}

/// The optional credit questionnaire of an application; it feeds the
/// credit model where one is active.
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Questionnaire {
    /// `none`, `negative`, `low` or `high` balance on the current account.
    pub checking_account: Option<String>,
    /// Accepted and stored, but not scored: the model takes the credit
    /// history from the platform's own repayment record, never from what
    /// the applicant declares (see `features::credit_history`).
    pub credit_history: Option<String>,
    pub employment_years: Option<u32>,
    /// `own`, `rent` or `free`.
    pub housing: Option<String>,
    pub savings: Option<Money>,
    pub monthly_income: Option<Money>,
    pub dependants: Option<u32>,
    pub has_guarantor: Option<bool>,
    /// `real_estate`, `insurance`, `car` or `none`.
    pub property: Option<String>,
}

/// A decision as stored with its application: what the core decided and
/// the assessment it decided on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredDecision {
    pub decision: Decision,
    pub assessment: RiskAssessment,
}

impl StoredDecision {
    pub fn parse(json: &str) -> AppResult<StoredDecision> {
        serde_json::from_str(json).map_err(AppError::internal)
    }

    pub fn to_json(&self) -> AppResult<String> {
        serde_json::to_string(self).map_err(AppError::internal)
    }
}

/// What the models said, to be recorded with the application.
pub struct ModelScores {
    pub scored: ScoredApplication,
    pub inputs: Applicant,
}

/// Whole years between `birth` and `on`.
pub fn age_on(birth: NaiveDate, on: NaiveDate) -> u32 {
    let mut years = on.year() - birth.year();
    if (on.month(), on.day()) < (birth.month(), birth.day()) {
        years -= 1;
    }
    u32::try_from(years).unwrap_or(0)
}

/// What the platform knows about the borrower on `on`.
pub async fn applicant_profile(
    app: &App,
    borrower: UserId,
    on: NaiveDate,
) -> AppResult<ApplicantProfile> {
    let identity = app.repository.identity(borrower).await?;
    let exposure = app.repository.lending().exposure(borrower).await?;
    let verified = identity
        .as_ref()
        .is_some_and(|i| i.status == IdentityStatus::Verified);
    let card_warning = identity
        .as_ref()
        .is_some_and(|i| i.warnings.contains("luhn"));
    let count = |n: i64| u32::try_from(n).unwrap_or(u32::MAX);
    Ok(ApplicantProfile {
        identity_verified: verified,
        age: identity.as_ref().map_or(0, |i| age_on(i.birth_date, on)),
        open_loans: count(exposure.open_loans),
        total_outstanding: Money::from_fen(exposure.outstanding_fen),
        has_overdue: exposure.max_dpd > 0,
        worst_dpd_ever: count(exposure.max_dpd),
        loans_repaid: count(exposure.loans_repaid),
        card_warning,
    })
}

/// The risk assessment behind a decision: the champion model when one is
/// in service (the challenger scoring in its shadow), else the transparent
/// rules scorecard.
fn assess(
    app: &App,
    profile: &ApplicantProfile,
    request: &OfferRequest,
    product: &LoanProduct,
    questionnaire: &Questionnaire,
) -> (RiskAssessment, Option<ModelScores>) {
    let rules = || RulesScorecard.assess(profile, request, product);
    if !app.scorer.has_champion() {
        return (rules(), None);
    }
    // The model sees the instalment at the product's middle rate: the rate
    // itself depends on the grade the model is about to give.
    let middle = decision::rate_for(product, Rate::from_bps(5_000));
    let first_payment = product
        .quote(request, middle, app.lending.policy.rate_cap)
        .ok()
        .and_then(|q| q.schedule.installments.first().map(|i| i.payment))
        .unwrap_or(Money::ZERO);
    let inputs =
        features::model_inputs(profile, request, product.kind, first_payment, questionnaire);
    match app.scorer.assess(&inputs) {
        Some(scored) => (
            scored.assessment.clone(),
            Some(ModelScores { scored, inputs }),
        ),
        // Retired since the check above.
        None => (rules(), None),
    }
}

/// Decides one request for one product; nothing is stored.
pub fn decide(
    app: &App,
    product: &LoanProduct,
    profile: &ApplicantProfile,
    request: &OfferRequest,
    questionnaire: &Questionnaire,
) -> (StoredDecision, Option<ModelScores>) {
    let (assessment, scores) = assess(app, profile, request, product, questionnaire);
    let model_policy;
    let policy = if scores.is_some() {
        model_policy = DecisionPolicy {
            grades: app.lending.model_grades.clone(),
            ..app.lending.policy.clone()
        };
        &model_policy
    } else {
        &app.lending.policy
    };
    let decision = decision::decide(policy, product, profile, request, &assessment);
    (
        StoredDecision {
            decision,
            assessment,
        },
        scores,
    )
}
