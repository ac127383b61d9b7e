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

mod canonical;
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

/// The text was none of an enum's values.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {kind} {value:?}")]
pub struct UnknownValue {
    pub kind: &'static str,
    pub value: String,
}

/// Declares a fieldless enum whose variants each map to one string:
/// `as_str`, `Display`, `FromStr` and serde all use that string, so a code
/// reads the same in JSON, logs and the rendered texts. (The core has the
/// same macro, crate-private; this crate does not depend on the core.)
macro_rules! string_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident ($kind:literal) {
            $($(#[$variant_meta:meta])* $variant:ident = $text:literal,)+
        }
    ) => {
        $(#[$meta])*
        #[derive(
            Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord,
            serde::Serialize, serde::Deserialize,
        )]
        pub enum $name {
            $($(#[$variant_meta])* #[serde(rename = $text)] $variant,)+
        }

        impl $name {
            pub const ALL: [$name; [$($text),+].len()] = [$($name::$variant),+];

            pub const fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text,)+
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl std::str::FromStr for $name {
            type Err = $crate::disbursement::UnknownValue;

            fn from_str(text: &str) -> Result<Self, Self::Err> {
                $name::ALL
                    .into_iter()
                    .find(|value| value.as_str() == text)
                    .ok_or_else(|| $crate::disbursement::UnknownValue {
                        kind: $kind,
                        value: text.to_owned(),
                    })
            }
        }
    };
}

use string_enum;
