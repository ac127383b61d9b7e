//! Borrower feedback (意见反馈) and the staff's replies.
//!
//! A borrower sends a question, complaint or suggestion, optionally about
//! one of their own loans; staff answer open feedback once, audited.
//! Message and reply are free text ([`crate::text`]) sealed at rest: they
//! may carry personal data. The audit entry of a reply keeps the fact and
//! the reply's size, never its text.

use kredit_core::feedback::{FeedbackCategory, FeedbackStatus};
use kredit_store::feedback::{FeedbackRecord, NewFeedback, ReplyOutcome};
use kredit_store::{FeedbackId, LoanId, UserId};
use serde_json::json;

use crate::audit::Audit;
use crate::text::{self, MAX_TEXT_CHARS};
use crate::{App, AppError, AppResult};

/// The most feedback one list returns (newest first).
pub const LIST_LIMIT: i64 = 200;

/// What a borrower sends, as they wrote it.
#[derive(Debug, Clone, Copy)]
pub struct Submission<'a> {
    /// `question`, `complaint` or `suggestion`.
    pub category: &'a str,
    pub message: &'a str,
    /// One of the borrower's own loans, if it is about one.
    pub loan_id: Option<LoanId>,
}

/// Stores a borrower's feedback, open.
pub async fn submit(
    app: &App,
    borrower: UserId,
    submission: Submission<'_>,
) -> AppResult<FeedbackRecord> {
    let category: FeedbackCategory = submission.category.parse().map_err(|_| {
        let all = FeedbackCategory::ALL.map(FeedbackCategory::as_str);
        AppError::field(
            "category",
            "invalid_category",
            format!("one of {}", all.join(", ")),
        )
    })?;
    let message = sized("message", submission.message)?;
    if let Some(loan_id) = submission.loan_id {
        let own = app.repository.lending().loan(loan_id).await?;
        if own.is_none_or(|loan| loan.borrower_id != borrower) {
            return Err(AppError::field(
                "loan_id",
                "unknown_loan",
                "not one of your loans",
            ));
        }
    }
    let feedback = NewFeedback {
        borrower_id: borrower,
        category: category.as_str().to_owned(),
        message_encrypted: app.pii.seal_for(borrower, &message).await?,
        loan_id: submission.loan_id,
        created_at: kredit_store::now(),
    };
    Ok(app.repository.feedback().insert_feedback(&feedback).await?)
}

/// Answers open feedback, once, with its audit entry.
pub async fn reply(
    app: &App,
    responder: UserId,
    id: FeedbackId,
    reply: &str,
) -> AppResult<FeedbackRecord> {
    let reply = sized("reply", reply)?;
    let audit = Audit {
        actor: Some(responder),
        action: "feedback.reply",
        entity_type: "feedback",
        entity_id: None,
    }
    .entry(
        Some(json!({"status": FeedbackStatus::Open})),
        Some(json!({"status": FeedbackStatus::Answered, "reply_chars": reply.chars().count()})),
    );
    // The reply is sealed under the borrower's key, like their message, so
    // erasing the borrower erases both.
    let Some(feedback) = app.repository.feedback().feedback(id).await? else {
        return Err(AppError::NotFound);
    };
    let sealed = app.pii.seal_for(feedback.borrower_id, &reply).await?;
    let outcome = app
        .repository
        .feedback()
        .reply_to_feedback(id, &sealed, responder, audit)
        .await?;
    match outcome {
        ReplyOutcome::Replied(record) => Ok(record),
        ReplyOutcome::AlreadyAnswered => Err(AppError::conflict(
            "feedback_answered",
            "this feedback has been answered already",
        )),
        ReplyOutcome::NotFound => Err(AppError::NotFound),
    }
}

/// Newest first, at most [`LIST_LIMIT`]: one borrower's feedback or
/// everybody's, optionally only `open` or `answered` (`status` as given).
pub async fn list(
    app: &App,
    borrower: Option<UserId>,
    status: Option<&str>,
) -> AppResult<Vec<FeedbackRecord>> {
    let status = status
        .map(str::parse::<FeedbackStatus>)
        .transpose()
        .map_err(|_| AppError::field("status", "invalid_status", "open or answered"))?;
    Ok(app
        .repository
        .feedback()
        .feedback_list(borrower, status.map(FeedbackStatus::as_str), LIST_LIMIT)
        .await?)
}

/// A message or reply: free text, or `invalid_length`.
fn sized(field: &str, value: &str) -> AppResult<String> {
    text::required(
        value,
        field,
        "invalid_length",
        &format!("write 1 to {MAX_TEXT_CHARS} characters"),
    )
}
