//! The lending side of the API: decisions, servicing and payments, on top
//! of the core engine and the lending store. Handlers live in `routes`.

pub mod decisioning;
pub mod ledger_check;
pub mod payments;
pub mod servicing;
pub mod views;

use chrono::{FixedOffset, NaiveDate, Utc};
use kredit_core::decision::DecisionPolicy;
use kredit_core::delinquency::ClassificationThresholds;

/// The date in China (UTC+8, no daylight saving).
pub fn today_in_china() -> NaiveDate {
    let china = FixedOffset::east_opt(8 * 3600).expect("UTC+8 is a valid offset");
    Utc::now().with_timezone(&china).date_naive()
}

/// The lending rules in force.
#[derive(Debug, Clone, Default)]
pub struct LendingPolicy {
    pub policy: DecisionPolicy,
    pub thresholds: ClassificationThresholds,
}
