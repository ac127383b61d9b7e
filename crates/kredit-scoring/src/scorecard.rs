//! WoE scorecard: coarse classing of every feature, selection by IV,
//! correlation and VIF, logistic regression on the WoE values, and points.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::binning::{BinningConfig, FeatureBinning, bin_feature};
use crate::encode::{FeatureSpec, Matrix};
use crate::error::{Result, ScoringError};
use crate::linalg::{correlation, inverse_diagonal};
use crate::logistic::fit_logistic;
use crate::scaling::PointsScaling;

/// How a scorecard is built.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ScorecardConfig {
    pub binning: BinningConfig,
    /// Features with a lower information value are dropped (0.02 = "useless" by convention).
    pub min_iv: f64,
    /// Of two features whose WoE correlate more than this, the one with lower IV is dropped.
    pub max_correlation: f64,
    /// Features are dropped, highest VIF first, until every VIF is at most this.
    pub max_vif: f64,
    /// L2 penalty of the logistic regression.
    pub l2: f64,
    /// Per numeric feature, values that mean something special (e.g. -1 =
    /// "no credit history"); they get a bin of their own.
    pub special_codes: BTreeMap<String, Vec<f64>>,
}

impl Default for ScorecardConfig {
    fn default() -> Self {
        Self {
            binning: BinningConfig::default(),
            min_iv: 0.02,
            max_correlation: 0.7,
            max_vif: 5.0,
            l2: 1e-3,
            special_codes: BTreeMap::new(),
        }
    }
}

/// One feature's row group of the scorecard table.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ScorecardFeature {
    pub feature: String,
    pub coefficient: f64,
    pub binning: FeatureBinning,
    /// Points of each bin, aligned with `binning.bins`.
    pub points: Vec<f64>,
}

/// Why a candidate feature was kept or dropped.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SelectionRecord {
    pub feature: String,
    pub iv: f64,
    pub selected: bool,
    pub reason: String,
}

/// The fitted scorecard. Score = `base_points` + the points of each
/// feature's bin. Points are kept unrounded so they reproduce the model's
/// probabilities exactly.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Scorecard {
    pub intercept: f64,
    pub base_points: f64,
    pub features: Vec<ScorecardFeature>,
    pub selection: Vec<SelectionRecord>,
}

/// One line of the scorecard table.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ScorecardRow<'a> {
    pub feature: &'a str,
    pub bin: &'a str,
    pub woe: f64,
    pub points: f64,
}

impl Scorecard {
    pub fn table(&self) -> impl Iterator<Item = ScorecardRow<'_>> {
        self.features.iter().flat_map(|f| {
            f.binning
                .bins
                .iter()
                .zip(&f.points)
                .map(move |(bin, &points)| ScorecardRow {
                    feature: &f.feature,
                    bin: &bin.label,
                    woe: bin.woe,
                    points,
                })
        })
    }
}

/// Fits a scorecard on encoded training rows.
pub fn fit_scorecard(
    train: &Matrix,
    bad: &[bool],
    specs: &[FeatureSpec],
    config: &ScorecardConfig,
    scaling: &PointsScaling,
) -> Result<Scorecard> {
    let no_codes = Vec::new();
    let binnings: Vec<FeatureBinning> = specs
        .iter()
        .enumerate()
        .map(|(j, spec)| {
            let codes = config.special_codes.get(&spec.name).unwrap_or(&no_codes);
            bin_feature(&train.column(j), &spec.kind, codes, bad, &config.binning)
        })
        .collect();
    let woe_columns: Vec<Vec<f64>> = binnings
        .iter()
        .enumerate()
        .map(|(j, binning)| {
            train
                .column(j)
                .iter()
                .map(|&x| binning.bins[binning.bin_of(x)].woe)
                .collect()
        })
        .collect();

    let mut reasons: Vec<Option<String>> = vec![None; specs.len()];
    let mut candidates: Vec<usize> = (0..specs.len()).collect();
    candidates.sort_by(|&a, &b| {
        binnings[b]
            .iv
            .total_cmp(&binnings[a].iv)
            .then(specs[a].name.cmp(&specs[b].name))
    });
    let mut kept: Vec<usize> = Vec::new();
    for &j in &candidates {
        if binnings[j].iv < config.min_iv {
            reasons[j] = Some(format!("IV {:.4} below {}", binnings[j].iv, config.min_iv));
            continue;
        }
        let rival = kept
            .iter()
            .map(|&k| (k, correlation(&woe_columns[j], &woe_columns[k])))
            .find(|(_, r)| r.abs() > config.max_correlation);
        match rival {
            Some((k, r)) => {
                reasons[j] = Some(format!("WoE correlation {r:.2} with {}", specs[k].name))
            }
            None => kept.push(j),
        }
    }
    drop_high_vif(&mut kept, &woe_columns, config.max_vif, &mut reasons);

    // A negative coefficient on WoE means the feature's effect reversed once
    // the others are in the model: drop the worst one and refit.
    let fit = loop {
        if kept.is_empty() {
            return Err(ScoringError::NoUsableFeature(format!(
                "no feature reaches IV {} with a consistent sign; the data may carry no signal",
                config.min_iv
            )));
        }
        let columns: Vec<Vec<f64>> = kept.iter().map(|&j| woe_columns[j].clone()).collect();
        let fit = fit_logistic(&columns, bad, config.l2);
        let worst =
            (0..kept.len()).min_by(|&a, &b| fit.coefficients[a].total_cmp(&fit.coefficients[b]));
        match worst {
            Some(w) if fit.coefficients[w] <= 0.0 => {
                let j = kept.remove(w);
                reasons[j] = Some(format!(
                    "coefficient {:.3} has the wrong sign",
                    fit.coefficients[w]
                ));
            }
            _ => break fit,
        }
    };
    if !fit.intercept.is_finite() || fit.coefficients.iter().any(|c| !c.is_finite()) {
        return Err(ScoringError::NoUsableFeature(
            "the logistic regression did not converge".into(),
        ));
    }

    let factor = scaling.factor();
    let mut selection: Vec<SelectionRecord> = candidates
        .iter()
        .map(|&j| SelectionRecord {
            feature: specs[j].name.clone(),
            iv: binnings[j].iv,
            selected: kept.contains(&j),
            reason: reasons[j].clone().unwrap_or_else(|| "selected".into()),
        })
        .collect();
    selection.sort_by(|a, b| b.iv.total_cmp(&a.iv).then(a.feature.cmp(&b.feature)));
    // Keep the original feature order in the scorecard.
    let mut order: Vec<(usize, f64)> = kept
        .iter()
        .copied()
        .zip(fit.coefficients.iter().copied())
        .collect();
    order.sort_by_key(|&(j, _)| j);
    let features = order
        .into_iter()
        .map(|(j, coefficient)| {
            let binning = binnings[j].clone();
            let points = binning
                .bins
                .iter()
                .map(|b| -factor * coefficient * b.woe)
                .collect();
            ScorecardFeature {
                feature: specs[j].name.clone(),
                coefficient,
                binning,
                points,
            }
        })
        .collect();
    Ok(Scorecard {
        intercept: fit.intercept,
        base_points: scaling.offset() - factor * fit.intercept,
        features,
        selection,
    })
}

fn drop_high_vif(
    kept: &mut Vec<usize>,
    woe_columns: &[Vec<f64>],
    max_vif: f64,
    reasons: &mut [Option<String>],
) {
    while kept.len() > 1 {
        let n = kept.len();
        let mut corr = vec![0.0; n * n];
        for a in 0..n {
            for b in 0..n {
                corr[a * n + b] = if a == b {
                    1.0
                } else {
                    correlation(&woe_columns[kept[a]], &woe_columns[kept[b]])
                };
            }
        }
        // VIF_j is the j-th diagonal element of the inverse correlation matrix;
        // a singular matrix means perfect collinearity (infinite VIF).
        let vifs = inverse_diagonal(&corr, n).unwrap_or_else(|| vec![f64::INFINITY; n]);
        let (worst, vif) = vifs
            .iter()
            .copied()
            .enumerate()
            .max_by(|a, b| a.1.total_cmp(&b.1).then(b.0.cmp(&a.0)))
            .expect("at least two features");
        if vif <= max_vif {
            break;
        }
        let j = kept.remove(if vif.is_finite() { worst } else { n - 1 });
        reasons[j] = Some(format!("VIF {vif:.2} above {max_vif}"));
    }
}
