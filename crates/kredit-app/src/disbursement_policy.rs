//! The disbursement policy at work (docs/disbursement-policy.md): the
//! [`PaymentAuthoriser`] that asks `kredit_policy::disbursement::evaluate`
//! about every disbursement before it reaches the bank. Ready authorises
//! it; waiting holds it (`created`, asked again by every reconciliation,
//! so a cooling-off ends with the money sent within a minute); blocked
//! refuses it, failing the disbursement. Each outcome is a domain event,
//! `disbursement.evaluated` — written when it differs from the payment's
//! previous one, so a held payment is not re-logged every minute — and so
//! an entry of the transparency log, citing the log entries it relied on.
//!
//! The facts come from what Kredit stores: the borrower's verified
//! identity, the signed contract (its time and its log entry), the loan's
//! principal and product. Conditions whose facts Kredit does not gather yet
//! (the fraud decision, staff approvals, the funding account) are refused
//! when the policy is loaded rather than left to wait for ever.

use async_trait::async_trait;
use kredit_core::payment::PaymentDirection;
use kredit_policy::disbursement::{
    Condition, DisbursementPolicy, FactRef, Facts, Outcome, SignedFact, StaffId, evaluate,
};
use kredit_store::IdentityStatus;
use kredit_store::lending::PaymentRecord;
use serde_json::json;

use crate::payments::{Authorisation, PaymentAuthoriser};
use crate::{App, AppError, AppResult};

/// The event each new outcome writes.
pub const EVALUATED: &str = "disbursement.evaluated";

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

pub struct PolicyAuthoriser {
    policy: DisbursementPolicy,
    address: String,
}

impl PolicyAuthoriser {
    /// The authoriser for a valid policy whose facts Kredit gathers; the
    /// problems otherwise, one line each.
    pub fn new(policy: DisbursementPolicy) -> Result<PolicyAuthoriser, Vec<String>> {
        let mut problems: Vec<String> = match policy.validate() {
            Ok(()) => Vec::new(),
            Err(problems) => problems
                .iter()
                .map(|p| format!("{}: {} ({})", p.field, p.message, p.code.as_str()))
                .collect(),
        };
        for (i, condition) in policy.conditions.iter().enumerate() {
            if matches!(
                condition,
                Condition::Approvals { .. } | Condition::FundingAvailable {}
            ) {
                problems.push(format!(
                    "conditions[{i}]: {} has no source of facts in this version of Kredit",
                    condition.kind().as_str()
                ));
            }
        }
        if !problems.is_empty() {
            return Err(problems);
        }
        let address = policy.content_address();
        Ok(PolicyAuthoriser { policy, address })
    }

    pub fn policy(&self) -> &DisbursementPolicy {
        &self.policy
    }

    async fn facts(&self, app: &App, payment: &PaymentRecord) -> AppResult<Facts> {
        let lending = app.repository.lending();
        let loan = lending
            .loan(payment.loan_id)
            .await?
            .ok_or(AppError::Internal)?;
        let identity_verified = app
            .repository
            .identity(loan.borrower_id)
            .await?
            .filter(|identity| identity.status == IdentityStatus::Verified)
            .map(|_| FactRef::NOT_LOGGED);
        let contract_signed = match loan.contract_id {
            None => None,
            Some(id) => match lending.contract(id).await? {
                None => None,
                Some(contract) => {
                    let entry = app
                        .repository
                        .log()
                        .entry_of(&format!("contract:{id}"), "contract.signed")
                        .await?;
                    Some(SignedFact {
                        at: contract.signed_at.timestamp(),
                        fact: entry.map_or(FactRef::NOT_LOGGED, |e| FactRef::logged(e.idx as u64)),
                    })
                }
            },
        };
        Ok(Facts {
            principal_fen: loan.principal_fen,
            net_proceeds_fen: payment.amount_fen,
            product_code: loan.product_code,
            identity_verified,
            fraud: crate::risk::disbursement_fact(
                app,
                loan.borrower_id,
                loan.id,
                loan.application_id,
                payment,
            )
            .await?,
            contract_signed,
            // The engine approved it: no member of staff made it.
            maker: StaffId(0),
            approvals: Vec::new(),
            funding_available_fen: None,
        })
    }
}

#[async_trait]
impl PaymentAuthoriser for PolicyAuthoriser {
    async fn authorise(&self, app: &App, payment: &PaymentRecord) -> AppResult<Authorisation> {
        if payment.direction != PaymentDirection::Disbursement {
            return Ok(Authorisation::Authorised);
        }
        let facts = self.facts(app, payment).await?;
        let now = app.time.clock.now();
        let evaluation = evaluate(&self.policy, &facts, now.timestamp());
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
                payload["policy"] == self.address.as_str() && payload["outcome"] == outcome
            })
        });
        if !unchanged {
            let payload = json!({
                "payment_id": payment.id,
                "loan_id": payment.loan_id,
                "policy": self.address,
                "policy_name": self.policy.name,
                "policy_version": self.policy.version,
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
