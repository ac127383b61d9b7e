//! One module per subcommand.

pub mod admin;
pub mod bench;
pub mod cob;
pub mod demo;
pub mod import;
pub mod keys;
pub mod ledger;
pub mod log;
pub mod migrate;
pub mod model;
pub mod policy;
pub mod products;
pub mod schedule;
pub mod serve;
pub mod witness;
