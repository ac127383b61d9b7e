//! Measuring a model on labelled data: ranking, calibration, decisions at
//! the model's cutoff, the score-band table and stability against training.

use serde::Serialize;

use crate::data::Dataset;
use crate::error::Result;
use crate::metrics::{Confusion, CostMatrix, auc, brier, gini, ks, log_loss, psi};
use crate::model::{Model, Prediction, ValidationMetrics};

/// One row of the score-band table.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Band {
    /// Exclusive lower score bound (`None` = unbounded).
    pub score_above: Option<f64>,
    /// Inclusive upper score bound (`None` = unbounded).
    pub score_at_most: Option<f64>,
    pub count: usize,
    pub bads: usize,
    pub bad_rate: f64,
    pub share: f64,
    pub training_share: f64,
}

/// The result of `kredit model evaluate`.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Evaluation {
    pub rows: usize,
    pub bads: usize,
    pub auc: f64,
    pub gini: f64,
    pub ks: f64,
    pub brier: f64,
    pub log_loss: f64,
    pub pd_cutoff: f64,
    pub costs: CostMatrix,
    pub confusion: Confusion,
    /// Average cost per application of the decisions at `pd_cutoff`.
    pub expected_cost: f64,
    pub bands: Vec<Band>,
    /// Population stability of the scores against the training scores.
    pub psi: f64,
}

impl Evaluation {
    pub fn summary(&self) -> ValidationMetrics {
        ValidationMetrics {
            auc: self.auc,
            gini: self.gini,
            ks: self.ks,
            brier: self.brier,
            log_loss: self.log_loss,
        }
    }
}

/// Scores `data` with `model` and measures it; `costs` default to the model's.
pub fn evaluate(model: &Model, data: &Dataset, costs: Option<CostMatrix>) -> Result<Evaluation> {
    data.require_both_classes()?;
    let costs = costs.unwrap_or(model.artefact().costs);
    costs.validate()?;
    let predictions = model.predict_matrix(&model.encode_dataset(data)?);
    Ok(evaluate_predictions(model, &predictions, &data.bad, &costs))
}

/// Measures predictions already made.
pub fn evaluate_predictions(
    model: &Model,
    predictions: &[Prediction],
    bad: &[bool],
    costs: &CostMatrix,
) -> Evaluation {
    let pd: Vec<f64> = predictions.iter().map(|p| p.pd).collect();
    let scores: Vec<f64> = predictions.iter().map(|p| p.score).collect();
    let area = auc(&pd, bad);
    let pd_cutoff = model.artefact().pd_cutoff;
    let confusion = Confusion::at_cutoff(&pd, bad, pd_cutoff);
    let distribution = &model.artefact().score_distribution;
    let shares = distribution.shares(&scores);
    let mut counts = vec![(0usize, 0usize); distribution.bands()];
    for (&s, &b) in scores.iter().zip(bad) {
        let band = &mut counts[distribution.band_of(s)];
        band.0 += 1;
        band.1 += usize::from(b);
    }
    let bounds = &distribution.upper_bounds;
    let bands = counts
        .iter()
        .enumerate()
        .map(|(i, &(count, bads))| Band {
            score_above: i.checked_sub(1).map(|k| bounds[k]),
            score_at_most: bounds.get(i).copied(),
            count,
            bads,
            bad_rate: if count == 0 {
                0.0
            } else {
                bads as f64 / count as f64
            },
            share: shares[i],
            training_share: distribution.training_shares[i],
        })
        .collect();
    Evaluation {
        rows: bad.len(),
        bads: bad.iter().filter(|&&b| b).count(),
        auc: area,
        gini: gini(area),
        ks: ks(&pd, bad),
        brier: brier(&pd, bad),
        log_loss: log_loss(&pd, bad),
        pd_cutoff,
        costs: *costs,
        confusion,
        expected_cost: confusion.expected_cost(costs),
        bands,
        psi: psi(&distribution.training_shares, &shares),
    }
}
