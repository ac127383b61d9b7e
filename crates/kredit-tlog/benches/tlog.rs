//! Benchmarks: an inclusion proof from a 10,000,000-entry in-memory log,
//! verifying a tlog-proof bundle (log signature, two cosignatures, the
//! inclusion proof), and appending 1,000 leaves' stored hashes.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use kredit_tlog::{
    Checkpoint, CosignatureSigner, Error, Hash, HashSource, MemoryHashes, NoteSigner, ProofBundle,
    add_signatures, leaf_hash, prove_inclusion, sign_note, stored_hash_count, stored_hashes,
    tree_hash,
};

const SIZE: u64 = 10_000_000;

/// The big log's stored hashes plus the ones appended in one bench run, so
/// each run starts from the same 10M-entry state without copying it.
struct Overlay<'a> {
    base: &'a MemoryHashes,
    extra: Vec<Hash>,
}

impl HashSource for Overlay<'_> {
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, Error> {
        let base = self.base.0.len() as u64;
        indexes
            .iter()
            .map(|&i| {
                if i < base {
                    Ok(self.base.0[i as usize])
                } else {
                    self.extra
                        .get((i - base) as usize)
                        .copied()
                        .ok_or_else(|| Error::Source(format!("no stored hash {i}")))
                }
            })
            .collect()
    }
}

fn benches(c: &mut Criterion) {
    let leaves: Vec<Hash> = (0..SIZE).map(|i| leaf_hash(&i.to_be_bytes())).collect();
    let store = MemoryHashes::from_leaves(&leaves);
    drop(leaves);
    assert_eq!(store.0.len() as u64, stored_hash_count(SIZE));

    let mut index = 0u64;
    c.bench_function("prove_inclusion, 10M-entry MemoryHashes", |b| {
        b.iter(|| {
            index = (index + 7_919_113) % SIZE;
            black_box(prove_inclusion(SIZE, index, &store).unwrap())
        })
    });

    let log = NoteSigner::from_seed("kredit.example/bench", [1; 32]).unwrap();
    let witnesses: Vec<CosignatureSigner> = (0..2u8)
        .map(|i| CosignatureSigner::from_seed(&format!("w{i}.example"), [2 + i; 32]).unwrap())
        .collect();
    let text = Checkpoint {
        origin: "kredit.example/bench".into(),
        size: SIZE,
        root: tree_hash(SIZE, &store).unwrap(),
        extensions: vec![],
    }
    .to_text();
    let cosigs: Vec<String> = witnesses
        .iter()
        .map(|w| w.cosign(&text, 1_760_000_000).unwrap())
        .collect();
    let entry = 1_234_567u64.to_be_bytes();
    let bundle = ProofBundle {
        extra: None,
        index: 1_234_567,
        proof: prove_inclusion(SIZE, 1_234_567, &store).unwrap(),
        checkpoint_note: add_signatures(&sign_note(&text, &[&log]).unwrap(), &cosigs).unwrap(),
    };
    let log_key = log.verifier();
    let wv: Vec<_> = witnesses.iter().map(|w| w.verifier()).collect();
    let wr: Vec<_> = wv.iter().collect();
    c.bench_function("ProofBundle::verify, quorum 2 of 2, 10M tree", |b| {
        b.iter(|| black_box(bundle.verify(&entry, &log_key, &wr, 2).unwrap()))
    });

    c.bench_function("stored_hashes, append 1,000 leaves to 10M", |b| {
        b.iter(|| {
            let mut overlay = Overlay {
                base: &store,
                extra: Vec::with_capacity(2_100),
            };
            for n in SIZE..SIZE + 1_000 {
                let more = stored_hashes(n, &n.to_be_bytes(), &overlay).unwrap();
                overlay.extra.extend(more);
            }
            black_box(overlay.extra.len())
        })
    });
}

criterion_group! {
    name = tlog;
    config = Criterion::default().sample_size(20);
    targets = benches
}
criterion_main!(tlog);
