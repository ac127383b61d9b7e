//! The per-request cost of the security machinery: access-token checks
//! and the session check (every authenticated request), PII encryption and lookup hashes (every
//! identity write and read) and argon2id (every login and registration).
//!
//! `cargo bench -p kredit-server --bench security`

use std::hint::black_box;

use chrono::{Duration, Utc};
use criterion::{Criterion, criterion_group, criterion_main};
use kredit_server::token::AccessTokens;
use kredit_store::pii::{DataKey, Kek, PiiCipher, PiiKey};
use kredit_store::{NewSession, Role, SessionId, UserId};

fn tokens(c: &mut Criterion) {
    let tokens = AccessTokens::new(vec![7; 32], Duration::minutes(15));
    let now = Utc::now();
    let token = tokens.issue(UserId(42), Role::Borrower, SessionId(1), now);
    c.bench_function("access_token_issue", |b| {
        b.iter(|| tokens.issue(black_box(UserId(42)), Role::Borrower, SessionId(1), now))
    });
    c.bench_function("access_token_verify", |b| {
        b.iter(|| tokens.verify(black_box(&token), now).unwrap())
    });
}

/// The session check every authenticated request now makes: one
/// primary-key read (SQLite, through the direct read-only connections).
fn session_check(c: &mut Criterion) {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let (database, session) = runtime.block_on(async {
        let database = kredit_store::testing::sqlite().await;
        let user = database
            .repository
            .create_user(
                &kredit_store::NewUser {
                    phone_hash: "bench".to_owned(),
                    phone_encrypted: vec![0],
                    password_hash: "x".to_owned(),
                    role: Role::Borrower,
                    created_at: kredit_store::now(),
                    data_key: None,
                },
                None,
            )
            .await
            .expect("user");
        let new = NewSession {
            user_id: user,
            client_address: "127.0.0.1".to_owned(),
            user_agent: "bench".to_owned(),
            now: kredit_store::now(),
        };
        let session = database
            .repository
            .sessions()
            .create_session(&new, "bench-refresh", kredit_store::now(), None)
            .await
            .expect("session");
        (database, session)
    });
    let sessions = database.repository.sessions();
    c.bench_function("session_check_sqlite", |b| {
        b.iter(|| {
            runtime
                .block_on(sessions.live_session(black_box(session)))
                .unwrap()
        })
    });
}

fn pii(c: &mut Criterion) {
    let cipher = PiiCipher::new(&PiiKey::generate());
    let key = DataKey::generate();
    let sealed = key.seal("11010519491231002X");
    c.bench_function("pii_encrypt_id_number", |b| {
        b.iter(|| key.seal(black_box("11010519491231002X")))
    });
    c.bench_function("pii_decrypt_id_number", |b| {
        b.iter(|| key.open(black_box(&sealed)).unwrap())
    });
    // What a cache miss adds: unwrapping the data key under its KEK.
    let kek = Kek::new(&PiiKey::generate());
    let wrapped = kek.wrap("kek-1", &key);
    c.bench_function("pii_unwrap_data_key", |b| {
        b.iter(|| kek.unwrap("kek-1", key.id(), black_box(&wrapped)).unwrap())
    });
    c.bench_function("pii_lookup_hash", |b| {
        b.iter(|| cipher.lookup_hash(black_box("13812345678")))
    });
}

fn passwords(c: &mut Criterion) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let hash = runtime
        .block_on(kredit_app::password::hash("s3cret-pass".to_owned()))
        .unwrap();
    let mut group = c.benchmark_group("argon2id");
    group.sample_size(10);
    group.bench_function("verify", |b| {
        b.iter(|| {
            runtime
                .block_on(kredit_app::password::verify(
                    "s3cret-pass".to_owned(),
                    Some(hash.clone()),
                ))
                .unwrap()
        })
    });
    group.finish();
}

criterion_group!(benches, tokens, session_check, pii, passwords);
criterion_main!(benches);
