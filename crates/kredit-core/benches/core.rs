//! The lending core's speed: schedules generated, a loan's year of daily
//! servicing, and ledger postings. Figures and the command are in
//! docs/benchmarks.md.

use std::hint::black_box;

use chrono::NaiveDate;
use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use kredit_core::calendar::DayCount;
use kredit_core::ledger::{Account, Balances, EntryKind, Posting, PostingSink};
use kredit_core::loan::{Loan, LoanTerms};
use kredit_core::product::{AllocationOrder, PenaltyRate, PrepaymentPolicy};
use kredit_core::schedule::{self, RepaymentMethod, ScheduleTerms};
use kredit_core::{Money, Rate};

fn terms(method: RepaymentMethod) -> ScheduleTerms {
    ScheduleTerms {
        principal: Money::yuan(100_000),
        annual_rate: if method == RepaymentMethod::FlatFee {
            Rate::ZERO
        } else {
            Rate::from_bps(435)
        },
        term_months: 12,
        method,
        start_date: NaiveDate::from_ymd_opt(2026, 1, 31).unwrap(),
        monthly_fee_rate: Rate::from_bps(20),
    }
}

fn schedules(c: &mut Criterion) {
    let mut group = c.benchmark_group("schedule_12_installments");
    group.throughput(Throughput::Elements(1));
    for method in RepaymentMethod::ALL {
        let t = terms(method);
        group.bench_function(method.as_str(), |b| {
            b.iter(|| schedule::generate(black_box(&t)).unwrap())
        });
    }
    group.finish();
}

fn loan_terms() -> LoanTerms {
    let schedule = terms(RepaymentMethod::EqualInstallment);
    LoanTerms {
        schedule,
        upfront_fee: Money::ZERO,
        penalty_annual_rate: PenaltyRate::default().annual(schedule.annual_rate),
        grace_days: 3,
        allocation: AllocationOrder::default(),
        prepayment: PrepaymentPolicy::default(),
        day_count: DayCount::Actual365,
    }
}

/// Counts postings without storing them.
#[derive(Default)]
struct Count(u64);

impl PostingSink for Count {
    fn post(&mut self, _: Posting) {
        self.0 += 1;
    }
}

/// A year of close of business, day by day, for one loan, with every
/// instalment repaid on its due date (one of them late, to exercise penalty).
fn a_year_of_servicing(c: &mut Criterion) {
    let t = loan_terms();
    let due_dates: Vec<NaiveDate> = schedule::generate(&t.schedule)
        .unwrap()
        .installments
        .iter()
        .map(|i| i.due_date)
        .collect();
    let mut group = c.benchmark_group("loan_year");
    group.throughput(Throughput::Elements(365));
    group.bench_function("daily_accrual_and_allocation", |b| {
        b.iter_batched(
            || Loan::disburse(t.clone(), &mut Count::default()).unwrap(),
            |mut loan| {
                let mut sink = Count::default();
                let mut day = t.schedule.start_date;
                for _ in 0..365 {
                    day = day.succ_opt().unwrap();
                    loan.advance_to(day, &mut sink);
                    let late = due_dates[5] + chrono::Days::new(10);
                    if due_dates.iter().any(|d| *d == day && *d != due_dates[5]) || day == late {
                        let due = loan.amount_due();
                        if due.is_positive() {
                            loan.repay(day, due, &mut sink).unwrap();
                        }
                    }
                }
                black_box(sink.0)
            },
            BatchSize::SmallInput,
        )
    });
    group.finish();
}

fn ledger_postings(c: &mut Criterion) {
    let date = NaiveDate::from_ymd_opt(2026, 1, 31).unwrap();
    let postings: Vec<Posting> = (0..10_000)
        .map(|i| Posting {
            date,
            kind: EntryKind::InterestAccrual,
            debit: Account::ALL[i % 5],
            credit: Account::ALL[5 + i % 6],
            amount: Money::from_fen(1 + i as i64),
        })
        .collect();
    let mut group = c.benchmark_group("ledger");
    group.throughput(Throughput::Elements(postings.len() as u64));
    group.bench_function("post_to_balances", |b| {
        b.iter(|| {
            let mut balances = Balances::default();
            for p in &postings {
                balances.post(*p);
            }
            black_box(balances)
        })
    });
    group.bench_function("post_to_journal_vec", |b| {
        b.iter(|| {
            let mut journal: Vec<Posting> = Vec::with_capacity(postings.len());
            for p in &postings {
                journal.post(*p);
            }
            black_box(journal)
        })
    });
    group.finish();
}

criterion_group!(benches, schedules, a_year_of_servicing, ledger_postings);
criterion_main!(benches);
