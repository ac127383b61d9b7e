//! Probability-of-default calibration (Platt scaling): a one-feature
//! logistic regression of the outcome on the model's raw log-odds, fitted on
//! validation rows the model did not train on.

use serde::{Deserialize, Serialize};

use crate::logistic::{fit_logistic, sigmoid};

/// PD = sigmoid(slope · raw log-odds + intercept).
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq)]
pub struct Calibration {
    pub slope: f64,
    pub intercept: f64,
}

impl Calibration {
    pub const IDENTITY: Calibration = Calibration {
        slope: 1.0,
        intercept: 0.0,
    };

    pub fn pd(&self, raw_logit: f64) -> f64 {
        sigmoid(self.slope * raw_logit + self.intercept)
    }

    pub fn is_valid(&self) -> bool {
        self.slope.is_finite() && self.slope > 0.0 && self.intercept.is_finite()
    }

    /// Fits Platt scaling. If the fit would not preserve the ranking (slope
    /// not positive, e.g. a validation set too small to carry a signal), the
    /// raw probabilities are kept instead.
    pub fn fit(raw_logits: &[f64], bad: &[bool]) -> Calibration {
        let fit = fit_logistic(&[raw_logits.to_vec()], bad, 1e-6);
        let platt = Calibration {
            slope: fit.coefficients[0],
            intercept: fit.intercept,
        };
        if platt.is_valid() {
            platt
        } else {
            Calibration::IDENTITY
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn corrects_overconfident_log_odds() {
        // Raw log-odds twice too large: the fitted slope should be near 1/2.
        let mut raw = Vec::new();
        let mut bad = Vec::new();
        for i in 0..2000 {
            let true_logit = (i % 40) as f64 / 10.0 - 2.0;
            let p = sigmoid(true_logit);
            raw.push(2.0 * true_logit);
            // deterministic outcome stream with the right frequency
            bad.push(((i * 7919) % 1000) as f64 / 1000.0 < p);
        }
        let c = Calibration::fit(&raw, &bad);
        assert!((c.slope - 0.5).abs() < 0.1, "{c:?}");
    }
}
