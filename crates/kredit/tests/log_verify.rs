//! `kredit log verify --contract` through the real binary: a contract
//! proof (as `GET /api/v1/contracts/{id}/proof` answers it) opens with the
//! contract it commits to, salted, and with no other; a contract signed
//! before salts (no `salt`) opens by its plain digest.

use std::process::Output;

use kredit_app::tlog::LogRecord;
use kredit_core::canonical;
use kredit_store::DomainEventId;
use kredit_tlog::{Checkpoint, NoteSigner, ProofBundle, leaf_hash, sign_note};
use serde_json::json;

const ORIGIN: &str = "verify.test/log";

/// A one-entry log holding a `contract.signed` entry for `contract`, and
/// the proof's JSON for it.
fn proof_of(contract: &serde_json::Value, salt: Option<[u8; 32]>) -> serde_json::Value {
    let document = canonical::to_canonical_json(contract).unwrap();
    let digest = kredit_core::contract::commitment(salt.as_ref(), &document);
    let payload = json!({"application_id": 1, "digest": digest});
    let record = LogRecord {
        v: kredit_app::tlog::FORMAT,
        kind: "contract.signed".into(),
        subject: "contract:1".into(),
        event_id: Some(DomainEventId(1)),
        loan_id: None,
        occurred_at: "2026-12-01T00:00:00Z".parse().unwrap(),
        payload_sha256: canonical::digest(&payload).unwrap(),
        previous: None,
        evidence: None,
    };
    let entry = record.to_bytes().unwrap();
    let checkpoint = Checkpoint {
        origin: ORIGIN.into(),
        size: 1,
        root: leaf_hash(&entry),
        extensions: vec![],
    };
    let signer = NoteSigner::from_seed(ORIGIN, [3; 32]).unwrap();
    let bundle = ProofBundle {
        extra: None,
        index: 0,
        proof: vec![],
        checkpoint_note: sign_note(&checkpoint.to_text(), &[&signer]).unwrap(),
    };
    json!({
        "index": 0,
        "tree_size": 1,
        "entry": String::from_utf8(entry).unwrap(),
        "bundle": bundle.to_text(),
        "payload": canonical::to_canonical_json(&payload).unwrap(),
        "digest": digest,
        "salt": salt.map(|s| s.iter().map(|b| format!("{b:02x}")).collect::<String>()),
    })
}

fn verify(proof: &serde_json::Value, contract: &serde_json::Value) -> Output {
    let directory = tempfile::tempdir().unwrap();
    let (proof_file, contract_file) = (
        directory.path().join("proof.json"),
        directory.path().join("contract.json"),
    );
    std::fs::write(&proof_file, proof.to_string()).unwrap();
    std::fs::write(&contract_file, contract.to_string()).unwrap();
    let key = NoteSigner::from_seed(ORIGIN, [3; 32])
        .unwrap()
        .verifier()
        .vkey();
    std::process::Command::new(env!("CARGO_BIN_EXE_kredit"))
        .args(["log", "verify", "--bundle"])
        .arg(&proof_file)
        .args(["--key", &key, "--contract"])
        .arg(&contract_file)
        .output()
        .expect("run kredit")
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn a_contract_opens_its_salted_commitment_and_no_other_does() {
    let contract = json!({"contract_number": "KR-20261201-00000001", "principal": "10000.00"});
    let proof = proof_of(&contract, Some([9; 32]));
    let opened = verify(&proof, &contract);
    assert!(opened.status.success(), "{}", stderr(&opened));
    assert!(
        String::from_utf8_lossy(&opened.stdout).contains("commits to the contract"),
        "{opened:?}"
    );

    let altered = json!({"contract_number": "KR-20261201-00000001", "principal": "90000.00"});
    let refused = verify(&proof, &altered);
    assert!(!refused.status.success());
    assert!(
        stderr(&refused).contains("the contract does not open the commitment"),
        "{}",
        stderr(&refused)
    );

    // Without its salt, the right contract does not open it either.
    let mut unsalted = proof.clone();
    unsalted["salt"] = serde_json::Value::Null;
    assert!(!verify(&unsalted, &contract).status.success());
    // A payload that is not the entry's is caught.
    let mut other_payload = proof.clone();
    other_payload["payload"] = json!("{\"digest\":\"00\"}");
    let refused = verify(&other_payload, &contract);
    assert!(
        stderr(&refused).contains("the payload is not the one the entry holds"),
        "{}",
        stderr(&refused)
    );
}

#[test]
fn a_contract_signed_before_salts_opens_by_its_plain_digest() {
    let contract = json!({"contract_number": "KR-20251201-00000001"});
    let proof = proof_of(&contract, None);
    assert_eq!(
        proof["digest"],
        canonical::digest(&contract).unwrap(),
        "the plain SHA-256 of the canonical JSON"
    );
    let opened = verify(&proof, &contract);
    assert!(opened.status.success(), "{}", stderr(&opened));
}
