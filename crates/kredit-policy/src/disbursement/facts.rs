//! The facts an evaluation may look at. The caller gathers them (from the
//! store, the fraud check, the treasury) and passes them in with `now`, so
//! the evaluation itself reads nothing and can be replayed exactly.

use serde::{Deserialize, Serialize};

use kredit_core::string_enum;

/// A moment as unix seconds, UTC. Integers rather than a date type so that
/// comparisons and the cooling-off arithmetic are exact and cheap.
pub type Timestamp = i64;

/// Where a fact was recorded: the index of its transparency-log entry, or
/// nothing when it was not logged. An outcome cites these for what it
/// relied on, so the lender can later prove why it paid. In JSON an object,
/// `{"log_index": 42}` or `{"log_index": null}`, never a bare `null`, so a
/// fact known but not logged stays distinct from a fact absent.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FactRef {
    pub log_index: Option<u64>,
}

impl FactRef {
    /// A fact known but not (yet) in the transparency log.
    pub const NOT_LOGGED: FactRef = FactRef { log_index: None };

    /// A fact recorded at `index` in the transparency log.
    pub const fn logged(index: u64) -> FactRef {
        FactRef {
            log_index: Some(index),
        }
    }
}

/// A staff member, by their user id (the core's `UserId` number).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct StaffId(pub i64);

string_enum! {
    /// The fraud check's outcome for the application.
    pub enum FraudOutcome ("fraud outcome") {
        Approve = "approve",
        Review = "review",
        BlockAndReview = "block_and_review",
        Decline = "decline",
    }
}

/// The fraud check's outcome and where it was recorded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FraudFact {
    pub outcome: FraudOutcome,
    pub fact: FactRef,
}

/// When the borrower signed the contract and where that was recorded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignedFact {
    pub at: Timestamp,
    pub fact: FactRef,
}

string_enum! {
    /// What an approver decided.
    pub enum ApprovalDecision ("approval decision") {
        Approve = "approve",
        Reject = "reject",
    }
}

/// One staff member's decision on the payout, with the roles they held when
/// they made it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Approval {
    pub staff_id: StaffId,
    pub roles: Vec<String>,
    pub decision: ApprovalDecision,
    pub at: Timestamp,
    pub fact: FactRef,
}

/// Everything an evaluation may look at. A missing fact is `None`: not yet
/// known, which waits, never a default that might pass.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Facts {
    pub principal_fen: i64,
    /// What the borrower receives: principal less any fee deducted up front.
    pub net_proceeds_fen: i64,
    pub product_code: String,
    /// Set once real-name verification has succeeded.
    pub identity_verified: Option<FactRef>,
    pub fraud: Option<FraudFact>,
    pub contract_signed: Option<SignedFact>,
    /// The staff member who created or underwrote the loan; their own
    /// approval never counts.
    pub maker: StaffId,
    pub approvals: Vec<Approval>,
    /// The funding account's available balance, when it was read.
    pub funding_available_fen: Option<i64>,
}
