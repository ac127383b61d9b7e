//! Origination glue still on the HTTP side (decisions, model inputs and the
//! lending API's views): the next to move into `kredit-app`. Servicing,
//! payments and the ledger check live there already. Handlers live in
//! `routes`.

pub mod decisioning;
pub mod features;
pub mod views;

use kredit_core::decision::{BandAction, DecisionPolicy, Grade, GradeTable};
use kredit_core::delinquency::ClassificationThresholds;

/// The lending rules in force.
#[derive(Debug, Clone)]
pub struct LendingPolicy {
    /// Hard rules, and the grade table for the rules scorecard's points.
    pub policy: DecisionPolicy,
    /// The grade table on a trained model's scale (600 points at odds 50:1,
    /// 20 points to double them), used when a model decides.
    pub model_grades: GradeTable,
    pub thresholds: ClassificationThresholds,
}

impl Default for LendingPolicy {
    fn default() -> Self {
        LendingPolicy {
            policy: DecisionPolicy::default(),
            model_grades: model_grades(),
            thresholds: ClassificationThresholds::default(),
        }
    }
}

impl LendingPolicy {
    /// The defaults with the configured grade tables (already checked by
    /// `Config::validate`).
    pub fn from_config(config: &crate::config::Config) -> Self {
        let mut lending = LendingPolicy::default();
        if let Some(table) = &config.grade_table {
            lending.policy.grades = table.clone();
        }
        if let Some(table) = &config.model_grade_table {
            lending.model_grades = table.clone();
        }
        lending
    }
}

/// Bands chosen on the demo model's calibration (German Credit): C's floor
/// sits at the expected-cost cutoff (PD about 1/6 with the default 5:1 cost
/// of accepting a bad), so every automatic approval is worth making; D,
/// up to a PD of about 40%, goes to an underwriter; below, decline.
fn model_grades() -> GradeTable {
    GradeTable::from_rows(&[
        (Grade::A, 560, 0, 200_000, BandAction::Approve),
        (Grade::B, 540, 3_000, 100_000, BandAction::Approve),
        (Grade::C, 535, 6_000, 50_000, BandAction::Approve),
        (Grade::D, 490, 9_000, 20_000, BandAction::Refer),
        (Grade::E, i32::MIN, 10_000, 0, BandAction::Decline),
    ])
}
