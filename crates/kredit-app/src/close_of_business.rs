//! Close of business and what follows it: the business date moves, every
//! loan accrues and ages (kredit-jobs' restartable chunked run), then the
//! day's auto-debits are sent and the subscribers to a closed day run
//! (model monitoring today).
//!
//! The server closes each day by itself at a local time (default 00:30):
//! the business day due at a moment is today once that time has passed,
//! else yesterday, and every day between the stored business date and the
//! due one is closed (catching up after downtime). Of several instances on
//! one database only the holder of the `close_of_business` lease runs it;
//! the run itself is also safe to share (its chunks are leased), so a lease
//! lost to a slow run costs time, never a day closed twice.

use std::time::Duration;

use async_trait::async_trait;
use chrono::{Days, NaiveDate, NaiveDateTime, NaiveTime};
use kredit_jobs::{CobError, CobOptions, CobReport};
use kredit_store::jobs::{CobRunRecord, LeaseRecord};
use kredit_store::{Repository, UserId};
use serde_json::json;

use crate::audit::Audit;
use crate::{App, AppError, AppResult, LocalTime};

/// The lease the scheduled close of business is run under.
pub const LEASE: &str = "close_of_business";

/// When and how the server closes business by itself.
#[derive(Clone)]
pub struct CobSchedule {
    /// `false`: only `kredit cob` or an admin closes business.
    pub enabled: bool,
    /// Local time (in the lender's time zone) at which the previous day is
    /// closed.
    pub at: NaiveTime,
    /// How long the lease is held before another instance may take over.
    pub lease: Duration,
    pub options: CobOptions,
}

impl Default for CobSchedule {
    fn default() -> Self {
        CobSchedule {
            enabled: true,
            at: NaiveTime::from_hms_opt(0, 30, 0).expect("00:30 is a time"),
            lease: Duration::from_secs(15 * 60),
            options: CobOptions::default(),
        }
    }
}

/// The business day due at local time `now` when business closes at `at`.
pub fn due_business_date(now: NaiveDateTime, at: NaiveTime) -> NaiveDate {
    if now.time() >= at {
        now.date()
    } else {
        now.date() - Days::new(1)
    }
}

/// Something that runs after each close of business (model monitoring);
/// what it returns is reported (alerts).
#[async_trait]
pub trait AfterClose: Send + Sync {
    async fn day_closed(&self, app: &App, through: NaiveDate) -> AppResult<Vec<String>>;
}

/// What runs after every close of business, in order.
pub const AFTER_CLOSE: &[&dyn AfterClose] = &[
    &crate::scoring::ModelMonitoring,
    &crate::data_rights::erasure::RetentionPurge,
];

/// What one close of business did.
#[derive(Debug, Clone)]
pub struct DayClosed {
    pub report: CobReport,
    pub auto_debits_submitted: usize,
    /// What the subscribers reported (alerts).
    pub notes: Vec<String>,
}

impl From<CobError> for AppError {
    fn from(error: CobError) -> Self {
        match error {
            CobError::RunAhead { .. } => AppError::conflict("cob_in_progress", error.to_string()),
            CobError::Invalid(detail) => AppError::field("options", "invalid", detail),
            other => AppError::internal(other),
        }
    }
}

/// Closes business through `through` (a business date at or past it does
/// nothing), then sends the auto-debits and runs the subscribers.
pub async fn close_through(
    app: &App,
    through: NaiveDate,
    options: &CobOptions,
    after: &[&dyn AfterClose],
) -> AppResult<DayClosed> {
    let report = kredit_jobs::close_of_business(app.repository.as_ref(), through, options).await?;
    if report.from.is_some() {
        metrics::counter!("kredit_cob_days_total").increment(u64::from(report.days_processed));
        metrics::gauge!("kredit_cob_last_success_timestamp_seconds")
            .set(app.time.clock.now().timestamp() as f64);
    }
    let auto_debits_submitted = crate::payments::submit_auto_debits(app).await?;
    let mut notes = Vec::new();
    for follower in after {
        notes.extend(follower.day_closed(app, through).await?);
    }
    Ok(DayClosed {
        report,
        auto_debits_submitted,
        notes,
    })
}

/// An admin moves the business date to `date` (development and drills; in
/// production only the schedule moves it): every day up to it is closed,
/// audited as `business_date.advance`.
pub async fn advance(
    app: &App,
    date: NaiveDate,
    actor: UserId,
    after: &[&dyn AfterClose],
) -> AppResult<DayClosed> {
    let current = app.business_date().await?;
    if date <= current || date > current + Days::new(3660) {
        return Err(AppError::conflict(
            "date_not_later",
            format!("the new date must be after {current} and within ten years"),
        ));
    }
    let closed = close_through(app, date, &CobOptions::default(), after).await?;
    let audit = Audit {
        actor: Some(actor),
        action: "business_date.advance",
        entity_type: "business_date",
        entity_id: None,
    }
    .entry(
        Some(json!({"business_date": current})),
        Some(json!({"business_date": date, "loans_processed": closed.report.loans_processed})),
    );
    app.repository.append_audit(&audit).await?;
    Ok(closed)
}

/// One tick of the schedule on instance `holder`: closes every day due
/// when this instance holds (or takes) the lease; `None` when nothing was
/// due or another instance holds it.
pub async fn run_scheduled(
    app: &App,
    schedule: &CobSchedule,
    holder: &str,
    after: &[&dyn AfterClose],
) -> AppResult<Option<DayClosed>> {
    let due = due_business_date(app.time.now(), schedule.at);
    let current = app.business_date().await?;
    let lag = (due - current).num_days().max(0);
    metrics::gauge!("kredit_business_date_lag_days").set(lag as f64);
    if !schedule.enabled || lag == 0 {
        return Ok(None);
    }
    let ttl = chrono::Duration::from_std(schedule.lease).map_err(AppError::internal)?;
    let close = async {
        tracing::info!(from = %current, through = %due, "scheduled close of business");
        close_through(app, due, &schedule.options, after).await
    };
    let closed = crate::lease::run_leased(app, LEASE, holder, ttl, close).await?;
    if closed.is_some() {
        metrics::gauge!("kredit_business_date_lag_days").set(0.0);
    }
    Ok(closed)
}

/// Where close of business stands, for `kredit cob status`, metrics and
/// the staff console.
#[derive(Debug, Clone)]
pub struct CobStatus {
    pub business_date: NaiveDate,
    /// The business day the schedule says it should be now.
    pub due: NaiveDate,
    pub schedule_enabled: bool,
    pub schedule_at: NaiveTime,
    pub time_zone: String,
    pub lease: Option<LeaseRecord>,
    /// The newest runs first.
    pub runs: Vec<CobRunRecord>,
}

pub async fn status(
    repository: &dyn Repository,
    time: &LocalTime,
    schedule: &CobSchedule,
    runs: i64,
) -> AppResult<CobStatus> {
    let jobs = repository.jobs();
    let due = due_business_date(time.now(), schedule.at);
    Ok(CobStatus {
        business_date: repository.lending().business_date().await?.unwrap_or(due),
        due,
        schedule_enabled: schedule.enabled,
        schedule_at: schedule.at,
        time_zone: time.zone.name().to_owned(),
        lease: jobs.lease(LEASE).await?,
        runs: jobs.cob_runs(runs).await?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M").unwrap()
    }

    #[test]
    fn the_day_is_due_once_its_closing_time_has_passed() {
        let half_past = NaiveTime::from_hms_opt(0, 30, 0).unwrap();
        let day = |s: &str| s.parse::<NaiveDate>().unwrap();
        assert_eq!(
            due_business_date(at("2026-12-02 00:29"), half_past),
            day("2026-12-01")
        );
        assert_eq!(
            due_business_date(at("2026-12-02 00:30"), half_past),
            day("2026-12-02")
        );
        assert_eq!(
            due_business_date(at("2026-12-02 23:59"), half_past),
            day("2026-12-02")
        );
        assert_eq!(
            due_business_date(at("2027-01-01 00:00"), half_past),
            day("2026-12-31")
        );
    }
}
