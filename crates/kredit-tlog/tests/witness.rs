//! tlog-witness add-checkpoint decisions and the request body format.

use kredit_tlog::{
    AddCheckpoint, Checkpoint, CosignatureSigner, Hash, MemoryHashes, NoteSigner, WitnessOutcome,
    WitnessedLog, add_signatures, empty_tree_hash, leaf_hash, prove_consistency, sign_note,
    tree_hash, witness_add_checkpoint,
};

const ORIGIN: &str = "kredit.example/log";
const NOW: u64 = 1_760_000_000;

struct Fixture {
    log: NoteSigner,
    witness: CosignatureSigner,
    store: MemoryHashes,
}

fn fixture() -> Fixture {
    let leaves: Vec<Hash> = (0..100u32).map(|i| leaf_hash(&i.to_be_bytes())).collect();
    Fixture {
        log: NoteSigner::from_seed(ORIGIN, [7; 32]).unwrap(),
        witness: CosignatureSigner::from_seed("witness.example/w1", [8; 32]).unwrap(),
        store: MemoryHashes::from_leaves(&leaves),
    }
}

impl Fixture {
    fn note(&self, size: u64) -> String {
        let c = Checkpoint {
            origin: ORIGIN.into(),
            size,
            root: tree_hash(size, &self.store).unwrap(),
            extensions: vec![],
        };
        sign_note(&c.to_text(), &[&self.log]).unwrap()
    }

    fn request(&self, old: u64, new: u64) -> AddCheckpoint {
        AddCheckpoint {
            old_size: old,
            consistency: if old == 0 {
                vec![]
            } else {
                prove_consistency(new, old, &self.store).unwrap()
            },
            checkpoint_note: self.note(new),
        }
    }

    fn state(&self, size: u64) -> WitnessedLog {
        WitnessedLog {
            origin: ORIGIN.into(),
            size,
            root: tree_hash(size, &self.store).unwrap(),
        }
    }

    fn add(&self, state: Option<&WitnessedLog>, req: &AddCheckpoint) -> WitnessOutcome {
        witness_add_checkpoint(state, req, &self.log.verifier(), &self.witness, NOW)
    }
}

fn status(outcome: &WitnessOutcome) -> u16 {
    match outcome {
        WitnessOutcome::Cosigned { .. } => 200,
        WitnessOutcome::Conflict { .. } => 409,
        WitnessOutcome::Rejected { status, .. } => *status,
    }
}

#[test]
fn consistent_checkpoints_are_cosigned() {
    let f = fixture();
    // First contact: old size 0, no proof.
    let first = f.add(None, &f.request(0, 10));
    let WitnessOutcome::Cosigned {
        signature_line,
        new_state,
    } = first
    else {
        panic!("{first:?}")
    };
    assert_eq!(new_state, f.state(10));
    let cosigned = add_signatures(&f.note(10), &[signature_line]).unwrap();
    assert_eq!(f.witness.verifier().verify(&cosigned), Ok(NOW));
    // Growth with a proof, then the same checkpoint again.
    for (old, new) in [(10, 11), (10, 64), (10, 100), (10, 10)] {
        let out = f.add(Some(&f.state(old)), &f.request(old, new));
        assert!(
            matches!(&out, WitnessOutcome::Cosigned { new_state, .. } if *new_state == f.state(new)),
            "{old} -> {new}: {out:?}"
        );
    }
}

#[test]
fn rollback_and_stale_old_size_conflict() {
    let f = fixture();
    let state = f.state(50);
    // The log presents a smaller tree (old size is not ours).
    assert_eq!(
        f.add(Some(&state), &f.request(20, 40)),
        WitnessOutcome::Conflict { size: 50 }
    );
    // Client that never talked to us.
    assert_eq!(
        f.add(Some(&state), &f.request(0, 60)),
        WitnessOutcome::Conflict { size: 50 }
    );
    assert_eq!(
        f.add(None, &f.request(30, 60)),
        WitnessOutcome::Conflict { size: 0 }
    );
}

#[test]
fn forks_bad_proofs_and_bad_signatures_are_rejected() {
    let f = fixture();
    let state = f.state(50);
    // Same size, different root.
    let forked = WitnessedLog {
        root: leaf_hash(b"other"),
        ..state.clone()
    };
    assert_eq!(status(&f.add(Some(&forked), &f.request(50, 50))), 409);
    assert!(matches!(
        f.add(Some(&forked), &f.request(50, 50)),
        WitnessOutcome::Rejected { .. }
    ));
    // Bad proof.
    let mut req = f.request(50, 80);
    req.consistency[0].0[0] ^= 1;
    assert_eq!(status(&f.add(Some(&state), &req)), 422);
    let mut short = f.request(50, 80);
    short.consistency.pop();
    assert_eq!(status(&f.add(Some(&state), &short)), 422);
    // Proof from 0 must be empty.
    let mut from_zero = f.request(0, 80);
    from_zero.consistency = f.request(50, 80).consistency;
    assert_eq!(status(&f.add(None, &from_zero)), 422);
    // Inconsistent history: the witness's root for 50 differs.
    assert_eq!(status(&f.add(Some(&forked), &f.request(50, 80))), 422);
    // Signed by an unknown key.
    let stranger = NoteSigner::from_seed(ORIGIN, [9; 32]).unwrap();
    let text = f.note(80);
    let text = &text[..text.find("\n\n").unwrap() + 1];
    let mut req = f.request(50, 80);
    req.checkpoint_note = sign_note(text, &[&stranger]).unwrap();
    assert_eq!(status(&f.add(Some(&state), &req)), 403);
    // Tampered text.
    let mut req = f.request(50, 80);
    req.checkpoint_note = req.checkpoint_note.replacen("\n80\n", "\n81\n", 1);
    assert_eq!(status(&f.add(Some(&state), &req)), 403);
    // Another origin than the witness's state.
    let other = WitnessedLog {
        origin: "other.example/log".into(),
        ..state.clone()
    };
    assert_eq!(status(&f.add(Some(&other), &f.request(50, 80))), 404);
    // Old size above the checkpoint's.
    let mut req = f.request(50, 80);
    req.old_size = 90;
    assert_eq!(status(&f.add(Some(&state), &req)), 400);
    // Size 0 with a root that is not the empty tree's.
    let zero = Checkpoint {
        origin: ORIGIN.into(),
        size: 0,
        root: leaf_hash(b"x"),
        extensions: vec![],
    };
    let req = AddCheckpoint {
        old_size: 0,
        consistency: vec![],
        checkpoint_note: sign_note(&zero.to_text(), &[&f.log]).unwrap(),
    };
    assert_eq!(status(&f.add(None, &req)), 422);
    let empty = Checkpoint {
        root: empty_tree_hash(),
        ..zero
    };
    let req = AddCheckpoint {
        checkpoint_note: sign_note(&empty.to_text(), &[&f.log]).unwrap(),
        ..req
    };
    assert_eq!(status(&f.add(None, &req)), 200);
}

#[test]
fn request_body_round_trips() {
    let f = fixture();
    let req = f.request(37, 99);
    let body = req.to_body();
    assert!(body.starts_with("old 37\n"));
    assert_eq!(AddCheckpoint::parse(&body), Ok(req));
    let first = f.request(0, 5);
    assert!(
        first
            .to_body()
            .starts_with("old 0\n\nkredit.example/log\n5\n")
    );
    assert_eq!(AddCheckpoint::parse(&first.to_body()), Ok(first));
    for bad in [
        "old 01\n\nx",
        "old \n\nx",
        "old 1\nnot base64\n\nx",
        "new 1\n\nx",
        "old 1\n\n",
        "old 1\nAAAA\n",
    ] {
        assert!(AddCheckpoint::parse(bad).is_err(), "{bad:?}");
    }
    let too_long = format!(
        "old 1\n{}\nx",
        format!("{}\n", Hash::default().to_base64()).repeat(64)
    );
    assert!(AddCheckpoint::parse(&too_long).is_err());
}

#[test]
fn parses_the_spec_example_body() {
    let body = "old 20852014
PlRNCrwHpqhGrupue0L7gxbjbMiKA9temvuZZDDpkaw=
jrJZDmY8Y7SyJE0MWLpLozkIVMSMZcD5kvuKxPC3swk=
5+pKlUdi2LeF/BcMHBn+Ku6yhPGNCswZZD1X/6QgPd8=
/6WVhPs2CwSsb5rYBH5cjHV/wSmA79abXAwhXw3Kj/0=

example.com/behind-the-sofa
20852163
CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=

— example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=
— example.com/behind-the-sofa opLqBQsREYCgu6xQkYQwJr9fo45a62DN9EdmHXnZdXNqlcVGlCum2Wks+49/V6267UEjw6QUXTS5Rovnzv++qbSzm9Q=
";
    let req = AddCheckpoint::parse(body).unwrap();
    assert_eq!(req.old_size, 20852014);
    assert_eq!(req.consistency.len(), 4);
    assert!(
        req.checkpoint_note
            .starts_with("example.com/behind-the-sofa\n20852163\n")
    );
    assert_eq!(req.to_body(), body);
}
