//! Kredit's storage: one [`Repository`] trait with SQLite and PostgreSQL
//! implementations sharing their SQL, per-dialect migrations embedded in the
//! binary, and the field encryption that keeps personal data unreadable at
//! rest ([`pii`]).

pub mod cob;
mod connect;
pub mod data_rights;
pub mod disbursement;
pub mod feedback;
pub mod import;
pub mod jobs;
pub mod keys;
pub mod lending;
pub mod loan_state;
pub mod model;
pub mod models;
pub mod origin;
pub mod outbox;
pub mod personal_data;
pub mod pii;
mod repository;
pub mod risk;
#[cfg(feature = "testing")]
pub mod scan;
pub mod sessions;
mod sqlite_direct;
#[cfg(feature = "testing")]
pub mod testing;
pub mod tlog;
pub mod tlog_witness;
pub mod totp;

pub use connect::{connect, connect_postgres, connect_sqlite};
pub use feedback::FeedbackStore;
pub use jobs::JobStore;
pub use kredit_core::ids::*;
pub use lending::LendingStore;
pub use model::*;
pub use models::*;
pub use repository::{Backend, Repository, SqlRepository, StoreError, StoreResult};
pub use sessions::{NewSession, Refreshed, SessionRecord, SessionStore};

/// The current time at the precision both databases keep (microseconds),
/// so a timestamp reads back exactly as it was written.
#[must_use]
pub fn now() -> chrono::DateTime<chrono::Utc> {
    use chrono::SubsecRound;
    chrono::Utc::now().trunc_subsecs(6)
}
