//! The JSON shapes of the lending API. Money is a decimal string with two
//! places (`Money`'s serde), rates a decimal fraction with a display percent
//! beside it; nothing here is a float.

use chrono::NaiveDate;
use kredit_app::origination::StoredDecision;
use kredit_core::apr::AprDisclosure;
use kredit_core::decision::{Grade, Outcome};
use kredit_core::loan::{InstallmentState, Loan};
use kredit_core::product::{OfferRequest, Quote};
use kredit_core::schedule::{Installment, RepaymentMethod, Schedule};
use kredit_core::{Money, Rate};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::reasons::{self, ReasonText};

/// A rate for display: the exact fraction and a percent with two places.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, ToSchema)]
pub struct RateView {
    pub rate: Rate,
    #[schema(example = "13.50%")]
    pub percent: String,
}

impl From<Rate> for RateView {
    fn from(rate: Rate) -> Self {
        RateView {
            rate,
            percent: format!("{}%", rate.percent(2)),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, ToSchema)]
pub struct AprView {
    /// Nominal APR (12 × monthly IRR), a fraction with six places.
    #[schema(example = "0.130300")]
    pub nominal: String,
    #[schema(example = "13.03%")]
    pub nominal_percent: String,
    /// Effective APR ((1 + monthly IRR)^12 − 1), six places.
    #[schema(example = "0.138200")]
    pub effective: String,
    #[schema(example = "13.82%")]
    pub effective_percent: String,
}

impl From<&AprDisclosure> for AprView {
    fn from(apr: &AprDisclosure) -> Self {
        AprView {
            nominal: apr.apr_nominal.format_fixed(6),
            nominal_percent: format!("{}%", apr.apr_nominal.percent(2)),
            effective: apr.apr_effective.format_fixed(6),
            effective_percent: format!("{}%", apr.apr_effective.percent(2)),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, ToSchema)]
pub struct InstallmentView {
    pub number: u32,
    pub due_date: NaiveDate,
    pub principal: Money,
    pub interest: Money,
    pub fee: Money,
    pub payment: Money,
    pub balance_after: Money,
}

impl From<&Installment> for InstallmentView {
    fn from(i: &Installment) -> Self {
        InstallmentView {
            number: i.n,
            due_date: i.due_date,
            principal: i.principal,
            interest: i.interest,
            fee: i.fee,
            payment: i.payment,
            balance_after: i.remaining,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, ToSchema)]
pub struct Totals {
    pub principal: Money,
    pub interest: Money,
    pub fee: Money,
    pub payment: Money,
}

impl From<&Schedule> for Totals {
    fn from(schedule: &Schedule) -> Self {
        Totals {
            principal: schedule.total_principal(),
            interest: schedule.total_interest(),
            fee: schedule.total_fees(),
            payment: schedule.total_payments(),
        }
    }
}

/// A priced offer: what the borrower would sign.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, ToSchema)]
pub struct OfferView {
    pub amount: Money,
    pub term_months: u32,
    pub method: RepaymentMethod,
    pub annual_rate: RateView,
    /// Shown at least as prominently as any other rate.
    pub apr: AprView,
    pub upfront_fee: Money,
    pub net_proceeds: Money,
    pub first_payment: Money,
    pub totals: Totals,
    pub schedule: Vec<InstallmentView>,
}

impl OfferView {
    pub fn new(amount: Money, term_months: u32, method: RepaymentMethod, quote: &Quote) -> Self {
        OfferView {
            amount,
            term_months,
            method,
            annual_rate: quote.annual_rate.into(),
            apr: (&quote.apr).into(),
            upfront_fee: quote.upfront_fee,
            net_proceeds: quote.net_proceeds,
            first_payment: quote
                .schedule
                .installments
                .first()
                .map_or(Money::ZERO, |i| i.payment),
            totals: (&quote.schedule).into(),
            schedule: quote.schedule.installments.iter().map(Into::into).collect(),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, ToSchema)]
pub struct ReasonView {
    #[serde(flatten)]
    pub text: ReasonText,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub points: Option<i32>,
}

/// A decision as shown, with its reasons in zh-CN and en.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, ToSchema)]
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
    /// The stored decision on `request` (its term and method; the amount
    /// where none was approved).
    pub fn new(decided: &StoredDecision, request: &OfferRequest) -> Self {
        let decision = &decided.decision;
        DecisionView {
            outcome: decision.outcome,
            score: decision.score,
            grade: decision.grade,
            probability_of_default: decided.assessment.probability_of_default,
            model: decided.assessment.model.clone(),
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

/// Where an instalment stands.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum InstallmentStatus {
    Pending,
    Due,
    Overdue,
    Paid,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq, ToSchema)]
pub struct ServicedInstallment {
    pub number: u32,
    pub due_date: NaiveDate,
    pub principal: Money,
    pub interest: Money,
    pub fee: Money,
    pub penalty: Money,
    pub paid: Money,
    pub outstanding: Money,
    pub status: InstallmentStatus,
}

impl ServicedInstallment {
    pub fn new(installment: &InstallmentState, as_of: NaiveDate) -> Self {
        let outstanding = installment.outstanding().total();
        let status = if installment.is_settled() {
            InstallmentStatus::Paid
        } else if installment.due_date < as_of {
            InstallmentStatus::Overdue
        } else if installment.due_date == as_of {
            InstallmentStatus::Due
        } else {
            InstallmentStatus::Pending
        };
        ServicedInstallment {
            number: installment.n,
            due_date: installment.due_date,
            principal: installment.owed.principal,
            interest: installment.owed.interest,
            fee: installment.owed.fee,
            penalty: installment.owed.penalty,
            paid: installment.paid.total(),
            outstanding,
            status,
        }
    }
}

/// The next instalment not yet settled.
pub fn next_due(loan: &Loan) -> Option<&InstallmentState> {
    loan.installments.iter().find(|i| !i.is_settled())
}

/// A loan event as stored and shown (`GET /loans/{id}/events`): `type` is
/// `disbursement`, `repayment`, `prepayment`, `payoff`, `credit_refund` or
/// `write_off`; `amount` is absent only for a write-off, `mode` present only
/// for a prepayment.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, ToSchema)]
pub struct EventBody {
    #[serde(rename = "type")]
    #[schema(example = "repayment")]
    pub kind: String,
    pub amount: Option<Money>,
    pub mode: Option<kredit_core::loan::ReamortiseMode>,
}

/// How a collection was split over what was owed; a part is absent when
/// nothing went to it, and `suspense` holds what a loan could not take.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq, ToSchema)]
pub struct AllocationView {
    pub penalty: Option<Money>,
    pub fee: Option<Money>,
    pub interest: Option<Money>,
    pub principal: Option<Money>,
    /// Kept as the loan's credit balance.
    pub credit: Option<Money>,
    pub suspense: Option<Money>,
}
