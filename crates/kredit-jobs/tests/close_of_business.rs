//! Close of business over the database equals the core loan by loan, day by
//! day: states, ledger, delinquency columns and the auto-debit queue; on
//! SQLite and PostgreSQL (`KREDIT_TEST_DATABASE_URL`).

use std::sync::Arc;

use chrono::{Days, NaiveDate};
use kredit_core::loan::{Loan, LoanStatus};
use kredit_core::schedule::RepaymentMethod;
use kredit_jobs::store::{loan_detail, summed_lines};
use kredit_jobs::{CobOptions, close_of_business, demo, generate};
use kredit_store::cob::QueuedDebit;
use kredit_store::loan_state;
use kredit_store::{LoanId, Repository};

const LOANS: usize = 600;
const SEED: u64 = 11;

fn start() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 25).unwrap()
}

fn options() -> CobOptions {
    CobOptions {
        chunk_size: 47,
        workers: 3,
        ..CobOptions::default()
    }
}

/// The stored states brought to `date`, in id order.
async fn states_at(repository: &dyn Repository, date: NaiveDate) -> Vec<(LoanId, Loan, i32)> {
    let rows = repository
        .cob()
        .loan_states(LoanId(0), 1_000_000)
        .await
        .unwrap();
    rows.into_iter()
        .map(|(id, _, state, dpd)| (id, loan_state::decode_at(&state, date).unwrap(), dpd))
        .collect()
}

/// The portfolio `generate_into` writes into an empty database: the
/// generated loans taken over on the start date with their balances.
fn portfolio_as_stored() -> Vec<(String, Loan)> {
    let products = demo::products();
    generate::build_batch(
        &products,
        SEED,
        &format!("demo:{SEED}:0"),
        0,
        LOANS,
        start(),
    )
    .unwrap()
    .into_iter()
    .map(|t| {
        let loan = loan_state::decode(&t.loan.state).unwrap();
        (t.loan.product_code, loan)
    })
    .collect()
}

/// What the core gives, loan by loan and day by day, from the generated
/// portfolio to `end`: states, summed ledger, auto-debits on `end`.
fn expected(end: NaiveDate) -> (Vec<Loan>, Vec<kredit_store::cob::GlLine>, Vec<i64>) {
    let generated = portfolio_as_stored();
    let mut postings = Vec::new();
    let mut loans = Vec::new();
    for (code, stored) in &generated {
        for posting in loan_detail(stored, start(), end) {
            postings.push((code.as_str(), posting));
        }
        let mut loan = stored.clone();
        let mut daily = Vec::new();
        let mut day = start();
        while day < end {
            day = day + Days::new(1);
            loan.advance_to(day, &mut daily);
        }
        loans.push(loan);
    }
    let ledger = summed_lines(postings);
    let debits = loans
        .iter()
        .enumerate()
        .filter(|(_, l)| l.status == LoanStatus::Active && l.amount_due().is_positive())
        .map(|(i, l)| (i as i64) << 40 | l.amount_due().fen())
        .collect();
    (loans, ledger, debits)
}

async fn assert_matches_core(repository: &dyn Repository, end: NaiveDate) {
    let (loans, ledger, debits) = expected(end);
    let stored = states_at(repository, end).await;
    assert_eq!(stored.len(), LOANS);
    for ((_, state, dpd), loan) in stored.iter().zip(&loans) {
        assert_eq!(state, loan);
        if loan.status == LoanStatus::Active {
            assert_eq!(*dpd as u32, loan.dpd());
        }
    }
    assert_eq!(repository.cob().cob_ledger().await.unwrap(), ledger);
    let first_id = stored[0].0;
    let queue: Vec<i64> = repository
        .cob()
        .auto_debit_queue(end)
        .await
        .unwrap()
        .into_iter()
        .map(
            |QueuedDebit {
                 loan_id,
                 amount_fen,
             }| (loan_id.0 - first_id.0) << 40 | amount_fen,
        )
        .collect();
    assert_eq!(queue, debits);
    assert_eq!(repository.cob().business_date().await.unwrap(), Some(end));
}

async fn load(repository: &dyn Repository) {
    generate::generate_into(repository, LOANS, SEED, start(), |_| {})
        .await
        .unwrap();
}

async fn day_by_day_then_catch_up_equals_the_core(repository: Arc<dyn Repository>) {
    let generated = portfolio_as_stored();
    for method in RepaymentMethod::ALL {
        assert!(
            generated
                .iter()
                .any(|(_, l)| l.terms.schedule.method == method)
        );
    }
    load(&*repository).await;
    for day in 1..=3 {
        let report = close_of_business(&*repository, start() + Days::new(day), &options())
            .await
            .unwrap();
        assert_eq!(report.days_processed, 1);
        assert!(report.loans_processed > 500);
        // Most loans only accrue: their states are not rewritten.
        assert!(
            report.loans_changed * 3 < report.loans_processed,
            "{report:?}"
        );
    }
    assert_matches_core(&*repository, start() + Days::new(3)).await;
    // Forty missed days in one run.
    let end = start() + Days::new(43);
    let report = close_of_business(&*repository, end, &options())
        .await
        .unwrap();
    assert_eq!(report.days_processed, 40);
    assert_matches_core(&*repository, end).await;
    // Closing the same date again does nothing.
    let again = close_of_business(&*repository, end, &options())
        .await
        .unwrap();
    assert_eq!((again.days_processed, again.gl_lines), (0, 0));
    assert_matches_core(&*repository, end).await;
}

async fn a_run_interrupted_between_chunks_finishes_exactly(repository: Arc<dyn Repository>) {
    load(&*repository).await;
    let end = start() + Days::new(35);
    // Each attempt fails after committing a few chunks, as if killed.
    for stop_after in [2_u64, 3, 5] {
        let mut options = options();
        options.workers = 1;
        options.after_chunk = Some(Arc::new(move |done| {
            if done == stop_after {
                panic!("stopping after {done} chunks");
            }
        }));
        let repository = repository.clone();
        let attempt =
            tokio::spawn(async move { close_of_business(&*repository, end, &options).await }).await;
        assert!(attempt.is_err(), "the attempt was meant to stop");
    }
    let report = close_of_business(&*repository, end, &options())
        .await
        .unwrap();
    assert_eq!(report.days_processed, 35);
    assert_matches_core(&*repository, end).await;
}

kredit_store::test_on_both_backends!(
    day_by_day_then_catch_up_equals_the_core,
    a_run_interrupted_between_chunks_finishes_exactly,
);

/// Two runners sharing one run on PostgreSQL (each with its own
/// connections, leasing chunks with FOR UPDATE SKIP LOCKED) give exactly
/// the result of one.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_concurrent_runners_on_postgres_equal_one() {
    let Some(database) = kredit_store::testing::postgres("two_concurrent_runners").await else {
        return;
    };
    let repository = database.repository.clone();
    load(&*repository).await;
    let end = start() + Days::new(20);
    let options = CobOptions {
        chunk_size: 7,
        workers: 2,
        lease: std::time::Duration::from_secs(5),
        ..CobOptions::default()
    };
    let (a, b) = tokio::join!(
        close_of_business(&*repository, end, &options),
        close_of_business(&*repository, end, &options)
    );
    let (a, b) = (a.unwrap(), b.unwrap());
    assert!(
        a.chunks_committed_here > 0 && b.chunks_committed_here > 0,
        "{a:?} {b:?}"
    );
    assert_eq!(
        a.chunks_committed_here + b.chunks_committed_here,
        (LOANS as u64).div_ceil(7)
    );
    assert_matches_core(&*repository, end).await;
}

/// An in-memory SQLite database has no file for the direct chunk reader:
/// its chunks are read through sqlx, with the same result.
#[tokio::test]
async fn in_memory_sqlite_equals_the_core() {
    let repository = kredit_store::connect("sqlite::memory:").await.unwrap();
    repository.migrate().await.unwrap();
    load(&*repository).await;
    let end = start() + Days::new(10);
    close_of_business(&*repository, end, &options())
        .await
        .unwrap();
    assert_matches_core(&*repository, end).await;
}
