//! Points scaling: score = offset − factor · ln(odds of bad), so that
//! `base_score` points mean good:bad odds of `base_odds`, and every `pdo`
//! points more double the odds of being good.

use serde::{Deserialize, Serialize};

use crate::error::{Result, ScoringError};

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq)]
pub struct PointsScaling {
    pub base_score: f64,
    /// Good:bad odds at `base_score` (50 means 50 goods per bad).
    pub base_odds: f64,
    /// Points to double the odds.
    pub pdo: f64,
}

impl Default for PointsScaling {
    fn default() -> Self {
        Self {
            base_score: 600.0,
            base_odds: 50.0,
            pdo: 20.0,
        }
    }
}

impl PointsScaling {
    pub fn validate(&self) -> Result<()> {
        if self.base_score.is_finite()
            && self.base_odds.is_finite()
            && self.base_odds > 0.0
            && self.pdo.is_finite()
            && self.pdo > 0.0
        {
            Ok(())
        } else {
            Err(ScoringError::InvalidConfig(
                "points scaling needs finite base score, odds > 0 and PDO > 0".into(),
            ))
        }
    }

    pub fn factor(&self) -> f64 {
        self.pdo / std::f64::consts::LN_2
    }

    pub fn offset(&self) -> f64 {
        self.base_score - self.factor() * self.base_odds.ln()
    }

    /// Score of a log-odds of bad.
    pub fn score(&self, logit_bad: f64) -> f64 {
        self.offset() - self.factor() * logit_bad
    }

    /// Log-odds of bad of a score.
    pub fn logit(&self, score: f64) -> f64 {
        (self.offset() - score) / self.factor()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_odds_and_pdo() {
        let s = PointsScaling::default();
        assert!((s.score(-(50f64.ln())) - 600.0).abs() < 1e-9);
        assert!((s.score(-(100f64.ln())) - 620.0).abs() < 1e-9);
        assert!((s.logit(s.score(0.3)) - 0.3).abs() < 1e-12);
    }
}
