//! Staff decisions on disbursements the policy holds for approval
//! (docs/disbursement-policy.md, "Approvals"): the held list, and one
//! member of staff's approval or rejection, stored with its domain event
//! (`disbursement.approval_recorded`, so a log entry the next evaluation
//! cites) and audit entry, then the payment evaluated again at once
//! through the payment authorisation port, under the loan's lock, so the
//! last approval needed sends the money in the same request.

use kredit_core::payment::{PaymentDirection, PaymentStatus};
use kredit_policy::disbursement::{
    Approval, ApprovalDecision, Condition, DisbursementPolicy, Facts, Outcome, Reason, StaffId,
    evaluate,
};
use kredit_store::disbursement::{ApprovalRecord, NewApproval};
use kredit_store::lending::PaymentRecord;
use kredit_store::{PaymentId, Role, StoreError, UserId};
use serde_json::{Value, json};

use crate::audit::Audit;
use crate::disbursement_policy::{APPROVAL_RECORDED, EVALUATED, approvals_of, in_force, maker_of};
use crate::text::{self, MAX_TEXT_CHARS};
use crate::{App, AppError, AppResult, payments};

/// A held disbursement as staff see it.
#[derive(Debug, Clone, PartialEq)]
pub struct Held {
    pub payment: PaymentRecord,
    pub principal_fen: i64,
    /// The policy's last evaluation of it (`disbursement.evaluated`'s
    /// payload: the policy's address, name and version, the outcome with
    /// its reasons in the policy's order); `None` if not yet evaluated.
    pub evaluation: Option<Value>,
    pub approvals: Vec<ApprovalRecord>,
    /// Approvals still needed under the policy in force (0 when none are
    /// needed or enough were given).
    pub approvals_needed: u8,
}

/// The approvals condition of `policy` when it applies to `principal_fen`.
fn approvals_condition(policy: &DisbursementPolicy, principal_fen: i64) -> Option<&Condition> {
    policy.conditions.iter().find(|condition| {
        matches!(condition, Condition::Approvals { above_fen, .. } if principal_fen > *above_fen)
    })
}

/// How many more approvals `condition` needs, counted by the pure policy
/// itself (the maker excluded, roles checked, each approver once): the
/// condition alone evaluated over the loan's approvals.
fn still_needed(
    condition: &Condition,
    principal_fen: i64,
    maker: Option<UserId>,
    approvals: Vec<Approval>,
) -> u8 {
    let alone = DisbursementPolicy {
        name: "approvals".to_owned(),
        version: 1,
        conditions: vec![condition.clone()],
    };
    let facts = Facts {
        principal_fen,
        net_proceeds_fen: principal_fen,
        product_code: String::new(),
        identity_verified: None,
        fraud: None,
        contract_signed: None,
        maker: StaffId(maker.map_or(0, |id| id.0)),
        approvals,
        funding_available_fen: None,
    };
    match evaluate(&alone, &facts, 0).outcome {
        Outcome::Waiting(reasons) => reasons
            .iter()
            .find_map(|reason| match reason {
                Reason::ApprovalsNeeded { have, need } => Some(need.saturating_sub(*have)),
                _ => None,
            })
            .unwrap_or(0),
        Outcome::Ready | Outcome::Blocked(_) => 0,
    }
}

async fn held_view(app: &App, payment: PaymentRecord) -> AppResult<Held> {
    let loan = app
        .repository
        .lending()
        .loan(payment.loan_id)
        .await?
        .ok_or(AppError::Internal)?;
    let approvals = app.repository.disbursement().approvals(payment.id).await?;
    let current = in_force(app).await?;
    let approvals_needed = match current
        .as_ref()
        .and_then(|current| approvals_condition(&current.policy, loan.principal_fen))
    {
        Some(condition) => still_needed(
            condition,
            loan.principal_fen,
            maker_of(app, &loan).await?,
            approvals_of(app, payment.id).await?,
        ),
        None => 0,
    };
    let evaluation = app
        .repository
        .outbox()
        .last_event_of(&format!("payment:{}", payment.id), EVALUATED)
        .await?
        .map(|event| serde_json::from_str(&event.payload).map_err(AppError::internal))
        .transpose()?;
    Ok(Held {
        principal_fen: loan.principal_fen,
        payment,
        evaluation,
        approvals,
        approvals_needed,
    })
}

/// Held disbursements, oldest first, `limit` of them after `after`.
pub async fn held(app: &App, after: Option<PaymentId>, limit: i64) -> AppResult<Vec<Held>> {
    let store = app.repository.disbursement();
    let payments = store.held_disbursements(after, limit).await?;
    metrics::gauge!("kredit_disbursements_held").set(store.held_disbursement_count().await? as f64);
    let mut views = Vec::with_capacity(payments.len());
    for payment in payments {
        views.push(held_view(app, payment).await?);
    }
    Ok(views)
}

/// A member of staff's decision on a held disbursement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision<'a> {
    pub staff: UserId,
    pub role: Role,
    pub payment: PaymentId,
    pub decision: ApprovalDecision,
    pub comment: Option<&'a str>,
}

/// Records `decision` and evaluates the payment again at once; the
/// payment as it then stands (`authorised` or further when this was the
/// last approval needed, `failed` on a rejection, still `created` when
/// more is awaited). Refused with `not_held` (not a disbursement awaiting
/// approvals under the policy in force), `role_not_allowed` (the staff's
/// role is not one the policy names), `maker_cannot_approve` (the
/// underwriter who approved the application; a rejection by them is
/// accepted: stopping a payout is never a privilege) and
/// `already_decided` (one decision per member of staff and payment).
pub async fn decide(app: &App, decision: Decision<'_>) -> AppResult<Held> {
    let comment = decision
        .comment
        .map(|comment| {
            text::required(
                comment,
                "comment",
                "comment_invalid",
                &format!("a comment is 1-{MAX_TEXT_CHARS} characters"),
            )
        })
        .transpose()?;
    let lending = app.repository.lending();
    let payment = lending
        .payment(decision.payment)
        .await?
        .ok_or(AppError::NotFound)?;
    let loan = lending
        .loan(payment.loan_id)
        .await?
        .ok_or(AppError::Internal)?;
    let not_held =
        || AppError::conflict("not_held", "this disbursement is not waiting for approvals");
    if payment.direction != PaymentDirection::Disbursement
        || payment.status != PaymentStatus::Created
    {
        return Err(not_held());
    }
    let current = in_force(app).await?.ok_or_else(not_held)?;
    let Some(Condition::Approvals {
        of_roles: roles, ..
    }) = approvals_condition(&current.policy, loan.principal_fen)
    else {
        return Err(not_held());
    };
    let role = decision.role.as_str().to_owned();
    if !roles.contains(&role) {
        return Err(AppError::conflict(
            "role_not_allowed",
            format!("the policy takes decisions from {} only", roles.join(", ")),
        ));
    }
    if decision.decision == ApprovalDecision::Approve
        && maker_of(app, &loan).await? == Some(decision.staff)
    {
        return Err(AppError::conflict(
            "maker_cannot_approve",
            "the underwriter who approved the application cannot approve its payout",
        ));
    }
    let at = app.time.clock.now();
    let roles_held = json!([role]).to_string();
    let payload = json!({
        "payment_id": payment.id,
        "loan_id": payment.loan_id,
        "staff_id": decision.staff,
        "decision": decision.decision,
        "roles": [role],
        "policy": current.address,
        "at": at.timestamp(),
    });
    let audit = Audit {
        actor: Some(decision.staff),
        action: "disbursement.approval",
        entity_type: "disbursement_approval",
        entity_id: None,
    }
    .entry(
        None,
        Some(json!({
            "payment_id": payment.id,
            "decision": decision.decision,
            "comment_chars": comment.as_ref().map(|c| c.chars().count()),
        })),
    );
    let approval = NewApproval {
        payment_id: payment.id,
        loan_id: payment.loan_id,
        staff_id: decision.staff,
        decision: decision.decision.as_str().to_owned(),
        roles: roles_held,
        comment,
        at,
    };
    match app
        .repository
        .disbursement()
        .record_approval(
            &approval,
            &crate::outbox::event(APPROVAL_RECORDED, payload),
            audit,
        )
        .await
    {
        Err(StoreError::Conflict) => {
            return Err(AppError::conflict(
                "already_decided",
                "you have already decided on this disbursement",
            ));
        }
        other => other?,
    };
    payments::submit(app, &payment, loan.borrower_id).await?;
    let now = lending
        .payment(payment.id)
        .await?
        .ok_or(AppError::Internal)?;
    held_view(app, now).await
}
