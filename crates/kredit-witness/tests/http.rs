//! The witness's HTTP contract (C2SP tlog-witness `add-checkpoint`): every
//! status it answers, the state kept across a restart, and two concurrent
//! requests for conflicting trees of which only one is cosigned.

use std::path::Path;
use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt as _;
use kredit_tlog::{
    AddCheckpoint, Checkpoint, CosignatureSigner, Hash, MemoryHashes, NoteSigner, leaf_hash,
};
use kredit_witness::Witness;
use tower::ServiceExt as _;

const ORIGIN: &str = "lender.example/kredit-log";

/// A log of `entries` (entry `n` is `<prefix><n>`) and its signed notes.
struct TestLog {
    signer: NoteSigner,
    hashes: MemoryHashes,
}

impl TestLog {
    fn new(seed: u8, prefix: &'static str, entries: u64) -> TestLog {
        let leaves: Vec<Hash> = (0..entries)
            .map(|n| leaf_hash(format!("{prefix}{n}").as_bytes()))
            .collect();
        TestLog {
            signer: NoteSigner::from_seed(ORIGIN, [seed; 32]).unwrap(),
            hashes: MemoryHashes::from_leaves(&leaves),
        }
    }

    fn note(&self, size: u64) -> String {
        let checkpoint = Checkpoint {
            origin: ORIGIN.to_owned(),
            size,
            root: kredit_tlog::tree_hash(size, &self.hashes).unwrap(),
            extensions: Vec::new(),
        };
        kredit_tlog::sign_note(&checkpoint.to_text(), &[&self.signer]).unwrap()
    }

    /// The request body for the checkpoint of `size`, from `old`.
    fn add(&self, old: u64, size: u64) -> String {
        let consistency = if old == 0 {
            Vec::new()
        } else {
            kredit_tlog::prove_consistency(size, old, &self.hashes).unwrap()
        };
        AddCheckpoint {
            old_size: old,
            consistency,
            checkpoint_note: self.note(size),
        }
        .to_body()
    }
}

fn witness_signer() -> CosignatureSigner {
    CosignatureSigner::from_seed("witness.example/w1", [9; 32]).unwrap()
}

fn open(dir: &Path, log: &TestLog) -> Arc<Witness> {
    Witness::open(
        witness_signer(),
        vec![log.signer.verifier()],
        dir.to_path_buf(),
    )
    .unwrap()
}

struct Answer {
    status: StatusCode,
    content_type: Option<String>,
    body: String,
}

async fn post(witness: &Arc<Witness>, body: String) -> Answer {
    let request = Request::post("/add-checkpoint")
        .body(Body::from(body))
        .unwrap();
    let response = kredit_witness::router(witness.clone())
        .oneshot(request)
        .await
        .unwrap();
    let status = response.status();
    let content_type = response
        .headers()
        .get(header::CONTENT_TYPE)
        .map(|value| value.to_str().unwrap().to_owned());
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    Answer {
        status,
        content_type,
        body: String::from_utf8(bytes.to_vec()).unwrap(),
    }
}

/// The note with the witness's answer appended, checked with its key.
fn cosigned_size(log: &TestLog, size: u64, answer: &Answer) -> u64 {
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    let lines: Vec<String> = answer.body.lines().map(|l| format!("{l}\n")).collect();
    assert!(
        lines.iter().all(|line| line.starts_with("— ")),
        "{}",
        answer.body
    );
    let note = kredit_tlog::add_signatures(&log.note(size), &lines).unwrap();
    witness_signer().verifier().verify(&note).unwrap();
    let opened = kredit_tlog::open_note(&note, &[&log.signer.verifier()]).unwrap();
    Checkpoint::parse(&opened.text).unwrap().size
}

#[tokio::test]
async fn every_answer_of_add_checkpoint() {
    let dir = tempfile::tempdir().unwrap();
    let log = TestLog::new(1, "entry ", 20);
    let witness = open(dir.path(), &log);

    // First contact: from size 0, with an empty proof.
    let first = post(&witness, log.add(0, 5)).await;
    assert_eq!(cosigned_size(&log, 5, &first), 5);

    // A client that does not know the witness's size learns it from 409.
    let stale = post(&witness, log.add(0, 8)).await;
    assert_eq!(stale.status, StatusCode::CONFLICT);
    assert_eq!(stale.content_type.as_deref(), Some("text/x.tlog.size"));
    assert_eq!(stale.body, "5\n");
    let wrong_old = post(&witness, log.add(3, 8)).await;
    assert_eq!(
        (wrong_old.status, wrong_old.body.as_str()),
        (StatusCode::CONFLICT, "5\n")
    );

    // From the size it holds, with the proof: cosigned.
    let grown = post(&witness, log.add(5, 8)).await;
    assert_eq!(cosigned_size(&log, 8, &grown), 8);

    // A proof that does not verify: 422, and nothing changes.
    let mut tampered = AddCheckpoint::parse(&log.add(8, 12)).unwrap();
    tampered.consistency[0] = leaf_hash(b"not in the tree");
    let refused = post(&witness, tampered.to_body()).await;
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        refused.body
    );
    assert_eq!(post(&witness, log.add(0, 12)).await.body, "8\n");

    // Another tree of the same log (a fork or a rolled-back database
    // regrown differently): its size-8 root differs, 409 without a size;
    // bigger, its proof from 8 fails, 422.
    let fork = TestLog::new(1, "forged ", 20);
    let same_size = post(&witness, fork.add(8, 8)).await;
    assert_eq!(same_size.status, StatusCode::CONFLICT);
    assert_ne!(same_size.content_type.as_deref(), Some("text/x.tlog.size"));
    assert_eq!(
        post(&witness, fork.add(8, 12)).await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    // A smaller tree (a rollback): 409 with the size held.
    let smaller = post(&witness, fork.add(0, 3)).await;
    assert_eq!(
        (smaller.status, smaller.body.as_str()),
        (StatusCode::CONFLICT, "8\n")
    );

    // Signed by a key the witness does not trust for the origin: 403.
    let impostor = TestLog::new(2, "entry ", 20);
    assert_eq!(
        post(&witness, impostor.add(8, 12)).await.status,
        StatusCode::FORBIDDEN
    );

    // An origin it does not witness: 404.
    let other = NoteSigner::from_seed("other.example/log", [3; 32]).unwrap();
    let text = Checkpoint {
        origin: "other.example/log".into(),
        size: 1,
        root: leaf_hash(b"x"),
        extensions: Vec::new(),
    }
    .to_text();
    let unknown = AddCheckpoint {
        old_size: 0,
        consistency: Vec::new(),
        checkpoint_note: kredit_tlog::sign_note(&text, &[&other]).unwrap(),
    };
    assert_eq!(
        post(&witness, unknown.to_body()).await.status,
        StatusCode::NOT_FOUND
    );

    // Malformed bodies, and an old size above the checkpoint's: 400.
    for body in [
        String::new(),
        "old 08\n\n".to_owned(),
        format!("old 5\nnot base64\n\n{}", log.note(8)),
        format!("old 5\n{}", log.note(8)),
        "old 5\n\nnot a note\n".to_owned(),
        log.add(0, 12).replacen("old 0", "old 13", 1),
    ] {
        let answer = post(&witness, body.clone()).await;
        assert_eq!(
            answer.status,
            StatusCode::BAD_REQUEST,
            "{body:?}: {}",
            answer.body
        );
    }

    // Through all of that the witness still holds 8.
    assert_eq!(
        cosigned_size(&log, 12, &post(&witness, log.add(8, 12)).await),
        12
    );

    let health = kredit_witness::router(witness.clone())
        .oneshot(Request::get("/healthz").body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(health.status(), StatusCode::OK);
}

#[tokio::test]
async fn the_state_is_on_disk_before_the_answer_and_survives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let log = TestLog::new(1, "entry ", 10);
    {
        let witness = open(dir.path(), &log);
        cosigned_size(&log, 7, &post(&witness, log.add(0, 7)).await);
    }
    // Only the state file, no temporary left behind.
    let files: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|entry| entry.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    assert!(files[0].ends_with(".checkpoint"), "{files:?}");

    let restarted = open(dir.path(), &log);
    let answer = post(&restarted, log.add(0, 9)).await;
    assert_eq!(
        (answer.status, answer.body.as_str()),
        (StatusCode::CONFLICT, "7\n")
    );
    cosigned_size(&log, 9, &post(&restarted, log.add(7, 9)).await);

    // A corrupted state file is refused at start, not read as "never saw".
    std::fs::write(dir.path().join(&files[0]), "garbage\n").unwrap();
    assert!(
        Witness::open(
            witness_signer(),
            vec![log.signer.verifier()],
            dir.path().into()
        )
        .is_err()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn of_concurrent_conflicting_trees_only_one_is_cosigned() {
    for round in 0..20 {
        let dir = tempfile::tempdir().unwrap();
        let honest = TestLog::new(1, "entry ", 6);
        let fork = TestLog::new(1, "forged ", 6);
        let witness = open(dir.path(), &honest);
        let (a, b) = tokio::join!(
            tokio::spawn({
                let witness = witness.clone();
                let body = honest.add(0, 6);
                async move { post(&witness, body).await }
            }),
            tokio::spawn({
                let witness = witness.clone();
                let body = fork.add(0, 6);
                async move { post(&witness, body).await }
            }),
        );
        let statuses = [a.unwrap().status, b.unwrap().status];
        assert_eq!(
            statuses.iter().filter(|s| **s == StatusCode::OK).count(),
            1,
            "round {round}: {statuses:?}"
        );
        assert!(
            statuses.contains(&StatusCode::CONFLICT),
            "round {round}: {statuses:?}"
        );
    }
}
