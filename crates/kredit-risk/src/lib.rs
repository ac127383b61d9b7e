//! Kredit's fraud and anti-money-laundering rules, pure: no I/O, no
//! async, no clock inside — features, times and calendars come in as
//! arguments (docs/fraud.md, docs/aml.md).
//!
//! - `expr` — the typed rule language: parsed and checked once, evaluated
//!   over a feature map, never executed as code.
//! - `scenario` — versioned scenarios (draft → shadow → live) of weighted
//!   rules, and the decision with each rule's contribution.
//! - `schema` — the features Kredit gathers for a decision.
//! - `velocity` — exact sliding-window counts with late arrivals.
//! - `aml` — large-value thresholds, same-day accumulation, due dates.
//! - `holidays` — the holiday calendar as data.

pub mod aml;
pub mod expr;
pub mod holidays;
pub mod scenario;
pub mod schema;
pub mod velocity;

pub use kredit_policy::disbursement::FraudOutcome;

/// The shipped default scenario (`catalogue/fraud-scenario.toml`).
pub const DEFAULT_SCENARIO: &str = include_str!("../../../catalogue/fraud-scenario.toml");
