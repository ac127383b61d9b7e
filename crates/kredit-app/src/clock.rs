//! The clock port: every use case asks it for the time, so tests run on a
//! fake clock and the business day is decided in the lender's time zone.

use std::sync::Mutex;

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, Utc};
use chrono_tz::Tz;

pub trait Clock: Send + Sync {
    fn now(&self) -> DateTime<Utc>;
}

/// The operating system's clock, at the precision both databases keep
/// (microseconds), so a time reads back exactly as it was written.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        kredit_store::now()
    }
}

/// A clock that moves only when told to (tests, drills).
#[derive(Debug)]
pub struct FakeClock(Mutex<DateTime<Utc>>);

impl FakeClock {
    pub fn at(now: DateTime<Utc>) -> Self {
        FakeClock(Mutex::new(now))
    }

    pub fn set(&self, now: DateTime<Utc>) {
        *self.0.lock().expect("the fake clock is never poisoned") = now;
    }

    pub fn advance(&self, by: Duration) {
        let mut now = self.0.lock().expect("the fake clock is never poisoned");
        *now += by;
    }
}

impl Clock for FakeClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().expect("the fake clock is never poisoned")
    }
}

/// The lender's wall clock: a clock read in a time zone.
#[derive(Clone)]
pub struct LocalTime {
    pub clock: std::sync::Arc<dyn Clock>,
    pub zone: Tz,
}

impl LocalTime {
    pub fn now(&self) -> NaiveDateTime {
        self.clock.now().with_timezone(&self.zone).naive_local()
    }

    pub fn today(&self) -> NaiveDate {
        self.now().date()
    }
}

/// Parses an IANA time-zone name (`Asia/Shanghai`).
pub fn parse_zone(name: &str) -> Result<Tz, String> {
    name.parse::<Tz>()
        .map_err(|_| format!("unknown time zone {name:?} (an IANA name such as Asia/Shanghai)"))
}
