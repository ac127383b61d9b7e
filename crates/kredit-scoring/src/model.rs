//! The model artefact (JSON) and the serving API.
//!
//! [`Model::load`] validates an artefact completely (every bin, tree index and
//! level), so scoring afterwards cannot fail or panic. [`Model::score`]
//! returns the calibrated PD, the points score and the top adverse reasons.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::binning::{BinRule, FeatureBinning};
use crate::calibration::Calibration;
use crate::data::Dataset;
use crate::encode::{Applicant, FeatureEncoder, FeatureKind, FeatureSpec, Matrix, encode_dataset};
use crate::error::{Result, ScoringError};
use crate::gbm::{Condition, Forest, Gbm, Node};
use crate::metrics::CostMatrix;
use crate::monitor::FeatureDistribution;
use crate::scaling::PointsScaling;
use crate::scorecard::Scorecard;

pub const FORMAT: &str = "kredit-model";
pub const FORMAT_VERSION: u32 = 1;
/// Upper limit of reasons per decision.
pub const MAX_REASONS: usize = 8;

/// The outcome the model predicts.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct TargetSpec {
    pub column: String,
    pub bad_value: String,
}

/// Score bands and the share of training applications in each, for the
/// band table and the population stability index.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ScoreDistribution {
    /// Band `i` holds scores in `(upper_bounds[i-1], upper_bounds[i]]`; the
    /// last band is unbounded above.
    pub upper_bounds: Vec<f64>,
    pub training_shares: Vec<f64>,
}

impl ScoreDistribution {
    /// Bands at the deciles (or other quantiles) of the training scores.
    pub fn from_scores(scores: &[f64], bands: usize) -> Self {
        let mut sorted = scores.to_vec();
        sorted.sort_by(f64::total_cmp);
        let mut upper_bounds: Vec<f64> = (1..bands)
            .filter_map(|q| {
                sorted
                    .get((q * sorted.len() / bands).saturating_sub(1))
                    .copied()
            })
            .collect();
        upper_bounds.dedup();
        let mut distribution = ScoreDistribution {
            upper_bounds,
            training_shares: Vec::new(),
        };
        distribution.training_shares = distribution.shares(scores);
        distribution
    }

    pub fn band_of(&self, score: f64) -> usize {
        self.upper_bounds.partition_point(|&b| b < score)
    }

    pub fn bands(&self) -> usize {
        self.upper_bounds.len() + 1
    }

    pub fn shares(&self, scores: &[f64]) -> Vec<f64> {
        let mut counts = vec![0.0; self.bands()];
        for &s in scores {
            counts[self.band_of(s)] += 1.0;
        }
        counts
            .iter()
            .map(|c| c / scores.len().max(1) as f64)
            .collect()
    }
}

/// A feature left out before fitting, and why.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct DroppedFeature {
    pub feature: String,
    pub reason: String,
}

/// Ranking and calibration measured on the validation rows at training time.
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq)]
pub struct ValidationMetrics {
    pub auc: f64,
    pub gini: f64,
    pub ks: f64,
    pub brier: f64,
    pub log_loss: f64,
}

/// How and on what the model was trained.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct TrainingInfo {
    pub seed: u64,
    pub rows_train: usize,
    pub rows_validation: usize,
    pub bad_rate_train: f64,
    pub dropped: Vec<DroppedFeature>,
    pub validation: ValidationMetrics,
    /// GBM only: rounds run before early stopping (the model keeps the best).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rounds_trained: Option<usize>,
    /// Whether the model was refitted on training and validation rows after
    /// validation; `validation` then describes the model before the refit.
    pub refit_on_all: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ModelBody {
    Scorecard(Scorecard),
    Gbm(Gbm),
}

/// Which family of model.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Default)]
#[serde(rename_all = "snake_case")]
pub enum ModelKind {
    #[default]
    Scorecard,
    Gbm,
}

impl std::fmt::Display for ModelKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            ModelKind::Scorecard => "scorecard",
            ModelKind::Gbm => "gbm",
        })
    }
}

/// Everything a model is, as saved to JSON.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ModelArtefact {
    pub format: String,
    pub format_version: u32,
    pub target: TargetSpec,
    /// Inputs in the order of encoded rows.
    pub features: Vec<FeatureSpec>,
    pub scaling: PointsScaling,
    pub calibration: Calibration,
    pub costs: CostMatrix,
    /// Applications with a PD at or above this are declined.
    pub pd_cutoff: f64,
    pub max_reasons: usize,
    pub score_distribution: ScoreDistribution,
    /// The training distribution of each input feature, in feature order,
    /// for stability monitoring ([`crate::monitor`]). Absent in artefacts
    /// written before monitoring existed; they load and score as before.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub feature_distributions: Vec<FeatureDistribution>,
    pub training: TrainingInfo,
    pub model: ModelBody,
}

/// One adverse factor of a decision.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Reason {
    pub feature: Arc<str>,
    /// Scorecard: points lost against the feature's best bin.
    /// GBM: log-odds of bad the feature added (Saabas contribution).
    pub contribution: f64,
    /// Scorecard: the label of the applicant's bin.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bin: Option<Arc<str>>,
}

/// PD and score of one application.
#[derive(Debug, Clone, Copy, Serialize, PartialEq)]
pub struct Prediction {
    pub pd: f64,
    pub score: f64,
}

/// The answer for one application.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Scored {
    pub pd: f64,
    pub score: f64,
    /// Most adverse first; only features that worsened the score.
    pub reasons: Vec<Reason>,
}

struct CompiledBinFeature {
    binning: FeatureBinning,
    points: Vec<f64>,
    best_points: f64,
    labels: Vec<Arc<str>>,
}

enum Scorer {
    Scorecard {
        base_points: f64,
        features: Vec<CompiledBinFeature>,
    },
    Gbm {
        base_logit: f64,
        forest: Forest,
    },
}

/// A loaded, validated model ready to score.
pub struct Model {
    artefact: ModelArtefact,
    names: Vec<Arc<str>>,
    encoders: Vec<FeatureEncoder>,
    scorer: Scorer,
}

impl std::fmt::Debug for Model {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Model")
            .field("artefact", &self.artefact)
            .finish_non_exhaustive()
    }
}

/// The `max_reasons` most adverse (largest positive) values, without allocating.
struct TopAdverse {
    items: [(f64, usize); MAX_REASONS],
    len: usize,
    capacity: usize,
}

impl TopAdverse {
    fn new(capacity: usize) -> Self {
        Self {
            items: [(0.0, 0); MAX_REASONS],
            len: 0,
            capacity: capacity.min(MAX_REASONS),
        }
    }

    fn offer(&mut self, value: f64, index: usize) {
        if value.is_nan() || value <= 1e-9 || self.capacity == 0 {
            return;
        }
        if self.len == self.capacity && value <= self.items[self.len - 1].0 {
            return;
        }
        let mut at = self.len.min(self.capacity - 1);
        self.len = (self.len + 1).min(self.capacity);
        while at > 0 && self.items[at - 1].0 < value {
            self.items[at] = self.items[at - 1];
            at -= 1;
        }
        self.items[at] = (value, index);
    }

    fn iter(&self) -> impl Iterator<Item = (f64, usize)> + '_ {
        self.items[..self.len].iter().copied()
    }
}

fn invalid<T>(why: impl Into<String>) -> Result<T> {
    Err(ScoringError::InvalidModel(why.into()))
}

fn finite(x: f64) -> bool {
    x.is_finite()
}

fn compile_bin_feature(
    spec: &FeatureSpec,
    binning: &FeatureBinning,
    points: &[f64],
) -> Result<CompiledBinFeature> {
    let name = &spec.name;
    let regular = match (&binning.rule, &spec.kind) {
        (
            BinRule::Numeric {
                upper_bounds,
                special_codes,
            },
            FeatureKind::Numeric,
        ) => {
            if !upper_bounds.windows(2).all(|w| w[0] < w[1])
                || !upper_bounds.iter().all(|&b| finite(b))
            {
                return invalid(format!("{name}: bin bounds are not increasing"));
            }
            upper_bounds.len() + 1 + usize::from(!special_codes.is_empty())
        }
        (BinRule::Categorical { bin_of_level }, FeatureKind::Categorical { levels }) => {
            if bin_of_level.len() != levels.len() {
                return invalid(format!(
                    "{name}: {} levels but {} level bins",
                    levels.len(),
                    bin_of_level.len()
                ));
            }
            if bin_of_level
                .iter()
                .any(|&b| b as usize >= binning.bins.len())
            {
                return invalid(format!(
                    "{name}: a level points to a bin that does not exist"
                ));
            }
            binning.bins.len() - 1
        }
        _ => {
            return invalid(format!(
                "{name}: the bin rule does not match the feature type"
            ));
        }
    };
    if binning.bins.len() != regular + 1 || points.len() != binning.bins.len() {
        return invalid(format!("{name}: bins, points and rule disagree"));
    }
    if !points.iter().all(|&p| finite(p)) || !binning.bins.iter().all(|b| finite(b.woe)) {
        return invalid(format!("{name}: points and WoE must be finite"));
    }
    Ok(CompiledBinFeature {
        binning: binning.clone(),
        points: points.to_vec(),
        best_points: points.iter().copied().fold(f64::NEG_INFINITY, f64::max),
        labels: binning
            .bins
            .iter()
            .map(|b| Arc::from(b.label.as_str()))
            .collect(),
    })
}

fn compile_scorer(artefact: &ModelArtefact) -> Result<Scorer> {
    let specs = &artefact.features;
    match &artefact.model {
        ModelBody::Scorecard(card) => {
            if card.features.len() != specs.len() {
                return invalid("the scorecard and the feature list differ in length");
            }
            if !finite(card.base_points) {
                return invalid("base points must be finite");
            }
            let features = specs
                .iter()
                .zip(&card.features)
                .map(|(spec, feature)| {
                    if spec.name != feature.feature {
                        return invalid(format!(
                            "scorecard feature {} is listed as {}",
                            feature.feature, spec.name
                        ));
                    }
                    compile_bin_feature(spec, &feature.binning, &feature.points)
                })
                .collect::<Result<Vec<_>>>()?;
            Ok(Scorer::Scorecard {
                base_points: card.base_points,
                features,
            })
        }
        ModelBody::Gbm(gbm) => {
            if !finite(gbm.base_logit) || gbm.feature_gain.len() != specs.len() {
                return invalid("GBM base log-odds or feature gains are malformed");
            }
            for tree in &gbm.trees {
                for node in &tree.nodes {
                    if let Node::Split {
                        feature, condition, ..
                    } = node
                    {
                        let categorical = matches!(
                            specs.get(*feature as usize).map(|s| &s.kind),
                            Some(FeatureKind::Categorical { .. })
                        );
                        if categorical != matches!(condition, Condition::InLevels { .. }) {
                            return invalid(
                                "a split's condition does not match its feature's type",
                            );
                        }
                    }
                }
            }
            Ok(Scorer::Gbm {
                base_logit: gbm.base_logit,
                forest: Forest::from_trees(&gbm.trees, specs.len())?,
            })
        }
    }
}

impl Model {
    /// Validates and compiles an artefact.
    pub fn from_artefact(artefact: ModelArtefact) -> Result<Model> {
        if artefact.format != FORMAT || artefact.format_version != FORMAT_VERSION {
            return invalid(format!(
                "expected format {FORMAT} version {FORMAT_VERSION}, found {} version {}",
                artefact.format, artefact.format_version
            ));
        }
        artefact
            .scaling
            .validate()
            .map_err(|e| ScoringError::InvalidModel(e.to_string()))?;
        artefact
            .costs
            .validate()
            .map_err(|e| ScoringError::InvalidModel(e.to_string()))?;
        if !artefact.calibration.is_valid() || !(0.0..=1.0).contains(&artefact.pd_cutoff) {
            return invalid("calibration or PD cutoff out of range");
        }
        if artefact.max_reasons > MAX_REASONS {
            return invalid(format!("at most {MAX_REASONS} reasons"));
        }
        let distribution = &artefact.score_distribution;
        if distribution.training_shares.len() != distribution.bands() {
            return invalid("score bands and training shares differ in length");
        }
        let distributions = &artefact.feature_distributions;
        if !distributions.is_empty() {
            if distributions.len() != artefact.features.len() {
                return invalid("one feature distribution per feature expected");
            }
            for (distribution, spec) in distributions.iter().zip(&artefact.features) {
                distribution
                    .validate(spec)
                    .map_err(ScoringError::InvalidModel)?;
            }
        }
        let scorer = compile_scorer(&artefact)?;
        Ok(Model {
            names: artefact
                .features
                .iter()
                .map(|s| Arc::from(s.name.as_str()))
                .collect(),
            encoders: artefact.features.iter().map(FeatureEncoder::new).collect(),
            scorer,
            artefact,
        })
    }

    /// Loads a model saved with [`Model::to_json`].
    pub fn load(json: &str) -> Result<Model> {
        let artefact: ModelArtefact =
            serde_json::from_str(json).map_err(|e| ScoringError::InvalidModel(e.to_string()))?;
        Model::from_artefact(artefact)
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(&self.artefact)
            .expect("artefacts hold only finite numbers and strings")
    }

    pub fn artefact(&self) -> &ModelArtefact {
        &self.artefact
    }

    pub(crate) fn artefact_mut(&mut self) -> &mut ModelArtefact {
        &mut self.artefact
    }

    pub fn kind(&self) -> ModelKind {
        match self.artefact.model {
            ModelBody::Scorecard(_) => ModelKind::Scorecard,
            ModelBody::Gbm(_) => ModelKind::Gbm,
        }
    }

    pub fn features(&self) -> &[FeatureSpec] {
        &self.artefact.features
    }

    /// The encoded row of an application (see [`crate::encode`]).
    pub fn encode(&self, applicant: &Applicant) -> Vec<f64> {
        let mut row = vec![f64::NAN; self.encoders.len()];
        self.encode_into(applicant, &mut row);
        row
    }

    /// Like [`Model::encode`] into a caller's buffer of `features().len()` values.
    pub fn encode_into(&self, applicant: &Applicant, row: &mut [f64]) {
        for ((slot, encoder), name) in row.iter_mut().zip(&self.encoders).zip(&self.names) {
            *slot = encoder.value(applicant.values.get(&**name));
        }
    }

    /// Encodes every row of a data set; errors if a model feature is absent.
    pub fn encode_dataset(&self, data: &Dataset) -> Result<Matrix> {
        encode_dataset(&self.artefact.features, data)
    }

    /// The uncalibrated log-odds of bad and the score of an encoded row.
    fn raw(&self, row: &[f64]) -> (f64, f64) {
        let scaling = &self.artefact.scaling;
        match &self.scorer {
            Scorer::Scorecard {
                base_points,
                features,
            } => {
                // Summed in the same order as `explain`, so both agree to the bit.
                let score = features
                    .iter()
                    .zip(row)
                    .fold(*base_points, |score, (f, &x)| {
                        score + f.points[f.binning.bin_of(x)]
                    });
                (scaling.logit(score), score)
            }
            Scorer::Gbm { base_logit, forest } => {
                let logit = base_logit + forest.predict(row);
                (logit, scaling.score(logit))
            }
        }
    }

    /// The uncalibrated log-odds of bad of an encoded row.
    pub fn raw_logit(&self, row: &[f64]) -> f64 {
        self.raw(row).0
    }

    /// PD and score of an encoded row (the fast path: no allocation).
    pub fn predict(&self, row: &[f64]) -> Prediction {
        let (logit, score) = self.raw(row);
        Prediction {
            pd: self.artefact.calibration.pd(logit),
            score,
        }
    }

    pub fn predict_matrix(&self, rows: &Matrix) -> Vec<Prediction> {
        (0..rows.rows())
            .map(|i| self.predict(rows.row(i)))
            .collect()
    }

    /// PD, score and the most adverse features (most adverse first) of an
    /// encoded row, in one pass over the model. Allocates only the reasons.
    pub fn explain(&self, row: &[f64]) -> Scored {
        let mut top = TopAdverse::new(self.artefact.max_reasons);
        let (logit, score, reasons) = match &self.scorer {
            Scorer::Scorecard {
                base_points,
                features,
            } => {
                let mut score = *base_points;
                for (j, (f, &x)) in features.iter().zip(row).enumerate() {
                    let points = f.points[f.binning.bin_of(x)];
                    score += points;
                    top.offer(f.best_points - points, j);
                }
                let reasons = top
                    .iter()
                    .map(|(lost, j)| Reason {
                        feature: self.names[j].clone(),
                        contribution: lost,
                        bin: Some(features[j].labels[features[j].binning.bin_of(row[j])].clone()),
                    })
                    .collect();
                (self.artefact.scaling.logit(score), score, reasons)
            }
            Scorer::Gbm { base_logit, forest } => {
                // A fixed buffer for common models, the heap only for very wide ones.
                let mut stack = [0.0; 64];
                let mut heap = Vec::new();
                let contributions: &mut [f64] = if row.len() <= stack.len() {
                    &mut stack[..row.len()]
                } else {
                    heap.resize(row.len(), 0.0);
                    &mut heap
                };
                let logit = base_logit + forest.contributions(row, contributions);
                for (j, &c) in contributions.iter().enumerate() {
                    top.offer(c, j);
                }
                let reasons = top
                    .iter()
                    .map(|(c, j)| Reason {
                        feature: self.names[j].clone(),
                        contribution: c,
                        bin: None,
                    })
                    .collect();
                (logit, self.artefact.scaling.score(logit), reasons)
            }
        };
        Scored {
            pd: self.artefact.calibration.pd(logit),
            score,
            reasons,
        }
    }

    /// Scores one application with its reasons. Never fails: absent features,
    /// unknown categories and unparsable numbers score as missing.
    pub fn score(&self, applicant: &Applicant) -> Scored {
        self.explain(&self.encode(applicant))
    }

    /// Whether an application with this PD is declined at the model's cutoff.
    pub fn declines(&self, pd: f64) -> bool {
        pd >= self.artefact.pd_cutoff
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn top_adverse_keeps_the_largest_in_order() {
        let mut top = TopAdverse::new(3);
        for (i, v) in [0.5, -1.0, 2.0, 0.0, 1.0, 3.0, 0.7].into_iter().enumerate() {
            top.offer(v, i);
        }
        assert_eq!(
            top.iter().collect::<Vec<_>>(),
            vec![(3.0, 5), (2.0, 2), (1.0, 4)]
        );
    }

    #[test]
    fn score_bands_split_at_quantiles() {
        let scores: Vec<f64> = (1..=100).map(f64::from).collect();
        let d = ScoreDistribution::from_scores(&scores, 10);
        assert_eq!(d.bands(), 10);
        assert!(d.training_shares.iter().all(|&s| (s - 0.1).abs() < 1e-12));
    }
}
