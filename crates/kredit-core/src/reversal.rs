//! A request to reverse a loan event (maker-checker): made by one member
//! of staff, approved or rejected by another.

use crate::lifecycle::string_enum;

string_enum! {
    /// Where a reversal request stands.
    pub enum ReversalStatus ("reversal status") {
        Pending = "pending",
        /// The event is reversed.
        Approved = "approved",
        Rejected = "rejected",
    }
}
