//! Batch work over many loans: close of business for a business date, and
//! realistic demo portfolios to run it on. Storage-agnostic: the callers load
//! and save loans; this crate advances them and sums the general ledger.

pub mod cob;
pub mod demo;
pub mod portfolio;
mod rng;
