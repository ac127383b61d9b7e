//! The disbursement policy at work (docs/disbursement-policy.md): the
//! [`PaymentAuthoriser`] that asks `kredit_policy::disbursement::evaluate`
//! about every disbursement before it reaches the bank. Ready authorises
//! it; waiting holds it (`created`, asked again by every reconciliation,
//! so a cooling-off ends with the money sent within a minute, and by every
//! staff approval, so the last one sends it at once); blocked refuses it,
//! failing the disbursement. Each outcome is a domain event,
//! `disbursement.evaluated` — written when it differs from the payment's
//! previous one, so a held payment is not re-logged every minute — and so
//! an entry of the transparency log, citing the log entries it relied on.
//!
//! The policy in force is the one stored and logged by its last
//! activation ([`activate`]: `kredit policy activate`, or the server's
//! configured policy file, activated at its first evaluation); each
//! evaluation names its content address, so the log shows which policy
//! decided. The facts come from what Kredit stores: the borrower's
//! verified identity, the signed contract (its time and its log entry),
//! the loan's principal and product, who underwrote it, the staff's
//! approvals (each with its log entry), the funding account
//! ([`FundingSource`]) and the fraud decision before disbursement
//! (`crate::risk`). Without a funding account a policy naming it is
//! refused rather than left to wait for ever.

use std::sync::Arc;

use async_trait::async_trait;
use kredit_core::payment::PaymentDirection;
use kredit_policy::disbursement::{
    Approval, ApprovalDecision, Condition, DisbursementPolicy, FactRef, Facts, Outcome, SignedFact,
    StaffId, evaluate,
};
use kredit_store::disbursement::{NewPolicy, approval_subject};
use kredit_store::lending::{LoanRecord, PaymentRecord};
use kredit_store::{IdentityStatus, UserId};
use serde_json::json;
use tokio::sync::OnceCell;

use crate::audit::Audit;
use crate::funding::FundingSource;
use crate::payments::{Authorisation, PaymentAuthoriser};
use crate::{App, AppError, AppResult, FieldProblem};

/// The event each new outcome writes.
pub const EVALUATED: &str = "disbursement.evaluated";
/// The event an activation writes.
pub const ACTIVATED: &str = "disbursement_policy.activated";
/// The event a member of staff's decision on a held payout writes.
pub const APPROVAL_RECORDED: &str = "disbursement.approval_recorded";

/// What a fresh install runs: the identity verified, the contract signed,
/// no cooling-off.
pub fn kredit_default() -> DisbursementPolicy {
    DisbursementPolicy {
        name: "kredit-default".to_owned(),
        version: 1,
        conditions: vec![
            Condition::IdentityVerified {},
            Condition::ContractSigned {},
            Condition::CoolingOff { hours: 0 },
        ],
    }
}

/// Every reason `policy` cannot be in force here: its validation problems,
/// and the conditions whose facts this install does not gather
/// (`funding`: whether a funding account is configured).
pub fn problems(policy: &DisbursementPolicy, funding: bool) -> Vec<FieldProblem> {
    let mut problems: Vec<FieldProblem> = match policy.validate() {
        Ok(()) => Vec::new(),
        Err(problems) => problems
            .iter()
            .map(|p| FieldProblem {
                field: p.field.clone(),
                code: p.code.as_str().to_owned(),
                message: p.message.clone(),
            })
            .collect(),
    };
    for (i, condition) in policy.conditions.iter().enumerate() {
        let unsourced = !funding && matches!(condition, Condition::FundingAvailable {});
        if unsourced {
            problems.push(FieldProblem {
                field: format!("conditions[{i}]"),
                code: "no_fact_source".to_owned(),
                message: format!(
                    "{} has no source of facts in this installation of Kredit",
                    condition.kind().as_str()
                ),
            });
        }
    }
    problems
}

/// One line per problem, for logs and the command line.
pub fn describe(problems: &[FieldProblem]) -> String {
    problems
        .iter()
        .map(|p| format!("{}: {} ({})", p.field, p.message, p.code))
        .collect::<Vec<_>>()
        .join("; ")
}

/// A stored policy and its content address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InForce {
    pub policy: DisbursementPolicy,
    pub address: String,
}

/// The outcome of [`activate`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Activated {
    pub address: String,
    /// `false` when the policy was already in force (nothing written).
    pub changed: bool,
}

/// Makes `policy` the one in force: checked, stored under its content
/// address and logged (`disbursement_policy.activated`, the whole
/// document in the payload), audited. Activating the policy in force
/// changes nothing. Whether a funding account exists is the server's to
/// check when it loads the policy, so it is not refused here.
pub async fn activate(
    app: &App,
    policy: &DisbursementPolicy,
    actor: Option<UserId>,
) -> AppResult<Activated> {
    let problems = problems(policy, true);
    if !problems.is_empty() {
        return Err(AppError::Validation {
            detail: format!("the policy cannot be activated: {}", describe(&problems)),
            errors: problems,
        });
    }
    let address = policy.content_address();
    let document = serde_json::to_value(policy).map_err(AppError::internal)?;
    let payload = json!({
        "address": address,
        "name": policy.name,
        "version": policy.version,
        "policy": document,
    });
    let audit = Audit {
        actor,
        action: "disbursement_policy.activate",
        entity_type: "disbursement_policy",
        entity_id: None,
    }
    .entry(None, Some(payload.clone()));
    let stored = NewPolicy {
        address: address.clone(),
        name: policy.name.clone(),
        version: i64::from(policy.version),
        document: document.to_string(),
        activated_by: actor,
        at: app.time.clock.now(),
    };
    let changed = app
        .repository
        .disbursement()
        .activate_policy(&stored, &crate::outbox::event(ACTIVATED, payload), audit)
        .await?;
    Ok(Activated { address, changed })
}

/// The policy in force, if any was ever activated. A stored document that
/// no longer parses or no longer has its address is an internal fault,
/// never a policy applied.
pub async fn in_force(app: &App) -> AppResult<Option<InForce>> {
    let Some(record) = app.repository.disbursement().active_policy().await? else {
        return Ok(None);
    };
    let policy: DisbursementPolicy =
        serde_json::from_str(&record.document).map_err(AppError::internal)?;
    let address = policy.content_address();
    if address != record.address {
        return Err(AppError::internal(format!(
            "the stored policy {} has the address {address}",
            record.address
        )));
    }
    Ok(Some(InForce { policy, address }))
}

/// Who made the loan's approval: the underwriter of a referred
/// application; nobody (`None`) when the engine approved it.
pub async fn maker_of(app: &App, loan: &LoanRecord) -> AppResult<Option<UserId>> {
    let Some(application) = loan.application_id else {
        return Ok(None);
    };
    let Some(record) = app.repository.lending().application(application).await? else {
        return Ok(None);
    };
    record
        .underwriting
        .map(|text| {
            serde_json::from_str::<crate::origination::underwrite::Underwriting>(&text)
                .map(|u| u.decided_by)
                .map_err(AppError::internal)
        })
        .transpose()
}

/// The log entry of a fact recorded under `subject` as `kind`, if logged.
async fn fact_ref(app: &App, subject: &str, kind: &str) -> AppResult<FactRef> {
    let entry = app.repository.log().entry_of(subject, kind).await?;
    Ok(entry.map_or(FactRef::NOT_LOGGED, |e| FactRef::logged(e.idx as u64)))
}

/// The staff's decisions on `payment`, as the policy's facts.
pub async fn approvals_of(app: &App, payment: kredit_store::PaymentId) -> AppResult<Vec<Approval>> {
    let records = app.repository.disbursement().approvals(payment).await?;
    let mut approvals = Vec::with_capacity(records.len());
    for record in records {
        approvals.push(Approval {
            staff_id: StaffId(record.staff_id.0),
            roles: serde_json::from_str(&record.roles).map_err(AppError::internal)?,
            decision: record
                .decision
                .parse::<ApprovalDecision>()
                .map_err(AppError::internal)?,
            at: record.at.timestamp(),
            fact: fact_ref(app, &approval_subject(record.id), APPROVAL_RECORDED).await?,
        });
    }
    Ok(approvals)
}

/// When the borrower signed the loan's contract, and its log entry.
pub async fn signed_fact(app: &App, loan: &LoanRecord) -> AppResult<Option<SignedFact>> {
    let Some(id) = loan.contract_id else {
        return Ok(None);
    };
    let Some(contract) = app.repository.lending().contract(id).await? else {
        return Ok(None);
    };
    Ok(Some(SignedFact {
        at: contract.signed_at.timestamp(),
        fact: fact_ref(app, &format!("contract:{id}"), "contract.signed").await?,
    }))
}

/// The `Startup` policy the server was configured with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Startup {
    /// A policy file: activated at the first evaluation after start, so a
    /// restart with the file puts it back in force.
    File(DisbursementPolicy),
    /// No file: the stored policy stays in force; on an install that never
    /// activated one, [`kredit_default`] is activated.
    Stored,
}

pub struct PolicyAuthoriser {
    startup: Startup,
    funding: Option<Arc<dyn FundingSource>>,
    started: OnceCell<()>,
}

impl PolicyAuthoriser {
    /// The authoriser, if the configured policy can be in force here; its
    /// problems otherwise.
    pub fn new(
        startup: Startup,
        funding: Option<Arc<dyn FundingSource>>,
    ) -> Result<PolicyAuthoriser, Vec<FieldProblem>> {
        if let Startup::File(policy) = &startup {
            let problems = problems(policy, funding.is_some());
            if !problems.is_empty() {
                return Err(problems);
            }
        }
        Ok(PolicyAuthoriser {
            startup,
            funding,
            started: OnceCell::new(),
        })
    }

    /// The configured policy file's, if any.
    pub fn startup(&self) -> &Startup {
        &self.startup
    }

    /// The policy in force, activating the configured one first if this
    /// instance has not yet. A stored policy this instance cannot apply
    /// (one naming the funding account where none is configured) is an
    /// error: the payment stays held and the fault is logged.
    async fn current(&self, app: &App) -> AppResult<InForce> {
        self.started
            .get_or_try_init(|| async {
                match &self.startup {
                    Startup::File(policy) => activate(app, policy, None).await.map(drop),
                    Startup::Stored if in_force(app).await?.is_none() => {
                        activate(app, &kredit_default(), None).await.map(drop)
                    }
                    Startup::Stored => Ok(()),
                }
            })
            .await?;
        let current = in_force(app).await?.ok_or(AppError::Internal)?;
        let problems = problems(&current.policy, self.funding.is_some());
        if !problems.is_empty() {
            return Err(AppError::internal(format!(
                "the policy in force {} cannot be applied: {}",
                current.address,
                describe(&problems)
            )));
        }
        Ok(current)
    }

    async fn facts(
        &self,
        app: &App,
        policy: &DisbursementPolicy,
        payment: &PaymentRecord,
    ) -> AppResult<Facts> {
        let loan = app
            .repository
            .lending()
            .loan(payment.loan_id)
            .await?
            .ok_or(AppError::Internal)?;
        let identity_verified = app
            .repository
            .identity(loan.borrower_id)
            .await?
            .filter(|identity| identity.status == IdentityStatus::Verified)
            .map(|_| FactRef::NOT_LOGGED);
        let names = |kind: fn(&Condition) -> bool| policy.conditions.iter().any(kind);
        let funding_available_fen = match &self.funding {
            Some(funding) if names(|c| matches!(c, Condition::FundingAvailable {})) => {
                Some(funding.available_fen().await?)
            }
            _ => None,
        };
        let approvals = if names(|c| matches!(c, Condition::Approvals { .. })) {
            approvals_of(app, payment.id).await?
        } else {
            Vec::new()
        };
        Ok(Facts {
            principal_fen: loan.principal_fen,
            net_proceeds_fen: payment.amount_fen,
            product_code: loan.product_code.clone(),
            identity_verified,
            fraud: crate::risk::disbursement_fact(
                app,
                loan.borrower_id,
                loan.id,
                loan.application_id,
                payment,
            )
            .await?,
            contract_signed: signed_fact(app, &loan).await?,
            // The engine's approval has no maker: StaffId(0) is nobody's.
            maker: StaffId(maker_of(app, &loan).await?.map_or(0, |id| id.0)),
            approvals,
            funding_available_fen,
        })
    }
}

#[async_trait]
impl PaymentAuthoriser for PolicyAuthoriser {
    async fn authorise(&self, app: &App, payment: &PaymentRecord) -> AppResult<Authorisation> {
        if payment.direction != PaymentDirection::Disbursement {
            return Ok(Authorisation::Authorised);
        }
        let InForce { policy, address } = self.current(app).await?;
        let facts = self.facts(app, &policy, payment).await?;
        let now = app.time.clock.now();
        let evaluation = evaluate(&policy, &facts, now.timestamp());
        let relied_on: Vec<u64> = evaluation
            .conditions
            .iter()
            .flat_map(|c| c.relied_on.iter().filter_map(|f| f.log_index))
            .collect();
        let outcome = serde_json::to_value(&evaluation.outcome).map_err(AppError::internal)?;
        let subject = format!("payment:{}", payment.id);
        let outbox = app.repository.outbox();
        let previous = outbox.last_event_of(&subject, EVALUATED).await?;
        let unchanged = previous.is_some_and(|event| {
            serde_json::from_str::<serde_json::Value>(&event.payload).is_ok_and(|payload| {
                payload["policy"] == address.as_str()
                    && payload["outcome"] == outcome
                    && payload["relied_on"] == json!(relied_on)
            })
        });
        if !unchanged {
            let payload = json!({
                "payment_id": payment.id,
                "loan_id": payment.loan_id,
                "policy": address,
                "policy_name": policy.name,
                "policy_version": policy.version,
                "outcome": outcome,
                "relied_on": relied_on,
            });
            outbox
                .record_event(
                    &crate::outbox::event(EVALUATED, payload),
                    &subject,
                    Some(payment.loan_id),
                    now,
                )
                .await?;
        }
        let held = app
            .repository
            .disbursement()
            .held_disbursement_count()
            .await?;
        // Counted before this answer is recorded: a payment authorised now
        // leaves the count at the next evaluation or listing.
        metrics::gauge!("kredit_disbursements_held").set(held as f64);
        Ok(match evaluation.outcome {
            Outcome::Ready => Authorisation::Authorised,
            Outcome::Waiting(reasons) => Authorisation::Held {
                reasons: reasons
                    .iter()
                    .map(|r| r.code().as_str().to_owned())
                    .collect(),
            },
            Outcome::Blocked(reasons) => Authorisation::Refused {
                code: "disbursement_blocked".to_owned(),
                reason: reasons
                    .iter()
                    .map(|r| r.code().as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            },
        })
    }
}
