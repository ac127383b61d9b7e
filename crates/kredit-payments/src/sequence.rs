//! What a receiver does with a verified callback, given what it already
//! applied. Providers redeliver until acknowledged and do not promise order,
//! so the same notice can arrive twice and an old one after a newer one.

use crate::PaymentCallback;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CallbackDecision {
    /// Newer than anything applied: apply it and store its sequence.
    Apply,
    /// The notice last applied, delivered again: acknowledge, change nothing.
    IgnoreDuplicate,
    /// Older than what was applied: acknowledge, change nothing.
    IgnoreStale,
}

/// Decides a verified callback against the payment's last applied sequence
/// (0 when nothing has been applied yet; providers number notices from 1).
///
/// Every outcome should be answered with a 2xx: an ignored callback is still
/// *received*, and a non-2xx only makes the provider send it again.
pub fn decide_callback(callback: &PaymentCallback, last_applied_sequence: u64) -> CallbackDecision {
    decide_sequence(callback.sequence, last_applied_sequence)
}

fn decide_sequence(sequence: u64, last_applied_sequence: u64) -> CallbackDecision {
    use std::cmp::Ordering;
    match sequence.cmp(&last_applied_sequence) {
        Ordering::Greater => CallbackDecision::Apply,
        Ordering::Equal => CallbackDecision::IgnoreDuplicate,
        Ordering::Less => CallbackDecision::IgnoreStale,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn first_notice_applies_repeat_is_duplicate_older_is_stale() {
        assert_eq!(decide_sequence(1, 0), CallbackDecision::Apply);
        assert_eq!(decide_sequence(1, 1), CallbackDecision::IgnoreDuplicate);
        assert_eq!(decide_sequence(1, 2), CallbackDecision::IgnoreStale);
        assert_eq!(decide_sequence(3, 1), CallbackDecision::Apply);
    }

    /// A receiver that follows the helper over any delivery order, with any
    /// redeliveries, applies a strictly increasing run of notices and ends on
    /// the newest one: nothing is applied twice and nothing old wins.
    fn deliveries() -> impl Strategy<Value = Vec<u64>> {
        (1u64..8).prop_flat_map(|newest| {
            let every_notice = (1..=newest).collect::<Vec<_>>();
            (Just(every_notice), prop::collection::vec(1..=newest, 0..10)).prop_flat_map(
                |(all, extra)| {
                    let mut sent = all;
                    sent.extend(extra);
                    Just(sent).prop_shuffle()
                },
            )
        })
    }

    proptest! {
        #[test]
        fn any_delivery_order_converges_on_the_newest_notice(sent in deliveries()) {
            let mut last_applied = 0;
            let mut applied = Vec::new();
            for sequence in &sent {
                match decide_sequence(*sequence, last_applied) {
                    CallbackDecision::Apply => {
                        applied.push(*sequence);
                        last_applied = *sequence;
                    }
                    CallbackDecision::IgnoreDuplicate => prop_assert_eq!(*sequence, last_applied),
                    CallbackDecision::IgnoreStale => prop_assert!(*sequence < last_applied),
                }
            }
            prop_assert!(applied.windows(2).all(|pair| pair[0] < pair[1]));
            prop_assert_eq!(last_applied, *sent.iter().max().unwrap());
        }
    }
}
