//! The range of dates a request may name: within ten years (3,660 days) of
//! the business date, either side. Lending looks a few years ahead at most,
//! and a date far beyond that only costs work: a payoff quote for
//! 9999-12-31 would accrue interest day by day for eight thousand years.
//! A date outside the range is refused with 400 `date_out_of_range` before
//! anything is computed, whichever the parameter (query or body).

use chrono::{Days, NaiveDate};

use crate::error::{ApiError, FieldError};

/// How far from the business date a requested date may lie, in days.
pub const HORIZON_DAYS: u64 = 3660;

/// `date`, if it lies within [`HORIZON_DAYS`] of `business_date`; else the
/// refusal naming `field`.
pub fn within_horizon(
    field: &str,
    date: NaiveDate,
    business_date: NaiveDate,
) -> Result<NaiveDate, ApiError> {
    let earliest = business_date.checked_sub_days(Days::new(HORIZON_DAYS));
    let latest = business_date.checked_add_days(Days::new(HORIZON_DAYS));
    let inside = earliest.is_none_or(|earliest| date >= earliest)
        && latest.is_none_or(|latest| date <= latest);
    if inside {
        return Ok(date);
    }
    let message =
        format!("dates lie within {HORIZON_DAYS} days of the business date {business_date}");
    Err(ApiError::DateOutOfRange {
        detail: format!("{field}: {message}"),
        errors: vec![FieldError::new(field, "date_out_of_range", message)],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ten_years_either_side() {
        let today = NaiveDate::from_ymd_opt(2026, 3, 1).unwrap();
        let edge = today + Days::new(HORIZON_DAYS);
        assert_eq!(within_horizon("date", edge, today), Ok(edge));
        let early = today - Days::new(HORIZON_DAYS);
        assert_eq!(within_horizon("date", early, today), Ok(early));
        for far in [
            edge + Days::new(1),
            early - Days::new(1),
            NaiveDate::MAX,
            NaiveDate::MIN,
        ] {
            let error = within_horizon("start_date", far, today).unwrap_err();
            assert_eq!(error.problem().code, "date_out_of_range");
            assert_eq!(error.problem().errors[0].field, "start_date");
        }
    }
}
