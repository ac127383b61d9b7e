//! The transparency log end to end, on SQLite and PostgreSQL, from a fresh
//! install: a borrower's loan is signed and disbursed; a sequencing round
//! takes the evidence chain (in order, hashes kept) and every domain
//! event; the checkpoint served at `/log/checkpoint` is signed by the key
//! at `/log/key`; the contract's proof verifies offline, only for its
//! borrower and staff; the tiles and entry bundles served rebuild the
//! checkpoint's root; a changed entry in the database no longer verifies.
//! And the monitor's view: every way an intruder with database access can
//! change, delete or reorder an entry or a tile hash, or roll the log
//! back, is found at its position.

mod support;

use std::collections::HashMap;
use std::sync::Arc;

use axum::http::{Method, StatusCode, header};
use kredit_app::tlog::LogRecord;
use kredit_store::tlog::{LogEntryRecord, TileRecord};
use kredit_store::{Backend, Repository, Role};
use kredit_tlog::{Checkpoint, Finding, LogFetch, NoteVerifier, ProofBundle, Tile};
use support::TestApp;
use support::journey::{active_consumer_loan, apply, lending_app, verified_borrower};

/// One sequencing round, as the server's loop runs it.
async fn sequence(app: &TestApp) -> usize {
    let log = app
        .state
        .log
        .as_ref()
        .expect("the server configures a log key");
    kredit_app::tlog::sequence(&app.state, log)
        .await
        .expect("a round")
}

async fn text(app: &TestApp, path: &str) -> support::Reply {
    let reply = app.call(Method::GET, path, None, None).await;
    assert_eq!(reply.status, StatusCode::OK, "{path}: {}", reply.text);
    reply
}

async fn bytes(app: &TestApp, path: &str) -> Vec<u8> {
    let reply = app.call(Method::GET, path, None, None).await;
    assert_eq!(reply.status, StatusCode::OK, "{path}: {}", reply.text);
    reply.body.clone()
}

/// The checkpoint served, opened with the key served.
async fn served_checkpoint(app: &TestApp) -> (Checkpoint, NoteVerifier, String) {
    let key = NoteVerifier::from_vkey(text(app, "/log/key").await.text.trim()).unwrap();
    let note = text(app, "/log/checkpoint").await.text;
    let opened = kredit_tlog::open_note(&note, &[&key]).expect("signed by the log key");
    (Checkpoint::parse(&opened.text).unwrap(), key, note)
}

/// The root a verifier computes from the tiles served, trusting nothing.
async fn root_from_served_tiles(app: &TestApp, size: u64) -> kredit_tlog::Hash {
    let mut tiles: HashMap<(u8, u64), Vec<u8>> = HashMap::new();
    for tile in kredit_tlog::tiles_for_size(size) {
        let data = bytes(app, &format!("/log/{}", tile.path())).await;
        assert_eq!(data.len(), usize::from(tile.width) * 32, "{}", tile.path());
        tiles.insert((tile.level, tile.index), data);
    }
    let source = kredit_tlog::TileHashSource::new(size, |tile: &Tile| {
        tiles
            .get(&(tile.level, tile.index))
            .cloned()
            .ok_or_else(|| kredit_tlog::Error::Source(format!("no tile {}", tile.path())))
    });
    kredit_tlog::tree_hash(size, &source).unwrap()
}

/// Every file of the served log's tree as the router answers it (absent
/// where it answers 404), for the monitor, which reads synchronously.
struct Served(HashMap<String, Vec<u8>>);

impl LogFetch for Served {
    fn fetch(&self, path: &str) -> Result<Option<Vec<u8>>, kredit_tlog::Error> {
        Ok(self.0.get(path).cloned())
    }
}

/// A full look by the monitor at the log served, from `saved`.
async fn monitor(app: &TestApp, saved: Option<&Checkpoint>) -> kredit_tlog::MonitorReport {
    let (checkpoint, key, note) = served_checkpoint(app).await;
    let mut files = HashMap::new();
    for tile in kredit_tlog::tiles_for_size(checkpoint.size) {
        let mut paths = vec![tile.path()];
        if tile.level == 0 {
            paths.push(kredit_tlog::entries_path(tile.index, tile.width));
        }
        for path in paths {
            let reply = app
                .call(Method::GET, &format!("/log/{path}"), None, None)
                .await;
            match reply.status {
                StatusCode::OK => {
                    files.insert(path, reply.body.clone());
                }
                status => assert_eq!(status, StatusCode::NOT_FOUND, "{path}"),
            }
        }
    }
    kredit_tlog::monitor(&note, &key, saved, true, &Served(files)).expect("a look at the log")
}

async fn findings(app: &TestApp) -> Vec<Finding> {
    monitor(app, None).await.findings
}

/// An intruder with write access to the database, changing the log's rows
/// behind the application's back (and putting them back).
struct Intruder(Arc<dyn Repository>);

impl Intruder {
    fn bytes(&self, data: &[u8]) -> String {
        let hex: String = data.iter().map(|b| format!("{b:02x}")).collect();
        match self.0.backend() {
            Backend::Sqlite => format!("X'{hex}'"),
            Backend::Postgres => format!("'\\x{hex}'::bytea"),
        }
    }

    async fn run(&self, sql: &str) {
        assert_eq!(self.0.tamper(sql).await.unwrap(), 1, "{sql}");
    }

    async fn entry(&self, idx: i64) -> LogEntryRecord {
        let mut rows = self.0.log().entries(idx, idx + 1).await.unwrap();
        rows.pop().expect("a stored entry")
    }

    async fn set_entry(&self, idx: i64, data: &[u8]) {
        let data = self.bytes(data);
        self.run(&format!(
            "UPDATE tlog_entries SET data = {data} WHERE idx = {idx}"
        ))
        .await;
    }

    async fn delete_entry(&self, idx: i64) -> LogEntryRecord {
        let entry = self.entry(idx).await;
        self.run(&format!("DELETE FROM tlog_entries WHERE idx = {idx}"))
            .await;
        entry
    }

    async fn insert_entry(&self, entry: &LogEntryRecord) {
        let or_null = |id: Option<i64>| id.map_or("NULL".to_string(), |id| id.to_string());
        self.run(&format!(
            "INSERT INTO tlog_entries (idx, event_id, subject, kind, loan_id, data)
             VALUES ({}, {}, '{}', '{}', {}, {})",
            entry.idx,
            or_null(entry.event_id.map(|id| id.0)),
            entry.subject,
            entry.kind,
            or_null(entry.loan_id.map(|id| id.0)),
            self.bytes(&entry.data)
        ))
        .await;
    }

    async fn tile(&self, level: i64, idx: i64) -> TileRecord {
        self.0
            .log()
            .tile(level, idx)
            .await
            .unwrap()
            .expect("a stored tile")
    }

    async fn set_tile(&self, level: i64, idx: i64, data: &[u8]) {
        let data = self.bytes(data);
        self.run(&format!(
            "UPDATE tlog_tiles SET data = {data} WHERE level = {level} AND idx = {idx}"
        ))
        .await;
    }

    async fn delete_tile(&self, level: i64, idx: i64) -> TileRecord {
        let tile = self.tile(level, idx).await;
        self.run(&format!(
            "DELETE FROM tlog_tiles WHERE level = {level} AND idx = {idx}"
        ))
        .await;
        tile
    }

    async fn insert_tile(&self, tile: &TileRecord) {
        self.run(&format!(
            "INSERT INTO tlog_tiles (level, idx, width, data) VALUES ({}, {}, {}, {})",
            tile.level,
            tile.idx,
            tile.width,
            self.bytes(&tile.data)
        ))
        .await;
    }
}

/// Events planted straight into the outbox, as a busy day's would be.
async fn plant_events(repository: &dyn Repository, from: i64, to: i64) {
    let planted = repository
        .tamper(&format!(
            "INSERT INTO domain_events (kind, subject, loan_id, payload, occurred_at)
             WITH RECURSIVE n(i) AS (SELECT {from} UNION ALL SELECT i + 1 FROM n WHERE i < {to})
             SELECT 'installment.due', 'loan:' || i, i, '{{\"amount_due\":\"1.00\"}}',
                    '2026-12-01T00:00:00+00:00' FROM n"
        ))
        .await
        .unwrap();
    assert_eq!(planted as i64, to - from + 1);
}

async fn sequence_all(app: &TestApp) {
    while sequence(app).await > 0 {}
}

async fn contract_is_logged_and_proven_offline(repository: Arc<dyn Repository>) {
    let (app, admin) = lending_app(repository.clone()).await;
    let token = verified_borrower(&app, "13800000301", 30, "6222021234567840301").await;
    let (_, loan_path) = active_consumer_loan(&app, &token, "log-1", "10000.00", 12).await;
    let loan = app.call(Method::GET, &loan_path, Some(&token), None).await;
    let contract = loan.json["contract_id"].as_i64().unwrap();
    let proof_path = format!("/api/v1/contracts/{contract}/proof");

    // Nothing logged yet: no checkpoint, no proof.
    app.call(Method::GET, "/log/checkpoint", None, None)
        .await
        .assert_problem(StatusCode::NOT_FOUND, "not_found");
    app.call(Method::GET, &proof_path, Some(&token), None)
        .await
        .assert_problem(StatusCode::NOT_FOUND, "not_found");

    let evidence = app
        .call(
            Method::GET,
            "/api/v1/evidence?limit=100",
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(evidence.status, StatusCode::OK, "{}", evidence.text);
    let chain = evidence.json["entries"].as_array().unwrap().clone();
    assert!(!chain.is_empty());

    let appended = sequence(&app).await;
    assert!(appended > chain.len(), "{appended} entries");
    assert_eq!(sequence(&app).await, 0, "a second round finds nothing new");

    let (checkpoint, key, _) = served_checkpoint(&app).await;
    assert_eq!(checkpoint.size, appended as u64);
    assert_eq!(checkpoint.origin, "kredit.test/log");

    // The chain comes first, in order, each entry keeping its hash.
    let bundle_path = format!("/log/tile/entries/000.p/{appended}");
    let entries = kredit_tlog::decode_entry_bundle(&bytes(&app, &bundle_path).await).unwrap();
    assert_eq!(entries.len(), appended);
    let records: Vec<LogRecord> = entries
        .iter()
        .map(|e| LogRecord::parse(e).unwrap())
        .collect();
    for (record, link) in records.iter().zip(&chain) {
        let kept = record.evidence.as_ref().expect("an evidence entry");
        assert_eq!(kept.hash, link["hash"].as_str().unwrap());
        assert_eq!(record.kind, link["kind"].as_str().unwrap());
    }
    // Then every event, once; a loan's entries chained by `previous`.
    let events: Vec<&LogRecord> = records[chain.len()..].iter().collect();
    assert!(events.iter().all(|r| r.event_id.is_some()));
    let mut ids: Vec<_> = events.iter().map(|r| r.event_id.unwrap()).collect();
    ids.dedup();
    assert_eq!(ids.len(), events.len());
    let disbursed = records
        .iter()
        .position(|r| r.kind == "loan.disbursed" && r.event_id.is_some())
        .expect("the disbursement is logged");
    let previous = records[disbursed]
        .previous
        .expect("the loan's earlier entry") as usize;
    assert_eq!(records[previous].loan_id, records[disbursed].loan_id);

    // The borrower's proof verifies with no server.
    let proof = app.call(Method::GET, &proof_path, Some(&token), None).await;
    assert_eq!(proof.status, StatusCode::OK, "{}", proof.text);
    let entry = proof.json["entry"].as_str().unwrap();
    let record = LogRecord::parse(entry.as_bytes()).unwrap();
    assert_eq!(record.kind, "contract.signed");
    assert_eq!(record.subject, format!("contract:{contract}"));
    let bundle = ProofBundle::parse(proof.json["bundle"].as_str().unwrap()).unwrap();
    assert_eq!(bundle.index, proof.json["index"].as_u64().unwrap());
    assert_eq!(entries[bundle.index as usize], entry.as_bytes());
    let proven = bundle.verify(entry.as_bytes(), &key, &[], 0).unwrap();
    assert_eq!(proven, checkpoint);
    assert!(
        bundle.verify(b"another entry", &key, &[], 0).is_err(),
        "a different entry does not verify"
    );

    // The entry commits to the contract, salted: the contract as its
    // borrower sees it opens the commitment, an altered one does not, and
    // the contract's unsalted hash is nowhere in the log (the salted digest
    // is, in the evidence chain's entry: it gives nothing away).
    let view = app
        .call(
            Method::GET,
            &format!("/api/v1/contracts/{contract}"),
            Some(&token),
            None,
        )
        .await;
    let document = view.json["document"].to_string();
    let digest = proof.json["digest"].as_str().unwrap();
    assert_eq!(view.json["digest"], digest);
    let salt = proof.json["salt"].as_str().expect("a salted contract");
    assert_eq!(kredit_tlog::Hash::from_hex(salt).unwrap().0.len(), 32);
    let payload = proof.json["payload"].as_str().unwrap();
    let open = |document: &str| {
        kredit_app::tlog::open_commitment(entry.as_bytes(), payload, digest, Some(salt), document)
    };
    assert_eq!(open(&document), Ok(()));
    assert!(open(&document.replacen("KR-", "KX-", 1)).is_err());
    let unsalted = kredit_core::canonical::digest(&view.json["document"]).unwrap();
    assert_ne!(unsalted, digest);
    assert!(
        !entries
            .iter()
            .any(|e| String::from_utf8_lossy(e).contains(&unsalted))
    );

    // Only its borrower and staff see it.
    let stranger = app.borrower("13800000302").await;
    app.call(Method::GET, &proof_path, Some(&stranger), None)
        .await
        .assert_problem(StatusCode::NOT_FOUND, "not_found");
    let underwriter = app.staff("13900000302", Role::Underwriter).await;
    let staff_view = app
        .call(Method::GET, &proof_path, Some(&underwriter), None)
        .await;
    assert_eq!(staff_view.status, StatusCode::OK, "{}", staff_view.text);

    // Tiles: served as the spec lays them out, partial ones revalidated,
    // a width the tree does not have yet absent.
    let leaves = text(&app, &format!("/log/tile/0/000.p/{appended}")).await;
    assert_eq!(leaves.headers[header::CACHE_CONTROL], "no-cache");
    assert_eq!(leaves.headers[header::ACCESS_CONTROL_ALLOW_ORIGIN], "*");
    let at = bundle.index as usize * 32;
    assert_eq!(
        leaves.body[at..at + 32],
        kredit_tlog::leaf_hash(entry.as_bytes()).0
    );
    let too_wide = format!("/log/tile/0/000.p/{}", appended + 1);
    app.call(Method::GET, &too_wide, None, None)
        .await
        .assert_problem(StatusCode::NOT_FOUND, "not_found");
    app.call(Method::GET, "/log/tile/0/../000", None, None)
        .await
        .assert_problem(StatusCode::NOT_FOUND, "not_found");
    assert_eq!(
        root_from_served_tiles(&app, checkpoint.size).await,
        checkpoint.root
    );

    // An intruder changes the hash beside the contract's leaf in its tile:
    // the monitor names it, and the proof, which carries it, fails.
    let intruder = Intruder(repository.clone());
    let sibling = bundle.index ^ 1;
    assert!(sibling < checkpoint.size && checkpoint.size < 256);
    let tile = intruder.tile(0, 0).await;
    let mut changed = tile.data.clone();
    changed[sibling as usize * 32] ^= 0x80;
    intruder.set_tile(0, 0, &changed).await;
    assert_eq!(
        findings(&app).await,
        [Finding::AlteredTile {
            path: format!("tile/0/000.p/{}", checkpoint.size),
            hash: sibling as u16
        }]
    );
    let crossed = app.call(Method::GET, &proof_path, Some(&token), None).await;
    let bundle = ProofBundle::parse(crossed.json["bundle"].as_str().unwrap()).unwrap();
    assert!(bundle.verify(entry.as_bytes(), &key, &[], 0).is_err());
    intruder.set_tile(0, 0, &tile.data).await;
    assert_eq!(findings(&app).await, []);

    // An intruder edits the stored entry: its proof no longer verifies.
    let edit = match repository.backend() {
        Backend::Sqlite => {
            "UPDATE tlog_entries SET data = CAST(REPLACE(CAST(data AS TEXT), '\"v\":1', '\"v\":2') AS BLOB) WHERE kind = 'contract.signed' AND event_id IS NOT NULL"
        }
        Backend::Postgres => {
            "UPDATE tlog_entries SET data = convert_to(replace(convert_from(data, 'UTF8'), '\"v\":1', '\"v\":2'), 'UTF8') WHERE kind = 'contract.signed' AND event_id IS NOT NULL"
        }
    };
    assert_eq!(repository.tamper(edit).await.unwrap(), 1);
    let tampered = app.call(Method::GET, &proof_path, Some(&token), None).await;
    let entry = tampered.json["entry"].as_str().unwrap();
    assert!(entry.contains("\"v\":2"));
    let bundle = ProofBundle::parse(tampered.json["bundle"].as_str().unwrap()).unwrap();
    assert!(bundle.verify(entry.as_bytes(), &key, &[], 0).is_err());
    // And the monitor names it.
    assert_eq!(
        findings(&app).await,
        [Finding::AlteredEntry {
            index: bundle.index
        }]
    );
}

/// `?wait=integrated` on the accept answers once the contract's entry is in
/// a signed checkpoint (rounds run meanwhile, as the server's loop runs
/// them), with its index; with no round within the limit, it answers all
/// the same, the contract signed and the log's answer "not yet".
async fn accept_can_wait_until_integrated(repository: Arc<dyn Repository>) {
    let (app, _) = lending_app(repository.clone()).await;
    let accept_waiting = |token: String, application: i64| {
        let app = &app;
        async move {
            app.call_with(
                Method::POST,
                &format!("/api/v1/applications/{application}/accept?wait=integrated"),
                Some(&token),
                Some(serde_json::json!({"agree": true, "terms_version": "2026-11"})),
                &[("Idempotency-Key", &format!("accept-{application}"))],
            )
            .await
        }
    };
    let application = |token: String, key: &'static str| {
        let app = &app;
        async move {
            let body = serde_json::json!({"product_code": "CONSUMER", "amount": "10000.00",
                "term_months": 12, "method": "equal-installment", "purpose": "consumer"});
            apply(app, &token, key, body).await.json["id"]
                .as_i64()
                .unwrap()
        }
    };

    let token = verified_borrower(&app, "13800000401", 30, "6222021234567840401").await;
    let id = application(token.clone(), "wait-1").await;
    let answered = std::cell::Cell::new(false);
    let (accepted, ()) = tokio::join!(
        async {
            let reply = accept_waiting(token.clone(), id).await;
            answered.set(true);
            reply
        },
        async {
            while !answered.get() {
                sequence(&app).await;
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            }
        }
    );
    assert_eq!(accepted.status, StatusCode::CREATED, "{}", accepted.text);
    let log = &accepted.json["log"];
    assert_eq!(log["integrated"], true, "{}", accepted.text);
    let contract = accepted.json["contract"]["id"].as_i64().unwrap();
    let proof = app
        .call(
            Method::GET,
            &format!("/api/v1/contracts/{contract}/proof"),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(log["index"], proof.json["index"]);
    assert!(log["checkpoint_size"].as_u64().unwrap() > log["index"].as_u64().unwrap());

    let token = verified_borrower(&app, "13800000402", 30, "6222021234567840402").await;
    let id = application(token.clone(), "wait-2").await;
    let accepted = accept_waiting(token, id).await;
    assert_eq!(accepted.status, StatusCode::CREATED, "{}", accepted.text);
    assert_eq!(
        accepted.json["log"],
        serde_json::json!({"integrated": false}),
        "{}",
        accepted.text
    );
}

/// Each way an intruder can change the stored log, one at a time, put
/// back after: the monitor names where, and a proof fetched meanwhile that
/// crosses the change no longer verifies; a log restored from an earlier
/// backup is a rollback from the monitor's saved checkpoint.
async fn tampering_is_found_where_it_is(repository: Arc<dyn Repository>) {
    let app = TestApp::new(repository.clone()).await;
    plant_events(repository.as_ref(), 1, 300).await;
    sequence_all(&app).await;
    let sound = monitor(&app, None).await;
    assert_eq!(sound.findings, []);
    assert_eq!(sound.checkpoint.size, 300);
    let intruder = Intruder(repository.clone());

    // One byte of an entry.
    let entry = intruder.entry(5).await;
    let mut changed = entry.data.clone();
    changed[10] ^= 0x01;
    intruder.set_entry(5, &changed).await;
    assert_eq!(findings(&app).await, [Finding::AlteredEntry { index: 5 }]);
    intruder.set_entry(5, &entry.data).await;

    // An entry deleted: its bundle is no longer served.
    let deleted = intruder.delete_entry(260).await;
    assert_eq!(
        findings(&app).await,
        [Finding::BadEntryBundle {
            path: "tile/entries/001.p/44".into(),
            first: 256,
            end: 300,
            detail: "not served".into()
        }]
    );
    intruder.insert_entry(&deleted).await;

    // Two entries swapped.
    let (three, four) = (intruder.entry(3).await, intruder.entry(4).await);
    intruder.set_entry(3, &four.data).await;
    intruder.set_entry(4, &three.data).await;
    assert_eq!(
        findings(&app).await,
        [
            Finding::MovedEntry {
                index: 3,
                belongs_at: 4
            },
            Finding::MovedEntry {
                index: 4,
                belongs_at: 3
            }
        ]
    );
    intruder.set_entry(3, &three.data).await;
    intruder.set_entry(4, &four.data).await;

    // One hash inside a stored tile.
    let tile = intruder.tile(0, 0).await;
    let mut changed = tile.data.clone();
    changed[7 * 32] ^= 0x80;
    intruder.set_tile(0, 0, &changed).await;
    assert_eq!(
        findings(&app).await,
        [Finding::AlteredTile {
            path: "tile/0/000".into(),
            hash: 7
        }]
    );
    intruder.set_tile(0, 0, &tile.data).await;

    // A tile deleted.
    let deleted = intruder.delete_tile(0, 1).await;
    assert_eq!(
        findings(&app).await,
        [Finding::MissingTile {
            path: "tile/0/001.p/44".into()
        }]
    );
    intruder.insert_tile(&deleted).await;
    assert_eq!(findings(&app).await, [], "everything put back");

    // The log grows; the monitor saves what it saw; then the database is
    // restored to before the growth (its newest checkpoints and entries
    // gone, as in an earlier backup).
    plant_events(repository.as_ref(), 301, 310).await;
    sequence_all(&app).await;
    let grown = monitor(&app, Some(&sound.checkpoint)).await;
    assert_eq!(grown.findings, []);
    assert_eq!(grown.checkpoint.size, 310);
    repository
        .tamper("DELETE FROM tlog_checkpoints WHERE size > 300")
        .await
        .unwrap();
    repository
        .tamper("DELETE FROM tlog_entries WHERE idx >= 300")
        .await
        .unwrap();
    assert_eq!(
        monitor(&app, Some(&grown.checkpoint)).await.findings,
        [Finding::Rollback {
            saved_size: 310,
            size: 300
        }]
    );
}

/// Events beyond one tile (planted straight into the outbox, as a busy
/// day's would be): rounds of at most a batch each, full tiles served as
/// immutable, and the root rebuilt from the tiles at every checkpoint.
async fn log_grows_across_tiles(repository: Arc<dyn Repository>) {
    let app = TestApp::new(repository.clone()).await;
    let planted = repository
        .tamper(
            "INSERT INTO domain_events (kind, subject, loan_id, payload, occurred_at)
             WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 700)
             SELECT 'installment.due', 'loan:' || i, i, '{\"amount_due\":\"1.00\"}',
                    '2026-12-01T00:00:00+00:00' FROM n",
        )
        .await
        .unwrap();
    assert_eq!(planted, 700);
    let mut total = 0;
    loop {
        let appended = sequence(&app).await;
        if appended == 0 {
            break;
        }
        total += appended;
        let (checkpoint, _, _) = served_checkpoint(&app).await;
        assert_eq!(checkpoint.size, total as u64);
        assert_eq!(
            root_from_served_tiles(&app, checkpoint.size).await,
            checkpoint.root
        );
    }
    assert_eq!(total, 700);
    let full = text(&app, "/log/tile/0/001").await;
    assert_eq!(full.body.len(), 256 * 32);
    assert_eq!(
        full.headers[header::CACHE_CONTROL],
        "public, max-age=31536000, immutable"
    );
    let bundle =
        kredit_tlog::decode_entry_bundle(&bytes(&app, "/log/tile/entries/001").await).unwrap();
    assert_eq!(bundle.len(), 256);
    assert_eq!(LogRecord::parse(&bundle[0]).unwrap().subject, "loan:257");
}

/// How fast the log takes a backlog: 100,000 planted events sequenced
/// round after round; prints entries per second and the slowest round
/// (docs/benchmarks.md). A measurement, not a check:
/// `cargo test --release -p kredit-server --test transparency_log -- --ignored --nocapture`.
async fn sequencing_throughput(repository: Arc<dyn Repository>) {
    const EVENTS: i64 = 100_000;
    let app = TestApp::new(repository.clone()).await;
    repository
        .tamper(&format!(
            "INSERT INTO domain_events (kind, subject, loan_id, payload, occurred_at)
             WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {EVENTS})
             SELECT 'payment.applied', 'loan:' || (i % 5000), i % 5000,
                    '{{\"amount\":\"100.00\",\"purpose\":\"installment\"}}',
                    '2026-12-01T00:00:00+00:00' FROM n"
        ))
        .await
        .unwrap();
    let started = std::time::Instant::now();
    let (mut total, mut slowest) = (0, std::time::Duration::ZERO);
    loop {
        let round = std::time::Instant::now();
        let appended = sequence(&app).await;
        if appended == 0 {
            break;
        }
        slowest = slowest.max(round.elapsed());
        total += appended;
    }
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "{:?}: {total} entries in {seconds:.2} s = {:.0} entries/s; slowest round ({} entries) {:.0} ms",
        repository.backend(),
        total as f64 / seconds,
        kredit_app::tlog::BATCH,
        slowest.as_secs_f64() * 1000.0
    );
    assert_eq!(total as i64, EVENTS);
}

mod measure {
    #[tokio::test]
    #[ignore = "a measurement: run with --ignored --nocapture"]
    async fn sequencing_throughput_sqlite() {
        let database = kredit_store::testing::sqlite().await;
        super::sequencing_throughput(database.repository.clone()).await;
    }

    #[tokio::test]
    #[ignore = "a measurement: run with --ignored --nocapture"]
    async fn sequencing_throughput_postgres() {
        if let Some(database) = kredit_store::testing::postgres("sequencing_throughput").await {
            super::sequencing_throughput(database.repository.clone()).await;
        }
    }
}

kredit_store::test_on_both_backends!(
    contract_is_logged_and_proven_offline,
    log_grows_across_tiles,
    tampering_is_found_where_it_is,
    accept_can_wait_until_integrated
);
