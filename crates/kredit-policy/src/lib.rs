//! Kredit's policy rules, pure: no I/O, no async, no clock and no
//! randomness inside — time and facts come in as arguments, so the same
//! inputs give the same outcome on every instance and in every replay.
//!
//! - `disbursement` — the disbursement policy: a versioned, content-addressed
//!   contract as data, evaluated over facts to `Ready`, `Waiting` or `Blocked`.
//! - `screening` — watchlists (OFAC SDN, the UN consolidated list, the
//!   lender's own) and name matching.

pub mod disbursement;
pub mod screening;
