//! The little dense linear algebra the models need: symmetric positive
//! definite solves for Newton steps and variance inflation factors.

/// Solves `a x = b` for a symmetric positive definite `n × n` matrix `a`
/// (row-major) by Cholesky decomposition. Returns `None` if `a` is not
/// positive definite (numerically singular).
pub fn solve_spd(a: &[f64], b: &[f64]) -> Option<Vec<f64>> {
    let n = b.len();
    let lower = cholesky(a, n)?;
    Some(solve_with_cholesky(&lower, n, b))
}

/// The diagonal of `a⁻¹` for a symmetric positive definite `a`.
pub fn inverse_diagonal(a: &[f64], n: usize) -> Option<Vec<f64>> {
    let lower = cholesky(a, n)?;
    let mut unit = vec![0.0; n];
    Some(
        (0..n)
            .map(|i| {
                unit.fill(0.0);
                unit[i] = 1.0;
                solve_with_cholesky(&lower, n, &unit)[i]
            })
            .collect(),
    )
}

fn cholesky(a: &[f64], n: usize) -> Option<Vec<f64>> {
    let mut lower = vec![0.0; n * n];
    for i in 0..n {
        for j in 0..=i {
            let dot: f64 = (0..j).map(|k| lower[i * n + k] * lower[j * n + k]).sum();
            let value = a[i * n + j] - dot;
            if i == j {
                if value.is_nan() || value <= 1e-12 {
                    return None;
                }
                lower[i * n + i] = value.sqrt();
            } else {
                lower[i * n + j] = value / lower[j * n + j];
            }
        }
    }
    Some(lower)
}

fn solve_with_cholesky(lower: &[f64], n: usize, b: &[f64]) -> Vec<f64> {
    let mut y = vec![0.0; n];
    for i in 0..n {
        let dot: f64 = (0..i).map(|k| lower[i * n + k] * y[k]).sum();
        y[i] = (b[i] - dot) / lower[i * n + i];
    }
    let mut x = vec![0.0; n];
    for i in (0..n).rev() {
        let dot: f64 = (i + 1..n).map(|k| lower[k * n + i] * x[k]).sum();
        x[i] = (y[i] - dot) / lower[i * n + i];
    }
    x
}

/// Pearson correlation; 0 when either column is constant.
pub fn correlation(x: &[f64], y: &[f64]) -> f64 {
    let n = x.len() as f64;
    let mean_x = x.iter().sum::<f64>() / n;
    let mean_y = y.iter().sum::<f64>() / n;
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (a, b) in x.iter().zip(y) {
        sxy += (a - mean_x) * (b - mean_y);
        sxx += (a - mean_x) * (a - mean_x);
        syy += (b - mean_y) * (b - mean_y);
    }
    if sxx <= 0.0 || syy <= 0.0 {
        0.0
    } else {
        sxy / (sxx * syy).sqrt()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn solves_a_small_system() {
        // [4 2; 2 3] x = [2; 5]  =>  x = [-0.5, 2]
        let x = solve_spd(&[4.0, 2.0, 2.0, 3.0], &[2.0, 5.0]).unwrap();
        assert!((x[0] + 0.5).abs() < 1e-12 && (x[1] - 2.0).abs() < 1e-12);
        let d = inverse_diagonal(&[4.0, 2.0, 2.0, 3.0], 2).unwrap();
        // inverse = 1/8 [3 -2; -2 4]
        assert!((d[0] - 0.375).abs() < 1e-12 && (d[1] - 0.5).abs() < 1e-12);
    }

    #[test]
    fn rejects_a_singular_matrix() {
        assert!(solve_spd(&[1.0, 1.0, 1.0, 1.0], &[1.0, 1.0]).is_none());
    }
}
