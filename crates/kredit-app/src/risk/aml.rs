//! Large-value reporting over the money Kredit moves (docs/aml.md):
//! every repayment (money in) and disbursement (money out) added to the
//! customer's same-day total of its kind and direction, a report created
//! when the total reaches the threshold, due in five working days of the
//! shipped holiday calendar; the queue, maker-checker review (a second
//! member of staff approves what the first prepared) and the CSV export.

use chrono::NaiveDate;
use kredit_risk::aml::{Channel, CustomerKind, accumulate, report_due};
use kredit_store::UserId;
use kredit_store::risk::{AmlReportRecord, NewAmlReport, ReviewRefusal};
use serde_json::json;

use crate::audit::Audit;
use crate::{App, AppError, AppResult};

/// Which way the money went, from the customer's side of the lender.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// A repayment: money paid in.
    In,
    /// A disbursement: money paid out.
    Out,
}

impl Direction {
    pub const fn as_str(self) -> &'static str {
        match self {
            Direction::In => "in",
            Direction::Out => "out",
        }
    }
}

/// Adds a movement to the day's total; the report's id when this one
/// reached the threshold. Kredit's customers are individuals paying by
/// card within China: a domestic transfer.
pub async fn record_movement(
    app: &App,
    borrower: UserId,
    direction: Direction,
    amount_fen: i64,
    trigger_ref: &str,
) -> AppResult<Option<i64>> {
    let (kind, channel) = (CustomerKind::Individual, Channel::DomesticTransfer);
    let day = app.time.today();
    let risk = app.repository.risk();
    let total = risk
        .add_to_day_total(
            borrower,
            day,
            channel.as_str(),
            direction.as_str(),
            amount_fen,
        )
        .await?;
    let step = accumulate(kind, channel, total - amount_fen, amount_fen);
    if !step.triggers_report {
        return Ok(None);
    }
    let due_on = report_due(&app.risk.calendar, day).ok_or(AppError::Internal)?;
    let id = risk
        .insert_report(&NewAmlReport {
            borrower_id: borrower,
            day,
            channel: channel.as_str().to_owned(),
            direction: direction.as_str().to_owned(),
            customer_kind: kind.as_str().to_owned(),
            total_fen: step.total_fen,
            threshold_fen: kredit_risk::aml::threshold_fen(kind, channel),
            trigger_ref: trigger_ref.to_owned(),
            due_on,
            created_at: app.time.clock.now(),
        })
        .await?;
    if let Some(id) = id {
        tracing::info!(report = id, %day, %due_on, "large-value report created");
    }
    Ok(id)
}

/// The queue, by due date.
pub async fn reports(app: &App, status: Option<&str>) -> AppResult<Vec<AmlReportRecord>> {
    Ok(app.repository.risk().reports(status).await?)
}

/// A review step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// The maker: checks the report and prepares it.
    Prepare,
    /// The checker: another member of staff approves it for filing.
    Approve,
}

/// Takes a review step, audited; the report as it now is.
pub async fn review(app: &App, staff: UserId, id: i64, step: Step) -> AppResult<AmlReportRecord> {
    let risk = app.repository.risk();
    let action = match step {
        Step::Prepare => "aml.report.prepared",
        Step::Approve => "aml.report.approved",
    };
    let audit = Audit {
        actor: Some(staff),
        action,
        entity_type: "aml_report",
        entity_id: Some(id.to_string()),
    }
    .entry(None, Some(json!({ "step": action })));
    let now = app.time.clock.now();
    let taken = match step {
        Step::Prepare => risk.prepare_report(id, staff, now, audit).await?,
        Step::Approve => risk.approve_report(id, staff, now, audit).await?,
    };
    match taken {
        Ok(()) => risk.report(id).await?.ok_or(AppError::Internal),
        Err(ReviewRefusal::NotFound) => Err(AppError::NotFound),
        Err(ReviewRefusal::WrongStatus) => Err(AppError::conflict(
            "wrong_report_status",
            "a report is prepared when open and approved when prepared",
        )),
        Err(ReviewRefusal::SameStaff) => Err(AppError::conflict(
            "same_reviewer",
            "the member of staff who prepared a report cannot approve it",
        )),
    }
}

/// The export's columns, in order (docs/aml.md, *Export*).
pub const CSV_HEADER: &str = "report_id,customer_id,customer_kind,transaction_day,channel,direction,total_cny,threshold_cny,trigger,due_on,status,prepared_by,approved_by";

/// The reports as CSV: one line each, amounts as exact decimals in yuan.
pub fn export_csv(reports: &[AmlReportRecord]) -> String {
    let mut out = String::from(CSV_HEADER);
    out.push('\n');
    let staff = |id: Option<UserId>| id.map(|u| u.to_string()).unwrap_or_default();
    for r in reports {
        let line = [
            r.id.to_string(),
            r.borrower_id.to_string(),
            r.customer_kind.clone(),
            day(r.day),
            r.channel.clone(),
            r.direction.clone(),
            kredit_core::Money::from_fen(r.total_fen).to_string(),
            kredit_core::Money::from_fen(r.threshold_fen).to_string(),
            r.trigger_ref.clone(),
            day(r.due_on),
            r.status.clone(),
            staff(r.prepared_by),
            staff(r.approved_by),
        ];
        out.push_str(&line.join(","));
        out.push('\n');
    }
    out
}

fn day(day: NaiveDate) -> String {
    day.format("%Y-%m-%d").to_string()
}
