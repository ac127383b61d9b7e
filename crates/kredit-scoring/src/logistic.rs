//! Logistic regression by Newton–Raphson (IRLS) with a small L2 penalty.
//! The penalty keeps the Hessian positive definite, so perfectly separating
//! or collinear features give finite coefficients instead of NaN.

use crate::linalg::solve_spd;

/// `logit P(bad) = intercept + Σ coefficients[j] · x[j]`.
#[derive(Debug, Clone, PartialEq)]
pub struct LogisticFit {
    pub intercept: f64,
    pub coefficients: Vec<f64>,
}

pub fn sigmoid(z: f64) -> f64 {
    1.0 / (1.0 + (-z).exp())
}

const MAX_ITERATIONS: usize = 100;

/// Fits on column-major features `columns[j][i]`. The intercept is not penalised.
pub fn fit_logistic(columns: &[Vec<f64>], bad: &[bool], l2: f64) -> LogisticFit {
    let n = bad.len();
    let p = columns.len() + 1; // parameter 0 is the intercept
    let value = |i: usize, j: usize| if j == 0 { 1.0 } else { columns[j - 1][i] };
    let mut beta = vec![0.0; p];
    let bad_rate =
        (bad.iter().filter(|&&b| b).count() as f64).clamp(0.5, n as f64 - 0.5) / n as f64;
    beta[0] = (bad_rate / (1.0 - bad_rate)).ln();
    let objective = |beta: &[f64]| -> f64 {
        let mut loss = 0.0;
        for (i, &is_bad) in bad.iter().enumerate() {
            let z: f64 = (0..p).map(|j| beta[j] * value(i, j)).sum();
            // log(1 + e^z) - y z, computed stably
            loss += z.max(0.0) + (-z.abs()).exp().ln_1p() - if is_bad { z } else { 0.0 };
        }
        loss + 0.5 * l2 * beta[1..].iter().map(|b| b * b).sum::<f64>()
    };
    let mut current = objective(&beta);
    for _ in 0..MAX_ITERATIONS {
        let mut gradient = vec![0.0; p];
        let mut hessian = vec![0.0; p * p];
        for (i, &is_bad) in bad.iter().enumerate() {
            let z: f64 = (0..p).map(|j| beta[j] * value(i, j)).sum();
            let prob = sigmoid(z);
            let residual = prob - if is_bad { 1.0 } else { 0.0 };
            let weight = (prob * (1.0 - prob)).max(1e-12);
            for j in 0..p {
                let xj = value(i, j);
                gradient[j] += residual * xj;
                for k in 0..=j {
                    hessian[j * p + k] += weight * xj * value(i, k);
                }
            }
        }
        for j in 0..p {
            for k in 0..j {
                hessian[k * p + j] = hessian[j * p + k];
            }
            if j > 0 {
                gradient[j] += l2 * beta[j];
                hessian[j * p + j] += l2;
            }
        }
        hessian[0] += 1e-9; // guards the intercept-only case with an empty column set
        let Some(step) = solve_spd(&hessian, &gradient) else {
            break;
        };
        // Step halving keeps every iteration a descent step.
        let mut scale = 1.0;
        let mut accepted = false;
        for _ in 0..30 {
            let candidate: Vec<f64> = beta.iter().zip(&step).map(|(b, s)| b - scale * s).collect();
            let loss = objective(&candidate);
            if loss.is_finite() && loss <= current + 1e-12 {
                let change = step.iter().map(|s| (scale * s).abs()).fold(0.0, f64::max);
                beta = candidate;
                current = loss;
                accepted = change > 1e-10;
                break;
            }
            scale *= 0.5;
        }
        if !accepted {
            break;
        }
    }
    LogisticFit {
        intercept: beta[0],
        coefficients: beta[1..].to_vec(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recovers_the_log_odds_of_a_binary_feature() {
        // x = 0: 1 bad in 4; x = 1: 3 bads in 4. Unpenalised MLE: b0 = ln(1/3), b1 = ln 9.
        let x = vec![0.0, 0.0, 0.0, 0.0, 1.0, 1.0, 1.0, 1.0];
        let bad = [true, false, false, false, true, true, true, false];
        let fit = fit_logistic(&[x], &bad, 0.0);
        assert!(
            (fit.intercept - (1.0f64 / 3.0).ln()).abs() < 1e-6,
            "{fit:?}"
        );
        assert!((fit.coefficients[0] - 9.0f64.ln()).abs() < 1e-6, "{fit:?}");
    }

    #[test]
    fn separable_data_stays_finite() {
        let x = vec![0.0, 1.0, 2.0, 3.0];
        let fit = fit_logistic(&[x.clone(), x], &[false, false, true, true], 1e-3);
        assert!(fit.intercept.is_finite() && fit.coefficients.iter().all(|c| c.is_finite()));
    }
}
