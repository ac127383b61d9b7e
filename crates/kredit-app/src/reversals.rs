//! Reversing a loan event, maker-checker: one member of staff asks, with
//! a reason; another approves (the loan is recomputed as if the event had
//! never happened and only the difference is posted) or rejects. Every
//! step is audited.

use kredit_core::loan::LoanEvent;
use kredit_core::reversal::ReversalStatus;
use kredit_store::lending::{ChangeOutcome, ReversalRequestRecord};
use kredit_store::{EventId, LoanId, ReversalRequestId, StoreError, UserId};
use serde_json::json;

use crate::audit::Audit;
use crate::text::{self, MAX_TEXT_CHARS};
use crate::{App, AppError, AppResult, servicing};

/// The maker asks for `event_id` of `loan_id` to be reversed, saying why
/// (free text, [`crate::text`]).
pub async fn request(
    app: &App,
    maker: UserId,
    loan_id: LoanId,
    event_id: EventId,
    reason: &str,
) -> AppResult<ReversalRequestRecord> {
    let reason = text::required(
        reason,
        "reason",
        "reason_required",
        &format!("say why, in 1-{MAX_TEXT_CHARS} characters"),
    )?;
    let store = app.repository.lending();
    let event = store
        .loan_events(loan_id)
        .await?
        .into_iter()
        .find(|e| e.id == event_id)
        .ok_or(AppError::NotFound)?;
    let reversible = !event.reversed && serde_json::from_str::<LoanEvent>(&event.event).is_ok();
    if !reversible {
        return Err(AppError::conflict(
            "not_reversible",
            "only a repayment that stands can be reversed",
        ));
    }
    let audit = Audit {
        actor: Some(maker),
        action: "loan.reversal_requested",
        entity_type: "reversal_request",
        entity_id: None,
    }
    .entry(
        None,
        Some(json!({"loan_id": loan_id, "event_id": event_id, "reason": reason})),
    );
    let id = match store
        .create_reversal_request(loan_id, event_id, maker, &reason, audit)
        .await
    {
        Err(StoreError::Conflict) => {
            return Err(AppError::conflict(
                "reversal_pending",
                "this event already has a pending reversal request",
            ));
        }
        other => other?,
    };
    store.reversal_request(id).await?.ok_or(AppError::Internal)
}

/// The checker (never the maker) approves: the event is reversed.
pub async fn approve(
    app: &App,
    checker: UserId,
    id: ReversalRequestId,
) -> AppResult<ReversalRequestRecord> {
    let request = pending(app, id, checker).await?;
    let audit = decision_audit(checker, id, "loan.reversal_approved").entry(
        Some(json!({"status": ReversalStatus::Pending})),
        Some(json!({
            "status": ReversalStatus::Approved,
            "loan_id": request.loan_id,
            "event_id": request.event_id,
        })),
    );
    let outcome =
        servicing::reverse_event(app, request.loan_id, request.event_id, id, checker, audit)
            .await?;
    if !matches!(outcome, ChangeOutcome::Committed { .. }) {
        return Err(decided_meanwhile());
    }
    reload(app, id).await
}

/// The checker (never the maker) rejects: nothing changes on the loan.
pub async fn reject(
    app: &App,
    checker: UserId,
    id: ReversalRequestId,
) -> AppResult<ReversalRequestRecord> {
    pending(app, id, checker).await?;
    let audit = decision_audit(checker, id, "loan.reversal_rejected").entry(
        Some(json!({"status": ReversalStatus::Pending})),
        Some(json!({"status": ReversalStatus::Rejected})),
    );
    if !app
        .repository
        .lending()
        .reject_reversal(id, checker, audit)
        .await?
    {
        return Err(decided_meanwhile());
    }
    reload(app, id).await
}

/// The request, if `checker` may decide it now.
async fn pending(
    app: &App,
    id: ReversalRequestId,
    checker: UserId,
) -> AppResult<ReversalRequestRecord> {
    let request = reload(app, id).await.map_err(|_| AppError::NotFound)?;
    if request.requested_by == checker {
        return Err(AppError::conflict(
            "maker_checker",
            "the checker must be someone other than the maker",
        ));
    }
    if request.status != ReversalStatus::Pending {
        return Err(AppError::conflict(
            "not_pending",
            format!("the request is {}", request.status),
        ));
    }
    Ok(request)
}

fn decision_audit(checker: UserId, id: ReversalRequestId, action: &'static str) -> Audit<'static> {
    Audit {
        actor: Some(checker),
        action,
        entity_type: "reversal_request",
        entity_id: Some(id.to_string()),
    }
}

fn decided_meanwhile() -> AppError {
    AppError::conflict("not_pending", "the request was decided meanwhile")
}

async fn reload(app: &App, id: ReversalRequestId) -> AppResult<ReversalRequestRecord> {
    app.repository
        .lending()
        .reversal_request(id)
        .await?
        .ok_or(AppError::NotFound)
}
