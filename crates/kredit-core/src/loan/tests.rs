use super::*;
use crate::ledger::{Balances, Posting};
use crate::product::PenaltyRate;
use proptest::prelude::*;

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn fen(text: &str) -> Money {
    text.parse().unwrap()
}

fn terms(principal: i64, annual_bps: i64, months: u32, method: RepaymentMethod) -> LoanTerms {
    let annual_rate = Rate::from_bps(annual_bps);
    LoanTerms {
        schedule: ScheduleTerms {
            principal: Money::yuan(principal),
            annual_rate,
            term_months: months,
            method,
            start_date: date(2026, 1, 31),
            monthly_fee_rate: Rate::ZERO,
        },
        upfront_fee: Money::ZERO,
        penalty_annual_rate: PenaltyRate::default().annual(annual_rate),
        grace_days: 3,
        allocation: AllocationOrder::default(),
        prepayment: PrepaymentPolicy::default(),
        day_count: DayCount::Actual365,
    }
}

/// The loan's state and its ledger agree, account by account.
fn assert_reconciles(loan: &Loan, postings: &[Posting]) {
    let ledger = Balances::of(postings);
    assert_eq!(ledger.imbalance(), 0);
    let r = loan.receivables();
    assert_eq!(
        ledger.balance(Account::PrincipalReceivable),
        r.principal,
        "principal"
    );
    assert_eq!(
        ledger.balance(Account::InterestReceivable),
        r.interest,
        "interest"
    );
    assert_eq!(ledger.balance(Account::FeeReceivable), r.fee, "fee");
    assert_eq!(
        ledger.balance(Account::PenaltyReceivable),
        r.penalty,
        "penalty"
    );
    assert_eq!(
        ledger.balance(Account::BorrowerCredit),
        loan.credit_balance,
        "credit"
    );
    for inst in &loan.installments {
        let o = inst.outstanding();
        assert!(
            !o.principal.is_negative() && !o.interest.is_negative(),
            "{inst:?}"
        );
        assert!(!o.fee.is_negative() && !o.penalty.is_negative(), "{inst:?}");
    }
    let scheduled: i64 = loan
        .installments
        .iter()
        .map(|i| i.owed.principal.fen())
        .sum();
    assert_eq!(
        scheduled + loan.principal_prepaid.fen(),
        loan.terms.schedule.principal.fen(),
        "principal conserved"
    );
}

#[test]
fn a_period_accrues_exactly_its_scheduled_interest() {
    let mut postings = Vec::new();
    let mut loan = Loan::disburse(
        terms(100_000, 435, 12, RepaymentMethod::EqualInstallment),
        &mut postings,
    )
    .unwrap();
    loan.advance_to(date(2026, 2, 14), &mut postings);
    let midway = loan.receivables().interest;
    assert!(midway > Money::ZERO && midway < fen("362.50"), "{midway}");
    loan.advance_to(date(2026, 2, 28), &mut postings);
    assert_eq!(loan.receivables().interest, fen("362.50"));
    assert_eq!(loan.amount_due(), fen("8530.99"));
    assert_eq!(
        Balances::of(&postings).balance(Account::Bank),
        Money::yuan(-100_000)
    );
    assert_reconciles(&loan, &postings);
}

#[test]
fn paying_on_the_due_date_settles_the_instalment() {
    let mut postings = Vec::new();
    let mut loan = Loan::disburse(
        terms(100_000, 435, 12, RepaymentMethod::EqualInstallment),
        &mut postings,
    )
    .unwrap();
    let allocation = loan
        .repay(date(2026, 2, 28), fen("8530.99"), &mut postings)
        .unwrap();
    assert_eq!(allocation.parts.interest, fen("362.50"));
    assert_eq!(allocation.parts.principal, fen("8168.49"));
    assert_eq!(allocation.credit, Money::ZERO);
    assert_eq!(loan.principal_outstanding(), fen("91831.51"));
    loan.advance_to(date(2026, 3, 10), &mut postings);
    assert_eq!(loan.dpd(), 0);
    assert_reconciles(&loan, &postings);
}

#[test]
fn paying_within_grace_days_costs_no_penalty() {
    let mut postings = Vec::new();
    let mut loan = Loan::disburse(
        terms(10_000, 1200, 12, RepaymentMethod::EqualInstallment),
        &mut postings,
    )
    .unwrap();
    loan.advance_to(date(2026, 3, 3), &mut postings);
    assert_eq!(loan.dpd(), 3);
    let allocation = loan
        .repay(date(2026, 3, 3), fen("888.49"), &mut postings)
        .unwrap();
    assert_eq!(allocation.parts.penalty, Money::ZERO);
    assert!(loan.installments[0].is_settled());
    assert_eq!(loan.dpd(), 0);
    assert_reconciles(&loan, &postings);
}

#[test]
fn past_the_grace_days_penalty_runs_from_the_due_date() {
    let mut postings = Vec::new();
    let mut loan = Loan::disburse(
        terms(10_000, 1200, 12, RepaymentMethod::EqualInstallment),
        &mut postings,
    )
    .unwrap();
    loan.advance_to(date(2026, 3, 10), &mut postings);
    // 788.49 overdue principal at 18% a year, actual/365, 10 days, rounded daily.
    let daily = Rate::from_bps(1800)
        .apply_fraction(fen("788.49"), 1, 365)
        .unwrap();
    assert_eq!(daily, fen("0.39"));
    assert_eq!(
        loan.receivables().penalty,
        Money::from_fen(10 * daily.fen())
    );
    let d = loan.delinquency(&ClassificationThresholds::default());
    assert_eq!(
        (d.dpd, d.bucket, d.classification),
        (10, Bucket::M1, Classification::SpecialMention)
    );
    let allocation = loan
        .repay(date(2026, 3, 10), fen("1000.00"), &mut postings)
        .unwrap();
    assert_eq!(allocation.parts.penalty, fen("3.90"));
    assert_eq!(allocation.credit, fen("107.61"));
    assert_eq!(loan.dpd(), 0);
    assert_reconciles(&loan, &postings);
}

#[test]
fn overpayment_is_kept_and_applied_when_the_next_instalment_falls_due() {
    let mut postings = Vec::new();
    let mut loan = Loan::disburse(
        terms(10_000, 1200, 12, RepaymentMethod::EqualInstallment),
        &mut postings,
    )
    .unwrap();
    let allocation = loan
        .repay(date(2026, 2, 10), fen("1000.00"), &mut postings)
        .unwrap();
    assert_eq!(allocation.credit, fen("1000.00"));
    loan.advance_to(date(2026, 2, 28), &mut postings);
    assert!(loan.installments[0].is_settled());
    assert_eq!(loan.credit_balance, fen("111.51"));
    assert_reconciles(&loan, &postings);
}

#[test]
fn partial_prepayment_lowers_the_instalment_or_shortens_the_term() {
    for (mode, expect_len) in [
        (ReamortiseMode::ReduceInstallment, 12),
        (ReamortiseMode::ReduceTerm, 8),
    ] {
        let mut postings = Vec::new();
        let mut loan = Loan::disburse(
            terms(100_000, 435, 12, RepaymentMethod::EqualInstallment),
            &mut postings,
        )
        .unwrap();
        loan.repay(date(2026, 2, 28), fen("8530.99"), &mut postings)
            .unwrap();
        let allocation = loan
            .prepay(date(2026, 3, 15), Money::yuan(40_000), mode, &mut postings)
            .unwrap();
        assert_eq!(allocation.parts.principal, Money::yuan(40_000));
        assert_eq!(loan.installments.len(), expect_len, "{mode:?}");
        let next = &loan.installments[2];
        match mode {
            ReamortiseMode::ReduceInstallment => {
                assert!(next.payment() < fen("5200.00"), "{next:?}")
            }
            ReamortiseMode::ReduceTerm => assert_eq!(next.payment(), fen("8530.99")),
        }
        // The current period keeps the interest accrued on the old balance.
        let current = &loan.installments[1];
        assert!(
            current.owed.interest > fen("200.00") && current.owed.interest < fen("332.88"),
            "{current:?}"
        );
        loan.advance_to(date(2027, 6, 1), &mut postings);
        assert_reconciles(&loan, &postings);
    }
}

#[test]
fn payoff_quote_then_payoff_closes_the_loan() {
    let mut postings = Vec::new();
    let mut t = terms(10_000, 1200, 12, RepaymentMethod::EqualInstallment);
    t.prepayment.fee_rate = Rate::from_bps(100);
    let mut loan = Loan::disburse(t, &mut postings).unwrap();
    let quote = loan.payoff_quote(date(2026, 2, 14)).unwrap();
    assert_eq!(quote.owed.principal, Money::yuan(10_000));
    assert_eq!(quote.prepayment_fee, Money::yuan(100));
    // 14 of 28 days of the 100.00 first-period interest.
    assert_eq!(quote.owed.interest, fen("50.00"));
    assert_eq!(quote.amount, fen("10150.00"));
    assert!(matches!(
        loan.pay_off(date(2026, 2, 14), fen("10149.99"), &mut postings),
        Err(ServicingError::InsufficientForPayoff { .. })
    ));
    let allocation = loan
        .pay_off(date(2026, 2, 14), fen("10200.00"), &mut postings)
        .unwrap();
    assert_eq!(allocation.credit, fen("50.00"));
    assert_eq!(loan.status, LoanStatus::PaidOff);
    assert_eq!(loan.receivables(), Parts::default());
    loan.refund_credit(date(2026, 2, 15), fen("50.00"), &mut postings)
        .unwrap();
    assert_reconciles(&loan, &postings);
    let bank = Balances::of(&postings).balance(Account::Bank);
    assert_eq!(
        bank,
        fen("150.00"),
        "interest 50 + prepayment fee 100 earned"
    );
}

#[test]
fn write_off_clears_every_receivable() {
    let mut postings = Vec::new();
    let mut loan = Loan::disburse(
        terms(10_000, 1200, 6, RepaymentMethod::EqualPrincipal),
        &mut postings,
    )
    .unwrap();
    loan.advance_to(date(2026, 12, 31), &mut postings);
    assert!(loan.dpd() > 180);
    assert_eq!(
        loan.delinquency(&ClassificationThresholds::default())
            .bucket,
        Bucket::M7Plus
    );
    let written = loan.write_off(date(2026, 12, 31), &mut postings).unwrap();
    assert_eq!(written.principal, Money::yuan(10_000));
    assert_eq!(loan.receivables(), Parts::default());
    assert_eq!(
        Balances::of(&postings).balance(Account::WriteOffExpense),
        written.total()
    );
    assert!(matches!(
        loan.repay(date(2027, 1, 5), Money::yuan(1), &mut postings),
        Err(ServicingError::NotActive(LoanStatus::WrittenOff))
    ));
    assert_reconciles(&loan, &postings);
}

#[test]
fn backdated_and_bad_inputs_are_refused_without_change() {
    let mut postings = Vec::new();
    let mut loan = Loan::disburse(
        terms(10_000, 1200, 6, RepaymentMethod::EqualPrincipal),
        &mut postings,
    )
    .unwrap();
    loan.advance_to(date(2026, 3, 1), &mut postings);
    let before = loan.clone();
    assert!(matches!(
        loan.repay(date(2026, 2, 1), Money::yuan(1), &mut postings),
        Err(ServicingError::Backdated { .. })
    ));
    assert!(matches!(
        loan.repay(date(2026, 3, 1), Money::ZERO, &mut postings),
        Err(ServicingError::NonPositiveAmount(_))
    ));
    assert!(
        loan.prepay(
            date(2026, 3, 1),
            Money::yuan(1),
            ReamortiseMode::ReduceTerm,
            &mut Vec::new()
        )
        .is_ok()
    );
    let mut bullet = Loan::disburse(
        terms(10_000, 1200, 6, RepaymentMethod::Bullet),
        &mut Vec::new(),
    )
    .unwrap();
    assert!(matches!(
        bullet.prepay(
            date(2026, 3, 1),
            Money::yuan(1),
            ReamortiseMode::ReduceTerm,
            &mut Vec::new()
        ),
        Err(ServicingError::CannotShortenTerm("bullet"))
    ));
    let mut locked = terms(10_000, 1200, 6, RepaymentMethod::EqualPrincipal);
    locked.prepayment.lock_in_months = 3;
    let locked = Loan::disburse(locked, &mut Vec::new()).unwrap();
    assert!(matches!(
        locked.payoff_quote(date(2026, 3, 1)),
        Err(ServicingError::PrepaymentLockedIn(_))
    ));
    assert_eq!(loan.as_of, before.as_of);
}

#[test]
fn reversing_a_repayment_restores_every_balance() {
    let mut postings = Vec::new();
    let mut history = LoanHistory::open(
        terms(10_000, 1200, 12, RepaymentMethod::EqualInstallment),
        &mut postings,
    )
    .unwrap();
    let pay = |id, d, amount: &str| DatedEvent {
        id,
        date: d,
        event: LoanEvent::Repayment {
            amount: fen(amount),
        },
    };
    history
        .record(pay(1, date(2026, 2, 28), "888.49"), &mut postings)
        .unwrap();
    history
        .record(pay(2, date(2026, 3, 31), "888.49"), &mut postings)
        .unwrap();
    history.advance_to(date(2026, 5, 20), &mut postings);
    history
        .reverse(1, date(2026, 5, 20), &mut postings)
        .unwrap();
    let mut fresh_postings = Vec::new();
    let fresh = LoanHistory::replay(
        terms(10_000, 1200, 12, RepaymentMethod::EqualInstallment),
        &[pay(2, date(2026, 3, 31), "888.49")],
        date(2026, 5, 20),
        &mut fresh_postings,
    )
    .unwrap();
    assert_eq!(history.current(), &fresh);
    assert_eq!(Balances::of(&postings), Balances::of(&fresh_postings));
    assert!(history.current().receivables().penalty.is_positive());
    assert_reconciles(history.current(), &postings);
    assert!(matches!(
        history.reverse(1, date(2026, 5, 20), &mut postings),
        Err(HistoryError::UnknownEvent(1))
    ));
}

#[test]
fn payoff_quotes_work_for_past_dates_too() {
    let mut postings = Vec::new();
    let t = terms(10_000, 1200, 12, RepaymentMethod::EqualInstallment);
    let mut history = LoanHistory::open(t.clone(), &mut postings).unwrap();
    let pay = DatedEvent {
        id: 1,
        date: date(2026, 2, 28),
        event: LoanEvent::Repayment {
            amount: fen("888.49"),
        },
    };
    history.record(pay, &mut postings).unwrap();
    history.advance_to(date(2026, 6, 1), &mut postings);
    // Before the repayment: the whole principal and 14 days' interest.
    let early = history.payoff_quote(date(2026, 2, 14)).unwrap();
    assert_eq!(early.amount, fen("10050.00"));
    // After it: what a fresh loan with that one repayment would quote.
    let fresh = LoanHistory::replay(t, &[pay], date(2026, 3, 10), &mut Discard).unwrap();
    assert_eq!(
        history.payoff_quote(date(2026, 3, 10)).unwrap(),
        fresh.payoff_quote(date(2026, 3, 10)).unwrap()
    );
    assert!(history.payoff_quote(date(2026, 1, 1)).is_err());
}

// ---- properties ----

fn any_method() -> impl Strategy<Value = RepaymentMethod> {
    proptest::sample::select(RepaymentMethod::ALL.to_vec())
}

prop_compose! {
    fn any_terms()(
        principal in 10_000_i64..=100_000_000,
        annual_bps in 0_i64..=2400,
        term_months in 1_u32..=24,
        method in any_method(),
        fee_bps in 0_i64..=80,
        upfront_bps in 0_i64..=300,
        grace_days in 0_u32..=5,
        day_count in proptest::sample::select(vec![DayCount::Actual360, DayCount::Actual365, DayCount::ActualActual, DayCount::Thirty360]),
        installment_first in any::<bool>(),
        prepay_fee_bps in 0_i64..=300,
        full_period_interest in any::<bool>(),
        start_offset in 0_u64..1500,
    ) -> LoanTerms {
        let annual_rate = if method == RepaymentMethod::FlatFee { Rate::ZERO } else { Rate::from_bps(annual_bps) };
        let principal = Money::from_fen(principal);
        LoanTerms {
            schedule: ScheduleTerms {
                principal,
                annual_rate,
                term_months,
                method,
                start_date: date(2025, 1, 1) + Days::new(start_offset),
                monthly_fee_rate: Rate::from_bps(fee_bps),
            },
            upfront_fee: Rate::from_bps(upfront_bps).apply(principal).unwrap(),
            penalty_annual_rate: PenaltyRate::default().annual(annual_rate),
            grace_days,
            allocation: AllocationOrder { installment_first, ..AllocationOrder::default() },
            prepayment: PrepaymentPolicy {
                fee_rate: Rate::from_bps(prepay_fee_bps),
                full_period_interest,
                ..PrepaymentPolicy::default()
            },
            day_count,
        }
    }
}

#[derive(Clone, Debug)]
enum Step {
    Repay {
        gap_days: u64,
        fen: i64,
    },
    Prepay {
        gap_days: u64,
        fen: i64,
        shorten: bool,
    },
    Refund {
        gap_days: u64,
        fen: i64,
    },
    PayOff {
        gap_days: u64,
    },
}

fn any_steps() -> impl Strategy<Value = Vec<Step>> {
    let step = prop_oneof![
        6 => (0_u64..70, 1_i64..2_000_000).prop_map(|(gap_days, fen)| Step::Repay { gap_days, fen }),
        2 => (0_u64..70, 1_i64..5_000_000, any::<bool>()).prop_map(|(gap_days, fen, shorten)| Step::Prepay { gap_days, fen, shorten }),
        1 => (0_u64..40, 1_i64..50_000).prop_map(|(gap_days, fen)| Step::Refund { gap_days, fen }),
        1 => (0_u64..200).prop_map(|gap_days| Step::PayOff { gap_days }),
    ];
    proptest::collection::vec(step, 0..12)
}

/// Turns steps into dated events the loan accepts, dropping those it refuses
/// (a refund above the credit balance, a prepayment that cannot shorten).
fn events_for(terms: &LoanTerms, steps: &[Step]) -> (Vec<DatedEvent>, NaiveDate) {
    let mut loan = Loan::disburse(terms.clone(), &mut Discard).unwrap();
    let mut events = Vec::new();
    let mut day = terms.schedule.start_date;
    for (i, step) in steps.iter().enumerate() {
        let (gap, event) = match *step {
            Step::Repay { gap_days, fen } => (
                gap_days,
                LoanEvent::Repayment {
                    amount: Money::from_fen(fen),
                },
            ),
            Step::Prepay {
                gap_days,
                fen,
                shorten,
            } => (
                gap_days,
                LoanEvent::Prepayment {
                    amount: Money::from_fen(fen),
                    mode: if shorten {
                        ReamortiseMode::ReduceTerm
                    } else {
                        ReamortiseMode::ReduceInstallment
                    },
                },
            ),
            Step::Refund { gap_days, fen } => (
                gap_days,
                LoanEvent::CreditRefund {
                    amount: Money::from_fen(fen),
                },
            ),
            Step::PayOff { gap_days } => {
                let on = day + Days::new(gap_days);
                match loan.payoff_quote(on) {
                    Ok(quote) if quote.amount.is_positive() => (
                        gap_days,
                        LoanEvent::Payoff {
                            amount: quote.amount,
                        },
                    ),
                    _ => continue,
                }
            }
        };
        let candidate = DatedEvent {
            id: i as u64 + 1,
            date: day + Days::new(gap),
            event,
        };
        let mut trial = loan.clone();
        if trial.apply(&candidate, &mut Discard).is_ok() {
            loan = trial;
            day = candidate.date;
            events.push(candidate);
        }
    }
    (events, day + Days::new(400))
}

use crate::ledger::Discard;

proptest! {
    #[test]
    fn every_history_reconciles_with_its_ledger(terms in any_terms(), steps in any_steps()) {
        let (events, end) = events_for(&terms, &steps);
        let mut postings = Vec::new();
        let loan = LoanHistory::replay(terms, &events, end, &mut postings).unwrap();
        assert_reconciles(&loan, &postings);
        for p in &postings {
            prop_assert!(p.amount.is_positive());
        }
        // Money in from the borrower equals money out of the loan's accounts:
        // the bank moved exactly what the borrower paid less refunds less proceeds.
        let paid: i64 = events.iter().map(|e| match e.event {
            LoanEvent::Repayment { amount } | LoanEvent::Prepayment { amount, .. } | LoanEvent::Payoff { amount } => amount.fen(),
            LoanEvent::CreditRefund { amount } => -amount.fen(),
            LoanEvent::WriteOff | LoanEvent::OpeningBalance { .. } => 0,
        }).sum();
        let proceeds = loan.terms.schedule.principal.fen() - loan.terms.upfront_fee.fen();
        prop_assert_eq!(Balances::of(&postings).balance(Account::Bank).fen(), paid - proceeds);
    }

    #[test]
    fn skipping_quiet_days_equals_walking_every_day(terms in any_terms(), steps in any_steps()) {
        let (events, end) = events_for(&terms, &steps);
        let mut daily = Vec::new();
        let walked = LoanHistory::replay(terms.clone(), &events, end, &mut daily).unwrap();
        let mut totals = Balances::default();
        let skipped = LoanHistory::replay(terms, &events, end, &mut totals).unwrap();
        prop_assert_eq!(&walked, &skipped);
        prop_assert_eq!(Balances::of(&daily), totals);
    }

    #[test]
    fn live_application_equals_replay(terms in any_terms(), steps in any_steps()) {
        let (events, end) = events_for(&terms, &steps);
        let mut live_postings = Vec::new();
        let mut history = LoanHistory::open(terms.clone(), &mut live_postings).unwrap();
        for event in &events {
            history.advance_to(event.date, &mut live_postings);
            history.record(*event, &mut live_postings).unwrap();
        }
        history.advance_to(end, &mut live_postings);
        let mut replay_postings = Vec::new();
        let replayed = LoanHistory::replay(terms, &events, end, &mut replay_postings).unwrap();
        prop_assert_eq!(history.current(), &replayed);
        prop_assert_eq!(live_postings, replay_postings);
    }

    #[test]
    fn reversing_any_event_equals_never_having_it(terms in any_terms(), steps in any_steps(), pick in any::<prop::sample::Index>()) {
        let (events, end) = events_for(&terms, &steps);
        if events.is_empty() {
            return Ok(()); // every step was refused: nothing to reverse or backdate
        }
        let victim = events[pick.index(events.len())];
        let mut postings = Vec::new();
        let mut history = LoanHistory::open(terms.clone(), &mut postings).unwrap();
        for event in &events {
            history.record(*event, &mut postings).unwrap();
        }
        history.advance_to(end, &mut postings);
        let remaining: Vec<DatedEvent> = events.iter().copied().filter(|e| e.id != victim.id).collect();
        let mut fresh_postings = Vec::new();
        match LoanHistory::replay(terms, &remaining, end, &mut fresh_postings) {
            Ok(fresh) => {
                let before = history.current().clone();
                match history.reverse(victim.id, end, &mut postings) {
                    Ok(()) => {
                        prop_assert_eq!(history.current(), &fresh);
                        prop_assert_eq!(Balances::of(&postings), Balances::of(&fresh_postings));
                        assert_reconciles(history.current(), &postings);
                    }
                    // A later event depended on it: refused, nothing changed.
                    Err(HistoryError::Conflict { .. }) => prop_assert_eq!(history.current(), &before),
                    Err(other) => prop_assert!(false, "{other}"),
                }
            }
            Err(_) => {
                let before = history.current().clone();
                prop_assert!(history.reverse(victim.id, end, &mut postings).is_err());
                prop_assert_eq!(history.current(), &before);
            }
        }
    }

    #[test]
    fn a_backdated_event_equals_having_had_it_on_time(terms in any_terms(), steps in any_steps(), pick in any::<prop::sample::Index>()) {
        let (events, end) = events_for(&terms, &steps);
        if events.is_empty() {
            return Ok(()); // every step was refused: nothing to reverse or backdate
        }
        let late = events[pick.index(events.len())];
        let mut postings = Vec::new();
        let mut history = LoanHistory::open(terms.clone(), &mut postings).unwrap();
        for event in events.iter().filter(|e| e.id != late.id) {
            if history.record(*event, &mut postings).is_err() {
                return Ok(()); // without the late event a later one is refused: nothing to compare
            }
        }
        history.advance_to(end, &mut postings);
        match history.record(late, &mut postings) {
            Ok(_) => {
                // A late event goes after the events already recorded on its date.
                let recorded = history.events();
                prop_assert!(recorded.windows(2).all(|w| w[0].date <= w[1].date));
                let mut fresh_postings = Vec::new();
                let fresh = LoanHistory::replay(terms, recorded, end, &mut fresh_postings).unwrap();
                prop_assert_eq!(history.current(), &fresh);
                prop_assert_eq!(Balances::of(&postings), Balances::of(&fresh_postings));
            }
            Err(HistoryError::Conflict { .. }) => {}
            Err(other) => prop_assert!(false, "{other}"),
        }
    }
}
