//! Witnesses end to end, every party a separate process as deployed: two
//! `kredit witness serve` and `kredit serve` configured with both, on a
//! fresh install (SQLite, and PostgreSQL when `KREDIT_TEST_DATABASE_URL`
//! is set). Entries come through the API (borrowers apply, one signs).
//!
//! - 2-of-2: every published checkpoint carries both cosignatures, which
//!   `kredit_tlog` verifies, and the contract's proof passes `kredit log
//!   verify --witness … --quorum 2`; with one witness killed publishing
//!   waits and the status names the witness and why; restarted, it
//!   catches up.
//! - 1-of-2 with one witness killed, checkpoints still publish.
//! - A rolled-back log (a second fresh database with the same log key and
//!   a smaller tree) gets 409 from the witnesses that saw the bigger one,
//!   and reports it: status, metric, nothing published.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

use kredit_tlog::{Checkpoint, CosignatureVerifier, NoteVerifier};
use serde_json::{Value, json};

const PASSWORD: &str = "borrower-pass-2026";
const ADMIN_PHONE: &str = "13900000009";
const ADMIN_PASSWORD: &str = "first-admin-2026";

fn kredit(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_kredit"));
    command.args(args).env_remove("KREDIT_ADMIN_PASSWORD");
    for (key, value) in env {
        command.env(key, value);
    }
    let output = command.output().expect("run kredit");
    assert!(
        output.status.success(),
        "kredit {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

/// The verifier key a `keygen` printed.
fn verifier_key(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .find_map(|line| line.strip_prefix("verifier key: "))
        .expect("a verifier key line")
        .to_owned()
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A child process, killed when dropped.
struct Process(Child);

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

struct WitnessProcess {
    name: &'static str,
    key_file: PathBuf,
    state: PathBuf,
    port: u16,
    verifier: String,
    process: Option<Process>,
}

impl WitnessProcess {
    fn new(dir: &Path, name: &'static str) -> WitnessProcess {
        let key_file = dir.join(format!("{}.key", name.replace('/', "_")));
        let keygen = kredit(
            &[
                "witness",
                "keygen",
                "--name",
                name,
                "--out",
                key_file.to_str().unwrap(),
            ],
            &[],
        );
        WitnessProcess {
            name,
            state: dir.join(format!("{}-state", name.replace('/', "_"))),
            key_file,
            port: free_port(),
            verifier: verifier_key(&keygen),
            process: None,
        }
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    async fn start(&mut self, log_key: &str) {
        let child = Command::new(env!("CARGO_BIN_EXE_kredit"))
            .args([
                "witness",
                "serve",
                "--key",
                self.key_file.to_str().unwrap(),
                "--state",
                self.state.to_str().unwrap(),
                "--addr",
                &format!("127.0.0.1:{}", self.port),
                "--log",
                log_key,
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start the witness");
        self.process = Some(Process(child));
        wait_healthy(&self.url()).await;
    }

    fn kill(&mut self) {
        self.process = None;
    }

    fn cosignature_key(&self) -> CosignatureVerifier {
        CosignatureVerifier::from_vkey(&self.verifier).unwrap()
    }
}

async fn wait_healthy(base: &str) {
    let client = reqwest::Client::new();
    for _ in 0..300 {
        if let Ok(response) = client.get(format!("{base}/healthz")).send().await
            && response.status().is_success()
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{base} never became healthy");
}

/// Polls `check` until it gives a value (the log and its witnesses work
/// in the background, a round every half second).
async fn eventually<T, F: std::future::Future<Output = Option<T>>>(
    what: &str,
    mut check: impl FnMut() -> F,
) -> T {
    for _ in 0..300 {
        if let Some(value) = check().await {
            return value;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("never: {what}");
}

/// One install: its database, data directory and the server over it.
struct Lender {
    dir: PathBuf,
    database_url: String,
    log_key_file: PathBuf,
    port: u16,
    process: Option<Process>,
    client: reqwest::Client,
    /// The admin's token, signed in once: every login counts against
    /// the login throttle.
    admin: std::sync::Mutex<Option<String>>,
}

impl Lender {
    fn install(dir: PathBuf, database_url: String, log_key_file: PathBuf) -> Lender {
        std::fs::create_dir_all(&dir).unwrap();
        let lender = Lender {
            dir,
            database_url,
            log_key_file,
            port: free_port(),
            process: None,
            client: reqwest::Client::new(),
            admin: std::sync::Mutex::new(None),
        };
        let db = ["--database-url", lender.database_url.as_str()];
        let env = lender.env();
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
        kredit(&[&["migrate"][..], &db].concat(), &env);
        let catalogue = format!("{}/../../catalogue/demo.toml", env!("CARGO_MANIFEST_DIR"));
        kredit(
            &[&["products", "apply", &catalogue][..], &db].concat(),
            &env,
        );
        let mut with_password = env.clone();
        with_password.push(("KREDIT_ADMIN_PASSWORD", ADMIN_PASSWORD));
        kredit(
            &[
                &["admin", "create", "--phone", ADMIN_PHONE, "--role", "admin"][..],
                &db,
            ]
            .concat(),
            &with_password,
        );
        lender
    }

    fn env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("KREDIT_DATA_DIR", self.dir.display().to_string()),
            (
                "KREDIT_LOG_KEY_FILE",
                self.log_key_file.display().to_string(),
            ),
            ("KREDIT_COB_SCHEDULE", "false".into()),
        ]
    }

    fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// (Re)starts the server with these witnesses and quorum; a running
    /// one is stopped as an operator would (SIGTERM), so it frees its leases.
    async fn serve(&mut self, witnesses: &[&WitnessProcess], quorum: usize) {
        if let Some(mut running) = self.process.take() {
            let terminated = Command::new("kill")
                .args(["-TERM", &running.0.id().to_string()])
                .status()
                .expect("kill -TERM");
            assert!(terminated.success());
            running.0.wait().expect("the server stops");
        }
        let list: Vec<String> = witnesses
            .iter()
            .map(|w| format!("{} {}", w.verifier, w.url()))
            .collect();
        let mut command = Command::new(env!("CARGO_BIN_EXE_kredit"));
        command
            .args([
                "serve",
                "--addr",
                &format!("127.0.0.1:{}", self.port),
                "--database-url",
                &self.database_url,
            ])
            .env("KREDIT_LOG_WITNESSES", list.join(", "))
            .env("KREDIT_LOG_WITNESS_QUORUM", quorum.to_string())
            .env("KREDIT_LOG_WITNESS_TIMEOUT_MS", "2000")
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        for (key, value) in self.env() {
            command.env(key, value);
        }
        self.process = Some(Process(command.spawn().expect("start kredit serve")));
        wait_healthy(&self.base()).await;
    }

    async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
        key: Option<&str>,
    ) -> (u16, String) {
        let mut request = self
            .client
            .request(method, format!("{}{path}", self.base()));
        if let Some(token) = token {
            request = request.header("Authorization", format!("Bearer {token}"));
        }
        if let Some(key) = key {
            request = request.header("Idempotency-Key", key);
        }
        if let Some(body) = body {
            request = request
                .header("Content-Type", "application/json")
                .body(body.to_string());
        }
        let response = request.send().await.expect("the server answers");
        (response.status().as_u16(), response.text().await.unwrap())
    }

    async fn json(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
        key: Option<&str>,
    ) -> Value {
        let (status, text) = self.call(method, path, token, body, key).await;
        assert!((200..300).contains(&status), "{path}: {status} {text}");
        serde_json::from_str(&text).unwrap()
    }

    async fn token(&self, phone: &str, password: &str) -> String {
        let login = self
            .json(
                reqwest::Method::POST,
                "/api/v1/auth/login",
                None,
                Some(json!({"phone": phone, "password": password})),
                None,
            )
            .await;
        login["access_token"].as_str().unwrap().to_owned()
    }

    /// A new verified borrower applies for a loan (logging its decision);
    /// their token and the application's id.
    async fn application(&self, sequence: u32) -> (String, i64) {
        let phone = format!("13800{sequence:06}");
        self.json(
            reqwest::Method::POST,
            "/api/v1/auth/register",
            None,
            Some(json!({"phone": phone, "password": PASSWORD})),
            None,
        )
        .await;
        let token = self.token(&phone, PASSWORD).await;
        let verified = self
            .json(
                reqwest::Method::POST,
                "/api/v1/me/identity",
                Some(&token),
                Some(json!({
                    "real_name": "张三",
                    "id_number": id_number_aged(30, sequence % 1000),
                    "bank_card": "6222021234567840123",
                    "bank_phone": "13812345678",
                })),
                None,
            )
            .await;
        assert_eq!(verified["status"], "verified", "{verified}");
        let application = self
            .json(
                reqwest::Method::POST,
                "/api/v1/applications",
                Some(&token),
                Some(
                    json!({"product_code": "CONSUMER", "amount": "10000.00", "term_months": 12,
                    "method": "equal-installment", "purpose": "consumer"}),
                ),
                Some(&format!("apply-{sequence}")),
            )
            .await;
        (token, application["id"].as_i64().unwrap())
    }

    async fn status(&self) -> Value {
        let cached = self.admin.lock().unwrap().clone();
        let admin = match cached {
            Some(token) => token,
            None => {
                let token = self.token(ADMIN_PHONE, ADMIN_PASSWORD).await;
                *self.admin.lock().unwrap() = Some(token.clone());
                token
            }
        };
        self.json(
            reqwest::Method::GET,
            "/api/v1/log/status",
            Some(&admin),
            None,
            None,
        )
        .await
    }

    /// The published checkpoint, if any: its size and note.
    async fn checkpoint(&self) -> Option<(u64, String)> {
        let (status, note) = self
            .call(reqwest::Method::GET, "/log/checkpoint", None, None, None)
            .await;
        if status == 404 {
            return None;
        }
        assert_eq!(status, 200, "{note}");
        let log_key = NoteVerifier::from_vkey(&log_vkey(&self.log_key_file)).unwrap();
        let opened = kredit_tlog::open_note(&note, &[&log_key]).expect("signed by the log");
        Some((Checkpoint::parse(&opened.text).unwrap().size, note))
    }
}

fn log_vkey(key_file: &Path) -> String {
    let skey = std::fs::read_to_string(key_file).unwrap();
    kredit_tlog::NoteSigner::from_skey(skey.trim())
        .unwrap()
        .verifier()
        .vkey()
}

fn witness_status<'a>(status: &'a Value, witness: &WitnessProcess) -> &'a Value {
    named(status, witness.name)
}

fn named<'a>(status: &'a Value, name: &str) -> &'a Value {
    status["witnesses"]
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["name"] == name)
        .expect("the witness in the status")
}

/// A valid resident ID number for someone `age` years old (as the server
/// tests' support makes them).
fn id_number_aged(age: i32, sequence: u32) -> String {
    use chrono::Datelike;
    let birth = chrono::NaiveDate::from_ymd_opt(chrono::Utc::now().year() - age, 1, 1).unwrap();
    let body = format!("110105{}{sequence:03}", birth.format("%Y%m%d"));
    const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let sum: u32 = body
        .bytes()
        .zip(WEIGHTS)
        .map(|(digit, weight)| u32::from(digit - b'0') * weight)
        .sum();
    let check = b"10X98765432"[(sum % 11) as usize];
    format!("{body}{}", char::from(check))
}

async fn scenario(dir: &Path, main_url: String, rolled_back_url: String) {
    let log_key_file = dir.join("log.key");
    let log_key = verifier_key(&kredit(
        &[
            "log",
            "keygen",
            "--origin",
            "lender.example/kredit-log",
            "--out",
            log_key_file.to_str().unwrap(),
        ],
        &[],
    ));
    let mut w1 = WitnessProcess::new(dir, "witness.example/w1");
    let mut w2 = WitnessProcess::new(dir, "witness.example/w2");
    w1.start(&log_key).await;
    w2.start(&log_key).await;
    let mut lender = Lender::install(dir.join("main"), main_url, log_key_file.clone());

    // 2-of-2: the checkpoint is published with both cosignatures.
    lender.serve(&[&w1, &w2], 2).await;
    let (token, application) = lender.application(1).await;
    let keys = [w1.cosignature_key(), w2.cosignature_key()];
    let both = |note: &str| keys.iter().all(|key| key.verify(note).is_ok());
    let main = &lender;
    let (size, note) = eventually("a published checkpoint", || async move {
        main.checkpoint().await
    })
    .await;
    assert!(size >= 1);
    assert!(both(&note), "{note}");

    // The contract's proof is against the cosigned checkpoint, and
    // verifies offline with both witnesses required.
    let accepted = lender
        .json(
            reqwest::Method::POST,
            &format!("/api/v1/applications/{application}/accept"),
            Some(&token),
            Some(json!({"agree": true, "terms_version": "2026-11"})),
            Some("accept-1"),
        )
        .await;
    let loan = accepted["loan"]["id"].as_i64().unwrap();
    let loan = lender
        .json(
            reqwest::Method::GET,
            &format!("/api/v1/loans/{loan}"),
            Some(&token),
            None,
            None,
        )
        .await;
    let contract = loan["contract_id"].as_i64().unwrap();
    let token = token.as_str();
    let proof = eventually("the contract's proof", || async move {
        let (status, text) = main
            .call(
                reqwest::Method::GET,
                &format!("/api/v1/contracts/{contract}/proof"),
                Some(token),
                None,
                None,
            )
            .await;
        (status == 200).then_some(text)
    })
    .await;
    let bundle = dir.join("proof.json");
    std::fs::write(&bundle, &proof).unwrap();
    let verified = kredit(
        &[
            "log",
            "verify",
            "--bundle",
            bundle.to_str().unwrap(),
            "--key",
            &log_key,
            "--witness",
            &w1.verifier,
            "--witness",
            &w2.verifier,
            "--quorum",
            "2",
        ],
        &[],
    );
    assert!(
        String::from_utf8_lossy(&verified.stdout).contains("verified"),
        "{verified:?}"
    );

    // One witness down: publishing waits, and the status says who and why.
    w2.kill();
    lender.application(2).await;
    let w2_name = w2.name;
    let main = &lender;
    // Once a round has failed on w2, nothing more can be published.
    let status = eventually("the status shows w2 failing", || async move {
        let status = main.status().await;
        let failing = named(&status, w2_name)["last_error"].is_string();
        (failing && status["signed_size"].as_u64() > status["published_size"].as_u64())
            .then_some(status)
    })
    .await;
    assert_eq!(status["quorum"], 2);
    let w2_status = witness_status(&status, &w2);
    assert!(
        w2_status["last_error"]
            .as_str()
            .unwrap()
            .starts_with("unavailable"),
        "{w2_status}"
    );
    assert_eq!(w2_status["cosigned_latest"], false);
    assert_eq!(witness_status(&status, &w1)["last_error"], Value::Null);
    let (published, note) = lender.checkpoint().await.unwrap();
    assert_eq!(Some(published), status["published_size"].as_u64());
    assert!(both(&note), "{note}");

    // Restarted, it catches up from the size it holds.
    w2.start(&log_key).await;
    let signed = status["signed_size"].as_u64().unwrap();
    let main = &lender;
    let (size, note) = eventually("w2 catches up", || async move {
        main.checkpoint().await.filter(|(size, _)| *size >= signed)
    })
    .await;
    assert!(both(&note), "{note}");
    let status = lender.status().await;
    assert!(status["published_size"].as_u64() >= Some(size), "{status}");
    assert_eq!(witness_status(&status, &w2)["last_error"], Value::Null);

    // 1-of-2 (the server restarted, its witness state from the database):
    // with one witness down, checkpoints still publish.
    lender.serve(&[&w1, &w2], 1).await;
    w2.kill();
    lender.application(3).await;
    let main = &lender;
    // The entries logged after w2 went down are in a checkpoint it cannot
    // have cosigned: published all the same, the newest signed.
    let w2_key = &keys[1];
    let (_, note) = eventually("published with one cosignature", || async move {
        let status = main.status().await;
        let signed = status["signed_size"].as_u64()?;
        (signed > size).then_some(())?;
        main.checkpoint()
            .await
            .filter(|(published, note)| *published == signed && w2_key.verify(note).is_err())
    })
    .await;
    assert!(w1.cosignature_key().verify(&note).is_ok(), "{note}");
    w2.start(&log_key).await;
    eventually("w2 cosigns again", || async move {
        let status = main.status().await;
        (named(&status, w2_name)["cosigned_latest"] == true).then_some(())
    })
    .await;
    let main_size = lender.checkpoint().await.unwrap().0;

    // A rolled-back log: a fresh database, the same key, a smaller tree.
    let mut rolled_back = Lender::install(dir.join("rolled-back"), rolled_back_url, log_key_file);
    rolled_back.serve(&[&w1, &w2], 1).await;
    rolled_back.application(4).await;
    let other = &rolled_back;
    let names = [w1.name, w2.name];
    let status = eventually("the rollback is reported", || async move {
        let status = other.status().await;
        let reported = names.iter().all(|name| {
            named(&status, name)["last_error"]
                .as_str()
                .is_some_and(|error| error.starts_with("rollback or fork"))
        });
        reported.then_some(status)
    })
    .await;
    let signed = status["signed_size"].as_u64().unwrap();
    let held = witness_status(&status, &w1)["size"].as_u64().unwrap();
    assert!(held >= main_size, "{status}");
    assert!(signed >= 1 && signed < held, "{status}");
    assert_eq!(status["published_size"], 0, "{status}");
    assert_eq!(rolled_back.checkpoint().await, None);
    let (_, metrics) = rolled_back
        .call(reqwest::Method::GET, "/metrics", None, None, None)
        .await;
    assert!(
        metrics.contains("kredit_log_witness_conflict{witness=\"witness.example/w1\"} 1"),
        "{metrics}"
    );
    // The witnesses still hold the main log's tree, which goes on.
    lender.application(5).await;
    let main = &lender;
    let both = &both;
    eventually("the main log publishes on", || async move {
        main.checkpoint()
            .await
            .filter(|(size, note)| *size > main_size && both(note))
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_witness_processes_cosign_and_catch_a_rollback_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let url = |name: &str| format!("sqlite://{}", dir.path().join(name).display());
    scenario(dir.path(), url("main.db"), url("rolled-back.db")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_witness_processes_cosign_and_catch_a_rollback_on_postgres() {
    let Ok(base) = std::env::var("KREDIT_TEST_DATABASE_URL") else {
        println!(
            "skipped two_witness_processes_cosign_and_catch_a_rollback_on_postgres: KREDIT_TEST_DATABASE_URL is not set"
        );
        return;
    };
    let tag = format!("kredit_witness_{}", std::process::id());
    let url_for = |schema: &str| {
        let separator = if base.contains('?') { '&' } else { '?' };
        format!("{base}{separator}options=-c%20search_path%3D{schema}")
    };
    {
        use sqlx::Connection;
        let mut admin = sqlx::PgConnection::connect(&base).await.unwrap();
        for schema in [format!("{tag}_main"), format!("{tag}_rolled_back")] {
            sqlx::query(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
                .execute(&mut admin)
                .await
                .unwrap();
        }
    }
    let dir = tempfile::tempdir().unwrap();
    scenario(
        dir.path(),
        url_for(&format!("{tag}_main")),
        url_for(&format!("{tag}_rolled_back")),
    )
    .await;
}
