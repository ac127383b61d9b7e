//! A loan application's lifecycle.
//!
//! ```text
//! submitted ──► approved ──► accepted (contract signed, loan made)
//!          ├──► declined
//!          └──► referred ──► approved | declined (by an underwriter)
//! ```

use crate::decision::Outcome;
use crate::lifecycle::string_enum;

string_enum! {
    /// Where an application stands.
    pub enum ApplicationStatus ("application status") {
        Approved = "approved",
        Declined = "declined",
        /// Waiting in the underwriting queue.
        Referred = "referred",
        /// The borrower signed the contract; the loan exists.
        Accepted = "accepted",
    }
}

impl ApplicationStatus {
    /// The status an automated decision leaves an application in.
    pub fn decided(outcome: Outcome) -> ApplicationStatus {
        match outcome {
            Outcome::Approved => ApplicationStatus::Approved,
            Outcome::Declined => ApplicationStatus::Declined,
            Outcome::Referred => ApplicationStatus::Referred,
        }
    }

    /// Whether an application may move from this status to `next`.
    pub fn can_become(self, next: ApplicationStatus) -> bool {
        use ApplicationStatus::{Accepted, Approved, Declined, Referred};
        matches!(
            (self, next),
            (Referred, Approved | Declined) | (Approved, Accepted)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::ApplicationStatus::{self, *};

    #[test]
    fn only_forward_moves() {
        let allowed = [
            (Referred, Approved),
            (Referred, Declined),
            (Approved, Accepted),
        ];
        for from in ApplicationStatus::ALL {
            for to in ApplicationStatus::ALL {
                assert_eq!(
                    from.can_become(to),
                    allowed.contains(&(from, to)),
                    "{from} → {to}"
                );
            }
        }
    }

    #[test]
    fn final_states_stay() {
        for done in [Declined, Accepted] {
            assert!(
                ApplicationStatus::ALL
                    .iter()
                    .all(|to| !done.can_become(*to))
            );
        }
    }
}
