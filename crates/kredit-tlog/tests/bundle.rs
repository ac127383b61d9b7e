//! tlog-proof bundles: format round trip and offline verification with a
//! witness quorum.

use kredit_tlog::{
    Checkpoint, CosignatureSigner, Error, MemoryHashes, NoteSigner, ProofBundle, add_signatures,
    leaf_hash, prove_inclusion, sign_note, tree_hash,
};

const ORIGIN: &str = "kredit.example/log";

fn entries() -> Vec<Vec<u8>> {
    (0..300u32)
        .map(|i| format!("loan contract {i}").into_bytes())
        .collect()
}

struct Fixture {
    log: NoteSigner,
    witnesses: Vec<CosignatureSigner>,
    bundle: ProofBundle,
    entry: Vec<u8>,
}

fn fixture(cosigners: usize) -> Fixture {
    let entries = entries();
    let leaves: Vec<_> = entries.iter().map(|e| leaf_hash(e)).collect();
    let store = MemoryHashes::from_leaves(&leaves);
    let size = entries.len() as u64;
    let log = NoteSigner::from_seed(ORIGIN, [1; 32]).unwrap();
    let witnesses: Vec<CosignatureSigner> = (0..3u8)
        .map(|i| CosignatureSigner::from_seed(&format!("w{i}.example"), [10 + i; 32]).unwrap())
        .collect();
    let text = Checkpoint {
        origin: ORIGIN.into(),
        size,
        root: tree_hash(size, &store).unwrap(),
        extensions: vec![],
    }
    .to_text();
    let lines: Vec<String> = witnesses[..cosigners]
        .iter()
        .map(|w| w.cosign(&text, 1_760_000_000).unwrap())
        .collect();
    let note = add_signatures(&sign_note(&text, &[&log]).unwrap(), &lines).unwrap();
    let index = 123;
    Fixture {
        bundle: ProofBundle {
            extra: None,
            index,
            proof: prove_inclusion(size, index, &store).unwrap(),
            checkpoint_note: note,
        },
        entry: entries[index as usize].clone(),
        log,
        witnesses,
    }
}

#[test]
fn round_trip() {
    let mut f = fixture(2);
    let text = f.bundle.to_text();
    assert!(text.starts_with("c2sp.org/tlog-proof@v1\nindex 123\n"));
    assert_eq!(ProofBundle::parse(&text), Ok(f.bundle.clone()));
    f.bundle.extra = Some(b"vrf proof".to_vec());
    let text = f.bundle.to_text();
    assert!(text.starts_with("c2sp.org/tlog-proof@v1\nextra dnJmIHByb29m\nindex 123\n"));
    assert_eq!(ProofBundle::parse(&text), Ok(f.bundle.clone()));
    for bad in [
        text.replace("tlog-proof@v1", "tlog-proof@v2"),
        text.replace("index 123", "index 0123"),
        text.replace("index 123", "idx 123"),
        text.replace("extra dnJmIHByb29m", "extra !!"),
        text[..text.find("\n\n").unwrap() + 2].to_string(),
        "c2sp.org/tlog-proof@v1\nindex 1\nAAAA\n\nx".to_string(),
    ] {
        assert!(ProofBundle::parse(&bad).is_err(), "{bad:?}");
    }
}

#[test]
fn verifies_with_quorum() {
    let f = fixture(2);
    let v: Vec<_> = f.witnesses.iter().map(|w| w.verifier()).collect();
    let all: Vec<_> = v.iter().collect();
    let log = f.log.verifier();
    let c = f.bundle.verify(&f.entry, &log, &all, 2).unwrap();
    assert_eq!((c.origin.as_str(), c.size), (ORIGIN, 300));
    assert!(f.bundle.verify(&f.entry, &log, &[], 0).is_ok());
    // Two of three cosigned: quorum 3 fails; the same witness twice counts once.
    assert_eq!(
        f.bundle.verify(&f.entry, &log, &all, 3),
        Err(Error::Quorum {
            found: 2,
            quorum: 3
        })
    );
    assert_eq!(
        f.bundle.verify(&f.entry, &log, &[&v[0], &v[0]], 2),
        Err(Error::Quorum {
            found: 1,
            quorum: 2
        })
    );
    // It survives its text form.
    let parsed = ProofBundle::parse(&f.bundle.to_text()).unwrap();
    assert!(parsed.verify(&f.entry, &log, &all, 2).is_ok());
}

#[test]
fn tampering_fails() {
    let f = fixture(3);
    let v: Vec<_> = f.witnesses.iter().map(|w| w.verifier()).collect();
    let all: Vec<_> = v.iter().collect();
    let log = f.log.verifier();
    let mut entry = f.entry.clone();
    entry[0] ^= 1;
    assert!(matches!(
        f.bundle.verify(&entry, &log, &all, 1),
        Err(Error::Proof(_))
    ));
    let mut moved = f.bundle.clone();
    moved.index += 1;
    assert!(moved.verify(&f.entry, &log, &all, 1).is_err());
    let mut bad_proof = f.bundle.clone();
    bad_proof.proof[2].0[5] ^= 0x10;
    assert!(bad_proof.verify(&f.entry, &log, &all, 1).is_err());
    let other_log = NoteSigner::from_seed(ORIGIN, [2; 32]).unwrap().verifier();
    assert_eq!(
        f.bundle.verify(&f.entry, &other_log, &all, 0),
        Err(Error::UnverifiedNote)
    );
    let mut forged = f.bundle.clone();
    forged.checkpoint_note = forged.checkpoint_note.replacen("\n300\n", "\n301\n", 1);
    assert!(forged.verify(&f.entry, &log, &all, 0).is_err());
    // A witness line that does not verify is an error, not a missing vote.
    let mut bad_cosig = f.bundle.clone();
    let w0 = bad_cosig.checkpoint_note.find("— w0.example ").unwrap();
    let at = w0 + "— w0.example ".len() + 20;
    let c = bad_cosig.checkpoint_note.as_bytes()[at];
    let swapped = if c == b'A' { "B" } else { "A" };
    bad_cosig.checkpoint_note.replace_range(at..at + 1, swapped);
    assert!(matches!(
        bad_cosig.verify(&f.entry, &log, &all, 1),
        Err(Error::InvalidSignature { .. })
    ));
}

#[test]
fn parses_the_spec_example() {
    // From c2sp.org/tlog-proof (its signatures are elided, so only the
    // format is checked here).
    let text = "c2sp.org/tlog-proof@v1
extra YWdlLXYxLjIuMS1kYXJ3aW4tYXJtNjQudGFyLmd6kYXJ3aW4tYXJ
index 73894
gSKyXoYZUgZ6jduWYrkDOARinOMGJveXjgMkBTcdPlQ=
B95lDa8R83lS8n0eG+o0buTxRKQTYFi//1U8anccXmA=
EKNzoDWG8LGC0Yp9o+sv3qllpMP9uHQ9B20KNL+Q1zs=
RoopEkOdqkYqMB4MJXrbt/hMjOxsVn0IrWjpz1ZMMes=
AHCioX9nLjsrse6YhjRRmk1WUEirVOLLRoOQ6vfO5vk=

example.com/fancylog
109482
sFodV/vSp5O8n9a8QpW6PRY97tfOSW5bsc2Xl/EQi08=

— example.com/fancylog hI2DJw[...]1roloI=
— witness1.example mJirIklj[...]qY9v2B/5bg==
";
    let b = ProofBundle::parse(text).unwrap();
    assert_eq!(b.index, 73894);
    assert_eq!(b.proof.len(), 5);
    assert!(
        b.extra
            .as_ref()
            .unwrap()
            .starts_with(b"age-v1.2.1-darwin-arm64.tar.gz")
    );
    assert!(
        b.checkpoint_note
            .starts_with("example.com/fancylog\n109482\n")
    );
    assert_eq!(b.to_text(), text);
}
