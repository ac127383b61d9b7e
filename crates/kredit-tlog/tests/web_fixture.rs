//! The proof the web UI's in-browser verifier (web/src/logproof.ts) is
//! unit-tested with (web/e2e/unit.spec.ts): made here by the real signer and
//! prover, so a change to the formats that the browser would not follow
//! fails this test until the fixture is written again with
//! `KREDIT_UPDATE_FIXTURES=1 cargo test -p kredit-tlog --test web_fixture`.

use std::path::Path;

use kredit_tlog::{
    Checkpoint, MemoryHashes, NoteSigner, ProofBundle, leaf_hash, prove_inclusion, sign_note,
    tree_hash,
};

fn entry(n: u64) -> String {
    format!(r#"{{"kind":"contract.signed","n":{n},"subject":"contract:{n}","v":1}}"#)
}

const SEED: u8 = 8;

fn fixture() -> String {
    // A seed whose key's base64 holds a '+', as most keys' do: the
    // browser must split the key line at its first two '+' only.
    let signer = NoteSigner::from_seed("kredit.test/log", [SEED; 32]).unwrap();
    assert!(signer.verifier().vkey().matches('+').count() > 2);
    let size = 13;
    let entries: Vec<String> = (0..size).map(entry).collect();
    let leaves: Vec<_> = entries.iter().map(|e| leaf_hash(e.as_bytes())).collect();
    let hashes = MemoryHashes::from_leaves(&leaves);
    let body = Checkpoint {
        origin: signer.name().to_owned(),
        size,
        root: tree_hash(size, &hashes).unwrap(),
        extensions: Vec::new(),
    }
    .to_text();
    let note = sign_note(&body, &[&signer]).unwrap();
    let index = 9;
    let bundle = ProofBundle {
        extra: None,
        index,
        proof: prove_inclusion(size, index, &hashes).unwrap(),
        checkpoint_note: note,
    };
    let json = serde_json::json!({
        "index": index,
        "tree_size": size,
        "entry": entries[index as usize],
        "bundle": bundle.to_text(),
        "log_key": signer.verifier().vkey(),
    });
    format!("{}\n", serde_json::to_string_pretty(&json).unwrap())
}

#[test]
fn the_web_fixture_is_what_the_signer_and_prover_make() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../web/e2e/fixtures/log-proof.json");
    let made = fixture();
    if std::env::var_os("KREDIT_UPDATE_FIXTURES").is_some() {
        std::fs::write(&path, &made).unwrap();
    }
    let stored = std::fs::read_to_string(&path).expect("the fixture exists");
    // As values: the key order of the text depends on serde_json's
    // `preserve_order`, which another crate of the workspace switches on.
    let parse = |text: &str| serde_json::from_str::<serde_json::Value>(text).unwrap();
    assert_eq!(
        parse(&stored),
        parse(&made),
        "regenerate with KREDIT_UPDATE_FIXTURES=1"
    );
}
