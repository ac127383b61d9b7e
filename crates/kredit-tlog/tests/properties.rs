//! Proofs, exhaustively for small trees and sampled up to 2,000 leaves on
//! every run, and exhaustively up to 2,000 in the ignored release-mode
//! tests: generated proofs verify, and any change to what is verified fails.

use std::collections::HashMap;
use std::sync::LazyLock;

use kredit_tlog::{
    Error, Hash, HashSource, MemoryHashes, Tile, TileHashSource, leaf_hash, prove_consistency,
    prove_inclusion, root_of_leaves, tile_data, tiles_changed, tiles_for_size, tree_hash,
    verify_consistency, verify_inclusion,
};
use proptest::prelude::*;

const MAX: u64 = 2_000;
const EXHAUSTIVE: u64 = 300;

struct Tree {
    leaves: Vec<Hash>,
    store: MemoryHashes,
    roots: Vec<Hash>,
}

/// One log of 2,000 records: a smaller tree is a prefix of its stored hashes.
static TREE: LazyLock<Tree> = LazyLock::new(|| {
    let leaves: Vec<Hash> = (0..MAX)
        .map(|i| leaf_hash(format!("entry {i}").as_bytes()))
        .collect();
    let store = MemoryHashes::from_leaves(&leaves);
    let roots = (0..=MAX).map(|n| tree_hash(n, &store).unwrap()).collect();
    Tree {
        leaves,
        store,
        roots,
    }
});

fn flip(h: &Hash, bit: usize) -> Hash {
    let mut out = *h;
    out.0[bit / 8] ^= 1 << (bit % 8);
    out
}

/// Checks one inclusion proof and its mutations; `bit` picks which bit to flip.
fn check_inclusion(size: u64, index: u64, bit: usize) {
    let t = &*TREE;
    let leaf = t.leaves[index as usize];
    let root = t.roots[size as usize];
    let proof = prove_inclusion(size, index, &t.store).unwrap();
    assert_eq!(
        verify_inclusion(index, size, &leaf, &proof, &root),
        Ok(()),
        "{index} in {size}"
    );
    for i in 0..proof.len() {
        let mut bad = proof.clone();
        bad[i] = flip(&bad[i], bit);
        assert!(verify_inclusion(index, size, &leaf, &bad, &root).is_err());
    }
    assert!(verify_inclusion(index, size, &flip(&leaf, bit), &proof, &root).is_err());
    assert!(verify_inclusion(index, size, &leaf, &proof, &flip(&root, bit)).is_err());
    // Another index of the same tree.
    for other in [index.wrapping_sub(1), index + 1, index ^ 2, index * 2 + 1] {
        if other != index && other < size {
            assert!(verify_inclusion(other, size, &leaf, &proof, &root).is_err());
        }
    }
    // Another size, with the root of that size.
    for other in [size - 1, size + 1, size * 2, size / 2] {
        if other != size && other > index && other <= MAX {
            let other_root = t.roots[other as usize];
            assert!(verify_inclusion(index, other, &leaf, &proof, &other_root).is_err());
        }
    }
    // Proof one hash too short or too long.
    if !proof.is_empty() {
        assert!(verify_inclusion(index, size, &leaf, &proof[1..], &root).is_err());
        assert!(verify_inclusion(index, size, &leaf, &proof[..proof.len() - 1], &root).is_err());
    }
    let mut long = proof.clone();
    long.push(leaf);
    assert!(verify_inclusion(index, size, &leaf, &long, &root).is_err());
}

fn check_consistency(old: u64, new: u64, bit: usize) {
    let t = &*TREE;
    let (old_root, new_root) = (t.roots[old as usize], t.roots[new as usize]);
    let proof = prove_consistency(new, old, &t.store).unwrap();
    assert_eq!(
        verify_consistency(old, new, &old_root, &new_root, &proof),
        Ok(()),
        "{old} -> {new}"
    );
    for i in 0..proof.len() {
        let mut bad = proof.clone();
        bad[i] = flip(&bad[i], bit);
        assert!(verify_consistency(old, new, &old_root, &new_root, &bad).is_err());
    }
    assert!(verify_consistency(old, new, &flip(&old_root, bit), &new_root, &proof).is_err());
    assert!(verify_consistency(old, new, &old_root, &flip(&new_root, bit), &proof).is_err());
    for other in [old - 1, old + 1, old * 2, old / 2] {
        if other != old && other >= 1 && other <= new {
            let other_root = t.roots[other as usize];
            assert!(
                verify_consistency(other, new, &other_root, &new_root, &proof).is_err(),
                "old {other} instead of {old} -> {new}"
            );
        }
    }
    for other in [new - 1, new + 1, new * 2] {
        if other != new && other >= old && other <= MAX {
            let other_root = t.roots[other as usize];
            assert!(
                verify_consistency(old, other, &old_root, &other_root, &proof).is_err(),
                "{old} -> new {other} instead of {new}"
            );
        }
    }
    if !proof.is_empty() {
        assert!(verify_consistency(old, new, &old_root, &new_root, &proof[1..]).is_err());
        assert!(
            verify_consistency(old, new, &old_root, &new_root, &proof[..proof.len() - 1]).is_err()
        );
    }
    let mut long = proof.clone();
    long.push(old_root);
    assert!(verify_consistency(old, new, &old_root, &new_root, &long).is_err());
}

#[test]
fn tree_hash_is_the_rfc_root_for_every_size() {
    let t = &*TREE;
    for n in 0..=MAX {
        assert_eq!(
            t.roots[n as usize],
            root_of_leaves(&t.leaves[..n as usize]),
            "size {n}"
        );
    }
}

#[test]
fn inclusion_exhaustive_small_trees() {
    for size in 1..=EXHAUSTIVE {
        for index in 0..size {
            check_inclusion(size, index, ((size * 31 + index * 7) % 256) as usize);
        }
    }
}

#[test]
fn consistency_exhaustive_small_trees() {
    for new in 1..=EXHAUSTIVE {
        for old in 1..=new {
            check_consistency(old, new, ((new * 13 + old * 5) % 256) as usize);
        }
    }
}

/// Every size up to `MAX`, split over the machine's cores: `check` gets
/// each size and the bit it flips.
fn for_every_size(check: impl Fn(u64, usize) + Sync) {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()) as u64;
    std::thread::scope(|scope| {
        for start in 1..=threads {
            let check = &check;
            scope.spawn(move || {
                for size in (start..=MAX).step_by(threads as usize) {
                    check(size, (size % 256) as usize);
                }
            });
        }
    });
}

/// The whole claim, every (index, size) up to 2,000 with its mutations:
/// about two million proofs each way, so a release-mode run
/// (`cargo test --release -p kredit-tlog --test properties -- --ignored`).
#[test]
#[ignore = "minutes in a debug build: run with --release"]
fn inclusion_exhaustive_to_max() {
    for_every_size(|size, bit| {
        for index in 0..size {
            check_inclusion(size, index, (bit + index as usize) % 256);
        }
    });
}

#[test]
#[ignore = "minutes in a debug build: run with --release"]
fn consistency_exhaustive_to_max() {
    for_every_size(|new, bit| {
        for old in 1..=new {
            check_consistency(old, new, (bit + old as usize) % 256);
        }
    });
}

#[test]
fn edge_cases() {
    let t = &*TREE;
    assert!(matches!(
        prove_inclusion(5, 5, &t.store),
        Err(Error::Proof(_))
    ));
    assert!(prove_consistency(5, 6, &t.store).is_err());
    assert!(prove_consistency(5, 0, &t.store).is_err());
    assert_eq!(prove_consistency(5, 5, &t.store), Ok(vec![]));
    assert!(verify_inclusion(0, 0, &t.leaves[0], &[], &t.roots[0]).is_err());
    assert!(verify_consistency(0, 5, &t.roots[0], &t.roots[5], &[]).is_err());
    assert_eq!(
        verify_consistency(0, 0, &t.roots[0], &t.roots[0], &[]),
        Ok(())
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3_000))]

    #[test]
    fn inclusion_sampled(size in 1..=MAX, index_frac in 0.0..1.0f64, bit in 0..256usize) {
        let index = ((size as f64 * index_frac) as u64).min(size - 1);
        check_inclusion(size, index, bit);
    }

    #[test]
    fn consistency_sampled(new in 1..=MAX, old_frac in 0.0..=1.0f64, bit in 0..256usize) {
        let old = ((new as f64 * old_frac) as u64).clamp(1, new);
        check_consistency(old, new, bit);
    }
}

/// The tiles of a tree of `size` records, by path, as a static server has them.
fn serve_tiles(size: u64, store: &MemoryHashes) -> HashMap<String, Vec<u8>> {
    tiles_for_size(size)
        .into_iter()
        .map(|t| (t.path(), tile_data(&t, store).unwrap()))
        .collect()
}

fn tile_source(
    size: u64,
    tiles: &HashMap<String, Vec<u8>>,
) -> TileHashSource<impl Fn(&Tile) -> Result<Vec<u8>, Error> + '_> {
    TileHashSource::new(size, move |t: &Tile| {
        tiles
            .get(&t.path())
            .cloned()
            .ok_or_else(|| Error::Source(format!("no {}", t.path())))
    })
}

#[test]
fn tile_source_matches_direct_source_across_tile_boundaries() {
    let leaves: Vec<Hash> = (0..70_000u32)
        .map(|i| leaf_hash(&i.to_be_bytes()))
        .collect();
    let store = MemoryHashes::from_leaves(&leaves);
    for size in [
        1, 2, 255, 256, 257, 511, 512, 513, 65_535, 65_536, 65_537, 69_999,
    ] {
        let tiles = serve_tiles(size, &store);
        let source = tile_source(size, &tiles);
        assert_eq!(
            tree_hash(size, &source),
            tree_hash(size, &store),
            "size {size}"
        );
        let mut indexes = vec![0, size - 1, size / 2, size.saturating_sub(256)];
        indexes.extend((0..40).map(|i| (i * 7919 * 31) % size));
        for index in indexes {
            assert_eq!(
                prove_inclusion(size, index, &source),
                prove_inclusion(size, index, &store),
                "{index} in {size}"
            );
        }
        for old in [1, size / 3, size - 1, 255, 256, 257, 65_536] {
            if old >= 1 && old <= size {
                assert_eq!(
                    prove_consistency(size, old, &source),
                    prove_consistency(size, old, &store),
                    "{old} -> {size}"
                );
            }
        }
        // Every stored hash of the tree reads through the tiles; one past does not.
        let count = kredit_tlog::stored_hash_count(size);
        let sample: Vec<u64> = (0..count).step_by(1 + count as usize / 3000).collect();
        assert_eq!(source.read_hashes(&sample), store.read_hashes(&sample));
        assert!(source.read_hashes(&[count]).is_err());
    }
}

#[test]
fn tiles_changed_brings_a_tile_set_up_to_date() {
    let leaves: Vec<Hash> = (0..3_000u32).map(|i| leaf_hash(&i.to_be_bytes())).collect();
    let store = MemoryHashes::from_leaves(&leaves);
    for (old, new) in [
        (0, 1),
        (1, 255),
        (255, 256),
        (256, 257),
        (100, 2_999),
        (512, 1_024),
    ] {
        // Old files stay (a partial tile's path names its width); the
        // changed tiles are all that must be written.
        let mut tiles = serve_tiles(old, &store);
        for t in tiles_changed(old, new) {
            tiles.insert(t.path(), tile_data(&t, &store).unwrap());
        }
        let want = serve_tiles(new, &store);
        for (path, data) in &want {
            assert_eq!(tiles.get(path), Some(data), "{old} -> {new}: {path}");
        }
        let source = tile_source(new, &tiles);
        assert_eq!(tree_hash(new, &source), tree_hash(new, &store));
    }
}
