//! The shipped demo model (`fixtures/german_scorecard.json`) is exactly what
//! training with seed 42 produces today: it can never drift silently from
//! the code. If this fails after an intended change to training, regenerate
//! it with the command in `fixtures/README.md`.

mod common;

use kredit_scoring::{
    Applicant, DEMO_MODEL_JSON, ModelKind, PointsScaling, TrainConfig, demo_model, train,
};

#[test]
fn retraining_with_seed_42_reproduces_the_demo_model_byte_for_byte() {
    let config = TrainConfig {
        kind: ModelKind::Scorecard,
        seed: 42,
        ..TrainConfig::default()
    };
    // The command line's defaults (600 points at 50:1, 20 to double).
    assert_eq!(
        config.scaling,
        PointsScaling {
            base_score: 600.0,
            base_odds: 50.0,
            pdo: 20.0
        }
    );
    let retrained = train(&common::german(), &config).unwrap().model.to_json();
    assert!(
        retrained == DEMO_MODEL_JSON,
        "fixtures/german_scorecard.json differs from a fresh training run with seed 42; \
         regenerate it (see fixtures/README.md)"
    );
}

#[test]
fn the_demo_model_loads_and_explains() {
    let model = demo_model();
    assert_eq!(model.kind(), ModelKind::Scorecard);
    assert_eq!(model.artefact().training.seed, 42);
    assert_eq!(model.artefact().target.column, "creditability");
    let risky = model.score(
        &Applicant::new()
            .with("duration_in_month", 60.0)
            .with("status_of_existing_checking_account", "... < 0 DM"),
    );
    let safe = model.score(
        &Applicant::new()
            .with("duration_in_month", 6.0)
            .with("status_of_existing_checking_account", "no checking account"),
    );
    assert!(risky.pd > safe.pd && risky.score < safe.score);
    assert!(
        risky
            .reasons
            .iter()
            .any(|r| &*r.feature == "duration_in_month")
    );
}
