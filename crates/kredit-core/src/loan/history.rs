//! A loan's state is a fold over its event history. Events arrive in date
//! order and are applied live; one that is value-dated in the past, or the
//! reversal of an earlier one, recomputes the loan from the nearest
//! checkpoint before it and posts only the difference, so the ledger neither
//! loses nor invents a fen and nothing before that point is replayed.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::opening::taken_over;
use super::{
    Allocation, Loan, LoanTerms, OpeningBalances, PayoffQuote, ReamortiseMode, ServicingError,
};
use crate::ledger::{Balances, Discard, EntryKind, PostingSink};
use crate::money::Money;

/// Something that happens to a loan on a date.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum LoanEvent {
    Repayment {
        amount: Money,
    },
    Prepayment {
        amount: Money,
        mode: ReamortiseMode,
    },
    Payoff {
        amount: Money,
    },
    CreditRefund {
        amount: Money,
    },
    WriteOff,
    /// The balances a loan taken over from another system owed at the
    /// cut-over: only ever its first event (see `opening`).
    OpeningBalance {
        balances: OpeningBalances,
    },
}

/// An event with its identity (assigned by whoever stores it) and value date.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DatedEvent {
    pub id: u64,
    pub date: NaiveDate,
    pub event: LoanEvent,
}

impl Loan {
    /// Applies one event on its date.
    pub fn apply(
        &mut self,
        event: &DatedEvent,
        sink: &mut impl PostingSink,
    ) -> Result<Allocation, ServicingError> {
        let date = event.date;
        match event.event {
            LoanEvent::Repayment { amount } => self.repay(date, amount, sink),
            LoanEvent::Prepayment { amount, mode } => self.prepay(date, amount, mode, sink),
            LoanEvent::Payoff { amount } => self.pay_off(date, amount, sink),
            LoanEvent::CreditRefund { amount } => self
                .refund_credit(date, amount, sink)
                .map(|()| Allocation::default()),
            LoanEvent::WriteOff => self.write_off(date, sink).map(|parts| Allocation {
                parts,
                credit: Money::ZERO,
            }),
            LoanEvent::OpeningBalance { balances } => self
                .open_with_balances(date, &balances, sink)
                .map(|()| Allocation::default())
                .map_err(ServicingError::from),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum HistoryError {
    #[error("no event {0} in this loan's history")]
    UnknownEvent(u64),
    #[error("event {0} is already in this loan's history")]
    DuplicateEvent(u64),
    #[error("event {id} on {date} can no longer be applied: {source}")]
    Conflict {
        id: u64,
        date: NaiveDate,
        #[source]
        source: ServicingError,
    },
    #[error(transparent)]
    Servicing(#[from] ServicingError),
    #[error("event {0} is the loan's opening balance: it cannot be reversed")]
    OpeningBalanceIsPermanent(u64),
}

/// A loan with its event history and a checkpoint after every event.
#[derive(Clone, Debug)]
pub struct LoanHistory {
    events: Vec<DatedEvent>,
    /// `after[i]`: the loan right after `events[i]` was applied; `opened` is
    /// the loan at disbursement.
    after: Vec<Loan>,
    opened: Loan,
    current: Loan,
}

impl LoanHistory {
    pub fn open(
        terms: LoanTerms,
        sink: &mut impl PostingSink,
    ) -> Result<LoanHistory, ServicingError> {
        let opened = Loan::disburse(terms, sink)?;
        Ok(LoanHistory {
            events: Vec::new(),
            after: Vec::new(),
            current: opened.clone(),
            opened,
        })
    }

    pub fn current(&self) -> &Loan {
        &self.current
    }

    pub fn events(&self) -> &[DatedEvent] {
        &self.events
    }

    pub fn advance_to(&mut self, date: NaiveDate, sink: &mut impl PostingSink) {
        self.current.advance_to(date, sink);
    }

    /// Records an event: live when it is dated on or after the business date,
    /// otherwise inserted in date order and recomputed from there.
    pub fn record(
        &mut self,
        event: DatedEvent,
        sink: &mut impl PostingSink,
    ) -> Result<Allocation, HistoryError> {
        if self.events.iter().any(|e| e.id == event.id) {
            return Err(HistoryError::DuplicateEvent(event.id));
        }
        if event.date >= self.current.as_of {
            let allocation = self.current.apply(&event, sink)?;
            self.events.push(event);
            self.after.push(self.current.clone());
            return Ok(allocation);
        }
        let position = self.events.partition_point(|e| e.date <= event.date);
        let mut tail = vec![event];
        tail.extend_from_slice(&self.events[position..]);
        let allocations = self.recompute(position, tail, event.date, EntryKind::Repayment, sink)?;
        Ok(allocations[0])
    }

    /// Reverses event `id` as if it had never happened, posting the
    /// difference on `on`.
    pub fn reverse(
        &mut self,
        id: u64,
        on: NaiveDate,
        sink: &mut impl PostingSink,
    ) -> Result<(), HistoryError> {
        let position = self
            .events
            .iter()
            .position(|e| e.id == id)
            .ok_or(HistoryError::UnknownEvent(id))?;
        if matches!(
            self.events[position].event,
            LoanEvent::OpeningBalance { .. }
        ) {
            return Err(HistoryError::OpeningBalanceIsPermanent(id));
        }
        let tail = self.events[position + 1..].to_vec();
        self.recompute(position, tail, on, EntryKind::Reversal, sink)?;
        Ok(())
    }

    /// Replaces `events[from..]` by `tail`, recomputing from the checkpoint
    /// before `from` to the current business date, and posts the difference
    /// between the old and the new postings. Nothing changes on error.
    fn recompute(
        &mut self,
        from: usize,
        tail: Vec<DatedEvent>,
        posting_date: NaiveDate,
        kind: EntryKind,
        sink: &mut impl PostingSink,
    ) -> Result<Vec<Allocation>, HistoryError> {
        let base = if from == 0 {
            &self.opened
        } else {
            &self.after[from - 1]
        };
        let as_of = self.current.as_of;

        let mut old_postings = Balances::default();
        let mut old = base.clone();
        for event in &self.events[from..] {
            old.apply(event, &mut old_postings)?;
        }
        old.advance_to(as_of, &mut old_postings);

        let mut new_postings = Balances::default();
        let mut new = base.clone();
        let mut checkpoints = Vec::with_capacity(tail.len());
        let mut allocations = Vec::with_capacity(tail.len());
        for event in &tail {
            let allocation =
                new.apply(event, &mut new_postings)
                    .map_err(|source| HistoryError::Conflict {
                        id: event.id,
                        date: event.date,
                        source,
                    })?;
            allocations.push(allocation);
            checkpoints.push(new.clone());
        }
        new.advance_to(as_of, &mut new_postings);

        for posting in new_postings
            .minus(&old_postings)
            .as_postings(posting_date.max(base.as_of), kind)
        {
            sink.post(posting);
        }
        self.events.truncate(from);
        self.events.extend(tail);
        self.after.truncate(from);
        self.after.extend(checkpoints);
        self.current = new;
        Ok(allocations)
    }

    /// The loan as it stood at the end of `date` (every event dated on or
    /// before it applied), computed from the nearest checkpoint. Dates after
    /// the business date are projections with no further events.
    pub fn state_on(&self, date: NaiveDate) -> Result<Loan, HistoryError> {
        let applied = self.events.partition_point(|e| e.date <= date);
        if applied == self.events.len() && date >= self.current.as_of {
            let mut loan = self.current.clone();
            loan.advance_to(date, &mut Discard);
            return Ok(loan);
        }
        let mut loan = if applied == 0 {
            self.opened.clone()
        } else {
            self.after[applied - 1].clone()
        };
        loan.advance_to(date, &mut Discard);
        Ok(loan)
    }

    /// The payoff quote for any date from disbursement on, past dates
    /// included: what it took (or will take) to close the loan that day.
    pub fn payoff_quote(&self, date: NaiveDate) -> Result<PayoffQuote, HistoryError> {
        Ok(self.state_on(date)?.payoff_quote(date)?)
    }

    /// The loan from scratch: disbursed, every event applied in order, then
    /// advanced to `as_of`. A loan taken over from another system posts its
    /// opening balances instead of its disbursement.
    pub fn replay(
        terms: LoanTerms,
        events: &[DatedEvent],
        as_of: NaiveDate,
        sink: &mut impl PostingSink,
    ) -> Result<Loan, ServicingError> {
        let mut loan = if taken_over(events) {
            Loan::disburse(terms, &mut Discard)?
        } else {
            Loan::disburse(terms, sink)?
        };
        for event in events {
            loan.apply(event, sink)?;
        }
        loan.advance_to(as_of, sink);
        Ok(loan)
    }
}
