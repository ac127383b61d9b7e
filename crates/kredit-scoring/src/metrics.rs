//! Ranking, calibration and cost metrics for binary credit outcomes.
//! Convention: a higher `risk` means more likely bad (a PD, not a score).

use serde::{Deserialize, Serialize};

/// Indices sorted by ascending risk (NaN-safe total order).
fn ascending(risk: &[f64]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..risk.len()).collect();
    order.sort_by(|&a, &b| risk[a].total_cmp(&risk[b]));
    order
}

fn class_counts(bad: &[bool]) -> (f64, f64) {
    let bads = bad.iter().filter(|&&b| b).count() as f64;
    (bads, bad.len() as f64 - bads)
}

/// Area under the ROC curve (Mann–Whitney, ties count one half).
/// 0.5 when either class is absent, so it is never NaN.
pub fn auc(risk: &[f64], bad: &[bool]) -> f64 {
    let (bads, goods) = class_counts(bad);
    if bads == 0.0 || goods == 0.0 {
        return 0.5;
    }
    let order = ascending(risk);
    let mut bad_rank_sum = 0.0;
    let mut start = 0;
    while start < order.len() {
        let mut end = start;
        while end < order.len() && risk[order[end]] == risk[order[start]] {
            end += 1;
        }
        let mean_rank = (start + end + 1) as f64 / 2.0; // ranks are 1-based
        bad_rank_sum += mean_rank * order[start..end].iter().filter(|&&i| bad[i]).count() as f64;
        start = end;
    }
    (bad_rank_sum - bads * (bads + 1.0) / 2.0) / (bads * goods)
}

/// Gini coefficient (accuracy ratio) = 2·AUC − 1.
pub fn gini(auc: f64) -> f64 {
    2.0 * auc - 1.0
}

/// One point of the cumulative distributions, walking from the riskiest
/// application down: the shares of all bads and all goods at or above `risk`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct CumulativePoint {
    pub risk: f64,
    pub bad_share: f64,
    pub good_share: f64,
}

/// Cumulative bad and good shares at every distinct risk, riskiest first,
/// starting at (0, 0). The ROC curve is (good_share, bad_share).
pub fn cumulative_curve(risk: &[f64], bad: &[bool]) -> Vec<CumulativePoint> {
    let (bads, goods) = class_counts(bad);
    let mut order = ascending(risk);
    order.reverse();
    let mut points = vec![CumulativePoint {
        risk: f64::INFINITY,
        bad_share: 0.0,
        good_share: 0.0,
    }];
    let (mut seen_bad, mut seen_good) = (0.0, 0.0);
    for (k, &i) in order.iter().enumerate() {
        if bad[i] {
            seen_bad += 1.0;
        } else {
            seen_good += 1.0;
        }
        let last_of_tie = order.get(k + 1).is_none_or(|&next| risk[next] != risk[i]);
        if last_of_tie {
            points.push(CumulativePoint {
                risk: risk[i],
                bad_share: if bads > 0.0 { seen_bad / bads } else { 0.0 },
                good_share: if goods > 0.0 { seen_good / goods } else { 0.0 },
            });
        }
    }
    points
}

/// Kolmogorov–Smirnov statistic: the largest gap between the cumulative
/// distributions of bads and goods.
/// 0 when either class is absent.
pub fn ks(risk: &[f64], bad: &[bool]) -> f64 {
    let (bads, goods) = class_counts(bad);
    if bads == 0.0 || goods == 0.0 {
        return 0.0;
    }
    cumulative_curve(risk, bad)
        .iter()
        .map(|p| (p.bad_share - p.good_share).abs())
        .fold(0.0, f64::max)
}

/// Mean squared error of the PD against the 0/1 outcome.
pub fn brier(pd: &[f64], bad: &[bool]) -> f64 {
    let total: f64 = pd
        .iter()
        .zip(bad)
        .map(|(p, &b)| (p - if b { 1.0 } else { 0.0 }).powi(2))
        .sum();
    total / pd.len().max(1) as f64
}

/// Mean negative log-likelihood; PDs are clipped to [1e-15, 1 − 1e-15].
pub fn log_loss(pd: &[f64], bad: &[bool]) -> f64 {
    let total: f64 = pd
        .iter()
        .zip(bad)
        .map(|(&p, &b)| {
            let p = p.clamp(1e-15, 1.0 - 1e-15);
            -if b { p.ln() } else { (1.0 - p).ln() }
        })
        .sum();
    total / pd.len().max(1) as f64
}

/// The cost of each kind of wrong decision, in any unit (e.g. multiples of
/// the margin earned on a good loan).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CostMatrix {
    pub accept_bad: f64,
    pub reject_good: f64,
}

impl Default for CostMatrix {
    fn default() -> Self {
        Self {
            accept_bad: 5.0,
            reject_good: 1.0,
        }
    }
}

impl CostMatrix {
    /// The PD above which rejecting costs less than accepting, for a
    /// calibrated PD: reject when `pd · accept_bad ≥ (1 − pd) · reject_good`.
    pub fn bayes_cutoff(&self) -> f64 {
        self.reject_good / (self.accept_bad + self.reject_good)
    }

    pub fn validate(&self) -> crate::Result<()> {
        let ok = |c: f64| c.is_finite() && c >= 0.0;
        if ok(self.accept_bad) && ok(self.reject_good) && self.accept_bad + self.reject_good > 0.0 {
            Ok(())
        } else {
            Err(crate::ScoringError::InvalidConfig(
                "costs must be finite, non-negative and not both zero".into(),
            ))
        }
    }
}

/// Decisions at a PD cutoff (reject when `pd ≥ cutoff`) against outcomes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Confusion {
    pub accepted_good: usize,
    pub accepted_bad: usize,
    pub rejected_good: usize,
    pub rejected_bad: usize,
}

impl Confusion {
    pub fn at_cutoff(pd: &[f64], bad: &[bool], cutoff: f64) -> Self {
        let mut c = Confusion {
            accepted_good: 0,
            accepted_bad: 0,
            rejected_good: 0,
            rejected_bad: 0,
        };
        for (&p, &b) in pd.iter().zip(bad) {
            match (p >= cutoff, b) {
                (false, false) => c.accepted_good += 1,
                (false, true) => c.accepted_bad += 1,
                (true, false) => c.rejected_good += 1,
                (true, true) => c.rejected_bad += 1,
            }
        }
        c
    }

    /// Average cost per application.
    pub fn expected_cost(&self, costs: &CostMatrix) -> f64 {
        let n = self.accepted_good + self.accepted_bad + self.rejected_good + self.rejected_bad;
        (costs.accept_bad * self.accepted_bad as f64
            + costs.reject_good * self.rejected_good as f64)
            / n.max(1) as f64
    }
}

/// Population stability index between two distributions over the same bands.
/// Empty bands are floored at 0.0001 so the index stays finite.
pub fn psi(expected: &[f64], actual: &[f64]) -> f64 {
    expected
        .iter()
        .zip(actual)
        .map(|(&e, &a)| {
            let (e, a) = (e.max(1e-4), a.max(1e-4));
            (a - e) * (a / e).ln()
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auc_by_hand() {
        // bads at 0.8 and 0.4; goods at 0.6, 0.2, 0.4.
        // Pairs (bad, good): (0.8: 3 wins), (0.4: beats 0.2, ties 0.4, loses 0.6) = 3 + 1 + 0.5 = 4.5 of 6.
        let risk = [0.8, 0.4, 0.6, 0.2, 0.4];
        let bad = [true, true, false, false, false];
        assert!((auc(&risk, &bad) - 0.75).abs() < 1e-12);
        assert!((gini(0.75) - 0.5).abs() < 1e-12);
    }

    #[test]
    fn ks_by_hand() {
        // riskiest first: 0.9 bad, 0.7 bad, 0.5 good, 0.3 bad, 0.1 good
        // after 0.7: bads 2/3, goods 0 => KS = 2/3
        let risk = [0.9, 0.7, 0.5, 0.3, 0.1];
        let bad = [true, true, false, true, false];
        assert!((ks(&risk, &bad) - 2.0 / 3.0).abs() < 1e-12);
    }

    #[test]
    fn brier_log_loss_and_cost_by_hand() {
        let pd = [0.2, 0.6];
        let bad = [false, true];
        assert!((brier(&pd, &bad) - (0.04 + 0.16) / 2.0).abs() < 1e-12);
        assert!((log_loss(&pd, &bad) - (-(0.8f64.ln()) - 0.6f64.ln()) / 2.0).abs() < 1e-12);
        let costs = CostMatrix::default();
        assert!((costs.bayes_cutoff() - 1.0 / 6.0).abs() < 1e-12);
        let c = Confusion::at_cutoff(
            &[0.1, 0.1, 0.5, 0.5],
            &[false, true, false, true],
            1.0 / 6.0,
        );
        assert_eq!(
            (
                c.accepted_good,
                c.accepted_bad,
                c.rejected_good,
                c.rejected_bad
            ),
            (1, 1, 1, 1)
        );
        assert!((c.expected_cost(&costs) - 6.0 / 4.0).abs() < 1e-12);
    }

    #[test]
    fn psi_by_hand() {
        let value = psi(&[0.5, 0.5], &[0.25, 0.75]);
        let hand = (0.25 - 0.5) * (0.5f64).ln() + (0.75 - 0.5) * (1.5f64).ln();
        assert!((value - hand).abs() < 1e-12);
        assert_eq!(psi(&[0.2, 0.8], &[0.2, 0.8]), 0.0);
    }

    #[test]
    fn one_class_gives_finite_metrics() {
        assert_eq!(auc(&[0.1, 0.2], &[false, false]), 0.5);
        assert_eq!(ks(&[0.1, 0.2], &[false, false]), 0.0);
    }
}
