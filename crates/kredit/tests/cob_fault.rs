//! A real `kredit cob` process killed part-way through close of business,
//! then run again, leaves exactly the ledger, loan states, auto-debits and
//! business date of an uninterrupted run. On SQLite always; on PostgreSQL
//! too (two processes sharing one run) when `KREDIT_TEST_DATABASE_URL` is
//! set.

use std::path::Path;
use std::process::{Command, Output};
use std::time::Duration;

use kredit_store::{DomainEventId, LoanId};

const LOANS: &str = "2000";
const THROUGH: &str = "2026-12-10";

fn kredit(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kredit"))
        .args(args)
        .env("KREDIT_ENV", "development")
        .output()
        .expect("run kredit")
}

fn ok(args: &[&str]) -> String {
    let output = kredit(args);
    assert!(
        output.status.success(),
        "kredit {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn generate(url: &str) {
    ok(&[
        "demo",
        "generate",
        "--loans",
        LOANS,
        "--seed",
        "5",
        "--date",
        "2026-11-25",
        "--database-url",
        url,
    ]);
}

fn cob(url: &str, extra: &[&str]) -> Output {
    let mut args = vec![
        "cob",
        "--date",
        THROUGH,
        "--database-url",
        url,
        "--chunk-size",
        "50",
    ];
    args.extend_from_slice(extra);
    kredit(&args)
}

/// Everything close of business leaves behind, read through the store.
fn snapshot(url: &str) -> String {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let repository = kredit_store::connect(url).await.unwrap();
        let store = repository.cob();
        let date = store.business_date().await.unwrap().unwrap();
        let mut out = format!("business date {date}\n");
        for line in store.cob_ledger().await.unwrap() {
            out.push_str(&format!("{line:?}\n"));
        }
        for debit in store.auto_debit_queue(date).await.unwrap() {
            out.push_str(&format!("{debit:?}\n"));
        }
        for (id, product, state, dpd) in store.loan_states(LoanId(0), i64::MAX).await.unwrap() {
            let loan = kredit_store::loan_state::decode_at(&state, date).unwrap();
            out.push_str(&format!("{id} {product} {dpd} {loan:?}\n"));
        }
        // The instalment events, each raised once, in order per loan (the
        // chunks may commit in another order, so ids are not compared).
        let mut events = Vec::new();
        loop {
            let after = events.last().map_or(
                DomainEventId(0),
                |e: &kredit_store::outbox::DomainEventRecord| e.id,
            );
            let page = repository
                .outbox()
                .events_after(after, 10_000)
                .await
                .unwrap();
            if page.is_empty() {
                break;
            }
            events.extend(page);
        }
        events.sort_by_key(|e| (e.loan_id, e.id));
        for event in events {
            out.push_str(&format!(
                "{:?} {} {}\n",
                event.loan_id, event.kind, event.payload
            ));
        }
        out
    })
}

fn sqlite_url(directory: &Path, name: &str) -> String {
    format!("sqlite://{}", directory.join(name).display())
}

#[test]
fn a_killed_close_of_business_finishes_exactly_on_sqlite() {
    let directory = tempfile::tempdir().unwrap();
    let reference = sqlite_url(directory.path(), "reference.db");
    let killed = sqlite_url(directory.path(), "killed.db");
    generate(&reference);
    generate(&killed);
    let output = cob(&reference, &[]);
    assert!(output.status.success());

    // Aborted right after a chunk commits, while other workers are
    // mid-chunk, twice; then killed with SIGKILL after a moment.
    for chunks in ["3", "11"] {
        let output = cob(&killed, &["--abort-after-chunks", chunks]);
        assert!(!output.status.success(), "should have aborted");
    }
    let mut child = Command::new(env!("CARGO_BIN_EXE_kredit"))
        .args([
            "cob",
            "--date",
            THROUGH,
            "--database-url",
            &killed,
            "--chunk-size",
            "50",
        ])
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(150));
    child.kill().ok();
    child.wait().unwrap();
    let output = cob(&killed, &[]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let expected = snapshot(&reference);
    assert!(expected.contains("interest_accrual"));
    assert_eq!(snapshot(&killed), expected);
    assert!(
        expected.contains(" installment.overdue "),
        "the run raised instalment events"
    );
}

#[test]
fn killed_and_concurrent_runners_finish_exactly_on_postgres() {
    let Ok(base) = std::env::var("KREDIT_TEST_DATABASE_URL") else {
        println!(
            "skipped killed_and_concurrent_runners_finish_exactly_on_postgres on PostgreSQL: KREDIT_TEST_DATABASE_URL is not set"
        );
        return;
    };
    // Two fresh schemas in the test database, addressed through the URL's
    // search_path option.
    let tag = format!("kredit_cob_fault_{}", std::process::id());
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let url_for = |schema: &str| {
        let separator = if base.contains('?') { '&' } else { '?' };
        format!("{base}{separator}options=-c%20search_path%3D{schema}")
    };
    let (reference, killed) = (
        url_for(&format!("{tag}_reference")),
        url_for(&format!("{tag}_killed")),
    );
    runtime.block_on(async {
        use sqlx::Connection;
        let mut admin = sqlx::PgConnection::connect(&base).await.unwrap();
        for schema in [format!("{tag}_reference"), format!("{tag}_killed")] {
            sqlx::query(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
                .execute(&mut admin)
                .await
                .unwrap();
        }
    });
    generate(&reference);
    generate(&killed);
    assert!(cob(&reference, &[]).status.success());

    // One runner aborts after a few chunks, its leases left behind; then
    // two runners share the run and take the dead one's chunks over when
    // the lease expires.
    let output = cob(
        &killed,
        &["--abort-after-chunks", "4", "--lease-seconds", "2"],
    );
    assert!(!output.status.success());
    let spawn = || {
        Command::new(env!("CARGO_BIN_EXE_kredit"))
            .args([
                "cob",
                "--date",
                THROUGH,
                "--database-url",
                &killed,
                "--chunk-size",
                "50",
                "--lease-seconds",
                "2",
            ])
            .output()
    };
    let (a, b) = std::thread::scope(|scope| {
        let a = scope.spawn(spawn);
        let b = scope.spawn(spawn);
        (a.join().unwrap().unwrap(), b.join().unwrap().unwrap())
    });
    assert!(a.status.success(), "{}", String::from_utf8_lossy(&a.stderr));
    assert!(b.status.success(), "{}", String::from_utf8_lossy(&b.stderr));
    assert_eq!(snapshot(&killed), snapshot(&reference));
}
