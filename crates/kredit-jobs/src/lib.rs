//! Batch work over many loans: close of business for a business date, and
//! realistic demo portfolios to run it on.
//!
//! [`cob`] is the storage-agnostic engine over loans in memory; [`store`]
//! runs it over the database in restartable, leased chunks
//! ([`close_of_business`]); [`import`] takes over a portfolio from another
//! system with its opening balances; [`generate`] loads a demo portfolio
//! into the database the same way.

pub mod cob;
pub mod demo;
pub mod generate;
pub mod import;
pub mod portfolio;
mod rng;
pub mod store;

pub use store::{CobError, CobOptions, CobReport, close_of_business};
