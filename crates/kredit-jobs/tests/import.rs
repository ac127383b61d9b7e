//! `kredit import loans` through `kredit_jobs::import`, on SQLite and
//! PostgreSQL (`KREDIT_TEST_DATABASE_URL`): good rows are written with their
//! opening events and ledger lines, bad ones reported by line and not
//! written; an interrupted import resumes without duplicates; and the
//! stored ledger and loans agree (the checks of `kredit ledger check`,
//! which the `kredit` crate's tests also run on the binary).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::{Days, NaiveDate};
use kredit_core::ledger::{Account, Discard};
use kredit_core::loan::{DatedEvent, LoanEvent, LoanHistory, LoanTerms};
use kredit_jobs::import::{RowError, import_file, import_rows, read_rows};
use kredit_jobs::{CobOptions, close_of_business, generate};
use kredit_store::{LoanId, Repository, loan_state};

fn cut_over() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 25).unwrap()
}

fn sample(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../docs/samples")
        .join(name)
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// The demo products and the business date, no loans.
async fn prepare(repository: &dyn Repository) {
    generate::generate_into(repository, 0, 1, cut_over(), |_| {})
        .await
        .unwrap();
}

async fn references(repository: &dyn Repository) -> Vec<String> {
    let all: Vec<String> = ["OLD", "BAD"]
        .iter()
        .flat_map(|p| (0..20).map(move |n| format!("{p}-{n:04}")))
        .collect();
    let mut found = repository.import().existing_references(&all).await.unwrap();
    found.sort();
    found
}

/// What `kredit ledger check` verifies: debits equal credits; the
/// receivable and credit accounts equal the loans brought to the business
/// date; every loan equals the replay of its events.
async fn assert_ledger_checks(repository: &dyn Repository) {
    let store = repository.lending();
    let totals = store.trial_balance().await.unwrap();
    let debits: i64 = totals.iter().map(|t| t.debits_fen).sum();
    let credits: i64 = totals.iter().map(|t| t.credits_fen).sum();
    assert_eq!(debits, credits);
    let today = repository.cob().business_date().await.unwrap().unwrap();
    let accounts = [
        Account::PrincipalReceivable,
        Account::InterestReceivable,
        Account::FeeReceivable,
        Account::PenaltyReceivable,
        Account::BorrowerCredit,
    ];
    let mut expected = [0_i64; 5];
    let loans = store
        .disbursed_loans_after(LoanId(0), 1_000_000)
        .await
        .unwrap();
    let (first, last) = (loans[0].id, loans[loans.len() - 1].id);
    let events = repository
        .import()
        .events_of_loans(first, last)
        .await
        .unwrap();
    for record in &loans {
        let stored = loan_state::decode(record.state.as_deref().unwrap()).unwrap();
        let terms: LoanTerms = serde_json::from_str(&record.terms).unwrap();
        let mut history = LoanHistory::open(terms, &mut Discard).unwrap();
        let own: Vec<_> = events.iter().filter(|e| e.loan_id == record.id).collect();
        assert_eq!(own.len(), 1, "loan {}", record.id);
        for event in own {
            let parsed: LoanEvent = serde_json::from_str(&event.event).unwrap();
            assert!(matches!(parsed, LoanEvent::OpeningBalance { .. }));
            history.advance_to(event.value_date, &mut Discard);
            history
                .record(
                    DatedEvent {
                        id: event.id.0 as u64,
                        date: event.value_date,
                        event: parsed,
                    },
                    &mut Discard,
                )
                .unwrap();
        }
        history.advance_to(stored.as_of, &mut Discard);
        assert_eq!(history.current(), &stored, "loan {}", record.id);
        let now = loan_state::decode_at(record.state.as_deref().unwrap(), today).unwrap();
        let r = now.receivables();
        for (slot, amount) in expected.iter_mut().zip([
            r.principal,
            r.interest,
            r.fee,
            r.penalty,
            now.credit_balance,
        ]) {
            *slot += amount.fen();
        }
    }
    for (account, expected) in accounts.into_iter().zip(expected) {
        let t = totals.iter().find(|t| t.account == account.name());
        let (d, c) = t.map_or((0, 0), |t| (t.debits_fen, t.credits_fen));
        let balance = if account == Account::BorrowerCredit {
            c - d
        } else {
            d - c
        };
        assert_eq!(balance, expected, "{}", account.name());
    }
}

async fn good_rows_are_written_and_bad_rows_reported_by_line(repository: Arc<dyn Repository>) {
    prepare(&*repository).await;
    let report = import_file(
        &*repository,
        &fixture("loans_with_errors.csv"),
        None,
        |_| {},
    )
    .await
    .unwrap();
    assert_eq!(report.rows, 10);
    assert_eq!(report.imported, 3);
    let lines: Vec<usize> = report.rejected.iter().map(|e| e.line).collect();
    assert_eq!(lines, [3, 5, 6, 7, 8, 9, 10], "{:#?}", report.rejected);
    let reason =
        |line: usize| -> &RowError { report.rejected.iter().find(|e| e.line == line).unwrap() };
    assert!(reason(3).reason.contains("no product 'PAYDAY'"));
    assert!(reason(5).reason.starts_with("balances: interest"));
    assert!(reason(6).reason.starts_with("terms:"));
    assert!(reason(7).reason.contains("not yet due"));
    assert!(reason(8).reason.starts_with("principal:"));
    assert!(reason(9).reason.contains("earlier in the file"));
    assert!(reason(10).reason.contains("before the disbursement date"));
    assert_eq!(
        references(&*repository).await,
        ["OLD-0001", "OLD-0003", "OLD-0005"]
    );
    assert_ledger_checks(&*repository).await;
    // Nothing of the bad rows: no borrower either.
    assert!(
        repository
            .user_by_phone_hash(&kredit_store::import::borrower_phone_hash("C-2001"))
            .await
            .unwrap()
            .is_none()
    );
}

async fn csv_and_jsonl_import_the_same_loans(repository: Arc<dyn Repository>) {
    prepare(&*repository).await;
    let csv = import_file(&*repository, &sample("loans.csv"), None, |_| {})
        .await
        .unwrap();
    assert_eq!((csv.rows, csv.imported, csv.rejected.len()), (9, 9, 0));
    assert_eq!(csv.cut_over, Some(cut_over()));
    let states: Vec<_> = repository
        .cob()
        .loan_states(LoanId(0), 100)
        .await
        .unwrap()
        .into_iter()
        .map(|(_, product, state, dpd)| (product, state, dpd))
        .collect();
    assert_ledger_checks(&*repository).await;
    // Loans in arrears are in arrears here too.
    assert!(states.iter().any(|(_, _, dpd)| *dpd > 0));

    let other = kredit_store::testing::sqlite().await;
    prepare(&*other.repository).await;
    let jsonl = import_file(&*other.repository, &sample("loans.jsonl"), None, |_| {})
        .await
        .unwrap();
    assert_eq!(
        (jsonl.rows, jsonl.imported, jsonl.rejected.len()),
        (9, 9, 0)
    );
    let other_states: Vec<_> = other
        .repository
        .cob()
        .loan_states(LoanId(0), 100)
        .await
        .unwrap()
        .into_iter()
        .map(|(_, product, state, dpd)| (product, state, dpd))
        .collect();
    assert_eq!(states, other_states);

    // Close of business goes on from the opening balances.
    close_of_business(
        &*repository,
        cut_over() + Days::new(40),
        &CobOptions::default(),
    )
    .await
    .unwrap();
    assert_ledger_checks(&*repository).await;
}

async fn an_interrupted_import_resumes_without_duplicates(repository: Arc<dyn Repository>) {
    prepare(&*repository).await;
    let path = sample("loans.csv");
    // Interrupted after the first two batches of two rows.
    let partial = import_rows(
        &*repository,
        read_rows(&path).unwrap().take(4),
        "loans.csv",
        None,
        2,
        |_| {},
    )
    .await
    .unwrap();
    assert_eq!(partial.imported, 4);
    let resumed = import_file(&*repository, &path, None, |_| {})
        .await
        .unwrap();
    assert_eq!((resumed.already_imported, resumed.imported), (4, 5));
    let again = import_file(&*repository, &path, None, |_| {})
        .await
        .unwrap();
    assert_eq!((again.already_imported, again.imported), (9, 0));
    assert_eq!(references(&*repository).await.len(), 9);
    assert_eq!(repository.cob().loan_count().await.unwrap(), 9);
    assert_ledger_checks(&*repository).await;
}

async fn the_cut_over_must_be_the_business_date(repository: Arc<dyn Repository>) {
    prepare(&*repository).await;
    // A new install without loans takes the cut-over as its business date.
    let later = cut_over() + Days::new(1);
    let first = import_file(&*repository, &sample("loans.csv"), Some(later), |_| {})
        .await
        .unwrap();
    assert!(first.imported > 0);
    assert_eq!(repository.cob().business_date().await.unwrap(), Some(later));
    // Once it holds loans, a cut-over on another day is refused whole.
    let loans = repository.cob().loan_count().await.unwrap();
    let error = import_file(
        &*repository,
        &sample("loans.csv"),
        Some(later + Days::new(1)),
        |_| {},
    )
    .await
    .unwrap_err();
    assert!(error.to_string().contains("must be the business date"));
    assert_eq!(repository.cob().loan_count().await.unwrap(), loans);
}

async fn a_generated_portfolio_checks_out(repository: Arc<dyn Repository>) {
    let report = generate::generate_into(&*repository, 500, 3, cut_over(), |_| {})
        .await
        .unwrap();
    assert_eq!((report.loans, report.borrowers), (500, 250));
    assert_eq!(repository.cob().loan_count().await.unwrap(), 500);
    assert_ledger_checks(&*repository).await;
    close_of_business(
        &*repository,
        cut_over() + Days::new(1),
        &CobOptions::default(),
    )
    .await
    .unwrap();
    assert_ledger_checks(&*repository).await;
}

kredit_store::test_on_both_backends!(
    good_rows_are_written_and_bad_rows_reported_by_line,
    csv_and_jsonl_import_the_same_loans,
    an_interrupted_import_resumes_without_duplicates,
    the_cut_over_must_be_the_business_date,
    a_generated_portfolio_checks_out,
);
