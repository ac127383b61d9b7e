//! Every RFC 9162 test vector in fixtures/rfc9162 (the transparency-dev
//! vectors), passing and failing. Our API takes 32-byte hashes, so:
//! - an empty value cannot be a hash at all: `Hash::from_base64` refuses it,
//!   and that refusal is the vector's error;
//! - a non-empty value of another length ("don't care 1") stands in as
//!   SHA-256 of a marker and its bytes, which keeps equal values equal and
//!   never matches a real hash, so the verdict still rests on the verifier.

use std::fs;
use std::path::{Path, PathBuf};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use kredit_tlog::{Hash, leaf_hash, verify_consistency, verify_inclusion};
use serde::Deserialize;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Inclusion {
    leaf_idx: u64,
    tree_size: u64,
    root: String,
    leaf_hash: String,
    proof: Option<Vec<String>>,
    desc: String,
    want_err: bool,
}

#[derive(Deserialize)]
struct Consistency {
    size1: u64,
    size2: u64,
    root1: String,
    root2: String,
    proof: Option<Vec<String>>,
    desc: String,
    #[serde(rename = "wantErr")]
    want_err: bool,
}

fn hash(b64: &str) -> Result<Hash, kredit_tlog::Error> {
    if b64.is_empty() {
        return Hash::from_base64(b64);
    }
    let bytes = STANDARD.decode(b64).expect("vector base64");
    Ok(match <[u8; 32]>::try_from(bytes.as_slice()) {
        Ok(h) => Hash(h),
        // Stand-in for a value our type cannot hold (see the module doc).
        Err(_) => leaf_hash(&[b"not-32-bytes:".as_slice(), &bytes].concat()),
    })
}

fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(files(&p));
        } else if p.extension().is_some_and(|x| x == "json") {
            out.push(p);
        }
    }
    out.sort();
    out
}

fn fixtures(kind: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/rfc9162")
        .join(kind)
}

fn proof(lines: &Option<Vec<String>>) -> Result<Vec<Hash>, kredit_tlog::Error> {
    lines.iter().flatten().map(|p| hash(p)).collect()
}

/// One vector file: what it checks and whether that must fail.
trait Vector: serde::de::DeserializeOwned {
    fn desc(&self) -> &str;
    fn want_err(&self) -> bool;
    fn check(&self) -> Result<(), Box<dyn std::error::Error>>;
}

impl Vector for Inclusion {
    fn desc(&self) -> &str {
        &self.desc
    }
    fn want_err(&self) -> bool {
        self.want_err
    }
    fn check(&self) -> Result<(), Box<dyn std::error::Error>> {
        let (leaf, root) = (hash(&self.leaf_hash)?, hash(&self.root)?);
        let proof = proof(&self.proof)?;
        Ok(verify_inclusion(
            self.leaf_idx,
            self.tree_size,
            &leaf,
            &proof,
            &root,
        )?)
    }
}

impl Vector for Consistency {
    fn desc(&self) -> &str {
        &self.desc
    }
    fn want_err(&self) -> bool {
        self.want_err
    }
    fn check(&self) -> Result<(), Box<dyn std::error::Error>> {
        let (root1, root2) = (hash(&self.root1)?, hash(&self.root2)?);
        let proof = proof(&self.proof)?;
        Ok(verify_consistency(
            self.size1, self.size2, &root1, &root2, &proof,
        )?)
    }
}

/// Every vector of `kind` gives its verdict; both verdicts occur.
fn check_all<V: Vector>(kind: &str) {
    let files = files(&fixtures(kind));
    assert_eq!(files.len(), 98, "all {kind} vectors present");
    let mut failing = 0;
    for f in &files {
        let v: V = serde_json::from_str(&fs::read_to_string(f).unwrap()).unwrap();
        let got = v.check();
        assert_eq!(
            got.is_err(),
            v.want_err(),
            "{}: {} -> {got:?}",
            f.display(),
            v.desc()
        );
        failing += usize::from(v.want_err());
    }
    assert!(failing > 50 && failing < files.len());
}

#[test]
fn inclusion_vectors() {
    check_all::<Inclusion>("inclusion");
}

#[test]
fn consistency_vectors() {
    check_all::<Consistency>("consistency");
}
