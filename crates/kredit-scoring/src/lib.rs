//! Kredit's credit-risk models, pure and synchronous: load a labelled CSV,
//! train a WoE scorecard or gradient-boosted trees, calibrate the PD,
//! measure (AUC, Gini, KS, Brier, cost, PSI), cross-validate, write an HTML
//! report, save the model as JSON, and score applications with reason codes.
//!
//! ```no_run
//! use kredit_scoring::{Applicant, Dataset, LoadOptions, Model, TrainConfig, train};
//! let file = std::fs::File::open("german_credit.csv")?;
//! let data = Dataset::from_csv(file, &LoadOptions::new("creditability", "bad"))?;
//! let trained = train(&data, &TrainConfig::default())?;
//! let json = trained.model.to_json();
//! let model = Model::load(&json)?;
//! let scored = model.score(&Applicant::new().with("duration_in_month", 24.0));
//! println!("PD {:.3}, score {:.0}, first reason {:?}", scored.pd, scored.score, scored.reasons.first());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod binning;
pub mod calibration;
pub mod cv;
pub mod data;
pub mod encode;
pub mod error;
pub mod evaluate;
pub mod gbm;
mod linalg;
mod logistic;
pub mod metrics;
pub mod model;
pub mod monitor;
pub mod report;
mod rng;
pub mod scaling;
pub mod scorecard;
mod split;
pub mod train;

pub use cv::{CrossValidation, cross_validate};
pub use data::{Dataset, LoadOptions};
pub use encode::{Applicant, Value};
pub use error::{Result, ScoringError};
pub use evaluate::{Evaluation, evaluate};
pub use metrics::CostMatrix;
pub use model::{Model, ModelKind, Reason, Scored};
pub use monitor::{MIN_APPLICATIONS, PSI_ALERT, StabilityReport, stability};
pub use scaling::PointsScaling;
pub use train::{TrainConfig, Trained, train};

/// The demo model's artefact: a WoE scorecard trained on German Credit
/// (`fixtures/german_credit.csv`) with seed 42, exactly as written by
/// `kredit model train --data crates/kredit-scoring/fixtures/german_credit.csv
/// --target creditability --bad bad --kind scorecard --seed 42 --out
/// crates/kredit-scoring/fixtures/german_scorecard.json`. A test retrains it
/// and compares byte for byte, so it cannot drift from the code.
pub const DEMO_MODEL_JSON: &str = include_str!("../fixtures/german_scorecard.json");

/// The German Credit demo scorecard ([`DEMO_MODEL_JSON`]), loaded.
pub fn demo_model() -> Model {
    Model::load(DEMO_MODEL_JSON).expect("the shipped demo model loads (tested)")
}
