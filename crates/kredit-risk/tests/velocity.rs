//! The velocity counters against a brute-force recount, with events
//! arriving out of order (docs/fraud.md, *Velocity*).

use kredit_risk::expr::{Key, Window};
use kredit_risk::velocity::{MAX_LATENESS, Recorded, Velocity};
use proptest::prelude::*;

/// An event as the brute force keeps it.
#[derive(Clone, Copy, Debug)]
struct Event {
    key: usize,
    at: i64,
    subject: u64,
}

const KEYS: [&str; 3] = ["a", "b", "c"];

/// Feeds arrivals (gap since the previous arrival, lateness, key,
/// subject) and checks every count at `checks` points against a recount
/// of all events accepted so far.
fn check(arrivals: &[(i64, i64, usize, u64)], every: usize) -> Result<(), TestCaseError> {
    let mut velocity = Velocity::new();
    let mut accepted: Vec<Event> = Vec::new();
    let mut clock = 1_000_000i64;
    let mut newest: Option<i64> = None;
    for (i, &(gap, lateness, key, subject)) in arrivals.iter().enumerate() {
        clock += gap;
        let at = clock - lateness;
        let recorded = velocity.record(Key::Device, KEYS[key], at, subject);
        let too_late = newest.is_some_and(|n| at < n - MAX_LATENESS);
        prop_assert_eq!(recorded == Recorded::Counted, !too_late);
        if !too_late {
            accepted.push(Event { key, at, subject });
            newest = Some(newest.map_or(at, |n| n.max(at)));
        }
        if i % every != 0 {
            continue;
        }
        let horizon = velocity.horizon().expect("an event was counted");
        // Query at the horizon, the newest time, and in between.
        for query in [horizon, newest.unwrap(), (horizon + newest.unwrap()) / 2] {
            for window in Window::ALL {
                for (k, value) in KEYS.iter().enumerate() {
                    let inside: Vec<&Event> = accepted
                        .iter()
                        .filter(|e| e.key == k && e.at > query - window.seconds() && e.at <= query)
                        .collect();
                    let mut subjects: Vec<u64> = inside.iter().map(|e| e.subject).collect();
                    subjects.sort_unstable();
                    subjects.dedup();
                    prop_assert_eq!(
                        velocity.count(Key::Device, value, window, query),
                        inside.len() as u64
                    );
                    prop_assert_eq!(
                        velocity.distinct(Key::Device, value, window, query),
                        subjects.len() as u64
                    );
                }
            }
        }
    }
    Ok(())
}

/// Gaps up to a day (so the 30-day window both fills and drains), and
/// lateness up to 400 s, beyond the 300 s allowed.
fn arrivals(n: usize) -> impl Strategy<Value = Vec<(i64, i64, usize, u64)>> {
    prop::collection::vec(
        (
            prop_oneof![0i64..120, 0i64..86_400],
            prop_oneof![Just(0i64), 0i64..=MAX_LATENESS, 0i64..400],
            0usize..KEYS.len(),
            0u64..8,
        ),
        1..n,
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]
    #[test]
    fn counts_equal_a_recount(arrivals in arrivals(400)) {
        check(&arrivals, 1)?;
    }
}

#[test]
fn an_event_at_a_window_edge_is_in_the_later_window_only() {
    let mut velocity = Velocity::new();
    velocity.record(Key::Phone, "p", 0, 1);
    assert_eq!(velocity.count(Key::Phone, "p", Window::Hour, 0), 1);
    assert_eq!(velocity.count(Key::Phone, "p", Window::Hour, 3_599), 1);
    // (t − 1h, t]: an event exactly an hour old is out.
    assert_eq!(velocity.count(Key::Phone, "p", Window::Hour, 3_600), 0);
    assert_eq!(velocity.count(Key::Phone, "p", Window::Day, 3_600), 1);
}

#[test]
fn a_late_event_within_five_minutes_lands_in_its_own_window() {
    let mut velocity = Velocity::new();
    velocity.record(Key::Ip, "x", 10_000, 1);
    // Arrives after an event 300 s newer: still counted, at its own time.
    assert_eq!(velocity.record(Key::Ip, "x", 9_700, 2), Recorded::Counted);
    assert_eq!(velocity.count(Key::Ip, "x", Window::Hour, 9_700), 1);
    assert_eq!(velocity.distinct(Key::Ip, "x", Window::Hour, 10_000), 2);
    assert_eq!(
        velocity.record(Key::Ip, "x", 9_699, 3),
        Recorded::TooLate { by: 1 }
    );
}

/// The million events, out of order; slow unoptimised, so run it
/// with `cargo test -p kredit-risk --release --test velocity -- --ignored`.
#[test]
#[ignore]
fn a_million_events_equal_a_recount() {
    // A fixed splitmix64 stream: the same events on every run.
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = move || {
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    };
    let arrivals: Vec<(i64, i64, usize, u64)> = (0..1_000_000)
        .map(|_| {
            let r = next();
            (
                (r % 8) as i64,
                ((r >> 8) % 360) as i64,
                ((r >> 20) % 3) as usize,
                (r >> 32) % 50,
            )
        })
        .collect();
    check(&arrivals, 20_000).unwrap();
}
