//! Evaluating a policy over facts at a moment: each condition met, waiting
//! or blocked, with a reason code and the facts it relied on. Pure: the
//! same policy, facts and `now` give the same evaluation everywhere.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use super::facts::{ApprovalDecision, FactRef, Facts, FraudOutcome, StaffId, Timestamp};
use super::policy::{Condition, ConditionKind, DisbursementPolicy};
use kredit_core::string_enum;

string_enum! {
    /// A reason's stable code; people's texts (zh, en) are rendered from it
    /// and its parameters elsewhere.
    pub enum ReasonCode ("reason code") {
        IdentityUnverified = "identity_unverified",
        FraudUnchecked = "fraud_unchecked",
        FraudReviewPending = "fraud_review_pending",
        FraudDeclined = "fraud_declined",
        ContractUnsigned = "contract_unsigned",
        CoolingOff = "cooling_off",
        ApprovalsNeeded = "approvals_needed",
        ApprovalRejected = "approval_rejected",
        FundsInsufficient = "funds_insufficient",
        ProductNotAllowed = "product_not_allowed",
        PrincipalAboveMax = "principal_above_max",
    }
}

/// Why a condition is not met: a code and the parameters a text needs. In
/// JSON, `{"code": "cooling_off", "until": …}`; the code is
/// [`ReasonCode::as_str`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "code", rename_all = "snake_case", deny_unknown_fields)]
pub enum Reason {
    IdentityUnverified,
    /// No fraud outcome yet.
    FraudUnchecked,
    FraudReviewPending,
    FraudDeclined {
        outcome: FraudOutcome,
    },
    ContractUnsigned,
    CoolingOff {
        until: Timestamp,
    },
    ApprovalsNeeded {
        have: u8,
        need: u8,
    },
    /// The lowest staff id among those who rejected.
    ApprovalRejected {
        by: StaffId,
    },
    /// `available_fen` is `None` when the balance was not read.
    FundsInsufficient {
        available_fen: Option<i64>,
        needed_fen: i64,
    },
    ProductNotAllowed {
        product_code: String,
    },
    PrincipalAboveMax {
        principal_fen: i64,
        max_fen: i64,
    },
}

impl Reason {
    pub fn code(&self) -> ReasonCode {
        match self {
            Reason::IdentityUnverified => ReasonCode::IdentityUnverified,
            Reason::FraudUnchecked => ReasonCode::FraudUnchecked,
            Reason::FraudReviewPending => ReasonCode::FraudReviewPending,
            Reason::FraudDeclined { .. } => ReasonCode::FraudDeclined,
            Reason::ContractUnsigned => ReasonCode::ContractUnsigned,
            Reason::CoolingOff { .. } => ReasonCode::CoolingOff,
            Reason::ApprovalsNeeded { .. } => ReasonCode::ApprovalsNeeded,
            Reason::ApprovalRejected { .. } => ReasonCode::ApprovalRejected,
            Reason::FundsInsufficient { .. } => ReasonCode::FundsInsufficient,
            Reason::ProductNotAllowed { .. } => ReasonCode::ProductNotAllowed,
            Reason::PrincipalAboveMax { .. } => ReasonCode::PrincipalAboveMax,
        }
    }
}

string_enum! {
    /// One condition's state: met; waiting for a fact or for time; or
    /// blocked, which no amount of waiting resolves.
    pub enum ConditionStatus ("condition status") {
        Met = "met",
        Waiting = "waiting",
        Blocked = "blocked",
    }
}

/// One condition's result. `relied_on` cites the facts the result was
/// reached from (a not-logged fact as `null`), so a payout can be proved
/// afterwards from the transparency log.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConditionResult {
    pub condition: ConditionKind,
    pub status: ConditionStatus,
    /// `None` exactly when the condition is met.
    pub reason: Option<Reason>,
    pub relied_on: Vec<FactRef>,
}

/// The whole policy's verdict. Blocked dominates Waiting, which dominates
/// Ready; each lists only the reasons of its own status, in the policy's
/// condition order (the others are still in [`Evaluation::conditions`]).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", content = "reasons", rename_all = "snake_case")]
pub enum Outcome {
    Ready,
    Waiting(Vec<Reason>),
    Blocked(Vec<Reason>),
}

/// An evaluation: the outcome, every condition's result in policy order,
/// and the content address of the policy evaluated, so the record says
/// which contract decided.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Evaluation {
    pub policy_address: String,
    pub evaluated_at: Timestamp,
    pub outcome: Outcome,
    pub conditions: Vec<ConditionResult>,
}

/// Evaluates `policy` over `facts` at `now`. Reads nothing else: no clock,
/// no randomness, no hash-map order.
pub fn evaluate(policy: &DisbursementPolicy, facts: &Facts, now: Timestamp) -> Evaluation {
    evaluate_addressed(policy, policy.content_address(), facts, now)
}

/// [`evaluate`] with the policy's address computed once by the caller: the
/// address is most of an evaluation's cost, and a simulation evaluates one
/// policy many times.
pub(super) fn evaluate_addressed(
    policy: &DisbursementPolicy,
    policy_address: String,
    facts: &Facts,
    now: Timestamp,
) -> Evaluation {
    let conditions: Vec<ConditionResult> = policy
        .conditions
        .iter()
        .map(|condition| evaluate_condition(condition, facts, now))
        .collect();
    Evaluation {
        policy_address,
        evaluated_at: now,
        outcome: outcome_of(&conditions),
        conditions,
    }
}

/// When a time-based condition that is waiting becomes met, so a scheduler
/// knows when to evaluate again without polling; `None` when no waiting
/// condition is waiting for time alone. A blocked evaluation has none:
/// time does not lift a block, only new facts do.
pub fn next_check_at(evaluation: &Evaluation) -> Option<Timestamp> {
    if matches!(evaluation.outcome, Outcome::Blocked(_)) {
        return None;
    }
    evaluation
        .conditions
        .iter()
        .filter_map(|result| match result.reason {
            Some(Reason::CoolingOff { until }) => Some(until),
            _ => None,
        })
        .min()
}

fn outcome_of(conditions: &[ConditionResult]) -> Outcome {
    let reasons_with = |status: ConditionStatus| -> Vec<Reason> {
        conditions
            .iter()
            .filter(|result| result.status == status)
            .filter_map(|result| result.reason.clone())
            .collect()
    };
    let blocked = reasons_with(ConditionStatus::Blocked);
    if !blocked.is_empty() {
        return Outcome::Blocked(blocked);
    }
    let waiting = reasons_with(ConditionStatus::Waiting);
    if !waiting.is_empty() {
        return Outcome::Waiting(waiting);
    }
    Outcome::Ready
}

fn met(condition: ConditionKind, relied_on: Vec<FactRef>) -> ConditionResult {
    ConditionResult {
        condition,
        status: ConditionStatus::Met,
        reason: None,
        relied_on,
    }
}

fn waiting(condition: ConditionKind, reason: Reason, relied_on: Vec<FactRef>) -> ConditionResult {
    ConditionResult {
        condition,
        status: ConditionStatus::Waiting,
        reason: Some(reason),
        relied_on,
    }
}

fn blocked(condition: ConditionKind, reason: Reason, relied_on: Vec<FactRef>) -> ConditionResult {
    ConditionResult {
        condition,
        status: ConditionStatus::Blocked,
        reason: Some(reason),
        relied_on,
    }
}

fn evaluate_condition(condition: &Condition, facts: &Facts, now: Timestamp) -> ConditionResult {
    let kind = condition.kind();
    match condition {
        Condition::IdentityVerified {} => match facts.identity_verified {
            Some(fact) => met(kind, vec![fact]),
            None => waiting(kind, Reason::IdentityUnverified, vec![]),
        },
        Condition::FraudDecision {} => match facts.fraud {
            None => waiting(kind, Reason::FraudUnchecked, vec![]),
            Some(fraud) => match fraud.outcome {
                FraudOutcome::Approve => met(kind, vec![fraud.fact]),
                FraudOutcome::Review => waiting(kind, Reason::FraudReviewPending, vec![fraud.fact]),
                outcome @ (FraudOutcome::BlockAndReview | FraudOutcome::Decline) => {
                    blocked(kind, Reason::FraudDeclined { outcome }, vec![fraud.fact])
                }
            },
        },
        Condition::ContractSigned {} => match facts.contract_signed {
            Some(signed) => met(kind, vec![signed.fact]),
            None => waiting(kind, Reason::ContractUnsigned, vec![]),
        },
        Condition::CoolingOff { hours } => match facts.contract_signed {
            // Cooling off runs from the signature; before it there is
            // nothing to count from, whatever the hours.
            None => waiting(kind, Reason::ContractUnsigned, vec![]),
            Some(signed) => {
                let until = signed.at.saturating_add(i64::from(*hours) * 3600);
                if now >= until {
                    met(kind, vec![signed.fact])
                } else {
                    waiting(kind, Reason::CoolingOff { until }, vec![signed.fact])
                }
            }
        },
        Condition::Approvals {
            above_fen,
            required,
            of_roles,
        } => {
            if facts.principal_fen <= *above_fen {
                met(kind, vec![])
            } else {
                evaluate_approvals(kind, facts, *required, of_roles)
            }
        }
        Condition::FundingAvailable {} => match facts.funding_available_fen {
            Some(available) if available >= facts.net_proceeds_fen => met(kind, vec![]),
            available_fen => waiting(
                kind,
                Reason::FundsInsufficient {
                    available_fen,
                    needed_fen: facts.net_proceeds_fen,
                },
                vec![],
            ),
        },
        Condition::ProductIn { codes } => {
            if codes.contains(&facts.product_code) {
                met(kind, vec![])
            } else {
                let product_code = facts.product_code.clone();
                blocked(kind, Reason::ProductNotAllowed { product_code }, vec![])
            }
        }
        Condition::MaxPrincipal { fen } => {
            if facts.principal_fen <= *fen {
                met(kind, vec![])
            } else {
                let reason = Reason::PrincipalAboveMax {
                    principal_fen: facts.principal_fen,
                    max_fen: *fen,
                };
                blocked(kind, reason, vec![])
            }
        }
    }
}

/// A rejection blocks whoever recorded it, the maker included: stopping a
/// payout is never a privilege. An approval counts once per staff member,
/// and only from someone other than the maker holding one of the roles.
/// Citations are sorted, so they do not depend on the order the caller
/// listed the approvals in.
fn evaluate_approvals(
    kind: ConditionKind,
    facts: &Facts,
    required: u8,
    of_roles: &[String],
) -> ConditionResult {
    let mut rejected_by: Option<StaffId> = None;
    let mut rejections: BTreeSet<FactRef> = BTreeSet::new();
    // Each counted approver with the lowest fact citing their approval.
    let mut approvers: BTreeMap<StaffId, FactRef> = BTreeMap::new();
    for approval in &facts.approvals {
        match approval.decision {
            ApprovalDecision::Reject => {
                let by = approval.staff_id;
                rejected_by = Some(rejected_by.map_or(by, |first| first.min(by)));
                rejections.insert(approval.fact);
            }
            ApprovalDecision::Approve => {
                let counts = approval.staff_id != facts.maker
                    && approval.roles.iter().any(|role| of_roles.contains(role));
                if counts {
                    approvers
                        .entry(approval.staff_id)
                        .and_modify(|fact| *fact = (*fact).min(approval.fact))
                        .or_insert(approval.fact);
                }
            }
        }
    }
    if let Some(by) = rejected_by {
        let relied_on = rejections.into_iter().collect();
        return blocked(kind, Reason::ApprovalRejected { by }, relied_on);
    }
    let relied_on: Vec<FactRef> = approvers.values().copied().collect();
    match u8::try_from(approvers.len()) {
        Ok(have) if have < required => waiting(
            kind,
            Reason::ApprovalsNeeded {
                have,
                need: required,
            },
            relied_on,
        ),
        _ => met(kind, relied_on),
    }
}
