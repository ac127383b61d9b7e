//! `kredit log monitor` through the real binary against a running
//! `kredit serve` (SQLite): a sound log passes and its checkpoint is saved;
//! an entry changed in the database fails a full recheck naming its index;
//! a database restored from an earlier backup fails as a rollback from the
//! saved checkpoint, which stays as it was. And `kredit log verify` of a
//! proof fetched after a tile hash was changed fails. (Every kind of
//! tampering, on both engines, is in kredit-server's tests/transparency_log.rs.)

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output};
use std::time::Duration;

use sqlx::Connection;

fn kredit(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kredit"))
        .args(args)
        .output()
        .expect("run kredit")
}

/// A `kredit serve` of this test; stopped when dropped.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

struct Install {
    directory: tempfile::TempDir,
    url: String,
    key_file: PathBuf,
    verifier_key: String,
    addr: String,
}

impl Install {
    fn new() -> Install {
        let directory = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", directory.path().join("kredit.db").display());
        let migrated = kredit(&["migrate", "--database-url", &url]);
        assert!(migrated.status.success(), "{migrated:?}");
        let key_file = directory.path().join("log.key");
        let keygen = kredit(&[
            "log",
            "keygen",
            "--origin",
            "monitor.test/log",
            "--out",
            key_file.to_str().unwrap(),
        ]);
        let printed = String::from_utf8(keygen.stdout).unwrap();
        let verifier_key = printed
            .lines()
            .find_map(|l| l.strip_prefix("verifier key: "))
            .expect("the verifier key printed")
            .to_owned();
        // A port that was free a moment ago.
        let addr = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .to_string();
        Install {
            directory,
            url,
            key_file,
            verifier_key,
            addr,
        }
    }

    fn database(&self) -> PathBuf {
        self.directory.path().join("kredit.db")
    }

    fn serve(&self) -> Server {
        Server(
            Command::new(env!("CARGO_BIN_EXE_kredit"))
                .args(["serve", "--addr", &self.addr, "--database-url", &self.url])
                .env("KREDIT_LOG_KEY_FILE", &self.key_file)
                .env("KREDIT_DATA_DIR", self.directory.path())
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .spawn()
                .expect("start kredit serve"),
        )
    }

    fn monitor(&self, state: &Path, extra: &[&str]) -> (bool, String) {
        let url = format!("http://{}/log", self.addr);
        let mut args = vec![
            "log",
            "monitor",
            "--url",
            &url,
            "--key",
            &self.verifier_key,
            "--state",
            state.to_str().unwrap(),
            "--once",
        ];
        args.extend(extra);
        let output = kredit(&args);
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        (output.status.success(), text)
    }

    /// Waits until the server's checkpoint covers `size` entries (the
    /// sequencer runs every half second; a wait, not a timing claim).
    fn wait_for_size(&self, size: u64) {
        let url = format!("http://{}/log/checkpoint", self.addr);
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        for _ in 0..600 {
            let note = runtime.block_on(async {
                let response = reqwest::get(&url).await.ok()?;
                response.text().await.ok()
            });
            if note.is_some_and(|n| n.lines().nth(1) == Some(&size.to_string())) {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("the log never reached size {size}");
    }

    /// An entry's tlog-proof bundle and bytes as a verifier builds them
    /// from what the server serves now, written to files for `kredit log
    /// verify`; then its verdict.
    fn verify_served_proof(&self, index: u64) -> (bool, String) {
        let base = format!("http://{}/log", self.addr);
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let get = |path: String| {
            runtime.block_on(async {
                let response = reqwest::get(format!("{base}/{path}")).await.unwrap();
                assert!(response.status().is_success(), "{path}");
                response.bytes().await.unwrap().to_vec()
            })
        };
        let note = String::from_utf8(get("checkpoint".into())).unwrap();
        let size: u64 = note.lines().nth(1).unwrap().parse().unwrap();
        let tiles: std::collections::HashMap<String, Vec<u8>> = kredit_tlog::tiles_for_size(size)
            .iter()
            .map(|tile| (tile.path(), get(tile.path())))
            .collect();
        let source = kredit_tlog::TileHashSource::new(size, |tile: &kredit_tlog::Tile| {
            Ok(tiles[&tile.path()].clone())
        });
        let proof = kredit_tlog::prove_inclusion(size, index, &source).unwrap();
        let width = (size - (index & !255)).min(256) as u16;
        let bundle = get(kredit_tlog::entries_path(index >> 8, width));
        let entry = &kredit_tlog::decode_entry_bundle(&bundle).unwrap()[(index & 255) as usize];
        let bundle = kredit_tlog::ProofBundle {
            extra: None,
            index,
            proof,
            checkpoint_note: note,
        };
        let (bundle_file, entry_file) = (
            self.directory.path().join("proof.txt"),
            self.directory.path().join("entry"),
        );
        std::fs::write(&bundle_file, bundle.to_text()).unwrap();
        std::fs::write(&entry_file, entry).unwrap();
        let output = kredit(&[
            "log",
            "verify",
            "--bundle",
            bundle_file.to_str().unwrap(),
            "--entry",
            entry_file.to_str().unwrap(),
            "--key",
            &self.verifier_key,
        ]);
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        (output.status.success(), text)
    }

    fn tile_data(&self, level: i64, idx: i64) -> Vec<u8> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async {
            let mut db = sqlx::SqliteConnection::connect(&self.url).await.unwrap();
            sqlx::query_scalar("SELECT data FROM tlog_tiles WHERE level = $1 AND idx = $2")
                .bind(level)
                .bind(idx)
                .fetch_one(&mut db)
                .await
                .unwrap()
        })
    }

    fn set_tile_data(&self, level: i64, idx: i64, data: &[u8]) {
        let hex: String = data.iter().map(|b| format!("{b:02x}")).collect();
        self.sql(&format!(
            "UPDATE tlog_tiles SET data = X'{hex}' WHERE level = {level} AND idx = {idx}"
        ));
    }

    fn sql(&self, sql: &str) {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async {
            let mut db = sqlx::SqliteConnection::connect(&self.url).await.unwrap();
            sqlx::query(sqlx::AssertSqlSafe(sql.to_owned()))
                .execute(&mut db)
                .await
                .unwrap();
        });
    }

    /// The database file replaced by a copy (the server stopped).
    fn restore(&self, backup: &Path) {
        let database = self.database();
        for suffix in ["-wal", "-shm"] {
            let side = PathBuf::from(format!("{}{suffix}", database.display()));
            if side.exists() {
                std::fs::remove_file(side).unwrap();
            }
        }
        std::fs::copy(backup, database).unwrap();
    }

    /// Events planted straight into the outbox, as a busy day's would be.
    fn plant_events(&self, from: u64, to: u64) {
        self.sql(&format!(
            "INSERT INTO domain_events (kind, subject, loan_id, payload, occurred_at)
             WITH RECURSIVE n(i) AS (SELECT {from} UNION ALL SELECT i + 1 FROM n WHERE i < {to})
             SELECT 'installment.due', 'loan:' || i, i, '{{\"amount_due\":\"1.00\"}}',
                    '2026-12-01T00:00:00+00:00' FROM n"
        ));
    }
}

#[test]
fn the_monitor_follows_a_served_log_and_fails_on_tampering_and_rollback() {
    let install = Install::new();
    let state = install.directory.path().join("monitor.state");
    let server = install.serve();
    install.plant_events(1, 300);
    install.wait_for_size(300);

    let (ok, out) = install.monitor(&state, &[]);
    assert!(ok, "{out}");
    assert!(out.contains("sound: monitor.test/log at size 300"), "{out}");
    let backup = install.directory.path().join("backup.db");
    install.sql(&format!("VACUUM INTO '{}'", backup.display()));

    // One entry changed: unseen by a look that only reads what is new,
    // found by a full recheck.
    install.sql(
        "UPDATE tlog_entries SET data = CAST(REPLACE(CAST(data AS TEXT), 'loan:6', 'loan:7') AS BLOB) WHERE idx = 5",
    );
    let (ok, out) = install.monitor(&state, &["--full"]);
    assert!(!ok, "{out}");
    assert!(out.contains("altered entry: index 5"), "{out}");
    install.sql(
        "UPDATE tlog_entries SET data = CAST(REPLACE(CAST(data AS TEXT), 'loan:7', 'loan:6') AS BLOB) WHERE idx = 5",
    );

    // One hash of a stored tile changed: entry 6's proof, which carries
    // it (hash 7 is its sibling), verifies before and fails after.
    let (ok, out) = install.verify_served_proof(6);
    assert!(ok, "{out}");
    assert!(out.contains("verified: entry 6"), "{out}");
    let tile = install.tile_data(0, 0);
    let mut changed = tile.clone();
    changed[7 * 32] ^= 0x80;
    install.set_tile_data(0, 0, &changed);
    let (ok, out) = install.verify_served_proof(6);
    assert!(!ok, "{out}");
    assert!(out.contains("the proof does not verify"), "{out}");
    let (ok, out) = install.monitor(&state, &["--full"]);
    assert!(!ok, "{out}");
    assert!(out.contains("altered tile: tile/0/000, hash 7"), "{out}");
    install.set_tile_data(0, 0, &tile);
    let (ok, out) = install.monitor(&state, &["--full"]);
    assert!(ok, "{out}");

    // The log grows and the monitor saves it; then the database is
    // restored from the backup taken at 300.
    install.plant_events(301, 310);
    install.wait_for_size(310);
    let (ok, out) = install.monitor(&state, &[]);
    assert!(ok, "{out}");
    assert!(out.contains("at size 310"), "{out}");
    drop(server);
    install.restore(&backup);
    let server = install.serve();
    install.wait_for_size(300);
    let (ok, out) = install.monitor(&state, &[]);
    assert!(!ok, "{out}");
    assert!(
        out.contains("rollback: the log has 300 entries, it had 310"),
        "{out}"
    );
    // The saved checkpoint is still the one of 310.
    let saved = std::fs::read_to_string(&state).unwrap();
    assert_eq!(saved.lines().nth(1), Some("310"), "{saved}");
    drop(server);
}
