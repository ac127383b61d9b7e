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
    let mut locked = Loan::disburse(locked, &mut Vec::new()).unwrap();
    // A quote is given during the lock-in; paying off is refused.
    let quote = locked.payoff_quote(date(2026, 3, 1)).unwrap();
    assert_eq!(quote.allowed_from, Some(date(2026, 4, 30)));
    assert!(matches!(
        locked.pay_off(date(2026, 3, 1), quote.amount, &mut Vec::new()),
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
                    Ok(quote) => (
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

// ---- servicing edge cases: fee rounding, closing from credit, modes, lock-in ----

fn with_fee(mut t: LoanTerms, bps: i64) -> LoanTerms {
    t.prepayment.fee_rate = Rate::from_bps(bps);
    t
}

#[test]
fn a_prepayment_takes_the_largest_principal_its_fee_allows() {
    let mut postings = Vec::new();
    let t = with_fee(
        terms(10_000, 1200, 12, RepaymentMethod::EqualInstallment),
        100,
    );
    let mut loan = Loan::disburse(t, &mut postings).unwrap();
    // 3,381.01 + round(33.8101) = 3,414.82 exactly: no fen is left as credit
    // (3,381.00 + 33.81 left 0.01 before).
    assert_eq!(
        loan.principal_affordable(fen("3414.82"), Money::yuan(10_000)),
        fen("3381.01")
    );
    let allocation = loan
        .prepay(
            date(2026, 2, 14),
            fen("3414.82"),
            ReamortiseMode::ReduceInstallment,
            &mut postings,
        )
        .unwrap();
    assert_eq!(allocation.parts.principal, fen("3381.01"));
    assert_eq!(allocation.parts.fee, fen("33.81"));
    assert_eq!(allocation.credit, Money::ZERO);
    assert_eq!(loan.credit_balance, Money::ZERO);
    assert_eq!(loan.principal_outstanding(), fen("6618.99"));
    // One fen more principal would cost 3,381.02 + 33.81 = 3,414.83.
    assert_eq!(
        loan.principal_affordable(fen("3414.82"), Money::yuan(10_000)),
        fen("3381.01")
    );
    assert_eq!(
        loan.principal_affordable(fen("3414.83"), Money::yuan(10_000)),
        fen("3381.02")
    );
    // Never more than the principal not yet due.
    assert_eq!(
        loan.principal_affordable(Money::yuan(20_000), fen("6618.99")),
        fen("6618.99")
    );
    loan.advance_to(date(2026, 6, 1), &mut postings);
    assert_reconciles(&loan, &postings);
}

#[test]
fn a_loan_whose_credit_covers_the_quote_closes_from_credit() {
    let mut postings = Vec::new();
    let mut loan = Loan::disburse(
        terms(10_000, 1200, 12, RepaymentMethod::EqualInstallment),
        &mut postings,
    )
    .unwrap();
    let paid = loan
        .repay(date(2026, 2, 10), Money::yuan(10_200), &mut postings)
        .unwrap();
    assert_eq!(paid.credit, Money::yuan(10_200));
    let quote = loan.payoff_quote(date(2026, 2, 14)).unwrap();
    assert_eq!(quote.owed.principal, Money::yuan(10_000));
    assert_eq!(quote.owed.interest, fen("50.00"));
    assert_eq!(quote.credit_applied, fen("10050.00"));
    assert_eq!(quote.amount, Money::ZERO);
    assert_eq!(quote.allowed_from, None);
    assert_eq!(
        loan.max_acceptable(PaymentKind::Payoff, date(2026, 2, 14)),
        Ok(Money::ZERO)
    );
    assert_eq!(
        loan.check_payment(PaymentKind::Payoff, date(2026, 2, 14), Money::ZERO),
        Ok(())
    );
    assert!(matches!(
        loan.check_payment(PaymentKind::Payoff, date(2026, 2, 14), fen("0.01")),
        Err(ServicingError::AboveMaximum { .. })
    ));
    let allocation = loan
        .close_from_credit(date(2026, 2, 14), &mut postings)
        .unwrap();
    assert_eq!(allocation.parts.principal, Money::yuan(10_000));
    assert_eq!(allocation.parts.interest, fen("50.00"));
    assert_eq!(allocation.parts.fee, Money::ZERO);
    // No money came in: the components and the credit used sum to zero.
    assert_eq!(allocation.credit, fen("-10050.00"));
    assert_eq!(loan.status, LoanStatus::PaidOff);
    assert_eq!(loan.receivables(), Parts::default());
    // What is left stays as credit, refundable.
    assert_eq!(loan.credit_balance, fen("150.00"));
    assert_reconciles(&loan, &postings);
    let ledger = Balances::of(&postings);
    assert_eq!(ledger.balance(Account::BorrowerCredit), fen("150.00"));
    loan.refund_credit(date(2026, 2, 15), fen("150.00"), &mut postings)
        .unwrap();
    assert_reconciles(&loan, &postings);
    assert_eq!(
        Balances::of(&postings).balance(Account::Bank),
        fen("50.00"),
        "14 days' interest earned"
    );
}

#[test]
fn closing_from_credit_is_a_payoff_of_zero_in_the_history() {
    let t = with_fee(
        terms(10_000, 1200, 12, RepaymentMethod::EqualInstallment),
        100,
    );
    let events = [
        DatedEvent {
            id: 1,
            date: date(2026, 2, 10),
            event: LoanEvent::Repayment {
                amount: fen("10150.00"),
            },
        },
        DatedEvent {
            id: 2,
            date: date(2026, 2, 14),
            event: LoanEvent::Payoff {
                amount: Money::ZERO,
            },
        },
    ];
    let mut postings = Vec::new();
    let mut history = LoanHistory::open(t.clone(), &mut postings).unwrap();
    // A zero payoff is refused while the credit does not cover the quote.
    assert!(matches!(
        history.current().clone().close_from_credit(date(2026, 2, 14), &mut Discard),
        Err(ServicingError::InsufficientForPayoff { required, .. }) if required == fen("10150.00")
    ));
    for event in events {
        history.record(event, &mut postings).unwrap();
    }
    // 10,000.00 principal + 50.00 interest + 100.00 prepayment fee, exactly.
    assert_eq!(history.current().status, LoanStatus::PaidOff);
    assert_eq!(history.current().credit_balance, Money::ZERO);
    let mut replayed_postings = Vec::new();
    let replayed =
        LoanHistory::replay(t, &events, date(2026, 3, 1), &mut replayed_postings).unwrap();
    assert_eq!(replayed.status, LoanStatus::PaidOff);
    assert_reconciles(&replayed, &replayed_postings);
    // Reversing the repayment reopens the loan: the payoff of zero conflicts.
    assert!(matches!(
        history.reverse(1, date(2026, 2, 14), &mut postings),
        Err(HistoryError::Conflict { id: 2, .. })
    ));
}

#[test]
fn an_interest_first_loan_refuses_to_shorten_its_term() {
    let mut postings = Vec::new();
    let mut loan = Loan::disburse(
        terms(10_000, 1200, 6, RepaymentMethod::InterestFirst),
        &mut postings,
    )
    .unwrap();
    let before = loan.clone();
    let on = date(2026, 2, 14);
    let refused = ServicingError::CannotShortenTerm("interest-first");
    let shorten = ReamortiseMode::ReduceTerm;
    assert_eq!(
        loan.check_prepayment(on, Money::yuan(1_000), shorten),
        Err(refused.clone())
    );
    assert_eq!(
        loan.max_acceptable(PaymentKind::Prepayment(shorten), on),
        Err(refused.clone())
    );
    let mut refused_postings = Vec::new();
    assert_eq!(
        loan.prepay(on, Money::yuan(1_000), shorten, &mut refused_postings),
        Err(refused.clone())
    );
    // Even an amount that would pay the loan off: the mode does not exist.
    assert_eq!(
        loan.prepay(on, Money::yuan(20_000), shorten, &mut refused_postings),
        Err(refused)
    );
    assert_eq!(loan, before);
    assert!(refused_postings.is_empty());
    // Lowering the instalment is what it can do.
    let lower = ReamortiseMode::ReduceInstallment;
    assert_eq!(
        loan.max_acceptable(PaymentKind::Prepayment(lower), on),
        Ok(fen("10050.00"))
    );
    loan.check_prepayment(on, Money::yuan(1_000), lower)
        .unwrap();
    let allocation = loan
        .prepay(on, Money::yuan(1_000), lower, &mut postings)
        .unwrap();
    assert_eq!(allocation.parts.principal, Money::yuan(1_000));
    assert_eq!(allocation.credit, Money::ZERO);
    assert_eq!(loan.installments.len(), 6);
    // 14 days at 100.00 a month, then 14 days on 9,000.00 (90.00 a month).
    assert_eq!(loan.installments[0].owed.interest, fen("95.00"));
    assert_eq!(loan.installments[1].owed.interest, fen("90.00"));
    assert_eq!(loan.installments[5].owed.principal, Money::yuan(9_000));
    loan.advance_to(date(2026, 8, 1), &mut postings);
    assert_reconciles(&loan, &postings);
}

#[test]
fn the_payoff_quote_is_given_during_a_lock_in() {
    let mut t = terms(10_000, 1200, 6, RepaymentMethod::EqualPrincipal);
    t.prepayment.lock_in_months = 3;
    let mut loan = Loan::disburse(t.clone(), &mut Vec::new()).unwrap();
    let on = date(2026, 2, 14);
    let quote = loan.payoff_quote(on).unwrap();
    assert_eq!(quote.owed.principal, Money::yuan(10_000));
    assert_eq!(quote.owed.interest, fen("50.00"));
    assert_eq!(quote.amount, fen("10050.00"));
    assert_eq!(quote.allowed_from, Some(date(2026, 4, 30)));
    let locked = ServicingError::PrepaymentLockedIn(date(2026, 4, 30));
    let before = loan.clone();
    let mut postings = Vec::new();
    assert_eq!(
        loan.pay_off(on, quote.amount, &mut postings),
        Err(locked.clone())
    );
    assert_eq!(
        loan.prepay(
            on,
            Money::yuan(1_000),
            ReamortiseMode::ReduceInstallment,
            &mut postings
        ),
        Err(locked.clone())
    );
    assert_eq!(
        loan.check_payment(PaymentKind::Payoff, on, quote.amount),
        Err(locked.clone())
    );
    assert_eq!(loan.max_acceptable(PaymentKind::Payoff, on), Err(locked));
    assert_eq!(loan, before);
    assert!(postings.is_empty());
    // A repayment is not a prepayment: allowed, up to the next instalment.
    assert_eq!(
        loan.max_acceptable(PaymentKind::Repayment, on),
        Ok(fen("1766.67"))
    );
    // From the end of the lock-in, the quote has no restriction.
    assert_eq!(
        loan.payoff_quote(date(2026, 4, 30)).unwrap().allowed_from,
        None
    );

    // A product without prepayment: payoff only once all principal is due.
    let mut never = terms(10_000, 1200, 6, RepaymentMethod::EqualPrincipal);
    never.prepayment.allowed = false;
    let never = Loan::disburse(never, &mut Vec::new()).unwrap();
    let quote = never.payoff_quote(on).unwrap();
    assert_eq!(quote.amount, fen("10050.00"));
    assert_eq!(quote.allowed_from, Some(date(2026, 7, 31)));
    assert_eq!(
        never.check_payment(PaymentKind::Payoff, on, quote.amount),
        Err(ServicingError::PrepaymentNotAllowed)
    );
    assert_eq!(
        never.payoff_quote(date(2026, 7, 31)).unwrap().allowed_from,
        None
    );
}

#[test]
fn the_most_a_loan_takes_is_checked_before_money_moves() {
    let t = terms(10_000, 1200, 12, RepaymentMethod::EqualInstallment);
    let mut loan = Loan::disburse(t, &mut Vec::new()).unwrap();
    let on = date(2026, 2, 14);
    // Nothing due yet: a repayment takes at most the next instalment.
    assert_eq!(
        loan.max_acceptable(PaymentKind::Repayment, on),
        Ok(fen("888.49"))
    );
    assert_eq!(
        loan.check_payment(PaymentKind::Repayment, on, fen("888.50")),
        Err(ServicingError::AboveMaximum {
            kind: PaymentKind::Repayment,
            date: on,
            maximum: fen("888.49"),
            offered: fen("888.50"),
        })
    );
    assert_eq!(
        loan.check_payment(PaymentKind::Repayment, on, Money::ZERO),
        Err(ServicingError::NonPositiveAmount(Money::ZERO))
    );
    let lower = PaymentKind::Prepayment(ReamortiseMode::ReduceInstallment);
    assert_eq!(loan.max_acceptable(lower, on), Ok(fen("10050.00")));
    assert!(matches!(
        loan.check_payment(lower, on, fen("10050.01")),
        Err(ServicingError::AboveMaximum { .. })
    ));
    assert_eq!(
        loan.check_payment(PaymentKind::Payoff, on, fen("10050.00")),
        Ok(())
    );
    assert!(matches!(
        loan.check_payment(PaymentKind::Payoff, on, fen("10049.99")),
        Err(ServicingError::InsufficientForPayoff { .. })
    ));
    assert!(matches!(
        loan.check_payment(PaymentKind::Payoff, on, fen("10050.01")),
        Err(ServicingError::AboveMaximum { .. })
    ));
    // Paid ahead, the next instalment is covered: the most is now zero.
    loan.repay(on, fen("888.49"), &mut Discard).unwrap();
    assert_eq!(
        loan.max_acceptable(PaymentKind::Repayment, on),
        Ok(Money::ZERO)
    );
    loan.advance_to(date(2026, 2, 28), &mut Discard);
    assert_eq!(loan.credit_balance, Money::ZERO);
    assert!(loan.installments[0].is_settled());
    assert_eq!(
        loan.max_acceptable(PaymentKind::Repayment, date(2026, 2, 28)),
        Ok(fen("888.49"))
    );
    assert!(matches!(
        loan.max_acceptable(PaymentKind::Repayment, date(2026, 2, 1)),
        Err(ServicingError::Backdated { .. })
    ));
}

proptest! {
    #[test]
    fn the_prepaid_principal_is_the_largest_its_fee_allows(
        principal in 100_000_i64..=100_000_000,
        fee_units in 0_i64..=1_000_000_000,
        day in 1_u64..=27,
        share in 1_u32..=999,
        available in 0_i64..=2_000_000_000_000,
        cap in 0_i64..=1_000_000_000_000,
    ) {
        let mut t = terms(0, 1200, 12, RepaymentMethod::EqualInstallment);
        t.schedule.principal = Money::from_fen(principal);
        t.prepayment.fee_rate = Rate::from_units(fee_units);
        let rate = t.prepayment.fee_rate;
        let fee = |p: i64| rate.apply(Money::from_fen(p)).unwrap().fen();
        let mut postings = Vec::new();
        let mut loan = Loan::disburse(t, &mut postings).unwrap();

        // The search itself, for any amount and cap.
        let p = loan
            .principal_affordable(Money::from_fen(available), Money::from_fen(cap))
            .fen();
        prop_assert!((0..=cap).contains(&p));
        prop_assert!(p + fee(p) <= available);
        prop_assert!(p == cap || p + 1 + fee(p + 1) > available);

        // And as a prepayment applies it: nothing is due in the first period.
        let on = date(2026, 1, 31) + Days::new(day);
        let quote = loan.payoff_quote(on).unwrap();
        let amount = quote.amount.fen() * share as i64 / 1000;
        prop_assume!(amount > 0);
        let allocation = loan
            .prepay(on, Money::from_fen(amount), ReamortiseMode::ReduceInstallment, &mut postings)
            .unwrap();
        let p = allocation.parts.principal.fen();
        prop_assert_eq!(allocation.parts.fee.fen(), fee(p));
        prop_assert_eq!(p + fee(p) + allocation.credit.fen(), amount);
        prop_assert!(p == principal || p + 1 + fee(p + 1) > amount);
        // At most the fen the fee's rounding leaves, unless every fen of
        // principal was prepaid (the rest then waits as credit for the
        // current period's interest).
        prop_assert!(allocation.credit.fen() <= 1 || p == principal);
        assert_reconciles(&loan, &postings);
    }
}

#[derive(Clone, Debug)]
enum Offer {
    /// Exactly the most the loan takes.
    Maximum,
    /// That many fen above it.
    Above(i64),
    /// A share (per mille) of it.
    Share(u32),
    /// Any amount.
    Fen(i64),
}

fn any_kind() -> impl Strategy<Value = PaymentKind> {
    proptest::sample::select(vec![
        PaymentKind::Repayment,
        PaymentKind::Prepayment(ReamortiseMode::ReduceInstallment),
        PaymentKind::Prepayment(ReamortiseMode::ReduceTerm),
        PaymentKind::Payoff,
    ])
}

fn any_offer() -> impl Strategy<Value = Offer> {
    prop_oneof![
        Just(Offer::Maximum),
        (1_i64..100_000).prop_map(Offer::Above),
        (1_u32..=1000).prop_map(Offer::Share),
        (0_i64..5_000_000).prop_map(Offer::Fen),
    ]
}

/// Principal not yet due on the loan's business date.
fn unbilled_principal(loan: &Loan) -> Money {
    Money::from_fen(
        loan.installments[loan.billed_count()..]
            .iter()
            .map(|i| i.outstanding().principal.fen())
            .sum(),
    )
}

proptest! {
    #[test]
    fn what_the_check_accepts_applies_as_checked(
        mut terms in any_terms(),
        steps in any_steps(),
        policy in 0_u32..8,
        gap in 0_u64..120,
        kind in any_kind(),
        offer in any_offer(),
    ) {
        match policy {
            0 => terms.prepayment.allowed = false,
            1..=3 => terms.prepayment.lock_in_months = policy,
            _ => {}
        }
        let (events, _) = events_for(&terms, &steps);
        // The loan after its events, up to (not including) one that closes it.
        let mut postings = Vec::new();
        let mut loan = Loan::disburse(terms, &mut postings).unwrap();
        let mut last = loan.as_of;
        for event in &events {
            let (mut trial, mut trial_postings) = (loan.clone(), postings.clone());
            trial.apply(event, &mut trial_postings).unwrap();
            if trial.status != LoanStatus::Active {
                break;
            }
            (loan, postings, last) = (trial, trial_postings, event.date);
        }
        let on = last + Days::new(gap);
        let event = |amount| DatedEvent { id: 0, date: on, event: kind.event(amount) };
        let maximum = match loan.max_acceptable(kind, on) {
            Ok(maximum) => maximum,
            Err(error) => {
                // Whatever the check refuses outright, applying refuses too.
                let mut trial = loan.clone();
                prop_assert!(trial.apply(&event(Money::yuan(1)), &mut Discard).is_err(), "{error}");
                prop_assert!(loan.check_payment(kind, on, Money::yuan(1)).is_err());
                return Ok(());
            }
        };
        let amount = Money::from_fen(match offer {
            Offer::Maximum => maximum.fen(),
            Offer::Above(fen) => maximum.fen() + fen,
            Offer::Share(per_mille) => maximum.fen() * per_mille as i64 / 1000,
            Offer::Fen(fen) => fen,
        });
        let checked = loan.check_payment(kind, on, amount);
        if amount > maximum {
            let above = matches!(checked, Err(ServicingError::AboveMaximum { .. }));
            prop_assert!(above, "{checked:?}");
            return Ok(());
        }
        let expected_ok = match kind {
            PaymentKind::Payoff => amount == maximum,
            _ => amount.is_positive(),
        };
        prop_assert_eq!(checked.is_ok(), expected_ok, "{:?}", checked);
        if checked.is_err() {
            return Ok(());
        }
        let mut after = loan.clone();
        let allocation = after.apply(&event(amount), &mut postings);
        prop_assert!(allocation.is_ok(), "{allocation:?}");
        let allocation = allocation.unwrap();
        assert_reconciles(&after, &postings);
        // The split always accounts for the payment, fen for fen.
        prop_assert_eq!(allocation.parts.total().fen() + allocation.credit.fen(), amount.fen());
        let paid_off = after.status == LoanStatus::PaidOff;
        match kind {
            PaymentKind::Repayment => {
                let next = after
                    .installments
                    .get(after.billed_count())
                    .map_or(Money::ZERO, |i| i.outstanding().total());
                prop_assert!(after.credit_balance <= next || (paid_off && allocation.credit.is_zero()),
                    "credit {} beyond the next instalment {}", after.credit_balance, next);
            }
            PaymentKind::Prepayment(_) => {
                if paid_off {
                    prop_assert!(!allocation.credit.is_positive());
                } else {
                    prop_assert!(
                        allocation.credit <= Money::from_fen(1) || unbilled_principal(&after).is_zero(),
                        "credit {}", allocation.credit
                    );
                }
            }
            PaymentKind::Payoff => {
                prop_assert!(paid_off);
                prop_assert!(!allocation.credit.is_positive());
            }
        }
    }
}
