//! A payment's lifecycle as values: which way the money goes
//! ([`PaymentDirection`]), what it is for ([`PaymentPurpose`]) and where it
//! stands ([`PaymentStatus`]), with the one string each has in storage, JSON
//! and the API, and the transitions a status may make.
//!
//! ```text
//! created ──authorised──▶ authorised ──submitted──▶ submitted ──▶ succeeded
//!    │                        │                        │
//!    └──refused──▶ failed ◀───┴────────────────────────┘
//! ```
//!
//! A payment is written `created`; the authoriser (a fraud or disbursement
//! policy) makes it `authorised` or refuses it (`failed`); only an
//! authorised payment is handed to the provider (`submitted`), whose notice
//! settles it (`succeeded` or `failed`). A notice may overtake our own record
//! of the submission (a crash between the two), so `authorised` may settle
//! directly. Nothing leaves `succeeded` or `failed`, and `created` never
//! reaches the provider: see [`PaymentStatus::may_be_sent`].

use crate::lifecycle::string_enum;

/// A transition the lifecycle does not allow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a payment cannot go from {from} to {to}")]
pub struct InvalidTransition {
    pub from: PaymentStatus,
    pub to: PaymentStatus,
}

string_enum! {
    /// Which way money moves, seen from the lender.
    pub enum PaymentDirection ("payment direction") {
        /// Lender → borrower: paying out a loan.
        Disbursement = "disbursement",
        /// Borrower → lender: debiting a repayment.
        Collection = "collection",
    }
}

string_enum! {
    /// What a payment is for.
    pub enum PaymentPurpose ("payment purpose") {
        /// Paying out an accepted loan.
        Disbursement = "disbursement",
        /// A borrower's repayment of any amount.
        Repayment = "repayment",
        /// A borrower's prepayment of principal (with a re-amortisation mode).
        Prepayment = "prepayment",
        /// A borrower paying the loan off.
        Payoff = "payoff",
        /// What close of business found due, collected from the card.
        AutoDebit = "auto_debit",
    }
}

impl PaymentPurpose {
    /// The direction a payment of this purpose moves money in.
    pub const fn direction(self) -> PaymentDirection {
        match self {
            PaymentPurpose::Disbursement => PaymentDirection::Disbursement,
            _ => PaymentDirection::Collection,
        }
    }

    /// A payoff or prepayment: while one is open no other collection of
    /// the loan is accepted (it changes what the loan can take).
    pub const fn is_exclusive(self) -> bool {
        matches!(self, PaymentPurpose::Payoff | PaymentPurpose::Prepayment)
    }
}

string_enum! {
    /// Where a payment stands: `created` → `authorised` → `submitted` →
    /// `succeeded` | `failed`; a payment the authoriser refuses goes from
    /// `created` to `failed` and is never sent.
    pub enum PaymentStatus ("payment status") {
        /// Written, not yet authorised.
        Created = "created",
        /// The authoriser allowed it; it may be handed to the provider.
        Authorised = "authorised",
        /// The provider accepted it; its outcome comes by notice.
        Submitted = "submitted",
        Succeeded = "succeeded",
        /// Refused by the authoriser or by the bank (`failure_code` says why).
        Failed = "failed",
    }
}

impl PaymentStatus {
    /// The statuses a provider notice may settle: those the provider may
    /// hold. A `created` payment was never sent, so no notice about it is
    /// genuine.
    pub const AT_PROVIDER: [PaymentStatus; 2] =
        [PaymentStatus::Authorised, PaymentStatus::Submitted];

    /// Whether `self → next` is a step of the lifecycle. Staying put is not
    /// a step.
    pub const fn can_become(self, next: PaymentStatus) -> bool {
        use PaymentStatus::*;
        matches!(
            (self, next),
            (Created, Authorised | Failed)
                | (Authorised, Submitted | Succeeded | Failed)
                | (Submitted, Succeeded | Failed)
        )
    }

    /// `next`, if the lifecycle allows the step.
    pub fn transition(self, next: PaymentStatus) -> Result<PaymentStatus, InvalidTransition> {
        if self.can_become(next) {
            Ok(next)
        } else {
            Err(InvalidTransition {
                from: self,
                to: next,
            })
        }
    }

    /// `succeeded` or `failed`: nothing changes it any more.
    pub const fn is_final(self) -> bool {
        matches!(self, PaymentStatus::Succeeded | PaymentStatus::Failed)
    }

    /// Whether the payment may be handed (again) to the provider: only once
    /// authorised and until settled. The provider is idempotent by merchant
    /// reference, so sending a `submitted` payment again is safe.
    pub const fn may_be_sent(self) -> bool {
        matches!(self, PaymentStatus::Authorised | PaymentStatus::Submitted)
    }

    /// Whether a provider notice about the payment may be applied.
    pub const fn awaits_provider(self) -> bool {
        self.may_be_sent()
    }

    /// The coarse outcome (`pending` until final) that API clients written
    /// before the lifecycle had its steps read.
    pub const fn outcome(self) -> PaymentOutcome {
        match self {
            PaymentStatus::Succeeded => PaymentOutcome::Succeeded,
            PaymentStatus::Failed => PaymentOutcome::Failed,
            _ => PaymentOutcome::Pending,
        }
    }
}

string_enum! {
    /// Whether a payment has settled, and how: `pending` until its status is
    /// final (the API's `status`, next to the detailed lifecycle `state`).
    pub enum PaymentOutcome ("payment outcome") {
        /// Created, authorised or submitted.
        Pending = "pending",
        Succeeded = "succeeded",
        Failed = "failed",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lifecycle::UnknownValue;
    use PaymentStatus::*;
    use proptest::prelude::*;
    use serde::{Deserialize, Serialize};
    use std::fmt;
    use std::str::FromStr;

    #[test]
    fn each_value_has_one_name_shared_by_serde() {
        fn check<T>(all: &[T], name: impl Fn(&T) -> &'static str)
        where
            T: Serialize
                + for<'de> Deserialize<'de>
                + FromStr<Err = UnknownValue>
                + PartialEq
                + fmt::Debug,
        {
            for value in all {
                let text = name(value);
                assert_eq!(serde_json::to_value(value).unwrap(), text);
                assert_eq!(serde_json::from_value::<T>(text.into()).unwrap(), *value);
                assert_eq!(text.parse::<T>().unwrap(), *value);
            }
        }
        check(&PaymentStatus::ALL, |s| s.as_str());
        check(&PaymentDirection::ALL, |s| s.as_str());
        check(&PaymentPurpose::ALL, |s| s.as_str());
        check(&PaymentOutcome::ALL, |s| s.as_str());
        assert_eq!(
            "pending".parse::<PaymentStatus>(),
            Err(UnknownValue {
                kind: "payment status",
                value: "pending".into()
            })
        );
        assert_eq!(PaymentPurpose::AutoDebit.as_str(), "auto_debit");
    }

    #[test]
    fn the_happy_paths() {
        assert!(Created.can_become(Authorised));
        assert!(Authorised.can_become(Submitted));
        assert!(Submitted.can_become(Succeeded));
        assert!(Submitted.can_become(Failed));
        assert_eq!(Created.transition(Failed), Ok(Failed), "a refusal");
        assert_eq!(
            Created.transition(Submitted),
            Err(InvalidTransition {
                from: Created,
                to: Submitted
            }),
            "never sent unauthorised"
        );
        assert!(!Created.can_become(Succeeded));
    }

    #[test]
    fn purposes_know_their_direction() {
        assert_eq!(
            PaymentPurpose::Disbursement.direction(),
            PaymentDirection::Disbursement
        );
        for purpose in &PaymentPurpose::ALL[1..] {
            assert_eq!(purpose.direction(), PaymentDirection::Collection);
        }
    }

    fn status() -> impl Strategy<Value = PaymentStatus> {
        prop::sample::select(PaymentStatus::ALL.to_vec())
    }

    proptest! {
        /// Any sequence of attempted steps, applied where allowed: the path
        /// never leaves a final status, never reaches the provider without
        /// passing `authorised`, never revisits a status, and ends within
        /// four steps.
        #[test]
        fn every_walk_respects_the_lifecycle(attempts in prop::collection::vec(status(), 0..24)) {
            let mut path = vec![Created];
            for next in attempts {
                let current = *path.last().unwrap();
                match current.transition(next) {
                    Ok(to) => {
                        prop_assert!(!current.is_final());
                        path.push(to);
                    }
                    Err(error) => prop_assert_eq!(error, InvalidTransition { from: current, to: next }),
                }
            }
            prop_assert!(path.len() <= 4);
            let mut seen = std::collections::HashSet::new();
            prop_assert!(path.iter().all(|s| seen.insert(*s)), "no status twice: {:?}", path);
            if let Some(sent) = path.iter().position(|s| s.may_be_sent() || *s == Succeeded) {
                prop_assert!(path[..=sent].contains(&Authorised), "{:?}", path);
            }
        }

        #[test]
        fn transitions_agree_with_can_become(from in status(), to in status()) {
            prop_assert_eq!(from.transition(to).is_ok(), from.can_become(to));
            if from.is_final() || from == to {
                prop_assert!(!from.can_become(to));
            }
            // Outcome only moves from pending to final.
            if from.can_become(to) {
                prop_assert_eq!(from.outcome(), PaymentOutcome::Pending);
            }
            // A notice can settle only what the provider may hold.
            prop_assert_eq!(from.awaits_provider(), PaymentStatus::AT_PROVIDER.contains(&from));
        }

        #[test]
        fn unknown_names_are_refused(text in "[a-z_]{0,12}") {
            let known = PaymentStatus::ALL.iter().any(|s| s.as_str() == text);
            prop_assert_eq!(text.parse::<PaymentStatus>().is_ok(), known);
        }
    }
}
