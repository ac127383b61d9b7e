//! The training pipeline shared by both model kinds: stratified split,
//! dropping of unusable columns, fitting, calibration on the validation rows,
//! and the training score distribution.

use serde::{Deserialize, Serialize};

use crate::calibration::Calibration;
use crate::data::{Column, Dataset, MISSING_CODE};
use crate::encode::{FeatureSpec, encode_dataset, specs_from};
use crate::error::{Result, ScoringError};
use crate::evaluate::{Evaluation, evaluate_predictions};
use crate::gbm::{EarlyStopping, GbmConfig, fit_gbm};
use crate::metrics::CostMatrix;
use crate::model::{
    DroppedFeature, FORMAT, FORMAT_VERSION, MAX_REASONS, Model, ModelArtefact, ModelBody,
    ModelKind, Prediction, ScoreDistribution, TargetSpec, TrainingInfo, ValidationMetrics,
};
use crate::monitor::FeatureDistribution;
use crate::scaling::PointsScaling;
use crate::scorecard::{ScorecardConfig, fit_scorecard};
use crate::split::stratified_split;

/// Everything that shapes a trained model.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct TrainConfig {
    pub kind: ModelKind,
    pub seed: u64,
    /// Share of each class held out for early stopping and calibration.
    pub validation_share: f64,
    pub scaling: PointsScaling,
    pub costs: CostMatrix,
    pub max_reasons: usize,
    pub score_bands: usize,
    /// Refit on all rows after validation (see [`train`]).
    pub refit_on_all: bool,
    pub scorecard: ScorecardConfig,
    pub gbm: GbmConfig,
}

impl Default for TrainConfig {
    fn default() -> Self {
        Self {
            kind: ModelKind::Scorecard,
            seed: 42,
            validation_share: 0.25,
            scaling: PointsScaling::default(),
            costs: CostMatrix::default(),
            max_reasons: 4,
            score_bands: 10,
            refit_on_all: true,
            scorecard: ScorecardConfig::default(),
            gbm: GbmConfig::default(),
        }
    }
}

impl TrainConfig {
    pub fn validate(&self) -> Result<()> {
        self.scaling.validate()?;
        self.costs.validate()?;
        self.gbm.validate()?;
        let bad = |why: &str| Err(ScoringError::InvalidConfig(why.into()));
        if !(self.validation_share > 0.0 && self.validation_share < 1.0) {
            return bad("the validation share must be between 0 and 1");
        }
        if self.max_reasons > MAX_REASONS {
            return bad("at most 8 reasons");
        }
        if !(2..=100).contains(&self.score_bands) {
            return bad("score bands must be between 2 and 100");
        }
        Ok(())
    }
}

/// A trained model with its predictions on the held-out validation rows.
#[derive(Debug)]
pub struct Trained {
    pub model: Model,
    pub validation: Evaluation,
    pub validation_predictions: Vec<Prediction>,
    pub validation_bad: Vec<bool>,
}

/// Columns that cannot carry information in the training rows.
fn unusable(column: &Column) -> Option<&'static str> {
    let (missing, distinct) = match column {
        Column::Numeric(values) => {
            let mut present: Vec<f64> = values.iter().copied().filter(|x| !x.is_nan()).collect();
            present.sort_by(f64::total_cmp);
            present.dedup();
            (values.iter().any(|x| x.is_nan()), present.len())
        }
        Column::Categorical { codes, .. } => {
            let mut present: Vec<u32> = codes
                .iter()
                .copied()
                .filter(|&c| c != MISSING_CODE)
                .collect();
            present.sort_unstable();
            present.dedup();
            (codes.contains(&MISSING_CODE), present.len())
        }
    };
    match (distinct, missing) {
        (0, _) => Some("all values missing"),
        (1, false) => Some("constant"),
        _ => None,
    }
}

/// The columns of `data` worth fitting on, and the others with the reason.
fn usable_specs(data: &Dataset) -> Result<(Vec<FeatureSpec>, Vec<DroppedFeature>)> {
    let mut dropped = Vec::new();
    let mut specs = Vec::new();
    for (feature, spec) in data.features.iter().zip(specs_from(data)) {
        match unusable(&feature.column) {
            Some(reason) => dropped.push(DroppedFeature {
                feature: feature.name.clone(),
                reason: reason.into(),
            }),
            None => specs.push(spec),
        }
    }
    if specs.is_empty() {
        return Err(ScoringError::NoUsableFeature(
            "every column is constant or entirely missing".into(),
        ));
    }
    Ok((specs, dropped))
}

/// Fits the model body on `fit_data`. A GBM stops early on `early_stopping`
/// rows if given, otherwise runs `config.gbm.max_rounds`.
fn fit_model(
    fit_data: &Dataset,
    early_stopping: Option<&Dataset>,
    config: &TrainConfig,
    gbm: &GbmConfig,
) -> Result<Model> {
    let (mut specs, dropped) = usable_specs(fit_data)?;
    let rows = encode_dataset(&specs, fit_data)?;
    let (body, rounds_trained) = match config.kind {
        ModelKind::Scorecard => {
            let card = fit_scorecard(
                &rows,
                &fit_data.bad,
                &specs,
                &config.scorecard,
                &config.scaling,
            )?;
            specs.retain(|s| card.features.iter().any(|f| f.feature == s.name));
            (ModelBody::Scorecard(card), None)
        }
        ModelKind::Gbm => {
            let stop_rows = early_stopping
                .map(|data| encode_dataset(&specs, data))
                .transpose()?;
            let stop = stop_rows
                .as_ref()
                .zip(early_stopping)
                .map(|(rows, data)| EarlyStopping {
                    rows,
                    bad: &data.bad,
                });
            let fit = fit_gbm(&rows, &fit_data.bad, stop, &specs, gbm, config.seed)?;
            (ModelBody::Gbm(fit.gbm), Some(fit.rounds_trained))
        }
    };
    Model::from_artefact(ModelArtefact {
        format: FORMAT.into(),
        format_version: FORMAT_VERSION,
        target: TargetSpec {
            column: fit_data.target_name.clone(),
            bad_value: fit_data.bad_value.clone(),
        },
        features: specs,
        scaling: config.scaling,
        calibration: Calibration::IDENTITY,
        costs: config.costs,
        pd_cutoff: config.costs.bayes_cutoff(),
        max_reasons: config.max_reasons,
        score_distribution: ScoreDistribution {
            upper_bounds: Vec::new(),
            training_shares: vec![1.0],
        },
        feature_distributions: Vec::new(),
        training: TrainingInfo {
            seed: config.seed,
            rows_train: fit_data.rows(),
            rows_validation: early_stopping.map_or(0, Dataset::rows),
            bad_rate_train: fit_data.bads() as f64 / fit_data.rows() as f64,
            dropped,
            validation: ValidationMetrics {
                auc: 0.5,
                gini: 0.0,
                ks: 0.0,
                brier: 0.0,
                log_loss: 0.0,
            },
            rounds_trained,
            refit_on_all: false,
        },
        model: body,
    })
}

/// Trains a model of `config.kind` on `data`.
///
/// The model is fitted on the training part, stopped early (GBM) and
/// calibrated on the validation part, which also gives the validation
/// metrics. With `refit_on_all`, the same recipe (and, for a GBM, the same
/// number of rounds) is then refitted on all rows and keeps that calibration:
/// small credit data sets cannot spare a quarter of their bads.
pub fn train(data: &Dataset, config: &TrainConfig) -> Result<Trained> {
    config.validate()?;
    data.require_both_classes()?;
    let split = stratified_split(&data.bad, config.validation_share, config.seed);
    let train_data = data.subset(&split.train);
    let validation_data = data.subset(&split.validation);
    if train_data.require_both_classes().is_err() || validation_data.require_both_classes().is_err()
    {
        return Err(ScoringError::InvalidConfig(
            "too few goods or bads to hold out a validation set with both classes".into(),
        ));
    }

    let mut model = fit_model(&train_data, Some(&validation_data), config, &config.gbm)?;
    let validation_rows = model.encode_dataset(&validation_data)?;
    let raw: Vec<f64> = (0..validation_rows.rows())
        .map(|i| model.raw_logit(validation_rows.row(i)))
        .collect();
    let calibration = Calibration::fit(&raw, &validation_data.bad);
    model.artefact_mut().calibration = calibration;
    let validation_predictions = model.predict_matrix(&validation_rows);
    let validation = evaluate_predictions(
        &model,
        &validation_predictions,
        &validation_data.bad,
        &config.costs,
    );

    let rounds = match &model.artefact().model {
        ModelBody::Gbm(gbm) => gbm.trees.len(),
        ModelBody::Scorecard(_) => 1,
    };
    let mut fitted_on = &train_data;
    if config.refit_on_all && rounds > 0 {
        let gbm = GbmConfig {
            max_rounds: rounds,
            ..config.gbm.clone()
        };
        let mut refit = fit_model(data, None, config, &gbm)?;
        let artefact = refit.artefact_mut();
        artefact.calibration = calibration;
        artefact.training.rows_validation = validation_data.rows();
        artefact.training.rounds_trained = model.artefact().training.rounds_trained;
        artefact.training.refit_on_all = true;
        model = refit;
        fitted_on = data;
    }
    let fitted_rows = model.encode_dataset(fitted_on)?;
    let train_scores: Vec<f64> = model
        .predict_matrix(&fitted_rows)
        .iter()
        .map(|p| p.score)
        .collect();
    let feature_distributions = model
        .features()
        .iter()
        .enumerate()
        .map(|(j, spec)| {
            FeatureDistribution::from_column(spec, &fitted_rows.column(j), config.score_bands)
        })
        .collect();
    let artefact = model.artefact_mut();
    artefact.score_distribution = ScoreDistribution::from_scores(&train_scores, config.score_bands);
    artefact.feature_distributions = feature_distributions;
    artefact.training.validation = validation.summary();
    Ok(Trained {
        model,
        validation,
        validation_predictions,
        validation_bad: validation_data.bad,
    })
}
