//! The underwriting queue: a referred application decided by a person
//! (never the applicant themself), audited, with its event.

use chrono::{DateTime, Utc};
use kredit_core::Money;
use kredit_core::application::ApplicationStatus;
use kredit_core::decision::{Outcome, Reason, codes};
use kredit_store::lending::{ApplicationRecord, Underwritten};
use kredit_store::{ApplicationId, UserId};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::StoredDecision;
use super::apply::decided_event;
use crate::audit::Audit;
use crate::text::{self, MAX_TEXT_CHARS};
use crate::{App, AppError, AppResult};

/// An underwriter's verdict.
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Approve,
    Decline,
}

/// Who decided a referred application, how and why; stored with it.
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Underwriting {
    pub decided_by: UserId,
    pub decision: Verdict,
    pub comment: String,
    pub at: DateTime<Utc>,
}

/// Decides a referred application, with a comment saying why (free text,
/// [`crate::text`]).
pub async fn underwrite(
    app: &App,
    underwriter: UserId,
    id: ApplicationId,
    verdict: Verdict,
    comment: &str,
) -> AppResult<ApplicationRecord> {
    let comment = text::required(
        comment,
        "comment",
        "comment_required",
        &format!("a comment of 1-{MAX_TEXT_CHARS} characters explains the decision"),
    )?;
    let store = app.repository.lending();
    let record = store.application(id).await?.ok_or(AppError::NotFound)?;
    if record.borrower_id == underwriter {
        return Err(AppError::conflict(
            "own_application",
            "no one may decide their own application",
        ));
    }
    if record.status != ApplicationStatus::Referred {
        return Err(AppError::conflict(
            "not_referred",
            format!("the application is {}, not referred", record.status),
        ));
    }
    let mut decided = StoredDecision::parse(&record.decision)?;
    let status = match verdict {
        Verdict::Approve => {
            decided.decision.outcome = Outcome::Approved;
            ApplicationStatus::Approved
        }
        Verdict::Decline => {
            let decision = &mut decided.decision;
            decision.outcome = Outcome::Declined;
            decision.quote = None;
            decision.approved_amount = None;
            decision.annual_rate = None;
            decision
                .reasons
                .insert(0, Reason::code(codes::UNDERWRITER_DECLINED));
            ApplicationStatus::Declined
        }
    };
    let term_months = u32::try_from(record.term_months).map_err(AppError::internal)?;
    let underwriting = Underwriting {
        decided_by: underwriter,
        decision: verdict,
        comment: comment.clone(),
        at: app.time.clock.now(),
    };
    let audit = Audit {
        actor: Some(underwriter),
        action: "application.underwrite",
        entity_type: "application",
        entity_id: Some(id.to_string()),
    }
    .entry(
        Some(json!({"status": record.status})),
        Some(json!({"status": status, "comment": comment})),
    );
    let written = store
        .decide_referred(&Underwritten {
            application_id: id,
            status,
            decision: decided.to_json()?,
            underwriting: serde_json::to_string(&underwriting).map_err(AppError::internal)?,
            audit,
            domain_events: vec![decided_event(
                &record.product_code,
                Money::from_fen(record.amount_fen),
                term_months,
                status,
                &decided,
                Some(underwriter),
            )],
        })
        .await?;
    if !written {
        return Err(AppError::conflict(
            "not_referred",
            "the application was decided by someone else meanwhile",
        ));
    }
    store.application(id).await?.ok_or(AppError::Internal)
}
