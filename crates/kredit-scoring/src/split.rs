//! Reproducible stratified splits: the bad rate of every part matches the
//! whole, which matters when bads are a minority of a small data set.

use crate::rng::SplitMix64;

/// Row indices of a train/validation split, each list sorted.
pub struct Split {
    pub train: Vec<usize>,
    pub validation: Vec<usize>,
}

/// Shuffles goods and bads separately, then deals each class round-robin
/// into `parts` folds, so fold sizes and bad rates differ by at most one row.
pub fn stratified_folds(bad: &[bool], parts: usize, seed: u64) -> Vec<Vec<usize>> {
    let mut rng = SplitMix64::new(seed);
    let mut folds = vec![Vec::new(); parts];
    let mut next = 0;
    for class in [true, false] {
        let mut rows: Vec<usize> = (0..bad.len()).filter(|&r| bad[r] == class).collect();
        rng.shuffle(&mut rows);
        for row in rows {
            folds[next % parts].push(row);
            next += 1;
        }
    }
    for fold in &mut folds {
        fold.sort_unstable();
    }
    folds
}

/// Holds out `validation_share` of each class.
pub fn stratified_split(bad: &[bool], validation_share: f64, seed: u64) -> Split {
    let mut rng = SplitMix64::new(seed);
    let mut split = Split {
        train: Vec::new(),
        validation: Vec::new(),
    };
    for class in [true, false] {
        let mut rows: Vec<usize> = (0..bad.len()).filter(|&r| bad[r] == class).collect();
        rng.shuffle(&mut rows);
        let held_out = ((rows.len() as f64) * validation_share).round() as usize;
        split.validation.extend_from_slice(&rows[..held_out]);
        split.train.extend_from_slice(&rows[held_out..]);
    }
    split.train.sort_unstable();
    split.validation.sort_unstable();
    split
}

/// For fold `k`: every other fold is training, fold `k` is held out.
pub fn fold_split(folds: &[Vec<usize>], k: usize) -> Split {
    let mut train: Vec<usize> = folds
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != k)
        .flat_map(|(_, f)| f.iter().copied())
        .collect();
    train.sort_unstable();
    Split {
        train,
        validation: folds[k].clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_partition_rows_and_keep_the_bad_rate() {
        let bad: Vec<bool> = (0..100).map(|i| i % 4 == 0).collect();
        let folds = stratified_folds(&bad, 5, 7);
        let mut all: Vec<usize> = folds.concat();
        all.sort_unstable();
        assert_eq!(all, (0..100).collect::<Vec<_>>());
        for fold in &folds {
            assert_eq!(fold.len(), 20);
            assert_eq!(fold.iter().filter(|&&r| bad[r]).count(), 5);
        }
    }

    #[test]
    fn split_is_seeded() {
        let bad: Vec<bool> = (0..50).map(|i| i % 3 == 0).collect();
        let a = stratified_split(&bad, 0.2, 1);
        let b = stratified_split(&bad, 0.2, 1);
        let c = stratified_split(&bad, 0.2, 2);
        assert_eq!(a.validation, b.validation);
        assert_ne!(a.validation, c.validation);
        assert_eq!(a.train.len() + a.validation.len(), 50);
    }
}
