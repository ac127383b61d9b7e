//! Gradient-boosted decision trees for the log-odds of bad, histogram based.
//!
//! Numeric features are cut into at most `max_bins − 1` quantile bins and
//! categorical ones keep one bin per level (LightGBM-style splits: levels
//! sorted by gradient ratio, best prefix goes left). Missing values have a
//! bin of their own and go down whichever side gains more at each split.
//! Training stops when the validation log-loss has not improved for
//! `early_stopping_rounds`, and the model keeps the best round.

use serde::{Deserialize, Serialize};

use crate::encode::{FeatureKind, FeatureSpec, Matrix};
use crate::error::{Result, ScoringError};
use crate::logistic::sigmoid;
use crate::metrics::log_loss;
use crate::rng::SplitMix64;

/// Levels with a code at or above this are treated as missing by the trees
/// (keeps categorical splits in a 256-bit set and bins in a byte).
pub const MAX_TREE_LEVELS: usize = 254;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct GbmConfig {
    pub learning_rate: f64,
    pub max_rounds: usize,
    pub early_stopping_rounds: usize,
    pub max_depth: usize,
    pub min_samples_leaf: usize,
    /// L2 penalty on leaf values.
    pub l2: f64,
    /// Added to the hessian when ordering levels of a categorical split, so
    /// rare levels do not look extreme.
    pub categorical_smoothing: f64,
    pub row_subsample: f64,
    pub col_subsample: f64,
    pub max_bins: usize,
}

impl Default for GbmConfig {
    fn default() -> Self {
        Self {
            learning_rate: 0.05,
            max_rounds: 1000,
            early_stopping_rounds: 50,
            max_depth: 3,
            min_samples_leaf: 20,
            l2: 1.0,
            categorical_smoothing: 10.0,
            row_subsample: 0.8,
            col_subsample: 0.8,
            max_bins: 64,
        }
    }
}

impl GbmConfig {
    pub fn validate(&self) -> Result<()> {
        let share = |x: f64| x > 0.0 && x <= 1.0;
        let ok = share(self.learning_rate)
            && self.max_rounds >= 1
            && (1..=16).contains(&self.max_depth)
            && self.min_samples_leaf >= 1
            && self.l2.is_finite()
            && self.l2 >= 0.0
            && self.categorical_smoothing >= 0.0
            && share(self.row_subsample)
            && share(self.col_subsample)
            && (2..=255).contains(&self.max_bins);
        if ok {
            Ok(())
        } else {
            Err(ScoringError::InvalidConfig(format!(
                "GBM settings out of range: {self:?}"
            )))
        }
    }
}

/// How a split sends non-missing values left.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Condition {
    /// Numeric: left when `x <= threshold`.
    AtMost { threshold: f64 },
    /// Categorical: left when the level code is in `levels`.
    InLevels { levels: Vec<u32> },
}

/// A tree node. Children always have larger indices than their parent.
/// `value` of a split node is the tree's output had it stopped there; the
/// differences along a path are the per-feature contributions (Saabas).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(tag = "node", rename_all = "snake_case")]
pub enum Node {
    Leaf {
        value: f64,
    },
    Split {
        feature: u32,
        condition: Condition,
        missing_left: bool,
        left: u32,
        right: u32,
        value: f64,
    },
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Tree {
    pub nodes: Vec<Node>,
}

/// The fitted ensemble: log-odds of bad = `base_logit` + Σ tree outputs.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Gbm {
    pub base_logit: f64,
    pub trees: Vec<Tree>,
    /// Total split gain per feature, aligned with the model's features.
    pub feature_gain: Vec<f64>,
}

/// A flat, cache-friendly copy of the trees for scoring. Each split's two
/// children sit side by side, so the walk picks `left + went_right` without
/// a branch on the direction.
#[derive(Debug, Clone, Default)]
pub(crate) struct Forest {
    roots: Vec<u32>,
    nodes: Vec<FlatNode>,
    level_sets: Vec<[u64; 4]>,
    /// The most splits on any root-to-leaf path.
    depth: usize,
}

#[derive(Debug, Clone, Copy)]
struct FlatNode {
    value: f64,
    threshold: f64,
    /// The left child (the right one follows it); 0 marks a leaf, since the
    /// first node is a root and never anyone's child.
    left: u32,
    feature: u32,
    /// Index into `level_sets`, or `NUMERIC` for a numeric split.
    level_set: u32,
    missing_left: bool,
}

const NUMERIC: u32 = u32::MAX;

impl Forest {
    pub(crate) fn from_trees(trees: &[Tree], features: usize) -> Result<Forest> {
        let mut forest = Forest::default();
        for tree in trees {
            forest.push(tree, features)?;
        }
        Ok(forest)
    }

    /// Appends a tree in breadth-first order, checking every index so scoring
    /// can never go out of bounds or loop.
    fn push(&mut self, tree: &Tree, features: usize) -> Result<()> {
        let tree_number = self.roots.len();
        let invalid = |why: &str| {
            Err(ScoringError::InvalidModel(format!(
                "tree {tree_number}: {why}"
            )))
        };
        if tree.nodes.is_empty() {
            return invalid("no nodes");
        }
        // order[k] = the original index of the node placed k-th.
        let mut order = vec![0usize];
        let mut placed = vec![false; tree.nodes.len()];
        let mut level = vec![0usize; tree.nodes.len()];
        placed[0] = true;
        let mut k = 0;
        while k < order.len() {
            self.depth = self.depth.max(level[order[k]]);
            if let Node::Split {
                feature,
                left,
                right,
                ..
            } = &tree.nodes[order[k]]
            {
                for child in [*left as usize, *right as usize] {
                    if child <= order[k] || child >= tree.nodes.len() || placed[child] {
                        return invalid(
                            "a split points outside the tree or to a node already used",
                        );
                    }
                    placed[child] = true;
                    level[child] = level[order[k]] + 1;
                    order.push(child);
                }
                if *feature as usize >= features {
                    return invalid("a split uses a feature the model does not have");
                }
            }
            k += 1;
        }
        let base = self.nodes.len();
        let mut position = vec![0usize; tree.nodes.len()];
        for (k, &original) in order.iter().enumerate() {
            position[original] = base + k;
        }
        self.roots.push(base as u32);
        for &original in &order {
            let flat = match &tree.nodes[original] {
                Node::Leaf { value } => FlatNode {
                    value: *value,
                    threshold: 0.0,
                    left: 0,
                    feature: 0,
                    level_set: NUMERIC,
                    missing_left: false,
                },
                Node::Split {
                    feature,
                    condition,
                    missing_left,
                    left,
                    value,
                    ..
                } => {
                    let (threshold, level_set) = match condition {
                        Condition::AtMost { threshold } => (*threshold, NUMERIC),
                        Condition::InLevels { levels } => {
                            let mut set = [0u64; 4];
                            for &code in levels {
                                if code as usize >= MAX_TREE_LEVELS {
                                    return invalid("a level code is out of range");
                                }
                                set[code as usize / 64] |= 1 << (code % 64);
                            }
                            self.level_sets.push(set);
                            (f64::NAN, self.level_sets.len() as u32 - 1)
                        }
                    };
                    FlatNode {
                        value: *value,
                        threshold,
                        left: position[*left as usize] as u32,
                        feature: *feature,
                        level_set,
                        missing_left: *missing_left,
                    }
                }
            };
            if !flat.value.is_finite() {
                return invalid("a node value is not finite");
            }
            self.nodes.push(flat);
        }
        Ok(())
    }

    /// The child a row goes to: `left` or the node right after it.
    #[inline]
    fn child(&self, node: &FlatNode, row: &[f64]) -> usize {
        let x = row[node.feature as usize];
        let missing = x.is_nan();
        let goes_left = if node.level_set == NUMERIC {
            // NaN compares false, so only the missing flag can send it left.
            (x <= node.threshold) | (missing & node.missing_left)
        } else {
            let code = x as usize; // NaN casts to 0, overridden below
            if missing || code >= MAX_TREE_LEVELS {
                node.missing_left
            } else {
                self.level_sets[node.level_set as usize][code / 64] & (1 << (code % 64)) != 0
            }
        };
        node.left as usize + usize::from(!goes_left)
    }

    /// Sum of the tree outputs for an encoded row. Walking a tree is a chain
    /// of dependent loads, so several trees are walked in lockstep to let the
    /// CPU overlap them; the sum is still taken in tree order.
    pub(crate) fn predict(&self, row: &[f64]) -> f64 {
        const LANES: usize = 8;
        let mut total = 0.0;
        for roots in self.roots.chunks(LANES) {
            let mut at = [0usize; LANES];
            for (lane, &root) in at.iter_mut().zip(roots) {
                *lane = root as usize;
            }
            let lanes = &mut at[..roots.len()];
            for _ in 0..self.depth {
                for lane in lanes.iter_mut() {
                    let node = &self.nodes[*lane];
                    if node.left != 0 {
                        *lane = self.child(node, row);
                    }
                }
            }
            for &lane in lanes.iter() {
                total += self.nodes[lane].value;
            }
        }
        total
    }

    /// Adds each feature's contribution to `contributions` (Saabas: the
    /// change of node value at each split on the path) and returns the
    /// prediction, summed exactly as [`Forest::predict`] sums it. The part no
    /// feature explains is the sum of the root values.
    pub(crate) fn contributions(&self, row: &[f64], contributions: &mut [f64]) -> f64 {
        let mut total = 0.0;
        for &root in &self.roots {
            let mut node = &self.nodes[root as usize];
            while node.left != 0 {
                let child = &self.nodes[self.child(node, row)];
                contributions[node.feature as usize] += child.value - node.value;
                node = child;
            }
            total += node.value;
        }
        total
    }
}

/// Per-feature bins of the training rows.
struct BinnedFeature {
    /// 0 = missing.
    bins: Vec<u8>,
    n_bins: usize,
    /// Numeric: bin k ≥ 1 holds `thresholds[k-2] < x <= thresholds[k-1]`.
    thresholds: Vec<f64>,
    categorical: bool,
}

fn bin_numeric(values: &[f64], max_bins: usize) -> BinnedFeature {
    let mut sorted: Vec<f64> = values.iter().copied().filter(|x| !x.is_nan()).collect();
    sorted.sort_by(f64::total_cmp);
    let mut distinct = sorted.clone();
    distinct.dedup();
    let thresholds: Vec<f64> = if distinct.len() < max_bins {
        distinct[..distinct.len().saturating_sub(1)].to_vec()
    } else {
        let cuts = max_bins - 1;
        let mut t: Vec<f64> = (1..cuts).map(|q| sorted[q * sorted.len() / cuts]).collect();
        t.dedup();
        t.retain(|&x| x < distinct[distinct.len() - 1]);
        t
    };
    let bins = values
        .iter()
        .map(|&x| {
            if x.is_nan() {
                0
            } else {
                1 + thresholds.partition_point(|&t| t < x) as u8
            }
        })
        .collect();
    BinnedFeature {
        bins,
        n_bins: thresholds.len() + 2,
        thresholds,
        categorical: false,
    }
}

fn bin_categorical(values: &[f64], levels: usize) -> BinnedFeature {
    let usable = levels.min(MAX_TREE_LEVELS);
    let bins = values
        .iter()
        .map(|&x| {
            if x.is_nan() || x as usize >= usable {
                0
            } else {
                1 + x as u8
            }
        })
        .collect();
    BinnedFeature {
        bins,
        n_bins: usable + 1,
        thresholds: Vec::new(),
        categorical: true,
    }
}

#[derive(Debug, Clone, Copy, Default)]
struct Stats {
    g: f64,
    h: f64,
    n: usize,
}

impl Stats {
    fn add(&mut self, other: Stats) {
        self.g += other.g;
        self.h += other.h;
        self.n += other.n;
    }

    fn minus(self, other: Stats) -> Stats {
        Stats {
            g: self.g - other.g,
            h: self.h - other.h,
            n: self.n - other.n,
        }
    }

    fn score(&self, l2: f64) -> f64 {
        self.g * self.g / (self.h + l2)
    }
}

struct BestSplit {
    gain: f64,
    feature: usize,
    condition: Condition,
    missing_left: bool,
    /// Which bins of the feature go left (bin 0 = missing).
    left_bins: Vec<bool>,
}

struct Grower<'a> {
    binned: &'a [BinnedFeature],
    grad: &'a [f64],
    hess: &'a [f64],
    features: Vec<usize>,
    config: &'a GbmConfig,
    nodes: Vec<Node>,
    gain: &'a mut [f64],
}

impl Grower<'_> {
    fn leaf_value(&self, total: Stats) -> f64 {
        -self.config.learning_rate * total.g / (total.h + self.config.l2)
    }

    fn grow(&mut self, rows: &[u32], depth: usize) -> u32 {
        let mut total = Stats::default();
        for &r in rows {
            total.add(Stats {
                g: self.grad[r as usize],
                h: self.hess[r as usize],
                n: 1,
            });
        }
        let index = self.nodes.len() as u32;
        let value = self.leaf_value(total);
        self.nodes.push(Node::Leaf { value });
        if depth >= self.config.max_depth || rows.len() < 2 * self.config.min_samples_leaf {
            return index;
        }
        let Some(best) = self.best_split(rows, total) else {
            return index;
        };
        self.gain[best.feature] += best.gain;
        let bins = &self.binned[best.feature].bins;
        let (left_rows, right_rows): (Vec<u32>, Vec<u32>) = rows
            .iter()
            .partition(|&&r| best.left_bins[bins[r as usize] as usize]);
        let left = self.grow(&left_rows, depth + 1);
        let right = self.grow(&right_rows, depth + 1);
        self.nodes[index as usize] = Node::Split {
            feature: best.feature as u32,
            condition: best.condition,
            missing_left: best.missing_left,
            left,
            right,
            value,
        };
        index
    }

    fn best_split(&self, rows: &[u32], total: Stats) -> Option<BestSplit> {
        let mut best: Option<BestSplit> = None;
        let mut histogram = Vec::new();
        for &f in &self.features {
            let feature = &self.binned[f];
            histogram.clear();
            histogram.resize(feature.n_bins, Stats::default());
            for &r in rows {
                let bin = &mut histogram[feature.bins[r as usize] as usize];
                bin.g += self.grad[r as usize];
                bin.h += self.hess[r as usize];
                bin.n += 1;
            }
            // Order of the non-missing bins along which prefixes go left.
            let mut order: Vec<usize> = (1..feature.n_bins)
                .filter(|&b| histogram[b].n > 0)
                .collect();
            if feature.categorical {
                let smooth = self.config.categorical_smoothing;
                let ratio = |b: usize| histogram[b].g / (histogram[b].h + smooth);
                order.sort_by(|&a, &b| ratio(a).total_cmp(&ratio(b)).then(a.cmp(&b)));
            }
            let missing = histogram[0];
            let mut prefix = Stats::default();
            for k in 0..order.len().saturating_sub(1) {
                prefix.add(histogram[order[k]]);
                for missing_left in [false, true] {
                    let mut left = prefix;
                    if missing_left {
                        left.add(missing);
                    }
                    let right = total.minus(left);
                    if left.n < self.config.min_samples_leaf
                        || right.n < self.config.min_samples_leaf
                    {
                        continue;
                    }
                    let l2 = self.config.l2;
                    let gain = left.score(l2) + right.score(l2) - total.score(l2);
                    if gain > 1e-12 && best.as_ref().is_none_or(|b| gain > b.gain) {
                        let mut left_bins = vec![false; feature.n_bins];
                        left_bins[0] = missing_left;
                        for &b in &order[..=k] {
                            left_bins[b] = true;
                        }
                        let condition = if feature.categorical {
                            let mut levels: Vec<u32> =
                                order[..=k].iter().map(|&b| b as u32 - 1).collect();
                            levels.sort_unstable();
                            Condition::InLevels { levels }
                        } else {
                            // Bins beyond the last cut are unbounded, so a cut
                            // at bin order[k] is always a real threshold.
                            Condition::AtMost {
                                threshold: feature.thresholds[order[k] - 1],
                            }
                        };
                        best = Some(BestSplit {
                            gain,
                            feature: f,
                            condition,
                            missing_left,
                            left_bins,
                        });
                    }
                }
            }
        }
        best
    }
}

/// What training returns besides the model.
pub struct GbmFit {
    pub gbm: Gbm,
    pub rounds_trained: usize,
}

/// Rows to stop early on: training ends when their log-loss has not improved
/// for `early_stopping_rounds`, keeping the best round.
pub struct EarlyStopping<'a> {
    pub rows: &'a Matrix,
    pub bad: &'a [bool],
}

/// Fits on encoded training rows; without early stopping it runs `max_rounds`.
pub fn fit_gbm(
    train: &Matrix,
    bad: &[bool],
    early_stopping: Option<EarlyStopping<'_>>,
    specs: &[FeatureSpec],
    config: &GbmConfig,
    seed: u64,
) -> Result<GbmFit> {
    config.validate()?;
    let n = bad.len();
    let binned: Vec<BinnedFeature> = specs
        .iter()
        .enumerate()
        .map(|(j, spec)| match &spec.kind {
            FeatureKind::Numeric => bin_numeric(&train.column(j), config.max_bins),
            FeatureKind::Categorical { levels } => bin_categorical(&train.column(j), levels.len()),
        })
        .collect();
    let y: Vec<f64> = bad.iter().map(|&b| if b { 1.0 } else { 0.0 }).collect();
    let bad_rate = (y.iter().sum::<f64>() / n as f64).clamp(1e-6, 1.0 - 1e-6);
    let base_logit = (bad_rate / (1.0 - bad_rate)).ln();
    let mut margin = vec![base_logit; n];
    let mut grad = vec![0.0; n];
    let mut hess = vec![0.0; n];
    let mut rng = SplitMix64::new(seed ^ 0x6B72_6564_6974); // "kredit"
    let mut trees: Vec<Tree> = Vec::new();
    let mut gain_by_round: Vec<Vec<f64>> = Vec::new();
    let feature_count =
        ((specs.len() as f64 * config.col_subsample).ceil() as usize).clamp(1, specs.len().max(1));
    let mut stopper = early_stopping.map(|stop| {
        let margin = vec![base_logit; stop.bad.len()];
        let loss = validation_loss(&margin, stop.bad);
        (stop, margin, loss, 0)
    });

    for round in 1..=config.max_rounds {
        for i in 0..n {
            let p = sigmoid(margin[i]);
            grad[i] = p - y[i];
            hess[i] = (p * (1.0 - p)).max(1e-12);
        }
        let rows: Vec<u32> = (0..n as u32)
            .filter(|_| rng.next_f64() < config.row_subsample)
            .collect();
        let mut features: Vec<usize> = (0..specs.len()).collect();
        rng.shuffle(&mut features);
        features.truncate(feature_count);
        features.sort_unstable();
        let mut gain = vec![0.0; specs.len()];
        let mut grower = Grower {
            binned: &binned,
            grad: &grad,
            hess: &hess,
            features,
            config,
            nodes: Vec::new(),
            gain: &mut gain,
        };
        grower.grow(&rows, 0);
        let tree = Tree {
            nodes: grower.nodes,
        };
        let single = Forest::from_trees(std::slice::from_ref(&tree), specs.len())?;
        for (i, m) in margin.iter_mut().enumerate() {
            *m += single.predict(train.row(i));
        }
        trees.push(tree);
        gain_by_round.push(gain);
        if let Some((stop, margin, best_loss, best_round)) = &mut stopper {
            for (i, m) in margin.iter_mut().enumerate() {
                *m += single.predict(stop.rows.row(i));
            }
            let loss = validation_loss(margin, stop.bad);
            if loss < *best_loss - 1e-9 {
                (*best_loss, *best_round) = (loss, round);
            } else if round - *best_round >= config.early_stopping_rounds {
                break;
            }
        }
    }
    let rounds_trained = trees.len();
    let kept = stopper.map_or(rounds_trained, |(_, _, _, best_round)| best_round);
    trees.truncate(kept);
    let mut feature_gain = vec![0.0; specs.len()];
    for gain in &gain_by_round[..kept] {
        for (total, g) in feature_gain.iter_mut().zip(gain) {
            *total += g;
        }
    }
    Ok(GbmFit {
        gbm: Gbm {
            base_logit,
            trees,
            feature_gain,
        },
        rounds_trained,
    })
}

fn validation_loss(margin: &[f64], bad: &[bool]) -> f64 {
    log_loss(&margin.iter().map(|&m| sigmoid(m)).collect::<Vec<_>>(), bad)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numeric_bins_cut_between_distinct_values() {
        let b = bin_numeric(&[1.0, 2.0, 2.0, 3.0, f64::NAN], 64);
        assert_eq!(b.thresholds, vec![1.0, 2.0]);
        assert_eq!(b.bins, vec![1, 2, 2, 3, 0]);
        assert_eq!(b.n_bins, 4);
    }

    #[test]
    fn contributions_add_up_to_the_prediction() {
        let tree = Tree {
            nodes: vec![
                Node::Split {
                    feature: 0,
                    condition: Condition::AtMost { threshold: 5.0 },
                    missing_left: true,
                    left: 1,
                    right: 2,
                    value: 0.1,
                },
                Node::Leaf { value: -0.2 },
                Node::Split {
                    feature: 1,
                    condition: Condition::InLevels { levels: vec![2] },
                    missing_left: false,
                    left: 3,
                    right: 4,
                    value: 0.3,
                },
                Node::Leaf { value: 0.5 },
                Node::Leaf { value: 0.25 },
            ],
        };
        let forest = Forest::from_trees(&[tree], 2).unwrap();
        for row in [
            [1.0, 0.0],
            [9.0, 2.0],
            [9.0, 1.0],
            [f64::NAN, 2.0],
            [9.0, f64::NAN],
            [9.0, 300.0],
        ] {
            let mut contributions = [0.0; 2];
            let total = forest.contributions(&row, &mut contributions);
            assert_eq!(total, forest.predict(&row));
            let bias = 0.1; // the root value
            assert!((bias + contributions.iter().sum::<f64>() - total).abs() < 1e-12);
        }
        assert_eq!(forest.predict(&[9.0, 2.0]), 0.5);
        assert_eq!(forest.predict(&[f64::NAN, 2.0]), -0.2);
    }

    #[test]
    fn a_tree_pointing_backwards_is_rejected() {
        let tree = Tree {
            nodes: vec![Node::Split {
                feature: 0,
                condition: Condition::AtMost { threshold: 1.0 },
                missing_left: true,
                left: 0,
                right: 0,
                value: 0.0,
            }],
        };
        assert!(Forest::from_trees(&[tree], 1).is_err());
    }
}
