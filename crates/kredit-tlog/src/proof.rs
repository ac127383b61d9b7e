//! Stored-hash arithmetic and Merkle proofs.
//!
//! A log stores, for a tree of `n` records, every hash of every complete
//! subtree, in the order they become computable as records are appended:
//! record `n` appends its leaf hash and then the hashes of the complete
//! subtrees it closes. This is the layout of Go's `golang.org/x/mod/sumdb/tlog`
//! ("stored hash index"), so a store written by either side reads on the other.
//! The hash of level `L`, number `n` covers leaves `n<<L .. (n+1)<<L`.
//!
//! Proofs are RFC 9162 (§2.1.3, §2.1.4) and are built from complete-subtree
//! hashes only, so producing one costs O(log n) reads from the store.

use crate::hash::{empty_tree_hash, largest_power_of_two_below, leaf_hash, node_hash};
use crate::{Error, Hash, ProofError};

/// A read-only view of stored hashes, addressed by [`stored_hash_index`].
/// Implemented by a database, a directory of tiles ([`crate::TileHashSource`])
/// or memory ([`MemoryHashes`]).
pub trait HashSource {
    /// The hashes at the given stored indexes, in the same order.
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, Error>;
}

/// Every stored hash in memory, in stored order: for tests and small logs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MemoryHashes(pub Vec<Hash>);

impl MemoryHashes {
    /// The stored hashes of a tree built from these leaf hashes.
    pub fn from_leaves(leaves: &[Hash]) -> MemoryHashes {
        let mut mem = MemoryHashes(Vec::with_capacity(leaves.len() * 2));
        for (n, leaf) in leaves.iter().enumerate() {
            let more = stored_hashes_for_leaf(n as u64, *leaf, &mem)
                .expect("in-memory hashes of earlier records are present");
            mem.0.extend(more);
        }
        mem
    }
}

impl HashSource for MemoryHashes {
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, Error> {
        indexes
            .iter()
            .map(|&i| {
                usize::try_from(i)
                    .ok()
                    .and_then(|i| self.0.get(i).copied())
                    .ok_or_else(|| Error::Source(format!("no stored hash {i}")))
            })
            .collect()
    }
}

/// The stored index of the hash at `level` (0 = leaves), number `n` in that level.
pub fn stored_hash_index(level: u32, n: u64) -> u64 {
    // The hash is written right after the last leaf it covers, (n+1)<<level - 1,
    // has been appended along with level-many parents below it.
    let last_leaf = ((n + 1) << level) - 1;
    // Hashes stored before record m: for each level, how many complete subtrees
    // lie in the first m leaves, i.e. sum over l of m >> l.
    let mut before = 0;
    let mut m = last_leaf;
    while m > 0 {
        before += m;
        m >>= 1;
    }
    before + u64::from(level)
}

/// Inverse of [`stored_hash_index`]: `(level, n)`.
pub fn split_stored_hash_index(index: u64) -> (u32, u64) {
    // stored_hash_index(0, n) <= 2n, so the record that wrote `index` is at
    // least index/2; walk forward from there (at most ~64 steps).
    let mut n = index / 2;
    let mut index_n = stored_hash_index(0, n);
    debug_assert!(index_n <= index);
    loop {
        // Record n writes 1 + trailing_ones(n) hashes.
        let next = index_n + 1 + u64::from((n + 1).trailing_zeros());
        if next > index {
            break;
        }
        n += 1;
        index_n = next;
    }
    let level = (index - index_n) as u32;
    (level, n >> level)
}

/// How many hashes a tree of `n` records stores.
pub fn stored_hash_count(n: u64) -> u64 {
    if n == 0 {
        return 0;
    }
    // The last record's leaf, plus the parents it completed.
    stored_hash_index(0, n - 1) + 1 + u64::from((n - 1).trailing_ones())
}

/// The hashes to append, in stored order, when record `n` (0-based) with
/// data `entry` joins a tree of `n` records.
pub fn stored_hashes(n: u64, entry: &[u8], source: &impl HashSource) -> Result<Vec<Hash>, Error> {
    stored_hashes_for_leaf(n, leaf_hash(entry), source)
}

/// Same as [`stored_hashes`], given the leaf hash.
pub fn stored_hashes_for_leaf(
    n: u64,
    leaf: Hash,
    source: &impl HashSource,
) -> Result<Vec<Hash>, Error> {
    // Record n closes one subtree per trailing one bit of n; each needs its
    // left sibling, the complete subtree just before it.
    let closes = (n + 1).trailing_zeros();
    let indexes: Vec<u64> = (0..closes)
        .rev()
        .map(|level| stored_hash_index(level, (n >> level) - 1))
        .collect();
    let siblings = source.read_hashes(&indexes)?;
    check_len(&siblings, indexes.len())?;
    let mut out = Vec::with_capacity(1 + indexes.len());
    let mut h = leaf;
    out.push(h);
    for sibling in siblings.iter().rev() {
        h = node_hash(sibling, &h);
        out.push(h);
    }
    Ok(out)
}

fn check_len(hashes: &[Hash], want: usize) -> Result<(), Error> {
    if hashes.len() == want {
        Ok(())
    } else {
        Err(Error::Source(format!(
            "asked for {want} hashes, got {}",
            hashes.len()
        )))
    }
}

/// Appends the stored indexes of the complete subtrees making up leaves
/// `lo..hi`, largest (leftmost) first, and returns how many there are.
fn subtree_indexes(mut lo: u64, hi: u64, out: &mut Vec<u64>) -> usize {
    let mut count = 0;
    while lo < hi {
        // The largest subtree that fits and starts at `lo` (lo = 0 aligns to all).
        let by_size = 63 - (hi - lo).leading_zeros();
        let level = by_size.min(lo.trailing_zeros());
        out.push(stored_hash_index(level, lo >> level));
        lo += 1 << level;
        count += 1;
    }
    count
}

/// Folds the complete-subtree hashes of a range into its RFC 9162 hash:
/// the range's left part is its largest subtree, so the fold runs from the right.
fn fold_subtrees(hashes: &[Hash]) -> Hash {
    let (last, rest) = hashes.split_last().expect("a non-empty range");
    rest.iter().rev().fold(*last, |h, left| node_hash(left, &h))
}

/// Reads the hashes of several leaf ranges with one call to the source.
fn range_hashes(ranges: &[(u64, u64)], source: &impl HashSource) -> Result<Vec<Hash>, Error> {
    let mut indexes = Vec::new();
    let counts: Vec<usize> = ranges
        .iter()
        .map(|&(lo, hi)| subtree_indexes(lo, hi, &mut indexes))
        .collect();
    let hashes = source.read_hashes(&indexes)?;
    check_len(&hashes, indexes.len())?;
    let mut rest = &hashes[..];
    Ok(counts
        .into_iter()
        .map(|c| {
            let (mine, tail) = rest.split_at(c);
            rest = tail;
            fold_subtrees(mine)
        })
        .collect())
}

/// The root of the tree of the first `size` records (SHA-256("") when empty).
pub fn tree_hash(size: u64, source: &impl HashSource) -> Result<Hash, Error> {
    if size == 0 {
        return Ok(empty_tree_hash());
    }
    Ok(range_hashes(&[(0, size)], source)?[0])
}

/// RFC 9162 PATH(m, D[lo:hi]) as leaf ranges, leaf's sibling first.
fn inclusion_ranges(lo: u64, hi: u64, m: u64, out: &mut Vec<(u64, u64)>) {
    if hi - lo <= 1 {
        return;
    }
    let k = largest_power_of_two_below(hi - lo);
    if m < lo + k {
        inclusion_ranges(lo, lo + k, m, out);
        out.push((lo + k, hi));
    } else {
        inclusion_ranges(lo + k, hi, m, out);
        out.push((lo, lo + k));
    }
}

/// RFC 9162 SUBPROOF(m, D[lo:hi], complete) as leaf ranges.
fn consistency_ranges(lo: u64, hi: u64, m: u64, complete: bool, out: &mut Vec<(u64, u64)>) {
    if m == hi {
        if !complete {
            out.push((lo, hi));
        }
        return;
    }
    let k = largest_power_of_two_below(hi - lo);
    if m <= lo + k {
        consistency_ranges(lo, lo + k, m, complete, out);
        out.push((lo + k, hi));
    } else {
        consistency_ranges(lo + k, hi, m, false, out);
        out.push((lo, lo + k));
    }
}

/// The inclusion proof of record `index` in the tree of `size` records.
pub fn prove_inclusion(
    size: u64,
    index: u64,
    source: &impl HashSource,
) -> Result<Vec<Hash>, Error> {
    if index >= size {
        return Err(ProofError::IndexOutOfRange { index, size }.into());
    }
    let mut ranges = Vec::new();
    inclusion_ranges(0, size, index, &mut ranges);
    range_hashes(&ranges, source)
}

/// The consistency proof from the tree of `old_size` records to the tree of
/// `new_size`. Empty when the sizes are equal; an error from size 0, which
/// RFC 9162 gives no proof for.
pub fn prove_consistency(
    new_size: u64,
    old_size: u64,
    source: &impl HashSource,
) -> Result<Vec<Hash>, Error> {
    if old_size > new_size {
        return Err(ProofError::OldSizeGreater { old_size, new_size }.into());
    }
    if old_size == new_size {
        return Ok(Vec::new());
    }
    if old_size == 0 {
        return Err(ProofError::EmptyOldTree.into());
    }
    let mut ranges = Vec::new();
    consistency_ranges(0, new_size, old_size, true, &mut ranges);
    range_hashes(&ranges, source)
}

/// Shifts `fn_` and `sn` right until `fn_` is odd or zero (RFC 9162's loop).
fn shift_to_set_bit(fn_: &mut u64, sn: &mut u64) {
    while *fn_ & 1 == 0 && *fn_ != 0 {
        *fn_ >>= 1;
        *sn >>= 1;
    }
}

/// Checks an inclusion proof (RFC 9162 §2.1.3.2).
pub fn verify_inclusion(
    index: u64,
    size: u64,
    leaf: &Hash,
    proof: &[Hash],
    root: &Hash,
) -> Result<(), ProofError> {
    if index >= size {
        return Err(ProofError::IndexOutOfRange { index, size });
    }
    let (mut fn_, mut sn) = (index, size - 1);
    let mut r = *leaf;
    for p in proof {
        if sn == 0 {
            return Err(ProofError::WrongProofLength { len: proof.len() });
        }
        if fn_ & 1 == 1 || fn_ == sn {
            r = node_hash(p, &r);
            if fn_ & 1 == 0 {
                shift_to_set_bit(&mut fn_, &mut sn);
            }
        } else {
            r = node_hash(&r, p);
        }
        fn_ >>= 1;
        sn >>= 1;
    }
    if sn != 0 {
        return Err(ProofError::WrongProofLength { len: proof.len() });
    }
    if r != *root {
        return Err(ProofError::RootMismatch);
    }
    Ok(())
}

/// Checks a consistency proof (RFC 9162 §2.1.4.2). Equal sizes need equal
/// roots and an empty proof; size 0 is only consistent with itself (and its
/// root must then be SHA-256("")).
pub fn verify_consistency(
    old_size: u64,
    new_size: u64,
    old_root: &Hash,
    new_root: &Hash,
    proof: &[Hash],
) -> Result<(), ProofError> {
    if old_size > new_size {
        return Err(ProofError::OldSizeGreater { old_size, new_size });
    }
    if old_size == new_size {
        if !proof.is_empty() {
            return Err(ProofError::UnexpectedProof { len: proof.len() });
        }
        if old_size == 0 && (*old_root != empty_tree_hash() || *new_root != empty_tree_hash()) {
            return Err(ProofError::NotEmptyRoot);
        }
        if old_root != new_root {
            return Err(ProofError::RootMismatch);
        }
        return Ok(());
    }
    if old_size == 0 {
        return Err(ProofError::EmptyOldTree);
    }
    if proof.is_empty() {
        return Err(ProofError::WrongProofLength { len: 0 });
    }
    // An old tree that is a complete subtree is its own first proof node.
    let mut path = proof;
    let prepended;
    if old_size.is_power_of_two() {
        let mut v = Vec::with_capacity(proof.len() + 1);
        v.push(*old_root);
        v.extend_from_slice(proof);
        prepended = v;
        path = &prepended;
    }
    let (mut fn_, mut sn) = (old_size - 1, new_size - 1);
    while fn_ & 1 == 1 {
        fn_ >>= 1;
        sn >>= 1;
    }
    let (mut fr, mut sr) = (path[0], path[0]);
    for c in &path[1..] {
        if sn == 0 {
            return Err(ProofError::WrongProofLength { len: proof.len() });
        }
        if fn_ & 1 == 1 || fn_ == sn {
            fr = node_hash(c, &fr);
            sr = node_hash(c, &sr);
            if fn_ & 1 == 0 {
                shift_to_set_bit(&mut fn_, &mut sn);
            }
        } else {
            sr = node_hash(&sr, c);
        }
        fn_ >>= 1;
        sn >>= 1;
    }
    if sn != 0 {
        return Err(ProofError::WrongProofLength { len: proof.len() });
    }
    if fr != *old_root {
        return Err(ProofError::OldRootMismatch);
    }
    if sr != *new_root {
        return Err(ProofError::NewRootMismatch);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_index_layout_matches_x_mod() {
        // From x/mod's tlog_test.go: the first stored indexes.
        let want = [
            (0, 0),
            (0, 1),
            (1, 0),
            (0, 2),
            (0, 3),
            (1, 1),
            (2, 0),
            (0, 4),
        ];
        for (i, &(level, n)) in want.iter().enumerate() {
            assert_eq!(stored_hash_index(level, n), i as u64);
            assert_eq!(split_stored_hash_index(i as u64), (level, n));
        }
        for i in 0..10_000 {
            let (level, n) = split_stored_hash_index(i);
            assert_eq!(stored_hash_index(level, n), i);
        }
        assert_eq!(stored_hash_count(0), 0);
        assert_eq!(stored_hash_count(1), 1);
        assert_eq!(stored_hash_count(2), 3);
        assert_eq!(stored_hash_count(3), 4);
        assert_eq!(stored_hash_count(4), 7);
    }

    #[test]
    fn stored_count_matches_appends() {
        let leaves: Vec<Hash> = (0..600u32).map(|i| leaf_hash(&i.to_be_bytes())).collect();
        for n in 0..leaves.len() {
            let mem = MemoryHashes::from_leaves(&leaves[..n]);
            assert_eq!(mem.0.len() as u64, stored_hash_count(n as u64));
        }
    }

    #[test]
    fn short_source_is_an_error() {
        struct Short;
        impl HashSource for Short {
            fn read_hashes(&self, _: &[u64]) -> Result<Vec<Hash>, Error> {
                Ok(Vec::new())
            }
        }
        assert!(matches!(tree_hash(3, &Short), Err(Error::Source(_))));
        assert!(matches!(
            stored_hashes(1, b"x", &Short),
            Err(Error::Source(_))
        ));
    }
}
