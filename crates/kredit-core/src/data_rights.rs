//! A borrower's personal-information rights (PIPL arts. 44–47): the
//! requests they make, the deadline each is answered by, and how long what
//! the law requires Kredit to keep is kept after an erasure.
//!
//! Export, correction and a consent's withdrawal are done at once and
//! recorded as completed requests; an erasure waits for a member of staff,
//! who completes or refuses it within [`RESPONSE_WORKING_DAYS`] working
//! days of its receipt.

use std::collections::BTreeSet;

use chrono::{Datelike, Days, NaiveDate, Weekday};

use crate::calendar::add_months;
use crate::lifecycle::string_enum;
use crate::loan::LoanStatus;

/// Working days within which a request is answered.
pub const RESPONSE_WORKING_DAYS: u32 = 15;

/// Years that loan contracts, ledger records and the identity behind them
/// are kept after the borrower's last loan closes, unless configured.
pub const DEFAULT_RETENTION_YEARS: u32 = 5;

string_enum! {
    /// Which right a request exercises.
    pub enum RequestKind ("data-rights request kind") {
        /// A copy of everything held (right to know and to copy).
        Export = "export",
        /// Contact data corrected.
        Correction = "correction",
        /// An optional consent withdrawn.
        ConsentWithdrawal = "consent_withdrawal",
        /// Deletion of what no law requires Kredit to keep.
        Erasure = "erasure",
    }
}

string_enum! {
    /// Where a request stands.
    pub enum RequestStatus ("data-rights request status") {
        Received = "received",
        Completed = "completed",
        Refused = "refused",
    }
}

impl RequestStatus {
    /// Only a received request is decided, once.
    #[must_use]
    pub fn can_become(self, next: RequestStatus) -> bool {
        self == RequestStatus::Received && next != RequestStatus::Received
    }
}

string_enum! {
    /// Why an erasure is refused; the borrower is told which.
    pub enum RefusalReason ("refusal reason") {
        /// A court, regulator or investigation requires the data kept.
        LegalHold = "legal_hold",
        /// The request could not be tied to the account holder.
        IdentityNotConfirmed = "identity_not_confirmed",
        /// A loan is still open (or written off and still owed).
        LoansOutstanding = "loans_outstanding",
    }
}

/// Working days: Monday to Friday, less public holidays, plus the weekend
/// days declared working days (China's 调休).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WorkingCalendar {
    pub holidays: BTreeSet<NaiveDate>,
    pub working_weekends: BTreeSet<NaiveDate>,
}

impl WorkingCalendar {
    #[must_use]
    pub fn is_working_day(&self, day: NaiveDate) -> bool {
        if self.working_weekends.contains(&day) {
            return true;
        }
        !matches!(day.weekday(), Weekday::Sat | Weekday::Sun) && !self.holidays.contains(&day)
    }

    /// The `n`th working day after `received` (the day of receipt does not
    /// count), `None` past chrono's range.
    #[must_use]
    pub fn deadline(&self, received: NaiveDate, n: u32) -> Option<NaiveDate> {
        let mut day = received;
        let mut left = n;
        while left > 0 {
            day = day.checked_add_days(Days::new(1))?;
            if self.is_working_day(day) {
                left -= 1;
            }
        }
        Some(day)
    }
}

/// A loan of the borrower, as erasure needs to know it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LoanOnRecord {
    pub status: LoanStatus,
    /// When it closed (paid off or its disbursement failed).
    pub closed_on: Option<NaiveDate>,
}

/// What an erasure keeps, decided from the borrower's loans.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Retention {
    /// No loan was ever signed: everything is erased.
    Nothing,
    /// Contracts, ledger records and the identity behind them are kept,
    /// sealed and access-logged, until this day, then erased.
    Until(NaiveDate),
}

/// The retention an erasure leaves, or why it cannot happen yet: a loan
/// still running, or written off and still owed, needs its borrower's data.
pub fn retention(loans: &[LoanOnRecord], years: u32) -> Result<Retention, RefusalReason> {
    let mut last_closed = None;
    for loan in loans {
        match (loan.status, loan.closed_on) {
            (LoanStatus::PaidOff | LoanStatus::DisbursementFailed, Some(closed)) => {
                last_closed = last_closed.max(Some(closed));
            }
            _ => return Err(RefusalReason::LoansOutstanding),
        }
    }
    Ok(match last_closed {
        None => Retention::Nothing,
        Some(closed) => Retention::Until(add_months(closed, years * 12)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn day(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    #[test]
    fn fifteen_working_days_skip_weekends_and_holidays() {
        let plain = WorkingCalendar::default();
        // Tuesday 1 December 2026 + 15 working days = Tuesday 22 December.
        assert_eq!(
            plain.deadline(day("2026-12-01"), 15),
            Some(day("2026-12-22"))
        );
        // Received on a Saturday: the first working day is the Monday.
        assert_eq!(
            plain.deadline(day("2026-12-05"), 1),
            Some(day("2026-12-07"))
        );

        let mut national_day = WorkingCalendar::default();
        for d in 1..=7 {
            national_day
                .holidays
                .insert(NaiveDate::from_ymd_opt(2026, 10, d).unwrap());
        }
        national_day.working_weekends.insert(day("2026-10-10"));
        // From 30 September: 8, 9, 10 (a Saturday worked), 12, 13 October.
        assert_eq!(
            national_day.deadline(day("2026-09-30"), 5),
            Some(day("2026-10-13"))
        );
    }

    #[test]
    fn a_deadline_past_the_calendar_is_none() {
        assert_eq!(WorkingCalendar::default().deadline(NaiveDate::MAX, 1), None);
    }

    #[test]
    fn retention_runs_from_the_last_loan_closed() {
        let closed = |on: &str| LoanOnRecord {
            status: LoanStatus::PaidOff,
            closed_on: Some(day(on)),
        };
        assert_eq!(retention(&[], 5), Ok(Retention::Nothing));
        assert_eq!(
            retention(&[closed("2024-02-29"), closed("2023-01-10")], 5),
            Ok(Retention::Until(day("2029-02-28")))
        );
        assert_eq!(
            retention(&[closed("2026-12-01")], 0),
            Ok(Retention::Until(day("2026-12-01")))
        );
        for status in [
            LoanStatus::Active,
            LoanStatus::PendingDisbursement,
            LoanStatus::WrittenOff,
        ] {
            let open = LoanOnRecord {
                status,
                closed_on: None,
            };
            assert_eq!(
                retention(&[closed("2026-01-01"), open], 5),
                Err(RefusalReason::LoansOutstanding)
            );
        }
    }

    #[test]
    fn only_a_received_request_is_decided() {
        use RequestStatus::*;
        assert!(Received.can_become(Completed) && Received.can_become(Refused));
        for from in [Completed, Refused] {
            assert!(RequestStatus::ALL.iter().all(|&to| !from.can_become(to)));
        }
        assert!(!Received.can_become(Received));
    }

    proptest! {
        /// The deadline is a working day, after receipt, with exactly `n`
        /// working days in between, and a later receipt never has an
        /// earlier deadline.
        #[test]
        fn deadlines_count_working_days(
            start in 0i64..20_000,
            n in 1u32..40,
            holidays in proptest::collection::btree_set(0i64..20_100, 0..200),
            later in 0i64..30,
        ) {
            let base = day("2000-01-01");
            let at = |offset: i64| base + chrono::Duration::days(offset);
            let calendar = WorkingCalendar {
                holidays: holidays.into_iter().map(at).collect(),
                working_weekends: BTreeSet::new(),
            };
            let received = at(start);
            let deadline = calendar.deadline(received, n).unwrap();
            prop_assert!(deadline > received);
            prop_assert!(calendar.is_working_day(deadline));
            let between = received.iter_days().skip(1).take_while(|d| *d <= deadline)
                .filter(|d| calendar.is_working_day(*d)).count();
            prop_assert_eq!(between, n as usize);
            prop_assert!(calendar.deadline(at(start + later), n).unwrap() >= deadline);
        }
    }
}
