//! Dates and day counts. Due dates step by calendar months from the start
//! date; day-count conventions are product data and turn a span of days into
//! an exact year fraction.

use chrono::{Datelike, Months, NaiveDate};
use serde::{Deserialize, Serialize};

/// The date `months` calendar months after `start`, on the same day of the
/// month, clamped to the month's last day: Jan 31 → Feb 28 (Feb 29 in a leap
/// year) → Mar 31. Always counted from `start`, never chained, so a clamp in
/// February does not pull later dates back to the 28th.
pub fn add_months(start: NaiveDate, months: u32) -> NaiveDate {
    start
        .checked_add_months(Months::new(months))
        .expect("loan dates stay far inside chrono's range")
}

/// An exact non-negative fraction, e.g. a year fraction `31/365`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fraction {
    pub numerator: i64,
    pub denominator: i64,
}

/// How a span of days becomes a fraction of a year.
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DayCount {
    /// Actual days / 360.
    Actual360,
    /// Actual days / 365, also in leap years ("Actual/365 Fixed").
    #[default]
    Actual365,
    /// Actual/Actual (ISDA): days in a leap year count 1/366, others 1/365.
    ActualActual,
    /// 30/360 bond basis: a month counts 30 days (see docs/interest.md).
    Thirty360,
}

impl DayCount {
    /// Days between two dates under this convention (end exclusive of start:
    /// Jan 1 → Jan 2 is one day).
    pub fn days(self, start: NaiveDate, end: NaiveDate) -> i64 {
        match self {
            DayCount::Thirty360 => thirty_360_days(start, end),
            _ => (end - start).num_days(),
        }
    }

    /// The year fraction from `start` to `end`.
    pub fn year_fraction(self, start: NaiveDate, end: NaiveDate) -> Fraction {
        match self {
            DayCount::Actual360 => Fraction {
                numerator: self.days(start, end),
                denominator: 360,
            },
            DayCount::Actual365 => Fraction {
                numerator: self.days(start, end),
                denominator: 365,
            },
            DayCount::Thirty360 => Fraction {
                numerator: self.days(start, end),
                denominator: 360,
            },
            DayCount::ActualActual => actual_actual(start, end),
        }
    }
}

/// 30/360 bond basis (ISDA 2006 4.16(f)): D1 = 31 → 30; D2 = 31 and D1 ≥ 30 → 30.
fn thirty_360_days(start: NaiveDate, end: NaiveDate) -> i64 {
    let d1 = start.day().min(30) as i64;
    let d2 = if end.day() == 31 && d1 == 30 {
        30
    } else {
        end.day() as i64
    };
    360 * (end.year() - start.year()) as i64
        + 30 * (end.month() as i64 - start.month() as i64)
        + (d2 - d1)
}

/// Days in leap years / 366 + days in other years / 365, as one exact fraction
/// over 365 × 366.
fn actual_actual(start: NaiveDate, end: NaiveDate) -> Fraction {
    let (mut leap_days, mut other_days) = (0_i64, 0_i64);
    let mut cursor = start;
    while cursor < end {
        let next_year = NaiveDate::from_ymd_opt(cursor.year() + 1, 1, 1).expect("valid date");
        let segment_end = next_year.min(end);
        let days = (segment_end - cursor).num_days();
        if cursor.leap_year() {
            leap_days += days;
        } else {
            other_days += days;
        }
        cursor = segment_end;
    }
    Fraction {
        numerator: leap_days * 365 + other_days * 366,
        denominator: 365 * 366,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn month_ends_clamp_without_drifting() {
        let start = date(2026, 1, 31);
        assert_eq!(add_months(start, 1), date(2026, 2, 28));
        assert_eq!(add_months(start, 2), date(2026, 3, 31));
        assert_eq!(add_months(start, 4), date(2026, 5, 31));
        assert_eq!(add_months(date(2028, 1, 31), 1), date(2028, 2, 29));
        assert_eq!(add_months(date(2026, 1, 15), 12), date(2027, 1, 15));
    }

    #[test]
    fn actual_counts_include_leap_days() {
        let leap = DayCount::Actual365.year_fraction(date(2028, 2, 1), date(2028, 3, 1));
        assert_eq!(
            leap,
            Fraction {
                numerator: 29,
                denominator: 365
            }
        );
        let year = DayCount::Actual360.year_fraction(date(2028, 1, 1), date(2029, 1, 1));
        assert_eq!(year.numerator, 366);
    }

    #[test]
    fn actual_actual_splits_at_year_end() {
        let f = DayCount::ActualActual.year_fraction(date(2027, 12, 31), date(2028, 1, 2));
        // One day in 2027 (/365) plus one day in 2028 (/366).
        assert_eq!(f.numerator, 366 + 365);
        assert_eq!(f.denominator, 365 * 366);
        let whole_leap_year =
            DayCount::ActualActual.year_fraction(date(2028, 1, 1), date(2029, 1, 1));
        assert_eq!(whole_leap_year.numerator, whole_leap_year.denominator);
    }

    #[test]
    fn thirty_360_counts_whole_months_as_thirty_days() {
        let dc = DayCount::Thirty360;
        assert_eq!(dc.days(date(2026, 1, 31), date(2026, 2, 28)), 28);
        assert_eq!(dc.days(date(2026, 1, 31), date(2026, 3, 31)), 60);
        assert_eq!(dc.days(date(2026, 1, 15), date(2026, 2, 15)), 30);
        assert_eq!(dc.days(date(2026, 1, 15), date(2027, 1, 15)), 360);
    }
}
