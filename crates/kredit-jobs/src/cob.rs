//! Close of business for one business date over a whole portfolio: every
//! loan advanced to the date (accrual, due and overdue transitions, penalty
//! interest), the general ledger summed per product and account pair, the
//! delinquency picture and the auto-debit queue. Runs on every core.

use std::ops::Range;

use chrono::NaiveDate;
use kredit_core::Money;
use kredit_core::delinquency::{Bucket, Classification, ClassificationThresholds};
use kredit_core::ledger::GlAggregate;
use kredit_core::loan::{Loan, LoanStatus};

/// A loan and the book (product) its postings go to.
#[derive(Clone, Debug)]
pub struct BookedLoan {
    pub book: u32,
    pub loan: Loan,
}

/// What one close of business did.
#[derive(Clone, Debug, Default)]
pub struct CobOutcome {
    pub loans_processed: usize,
    pub gl: GlAggregate,
    /// Active loans per bucket, M0..M7+.
    pub buckets: [u64; 8],
    /// Active loans per classification, 正常..损失.
    pub classification: [u64; 5],
    /// Loans with money due on the date: (index into the slice, amount) for
    /// the auto-debit run.
    pub auto_debit: Vec<(usize, Money)>,
}

impl CobOutcome {
    fn merge(&mut self, other: CobOutcome) {
        self.loans_processed += other.loans_processed;
        self.gl.merge(other.gl);
        for (mine, theirs) in self.buckets.iter_mut().zip(other.buckets) {
            *mine += theirs;
        }
        for (mine, theirs) in self.classification.iter_mut().zip(other.classification) {
            *mine += theirs;
        }
        self.auto_debit.extend(other.auto_debit);
    }
}

/// Advances every loan to `date` and sums what happened. Loans already at or
/// past the date are left as they are, so running it twice posts nothing
/// the second time.
pub fn close_of_business(
    loans: &mut [BookedLoan],
    date: NaiveDate,
    thresholds: &ClassificationThresholds,
) -> CobOutcome {
    let chunks = chunk_ranges(loans.len(), workers());
    let mut rest: &mut [BookedLoan] = loans;
    let mut slices = Vec::with_capacity(chunks.len());
    for range in &chunks {
        let (head, tail) = rest.split_at_mut(range.len());
        slices.push((range.start, head));
        rest = tail;
    }
    let outcomes: Vec<CobOutcome> = std::thread::scope(|scope| {
        let handles: Vec<_> = slices
            .into_iter()
            .map(|(offset, slice)| {
                scope.spawn(move || close_chunk(slice, offset, date, thresholds))
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("a close-of-business worker panicked"))
            .collect()
    });
    let mut total = CobOutcome::default();
    for outcome in outcomes {
        total.merge(outcome);
    }
    total
}

fn close_chunk(
    loans: &mut [BookedLoan],
    offset: usize,
    date: NaiveDate,
    thresholds: &ClassificationThresholds,
) -> CobOutcome {
    let mut outcome = CobOutcome::default();
    for (i, booked) in loans.iter_mut().enumerate() {
        booked
            .loan
            .advance_to(date, &mut outcome.gl.book(booked.book));
        outcome.loans_processed += 1;
        if booked.loan.status != LoanStatus::Active {
            continue;
        }
        let d = booked.loan.delinquency(thresholds);
        outcome.buckets[Bucket::ALL
            .iter()
            .position(|b| *b == d.bucket)
            .expect("known bucket")] += 1;
        outcome.classification[Classification::ALL
            .iter()
            .position(|c| *c == d.classification)
            .expect("known class")] += 1;
        let due = booked.loan.amount_due();
        if due.is_positive() {
            outcome.auto_debit.push((offset + i, due));
        }
    }
    outcome
}

fn workers() -> usize {
    std::thread::available_parallelism().map_or(1, usize::from)
}

/// `len` items split into `parts` contiguous ranges of nearly equal size.
fn chunk_ranges(len: usize, parts: usize) -> Vec<Range<usize>> {
    let parts = parts.clamp(1, len.max(1));
    (0..parts)
        .map(|p| (len * p / parts)..(len * (p + 1) / parts))
        .collect()
}

/// Runs `work` over `0..len` split across every core, results in order.
pub(crate) fn in_parallel<T: Send>(len: usize, work: impl Fn(Range<usize>) -> T + Sync) -> Vec<T> {
    let work = &work;
    std::thread::scope(|scope| {
        let handles: Vec<_> = chunk_ranges(len, workers())
            .into_iter()
            .map(|r| scope.spawn(move || work(r)))
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("a worker panicked"))
            .collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::portfolio::generate;
    use chrono::Days;
    use kredit_core::ledger::{Balances, PostingSink};

    #[test]
    fn chunks_cover_everything_once() {
        for (len, parts) in [(0, 2), (1, 4), (10, 3), (1_000_003, 2)] {
            let ranges = chunk_ranges(len, parts);
            assert_eq!(ranges.iter().map(|r| r.len()).sum::<usize>(), len);
            assert!(ranges.windows(2).all(|w| w[0].end == w[1].start));
        }
    }

    /// Close of business over N days gives the same balances and ledger as
    /// advancing each loan through the core day by day on its own.
    #[test]
    fn cob_over_days_equals_the_core_loan_by_loan() {
        let products = crate::demo::products();
        let start = NaiveDate::from_ymd_opt(2026, 11, 25).unwrap();
        let generated = generate(&products, 400, 11, start);
        let mut booked: Vec<BookedLoan> = generated
            .iter()
            .map(|g| BookedLoan {
                book: g.product,
                loan: g.loan.clone(),
            })
            .collect();
        let mut gl = GlAggregate::default();
        for day in 1..=45 {
            let outcome = close_of_business(
                &mut booked,
                start + Days::new(day),
                &ClassificationThresholds::default(),
            );
            assert_eq!(outcome.loans_processed, 400);
            gl.merge(outcome.gl);
        }
        let mut expected = Balances::default();
        for (g, b) in generated.iter().zip(&booked) {
            let mut alone = g.loan.clone();
            alone.advance_to(start + Days::new(45), &mut expected);
            assert_eq!(alone, b.loan);
        }
        let mut summed = Balances::default();
        for (_, posting) in gl.lines() {
            summed.post(posting);
        }
        assert_eq!(summed, expected);
        // Running the same date again posts nothing.
        let again = close_of_business(
            &mut booked,
            start + Days::new(45),
            &ClassificationThresholds::default(),
        );
        assert!(again.gl.is_empty());
    }
}
