//! Automated decisions: what the platform knows about the applicant, the
//! risk assessment, and the core's policy rules and grade table. The
//! decision is stored with its reasons (texts in zh-CN and en) so a declined
//! borrower is always told why.

use chrono::{Datelike, NaiveDate};
use kredit_core::decision::{
    self, ApplicantProfile, Decision, DecisionPolicy, Grade, Outcome, RiskAssessment,
    RulesScorecard,
};
use kredit_core::product::{LoanProduct, OfferRequest};
use kredit_core::{Money, Rate};
use kredit_store::{IdentityStatus, UserId};
use serde::{Deserialize, Serialize};

use kredit_scoring::Applicant;

use super::features;
use super::views::{OfferView, RateView};
use crate::error::ApiError;
use crate::reasons::{self, ReasonText};
use crate::scoring::ScoredApplication;
use crate::state::AppState;

/// The optional credit questionnaire of an application; it feeds the
/// credit model where one is active.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
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

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct ReasonView {
    #[serde(flatten)]
    pub text: ReasonText,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub points: Option<i32>,
}

/// A decision as stored and shown.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct DecisionView {
    pub outcome: Outcome,
    pub score: Option<i32>,
    pub grade: Option<Grade>,
    pub probability_of_default: Option<Rate>,
    pub model: String,
    pub reasons: Vec<ReasonView>,
    pub approved_amount: Option<Money>,
    pub annual_rate: Option<RateView>,
    pub offer: Option<OfferView>,
}

impl DecisionView {
    pub fn new(decision: &Decision, assessment: &RiskAssessment, request: &OfferRequest) -> Self {
        DecisionView {
            outcome: decision.outcome,
            score: decision.score,
            grade: decision.grade,
            probability_of_default: assessment.probability_of_default,
            model: assessment.model.clone(),
            reasons: decision
                .reasons
                .iter()
                .map(|reason| ReasonView {
                    text: reasons::describe(&reason.code),
                    points: reason.points,
                })
                .collect(),
            approved_amount: decision.approved_amount,
            annual_rate: decision.annual_rate.map(Into::into),
            offer: decision.quote.as_ref().map(|quote| {
                OfferView::new(
                    decision.approved_amount.unwrap_or(request.amount),
                    request.term_months,
                    request.method,
                    quote,
                )
            }),
        }
    }
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
    state: &AppState,
    borrower: UserId,
    on: NaiveDate,
) -> Result<ApplicantProfile, ApiError> {
    let identity = state.repository.identity(borrower).await?;
    let exposure = state.repository.lending().exposure(borrower).await?;
    let verified = identity
        .as_ref()
        .is_some_and(|i| i.status == IdentityStatus::Verified);
    let card_warning = identity
        .as_ref()
        .is_some_and(|i| i.warnings.contains("luhn"));
    Ok(ApplicantProfile {
        identity_verified: verified,
        age: identity.as_ref().map_or(0, |i| age_on(i.birth_date, on)),
        open_loans: u32::try_from(exposure.open_loans).unwrap_or(u32::MAX),
        total_outstanding: Money::from_fen(exposure.outstanding_fen),
        has_overdue: exposure.max_dpd > 0,
        worst_dpd_ever: u32::try_from(exposure.max_dpd).unwrap_or(u32::MAX),
        loans_repaid: u32::try_from(exposure.loans_repaid).unwrap_or(u32::MAX),
        card_warning,
    })
}

/// What the models said, to be recorded with the application.
pub struct ModelScores {
    pub scored: ScoredApplication,
    pub inputs: Applicant,
}

/// The risk assessment behind a decision: the champion model when one is
/// in service (the challenger scoring in its shadow), else the transparent
/// rules scorecard.
pub fn assess(
    state: &AppState,
    profile: &ApplicantProfile,
    request: &OfferRequest,
    product: &LoanProduct,
    questionnaire: &Questionnaire,
) -> (RiskAssessment, Option<ModelScores>) {
    let rules = || RulesScorecard.assess(profile, request, product);
    if !state.scorer.has_champion() {
        return (rules(), None);
    }
    // The model sees the instalment at the product's middle rate: the rate
    // itself depends on the grade the model is about to give.
    let middle = decision::rate_for(product, Rate::from_bps(5_000));
    let first_payment = product
        .quote(request, middle, state.lending.policy.rate_cap)
        .ok()
        .and_then(|q| q.schedule.installments.first().map(|i| i.payment))
        .unwrap_or(Money::ZERO);
    let inputs =
        features::model_inputs(profile, request, product.kind, first_payment, questionnaire);
    match state.scorer.assess(&inputs) {
        Some(scored) => (
            scored.assessment.clone(),
            Some(ModelScores { scored, inputs }),
        ),
        // Retired since the check above.
        None => (rules(), None),
    }
}

/// Decides one request for one product.
pub fn decide(
    state: &AppState,
    product: &LoanProduct,
    profile: &ApplicantProfile,
    request: &OfferRequest,
    questionnaire: &Questionnaire,
) -> (DecisionView, Option<ModelScores>) {
    let (assessment, scores) = assess(state, profile, request, product, questionnaire);
    let model_policy;
    let policy = if scores.is_some() {
        model_policy = DecisionPolicy {
            grades: state.lending.model_grades.clone(),
            ..state.lending.policy.clone()
        };
        &model_policy
    } else {
        &state.lending.policy
    };
    let decision = decision::decide(policy, product, profile, request, &assessment);
    (DecisionView::new(&decision, &assessment, request), scores)
}
