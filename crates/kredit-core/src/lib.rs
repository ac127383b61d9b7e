//! Kredit's lending domain: pure functions and values, no I/O, no async.
//!
//! Every amount is [`Money`] (integer fen), every rate a [`Rate`] (an exact
//! decimal). Storage, HTTP, jobs and the CLI call into this crate; nothing
//! here knows about them. The rules each module implements are written down
//! in `docs/interest.md` and `docs/ledger.md`.

pub mod application;
pub mod apr;
pub mod calendar;
pub mod canonical;
pub mod catalogue;
pub mod consent;
pub mod contract;
pub mod data_rights;
pub mod decision;
pub mod delinquency;
pub mod evidence;
pub mod feedback;
pub mod identity;
pub mod ids;
pub mod ledger;
pub mod lifecycle;
pub mod loan;
pub mod money;
pub mod payment;
pub mod personal_data;
pub mod product;
pub mod rate;
pub mod reversal;
pub mod schedule;
pub mod text;
pub mod totp;

pub use money::Money;
pub use rate::Rate;
