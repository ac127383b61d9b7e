//! Population stability on German Credit: the training population is
//! stable against itself, a shifted population raises alerts on the score
//! and on the features that moved, and old artefacts still load.

mod common;

use kredit_scoring::data::Column;
use kredit_scoring::{
    Applicant, Dataset, MIN_APPLICATIONS, Model, ModelKind, PSI_ALERT, TrainConfig, Value,
    stability, train,
};

fn applicants(data: &Dataset) -> Vec<Applicant> {
    (0..data.rows())
        .map(|i| {
            let mut applicant = Applicant::new();
            for feature in &data.features {
                let value = match &feature.column {
                    Column::Numeric(values) => Value::Number(values[i]),
                    Column::Categorical { codes, levels } => levels
                        .get(codes[i] as usize)
                        .map_or(Value::Missing, |l| Value::Text(l.clone())),
                };
                applicant.values.insert(feature.name.clone(), value);
            }
            applicant
        })
        .collect()
}

fn model(kind: ModelKind) -> Model {
    let config = TrainConfig {
        kind,
        ..TrainConfig::default()
    };
    train(&common::german(), &config).unwrap().model
}

#[test]
fn every_feature_has_a_training_distribution() {
    for kind in [ModelKind::Scorecard, ModelKind::Gbm] {
        let model = model(kind);
        let artefact = model.artefact();
        assert_eq!(
            artefact.feature_distributions.len(),
            artefact.features.len()
        );
        for (d, spec) in artefact
            .feature_distributions
            .iter()
            .zip(&artefact.features)
        {
            assert_eq!(d.feature, spec.name);
            let total: f64 = d.training_shares.iter().sum();
            assert!((total - 1.0).abs() < 1e-9, "{}: {total}", d.feature);
        }
    }
}

#[test]
fn the_training_population_is_stable_against_itself() {
    let data = common::german();
    let applications = applicants(&data);
    for kind in [ModelKind::Scorecard, ModelKind::Gbm] {
        let model = model(kind);
        let scores: Vec<f64> = applications.iter().map(|a| model.score(a).score).collect();
        let report = stability(&model, &scores, &applications);
        assert_eq!(report.applications, 1000);
        assert!(report.alerts.is_empty(), "{kind}: {:?}", report.alerts);
        assert!(report.score.as_ref().unwrap().psi < 0.01, "{kind}");
        assert_eq!(report.features.len(), model.features().len());
        assert!(report.features.iter().all(|f| f.psi < 0.01), "{kind}");
    }
}

#[test]
fn a_shifted_population_raises_alerts_on_what_moved() {
    let data = common::german();
    let model = model(ModelKind::Scorecard);
    // Only long loans, and every applicant without a checking account record.
    let shifted: Vec<Applicant> = applicants(&data)
        .into_iter()
        .map(|a| {
            a.with("duration_in_month", 60.0)
                .with("status_of_existing_checking_account", Value::Missing)
        })
        .collect();
    let scores: Vec<f64> = shifted.iter().map(|a| model.score(a).score).collect();
    let report = stability(&model, &scores, &shifted);
    let psi_of = |name: &str| {
        report
            .features
            .iter()
            .find(|f| f.name == name)
            .map(|f| f.psi)
    };
    assert!(psi_of("duration_in_month").unwrap() > PSI_ALERT);
    assert!(report.alerts.iter().any(|a| a == "duration_in_month"));
    assert!(report.alerts.iter().any(|a| a == "score"), "{report:?}");
    // A feature nobody changed stays quiet.
    let unchanged = report
        .features
        .iter()
        .find(|f| f.name != "duration_in_month" && f.name != "status_of_existing_checking_account")
        .unwrap();
    assert!(!unchanged.alert, "{}: {}", unchanged.name, unchanged.psi);
}

#[test]
fn too_few_applications_show_their_psi_but_raise_no_alert() {
    let model = model(ModelKind::Scorecard);
    let shifted: Vec<Applicant> = (0..MIN_APPLICATIONS - 1)
        .map(|_| Applicant::new().with("duration_in_month", 60.0))
        .collect();
    let scores: Vec<f64> = shifted.iter().map(|a| model.score(a).score).collect();
    let few = stability(&model, &scores, &shifted);
    assert_eq!(few.min_applications, MIN_APPLICATIONS);
    let duration = few
        .features
        .iter()
        .find(|f| f.name == "duration_in_month")
        .unwrap();
    assert!(duration.psi > PSI_ALERT && !duration.alert);
    assert!(few.alerts.is_empty(), "{:?}", few.alerts);

    let one_more: Vec<Applicant> = shifted
        .iter()
        .cloned()
        .chain([shifted[0].clone()])
        .collect();
    let scores: Vec<f64> = one_more.iter().map(|a| model.score(a).score).collect();
    let enough = stability(&model, &scores, &one_more);
    assert!(enough.alerts.iter().any(|a| a == "duration_in_month"));
}

#[test]
fn no_live_applications_means_no_verdict() {
    let model = model(ModelKind::Scorecard);
    let report = stability(&model, &[], &[]);
    assert_eq!(report.applications, 0);
    assert!(report.score.is_none() && report.features.is_empty() && report.alerts.is_empty());
}

#[test]
fn artefacts_without_feature_distributions_still_load() {
    let model = model(ModelKind::Scorecard);
    let mut json: serde_json::Value = serde_json::from_str(&model.to_json()).unwrap();
    json.as_object_mut()
        .unwrap()
        .remove("feature_distributions");
    let old = Model::load(&json.to_string()).unwrap();
    assert!(old.artefact().feature_distributions.is_empty());
    let applicant = Applicant::new().with("duration_in_month", 24.0);
    assert_eq!(old.score(&applicant), model.score(&applicant));
    let report = stability(&old, &[600.0], &[applicant]);
    assert!(report.features.is_empty() && report.score.is_some());
}

#[test]
fn a_malformed_feature_distribution_is_refused_at_load() {
    let model = model(ModelKind::Scorecard);
    let mut json: serde_json::Value = serde_json::from_str(&model.to_json()).unwrap();
    json["feature_distributions"][0]["training_shares"]
        .as_array_mut()
        .unwrap()
        .pop();
    assert!(Model::load(&json.to_string()).is_err());
    let mut json: serde_json::Value = serde_json::from_str(&model.to_json()).unwrap();
    json["feature_distributions"].as_array_mut().unwrap().pop();
    assert!(Model::load(&json.to_string()).is_err());
}
