//! Batch work over many loans: close of business for a business date, and
//! realistic demo portfolios to run it on.
//!
//! [`cob`] is the storage-agnostic engine over loans in memory; [`store`]
//! runs it over the database in restartable, leased chunks
//! ([`close_of_business`]); [`generate`] loads a demo portfolio into the
//! database.

pub mod cob;
pub mod demo;
pub mod generate;
pub mod portfolio;
mod rng;
pub mod store;

pub use store::{CobError, CobOptions, CobReport, close_of_business};
