//! Loans taken over from another system at a cut-over date.
//!
//! The loan was disbursed and serviced elsewhere; what this system knows is
//! its terms (start date included) and what it owed at the end of the
//! cut-over date: principal outstanding, interest accrued and unpaid, fees
//! charged and unpaid, penalty recognised and unpaid, and any credit balance.
//! [`LoanEvent::OpeningBalance`] turns that into a state the core services
//! from then on, as the loan's first event: the schedule is the contractual
//! one, advanced to the cut-over with nothing paid, then what was paid is
//! read off the balances and settled oldest instalment first (principal,
//! interest and fee each); the penalty is owed on the oldest overdue
//! instalment still open (or the last overdue one). The event posts the
//! balances against [`Account::MigrationClearing`] instead of a
//! disbursement, so the receivable accounts equal the balances and debits
//! equal credits. Replaying the history (open, advance to the cut-over,
//! apply the event) gives the same state: it is a fold like any other.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::{
    DatedEvent, HistoryError, Loan, LoanEvent, LoanHistory, LoanStatus, LoanTerms, Parts, post,
};
use crate::ledger::{Account, Discard, EntryKind, PostingSink};
use crate::money::Money;

/// What a loan owed at the end of the cut-over date.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpeningBalances {
    /// Principal not yet repaid, due or not.
    pub principal: Money,
    /// Interest accrued and not yet paid.
    pub interest: Money,
    /// Fees charged and not yet paid.
    pub fee: Money,
    /// Penalty interest recognised and not yet paid.
    pub penalty: Money,
    /// Money received beyond what was owed.
    pub credit: Money,
}

/// Why balances cannot open a loan with these terms. Every variant names
/// the balance (the import's column) it is about.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum OpeningError {
    #[error("{field} is negative: {amount}")]
    Negative { field: &'static str, amount: Money },
    #[error("the cut-over date {cut_over} is before the disbursement date {start}")]
    CutOverBeforeDisbursement {
        cut_over: NaiveDate,
        start: NaiveDate,
    },
    #[error("principal is zero: a repaid loan is not taken over")]
    NothingOutstanding,
    #[error("principal {outstanding} is above the loan's principal {principal}")]
    PrincipalAboveLoan {
        outstanding: Money,
        principal: Money,
    },
    #[error(
        "principal {outstanding} is below the {not_yet_due} not yet due under the schedule: \
         a prepaid loan is taken over with its re-amortised terms"
    )]
    PrincipalBelowNotYetDue {
        outstanding: Money,
        not_yet_due: Money,
    },
    #[error("interest {receivable} is above the {accrued} the schedule accrued by the cut-over")]
    InterestAboveAccrued { receivable: Money, accrued: Money },
    #[error(
        "interest {receivable} is below the {current} accrued in the current period, \
         which cannot have been paid yet"
    )]
    InterestBelowCurrentPeriod { receivable: Money, current: Money },
    #[error("fee {receivable} is above the {charged} in fees the schedule charged by the cut-over")]
    FeeAboveCharged { receivable: Money, charged: Money },
    #[error("penalty {0} but no instalment is overdue at the cut-over")]
    PenaltyWithoutArrears(Money),
    #[error("credit {credit} while {due} is due: a credit balance would have paid it")]
    CreditWhileDue { credit: Money, due: Money },
    #[error("opening balances must be the loan's first event")]
    NotFirstEvent,
}

impl OpeningBalances {
    fn check_signs(&self) -> Result<(), OpeningError> {
        for (field, amount) in [
            ("principal", self.principal),
            ("interest", self.interest),
            ("fee", self.fee),
            ("penalty", self.penalty),
            ("credit", self.credit),
        ] {
            if amount.is_negative() {
                return Err(OpeningError::Negative { field, amount });
            }
        }
        Ok(())
    }
}

/// Pays `amount` oldest instalment first, at most `cap(i)` on instalment
/// `i`, into the component `part` selects.
fn settle_oldest_first(
    loan: &mut Loan,
    mut amount: i64,
    cap: impl Fn(&super::InstallmentState) -> i64,
    part: impl Fn(&mut Parts) -> &mut Money,
) {
    for inst in &mut loan.installments {
        if amount == 0 {
            break;
        }
        let paid = cap(inst).min(amount);
        if paid > 0 {
            *part(&mut inst.paid) = Money::from_fen(paid);
            amount -= paid;
        }
    }
}

impl Loan {
    /// The state at the end of `date` of a loan that owed `balances` then:
    /// the loan must not have been serviced here yet (a fresh
    /// disbursement, possibly advanced). Posts the balances against the
    /// migration clearing account.
    pub(super) fn open_with_balances(
        &mut self,
        date: NaiveDate,
        balances: &OpeningBalances,
        sink: &mut impl PostingSink,
    ) -> Result<(), OpeningError> {
        // Worked on a copy: a refused opening leaves the loan as it was.
        let mut opened = self.clone();
        opened.take_over(date, balances, sink)?;
        *self = opened;
        Ok(())
    }

    fn take_over(
        &mut self,
        date: NaiveDate,
        balances: &OpeningBalances,
        sink: &mut impl PostingSink,
    ) -> Result<(), OpeningError> {
        let untouched = self.status == LoanStatus::Active
            && self.credit_balance.is_zero()
            && self.principal_prepaid.is_zero()
            && self.written_off == Parts::default()
            && self
                .installments
                .iter()
                .all(|inst| inst.paid == Parts::default());
        if !untouched {
            return Err(OpeningError::NotFirstEvent);
        }
        let start = self.terms.schedule.start_date;
        if date < start || date < self.as_of {
            return Err(OpeningError::CutOverBeforeDisbursement {
                cut_over: date,
                start,
            });
        }
        balances.check_signs()?;
        // What the contract had recognised by the cut-over, nothing paid.
        self.advance_to(date, &mut Discard);
        let billed = self.billed_count();

        let principal: i64 = self
            .installments
            .iter()
            .map(|i| i.owed.principal.fen())
            .sum();
        let not_yet_due: i64 = self.installments[billed..]
            .iter()
            .map(|i| i.owed.principal.fen())
            .sum();
        if balances.principal.is_zero() {
            return Err(OpeningError::NothingOutstanding);
        }
        if balances.principal.fen() > principal {
            return Err(OpeningError::PrincipalAboveLoan {
                outstanding: balances.principal,
                principal: Money::from_fen(principal),
            });
        }
        if balances.principal.fen() < not_yet_due {
            return Err(OpeningError::PrincipalBelowNotYetDue {
                outstanding: balances.principal,
                not_yet_due: Money::from_fen(not_yet_due),
            });
        }

        let accrued: i64 = self
            .installments
            .iter()
            .map(|i| i.interest_accrued.fen())
            .sum();
        let current: i64 = self.installments[billed..]
            .iter()
            .map(|i| i.interest_accrued.fen())
            .sum();
        if balances.interest.fen() > accrued {
            return Err(OpeningError::InterestAboveAccrued {
                receivable: balances.interest,
                accrued: Money::from_fen(accrued),
            });
        }
        if balances.interest.fen() < current {
            return Err(OpeningError::InterestBelowCurrentPeriod {
                receivable: balances.interest,
                current: Money::from_fen(current),
            });
        }

        let charged: i64 = self
            .installments
            .iter()
            .filter(|i| i.fee_charged)
            .map(|i| i.owed.fee.fen())
            .sum();
        if balances.fee.fen() > charged {
            return Err(OpeningError::FeeAboveCharged {
                receivable: balances.fee,
                charged: Money::from_fen(charged),
            });
        }

        // The penalty the contract would have run up unpaid is replaced by
        // the penalty the other system recognised.
        for inst in &mut self.installments {
            inst.owed.penalty = Money::ZERO;
            inst.pending_penalty = Money::ZERO;
        }
        settle_oldest_first(
            self,
            principal - balances.principal.fen(),
            |i| i.owed.principal.fen(),
            |p| &mut p.principal,
        );
        settle_oldest_first(
            self,
            accrued - balances.interest.fen(),
            |i| i.interest_accrued.fen(),
            |p| &mut p.interest,
        );
        settle_oldest_first(
            self,
            charged - balances.fee.fen(),
            |i| if i.fee_charged { i.owed.fee.fen() } else { 0 },
            |p| &mut p.fee,
        );
        if balances.penalty.is_positive() {
            let overdue = self
                .installments
                .partition_point(|inst| inst.due_date < date);
            let on = self.installments[..overdue]
                .iter()
                .position(|inst| !inst.is_settled())
                .or(overdue.checked_sub(1))
                .ok_or(OpeningError::PenaltyWithoutArrears(balances.penalty))?;
            self.installments[on].owed.penalty = balances.penalty;
        }
        let due = self.amount_due();
        if balances.credit.is_positive() && due.is_positive() {
            return Err(OpeningError::CreditWhileDue {
                credit: balances.credit,
                due,
            });
        }
        self.credit_balance = balances.credit;

        for (account, amount) in [
            (Account::PrincipalReceivable, balances.principal),
            (Account::InterestReceivable, balances.interest),
            (Account::FeeReceivable, balances.fee),
            (Account::PenaltyReceivable, balances.penalty),
        ] {
            post(
                sink,
                date,
                EntryKind::OpeningBalance,
                account,
                Account::MigrationClearing,
                amount,
            );
        }
        post(
            sink,
            date,
            EntryKind::OpeningBalance,
            Account::MigrationClearing,
            Account::BorrowerCredit,
            balances.credit,
        );
        Ok(())
    }
}

impl LoanHistory {
    /// A loan taken over at `cut_over` owing `balances`: its history is the
    /// one [`LoanEvent::OpeningBalance`] event `id`. Posts only the opening
    /// balances (the disbursement happened in the other system).
    pub fn open_with_balances(
        terms: LoanTerms,
        id: u64,
        cut_over: NaiveDate,
        balances: OpeningBalances,
        sink: &mut impl PostingSink,
    ) -> Result<LoanHistory, HistoryError> {
        let start = terms.schedule.start_date;
        if cut_over < start {
            return Err(HistoryError::Servicing(
                OpeningError::CutOverBeforeDisbursement { cut_over, start }.into(),
            ));
        }
        let mut history = LoanHistory::open(terms, &mut Discard)?;
        history.advance_to(cut_over, &mut Discard);
        history.record(
            DatedEvent {
                id,
                date: cut_over,
                event: LoanEvent::OpeningBalance { balances },
            },
            sink,
        )?;
        Ok(history)
    }
}

/// Whether a history starts with opening balances, so that its disbursement
/// was posted elsewhere.
pub(super) fn taken_over(events: &[DatedEvent]) -> bool {
    events
        .first()
        .is_some_and(|e| matches!(e.event, LoanEvent::OpeningBalance { .. }))
}

#[cfg(test)]
mod tests {
    use chrono::Days;
    use proptest::prelude::*;

    use super::*;
    use crate::calendar::DayCount;
    use crate::ledger::{Balances, Posting};
    use crate::loan::ServicingError;
    use crate::product::{AllocationOrder, PenaltyRate, PrepaymentPolicy};
    use crate::rate::Rate;
    use crate::schedule::{RepaymentMethod, ScheduleTerms};

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn terms(
        principal_fen: i64,
        annual_bps: i64,
        months: u32,
        method: RepaymentMethod,
        fee_bps: i64,
        installment_first: bool,
        grace_days: u32,
    ) -> LoanTerms {
        let annual_rate = if method == RepaymentMethod::FlatFee {
            Rate::ZERO
        } else {
            Rate::from_bps(annual_bps)
        };
        LoanTerms {
            schedule: ScheduleTerms {
                principal: Money::from_fen(principal_fen),
                annual_rate,
                term_months: months,
                method,
                start_date: date(2025, 3, 31),
                monthly_fee_rate: Rate::from_bps(fee_bps),
            },
            upfront_fee: Money::ZERO,
            penalty_annual_rate: PenaltyRate::default().annual(annual_rate),
            grace_days,
            allocation: AllocationOrder {
                installment_first,
                ..AllocationOrder::default()
            },
            prepayment: PrepaymentPolicy::default(),
            day_count: DayCount::Actual365,
        }
    }

    fn balances_of(loan: &Loan) -> OpeningBalances {
        let r = loan.receivables();
        OpeningBalances {
            principal: r.principal,
            interest: r.interest,
            fee: r.fee,
            penalty: r.penalty,
            credit: loan.credit_balance,
        }
    }

    fn assert_ledger_equals(loan: &Loan, postings: &[Posting]) {
        let ledger = Balances::of(postings);
        assert_eq!(ledger.imbalance(), 0);
        let r = loan.receivables();
        assert_eq!(ledger.balance(Account::PrincipalReceivable), r.principal);
        assert_eq!(ledger.balance(Account::InterestReceivable), r.interest);
        assert_eq!(ledger.balance(Account::FeeReceivable), r.fee);
        assert_eq!(ledger.balance(Account::PenaltyReceivable), r.penalty);
        assert_eq!(ledger.balance(Account::BorrowerCredit), loan.credit_balance);
        assert!(postings.iter().all(|p| p.amount.is_positive()));
    }

    #[test]
    fn a_loan_on_schedule_opens_and_replays() {
        let terms = terms(
            1_200_000,
            1200,
            12,
            RepaymentMethod::EqualInstallment,
            0,
            false,
            3,
        );
        let cut_over = date(2025, 8, 15);
        // Four instalments paid, the fifth's interest accruing.
        let mut served = Loan::disburse(terms.clone(), &mut Discard).unwrap();
        for n in 0..4 {
            let inst = &served.installments[n];
            let (due, amount) = (inst.due_date, inst.payment());
            served.repay(due, amount, &mut Discard).unwrap();
        }
        served.advance_to(cut_over, &mut Discard);
        let balances = balances_of(&served);

        let mut postings = Vec::new();
        let history =
            LoanHistory::open_with_balances(terms.clone(), 7, cut_over, balances, &mut postings)
                .unwrap();
        assert_eq!(history.current(), &served);
        assert_ledger_equals(history.current(), &postings);
        assert!(
            postings
                .iter()
                .all(|p| p.kind == EntryKind::OpeningBalance && p.date == cut_over)
        );

        let replayed =
            LoanHistory::replay(terms, history.events(), cut_over, &mut Vec::new()).unwrap();
        assert_eq!(&replayed, history.current());
    }

    #[test]
    fn inconsistent_balances_are_refused_with_their_reason() {
        let terms = terms(
            1_200_000,
            1200,
            12,
            RepaymentMethod::EqualInstallment,
            10,
            false,
            3,
        );
        let cut_over = date(2025, 8, 15);
        let open = |b: OpeningBalances| {
            LoanHistory::open_with_balances(terms.clone(), 1, cut_over, b, &mut Discard)
                .map(|_| ())
                .map_err(|e| match e {
                    HistoryError::Servicing(ServicingError::Opening(o)) => o,
                    other => panic!("unexpected {other:?}"),
                })
        };
        let served = |paid: usize| {
            let mut loan = Loan::disburse(terms.clone(), &mut Discard).unwrap();
            for n in 0..paid {
                let inst = &loan.installments[n];
                let (due, amount) = (inst.due_date, inst.payment());
                loan.repay(due, amount, &mut Discard).unwrap();
            }
            loan.advance_to(cut_over, &mut Discard);
            balances_of(&loan)
        };
        let ok = served(4);
        assert_eq!(open(ok), Ok(()));
        let plus = |m: Money, fen: i64| Money::from_fen(m.fen() + fen);
        assert!(matches!(
            open(OpeningBalances {
                principal: Money::from_fen(1_300_000),
                ..ok
            }),
            Err(OpeningError::PrincipalAboveLoan { .. })
        ));
        assert!(matches!(
            open(OpeningBalances {
                principal: plus(ok.principal, -1),
                ..ok
            }),
            Err(OpeningError::PrincipalBelowNotYetDue { .. })
        ));
        assert!(matches!(
            open(OpeningBalances {
                interest: Money::from_fen(10_000_000),
                ..ok
            }),
            Err(OpeningError::InterestAboveAccrued { .. })
        ));
        assert!(matches!(
            open(OpeningBalances {
                interest: plus(ok.interest, -1),
                ..ok
            }),
            Err(OpeningError::InterestBelowCurrentPeriod { .. })
        ));
        assert!(matches!(
            open(OpeningBalances {
                fee: plus(ok.fee, 100_000_000),
                ..ok
            }),
            Err(OpeningError::FeeAboveCharged { .. })
        ));
        assert!(matches!(
            open(OpeningBalances {
                principal: Money::ZERO,
                ..ok
            }),
            Err(OpeningError::NothingOutstanding)
        ));
        assert!(matches!(
            open(OpeningBalances {
                credit: Money::from_fen(-1),
                ..ok
            }),
            Err(OpeningError::Negative {
                field: "credit",
                ..
            })
        ));
        // Three paid: the fourth is overdue, so no credit can be left.
        let behind = served(3);
        assert_eq!(open(behind), Ok(()));
        assert_eq!(
            open(OpeningBalances {
                credit: ok.principal,
                ..ok
            }),
            Ok(())
        );
        assert!(matches!(
            open(OpeningBalances {
                credit: Money::from_fen(1),
                ..behind
            }),
            Err(OpeningError::CreditWhileDue { .. })
        ));
        let mut fresh = Loan::disburse(terms.clone(), &mut Discard).unwrap();
        fresh.advance_to(date(2025, 4, 15), &mut Discard);
        let first_month = LoanHistory::open_with_balances(
            terms.clone(),
            1,
            date(2025, 4, 15),
            OpeningBalances {
                penalty: Money::from_fen(1),
                ..balances_of(&fresh)
            },
            &mut Discard,
        );
        assert!(matches!(
            first_month,
            Err(HistoryError::Servicing(ServicingError::Opening(
                OpeningError::PenaltyWithoutArrears(_)
            )))
        ));
        let early =
            LoanHistory::open_with_balances(terms.clone(), 1, date(2025, 3, 1), ok, &mut Discard);
        assert!(matches!(
            early,
            Err(HistoryError::Servicing(ServicingError::Opening(
                OpeningError::CutOverBeforeDisbursement { .. }
            )))
        ));
    }

    #[test]
    fn the_opening_balance_cannot_be_reversed_or_preceded() {
        let terms = terms(
            1_200_000,
            1200,
            12,
            RepaymentMethod::EqualPrincipal,
            0,
            false,
            3,
        );
        let cut_over = date(2025, 8, 15);
        let balances = OpeningBalances {
            principal: Money::from_fen(800_000),
            interest: Money::from_fen(5_000),
            ..OpeningBalances::default()
        };
        let mut history =
            LoanHistory::open_with_balances(terms, 1, cut_over, balances, &mut Discard).unwrap();
        assert_eq!(
            history.reverse(1, cut_over, &mut Discard),
            Err(HistoryError::OpeningBalanceIsPermanent(1))
        );
        let before = DatedEvent {
            id: 2,
            date: cut_over - Days::new(3),
            event: LoanEvent::Repayment {
                amount: Money::from_fen(1_000),
            },
        };
        assert!(history.record(before, &mut Discard).is_err());
        let after = DatedEvent {
            date: cut_over + Days::new(3),
            ..before
        };
        history.advance_to(cut_over + Days::new(5), &mut Discard);
        history.record(after, &mut Discard).unwrap();
    }

    #[derive(Clone, Debug)]
    struct Case {
        terms: LoanTerms,
        /// Days after disbursement of each repayment, and how much of what
        /// is due it pays (in percent, 0 = skipped).
        payments: Vec<(u64, u8)>,
        cut_over_days: u64,
        later_days: u64,
    }

    prop_compose! {
        fn any_case()(
            principal in 100_000_i64..=50_000_000,
            annual_bps in 0_i64..=2400,
            months in 1_u32..=24,
            method in proptest::sample::select(RepaymentMethod::ALL.to_vec()),
            fee_bps in 0_i64..=80,
            installment_first in any::<bool>(),
            grace_days in 0_u32..=5,
            payments in proptest::collection::vec((1_u64..=40, 0_u8..=130), 0..24),
            cut_over_days in 0_u64..800,
            later_days in 0_u64..120,
        ) -> Case {
            Case {
                terms: terms(principal, annual_bps, months, method, fee_bps, installment_first, grace_days),
                payments,
                cut_over_days,
                later_days,
            }
        }
    }

    /// The loan serviced here from disbursement to the cut-over, with
    /// repayments only (a prepaid loan is taken over with its new terms).
    fn served(case: &Case) -> (Loan, NaiveDate) {
        let start = case.terms.schedule.start_date;
        let cut_over = start + Days::new(case.cut_over_days);
        let mut loan = Loan::disburse(case.terms.clone(), &mut Discard).unwrap();
        let mut day = start;
        for &(gap, percent) in &case.payments {
            day = day + Days::new(gap);
            if day > cut_over {
                break;
            }
            loan.advance_to(day, &mut Discard);
            let amount = loan.amount_due().fen() * i64::from(percent) / 100;
            if amount > 0 && loan.status == LoanStatus::Active {
                loan.repay(day, Money::from_fen(amount), &mut Discard)
                    .unwrap();
            }
        }
        loan.advance_to(cut_over, &mut Discard);
        (loan, cut_over)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(400))]

        /// Balances a real loan had at a cut-over open a loan that owes
        /// exactly them; its postings balance and equal them; replaying its
        /// history gives the same state; and servicing it on keeps the
        /// ledger equal to the state.
        #[test]
        fn opening_balances_open_replay_and_reconcile(case in any_case()) {
            let (loan, cut_over) = served(&case);
            prop_assume!(loan.status == LoanStatus::Active && loan.receivables().principal.is_positive());
            let balances = balances_of(&loan);

            let mut postings = Vec::new();
            let mut history = LoanHistory::open_with_balances(
                case.terms.clone(), 1, cut_over, balances, &mut postings,
            ).unwrap();
            prop_assert_eq!(balances_of(history.current()), balances);
            prop_assert_eq!(history.current().dpd() > 0, loan.dpd() > 0);
            prop_assert_eq!(history.current().amount_due(), loan.amount_due());
            assert_ledger_equals(history.current(), &postings);
            let clearing = Balances::of(&postings).balance(Account::MigrationClearing);
            prop_assert_eq!(
                clearing.fen(),
                balances.principal.fen() + balances.interest.fen() + balances.fee.fen()
                    + balances.penalty.fen() - balances.credit.fen()
            );

            // The replay `kredit ledger check` does.
            let mut replay = LoanHistory::open(case.terms.clone(), &mut Discard).unwrap();
            replay.advance_to(cut_over, &mut Discard);
            replay.record(history.events()[0], &mut Discard).unwrap();
            prop_assert_eq!(replay.current(), history.current());
            let mut replay_postings = Vec::new();
            let replayed = LoanHistory::replay(
                case.terms.clone(), history.events(), cut_over, &mut replay_postings,
            ).unwrap();
            prop_assert_eq!(&replayed, history.current());
            prop_assert_eq!(Balances::of(&replay_postings), Balances::of(&postings));

            // Close of business and a repayment go on from there.
            let later = cut_over + Days::new(case.later_days);
            history.advance_to(later, &mut postings);
            let due = history.current().amount_due();
            if due.is_positive() && history.current().status == LoanStatus::Active {
                history.record(DatedEvent {
                    id: 2,
                    date: later,
                    event: LoanEvent::Repayment { amount: due },
                }, &mut postings).unwrap();
            }
            assert_ledger_equals(history.current(), &postings);
        }

        /// Whatever the balances, a loan either opens owing exactly them or
        /// is refused with nothing posted.
        #[test]
        fn any_balances_open_exactly_or_not_at_all(
            case in any_case(),
            principal in 0_i64..=60_000_000,
            interest in 0_i64..=2_000_000,
            fee in 0_i64..=100_000,
            penalty in 0_i64..=100_000,
            credit in 0_i64..=10_000,
        ) {
            let cut_over = case.terms.schedule.start_date + Days::new(case.cut_over_days);
            let balances = OpeningBalances {
                principal: Money::from_fen(principal),
                interest: Money::from_fen(interest),
                fee: Money::from_fen(fee),
                penalty: Money::from_fen(penalty),
                credit: Money::from_fen(credit),
            };
            let mut postings = Vec::new();
            match LoanHistory::open_with_balances(case.terms.clone(), 1, cut_over, balances, &mut postings) {
                Ok(history) => {
                    prop_assert_eq!(balances_of(history.current()), balances);
                    assert_ledger_equals(history.current(), &postings);
                }
                Err(_) => prop_assert!(postings.is_empty()),
            }
        }
    }
}
