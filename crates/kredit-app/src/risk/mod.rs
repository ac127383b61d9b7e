//! Fraud interception and AML at the points money or identity is at stake
//! (docs/fraud.md, docs/aml.md): the shipped or lender's scenario of
//! `kredit-risk` decided over velocity counts kept in the database, with
//! sanctions screening of the applicant's name, at application, before
//! disbursement and at repayment; every decision stored with its inputs'
//! hash and contributions and a `fraud.decided` event; large-value
//! reports from same-day totals (`aml`).
//!
//! A decision that cannot be taken in time or fails inside is review,
//! never approve.

pub mod aml;
mod check;

use std::sync::Arc;
use std::time::Duration;

use kredit_core::data_rights::WorkingCalendar;
use kredit_policy::screening::ScreeningIndex;
use kredit_risk::holidays::HolidayCalendar;

pub use kredit_risk::scenario::Decision as FraudDecision;

pub use check::{
    Checkpoint, Identifiers, Subject, check, decision_of, disbursement_fact, evaluate, record,
};

/// The event each stored decision writes.
pub const DECIDED: &str = "fraud.decided";

/// What the checks run with, set by the server at start.
pub struct RiskSettings {
    /// The sanctions lists' index; `None` when the install has none
    /// (every decision then records a `screening_not_configured`
    /// escalation that does not change its outcome).
    pub screening: Option<Arc<ScreeningIndex>>,
    /// Working days for report due dates (`catalogue/holidays-cn.toml`).
    pub calendar: WorkingCalendar,
    /// The longest an inline decision may take before it is review.
    pub timeout: Duration,
}

impl Default for RiskSettings {
    fn default() -> RiskSettings {
        RiskSettings {
            screening: None,
            calendar: HolidayCalendar::shipped_cn().calendar,
            timeout: Duration::from_secs(2),
        }
    }
}

/// Saves the shipped scenario (`catalogue/fraud-scenario.toml`) on
/// `kredit migrate`, as the install's live scenario until a lender's
/// replaces it; a version already saved is left as it is.
pub async fn install_default_scenario(
    repository: &dyn kredit_store::Repository,
    at: chrono::DateTime<chrono::Utc>,
) -> crate::AppResult<()> {
    let scenario = kredit_risk::scenario::Scenario::from_toml(
        kredit_risk::DEFAULT_SCENARIO,
        &kredit_risk::schema::kredit_schema(),
    )
    .map_err(|problems| crate::AppError::internal(format!("{problems:?}")))?;
    repository
        .risk()
        .save_scenario(&kredit_store::risk::ScenarioRecord {
            name: scenario.spec.name.clone(),
            version: i64::from(scenario.spec.version),
            status: scenario.spec.status.as_str().to_owned(),
            source: kredit_risk::DEFAULT_SCENARIO.to_owned(),
            saved_at: at,
        })
        .await?;
    Ok(())
}
