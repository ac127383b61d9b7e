//! A lender's install: `kredit migrate` creates or upgrades the schema and,
//! on a new database, opens the business calendar on the current business
//! day in the lender's time zone, so close of business has a day to close
//! from the first night on.

use chrono::NaiveDate;
use kredit_store::Repository;

use crate::AppResult;
use crate::clock::LocalTime;
use crate::close_of_business::{CobSchedule, due_business_date};

/// What `migrate` found and did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Installed {
    pub business_date: NaiveDate,
    /// `true` if this call opened the business calendar (a new install).
    pub calendar_opened: bool,
}

/// Applies pending migrations, then opens the business calendar on the
/// business day due now (before the close-of-business time it is still
/// yesterday's) unless the database already has one.
pub async fn migrate(
    repository: &dyn Repository,
    time: &LocalTime,
    schedule: &CobSchedule,
) -> AppResult<Installed> {
    repository.migrate().await?;
    crate::risk::install_default_scenario(repository, time.clock.now()).await?;
    let lending = repository.lending();
    let due = due_business_date(time.now(), schedule.at);
    let calendar_opened = lending.init_business_date(due).await?;
    let business_date = lending.business_date().await?.unwrap_or(due);
    Ok(Installed {
        business_date,
        calendar_opened,
    })
}
