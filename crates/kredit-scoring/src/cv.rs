//! Stratified, seeded k-fold cross-validation of the whole training pipeline
//! (binning, selection, fitting and calibration are redone in every fold, so
//! no held-out row ever influences its own model).

use serde::Serialize;

use crate::data::Dataset;
use crate::error::{Result, ScoringError};
use crate::evaluate::evaluate;
use crate::split::{fold_split, stratified_folds};
use crate::train::{TrainConfig, train};

/// The metrics of one held-out fold.
#[derive(Debug, Clone, Copy, Serialize, PartialEq)]
pub struct FoldMetrics {
    pub auc: f64,
    pub gini: f64,
    pub ks: f64,
    pub brier: f64,
    pub log_loss: f64,
    pub expected_cost: f64,
}

/// Reads one metric of a fold.
pub type Metric = fn(&FoldMetrics) -> f64;

impl FoldMetrics {
    /// Metric names and accessors, in report order.
    pub const METRICS: [(&'static str, Metric); 6] = [
        ("auc", |m| m.auc),
        ("gini", |m| m.gini),
        ("ks", |m| m.ks),
        ("brier", |m| m.brier),
        ("log_loss", |m| m.log_loss),
        ("expected_cost", |m| m.expected_cost),
    ];
}

/// Mean and sample standard deviation of one metric across folds.
#[derive(Debug, Clone, Copy, Serialize, PartialEq)]
pub struct Spread {
    pub mean: f64,
    pub std: f64,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct CrossValidation {
    pub folds: Vec<FoldMetrics>,
}

impl CrossValidation {
    pub fn spread(&self, metric: Metric) -> Spread {
        let values: Vec<f64> = self.folds.iter().map(metric).collect();
        let n = values.len() as f64;
        let mean = values.iter().sum::<f64>() / n;
        let variance = if values.len() > 1 {
            values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0)
        } else {
            0.0
        };
        Spread {
            mean,
            std: variance.sqrt(),
        }
    }

    /// `{metric}_mean` and `{metric}_std` for every metric, plus `folds`.
    pub fn summary_json(&self) -> serde_json::Value {
        let mut object = serde_json::Map::new();
        object.insert("folds".into(), self.folds.len().into());
        for (name, metric) in FoldMetrics::METRICS {
            let spread = self.spread(metric);
            object.insert(format!("{name}_mean"), spread.mean.into());
            object.insert(format!("{name}_std"), spread.std.into());
        }
        object.insert(
            "per_fold".into(),
            serde_json::to_value(&self.folds).expect("plain numbers"),
        );
        serde_json::Value::Object(object)
    }
}

/// Runs `folds`-fold cross-validation with `config` (its seed seeds the folds too).
pub fn cross_validate(
    data: &Dataset,
    config: &TrainConfig,
    folds: usize,
) -> Result<CrossValidation> {
    data.require_both_classes()?;
    let smallest_class = data.bads().min(data.rows() - data.bads());
    if folds < 2 || folds > smallest_class {
        return Err(ScoringError::InvalidConfig(format!(
            "folds must be between 2 and the size of the smaller class ({smallest_class})"
        )));
    }
    let parts = stratified_folds(&data.bad, folds, config.seed);
    let results = (0..folds)
        .map(|k| {
            let split = fold_split(&parts, k);
            let fold_config = TrainConfig {
                seed: config.seed.wrapping_add(k as u64 + 1),
                ..config.clone()
            };
            let trained = train(&data.subset(&split.train), &fold_config)?;
            let held_out = evaluate(
                &trained.model,
                &data.subset(&split.validation),
                Some(config.costs),
            )?;
            Ok(FoldMetrics {
                auc: held_out.auc,
                gini: held_out.gini,
                ks: held_out.ks,
                brier: held_out.brier,
                log_loss: held_out.log_loss,
                expected_cost: held_out.expected_cost,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(CrossValidation { folds: results })
}
