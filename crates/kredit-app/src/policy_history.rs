//! `kredit policy simulate`: a draft disbursement policy replayed over the
//! applications stored (docs/disbursement-policy.md, "Simulation"). Each
//! application made in the window becomes a `SimulationCase` whose
//! timeline is its facts as they arrived — the application (principal,
//! product, maker), the identity verification, the contract's signature
//! (with its log entry), each staff decision on its payout — and the
//! report says what the draft would have done beside what happened.

use chrono::{DateTime, Utc};
use kredit_core::payment::PaymentStatus;
use kredit_policy::disbursement::{
    DisbursementPolicy, FactRef, Facts, SimulationCase, SimulationReport, StaffId, TimedFacts,
    Timestamp, simulate,
};
use kredit_store::IdentityStatus;
use kredit_store::lending::ApplicationRecord;
use serde::Serialize;

use crate::disbursement_policy::{EVALUATED, approvals_of, maker_of, problems, signed_fact};
use crate::{App, AppError, AppResult};

/// What happened to an application's payout.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "actual", rename_all = "snake_case")]
pub enum Actual {
    /// The contract was never signed.
    NotAccepted,
    /// Still waiting for its policy.
    Held,
    /// Authorised at `at` (the policy's ready evaluation).
    Released { at: Timestamp },
    /// The payment failed (`code`: the policy's block or the bank's).
    Failed { code: Option<String> },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ActualCase {
    pub application_id: i64,
    #[serde(flatten)]
    pub actual: Actual,
}

/// The draft's report and, in the same order, what actually happened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HistoryReport {
    pub simulation: SimulationReport,
    pub actual: Vec<ActualCase>,
}

/// Replays `draft` over the applications made from `from` to `to`.
/// `funding_available_fen` is the funding account's balance applied at
/// every moment (its history is not stored); `None` leaves it unread.
pub async fn simulate_history(
    app: &App,
    draft: &DisbursementPolicy,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    funding_available_fen: Option<i64>,
) -> AppResult<HistoryReport> {
    if let Err(problems) = draft.validate() {
        let errors = problems
            .into_iter()
            .map(|p| crate::FieldProblem {
                field: p.field,
                code: p.code.as_str().to_owned(),
                message: p.message,
            })
            .collect::<Vec<_>>();
        return Err(AppError::Validation {
            detail: format!(
                "the draft policy is not valid: {}",
                crate::disbursement_policy::describe(&errors)
            ),
            errors,
        });
    }
    // A draft naming a fact Kredit does not gather would only say so.
    let unsourced = problems(draft, funding_available_fen.is_some());
    if !unsourced.is_empty() {
        return Err(AppError::Validation {
            detail: crate::disbursement_policy::describe(&unsourced),
            errors: unsourced,
        });
    }
    let applications = app
        .repository
        .disbursement()
        .applications_between(from, to)
        .await?;
    let mut cases = Vec::with_capacity(applications.len());
    let mut actual = Vec::with_capacity(applications.len());
    for application in &applications {
        let (case, happened) = history_of(app, application, funding_available_fen).await?;
        cases.push(case);
        actual.push(ActualCase {
            application_id: application.id.0,
            actual: happened,
        });
    }
    let simulation = simulate(draft, &cases, from.timestamp(), to.timestamp())
        .map_err(|error| AppError::field("to", "window_reversed", error.to_string()))?;
    Ok(HistoryReport { simulation, actual })
}

/// One application's facts timeline and what became of its payout.
async fn history_of(
    app: &App,
    application: &ApplicationRecord,
    funding_available_fen: Option<i64>,
) -> AppResult<(SimulationCase, Actual)> {
    let lending = app.repository.lending();
    let made = application.created_at.timestamp();
    let loan = lending.loan_by_application(application.id).await?;
    let verified_at = app
        .repository
        .identity(application.borrower_id)
        .await?
        .filter(|identity| identity.status == IdentityStatus::Verified)
        // Verified before it applied, or when it last changed after.
        .map(|identity| identity.updated_at.timestamp().max(made));
    let mut facts = Facts {
        principal_fen: application.amount_fen,
        net_proceeds_fen: application.amount_fen,
        product_code: application.product_code.clone(),
        identity_verified: None,
        fraud: None,
        contract_signed: None,
        maker: StaffId(0),
        approvals: Vec::new(),
        funding_available_fen,
    };
    // Changes of the facts, each (moment, change), applied in time order.
    let mut changes: Vec<(Timestamp, Change)> = Vec::new();
    if let Some(at) = verified_at {
        changes.push((at, Change::Verified));
    }
    let mut happened = Actual::NotAccepted;
    if let Some(loan) = &loan {
        facts.principal_fen = loan.principal_fen;
        facts.maker = StaffId(maker_of(app, loan).await?.map_or(0, |id| id.0));
        if let Some(signed) = signed_fact(app, loan).await? {
            changes.push((signed.at, Change::Signed(signed)));
        }
        let payments = lending.loan_payments(loan.id).await?;
        if let Some(payment) = payments
            .iter()
            .find(|p| p.purpose == kredit_core::payment::PaymentPurpose::Disbursement)
        {
            facts.net_proceeds_fen = payment.amount_fen;
            for approval in approvals_of(app, payment.id).await? {
                changes.push((approval.at, Change::Approval(approval)));
            }
            happened = match payment.status {
                PaymentStatus::Created => Actual::Held,
                PaymentStatus::Failed => Actual::Failed {
                    code: payment.failure_code.clone(),
                },
                _ => {
                    let evaluated = app
                        .repository
                        .outbox()
                        .last_event_of(&format!("payment:{}", payment.id), EVALUATED)
                        .await?;
                    Actual::Released {
                        at: evaluated
                            .map_or(payment.updated_at, |event| event.occurred_at)
                            .timestamp(),
                    }
                }
            };
        }
    }
    changes.sort_by_key(|(at, _)| *at);
    let mut timeline = vec![TimedFacts {
        at: made,
        facts: facts.clone(),
    }];
    for (at, change) in changes {
        match change {
            Change::Verified => facts.identity_verified = Some(FactRef::NOT_LOGGED),
            Change::Signed(signed) => facts.contract_signed = Some(signed),
            Change::Approval(approval) => facts.approvals.push(approval),
        }
        timeline.push(TimedFacts {
            at: at.max(made),
            facts: facts.clone(),
        });
    }
    Ok((
        SimulationCase {
            application_id: application.id.0,
            timeline,
        },
        happened,
    ))
}

enum Change {
    Verified,
    Signed(kredit_policy::disbursement::SignedFact),
    Approval(kredit_policy::disbursement::Approval),
}

impl HistoryReport {
    /// The simulation's table (`SimulationReport::render_text`), then what
    /// happened to each application.
    pub fn render_text(&self) -> String {
        use std::fmt::Write as _;
        let mut text = self.simulation.render_text();
        let _ = writeln!(text, "\napplication          actually");
        for case in &self.actual {
            let detail = match &case.actual {
                Actual::NotAccepted => "not_accepted".to_owned(),
                Actual::Held => "held".to_owned(),
                Actual::Released { at } => format!("released   {}", moment(*at)),
                Actual::Failed { code } => {
                    format!("failed     {}", code.as_deref().unwrap_or(""))
                }
            };
            let _ = writeln!(text, "{:<20} {}", case.application_id, detail.trim_end());
        }
        text
    }
}

fn moment(at: Timestamp) -> String {
    DateTime::<Utc>::from_timestamp(at, 0).map_or_else(
        || at.to_string(),
        |t| t.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
    )
}
