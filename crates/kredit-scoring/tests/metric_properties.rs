//! Invariants of the metrics on random inputs.

use kredit_scoring::metrics::{auc, brier, ks, log_loss, psi};
use proptest::prelude::*;

fn labelled() -> impl Strategy<Value = (Vec<f64>, Vec<bool>)> {
    prop::collection::vec((0.0f64..1.0, any::<bool>()), 2..200)
        .prop_filter("both classes", |rows| {
            rows.iter().any(|r| r.1) && rows.iter().any(|r| !r.1)
        })
        .prop_map(|rows| rows.into_iter().unzip())
}

proptest! {
    #[test]
    fn auc_of_reversed_scores_is_one_minus_auc((risk, bad) in labelled()) {
        let reversed: Vec<f64> = risk.iter().map(|r| -r).collect();
        prop_assert!((auc(&reversed, &bad) - (1.0 - auc(&risk, &bad))).abs() < 1e-9);
    }

    #[test]
    fn auc_and_ks_ignore_monotone_transforms((risk, bad) in labelled()) {
        let stretched: Vec<f64> = risk.iter().map(|r| (3.0 * r).exp() - 7.0).collect();
        prop_assert!((auc(&stretched, &bad) - auc(&risk, &bad)).abs() < 1e-12);
        prop_assert!((ks(&stretched, &bad) - ks(&risk, &bad)).abs() < 1e-12);
    }

    #[test]
    fn metrics_stay_in_range((risk, bad) in labelled()) {
        let a = auc(&risk, &bad);
        prop_assert!((0.0..=1.0).contains(&a));
        prop_assert!((0.0..=1.0).contains(&ks(&risk, &bad)));
        prop_assert!((0.0..=1.0).contains(&brier(&risk, &bad)));
        prop_assert!(log_loss(&risk, &bad).is_finite());
        // AUC − ½ is the mean gap between the ROC curve and the diagonal, KS its largest.
        prop_assert!((a - 0.5).abs() <= ks(&risk, &bad) + 1e-12);
    }

    #[test]
    fn psi_is_zero_for_equal_and_positive_for_different(shares in prop::collection::vec(0.01f64..1.0, 2..12)) {
        let total: f64 = shares.iter().sum();
        let expected: Vec<f64> = shares.iter().map(|s| s / total).collect();
        prop_assert!(psi(&expected, &expected).abs() < 1e-12);
        let mut shifted = expected.clone();
        shifted.rotate_left(1);
        prop_assert!(psi(&expected, &shifted) >= -1e-12);
    }
}
