//! Close of business over the database (docs/close-of-business.md).
//!
//! A run goes from the business date to the target date (several missed
//! days are one run: each loan is advanced straight to the target, its
//! postings summed per product, day, kind and account pair). The run is
//! split into chunks of loan ids. Workers (several per process, and on
//! PostgreSQL several processes) lease a chunk, read its active loans,
//! advance them on a blocking thread, and commit in one transaction: the
//! loans that changed, the chunk's ledger lines, its auto-debits and its
//! done-mark. A killed worker's chunk is simply done again (its lease
//! expires; on SQLite the next process frees it at once), so nothing is
//! posted twice. When every chunk is done, the run completes and the
//! business date moves, atomically.
//!
//! Which loans are written: the stored state of a loan may lag the
//! business date. Everything up to the business date is already posted, so
//! a loan is first brought to the run's start date without posting, then
//! advanced to the target posting into the ledger. If nothing but interest
//! accrual happened to it (no due date, no penalty, no change of days past
//! due), its stored state is left as it is: advancing it is deterministic,
//! so the next run (or [`kredit_store::loan_state::decode_at`]) recovers the
//! exact state, and most loans are not rewritten on most days.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use kredit_core::Money;
use kredit_core::delinquency::ClassificationThresholds;
use kredit_core::ledger::{Discard, EntryKind, GlAggregate, Posting};
use kredit_core::loan::{Loan, LoanStatus};
use kredit_store::cob::{
    ChunkCommit, ChunkLease, ChunkWork, CobEvent, CobRun, CobStore, GlLine, LoanWrite, QueuedDebit,
    StoredLoan,
};
use kredit_store::lending::LoanProjection;
use kredit_store::loan_state;
use kredit_store::outbox::NewDomainEvent;
use kredit_store::{Backend, LoanId, Repository, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum CobError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("loan {loan_id}: {error}")]
    State { loan_id: LoanId, error: String },
    #[error(
        "a close of business through {running} is in progress: finish it before closing through {requested}"
    )]
    RunAhead {
        running: NaiveDate,
        requested: NaiveDate,
    },
    #[error("chunk {chunk} kept changing under close of business ({attempts} attempts)")]
    Contended { chunk: i64, attempts: u32 },
    #[error("a close-of-business worker failed: {0}")]
    Worker(String),
    #[error("{0}")]
    Invalid(String),
}

/// How a close of business runs. `Default` suits production.
#[derive(Clone)]
pub struct CobOptions {
    /// Loan ids per chunk (the unit of work, commit and restart).
    pub chunk_size: i64,
    /// Chunks worked on at once by this process.
    pub workers: usize,
    /// How long a leased chunk stays reserved for its worker; a dead
    /// worker's chunk is taken over after this (PostgreSQL).
    pub lease: Duration,
    pub thresholds: ClassificationThresholds,
    /// Called after each chunk this process commits, with the number
    /// committed so far (progress; tests use it to kill the process).
    pub after_chunk: Option<Arc<dyn Fn(u64) + Send + Sync>>,
}

impl Default for CobOptions {
    fn default() -> Self {
        CobOptions {
            chunk_size: 10_000,
            workers: std::thread::available_parallelism().map_or(1, usize::from) + 1,
            lease: Duration::from_secs(60),
            thresholds: ClassificationThresholds::default(),
            after_chunk: None,
        }
    }
}

/// What a close of business did (totals over its runs, whichever process
/// did the chunks).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CobReport {
    /// The business date before and after.
    pub from: Option<NaiveDate>,
    pub through: NaiveDate,
    pub days_processed: u32,
    pub loans_processed: u64,
    /// Loans whose stored state or delinquency columns were rewritten.
    pub loans_changed: u64,
    pub gl_lines: u64,
    pub auto_debits_queued: u64,
    /// Chunks committed by this call (the rest by other processes).
    pub chunks_committed_here: u64,
    pub wall: Duration,
}

/// Closes business through `through`: every missed day from the business
/// date on, restartable and shareable between processes (PostgreSQL). A
/// business date already at or past `through` does nothing.
pub async fn close_of_business(
    repository: &dyn Repository,
    through: NaiveDate,
    options: &CobOptions,
) -> Result<CobReport, CobError> {
    if options.chunk_size < 1 || options.workers < 1 {
        return Err(CobError::Invalid(
            "chunk size and workers must be positive".into(),
        ));
    }
    let started = Instant::now();
    let store = repository.cob();
    let sqlite = repository.backend() == Backend::Sqlite;
    let mut report = CobReport {
        through,
        ..CobReport::default()
    };
    let committed = AtomicU64::new(0);
    while let Some(run) = store
        .open_run(through, options.chunk_size, kredit_store::now(), sqlite)
        .await?
    {
        if run.to_date > through {
            return Err(CobError::RunAhead {
                running: run.to_date,
                requested: through,
            });
        }
        report.from.get_or_insert(run.from_date);
        process_run(store, &run, options, sqlite, &committed).await?;
        let totals = store.run_totals(run.id).await?;
        report.days_processed += (run.to_date - run.from_date).num_days() as u32;
        report.loans_processed += totals.loans as u64;
        report.loans_changed += totals.changed as u64;
        report.gl_lines += totals.gl_lines as u64;
        report.auto_debits_queued += totals.auto_debits as u64;
    }
    report.chunks_committed_here = committed.load(Ordering::Relaxed);
    report.wall = started.elapsed();
    Ok(report)
}

async fn process_run(
    store: &dyn CobStore,
    run: &CobRun,
    options: &CobOptions,
    sqlite: bool,
    committed: &AtomicU64,
) -> Result<(), CobError> {
    // SQLite has one writer: commits queue here rather than in its busy
    // handler.
    let write_gate = tokio::sync::Mutex::new(());
    let process = format!(
        "{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos())
    );
    let workers = (0..options.workers).map(|w| {
        let name = format!("{process}-{w}");
        let gate = sqlite.then_some(&write_gate);
        async move { work(store, run, options, &name, gate, committed).await }
    });
    futures_util::future::try_join_all(workers).await?;
    loop {
        if store.finish_run(run.id, kredit_store::now()).await?
            || store.chunks_not_done(run.id).await? == 0
        {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// One worker: leases chunks until none is left, then waits for chunks
/// leased by others (which come back if their worker dies).
async fn work(
    store: &dyn CobStore,
    run: &CobRun,
    options: &CobOptions,
    name: &str,
    write_gate: Option<&tokio::sync::Mutex<()>>,
    committed: &AtomicU64,
) -> Result<(), CobError> {
    const MAX_ATTEMPTS: u32 = 20;
    let lease_for = chrono::Duration::from_std(options.lease)
        .map_err(|_| CobError::Invalid("lease too long".into()))?;
    loop {
        let now = kredit_store::now();
        let Some(lease) = store
            .lease_chunk(run.id, name, now, now + lease_for)
            .await?
        else {
            if store.chunks_not_done(run.id).await? == 0 {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
            continue;
        };
        let mut attempts = 0;
        loop {
            attempts += 1;
            if attempts > MAX_ATTEMPTS {
                return Err(CobError::Contended {
                    chunk: lease.chunk_no,
                    attempts: MAX_ATTEMPTS,
                });
            }
            let rows = store.load_chunk(&lease).await?;
            let (run_copy, thresholds) = (*run, options.thresholds);
            let chunk = tokio::task::spawn_blocking(move || {
                compute_chunk(lease, &run_copy, rows, &thresholds)
            })
            .await
            .map_err(|e| CobError::Worker(e.to_string()))??;
            let outcome = {
                let _writing = match write_gate {
                    Some(gate) => Some(gate.lock().await),
                    None => None,
                };
                store
                    .commit_chunk(&chunk, name, kredit_store::now())
                    .await?
            };
            match outcome {
                ChunkCommit::Committed => {
                    let done = committed.fetch_add(1, Ordering::Relaxed) + 1;
                    if let Some(hook) = &options.after_chunk {
                        hook(done);
                    }
                    break;
                }
                ChunkCommit::Lost => break,
                ChunkCommit::Stale => continue,
            }
        }
    }
}

/// Advances a chunk's loans from the run's start to its target and sums
/// what happened. Pure: the same rows give the same work.
pub fn compute_chunk(
    lease: ChunkLease,
    run: &CobRun,
    rows: Vec<StoredLoan>,
    thresholds: &ClassificationThresholds,
) -> Result<ChunkWork, CobError> {
    let mut books: Vec<String> = Vec::new();
    let mut gl = GlAggregate::default();
    let mut writes = Vec::new();
    let mut debits = Vec::new();
    let mut events = Vec::new();
    let mut version_sum = 0_i64;
    let loans_read = rows.len() as i64;
    for row in rows {
        version_sum += row.version;
        let stored = loan_state::decode(&row.state).map_err(|e| CobError::State {
            loan_id: row.id,
            error: e.to_string(),
        })?;
        let book = match books.iter().position(|b| *b == row.product_code) {
            Some(i) => i,
            None => {
                books.push(row.product_code.clone());
                books.len() - 1
            }
        } as u32;
        let mut loan = stored.clone();
        // Everything up to the run's start is already in the ledger.
        loan.advance_to(run.from_date, &mut Discard);
        loan.advance_to(run.to_date, &mut gl.book(book));
        let projection = LoanProjection::of(&loan, thresholds);
        if !only_accrued(&stored, &loan)
            || projection.dpd != row.dpd
            || row.bucket.as_deref() != projection.bucket
            || row.classification.as_deref() != projection.classification
        {
            writes.push(LoanWrite {
                id: row.id,
                expected_version: row.version,
                state: loan_state::encode(&loan),
                projection,
            });
        }
        events.extend(instalment_events(row.id, &loan, run.from_date, run.to_date));
        if loan.status == LoanStatus::Active {
            let due = loan.amount_due();
            if due.is_positive() {
                debits.push(QueuedDebit {
                    loan_id: row.id,
                    amount_fen: due.fen(),
                });
            }
        }
    }
    let gl = gl
        .lines()
        .into_iter()
        .map(|(book, posting)| gl_line(&books[book as usize], &posting))
        .collect();
    Ok(ChunkWork {
        lease,
        business_date: run.to_date,
        loans_read,
        version_sum,
        writes,
        gl,
        debits,
        events,
    })
}

/// `installment.due` and `installment.overdue` for the instalments of
/// `loan` (advanced to `through`) that fell due, or became overdue (the day
/// after their due date), after `from` and by `through`, unpaid: in date
/// order, due before overdue. Nothing but the credit balance on a due date
/// pays an instalment during close of business, so one unpaid at `through`
/// was unpaid on each of those days. Only the few instalments in the window
/// are looked at: most loans on most days raise nothing.
pub fn instalment_events(
    loan_id: LoanId,
    loan: &Loan,
    from: NaiveDate,
    through: NaiveDate,
) -> Vec<CobEvent> {
    if loan.status != LoanStatus::Active {
        return Vec::new();
    }
    // Instalments due before `from` were due, and overdue, in earlier runs
    // (one due on `from` became overdue on `from + 1`, in this one).
    let first = loan
        .installments
        .partition_point(|inst| inst.due_date < from);
    let mut raised = Vec::new();
    for inst in loan.installments[first..]
        .iter()
        .take_while(|inst| inst.due_date <= through)
        .filter(|inst| !inst.is_settled())
    {
        // What the instalment asks that is unpaid, penalty left out: it
        // accrues day by day, so the amount is the same whichever day of
        // the window it is read on (no payment arrives during the run).
        let unpaid = inst.outstanding();
        let outstanding =
            Money::from_fen(unpaid.principal.fen() + unpaid.interest.fen() + unpaid.fee.fen());
        let overdue_since = inst.due_date + chrono::Days::new(1);
        if inst.due_date > from {
            raised.push((
                inst.due_date,
                "installment.due",
                serde_json::json!({
                    "loan_id": loan_id,
                    "installment": inst.n,
                    "due_date": inst.due_date,
                    "amount_due": outstanding,
                }),
            ));
        }
        if overdue_since > from && overdue_since <= through {
            raised.push((
                overdue_since,
                "installment.overdue",
                serde_json::json!({
                    "loan_id": loan_id,
                    "installment": inst.n,
                    "due_date": inst.due_date,
                    "overdue_since": overdue_since,
                    "amount_overdue": outstanding,
                }),
            ));
        }
    }
    // A stable sort: events of one date keep their instalment's order (due
    // before overdue).
    raised.sort_by_key(|(date, ..)| *date);
    raised
        .into_iter()
        .map(|(_, kind, payload)| CobEvent {
            loan_id,
            event: NewDomainEvent {
                kind: kind.to_owned(),
                payload: payload.to_string(),
            },
        })
        .collect()
}

/// Whether `after` differs from `before` only by plain interest accrual
/// (and its date): then `before` advanced to `after.as_of` gives `after`
/// exactly, and needs no rewrite.
pub fn only_accrued(before: &Loan, after: &Loan) -> bool {
    before.status == after.status
        && before.credit_balance == after.credit_balance
        && before.principal_prepaid == after.principal_prepaid
        && before.written_off == after.written_off
        && before.level == after.level
        && before.terms == after.terms
        && before.installments.len() == after.installments.len()
        && before
            .installments
            .iter()
            .zip(&after.installments)
            .all(|(b, a)| {
                b.n == a.n
                    && b.period_start == a.period_start
                    && b.due_date == a.due_date
                    && b.owed == a.owed
                    && b.paid == a.paid
                    && b.fee_charged == a.fee_charged
                    && b.pending_penalty == a.pending_penalty
                    && b.accrual_anchor == a.accrual_anchor
                    && b.accrued_at_anchor == a.accrued_at_anchor
            })
}

/// The postings close of business made for one loan from `from` (the
/// business date it started on) to `through`: the per-loan detail behind
/// the aggregated ledger lines. `state` is the loan's stored state if it
/// has not been serviced since.
pub fn loan_detail(state: &Loan, from: NaiveDate, through: NaiveDate) -> Vec<Posting> {
    let mut loan = state.clone();
    loan.advance_to(from, &mut Discard);
    let mut postings = Vec::new();
    loan.advance_to(through, &mut postings);
    postings
}

pub fn gl_line(product_code: &str, posting: &Posting) -> GlLine {
    GlLine {
        entry_date: posting.date,
        product_code: product_code.to_owned(),
        kind: kind_name(posting.kind).to_owned(),
        debit: posting.debit.name().to_owned(),
        credit: posting.credit.name().to_owned(),
        amount_fen: posting.amount.fen(),
    }
}

/// Sums postings into ledger lines per day, product, kind and account pair,
/// ordered as [`CobStore::cob_ledger`] returns them.
pub fn summed_lines<'a>(postings: impl IntoIterator<Item = (&'a str, Posting)>) -> Vec<GlLine> {
    let mut sums: std::collections::BTreeMap<(NaiveDate, String, String, String, String), i64> =
        std::collections::BTreeMap::new();
    for (product, posting) in postings {
        let line = gl_line(product, &posting);
        *sums
            .entry((
                line.entry_date,
                line.product_code,
                line.kind,
                line.debit,
                line.credit,
            ))
            .or_insert(0) += line.amount_fen;
    }
    sums.into_iter()
        .map(
            |((entry_date, product_code, kind, debit, credit), amount_fen)| GlLine {
                entry_date,
                product_code,
                kind,
                debit,
                credit,
                amount_fen,
            },
        )
        .collect()
}

pub fn kind_name(kind: EntryKind) -> &'static str {
    match kind {
        EntryKind::Disbursement => "disbursement",
        EntryKind::InterestAccrual => "interest_accrual",
        EntryKind::FeeCharge => "fee_charge",
        EntryKind::PenaltyAccrual => "penalty_accrual",
        EntryKind::Repayment => "repayment",
        EntryKind::CreditApplied => "credit_applied",
        EntryKind::Prepayment => "prepayment",
        EntryKind::Payoff => "payoff",
        EntryKind::CreditRefund => "credit_refund",
        EntryKind::WriteOff => "write_off",
        EntryKind::Reversal => "reversal",
        EntryKind::OpeningBalance => "opening_balance",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Days;

    /// A catch-up run over many days raises exactly the instalment events
    /// that closing the same days one at a time raises, in the same order;
    /// a day already closed raises nothing.
    #[test]
    fn a_catch_up_raises_what_day_by_day_closes_raise() {
        let start = NaiveDate::from_ymd_opt(2026, 11, 25).unwrap();
        let days = 75;
        let generated = crate::portfolio::generate(&crate::demo::products(), 300, 7, start);
        let mut raised = 0;
        for (id, g) in (1..).map(LoanId).zip(&generated) {
            let through = start + Days::new(days);
            let mut caught_up = g.loan.clone();
            caught_up.advance_to(through, &mut Discard);
            let at_once = instalment_events(id, &caught_up, start, through);

            let mut daily = g.loan.clone();
            let mut one_by_one = Vec::new();
            for day in 1..=days {
                let (from, to) = (start + Days::new(day - 1), start + Days::new(day));
                daily.advance_to(to, &mut Discard);
                one_by_one.extend(instalment_events(id, &daily, from, to));
            }
            assert_eq!(at_once, one_by_one, "loan {id}");
            assert!(instalment_events(id, &caught_up, through, through).is_empty());
            raised += at_once.len();
        }
        assert!(
            raised > 0,
            "the portfolio has arrears to raise events about"
        );
    }
}
