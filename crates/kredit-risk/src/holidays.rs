//! A holiday calendar as data: the TOML Kredit ships for mainland China
//! (`catalogue/holidays-cn.toml`), read into the core's
//! [`WorkingCalendar`].

use std::collections::BTreeSet;

use chrono::NaiveDate;
use kredit_core::data_rights::WorkingCalendar;
use serde::Deserialize;

/// The calendar Kredit ships, compiled in so a fresh install has it.
pub const SHIPPED_CN: &str = include_str!("../../../catalogue/holidays-cn.toml");

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CalendarFile {
    /// Years entered from the statutory rules only, not yet from the
    /// State Council's notice.
    #[serde(default)]
    provisional_years: BTreeSet<i32>,
    holidays: BTreeSet<NaiveDate>,
    working_weekends: BTreeSet<NaiveDate>,
}

/// A working calendar and which of its years are provisional.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HolidayCalendar {
    pub calendar: WorkingCalendar,
    pub provisional_years: BTreeSet<i32>,
}

impl HolidayCalendar {
    pub fn from_toml(text: &str) -> Result<HolidayCalendar, String> {
        let file: CalendarFile = toml::from_str(text).map_err(|e| e.message().to_owned())?;
        if let Some(both) = file.holidays.intersection(&file.working_weekends).next() {
            return Err(format!("{both} is both a holiday and a working day"));
        }
        Ok(HolidayCalendar {
            calendar: WorkingCalendar {
                holidays: file.holidays,
                working_weekends: file.working_weekends,
            },
            provisional_years: file.provisional_years,
        })
    }

    /// The shipped mainland China calendar.
    pub fn shipped_cn() -> HolidayCalendar {
        // Tested to parse (tests/aml.rs), so this cannot fail at run time.
        HolidayCalendar::from_toml(SHIPPED_CN).unwrap_or_else(|e| panic!("shipped calendar: {e}"))
    }
}
