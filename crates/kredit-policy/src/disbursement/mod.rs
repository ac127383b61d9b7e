//! The disbursement policy: a small, deterministic contract as data that
//! holds a loan's payout until its conditions are met, and afterwards shows
//! which recorded facts the payout relied on.
//!
//! - `policy` — [`DisbursementPolicy`] and its conditions, validation and
//!   content address.
//! - `facts` — [`Facts`], everything an evaluation may look at, supplied by
//!   the caller.
//! - `evaluate` — [`evaluate`] to [`Outcome::Ready`], [`Outcome::Waiting`] or
//!   [`Outcome::Blocked`], with a reason code per condition, and
//!   [`next_check_at`] for the scheduler.
//! - `simulate` — [`simulate`], a draft policy replayed over past cases.
//!
//! Determinism is the point (a contract that two instances evaluate
//! differently cannot be trusted): no clock, no randomness, no hash-map
//! iteration order and no floats anywhere in this module. The format is in
//! docs/disbursement-policy.md.

mod evaluate;
mod facts;
mod policy;
mod simulate;

pub use evaluate::{
    ConditionResult, ConditionStatus, Evaluation, Outcome, Reason, ReasonCode, evaluate,
    next_check_at,
};
pub use facts::{
    Approval, ApprovalDecision, FactRef, Facts, FraudFact, FraudOutcome, SignedFact, StaffId,
    Timestamp,
};
pub use policy::{
    Condition, ConditionKind, DisbursementPolicy, MAX_COOLING_OFF_HOURS, PolicyProblem,
    ProblemCode, default_policy,
};
pub use simulate::{
    CaseOutcome, CaseResult, SimulationCase, SimulationError, SimulationReport, TimedFacts,
    simulate,
};

/// The text was none of an enum's values (the core's, whose `string_enum!`
/// this crate's enums use).
pub use kredit_core::lifecycle::UnknownValue;
