//! Large-value report boundaries and due dates (docs/aml.md).

use chrono::NaiveDate;
use kredit_risk::aml::{Channel, CustomerKind, accumulate, report_due, threshold_fen};
use kredit_risk::holidays::HolidayCalendar;
use proptest::prelude::*;

fn day(text: &str) -> NaiveDate {
    text.parse().unwrap()
}

#[test]
fn cash_boundary_is_inclusive() {
    let individual = CustomerKind::Individual;
    assert!(!accumulate(individual, Channel::Cash, 0, 4_999_999).triggers_report);
    assert!(accumulate(individual, Channel::Cash, 0, 5_000_000).triggers_report);
    // 30,000 + 20,000 the same day: the second one reaches 50,000.00.
    let first = accumulate(individual, Channel::Cash, 0, 3_000_000);
    assert!(!first.triggers_report);
    let second = accumulate(individual, Channel::Cash, first.total_fen, 2_000_000);
    assert_eq!(second.total_fen, 5_000_000);
    assert!(second.triggers_report);
    // A third the same day joins that report rather than making another.
    assert!(!accumulate(individual, Channel::Cash, second.total_fen, 100).triggers_report);
}

#[test]
fn every_threshold_exactly() {
    use Channel::*;
    use CustomerKind::*;
    let cases = [
        (Individual, Cash, 5_000_000),
        (NonIndividual, Cash, 5_000_000),
        (Individual, DomesticTransfer, 50_000_000),
        (Individual, CrossBorderTransfer, 20_000_000),
        (NonIndividual, DomesticTransfer, 200_000_000),
        (NonIndividual, CrossBorderTransfer, 200_000_000),
    ];
    for (kind, channel, fen) in cases {
        assert_eq!(threshold_fen(kind, channel), fen);
        assert!(!accumulate(kind, channel, 0, fen - 1).triggers_report);
        assert!(accumulate(kind, channel, 0, fen).triggers_report);
        assert!(accumulate(kind, channel, fen - 1, 1).triggers_report);
    }
}

proptest! {
    /// However a day's transactions are split, exactly one of them
    /// triggers the report when (and only when) the total reaches the
    /// threshold.
    #[test]
    fn one_report_per_day_whatever_the_split(parts in prop::collection::vec(1i64..3_000_000, 1..20)) {
        let mut total = 0;
        let mut triggers = 0;
        for part in &parts {
            let step = accumulate(CustomerKind::Individual, Channel::Cash, total, *part);
            total = step.total_fen;
            triggers += usize::from(step.triggers_report);
        }
        prop_assert_eq!(triggers, usize::from(total >= 5_000_000));
    }
}

#[test]
fn due_dates_across_the_2026_spring_festival_and_national_day() {
    let cn = HolidayCalendar::shipped_cn().calendar;
    // Thursday 12 February 2026: Fri 13, Sat 14 (worked), then the
    // holiday 15–23, then Tue 24, Wed 25, Thu 26.
    assert_eq!(report_due(&cn, day("2026-02-12")), Some(day("2026-02-26")));
    // On the holiday itself: 24, 25, 26, 27 and Saturday 28 (worked).
    assert_eq!(report_due(&cn, day("2026-02-18")), Some(day("2026-02-28")));
    // Friday 25 September (Mid-Autumn): Mon 28, Tue 29, Wed 30, then the
    // holiday 1–7 October, then Thu 8, Fri 9.
    assert_eq!(report_due(&cn, day("2026-09-25")), Some(day("2026-10-09")));
    // Friday 18 September: Sun 20 is worked; 21, 22, 23, 24.
    assert_eq!(report_due(&cn, day("2026-09-18")), Some(day("2026-09-24")));
    // 30 September: 8, 9, Saturday 10 (worked), 12, 13.
    assert_eq!(report_due(&cn, day("2026-09-30")), Some(day("2026-10-13")));
}

#[test]
fn due_dates_across_the_2027_statutory_holidays() {
    let shipped = HolidayCalendar::shipped_cn();
    assert!(shipped.provisional_years.contains(&2027));
    let cn = shipped.calendar;
    // Wednesday 3 February 2027: Thu 4, then 除夕 Fri 5 and Mon 8 are
    // holidays: Tue 9, Wed 10, Thu 11, Fri 12.
    assert_eq!(report_due(&cn, day("2027-02-03")), Some(day("2027-02-12")));
    // Thursday 30 September 2027: Friday 1 October is a holiday: Mon 4 to
    // Fri 8.
    assert_eq!(report_due(&cn, day("2027-09-30")), Some(day("2027-10-08")));
}

#[test]
fn a_calendar_cannot_hold_a_day_both_ways() {
    let text = "holidays = [\"2026-10-10\"]\nworking_weekends = [\"2026-10-10\"]\n";
    assert!(HolidayCalendar::from_toml(text).is_err());
}
