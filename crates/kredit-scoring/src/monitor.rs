//! Population stability in production: how far the live applications a
//! model scores have drifted from the ones it was trained on.
//!
//! The artefact keeps the training distribution of the score
//! ([`crate::model::ScoreDistribution`]) and of every input feature
//! ([`FeatureDistribution`]); [`stability`] compares live scores and
//! applications with them by the population stability index (PSI) and
//! raises an alert above [`PSI_ALERT`] once at least [`MIN_APPLICATIONS`]
//! live applications are there to compare.

use serde::{Deserialize, Serialize};

use crate::encode::{Applicant, FeatureKind, FeatureSpec};
use crate::metrics::psi;
use crate::model::{Model, ScoreDistribution};

/// The conventional threshold of a significant population shift.
pub const PSI_ALERT: f64 = 0.25;

/// Below this many live applications the PSI is still computed and shown,
/// but raises no alert: a handful of applications always looks "shifted"
/// against a training population of ten bands (one application puts all
/// its mass in one band), and an alarm that always rings is ignored.
pub const MIN_APPLICATIONS: usize = 30;

/// The training distribution of one input feature.
///
/// Numeric features: band `i` holds values in `(upper_bounds[i-1],
/// upper_bounds[i]]` (training quantiles; the last regular band is unbounded
/// above). Categorical features: one band per level, in level order. In both,
/// missing values (and unknown categories) have a band of their own, last.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct FeatureDistribution {
    pub feature: String,
    /// Numeric features only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upper_bounds: Option<Vec<f64>>,
    /// One share per band, the missing band last; they sum to 1.
    pub training_shares: Vec<f64>,
}

impl FeatureDistribution {
    /// The distribution of an encoded column (see [`crate::encode`]):
    /// quantile bands for a numeric feature, levels for a categorical one.
    pub fn from_column(spec: &FeatureSpec, values: &[f64], bands: usize) -> Self {
        let upper_bounds = match spec.kind {
            FeatureKind::Numeric => {
                let present: Vec<f64> = values.iter().copied().filter(|x| !x.is_nan()).collect();
                Some(ScoreDistribution::from_scores(&present, bands).upper_bounds)
            }
            FeatureKind::Categorical { .. } => None,
        };
        let bands = match (&upper_bounds, &spec.kind) {
            (Some(bounds), _) => bounds.len() + 2,
            (None, FeatureKind::Categorical { levels }) => levels.len() + 1,
            (None, FeatureKind::Numeric) => 1,
        };
        let mut distribution = FeatureDistribution {
            feature: spec.name.clone(),
            upper_bounds,
            training_shares: vec![0.0; bands],
        };
        distribution.training_shares = distribution.shares(values.iter().copied());
        distribution
    }

    pub fn bands(&self) -> usize {
        self.training_shares.len()
    }

    /// The band of an encoded value; `NaN` (missing) is the last band.
    pub fn band_of(&self, x: f64) -> usize {
        let missing = self.bands() - 1;
        if x.is_nan() {
            return missing;
        }
        match &self.upper_bounds {
            Some(bounds) => bounds.partition_point(|&b| b < x),
            // A level code; anything else counts as missing.
            None if x >= 0.0 && (x as usize) < missing && x.fract() == 0.0 => x as usize,
            None => missing,
        }
    }

    /// The share of `values` in each band.
    pub fn shares(&self, values: impl Iterator<Item = f64>) -> Vec<f64> {
        let mut counts = vec![0usize; self.bands()];
        let mut total = 0usize;
        for x in values {
            counts[self.band_of(x)] += 1;
            total += 1;
        }
        counts
            .iter()
            .map(|&c| c as f64 / total.max(1) as f64)
            .collect()
    }

    /// Whether the distribution fits `spec` (checked when a model loads).
    pub fn validate(&self, spec: &FeatureSpec) -> Result<(), String> {
        let name = &spec.name;
        if self.feature != *name {
            return Err(format!(
                "feature distribution of {} is listed for {name}",
                self.feature
            ));
        }
        let expected = match (&spec.kind, &self.upper_bounds) {
            (FeatureKind::Numeric, Some(bounds)) => {
                if !bounds.iter().all(|b| b.is_finite()) || !bounds.windows(2).all(|w| w[0] < w[1])
                {
                    return Err(format!("{name}: distribution bounds are not increasing"));
                }
                bounds.len() + 2
            }
            (FeatureKind::Categorical { levels }, None) => levels.len() + 1,
            _ => {
                return Err(format!(
                    "{name}: the distribution does not match the feature type"
                ));
            }
        };
        if self.training_shares.len() != expected
            || !self
                .training_shares
                .iter()
                .all(|s| s.is_finite() && *s >= 0.0)
        {
            return Err(format!(
                "{name}: {expected} non-negative training shares expected"
            ));
        }
        Ok(())
    }
}

/// The stability of one quantity (the score or a feature).
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Stability {
    /// `score`, or the feature's name.
    pub name: String,
    pub psi: f64,
    /// `psi` above [`PSI_ALERT`], over at least [`MIN_APPLICATIONS`].
    pub alert: bool,
    pub training_shares: Vec<f64>,
    pub live_shares: Vec<f64>,
}

impl Stability {
    fn new(name: &str, training_shares: &[f64], live_shares: Vec<f64>, enough: bool) -> Self {
        let value = psi(training_shares, &live_shares);
        Stability {
            name: name.to_owned(),
            psi: value,
            alert: enough && value > PSI_ALERT,
            training_shares: training_shares.to_vec(),
            live_shares,
        }
    }
}

/// Score and feature stability of a model over live applications.
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct StabilityReport {
    pub applications: usize,
    pub threshold: f64,
    /// [`MIN_APPLICATIONS`]: fewer raise no alert.
    pub min_applications: usize,
    /// `None` without live applications.
    pub score: Option<Stability>,
    /// One per model feature, in the model's order; empty without live
    /// applications or if the artefact has no feature distributions.
    pub features: Vec<Stability>,
    /// Names (`score` or a feature) whose PSI is above the threshold.
    pub alerts: Vec<String>,
}

/// Compares the scores a model gave live applications, and the
/// applications themselves, with the model's training distributions.
pub fn stability(model: &Model, scores: &[f64], applications: &[Applicant]) -> StabilityReport {
    let artefact = model.artefact();
    let live_count = applications.len().max(scores.len());
    let enough = live_count >= MIN_APPLICATIONS;
    let score = (!scores.is_empty()).then(|| {
        let distribution = &artefact.score_distribution;
        Stability::new(
            "score",
            &distribution.training_shares,
            distribution.shares(scores),
            enough,
        )
    });
    let features: Vec<Stability> = if applications.is_empty() {
        Vec::new()
    } else {
        let rows: Vec<Vec<f64>> = applications.iter().map(|a| model.encode(a)).collect();
        artefact
            .feature_distributions
            .iter()
            .enumerate()
            .map(|(j, distribution)| {
                let live = distribution.shares(rows.iter().map(|row| row[j]));
                Stability::new(
                    &distribution.feature,
                    &distribution.training_shares,
                    live,
                    enough,
                )
            })
            .collect()
    };
    let alerts = score
        .iter()
        .chain(&features)
        .filter(|s| s.alert)
        .map(|s| s.name.clone())
        .collect();
    StabilityReport {
        applications: live_count,
        threshold: PSI_ALERT,
        min_applications: MIN_APPLICATIONS,
        score,
        features,
        alerts,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn numeric(name: &str) -> FeatureSpec {
        FeatureSpec {
            name: name.into(),
            kind: FeatureKind::Numeric,
        }
    }

    #[test]
    fn numeric_bands_are_quantiles_with_missing_last() {
        let mut values: Vec<f64> = (1..=100).map(f64::from).collect();
        values.extend([f64::NAN; 25]);
        let d = FeatureDistribution::from_column(&numeric("x"), &values, 4);
        assert_eq!(d.upper_bounds.as_deref(), Some(&[25.0, 50.0, 75.0][..]));
        assert_eq!(d.training_shares, vec![0.2, 0.2, 0.2, 0.2, 0.2]);
        assert_eq!(d.band_of(f64::NAN), 4);
        assert_eq!(d.band_of(1e9), 3);
        assert!(d.validate(&numeric("x")).is_ok());
        assert!(d.validate(&numeric("y")).is_err());
    }

    #[test]
    fn categorical_bands_are_levels_and_unknown_codes_are_missing() {
        let spec = FeatureSpec {
            name: "c".into(),
            kind: FeatureKind::Categorical {
                levels: vec!["a".into(), "b".into()],
            },
        };
        let d = FeatureDistribution::from_column(&spec, &[0.0, 0.0, 1.0, f64::NAN], 10);
        assert_eq!(d.upper_bounds, None);
        assert_eq!(d.training_shares, vec![0.5, 0.25, 0.25]);
        assert_eq!(d.band_of(7.0), 2);
        assert_eq!(d.band_of(0.5), 2);
        assert!(d.validate(&spec).is_ok());
        assert!(d.validate(&numeric("c")).is_err());
    }
}
