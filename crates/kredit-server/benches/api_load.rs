//! Load benchmark: applications decided per second over real HTTP.
//!
//! Starts the real server (router, store, decision engine) on a loopback
//! port over a fresh SQLite file, or over PostgreSQL when
//! `KREDIT_BENCH_DATABASE_URL` is set, and drives `POST /api/v1/applications`
//! from `CONCURRENCY` keep-alive HTTP clients for `SECONDS` seconds. Every
//! request has its own Idempotency-Key, so each one is a full decision:
//! idempotency claim, profile and exposure queries, scoring, pricing with
//! schedule and APR, the application row and the stored response.
//!
//! `cargo bench -p kredit-server --bench api_load`
//! (environment: `KREDIT_BENCH_SECONDS`, `KREDIT_BENCH_CONCURRENCY`).

use std::future::IntoFuture;
use std::sync::Arc;
use std::time::{Duration, Instant};

use kredit_app::onboarding::SandboxIdentityProvider;
use kredit_server::config::Config;
use kredit_server::keys::Keys;
use kredit_server::state::AppState;
use serde_json::{Value, json};

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

async fn post(
    client: &reqwest::Client,
    url: &str,
    token: Option<&str>,
    key: &str,
    body: &Value,
) -> (u16, Value) {
    let mut request = client
        .post(url)
        .header("content-type", "application/json")
        .header("idempotency-key", key)
        .body(body.to_string());
    if let Some(token) = token {
        request = request.header("authorization", format!("Bearer {token}"));
    }
    let response = request.send().await.expect("request sent");
    let status = response.status().as_u16();
    let bytes = response.bytes().await.expect("body");
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index.min(sorted.len() - 1)]
}

#[tokio::main]
async fn main() {
    let seconds = env_number("KREDIT_BENCH_SECONDS", 10);
    let concurrency = env_number("KREDIT_BENCH_CONCURRENCY", 32);
    let directory = tempfile::tempdir().expect("temporary directory");
    let (url, backend) = match std::env::var("KREDIT_BENCH_DATABASE_URL") {
        Ok(url) => (url, "PostgreSQL"),
        Err(_) => (
            format!("sqlite://{}", directory.path().join("bench.db").display()),
            "SQLite",
        ),
    };
    let repository = kredit_store::connect(&url).await.expect("database");
    // Installed as a lender installs it (schema and business calendar).
    kredit_app::install::migrate(
        repository.as_ref(),
        &kredit_app::LocalTime {
            clock: Arc::new(kredit_app::SystemClock),
            zone: kredit_app::DEFAULT_TIME_ZONE,
        },
        &Default::default(),
    )
    .await
    .expect("migrate");

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("port");
    let address = listener.local_addr().expect("address");
    let config = Config {
        addr: address,
        ..Config::default()
    };
    let keys = Keys::generate();
    let payments = kredit_server::state::sandbox_payments(&keys, &config).expect("payments");
    let state = AppState::new(
        repository,
        &keys,
        Arc::new(SandboxIdentityProvider),
        payments,
        &config,
    );
    kredit_server::demo::seed(&state).await.expect("demo data");
    tokio::spawn(axum::serve(listener, kredit_server::app::router(state.clone())).into_future());

    let base = format!("http://{address}/api/v1");
    let client = reqwest::Client::new();
    let (_, login) = post(
        &client,
        &format!("{base}/auth/login"),
        None,
        "login",
        &json!({"phone": "13800000001", "password": "kredit-demo-2026"}),
    )
    .await;
    let token = login["access_token"].as_str().expect("token").to_owned();
    let body = json!({"product_code": "CONSUMER", "amount": "20000.00", "term_months": 12,
        "method": "equal-installment", "purpose": "consumer"});

    let deadline = Instant::now() + Duration::from_secs(seconds);
    let workers: Vec<_> = (0..concurrency)
        .map(|worker| {
            let (client, token, body) = (client.clone(), token.clone(), body.clone());
            let url = format!("{base}/applications");
            tokio::spawn(async move {
                let mut latencies = Vec::new();
                let mut failures = 0_u64;
                let mut n = 0_u64;
                while Instant::now() < deadline {
                    n += 1;
                    let began = Instant::now();
                    let (status, reply) = post(
                        &client,
                        &url,
                        Some(&token),
                        &format!("w{worker}-{n}"),
                        &body,
                    )
                    .await;
                    latencies.push(began.elapsed());
                    // Any outcome is a decision; a failure is no decision.
                    if status != 201 || !reply["decision"]["outcome"].is_string() {
                        failures += 1;
                    }
                }
                (latencies, failures)
            })
        })
        .collect();
    let began = Instant::now();
    let mut latencies = Vec::new();
    let mut failures = 0;
    for worker in workers {
        let (mine, failed) = worker.await.expect("worker");
        latencies.extend(mine);
        failures += failed;
    }
    let wall = began.elapsed();
    latencies.sort();
    println!(
        "| backend | clients | applications | wall | decided/s | p50 | p99 | max | failures |"
    );
    println!("|---|---|---|---|---|---|---|---|---|");
    println!(
        "| {backend} | {concurrency} | {} | {:.1} s | {:.0} | {:.2} ms | {:.2} ms | {:.2} ms | {failures} |",
        latencies.len(),
        wall.as_secs_f64(),
        latencies.len() as f64 / wall.as_secs_f64(),
        percentile(&latencies, 0.50).as_secs_f64() * 1e3,
        percentile(&latencies, 0.99).as_secs_f64() * 1e3,
        latencies.last().copied().unwrap_or_default().as_secs_f64() * 1e3,
    );
}
