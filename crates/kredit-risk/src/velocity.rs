//! Exact sliding-window velocity counting (docs/fraud.md, *Velocity*),
//! pure: the structure the database counters follow and the reference
//! they are tested against.
//!
//! An event is counted in every window `(t − w, t]` that contains its own
//! time, whatever order events arrive in, provided it arrives no more than
//! [`MAX_LATENESS`] behind the newest event seen; one later than that is
//! refused ([`Recorded::TooLate`]) rather than silently counted in a window
//! that was already read. Events too old for any window a query can still
//! ask about are dropped, so memory follows the 30-day window, not history.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::expr::{Key, Window};

/// How far behind the newest event one may arrive and still be counted.
pub const MAX_LATENESS: i64 = 300;

/// Whether an event was counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recorded {
    Counted,
    /// It is this many seconds later than [`MAX_LATENESS`] allows.
    TooLate {
        by: i64,
    },
}

/// Counts per key value: `(Key::Device, "d-1f…")`.
#[derive(Debug, Clone, Default)]
pub struct Velocity {
    series: HashMap<(Key, String), Series>,
    /// The newest event time seen.
    watermark: Option<i64>,
}

/// One key value's events: time → the subjects (borrowers) of the events
/// at that second, one entry per event.
#[derive(Debug, Clone, Default)]
struct Series {
    events: BTreeMap<i64, Vec<u64>>,
}

impl Velocity {
    pub fn new() -> Velocity {
        Velocity::default()
    }

    /// The oldest time a query is still exact for: no event for a window
    /// ending then or later can still be refused as too late.
    pub fn horizon(&self) -> Option<i64> {
        self.watermark.map(|w| w - MAX_LATENESS)
    }

    /// Counts an event of `subject` with this key value at `at` (seconds).
    pub fn record(&mut self, key: Key, value: &str, at: i64, subject: u64) -> Recorded {
        if let Some(horizon) = self.horizon()
            && at < horizon
        {
            return Recorded::TooLate { by: horizon - at };
        }
        let watermark = self.watermark.map_or(at, |w| w.max(at));
        self.watermark = Some(watermark);
        let series = self.series.entry((key, value.to_owned())).or_default();
        series.events.entry(at).or_default().push(subject);
        // No query at or after the horizon reaches back past this.
        let oldest_needed = watermark - MAX_LATENESS - Window::Month.seconds();
        while let Some(entry) = series.events.first_entry() {
            if *entry.key() > oldest_needed {
                break;
            }
            entry.remove();
        }
        Recorded::Counted
    }

    /// Events with this key value in `(at − window, at]`.
    pub fn count(&self, key: Key, value: &str, window: Window, at: i64) -> u64 {
        self.in_window(key, value, window, at)
            .map(|(_, subjects)| subjects.len() as u64)
            .sum()
    }

    /// Different subjects among those events.
    pub fn distinct(&self, key: Key, value: &str, window: Window, at: i64) -> u64 {
        self.in_window(key, value, window, at)
            .flat_map(|(_, subjects)| subjects.iter())
            .collect::<BTreeSet<_>>()
            .len() as u64
    }

    fn in_window(
        &self,
        key: Key,
        value: &str,
        window: Window,
        at: i64,
    ) -> impl Iterator<Item = (&i64, &Vec<u64>)> {
        let from = at.saturating_sub(window.seconds()).saturating_add(1);
        self.series
            .get(&(key, value.to_owned()))
            .into_iter()
            .flat_map(move |series| series.events.range(from..=at))
    }
}
