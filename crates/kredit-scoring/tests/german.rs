//! End-to-end properties on German Credit (UCI Statlog, 1,000 applications).

mod common;

use kredit_scoring::binning::Trend;
use kredit_scoring::model::ModelBody;
use kredit_scoring::{Applicant, Model, ModelKind, TrainConfig, cross_validate, train};

fn config(kind: ModelKind) -> TrainConfig {
    TrainConfig {
        kind,
        ..TrainConfig::default()
    }
}

#[test]
fn ten_fold_cv_scorecard_auc_reaches_the_published_logistic_regression() {
    let cv = cross_validate(&common::german(), &config(ModelKind::Scorecard), 10).unwrap();
    let auc = cv.spread(|m| m.auc).mean;
    assert!(auc >= 0.78, "scorecard 10-fold AUC {auc:.4} < 0.78");
}

#[test]
fn ten_fold_cv_gbm_auc_reaches_the_published_logistic_regression() {
    let cv = cross_validate(&common::german(), &config(ModelKind::Gbm), 10).unwrap();
    let auc = cv.spread(|m| m.auc).mean;
    assert!(auc >= 0.78, "GBM 10-fold AUC {auc:.4} < 0.78");
}

#[test]
fn scorecard_points_reproduce_its_probabilities() {
    let data = common::german();
    let model = train(&data, &config(ModelKind::Scorecard)).unwrap().model;
    let ModelBody::Scorecard(card) = &model.artefact().model else {
        panic!("a scorecard")
    };
    let scaling = model.artefact().scaling;
    let rows = model.encode_dataset(&data).unwrap();
    for i in 0..rows.rows() {
        let row = rows.row(i);
        let mut points = card.base_points;
        let mut logit = card.intercept;
        for (feature, &x) in card.features.iter().zip(row) {
            let bin = feature.binning.bin_of(x);
            points += feature.points[bin];
            logit += feature.coefficient * feature.binning.bins[bin].woe;
        }
        let prediction = model.predict(row);
        assert!((points - prediction.score).abs() < 1e-9);
        // The points are the logistic regression in another unit...
        assert!((scaling.logit(points) - logit).abs() < 1e-9);
        // ...and the PD is the calibrated probability of that log-odds.
        assert!((model.artefact().calibration.pd(logit) - prediction.pd).abs() < 1e-12);
    }
}

#[test]
fn bins_declared_monotonic_are_monotonic() {
    let model = train(&common::german(), &config(ModelKind::Scorecard))
        .unwrap()
        .model;
    let ModelBody::Scorecard(card) = &model.artefact().model else {
        panic!("a scorecard")
    };
    let mut monotonic = 0;
    for feature in &card.features {
        let binning = &feature.binning;
        let woe: Vec<f64> = binning.bins[..binning.regular_bins()]
            .iter()
            .map(|b| b.woe)
            .collect();
        match binning.trend {
            Trend::Increasing => assert!(
                woe.windows(2).all(|w| w[0] < w[1]),
                "{}: {woe:?}",
                feature.feature
            ),
            Trend::Decreasing => assert!(
                woe.windows(2).all(|w| w[0] > w[1]),
                "{}: {woe:?}",
                feature.feature
            ),
            _ => continue,
        }
        monotonic += 1;
    }
    // Duration and amount are the textbook monotonic risk drivers.
    let trend = |name: &str| {
        card.features
            .iter()
            .find(|f| f.feature == name)
            .map(|f| f.binning.trend)
    };
    assert_eq!(trend("duration_in_month"), Some(Trend::Increasing));
    assert!(monotonic >= card.features.len() / 2);
}

#[test]
fn the_same_seed_gives_the_same_model() {
    let data = common::german();
    for kind in [ModelKind::Scorecard, ModelKind::Gbm] {
        let a = train(&data, &config(kind)).unwrap().model.to_json();
        let b = train(&data, &config(kind)).unwrap().model.to_json();
        assert_eq!(a, b, "{kind}");
        let c = train(
            &data,
            &TrainConfig {
                seed: 7,
                ..config(kind)
            },
        )
        .unwrap()
        .model
        .to_json();
        assert_ne!(a, c, "{kind}: another seed, another split");
    }
}

#[test]
fn a_saved_model_loads_and_scores_identically() {
    let data = common::german();
    for kind in [ModelKind::Scorecard, ModelKind::Gbm] {
        let model = train(&data, &config(kind)).unwrap().model;
        let loaded = Model::load(&model.to_json()).unwrap();
        assert_eq!(loaded.artefact(), model.artefact());
        let rows = model.encode_dataset(&data).unwrap();
        for i in 0..rows.rows() {
            let (a, b) = (model.predict(rows.row(i)), loaded.predict(rows.row(i)));
            assert_eq!(a.pd.to_bits(), b.pd.to_bits(), "{kind} row {i}");
            assert_eq!(a.score.to_bits(), b.score.to_bits(), "{kind} row {i}");
            assert_eq!(model.explain(rows.row(i)), loaded.explain(rows.row(i)));
            let explained = model.explain(rows.row(i));
            assert_eq!(
                (explained.pd, explained.score),
                (a.pd, a.score),
                "explain agrees with predict"
            );
        }
    }
}

fn applicant() -> Applicant {
    Applicant::new()
        .with("status_of_existing_checking_account", "... < 0 DM")
        .with("duration_in_month", 48.0)
        .with("credit_history", "existing credits paid back duly till now")
        .with("purpose", "car (new)")
        .with("credit_amount", 9000.0)
        .with("savings_account_and_bonds", "... < 100 DM")
        .with("age_in_years", 23.0)
        .with("housing", "rent")
}

#[test]
fn scorecard_reasons_are_the_points_lost_against_the_best_bin() {
    let model = train(&common::german(), &config(ModelKind::Scorecard))
        .unwrap()
        .model;
    let ModelBody::Scorecard(card) = &model.artefact().model else {
        panic!("a scorecard")
    };
    let scored = model.score(&applicant());
    assert!(!scored.reasons.is_empty() && scored.reasons.len() <= model.artefact().max_reasons);
    assert!(
        scored
            .reasons
            .windows(2)
            .all(|w| w[0].contribution >= w[1].contribution)
    );
    let row = model.encode(&applicant());
    for reason in &scored.reasons {
        let j = card
            .features
            .iter()
            .position(|f| *f.feature == *reason.feature)
            .unwrap();
        let feature = &card.features[j];
        let best = feature
            .points
            .iter()
            .copied()
            .fold(f64::NEG_INFINITY, f64::max);
        let bin = feature.binning.bin_of(row[j]);
        assert!((best - feature.points[bin] - reason.contribution).abs() < 1e-9);
        assert_eq!(
            reason.bin.as_deref(),
            Some(feature.binning.bins[bin].label.as_str())
        );
    }
    assert_eq!(
        &*scored.reasons[0].feature,
        "status_of_existing_checking_account"
    );
}

#[test]
fn gbm_reasons_are_adverse_contributions() {
    let model = train(&common::german(), &config(ModelKind::Gbm))
        .unwrap()
        .model;
    let scored = model.score(&applicant());
    assert!(scored.pd > 0.5, "a risky applicant: {scored:?}");
    assert!(!scored.reasons.is_empty());
    assert!(
        scored
            .reasons
            .iter()
            .all(|r| r.contribution > 0.0 && r.bin.is_none())
    );
    assert!(
        scored
            .reasons
            .windows(2)
            .all(|w| w[0].contribution >= w[1].contribution)
    );
}

#[test]
fn unknown_categories_and_bad_numbers_score_as_missing() {
    for kind in [ModelKind::Scorecard, ModelKind::Gbm] {
        let model = train(&common::german(), &config(kind)).unwrap().model;
        let missing = applicant().with("purpose", kredit_scoring::Value::Missing);
        let unknown = applicant().with("purpose", "spaceship");
        assert_eq!(model.score(&unknown), model.score(&missing), "{kind}");
        let text = applicant().with("duration_in_month", "forty-eight");
        let absent = {
            let mut a = applicant();
            a.values.remove("duration_in_month");
            a
        };
        assert_eq!(model.score(&text), model.score(&absent), "{kind}");
        let empty = model.score(&Applicant::new());
        assert!(
            empty.pd.is_finite() && empty.pd > 0.0 && empty.pd < 1.0,
            "{kind}"
        );
    }
}

#[test]
fn applicants_deserialise_from_json() {
    let model = train(&common::german(), &config(ModelKind::Scorecard))
        .unwrap()
        .model;
    let json = r#"{"duration_in_month": 48, "purpose": "car (new)", "age_in_years": null}"#;
    let from_json: Applicant = serde_json::from_str(json).unwrap();
    let built = Applicant::new()
        .with("duration_in_month", 48.0)
        .with("purpose", "car (new)")
        .with("age_in_years", kredit_scoring::Value::Missing);
    assert_eq!(model.score(&from_json), model.score(&built));
}

#[test]
fn evaluation_json_has_the_documented_keys() {
    let data = common::german();
    let model = train(&data, &config(ModelKind::Scorecard)).unwrap().model;
    let evaluation = kredit_scoring::evaluate(&model, &data, None).unwrap();
    let json = serde_json::to_value(&evaluation).unwrap();
    for key in [
        "auc",
        "gini",
        "ks",
        "brier",
        "log_loss",
        "confusion",
        "expected_cost",
        "bands",
        "psi",
    ] {
        assert!(json.get(key).is_some(), "missing {key}");
    }
    // Scored on its own training distribution, the PSI is (almost) zero.
    assert!(evaluation.psi < 0.01, "{}", evaluation.psi);
    assert_eq!(
        evaluation.bands.iter().map(|b| b.count).sum::<usize>(),
        data.rows()
    );
}

#[test]
fn cross_validation_json_has_means_and_spreads() {
    let cv = cross_validate(&common::german(), &config(ModelKind::Scorecard), 3).unwrap();
    let json = cv.summary_json();
    for key in [
        "auc_mean",
        "auc_std",
        "gini_mean",
        "ks_mean",
        "ks_std",
        "brier_mean",
        "log_loss_mean",
    ] {
        assert!(
            json[key].as_f64().is_some_and(f64::is_finite),
            "missing {key}"
        );
    }
    assert_eq!(json["folds"], 3);
}

#[test]
fn the_report_is_self_contained_html() {
    let trained = train(&common::german(), &config(ModelKind::Scorecard)).unwrap();
    let html = kredit_scoring::report::render(
        &trained.model,
        &trained.validation,
        &trained.validation_predictions,
        &trained.validation_bad,
    );
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert_eq!(
        html.matches("<svg").count(),
        4,
        "ROC, KS, score distribution, calibration"
    );
    assert!(
        !html.contains("<script") && !html.contains("http://cdn") && !html.contains("https://")
    );
    // Category labels such as "... < 0 DM" are escaped.
    assert!(html.contains("... &lt; 0 DM"));
}
